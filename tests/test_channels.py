"""lbc channel add/list/remove/test (SPEC section 12): every option checked before anything is written, secrets
masked in every output, message, error and the audit log, a channel tried against a local server only."""

import io
import json
import os
import re
import sys

import pytest
from conftest import copy_db, execute, rows
from fake_platforms import platform  # noqa: F401 (a fixture)
from test_one_language import _chinese, _english_words

from lbc_cli import channels, delivery

WECOM_KEY = "693axxxx-1234-5678-9abc-def012345678"
WECOM = f"https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key={WECOM_KEY}"
WECOM_SHOWN = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=693a…****"
DING_TOKEN = "abcdef0123456789abcdef0123456789"
DING = f"https://oapi.dingtalk.com/robot/send?access_token={DING_TOKEN}"
DING_SHOWN = "https://oapi.dingtalk.com/robot/send?access_token=abcd…****"
FEISHU_HOOK = "2f8c1a3e-1111-2222-3333-444455556666"
FEISHU = f"https://open.feishu.cn/open-apis/bot/v2/hook/{FEISHU_HOOK}"
FEISHU_SHOWN = "https://open.feishu.cn/open-apis/bot/v2/hook/2f8c…****"
SECRET = "SECb9f0e3d4c5a6b7c8d9e0f1a2b3c4d5e6f7"
SECRETS = (WECOM_KEY, DING_TOKEN, FEISHU_HOOK, SECRET, "zhangsan@qq.com", "lisi@163.com")


def ok(result) -> str:
    assert result.code == 0, result
    return result.out


def count(db) -> int:
    return rows(db, "SELECT count(*) FROM channels")[0][0]


def whole_audit(db) -> str:
    return json.dumps(rows(db, "SELECT * FROM audit_log"), ensure_ascii=False, default=str)


def add_three(lbc) -> None:
    """A WeCom channel for 李家村, a signed DingTalk one for helper 1, an e-mail one."""
    ok(lbc("helper", "add", "王老师", "--role", "class-teacher"))
    ok(lbc("channel", "add", "李家村群", "--webhook", WECOM, "--style", "企业微信", "--village", " 李家村 "))
    ok(lbc("channel", "add", "钉钉", "--webhook", DING, "--style", "dingtalk", "--sign-secret", SECRET,
           "--keyword", "提醒", "--helper", "王老师"))  # fmt: skip
    ok(lbc("channel", "add", "邮件", "--email", "zhangsan@qq.com；lisi@163.com", "--smtp", "smtp.qq.com",
           "--smtp-user", "zhangsan@qq.com"))  # fmt: skip


# ---- masking -----------------------------------------------------------------------------------------------------


def test_masking_keeps_what_tells_channels_apart_and_hides_the_keys():
    assert channels.masked_webhook(WECOM) == WECOM_SHOWN
    assert channels.masked_webhook(DING) == DING_SHOWN
    assert channels.masked_webhook(FEISHU) == FEISHU_SHOWN
    assert channels.masked_webhook("http://u:pw@127.0.0.1:8080/hook?key=abc&x=1#frag") == (
        "http://****@127.0.0.1:8080/hook?key=****&x=****#****"
    )
    assert channels.masked_webhook("not a url at all") == "not …****"
    assert channels.masked_secret(SECRET) == "SECb…****" and channels.masked_secret("short") == "****"
    assert channels.masked_address("zhangsan@qq.com") == "zh***@qq.com"
    assert channels.masked_address("li@163.com") == "l***@163.com"
    assert channels.masked_addresses("zhangsan@qq.com,li@163.com") == "zh***@qq.com, l***@163.com"


# ---- add and list ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["table", "csv", "json", "jsonl", "md"])
def test_list_shows_every_channel_masked_in_every_format(lbc, fmt):
    add_three(lbc)
    out = ok(lbc("channel", "list", "--format", fmt)).replace("\\", "")  # Markdown's escapes
    for secret in SECRETS:
        assert secret not in out, (secret, out)
    assert WECOM_SHOWN in out and DING_SHOWN in out
    assert "zh***@qq.com, li***@163.com via smtp.qq.com:465" in out
    assert "signing secret SECb…****; keyword '提醒'" in out
    assert "villages: 李家村" in out and "helpers: 王老师" in out and "everything" in out
    if fmt == "json":
        listed = json.loads(out)
        assert [c["channel"] for c in listed] == ["李家村群", "邮件", "钉钉"]  # in order of the names' text
        assert [c["style"] for c in listed] == ["wecom", "email", "dingtalk"]
    if fmt == "table":
        assert "WeCom" in out and "DingTalk" in out and "e-mail" in out


