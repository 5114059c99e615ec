"""lbc remind --send (SPEC section 12): each channel its scope's reminders, grouped by helper, urgent first; the send
log (nothing sent twice within resend_days, nothing marked sent that was not); exit 5 when a channel failed.

The channels are rows written here behind lbc's back (`lbc channel add` is another part's); every one is a json
channel on the fake platform (tests/fake_platforms.py), a real HTTP server on 127.0.0.1. Expected values are worked
out by hand from the spec's rules and default intervals, as in tests/test_remind.py.
"""

import signal
import uuid

import pytest
from conftest import execute, rows
from fake_platforms import platform  # noqa: F401 (a fixture)

from lbc_cli import delivery, errors

ENROLLED = "2024-03-01"
AS_OF = "2024-05-15"  # May: no schedule items are seeded for May; never-contacted children 75 days overdue
MOBILE = "13812345678"


def ok(result):
    assert result.code == 0, result.err
    return result


def enroll(lbc, name: str, village: str, *extra: str) -> int:
    args = ["enroll", name, "--gender", "M", "--birth", "2014-03-10", "--enrolled-on", ENROLLED]
    args += ["--consent-on", ENROLLED, "--care-agreement-on", ENROLLED, "--village", village]
    args += ["--guardian", "张奶奶", "--guardian-relation", "grandparent", "--guardian-phone", "13800001111"]
    return int(ok(lbc(*args, *extra)).out.strip())


def helper(lbc, name: str, role: str = "loving-mother", *extra: str) -> int:
    return int(ok(lbc("helper", "add", name, "--role", role, *extra)).out.strip())


def pair(lbc, child: int, helper_id: int) -> None:
    ok(lbc("pair", str(child), str(helper_id), "--since", ENROLLED))


def add_channel(db, name: str, url: str, *, villages: str = "", helpers: str = "") -> None:
    """A json channel, as `lbc channel add NAME --webhook URL [--village V]… [--helper H]…` stores one."""
    execute(
        db,
        "INSERT INTO channels (uid, name, style, webhook, villages, helper_ids, created_at)"
        " VALUES (?, ?, 'json', ?, ?, ?, ?)",
        str(uuid.uuid4()),
        name,
        url,
        villages,
        helpers,
        "2026-01-01T00:00:00+00:00",
    )


def received(platform, path: str) -> list[dict]:  # noqa: F811
    """The reminders (records) posted to ``path``, in order."""
    return [r for request in platform.requests if request.path == path for r in request.json()["reminders"]]


def texts(platform, path: str) -> list[str]:  # noqa: F811
    return [request.json()["text"] for request in platform.requests if request.path == path]


def log(db) -> list[tuple]:
    query = (
        "SELECT c.name, s.child_id, s.rule, s.due_date FROM send_log s JOIN channels c ON c.id = s.channel_id"
        " ORDER BY c.name, s.child_id, s.rule, s.due_date"
    )
    return rows(db, query)


@pytest.fixture
def county(lbc):
    """Three villages of two townships: 甲 in 石桥镇柳河村 (paired with 李妈妈, mobile), 乙 in 石桥镇河东村 (paired with
    王老师), 丙 in 北塘乡王庄村, living alone (no one paired). Each child: a video call, feedback and a home visit due
    on its enrolment, 2024-03-01, 75 days overdue on 2024-05-15; 丙 also no-guardian, urgent, due that day, and
    unpaired (high) since its enrolment."""
    ids = {
        "甲": enroll(lbc, "甲", "石桥镇柳河村"),
        "乙": enroll(lbc, "乙", "石桥镇河东村"),
        "丙": enroll(lbc, "丙", "北塘乡王庄村", "--flag", "lives-alone"),
    }
    ids["李妈妈"] = helper(lbc, "李妈妈", "loving-mother", "--phone", MOBILE)
    ids["王老师"] = helper(lbc, "王老师", "class-teacher")
    pair(lbc, ids["甲"], ids["李妈妈"])
    pair(lbc, ids["乙"], ids["王老师"])
    return ids


