"""lbc audit shows who changed what; lbc child purge erases a child's personal data everywhere."""

import json

from conftest import rows


def _enrol(lbc) -> int:
    # id number by hand: 11010520150101001 weighted by 7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2 sums to 82;
    # 82 mod 11 = 5 -> check character '7'
    result = lbc(
        "enroll", "张三", "--gender", "M", "--birth", "2015-01-01", "--village", "李家村",
        "--guardian", "张奶奶", "--guardian-phone", "13800001111", "--id-number", "110105201501010017",
        "--address", "李家村3组8号", "--consent-on", "2020-01-01", "--enrolled-on", "2024-09-01",
    )  # fmt: skip
    assert result.code == 0, result.err
    return int(result.out)


def test_guardian_change_is_visible_in_the_childs_history(lbc):
    child = _enrol(lbc)
    assert lbc("child", "update", str(child), "--guardian", "李爷爷", "--guardian-phone", "13900002222").code == 0
    history = json.loads(lbc("audit", "--child", str(child), "--format", "json").out)
    assert [e["action"] for e in history] == ["insert", "update"]
    change = history[1]
    assert change["command"] == "lbc child update" and change["table"] == "children" and change["row_id"] == child
    assert "guardian_name: 张奶奶 → 李爷爷" in change["changes"]
    assert "guardian_phone: 138****1111 → 139****2222" in change["changes"]  # masked unless --reveal
    revealed = json.loads(lbc("audit", "--child", str(child), "--format", "json", "--reveal").out)
    assert "13800001111 → 13900002222" in revealed[1]["changes"]


def test_purge_needs_yes_and_then_erases_every_trace(lbc, db):
    child = _enrol(lbc)
    lbc("log-contact", str(child), "--kind", "home-visit", "--note", "奶奶住院了", "--date", "2024-10-01")
    refused = lbc("child", "purge", str(child))  # no --yes and no terminal to ask on
    assert refused.code == 1 and "--yes" in refused.err
    assert rows(db, "SELECT name FROM children") == [("张三",)]

    done = lbc("child", "purge", str(child), "--yes")
    assert done.code == 0, done.err
    [record] = rows(db, "SELECT name, birth_date, id_number, address, guardian_name, guardian_phone, gender, village,"
                        " status FROM children")  # fmt: skip
    # kept: gender, village (anonymous counts); the birth year only; the child leaves the programme, its status
    # purged (SPEC section 10)
    assert record == (f"#{child}", "2015-01-01", None, None, None, None, "M", "李家村", "purged")
    assert rows(db, "SELECT note, kind FROM contacts") == [(None, "home-visit")]
    everything = json.dumps(rows(db, "SELECT old_values, new_values FROM audit_log"), ensure_ascii=False)
    for secret in ("张三", "13800001111", "110105201501010017", "张奶奶", "奶奶住院了", "李家村3组8号"):
        assert secret not in everything
    assert rows(db, "SELECT action FROM audit_log ORDER BY id")[-1] == ("purge",)