def test_list_in_chinese(lbc):
    add_three(lbc)
    out = ok(lbc("--lang", "zh", "channel", "list"))
    assert "企业微信" in out and "钉钉" in out and "电子邮件" in out
    assert "签名密钥 SECb…****；关键词“提醒”" in out and "村：李家村" in out and "帮扶人：王老师" in out
    assert "zh***@qq.com、li***@163.com，经 smtp.qq.com:465" in out
    people = re.sub(r"[\w.*]+@[\w.]+|smtp\.qq\.com", " ", out.replace(WECOM_SHOWN, "").replace(DING_SHOWN, ""))
    assert _english_words(people, ["SECb…****"]) == [], people


def test_an_empty_list_says_how_to_add_one(lbc):
    done = lbc("channel", "list")
    assert done.code == 0 and done.out == ""
    assert "no channel yet. Add one: lbc channel add NAME --webhook URL --style wecom" in done.err
    assert "还没有渠道" in lbc("--lang", "zh", "channel", "list").err
    assert json.loads(ok(lbc("channel", "list", "--format", "json"))) == []


def test_what_is_stored(lbc, db, tmp_path):
    add_three(lbc)
    secret_file = tmp_path / "smtp.pw"
    secret_file.write_text("authcode\n")
    secret_file.chmod(0o600)
    os.chdir(tmp_path)  # a relative path is stored absolute
    ok(lbc("channel", "add", "163", "--email", "a@163.com,b@163.com", "--smtp", "smtp.163.com:994",
           "--from", "bureau@163.com", "--password-file", "smtp.pw"))  # fmt: skip
    ok(lbc("channel", "add", "tls", "--email", "c@example.org", "--smtp", "mail.example.org", "--starttls",
           "--from", "d@example.org"))  # fmt: skip
    columns = (
        "name, style, webhook, sign_secret, keyword, email_to, smtp_host, smtp_port, smtp_security, smtp_user,"
        " from_address, password_file, villages, helper_ids"
    )
    got = rows(db, f"SELECT {columns} FROM channels ORDER BY id")
    assert got == [
        ("李家村群", "wecom", WECOM, None, None, None, None, None, None, None, None, None, "李家村", ""),
        ("钉钉", "dingtalk", DING, SECRET, "提醒", None, None, None, None, None, None, None, "", "1"),
        ("邮件", "email", None, None, None, "zhangsan@qq.com,lisi@163.com", "smtp.qq.com", 465, "tls",
         "zhangsan@qq.com", "zhangsan@qq.com", None, "", ""),
        ("163", "email", None, None, None, "a@163.com,b@163.com", "smtp.163.com", 994, "tls", "bureau@163.com",
         "bureau@163.com", str(secret_file), "", ""),
        ("tls", "email", None, None, None, "c@example.org", "mail.example.org", 587, "starttls", "d@example.org",
         "d@example.org", None, "", ""),
    ]  # fmt: skip
    assert "authcode" not in json.dumps(rows(db, "SELECT * FROM channels"), default=str) + whole_audit(db)


def test_a_default_style_is_json_and_a_village_of_no_child_is_a_warning(lbc, db):
    ok(lbc("enroll", "李小明", "--gender", "M", "--birth", "2016-01-02", "--village", "城关镇东村"))
    done = lbc("channel", "add", "县", "--webhook", "http://127.0.0.1:9/hook", "--village", "城关镇")
    assert done.code == 0 and "warning" not in done.err  # a township: its villages have a child
    assert "channel '县' added (JSON: http://127.0.0.1:9/hook)" in done.err
    done = lbc("channel", "add", "空", "--webhook", "http://127.0.0.1:9/hook", "--village", "无人村")
    assert done.code == 0
    assert "warning: no child is recorded in '无人村'" in done.err
    assert rows(db, "SELECT style, villages FROM channels ORDER BY id") == [("json", "城关镇"), ("json", "无人村")]