def test_each_channel_gets_only_its_villages_children(lbc, db, county, platform):  # noqa: F811
    add_channel(db, "柳河", platform.url("/liuhe"), villages="石桥镇柳河村")
    add_channel(db, "石桥", platform.url("/shiqiao"), villages="石桥镇")  # a township: both its villages
    add_channel(db, "北塘与河东", platform.url("/two"), villages="北塘乡王庄村;石桥镇河东村")
    add_channel(db, "全县", platform.url("/all"))
    result = ok(lbc("remind", "--as-of", AS_OF, "--send"))
    assert result.out == ""
    assert {r["child_id"] for r in received(platform, "/liuhe")} == {county["甲"]}
    assert {r["child_id"] for r in received(platform, "/shiqiao")} == {county["甲"], county["乙"]}
    assert {r["child_id"] for r in received(platform, "/two")} == {county["乙"], county["丙"]}
    assert {r["child_id"] for r in received(platform, "/all")} == {county["甲"], county["乙"], county["丙"]}
    # 甲: video call, feedback, visit; 乙 the same; 丙 those, no-guardian and unpaired
    assert len(received(platform, "/liuhe")) == 3 and len(received(platform, "/all")) == 3 + 3 + 5
    assert "channel 柳河: sent 1 message (3 reminders), 0 left out as sent within 7 days" in result.err
    assert "channel 全县: sent 1 message (11 reminders), 0 left out as sent within 7 days" in result.err
    assert len(result.err.splitlines()) == 4
    assert [(name, child, rule) for name, child, rule, _day in log(db) if name == "柳河"] == [
        ("柳河", county["甲"], "home-visit"),
        ("柳河", county["甲"], "parent-feedback"),
        ("柳河", county["甲"], "video-call"),
    ]
    assert {day for *_rest, day in log(db)} == {"2024-03-01", AS_OF}
    assert len(log(db)) == 3 + 6 + 8 + 11


def test_a_helper_channel_gets_that_helpers_list_and_no_unpaired_child(lbc, db, county, platform):  # noqa: F811
    add_channel(db, "李妈妈群", platform.url("/mother"), helpers=str(county["李妈妈"]))
    # villages and helpers: the children of those villages paired with those helpers (乙 is 王老师's)
    add_channel(db, "柳河王老师", platform.url("/none"), villages="石桥镇", helpers=str(county["王老师"]))
    result = ok(lbc("remind", "--as-of", AS_OF, "--send"))
    got = received(platform, "/mother")
    assert {r["child_id"] for r in got} == {county["甲"]}
    assert {r["helpers"] for r in got} == {"李妈妈"}
    (text,) = texts(platform, "/mother")
    assert text.splitlines()[:2] == ["Care work due (2024-05-15)", "李妈妈(loving mother) · 3 items"]
    assert "Children with no helper" not in text
    assert {r["child_id"] for r in received(platform, "/none")} == {county["乙"]}
    assert "channel 柳河王老师: sent 1 message (3 reminders)" in result.err


def test_grouped_by_helper_urgent_first_as_remind_shows_them(lbc, db, county, platform):  # noqa: F811
    pair(lbc, county["丙"], county["李妈妈"])  # 丙 (urgent: lives alone) now on 李妈妈's list
    add_channel(db, "全县", platform.url("/all"))
    ok(lbc("remind", "--as-of", AS_OF, "--send"))
    (text,) = texts(platform, "/all")
    shown = ok(lbc("remind", "--as-of", AS_OF)).out
    # the urgent items first, across the lists (from outside: an urgent item sat behind a list's other lines),
    # each part grouped by helper; the same title and lines as remind's text (less its indent and blank lines)
    lines = text.splitlines()
    assert lines[1] == "[urgent] 李妈妈(loving mother) · 1 item"
    assert lines[2] == f"[urgent] 丙 ({county['丙']}): no guardian, {AS_OF}, due today"
    assert lines[3] == "李妈妈(loving mother) · 6 items"  # 丙's 3 (high: a priority child), 甲's 3
    assert lines[10] == "王老师(class teacher) · 3 items"
    reminders = [line.strip() for line in shown.splitlines() if line.startswith("  ")]
    assert sorted(line for line in lines if line.startswith("[")) == sorted(
        [lines[1], *reminders]
    )  # every line of remind's, once a list it is on
    assert lines[0] == shown.splitlines()[0]
    got = received(platform, "/all")
    assert got[0] == {
        "child_id": county["丙"],
        "name": "丙",
        "rule": "no-guardian",
        "due_date": AS_OF,
        "days_overdue": 0,
        "priority": "urgent",
        "helpers": "李妈妈",
    }
    assert [r["priority"] for r in got[:4]] == ["urgent", "high", "high", "high"]  # 丙 is a priority child


