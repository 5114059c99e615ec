"""delivery.py: messages within a style's limit, posted over one connection, tried again, never half-recorded."""

from datetime import date

from fake_platforms import platform  # noqa: F401 (a fixture)

from lbc_cli import delivery
from lbc_cli.models import Channel


def _sections(n: int) -> list[delivery.Section]:
    keys = [(i, "video-call", date(2026, 12, 1)) for i in range(n)]
    lines = [f"[紧急] 儿童{i}（{i}）：亲情视频，2026-12-01，已逾期 5 天" for i in range(n)]
    records = [{"child_id": i, "rule": "video-call"} for i in range(n)]
    return [delivery.Section("王老师（帮扶教师）", lines, keys, records)]


def test_a_json_channel_gets_every_reminder_over_one_connection(platform):  # noqa: F811
    channel = Channel(name="县里", style="json", webhook=platform.url("/hook?key=abc"))
    outcome = delivery.send(channel, "关爱工作提醒", _sections(20000))
    assert outcome.error is None and outcome.sent == outcome.total > 1
    assert len(outcome.delivered) == 20000
    assert platform.connections == 1
    got = [r for request in platform.requests for r in request.json()["reminders"]]
    assert [r["child_id"] for r in got] == list(range(20000))
    assert all(len(request.body) <= delivery.LIMITS["json"] for request in platform.requests)
    assert platform.requests[0].path == "/hook?key=abc"


def test_a_server_answering_500_is_tried_three_times_and_nothing_is_delivered(platform):  # noqa: F811
    platform.answer = lambda request: (500, b"{}")
    channel = Channel(name="县里", style="json", webhook=platform.url("/hook?key=secretkey"))
    waits = []
    outcome = delivery.send(channel, "t", _sections(3), sleep=waits.append)
    assert outcome.sent == 0 and outcome.delivered == set()
    assert len(platform.requests) == 3 and waits == [1.0, 2.0]
    assert "HTTP 500" in outcome.error and "secretkey" not in outcome.error