BAD = [
    # (the command line after `channel add`, the exit code, what the error says)
    (["x"], 2, "give either --webhook URL or --email addresses"),
    (["x", "--webhook", WECOM, "--email", "a@qq.com"], 2, "give either --webhook URL or --email addresses"),
    (["x", "--webhook", f"ftp://example.com/send?key={WECOM_KEY}"], 2,
     "--webhook: the URL ftp://example.com/send?key=693a…**** must start with http:// or https://"),
    (["x", "--webhook", f"https:///send?key={WECOM_KEY}"], 2, "names no host"),
    (["x", "--webhook", f"https://a.com/send?key={WECOM_KEY} x"], 2, "contains spaces or control characters"),
    (["x", "--webhook", f"https://a.com/send?key={WECOM_KEY}\x07"], 2, "contains spaces or control characters"),
    (["x", "--webhook", "https://a.com/" + "a" * 2001], 2, "is too long (at most 2000 characters)"),
    (["x", "--webhook", "https://a.com:99999/hook"], 2, "is not valid"),
    (["x", "--webhook", "https://例子.com/hook"], 2, "beyond ASCII"),
    (["x", "--webhook", WECOM, "--style", "slack"], 2, "--style: 'slack' is not one of: json (通用 JSON), wecom"),
    (["x", "--webhook", WECOM, "--style", "wecom", "--sign-secret", SECRET], 2,
     "--sign-secret: only DingTalk and Feishu robots have a signing secret and a custom keyword; WeCom has none"),
    (["x", "--webhook", WECOM, "--keyword", "提醒"], 2, "--keyword: only DingTalk and Feishu robots"),
    (["x", "--webhook", DING, "--style", "dingtalk", "--sign-secret", "SEC 1"], 2, "the signing secret holds"),
    (["x", "--webhook", WECOM, "--smtp", "smtp.qq.com"], 2, "--smtp: is only for an e-mail channel (--email)"),
    (["x", "--webhook", WECOM, "--starttls"], 2, "--starttls: is only for an e-mail channel"),
    (["x", "--email", "zhangsan@qq.com", "--smtp", "smtp.qq.com", "--style", "wecom"], 2,
     "--style: is only for a webhook channel (--webhook)"),
    (["x", "--email", "zhangsan@qq.com", "--smtp", "smtp.qq.com", "--sign-secret", SECRET], 2,
     "--sign-secret: is only for a webhook channel"),
    (["x", "--email", "zhangsan@qq.com，lisi-at-163.com", "--smtp", "smtp.qq.com", "--from", "a@qq.com"], 2,
     "--email: 'lisi…****' is not an e-mail address"),
    (["x", "--email", "zhangsan@qq", "--smtp", "smtp.qq.com", "--from", "a@qq.com"], 2,
     "--email: 'zh***@qq' is not an e-mail address"),
    (["x", "--email", "zhangsan@qq.com"], 2, "an e-mail channel needs --smtp HOST[:PORT]"),
    (["x", "--email", "zhangsan@qq.com", "--smtp", "smtp.qq.com:0", "--from", "a@qq.com"], 2,
     "--smtp: the port '0' is not valid: 1–65535"),
    (["x", "--email", "zhangsan@qq.com", "--smtp", "smtp.qq.com:65536", "--from", "a@qq.com"], 2, "'65536'"),
    (["x", "--email", "zhangsan@qq.com", "--smtp", "smtp qq.com", "--from", "a@qq.com"], 2, "is not a host name"),
    (["x", "--email", "zhangsan@qq.com", "--smtp", "smtp.qq.com", "--tls", "--starttls", "--from", "a@qq.com"], 2,
     "--tls and --starttls exclude each other"),
    (["x", "--email", "zhangsan@qq.com", "--smtp", "smtp.qq.com"], 2, "give --from or --smtp-user"),
    (["x", "--email", "zhangsan@qq.com", "--smtp", "smtp.qq.com", "--smtp-user", "zhangsan"], 2,
     "--smtp-user: '****' is not an e-mail address"),
    (["x", "--email", "zhangsan@qq.com", "--smtp", "smtp.qq.com", "--from", "a@qq.com,b@qq.com"], 2,
     "the sender is one address"),
    (["x", "--email", "zhangsan@qq.com", "--smtp", "smtp.qq.com", "--from", "a@qq.com", "--password-file",
      "/nonexistent/pw"], 2, "the password file /nonexistent/pw does not exist"),
    (["", "--webhook", WECOM], 2, "channel name: must not be empty"),
    (["a\tb", "--webhook", WECOM], 2, "channel name: contains control characters"),
    (["长" * 41, "--webhook", WECOM], 2, "channel name: is too long (at most 40 characters)"),
    (["x", "--webhook", WECOM, "--village", "a;b"], 2, "must not contain ;"),
    (["x", "--webhook", WECOM, "--helper", "无此人"], 1, "no helper '无此人'"),
]  # fmt: skip