def test_a_reminder_is_not_sent_again_within_resend_days(lbc, db, county, platform):  # noqa: F811
    add_channel(db, "柳河", platform.url("/liuhe"), villages="石桥镇柳河村")
    ok(lbc("remind", "--as-of", AS_OF, "--send"))
    assert len(platform.requests) == 1 and len(log(db)) == 3
    again = ok(lbc("remind", "--as-of", AS_OF, "--send"))
    assert len(platform.requests) == 1 and len(log(db)) == 3
    assert again.err.strip() == "channel 柳河: nothing new to send (3 left out as sent within 7 days)"
    # a new piece of work (甲 visited: the visit is no longer due, a new one comes in 90 days) is not new
    # here; but a day later the same keys still count as sent, and after 7 days they are sent again
    execute(db, "UPDATE send_log SET sent_at = ?", "2020-01-01T00:00:00+00:00")
    third = ok(lbc("remind", "--as-of", AS_OF, "--send"))
    assert len(platform.requests) == 2 and len(log(db)) == 6
    assert "sent 1 message (3 reminders), 0 left out" in third.err
    # resend_days 0: sent again at once
    ok(lbc("config", "set", "resend_days", "0"))
    ok(lbc("remind", "--as-of", AS_OF, "--send"))
    assert len(platform.requests) == 3


def test_only_what_is_new_goes_out(lbc, db, county, platform):  # noqa: F811
    add_channel(db, "柳河", platform.url("/liuhe"), villages="石桥镇柳河村")
    ok(lbc("remind", "--as-of", AS_OF, "--send"))
    # a day later 甲's reminders are the same pieces of work (same due dates): left out; a new child of 柳河村
    # (unpaired: a call, feedback, a visit and no helper) goes out alone
    new = enroll(lbc, "丁", "石桥镇柳河村")
    result = ok(lbc("remind", "--as-of", "2024-05-16", "--send"))
    assert [r["child_id"] for r in received(platform, "/liuhe")][3:] == [new] * 4
    assert "sent 1 message (4 reminders), 3 left out as sent within 7 days" in result.err


def test_a_failing_channel_leaves_its_reminders_unmarked_and_exits_5(lbc, db, county, platform, monkeypatch):  # noqa: F811
    monkeypatch.setattr(delivery, "BACKOFF", 0.0)
    platform.answer = lambda request: (500, b"{}") if request.path.startswith("/bad") else (200, b"{}")
    add_channel(db, "坏的", platform.url("/bad?key=verysecretkey"))
    add_channel(db, "好的", platform.url("/good"))
    result = lbc("remind", "--as-of", AS_OF, "--send")
    assert result.code == 5
    lines = result.err.splitlines()
    assert len(lines) == 2
    assert "channel 坏的" in lines[0] and "HTTP 500" in lines[0] and "0 of 1 message sent" in lines[0]
    assert "verysecretkey" not in result.err
    assert lines[1].startswith("channel 好的: sent 1 message (11 reminders)")
    assert {name for name, *_rest in log(db)} == {"好的"} and len(log(db)) == 11
    assert sum(r.path.startswith("/bad") for r in platform.requests) == 3  # three tries
    # 5 wins over --fail-if-due's 4; the failed channel's reminders go next time, the other's are left out
    again = lbc("remind", "--as-of", AS_OF, "--send", "--fail-if-due")
    assert again.code == 5 and "channel 好的: nothing new to send (11 left out" in again.err
    platform.answer = lambda request: (200, b"{}")
    third = lbc("remind", "--as-of", AS_OF, "--send", "--fail-if-due")
    assert third.code == 4 and "channel 坏的: sent 1 message (11 reminders)" in third.err
    assert len(log(db)) == 22


