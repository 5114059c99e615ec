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
        "http://****@127.0.0.1:8080/hook?key=****&****=****#****"  # a name not known is masked too
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
    # from outside: a user and password in the URL were masked, then never sent
    (["x", "--webhook", "http://user:pa%40ss@127.0.0.1:9/cred"], 2,
     "--webhook: the URL http://****@127.0.0.1:9/**** has a user or password in it"),
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
    # from the re-test: a user and password before the host were echoed in the error
    (["x", "--email", "zhangsan@qq.com", "--smtp", "me:pw@smtp.qq.com:465", "--from", "a@qq.com"], 2,
     "--smtp: '****@smtp.qq.com:465' is not a host name"),
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
        (["x", "--webhook", "https://a.org/hook", "--sign-secret", SECRET], "签名密钥和自定义关键词，通用 JSON 没有"),
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


# ---- findings of the outside tester (issue 22, B) --------------------------------------------------------------

# (a webhook, as lbc shows it, worked out by hand): every path segment not in channels.KNOWN_PATH_WORDS masked
PATH_SHAPES = [
    ("http://127.0.0.1:18081/api/v1/webhooks/supersecrettoken", "http://127.0.0.1:18081/api/v1/webhooks/supe…****"),
    ("https://open.feishu.cn/open-apis/bot/v2/hook/xxxxxxxx", "https://open.feishu.cn/open-apis/bot/v2/hook/****"),
    ("https://example.org/Hooks/abc/", "https://example.org/Hooks/****/"),
    ("https://example.org/services/T000/B000/secretwordsecretword",
     "https://example.org/services/****/****/secr…****"),
    ("https://example.org/send?supersecrettoken=1&key=abcdefabcdefabcd", "https://example.org/send?****=****&key=abcd…****"),
    ("https://example.org/a%2Fsecret", "https://example.org/****"),
    ("https://example.org/lowercasesecret.json", "https://example.org/lowe…****"),
    ("https://example.org/send?lowercasesecretkey", "https://example.org/send?lowe…****"),
]  # fmt: skip
PATH_SECRETS = ("supersecrettoken", "xxxxxxxx", "secretwordsecretword", "abcdefabcdefabcd", "lowercasesecret", "T000")


@pytest.mark.parametrize(("url", "shown"), PATH_SHAPES)
def test_every_path_segment_not_a_known_word_is_masked_whatever_its_letters(url, shown):
    assert channels.masked_webhook(url) == shown


def test_a_lowercase_key_in_the_path_is_masked_in_the_add_message_every_list_and_the_audit_log(lbc, db):
    for number, (url, shown) in enumerate(PATH_SHAPES):
        done = lbc("channel", "add", f"c{number}", "--webhook", url)
        assert done.code == 0, done
        assert f"channel 'c{number}' added (" in done.err and shown in done.err, done.err
        for secret in PATH_SECRETS:
            assert secret not in done.err, (secret, done.err)
    for fmt in ("table", "csv", "json", "jsonl", "md"):
        for lang in ("en", "zh"):
            out = ok(lbc("--lang", lang, "channel", "list", "--format", fmt)).replace("\\", "")
            for secret in PATH_SECRETS:
                assert secret not in out, (fmt, secret, out)
            if fmt == "json":
                assert [c["where"] for c in json.loads(out)] == [shown for _url, shown in PATH_SHAPES]
    ok(lbc("channel", "remove", "c0", "--yes"))
    logged = whole_audit(db)
    assert "http://127.0.0.1:18081/api/v1/webhooks/supe…****" in logged
    for lang in ("en", "zh"):
        logged += ok(lbc("--lang", lang, "audit", "--table", "channels"))
    for secret in PATH_SECRETS:
        assert secret not in logged, secret