@pytest.mark.parametrize(("args", "code", "said"), BAD, ids=[f"{c}: {s[:40]}" for _a, c, s in BAD])
def test_bad_input_is_one_line_with_the_secret_masked_and_nothing_written(lbc, db, args, code, said):
    done = lbc("channel", "add", *args)
    assert done.code == code, done
    assert said in done.err, done.err
    assert done.err.count("\n") == 1 and "Traceback" not in done.err
    for secret in SECRETS:
        assert secret not in done.err
    assert count(db) == 0


def test_a_password_file_open_to_others_is_refused(lbc, db, tmp_path):
    secret_file = tmp_path / "pw"
    secret_file.write_text("authcode\n")
    secret_file.chmod(0o644)
    done = lbc("channel", "add", "x", "--email", "a@qq.com", "--smtp", "smtp.qq.com", "--from", "a@qq.com",
               "--password-file", str(secret_file))  # fmt: skip
    assert done.code == 2 and f"run chmod 600 {secret_file}" in done.err
    assert "authcode" not in done.err and count(db) == 0


def test_a_second_channel_of_the_same_name_is_refused(lbc, db):
    ok(lbc("channel", "add", "县", "--webhook", WECOM))
    done = lbc("channel", "add", " 县 ", "--webhook", DING, "--style", "dingtalk")
    assert done.code == 1 and done.err == "lbc: error: a channel named '县' already exists\n"
    assert rows(db, "SELECT webhook FROM channels") == [(WECOM,)]


def test_errors_in_chinese_are_in_one_language(lbc, db):
    cases = [
        (["x", "--webhook", f"ftp://example.com/send?key={WECOM_KEY}"], "须以 http:// 或 https:// 开头"),
        (["x", "--webhook", WECOM, "--style", "slack"], "“slack”不是可选值"),
        (["x", "--webhook", WECOM, "--sign-secret", SECRET], "签名密钥和自定义关键词，通用 JSON 没有"),
        (["x", "--email", "zhangsan@qq.com", "--smtp", "smtp.qq.com:70000", "--from", "a@qq.com"], "应为 1–65535"),
        (["x"], "二者选一"),
        (["x", "--email", "zhangsan@qq.com", "--smtp", "smtp.qq.com"], "缺一个时用另一个"),
    ]  # fmt: skip
    for args, said in cases:
        done = lbc("--lang", "zh", "channel", "add", *args)
        assert done.code == 2 and said in done.err, done.err
        assert _english_words(done.err, args) == [], done.err
        english = lbc("--lang", "en", "channel", "add", *args)
        assert english.code == 2 and _chinese(english.err, args) == [], english.err


# ---- the audit log ---------------------------------------------------------------------------------------------


def test_the_audit_log_holds_no_key_secret_or_address(lbc, db):
    add_three(lbc)
    ok(lbc("channel", "add", "飞书", "--webhook", FEISHU, "--style", "飞书", "--sign-secret", SECRET))
    ok(lbc("channel", "remove", "钉钉", "--yes"))
    ok(lbc("channel", "remove", "邮件", "--yes"))
    logged = whole_audit(db)
    for secret in SECRETS:
        assert secret not in logged, secret
    assert WECOM_SHOWN in logged and DING_SHOWN in logged and FEISHU_SHOWN in logged and "SECb…****" in logged
    assert "zh***@qq.com,li***@163.com" in logged
    actions = rows(db, "SELECT action, row_id FROM audit_log WHERE table_name = 'channels' ORDER BY id")
    assert actions == [("insert", 1), ("insert", 2), ("insert", 3), ("insert", 4), ("delete", 2), ("delete", 3)]
    shown = ok(lbc("audit", "--table", "channels"))
    for secret in SECRETS:
        assert secret not in shown


# ---- remove ----------------------------------------------------------------------------------------------------


def test_remove_takes_the_channel_and_its_send_log(lbc, db):
    add_three(lbc)
    execute(db, "INSERT INTO send_log (channel_id, child_id, rule, due_date, sent_at) VALUES (2, NULL, 'schedule',"
                " '2026-12-31', '2026-12-01 08:00:00')")  # fmt: skip
    execute(db, "INSERT INTO send_log (channel_id, child_id, rule, due_date, sent_at) VALUES (1, NULL, 'schedule',"
                " '2026-12-31', '2026-12-01 08:00:00')")  # fmt: skip
    done = lbc("channel", "remove", "钉钉", "--yes")
    assert done.code == 0 and done.err == "channel '钉钉' removed (with 1 send log row)\n"
    assert rows(db, "SELECT name FROM channels ORDER BY id") == [("李家村群",), ("邮件",)]
    assert rows(db, "SELECT channel_id FROM send_log") == [(1,)]
    assert "已删除渠道“邮件”（及 0 条发送记录）" in lbc("--lang", "zh", "channel", "remove", "邮件", "-y").err