def test_dry_run_posts_nothing_and_writes_nothing(lbc, db, county, platform):  # noqa: F811
    add_channel(db, "李妈妈群", platform.url("/mother?key=verysecretkey"), helpers=str(county["李妈妈"]))
    add_channel(db, "全县", platform.url("/all"))
    result = ok(lbc("remind", "--as-of", AS_OF, "--send", "--dry-run"))
    assert platform.requests == [] and log(db) == []
    out = result.out.splitlines()
    assert out[0] == "=== channel 李妈妈群: message 1 of 1 ==="
    assert out[1:3] == ["Care work due (2024-05-15)", "李妈妈(loving mother) · 3 items"]
    assert "=== channel 全县: message 1 of 1 ===" in out
    assert MOBILE not in result.out and MOBILE not in result.err and "verysecretkey" not in result.out
    assert "channel 全县: would send 1 message (11 reminders), 0 left out as sent within 7 days" in result.err
    assert ok(lbc("remind", "--as-of", AS_OF, "--send")).err.count("sent 1 message") == 2  # still all new


def test_channel_chooses_and_an_unknown_one_is_refused(lbc, db, county, platform):  # noqa: F811
    add_channel(db, "甲群", platform.url("/a"))
    add_channel(db, "乙群", platform.url("/b"))
    add_channel(db, "丙群", platform.url("/c"))
    result = ok(lbc("remind", "--as-of", AS_OF, "--send", "--channel", "丙群", "--channel", "甲群"))
    assert [r.path for r in platform.requests] == ["/c", "/a"]
    assert [line.split(":")[0] for line in result.err.splitlines()] == ["channel 丙群", "channel 甲群"]
    refused = lbc("remind", "--as-of", AS_OF, "--send", "--channel", "甲群", "--channel", "没有")
    assert refused.code == 1 and "没有" in refused.err and len(refused.err.splitlines()) == 1
    assert len(platform.requests) == 2 and {name for name, *_rest in log(db)} == {"甲群", "丙群"}


def test_usage_and_refusals(lbc, db, county, platform):  # noqa: F811
    none = lbc("remind", "--as-of", AS_OF, "--send")
    assert none.code == 1 and "lbc channel add" in none.err
    add_channel(db, "全县", platform.url("/all"))
    for extra in (["--format", "csv"], ["--out", "x.csv"], ["--bom"]):
        bad = lbc("remind", "--as-of", AS_OF, "--send", *extra)
        assert bad.code == 2 and extra[0] in bad.err, extra
    assert lbc("remind", "--as-of", AS_OF, "--dry-run").code == 2
    assert lbc("remind", "--as-of", AS_OF, "--channel", "全县").code == 2
    assert platform.requests == []


def test_the_plan_goes_to_every_channel_once_a_month(lbc, db, county, platform):  # noqa: F811
    add_channel(db, "柳河", platform.url("/liuhe"), villages="石桥镇柳河村")
    add_channel(db, "王老师群", platform.url("/teacher"), helpers=str(county["王老师"]))
    ok(lbc("remind", "--as-of", "2024-03-15", "--send"))
    for path in ("/liuhe", "/teacher"):
        plan = [r for r in received(platform, path) if r["rule"] == "schedule"]
        assert [r["due_date"] for r in plan] == ["2024-03-31"] * 3 and {r["child_id"] for r in plan} == {None}
    assert sorted((name, child, rule, day) for name, child, rule, day in log(db) if rule == "schedule") == [
        ("柳河", None, "schedule", "2024-03-31"),
        ("王老师群", None, "schedule", "2024-03-31"),
    ]
    again = ok(lbc("remind", "--as-of", "2024-03-16", "--send"))
    assert len(platform.requests) == 2 and "nothing new to send" in again.err


def test_chinese_lines(run, db, county, platform, monkeypatch):  # noqa: F811
    monkeypatch.setattr(delivery, "BACKOFF", 0.0)
    platform.answer = lambda request: (500, b"{}") if request.path == "/bad" else (200, b"{}")
    add_channel(db, "柳河", platform.url("/liuhe"), villages="石桥镇柳河村")
    add_channel(db, "坏的", platform.url("/bad"))
    result = run("--lang", "zh", "remind", "--as-of", AS_OF, "--send", db=db)
    assert result.code == 5
    first, second = result.err.splitlines()
    assert first == "渠道 柳河：已发送 1 条消息（3 项提醒），0 项 7 天内已发送过，未重复发送"
    assert second.startswith("渠道 坏的") and "HTTP 500" in second and "已发送 0/1 条消息" in second
    (text,) = texts(platform, "/liuhe")
    assert text.splitlines()[:2] == ["关爱工作提醒（2024-05-15）", "李妈妈（爱心妈妈） · 共 3 项"]
    again = run("--lang", "zh", "remind", "--as-of", AS_OF, "--send", "--channel", "柳河", db=db)
    assert again.err.strip() == "渠道 柳河：没有新的提醒可发送（3 项 7 天内已发送过）"
    dry = run("--lang", "zh", "remind", "--as-of", AS_OF, "--send", "--dry-run", "--channel", "坏的", db=db)
    assert dry.out.splitlines()[0] == "=== 渠道 坏的：第 1 条消息，共 1 条 ==="