def test_the_audit_log_labels_every_channel_column_in_both_languages(lbc, tmp_path):
    from lbc_cli.models import Channel

    add_three(lbc)
    secret_file = tmp_path / "pw"
    secret_file.write_text("authcode\n")
    secret_file.chmod(0o600)
    ok(lbc("channel", "add", "163", "--email", "a@163.com", "--smtp", "smtp.163.com", "--from", "b@163.com",
           "--password-file", str(secret_file)))  # fmt: skip
    zh = ok(lbc("--lang", "zh", "audit", "--table", "channels"))
    labels = (
        "添加时间 编号 姓名 类型 UID 机器人网址 签名密钥 自定义关键词 收件地址 发信服务器 发信端口 加密方式 邮箱账号"
    )
    for label in (*labels.split(), "发件地址", "密码文件", "村", "帮扶人编号"):
        assert f"{label}：" in zh, label
    en = ok(lbc("--lang", "en", "audit", "--table", "channels"))
    assert "created: " in en
    for column in Channel.__table__.columns:  # no column by its bare name (created_at：...)
        assert f"{column.name}：" not in zh and f"{column.name}:" not in zh, column.name
        if "_" in column.name:
            assert f"{column.name}: " not in en, column.name


def test_a_platform_url_takes_its_style_and_a_clash_or_plain_http_is_refused(lbc, db):
    ok(lbc("channel", "add", "企", "--webhook", WECOM))
    ok(lbc("channel", "add", "飞", "--webhook", FEISHU, "--keyword", "提醒"))  # a keyword: feishu's, so allowed
    ok(lbc("channel", "add", "lark", "--webhook", "https://open.larksuite.com/open-apis/bot/v2/hook/abcdefabcdefabcd"))
    ok(lbc("channel", "add", "钉", "--webhook", DING, "--sign-secret", SECRET))
    ok(lbc("channel", "add", "本地", "--webhook", "https://127.0.0.1:9/cgi-bin/webhook/send?key=abc"))
    assert rows(db, "SELECT name, style FROM channels ORDER BY id") == [
        ("企", "wecom"), ("飞", "feishu"), ("lark", "feishu"), ("钉", "dingtalk"), ("本地", "json")]  # fmt: skip
    done = lbc("channel", "add", "x", "--webhook", WECOM, "--style", "json")
    assert done.code == 2 and done.err == (
        "lbc: error: --style: qyapi.weixin.qq.com is a WeCom robot's URL, not one of style JSON "
        "(leave out --style or give its style)\n"
    )
    done = lbc("--lang", "zh", "channel", "add", "x", "--webhook", DING, "--style", "飞书")
    assert done.code == 2 and "oapi.dingtalk.com 是钉钉的机器人网址，不能按 飞书 发送" in done.err
    assert _english_words(done.err, [DING_SHOWN, "oapi.dingtalk.com"]) == [], done.err
    done = lbc("channel", "add", "x", "--webhook", WECOM.replace("https:", "http:"))
    assert done.code == 2 and done.err == (
        "lbc: error: --webhook: the URL http://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=693a…**** must use "
        "https:// (over http:// its key would travel unencrypted)\n"
    )
    assert WECOM_KEY not in done.err
    assert count(db) == 5


def test_a_dingtalk_channel_without_a_security_setting_is_a_warning(lbc, db):
    done = lbc("channel", "add", "钉", "--webhook", DING)
    assert done.code == 0 and done.err.endswith(
        "warning: a DingTalk robot needs one of its security settings: add --sign-secret or --keyword (unless it "
        "uses an IP allowlist), or DingTalk refuses its messages\n"
    )
    for extra in (["--keyword", "提醒"], ["--sign-secret", SECRET]):
        done = lbc("channel", "add", f"钉{len(extra[1])}", "--webhook", DING, *extra)
        assert done.code == 0 and "warning" not in done.err
    zh = lbc("--lang", "zh", "channel", "add", "钉二", "--webhook", DING, "--style", "钉钉")
    assert zh.code == 0 and "警告：钉钉机器人须有一项安全设置" in zh.err
    assert count(db) == 4


def test_the_smtp_form_in_an_error_is_written_as_the_help_writes_it(lbc):
    import subprocess

    env = {**os.environ, "COLUMNS": "200"}  # help is written at import, in that moment's language: a process
    env.pop("LBC_LANG", None)
    help_text = subprocess.run([sys.executable, "-m", "lbc_cli", "--lang", "zh", "channel", "add", "--help"],
                               capture_output=True, text=True, env=env, check=True).stdout  # fmt: skip
    assert "--smtp" in help_text and "主机[:端口]" in help_text, help_text
    for args in (["--smtp", "smtp qq.com", "--from", "a@qq.com"], []):
        done = lbc("--lang", "zh", "channel", "add", "x", "--email", "a@qq.com", *args)
        assert done.code == 2 and "（主机[:端口]）" in done.err and "主机[：端口]" not in done.err, done.err
    assert (
        "(HOST[:PORT])" in lbc("channel", "add", "x", "--email", "a@qq.com", "--smtp", "a b", "--from", "a@qq.com").err
    )