def test_remove_in_a_pipe_needs_yes(lbc, db):
    add_three(lbc)
    done = lbc("channel", "remove", "钉钉")
    assert done.code == 1 and done.err == "lbc: error: removing a channel needs confirmation: add --yes\n"
    assert count(db) == 3


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize(("answer", "left"), [("n\n", 3), ("y\n", 2)])
def test_remove_on_a_terminal_asks(lbc, db, monkeypatch, answer, left):
    add_three(lbc)
    monkeypatch.setattr(sys, "stdin", _Terminal(answer))
    done = lbc("channel", "remove", "钉钉")
    assert "remove the channel '钉钉' and its send log?" in done.err
    assert done.code == (1 if left == 3 else 0) and count(db) == left


def test_an_unknown_name_is_refused_with_the_close_ones(lbc, db):
    add_three(lbc)
    done = lbc("channel", "remove", "李家村", "--yes")
    assert done.code == 1 and done.err == "lbc: error: no channel '李家村'; did you mean: 李家村群?\n"
    done = lbc("channel", "test", "nothing")
    assert done.code == 1 and done.err == "lbc: error: no channel 'nothing' (lbc channel list shows them all)\n"
    assert "找不到渠道“钉”；是不是：钉钉？" in lbc("--lang", "zh", "channel", "remove", "钉", "--yes").err
    assert count(db) == 3


# ---- test ------------------------------------------------------------------------------------------------------


@pytest.fixture
def no_waiting(monkeypatch):
    monkeypatch.setattr(delivery, "BACKOFF", 0.0)


def test_a_test_message_reaches_a_json_channel(lbc, platform, no_waiting):  # noqa: F811
    ok(lbc("channel", "add", "本地", "--webhook", platform.url("/hook?key=abcdef0123456789")))
    done = lbc("channel", "test", "本地")
    assert done.code == 0 and done.out == "" and done.err == "test message sent to channel '本地'\n"
    assert len(platform.requests) == 1
    assert platform.requests[0].path == "/hook?key=abcdef0123456789"
    assert platform.requests[0].json()["text"] == "lbc test message: channel 本地 works"
    zh = lbc("--lang", "zh", "channel", "test", "本地")
    assert zh.code == 0 and "已向渠道“本地”发送测试消息" in zh.err


def test_a_test_message_refused_with_500_is_one_line_and_exit_1(lbc, platform, no_waiting):  # noqa: F811
    platform.answer = lambda request: (500, b"{}")
    ok(lbc("channel", "add", "本地", "--webhook", platform.url("/hook?key=abcdef0123456789")))
    done = lbc("channel", "test", "本地")
    assert done.code == 1 and done.err == "lbc: error: channel 本地: 127.0.0.1 answered HTTP 500\n"
    assert len(platform.requests) == delivery.TRIES
    assert "abcdef0123456789" not in done.err


def test_a_test_message_to_a_closed_port_is_one_line_and_exit_1(lbc, no_waiting):
    import socket

    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    ok(lbc("channel", "add", "本地", "--webhook", f"http://127.0.0.1:{port}/hook?key=abcdef0123456789"))
    done = lbc("channel", "test", "本地")
    assert done.code == 1 and done.err.startswith("lbc: error: channel 本地: cannot reach 127.0.0.1 (")
    assert done.err.count("\n") == 1 and "abcdef0123456789" not in done.err
    zh = lbc("--lang", "zh", "channel", "test", "本地")
    assert zh.code == 1 and "无法连接 127.0.0.1" in zh.err


# ---- channels are this database's own settings ---------------------------------------------------------------


def test_channels_are_neither_exported_nor_merged_and_db_check_passes(lbc, run, db, tmp_path):
    other = copy_db(db, tmp_path / "other.db")
    ok(run("channel", "add", "他们的", "--webhook", DING, "--style", "dingtalk", db=other))
    add_three(lbc)
    ok(lbc("db", "check"))
    merged = lbc("merge", str(other))
    assert merged.code == 0, merged
    assert rows(db, "SELECT name FROM channels ORDER BY id") == [("李家村群",), ("钉钉",), ("邮件",)]
    assert lbc("export", "channels").code == 2


def test_list_as_csv_for_excel_takes_a_bom(lbc):
    add_three(lbc)
    out = ok(lbc("channel", "list", "--format", "csv", "--bom"))
    assert out.startswith("\ufeffchannel,style,where,security,scope,created_at\r\n")  # CSV lines end CRLF
    assert lbc("channel", "list", "--bom").code == 2