def test_a_stop_during_the_sends_still_writes_what_was_delivered(lbc, db, county, platform, monkeypatch):  # noqa: F811
    add_channel(db, "柳河", platform.url("/liuhe"), villages="石桥镇柳河村")
    add_channel(db, "全县", platform.url("/all"))
    monkeypatch.setattr(errors, "stop_signal", None)
    real = delivery.send
    calls = []

    def send(channel, title, sections, **options):
        calls.append(channel.name)
        if len(calls) == 2:  # as the signal handler does (entry.py), while the second channel is sent
            errors.stop_signal = signal.SIGTERM
            raise errors.Stopped(signal.SIGTERM)
        return real(channel, title, sections, **options)

    monkeypatch.setattr(delivery, "send", send)
    result = lbc("remind", "--as-of", AS_OF, "--send")
    assert result.code == 128 + signal.SIGTERM
    assert calls == ["柳河", "全县"]
    assert {name for name, *_rest in log(db)} == {"柳河"} and len(log(db)) == 3
    assert "channel 柳河: sent 1 message" in result.err
    assert errors.stop_signal == signal.SIGTERM  # the stop went on


def test_a_purged_child_with_send_log_rows(lbc, db, county, platform):  # noqa: F811
    add_channel(db, "全县", platform.url("/all"))
    ok(lbc("remind", "--as-of", AS_OF, "--send"))
    ok(lbc("child", "purge", str(county["甲"]), "--yes"))
    assert len([row for row in log(db) if row[1] == county["甲"]]) == 3  # ids only: kept
    assert ok(lbc("db", "check")).code == 0
    result = ok(lbc("remind", "--as-of", AS_OF, "--send"))
    assert "nothing new to send (8 left out" in result.err  # the purged child is in no list


def test_remind_narrowing_options_narrow_what_is_sent(lbc, db, county, platform):  # noqa: F811
    add_channel(db, "全县", platform.url("/all"))
    add_channel(db, "北塘", platform.url("/beitang"), villages="北塘乡")
    # --helper: that helper's children and list only (丙, unpaired, is no one's); the channel of 北塘 gets nothing
    result = ok(lbc("remind", "--as-of", AS_OF, "--send", "--helper", "王老师"))
    assert {r["child_id"] for r in received(platform, "/all")} == {county["乙"]}
    assert texts(platform, "/all")[0].splitlines()[1] == "王老师(class teacher) · 3 items"
    assert "channel 北塘: nothing new to send (0 left out as sent within 7 days)" in result.err
    # --village (a township) and --within: the call of 丙 not due yet is listed when within reach
    ok(lbc("log-contact", str(county["丙"]), "--kind", "video-call", "--with", "parent", "--date", "2024-05-14"))
    ok(lbc("remind", "--as-of", AS_OF, "--send", "--village", "北塘乡", "--within", "6"))
    got = received(platform, "/beitang")
    assert {r["child_id"] for r in got} == {county["丙"]}
    assert ("video-call", "2024-05-21", -6) in {(r["rule"], r["due_date"], r["days_overdue"]) for r in got}
    assert {r["child_id"] for r in received(platform, "/all")} == {county["乙"], county["丙"]}


def test_the_log_is_written_in_chunks_all_of_them(lbc, db, county, platform, monkeypatch):  # noqa: F811
    from lbc_cli import sending

    monkeypatch.setattr(sending, "LOG_CHUNK", 2)
    add_channel(db, "全县", platform.url("/all"))
    add_channel(db, "柳河", platform.url("/liuhe"), villages="石桥镇柳河村")
    ok(lbc("remind", "--as-of", AS_OF, "--send"))
    assert len(log(db)) == 11 + 3
    assert len({stamp for (stamp,) in rows(db, "SELECT sent_at FROM send_log")}) == 1  # one write, one moment