def test_a_missing_value_is_an_empty_cell_in_data_and_a_dash_for_people(lbc):
    ok(lbc("channel", "add", "企", "--webhook", WECOM))
    csv_out = ok(lbc("channel", "list", "--format", "csv"))
    assert csv_out.split("\r\n")[1].startswith(f"企,wecom,{WECOM_SHOWN},,everything,")
    assert "'-" not in csv_out
    assert json.loads(ok(lbc("channel", "list", "--format", "json")))[0]["security"] is None
    assert json.loads(ok(lbc("channel", "list", "--format", "jsonl")))["security"] is None
    table = ok(lbc("channel", "list")).splitlines()[1]
    assert re.search(r"\*\*\*\*\s+-\s+everything", table), table
    md = ok(lbc("channel", "list", "--format", "md"))
    assert "| - | everything |" in md.replace("\\", ""), md


def test_a_helper_in_a_channels_scope_cannot_be_deleted(lbc, db):
    ok(lbc("helper", "add", "王老师", "--role", "class-teacher"))
    ok(lbc("helper", "add", "李老师", "--role", "class-teacher"))
    ok(
        lbc(
            "channel",
            "add",
            "钉钉",
            "--webhook",
            DING,
            "--sign-secret",
            SECRET,
            "--helper",
            "王老师",
            "--helper",
            "李老师",
        )
    )
    ok(lbc("channel", "add", "本地", "--webhook", "http://127.0.0.1:9/hook", "--helper", "李老师"))
    done = lbc("helper", "delete", "李老师", "--yes")
    assert done.code == 1 and done.err == (
        "lbc: error: the helper 李老师 (id 2) is in the scope of the channels '本地, 钉钉': remove or re-add them "
        "first (lbc channel remove), then delete the helper\n"
    )
    zh = lbc("--lang", "zh", "helper", "delete", "王老师", "--yes")
    assert zh.code == 1 and zh.err == (
        "lbc: 错误：帮扶人“王老师”（编号 1）在渠道“钉钉”的范围里："
        "先删除或重建这些渠道（lbc channel remove），再删除帮扶人\n"
    )
    assert rows(db, "SELECT count(*) FROM helpers")[0][0] == 2
    assert rows(db, "SELECT helper_ids FROM channels ORDER BY id") == [("1;2",), ("2",)]
    ok(lbc("channel", "remove", "本地", "--yes"))
    ok(lbc("channel", "remove", "钉钉", "--yes"))
    ok(lbc("helper", "delete", "李老师", "--yes"))  # no channel names it now
    assert rows(db, "SELECT name FROM helpers") == [("王老师",)]


def test_a_removed_channels_id_is_never_given_to_a_new_one(lbc, db):
    """From the re-test: a channel removed while a send ran lent its id to one added meanwhile, and with it the
    send log the send then wrote: the new group missed those reminders for a week. Ids are never given again."""
    assert lbc("channel", "add", "旧群", "--webhook", "http://127.0.0.1:9/a").code == 0
    [(old,)] = rows(db, "SELECT id FROM channels")
    assert lbc("channel", "remove", "旧群", "--yes").code == 0
    assert lbc("channel", "add", "新群", "--webhook", "http://127.0.0.1:9/b").code == 0
    [(new,)] = rows(db, "SELECT id FROM channels")
    assert new > old


def test_an_smtp_port_typed_with_a_chinese_input_method_is_read(lbc, db):
    """From the re-test: smtp.qq.com：465 (a full-width colon) and ４６５ (full-width digits) were refused."""
    for smtp in ("smtp.qq.com：465", "smtp.qq.com:４６５"):
        done = lbc(
            "channel", "add", f"邮件{len(smtp)}{smtp[-1]}", "--email", "a@qq.com", "--smtp", smtp, "--from", "b@qq.com"
        )
        assert done.code == 0, done.err
    assert rows(db, "SELECT DISTINCT smtp_host, smtp_port FROM channels") == [("smtp.qq.com", 465)]