def test_sending_reads_every_column_of_a_channel():
    from lbc_cli import sending
    from lbc_cli.models import Channel

    assert set(sending.CHANNEL_COLUMNS) == set(Channel.__table__.columns.keys()) - {"uid", "created_at"}


def test_a_village_channel_takes_that_village_only_never_one_whose_name_starts_with_it(lbc, db, platform):  # noqa: F811
    """From outside: 李家村's channel received 李家村东's children, read as a township's prefix. A name that is a
    village's takes that village only; a name that is no village's (a township) takes the villages it begins."""
    west, east = enroll(lbc, "西娃", "李家村"), enroll(lbc, "东娃", "李家村东")
    add_channel(db, "李家村群", platform.url("/lj"), villages="李家村")
    add_channel(db, "东村群", platform.url("/ljd"), villages="李家村东")
    add_channel(db, "乡里", platform.url("/town"), villages="李家")  # no village is named 李家: both
    ok(lbc("remind", "--as-of", AS_OF, "--send"))
    assert {r["child_id"] for r in received(platform, "/lj")} == {west}
    assert {r["child_id"] for r in received(platform, "/ljd")} == {east}
    assert {r["child_id"] for r in received(platform, "/town")} == {west, east}
    listed = ok(lbc("remind", "--as-of", AS_OF, "--format", "csv", "--village", "李家村")).out
    assert "西娃" in listed and "东娃" not in listed
    both = ok(lbc("remind", "--as-of", AS_OF, "--format", "csv", "--village", "李家")).out
    assert "西娃" in both and "东娃" in both


def test_a_stop_in_the_middle_of_a_channel_writes_what_it_had_accepted(lbc, db, county, platform, monkeypatch):  # noqa: F811
    """From outside: SIGTERM while a channel's messages went out left the send log without the messages the server
    had accepted (all posted again next time). A stop after the first of a channel's messages writes its reminders."""
    add_channel(db, "全县", platform.url("/all"))
    monkeypatch.setattr(delivery, "LIMITS", {**delivery.LIMITS, "json": 1500})  # a few reminders a message
    monkeypatch.setattr(errors, "stop_signal", None)
    real, tries = delivery._tried, []

    def tried(attempt, *args, **options):
        tries.append(1)
        if len(tries) == 2:  # as the signal handler does (entry.py), while the second message is posted
            errors.stop_signal = signal.SIGTERM
            raise errors.Stopped(signal.SIGTERM)
        return real(attempt, *args, **options)

    monkeypatch.setattr(delivery, "_tried", tried)
    result = lbc("remind", "--as-of", AS_OF, "--send")
    assert result.code == 128 + signal.SIGTERM
    assert len(platform.requests) == 1
    first = {(r["child_id"], r["rule"], r["due_date"]) for r in received(platform, "/all")}
    assert first and {(child, rule, str(due)) for _name, child, rule, due in log(db)} == first


def test_a_channel_removed_during_the_send_takes_its_log_and_the_others_are_written(
    lbc,
    db,
    county,
    platform,  # noqa: F811
    monkeypatch,
):
    """From outside: `channel remove` while a send ran made the log's write fail (an internal error, exit 1) and
    every channel's rows were lost. The removed channel's rows go with it; the others' are written; exit 0."""
    add_channel(db, "柳河", platform.url("/liuhe"), villages="石桥镇柳河村")
    add_channel(db, "河东", platform.url("/hedong"), villages="石桥镇河东村")
    real = delivery.send

    def send(channel, title, sections, **options):
        if channel.name == "河东":  # as `lbc channel remove 柳河 --yes` in another window does
            execute(db, "DELETE FROM send_log WHERE channel_id = (SELECT id FROM channels WHERE name = '柳河')")
            execute(db, "DELETE FROM channels WHERE name = '柳河'")
        return real(channel, title, sections, **options)

    monkeypatch.setattr(delivery, "send", send)
    result = lbc("remind", "--as-of", AS_OF, "--send")
    assert result.code == 0, result.err
    assert {name for name, *_rest in log(db)} == {"河东"} and len(log(db)) == 3
