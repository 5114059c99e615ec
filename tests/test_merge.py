"""lbc merge OTHER: village files combined by uid. New rows added (ids remapped where they collide, pairings,
contacts and exams following), identical rows skipped, conflicts named and left for --prefer, the same record
under another uid matched rather than duplicated, a second merge a no-op, a dry run and a killed merge writing
nothing, and an OTHER that is not a current lbc database refused untouched.

Every expected value is worked out by hand from the files each test builds; nothing is computed by lbc's code.

The county file every village starts from (a copy of it is each village's file, so these rows share their uids):

    helper 1  王老师  class-teacher  13800001111
    helper 2  李妈妈  loving-mother
    child  1  张三    M  2015-03-04  李家村
"""

import csv
import io
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from datetime import date
from pathlib import Path

import pytest
from conftest import copy_db, execute, is_url, rows

from lbc_cli.cli import main
from lbc_cli.db import SCHEMA_VERSION

try:  # the PostgreSQL backend of the suite (LBC_TEST_PG): villages and targets are then server databases
    from conftest import new_target
except ImportError:  # pragma: no cover - a suite without it runs on SQLite files only

    def new_target(path: Path, *, keep: bool = False) -> Path:
        return path


DATA_TABLES = ["helpers", "children", "exits", "pairings", "contacts", "exams", "schedule_items", "settings"]
ENROLLED = ["--enrolled-on", "2024-01-01", "--consent-on", "2024-01-01"]
COUNTY = [
    ["helper", "add", "王老师", "--role", "class-teacher", "--phone", "13800001111"],
    ["helper", "add", "李妈妈", "--role", "loving-mother"],
    ["enroll", "张三", "--gender", "M", "--birth", "2015-03-04", "--village", "李家村", *ENROLLED],
]
# Worked by hand (GB 11643): 11010520150304001? weighted sum 115, 115 % 11 = 5 -> check character '7';
# the 17th digit, 1, is odd: male.
ID_NUMBER = "110105201503040017"


# ---- helpers ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def county(tmp_path_factory):
    target = new_target(tmp_path_factory.mktemp("county") / "county.db", keep=True)
    for args in [["init"], *COUNTY]:
        assert main(["--db", str(target), "--lang", "en", *args]) == 0, args
    return target


@pytest.fixture
def village(county, tmp_path):
    """village("a") -> a copy of the county file: a village that started from it."""

    def make(name: str):
        return copy_db(county, tmp_path / f"{name}.db")

    return make


@pytest.fixture
def do(run):
    """do(db, *args): run lbc on that database and insist that it worked; returns stdout stripped."""

    def invoke(db, *args: str) -> str:
        result = run(*args, db=db)
        assert result.code == 0, (args, result.err)
        return result.out.strip()

    return invoke


def dump(db) -> dict[str, list[tuple]]:
    """Every row of every data table, and the audit log without its timestamps and uids."""
    shot = {t: rows(db, f"SELECT * FROM {t} ORDER BY id") for t in DATA_TABLES}
    shot["audit_log"] = rows(
        db, "SELECT os_user, command, table_name, row_id, action, old_values, new_values FROM audit_log ORDER BY id"
    )
    return shot


def summary(out: str) -> dict[str, tuple[int, int, int, int]]:
    """`merge --format csv` -> table: (added, identical, conflicts, overwritten)."""
    return {
        r["table"]: (int(r["added"]), int(r["identical"]), int(r["conflicts"]), int(r["overwritten"]))
        for r in csv.DictReader(io.StringIO(out))
    }


def count(db, table: str) -> int:
    return rows(db, f"SELECT count(*) FROM {table}")[0][0]


def uid_of(db, table: str, row_id: int) -> str:
    return rows(db, f"SELECT uid FROM {table} WHERE id = ?", row_id)[0][0]


def details(err: str) -> list[str]:
    return [line.strip() for line in err.splitlines() if line.startswith("  ")]


def sound(run, db) -> None:
    result = run("db", "check", db=db)
    assert result.code == 0, result.err


# ---- new rows, ids remapped ----------------------------------------------------------------------


def test_new_rows_come_in_with_colliding_ids_remapped_and_their_pairings_contacts_and_exams_following(run, do, village):
    a, b = village("a"), village("b")
    do(a, "enroll", "赵一", "--gender", "F", "--birth", "2016-02-02", *ENROLLED)  # id 2
    do(a, "pair", "赵一", "王老师", "--since", "2024-02-01")  # pairing 1
    do(a, "log-contact", "赵一", "--kind", "home-visit", "--date", "2024-03-01", "--helper", "王老师")  # contact 1
    do(b, "enroll", "钱二", "--gender", "M", "--birth", "2014-04-04", *ENROLLED)  # id 2 here too
    do(b, "enroll", "孙三", "--gender", "F", "--birth", "2013-05-05", *ENROLLED)  # id 3
    do(b, "pair", "钱二", "李妈妈", "--since", "2024-02-02")  # pairing 1
    do(b, "pair", "孙三", "王老师", "--since", "2024-02-03")  # pairing 2
    do(b, "log-contact", "钱二", "--kind", "video-call", "--date", "2024-03-02", "--helper", "李妈妈")  # contact 1
    do(b, "exam", "add", "孙三", "--year", "2023", "--term", "1", "--rank", "4", "--class-size", "40")  # exam 1
    schedule = count(a, "schedule_items")
    b_uids = {t: [uid_of(b, t, i) for i in ids] for t, ids in {"children": [2, 3], "contacts": [1]}.items()}

    result = run("merge", b, "--format", "csv", db=a)

    assert result.code == 0, result.err
    assert summary(result.out) == {
        "helpers": (0, 2, 0, 0),
        "children": (2, 1, 0, 0),
        "exits": (0, 0, 0, 0),
        "pairings": (2, 0, 0, 0),
        "contacts": (1, 0, 0, 0),
        "exams": (1, 0, 0, 0),
        "schedule_items": (0, schedule, 0, 0),
        "settings": (0, 0, 0, 0),
    }
    # 钱二 (b's 2) collides with 赵一: the next id past both files' largest (3) is 4; 孙三 keeps its free id 3
    assert rows(a, "SELECT id, name FROM children ORDER BY id") == [(1, "张三"), (2, "赵一"), (3, "孙三"), (4, "钱二")]
    assert [uid_of(a, "children", 4), uid_of(a, "children", 3)] == b_uids["children"]
    # b's pairing 1 collides (-> 3, past both files' largest, 2); b's pairing 2 keeps its id
    assert rows(a, "SELECT id, child_id, helper_id, start_date FROM pairings ORDER BY id") == [
        (1, 2, 1, "2024-02-01"),
        (2, 3, 1, "2024-02-03"),
        (3, 4, 2, "2024-02-02"),
    ]
    assert rows(a, "SELECT id, uid, child_id, helper_id, kind FROM contacts ORDER BY id") == [
        (1, uid_of(a, "contacts", 1), 2, 1, "home-visit"),
        (2, b_uids["contacts"][0], 4, 2, "video-call"),
    ]
    assert rows(a, "SELECT id, child_id, school_year, term, class_rank FROM exams") == [(1, 3, 2023, 1, 4)]
    assert count(a, "helpers") == 2
    sound(run, a)


def test_the_merged_rows_work_with_the_everyday_commands_afterwards(run, do, village):
    a, b = village("a"), village("b")
    do(b, "enroll", "钱二", "--gender", "M", "--birth", "2014-04-04", *ENROLLED)
    do(b, "pair", "钱二", "李妈妈", "--since", "2024-02-02")
    assert run("merge", b, db=a).code == 0
    # the new ids are usable: a new child takes the next id, and the merged pairing is in force
    assert do(a, "enroll", "孙三", "--gender", "F", "--birth", "2013-05-05", *ENROLLED) == "3"
    listed = do(a, "pair", "list", "--format", "csv", "--as-of", "2024-06-01")
    assert [(r["child"], r["helper"]) for r in csv.DictReader(io.StringIO(listed))] == [("钱二", "李妈妈")]


# ---- conflicts -------------------------------------------------------------------------------


@pytest.fixture
def edited(do, village):
    """a and b both changed the county's 张三: his school and his guardian's phone; b also enrolled 钱二."""
    a, b = village("a"), village("b")
    do(a, "child", "update", "1", "--school", "镇中心小学", "--guardian-phone", "13812345678")
    do(b, "child", "update", "1", "--school", "县实验小学", "--guardian-phone", "13999998888")
    do(b, "enroll", "钱二", "--gender", "M", "--birth", "2014-04-04", *ENROLLED)
    return a, b


def test_a_child_edited_on_both_sides_is_a_conflict_named_and_nothing_is_merged(run, edited):
    a, b = edited
    before = dump(a)

    result = run("merge", b, db=a)

    assert result.code == 1
    assert result.out == ""
    assert result.err.startswith("lbc: error: 1 conflict with ") and "nothing was merged" in result.err
    assert details(result.err) == [
        f"children {uid_of(a, 'children', 1)} 张三 (李家村, 2015-03-04): school: here 镇中心小学, theirs 县实验小学; "
        "guardian phone: here 138****5678, theirs 139****8888"
    ]
    assert "13812345678" not in result.err and "13999998888" not in result.err
    assert dump(a) == before  # not even 钱二, who is no conflict


def test_prefer_mine_keeps_this_side_and_merges_the_rest(run, edited):
    a, b = edited

    result = run("merge", b, "--prefer", "mine", "--format", "csv", db=a)

    assert result.code == 0, result.err
    assert summary(result.out)["children"] == (1, 0, 1, 0)  # 钱二 added, 张三 a conflict kept as here
    assert "1 conflict kept as they are here" in result.err
    assert "school: here 镇中心小学, theirs 县实验小学" in result.err  # a settled conflict is still named
    assert rows(a, "SELECT name, school, guardian_phone FROM children ORDER BY id") == [
        ("张三", "镇中心小学", "13812345678"),
        ("钱二", None, None),
    ]


def test_prefer_theirs_takes_their_values_and_audits_the_change(run, edited):
    a, b = edited
    audit_before = count(a, "audit_log")

    result = run("merge", b, "--prefer", "theirs", "--format", "csv", db=a)

    assert result.code == 0, result.err
    assert summary(result.out)["children"] == (1, 0, 1, 1)
    assert rows(a, "SELECT name, school, guardian_phone FROM children ORDER BY id") == [
        ("张三", "县实验小学", "13999998888"),
        ("钱二", None, None),
    ]
    assert rows(a, "SELECT table_name, row_id, action, old_values, new_values FROM audit_log ORDER BY id")[
        audit_before:
    ] == [
        ("children", 1, "update", '{"guardian_phone": "13812345678", "school": "镇中心小学"}',
         '{"guardian_phone": "13999998888", "school": "县实验小学"}'),
        ("children", None, "merge", None, f'{{"rows": 1, "source": "{b}"}}'),
    ]  # fmt: skip


def test_chinese_names_the_fields_by_their_labels_and_takes_chinese_choices(run, edited):
    a, b = edited
    refused = run("--lang", "zh", "merge", b, db=a)
    assert refused.code == 1
    assert refused.err.startswith("lbc: 错误：与 ")
    assert "学校：本库 镇中心小学，对方 县实验小学；监护人电话：本库 138****5678，对方 139****8888" in refused.err
    settled = run("--lang", "zh", "merge", b, "--prefer", "对方", db=a)
    assert settled.code == 0, settled.err
    assert rows(a, "SELECT school FROM children WHERE id = 1") == [("县实验小学",)]


def test_a_bad_prefer_is_a_usage_error(run, edited):
    a, b = edited
    before = dump(a)
    result = run("merge", b, "--prefer", "both", db=a)
    assert result.code == 2 and "mine" in result.err and "theirs" in result.err
    assert dump(a) == before


# ---- twice, dry run ------------------------------------------------------------------------------


def test_merging_the_same_file_twice_changes_nothing(run, edited):
    a, b = edited
    assert run("merge", b, "--prefer", "theirs", db=a).code == 0
    after_first = dump(a)
    for prefer in ([], ["--prefer", "mine"], ["--prefer", "theirs"]):
        again = run("merge", b, *prefer, "--format", "csv", db=a)
        assert again.code == 0, again.err
        assert {t: (added, conflicts) for t, (added, _same, conflicts, _o) in summary(again.out).items()} == {
            t: (0, 0) for t in DATA_TABLES
        }
        assert summary(again.out)["children"] == (0, 2, 0, 0)
        assert dump(a) == after_first


def test_a_dry_run_reports_what_the_merge_does_and_writes_nothing(run, do, village):
    a, b = village("a"), village("b")
    do(b, "enroll", "钱二", "--gender", "M", "--birth", "2014-04-04", *ENROLLED)
    do(b, "log-contact", "钱二", "--kind", "video-call", "--date", "2024-03-02")
    before = dump(a)
    raw = None if is_url(a) else Path(a).read_bytes()

    dry = run("merge", b, "--dry-run", "--format", "csv", db=a)

    assert dry.code == 0, dry.err
    assert "nothing was written" in dry.err
    assert dump(a) == before
    if raw is not None:
        assert Path(a).read_bytes() == raw
    real = run("merge", b, "--format", "csv", db=a)
    assert real.code == 0, real.err
    assert real.out == dry.out
    assert summary(real.out)["children"] == (1, 1, 0, 0) and summary(real.out)["contacts"] == (1, 0, 0, 0)
    assert dump(a) != before


def test_a_dry_run_with_an_unsettled_conflict_exits_1_and_names_it(run, edited):
    a, b = edited
    before = dump(a)
    dry = run("merge", b, "--dry-run", "--format", "csv", db=a)
    assert dry.code == 1
    assert summary(dry.out)["children"] == (1, 0, 1, 0)
    assert "would be refused" in dry.err and "school: here 镇中心小学, theirs 县实验小学" in dry.err
    assert dump(a) == before


# ---- the same record under another uid ---------------------------------------------------------------


@pytest.fixture
def twice_enrolled(do, village):
    """a and b each registered 赵六 (same id number), 陈老师 (same phone), paired them, and ranked 赵六 for
    2023 term 1, separately: every row has a uid of its own. b also logged a visit."""
    a, b = village("a"), village("b")
    for db, school, since, rank in ((a, "甲小学", "2024-01-01", "3"), (b, "乙小学", "2024-03-01", "5")):
        enroll = ["enroll", "赵六", "--gender", "M", "--birth", "2015-03-04", "--id-number", ID_NUMBER]
        do(db, *enroll, "--school", school, *ENROLLED)  # id 2 in both
        do(db, "helper", "add", "陈老师", "--role", "volunteer", "--phone", "13700001111")  # id 3 in both
        do(db, "pair", "赵六", "陈老师", "--since", since)
        do(db, "exam", "add", "赵六", "--year", "2023", "--term", "1", "--rank", rank)
    do(b, "log-contact", "赵六", "--kind", "home-visit", "--date", "2024-04-01", "--helper", "陈老师")
    return a, b


def test_the_same_child_helper_pairing_and_exam_under_other_uids_are_matched_not_duplicated(run, twice_enrolled):
    a, b = twice_enrolled
    before = dump(a)

    refused = run("merge", b, db=a)

    assert refused.code == 1
    assert details(refused.err) == [
        f"children {uid_of(b, 'children', 2)} 赵六 (-, 2015-03-04): the same record as {uid_of(a, 'children', 2)} "
        "here (same id number); school: here 甲小学, theirs 乙小学",
        f"pairings {uid_of(b, 'pairings', 1)} 赵六 – 陈老师: the same record as {uid_of(a, 'pairings', 1)} here "
        "(the same child and helper, paired at the same time); start date: here 2024-01-01, theirs 2024-03-01",
        f"exams {uid_of(b, 'exams', 1)} 赵六 (2023 term 1): the same record as {uid_of(a, 'exams', 1)} here "
        "(the same child's rank for the same year and term); class rank: here 3, theirs 5",
    ]  # 陈老师 (same name and phone, nothing else different) is no conflict: the same helper
    assert dump(a) == before

    settled = run("merge", b, "--prefer", "theirs", "--format", "csv", db=a)

    assert settled.code == 0, settled.err
    assert summary(settled.out) == {
        "helpers": (0, 3, 0, 0),
        "children": (0, 1, 1, 1),
        "exits": (0, 0, 0, 0),
        "pairings": (0, 0, 1, 1),
        "contacts": (1, 0, 0, 0),
        "exams": (0, 0, 1, 1),
        "schedule_items": (0, count(a, "schedule_items"), 0, 0),
        "settings": (0, 0, 0, 0),
    }
    assert rows(a, "SELECT id, uid, school FROM children ORDER BY id")[1:] == [(2, uid_of(a, "children", 2), "乙小学")]
    assert count(a, "helpers") == 3
    assert rows(a, "SELECT child_id, helper_id, start_date FROM pairings") == [(2, 3, "2024-03-01")]
    assert rows(a, "SELECT child_id, school_year, term, class_rank FROM exams") == [(2, 2023, 1, 5)]
    # b's visit belongs to a's 赵六 and a's 陈老师
    assert rows(a, "SELECT uid, child_id, helper_id FROM contacts") == [(uid_of(b, "contacts", 1), 2, 3)]
    sound(run, a)
    # again: b's 赵六 is still found by his id number, and now nothing differs
    shot = dump(a)
    again = run("merge", b, "--format", "csv", db=a)
    assert again.code == 0, again.err
    assert summary(again.out)["children"] == (0, 2, 0, 0)
    assert dump(a) == shot


def test_prefer_mine_keeps_this_record_and_brings_their_rows_of_it(run, twice_enrolled):
    a, b = twice_enrolled
    result = run("merge", b, "--prefer", "mine", db=a)
    assert result.code == 0, result.err
    assert rows(a, "SELECT id, school FROM children ORDER BY id") == [(1, None), (2, "甲小学")]
    assert rows(a, "SELECT child_id, helper_id, start_date FROM pairings") == [(2, 3, "2024-01-01")]
    assert rows(a, "SELECT class_rank FROM exams") == [(3,)]
    assert rows(a, "SELECT child_id, helper_id FROM contacts") == [(2, 3)]


def test_same_name_and_birth_date_is_the_same_child_unless_forced(run, do, village):
    a, b = village("a"), village("b")
    for db, village_name in ((a, "东村"), (b, "西村")):
        do(db, "enroll", "周七", "--gender", "F", "--birth", "2016-06-06", "--village", village_name, *ENROLLED)
    refused = run("merge", b, db=a)
    assert refused.code == 1
    assert "(same name and birth date); village: here 东村, theirs 西村" in refused.err
    forced = run("merge", b, "--force", "--format", "csv", db=a)
    assert forced.code == 0, forced.err
    assert summary(forced.out)["children"] == (1, 1, 0, 0)
    assert rows(a, "SELECT name, village FROM children ORDER BY id") == [
        ("张三", "李家村"),
        ("周七", "东村"),
        ("周七", "西村"),
    ]


def test_namesakes_born_the_same_day_with_different_id_numbers_are_two_children(run, do, village):
    a, b = village("a"), village("b")
    # Worked by hand: 11010520150304002? weighted sum 117, 117 % 11 = 7 -> check character '5'; 17th digit 2: female.
    for db, number in ((a, ID_NUMBER), (b, "110105201503040025")):
        gender = "M" if number == ID_NUMBER else "F"
        do(db, "enroll", "吴八", "--gender", gender, "--birth", "2015-03-04", "--id-number", number, *ENROLLED)
    result = run("merge", b, "--format", "csv", db=a)
    assert result.code == 0, result.err
    assert summary(result.out)["children"] == (1, 1, 0, 0)
    assert count(a, "children") == 3


def test_taking_theirs_where_it_would_overlap_another_pairing_is_left_unsettled_and_named(run, do, village):
    a, b = village("a"), village("b")
    do(a, "pair", "张三", "王老师", "--since", "2024-01-01")  # pairing 1: ended 2024-02-01
    do(a, "pair", "end", "张三", "王老师", "--date", "2024-02-01")
    do(a, "pair", "张三", "王老师", "--since", "2024-03-01")  # pairing 2: in force
    do(b, "pair", "张三", "王老师", "--since", "2024-01-01")  # b's own, never ended: it overlaps a's pairing 1
    before = dump(a)

    result = run("merge", b, "--prefer", "theirs", db=a)

    assert result.code == 1
    assert details(result.err) == [
        f"pairings {uid_of(b, 'pairings', 1)} 张三 – 王老师: the same record as {uid_of(a, 'pairings', 1)} here "
        "(the same child and helper, paired at the same time); end date: here 2024-02-01, theirs (none) "
        "(taking theirs would overlap another pairing of the same child and helper: settle it by hand)"
    ]
    assert dump(a) == before
    kept = run("merge", b, "--prefer", "mine", "--format", "csv", db=a)
    assert kept.code == 0, kept.err
    assert summary(kept.out)["pairings"] == (0, 0, 1, 0)
    assert rows(a, "SELECT start_date, end_date FROM pairings ORDER BY id") == [
        ("2024-01-01", "2024-02-01"),
        ("2024-03-01", None),
    ]


# ---- a township: ten village files -------------------------------------------------------------

VILLAGE_CHARS = "甲乙丙丁戊己庚辛壬癸"
ZHAO_LIU_SCHOOL = {3: "甲小学", 7: "乙小学"}  # 赵六 was registered by villages 3 and 7, each on its own


def make_village(do, village, v: int):
    """Village v: three children of its own (ids 2-4), each paired with 王老师 and called twice; 赵六 (id 5) in
    villages 3 and 7, paired with 李妈妈 and visited twice; and one visit to the county's 张三."""
    db = village(f"v{v}")
    own = [f"周{VILLAGE_CHARS[v]}{'一二三'[j]}" for j in range(3)]
    for j, name in enumerate(own):
        birth = f"2014-{j + 1:02d}-{v + 10:02d}"
        do(db, "enroll", name, "--gender", "F", "--birth", birth, "--village", f"{v}村", *ENROLLED)
        do(db, "pair", name, "王老师", "--since", "2024-01-01")
    for day in ("2024-02-01", "2024-02-02"):
        do(db, "log-contact", *own, "--kind", "video-call", "--date", day, "--helper", "王老师")
    do(db, "log-contact", "张三", "--kind", "home-visit", "--date", f"2024-05-{v + 1:02d}", "--helper", "李妈妈")
    if v in ZHAO_LIU_SCHOOL:
        zhao = ["赵六", "--gender", "M", "--birth", "2015-03-04", "--id-number", ID_NUMBER, "--village", f"{v}村"]
        do(db, "enroll", *zhao, "--school", ZHAO_LIU_SCHOOL[v], *ENROLLED)
        do(db, "pair", "赵六", "李妈妈", "--since", "2024-01-01")
        for day in ("2024-06-01", "2024-06-02"):
            do(db, "log-contact", "赵六", "--kind", "home-visit", "--date", day, "--helper", "李妈妈")
    return db


def test_a_township_combines_ten_village_files_with_no_duplicates_and_every_conflict_named(run, do, village, tmp_path):
    villages = [make_village(do, village, v) for v in range(10)]
    township = new_target(tmp_path / "township.db")
    do(township, "init")
    added = {t: 0 for t in DATA_TABLES}
    for v, db in enumerate(villages):
        if v == 7:
            refused = run("merge", db, db=township)
            assert refused.code == 1
            assert details(refused.err) == [
                f"children {uid_of(db, 'children', 5)} 赵六 (3村, 2015-03-04): the same record as "
                f"{uid_of(villages[3], 'children', 5)} here (same id number); "
                "village: here 3村, theirs 7村; school: here 甲小学, theirs 乙小学"
            ]
        result = run("merge", db, *(["--prefer", "mine"] if v == 7 else []), "--format", "csv", db=township)
        assert result.code == 0, (v, result.err)
        got = summary(result.out)
        own = 4 if v in ZHAO_LIU_SCHOOL else 3
        assert got["helpers"] == ((2, 0, 0, 0) if v == 0 else (0, 2, 0, 0))
        if v == 0:
            assert got["children"] == (4, 0, 0, 0)  # 张三 and the village's own three
        elif v == 7:
            assert got["children"] == (3, 1, 1, 0)  # 赵六 is village 3's: kept as it is here
        else:
            assert got["children"] == (own, 1, 0, 0)
        # 赵六's pairing in village 7 is village 3's pairing (same child, helper and dates): no second one
        assert got["pairings"] == ((3, 1, 0, 0) if v == 7 else (own, 0, 0, 0))
        assert got["contacts"] == (1 + 2 * own, 0, 0, 0)
        for table, (n, *_rest) in got.items():
            added[table] += n
    assert added["children"] == 1 + 10 * 3 + 1 == count(township, "children")
    assert added["helpers"] == 2 == count(township, "helpers")
    assert added["pairings"] == 10 * 3 + 1 == count(township, "pairings")
    assert added["contacts"] == 10 + 10 * 3 * 2 + 2 * 2 == count(township, "contacts")
    assert (
        rows(
            township,
            "SELECT id_number, count(*) FROM children WHERE id_number IS NOT NULL "
            "GROUP BY id_number HAVING count(*) > 1",
        )
        == []
    )
    assert rows(township, "SELECT name, birth_date FROM children GROUP BY name, birth_date HAVING count(*) > 1") == []
    per_child = dict(
        rows(
            township,
            "SELECT c.name, count(k.id) FROM children c LEFT JOIN contacts k ON k.child_id = c.id "
            "GROUP BY c.id, c.name",
        )
    )
    assert per_child.pop("张三") == 10 and per_child.pop("赵六") == 4
    assert set(per_child.values()) == {2} and len(per_child) == 30
    assert rows(
        township, "SELECT count(*) FROM pairings p JOIN helpers h ON h.id = p.helper_id WHERE h.name = '王老师'"
    ) == [(30,)]
    sound(run, township)

    # the whole round again: nothing changes (village 7's conflict is named again, and kept)
    shot = dump(township)
    for db in villages:
        again = run("merge", db, "--prefer", "mine", "--format", "csv", db=township)
        assert again.code == 0, again.err
        assert sum(added for added, _same, _conflicts, _o in summary(again.out).values()) == 0
    assert dump(township) == shot


# ---- a merge killed half-way ------------------------------------------------------------------------

KILLS = 6


def lbc_env() -> dict[str, str]:
    values = {k: v for k, v in os.environ.items() if k not in ("LBC_DB", "LBC_TEMPLATES", "LBC_BUSY_TIMEOUT")}
    values.update({"LBC_LANG": "en", "NO_COLOR": "1"})
    return values


def start_merge(target: Path, other: Path) -> tuple[subprocess.Popen, float]:
    """`lbc merge` in a process of its own; returns once it has opened the target (its WAL file appears)."""
    command = [sys.executable, "-m", "lbc_cli", "--db", str(target), "merge", str(other)]
    proc = subprocess.Popen(command, env=lbc_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wal = target.with_name(target.name + "-wal")
    while not wal.exists() and proc.poll() is None:
        time.sleep(0.001)
    return proc, time.monotonic()


def sqlite_file(path: Path, *commands: list[str]) -> Path:
    for args in [["init"], *commands]:
        assert main(["--db", str(path), "--lang", "en", *args]) == 0, args
    return path


@pytest.mark.slow
def test_a_merge_killed_at_any_moment_leaves_the_target_as_it_was(run, tmp_path):
    n = 20000
    target = sqlite_file(tmp_path / "target.db", *COUNTY)
    big = copy_db(target, tmp_path / "big.db")
    conn = sqlite3.connect(big)  # many contacts at once, straight into the file (lbc import is not under test)
    with conn:
        conn.executemany(
            "INSERT INTO contacts (uid, child_id, helper_id, kind, date, note, no_answer) "
            "VALUES (?, 1, 1, 'phone-call', ?, ?, 0)",
            [(str(uuid.uuid4()), f"2024-{1 + i % 12:02d}-{1 + i % 28:02d}", f"第{i}次") for i in range(n)],
        )
    conn.close()
    # the whole merge once, on a copy: how long it runs once it has the target open, and what it makes
    reference = copy_db(target, tmp_path / "reference.db")
    proc, opened = start_merge(reference, big)
    assert proc.wait(timeout=120) == 0
    duration = time.monotonic() - opened
    merged = dump(reference)
    assert len(merged["contacts"]) == n
    rng = random.Random(20250505)
    outcomes = []
    for i in range(KILLS):
        copy = copy_db(target, tmp_path / f"killed{i}.db")
        before = dump(copy)
        proc, _opened = start_merge(copy, big)
        time.sleep(rng.uniform(0.1, 1.2) * duration)
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
        status = proc.wait(timeout=60)
        after = dump(copy)
        assert after in (before, merged), status
        sound(run, copy)
        outcomes.append((status, after == before))
    assert (-signal.SIGKILL, True) in outcomes, outcomes  # some kills hit a running merge, which left nothing


# ---- what is refused -------------------------------------------------------------------------------


def test_an_other_that_is_not_an_lbc_database_is_refused_exit_3_and_left_untouched(run, village, tmp_path):
    a = village("a")
    before = dump(a)
    junk = tmp_path / "junk.db"
    junk.write_text("name,phone\n张三,13800001111\n" * 10, encoding="utf-8")
    plain = tmp_path / "plain.db"
    conn = sqlite3.connect(plain)
    conn.execute("CREATE TABLE t (x)")
    conn.commit()
    conn.close()
    empty = tmp_path / "empty.db"
    empty.touch()
    for other, words in (
        (junk, "is not an lbc database"),
        (plain, "is not an lbc database"),
        (empty, "is not an lbc database"),
        (tmp_path / "missing.db", "no such file"),
        (tmp_path, "is a folder"),
    ):
        raw = other.read_bytes() if other.is_file() else None
        result = run("merge", other, db=a)
        assert result.code == 3, (other, result.err)
        assert result.err.count("\n") == 1 and words in result.err, result.err
        assert result.out == ""
        if raw is not None:
            assert other.read_bytes() == raw
    assert not (tmp_path / "missing.db").exists()
    assert not list(tmp_path.glob("plain.db-*"))  # not switched to WAL
    assert dump(a) == before


@pytest.mark.parametrize(
    ("version", "words"),
    [
        (99, "has schema version 99, newer than this lbc supports"),
        (1, f"older than this lbc's {SCHEMA_VERSION}, and a merge does not change it: upgrade it first"),
    ],
)
def test_an_other_of_another_schema_version_is_refused_and_not_upgraded(run, village, tmp_path, version, words):
    a = village("a")
    before = dump(a)
    other = sqlite_file(tmp_path / "other.db", ["enroll", "钱二", "--gender", "M", "--birth", "2014-04-04", *ENROLLED])
    conn = sqlite3.connect(other)
    conn.execute("UPDATE schema_version SET version = ?", (version,))
    conn.commit()
    conn.close()
    raw = other.read_bytes()
    result = run("merge", other, db=a)
    assert result.code == 3
    assert words in result.err and result.err.count("\n") == 1
    assert other.read_bytes() == raw and not list(tmp_path.glob("other.v*"))  # no upgrade, no backup made
    assert dump(a) == before


def test_merging_a_database_into_itself_is_refused(run, village):
    a = village("a")
    result = run("merge", a, db=a)
    assert result.code == 1 and "is this database" in result.err


def test_a_village_file_merges_into_the_backend_and_back_into_a_file(run, do, village, tmp_path):
    """On the PostgreSQL run this crosses backends: an SQLite file into a server database and back."""
    a = village("a")
    b = sqlite_file(tmp_path / "b.db", ["enroll", "钱二", "--gender", "M", "--birth", "2014-04-04", *ENROLLED])
    do(b, "helper", "add", "陈老师", "--role", "volunteer")
    do(b, "pair", "钱二", "陈老师", "--since", "2024-02-01")
    do(a, "enroll", "孙三", "--gender", "F", "--birth", "2013-05-05", *ENROLLED)
    into = run("merge", b, "--format", "csv", db=a)
    assert into.code == 0, into.err
    assert summary(into.out)["children"] == (1, 0, 0, 0) and summary(into.out)["helpers"] == (1, 0, 0, 0)
    # a new record after a merge gets an id past the merged ones (PostgreSQL: the sequence was moved on)
    assert do(a, "enroll", "吴四", "--gender", "F", "--birth", "2013-06-06", *ENROLLED) == "4"
    back = sqlite_file(tmp_path / "back.db")
    out = run("merge", a, "--format", "csv", db=back)
    assert out.code == 0, out.err
    assert summary(out.out)["children"] == (4, 0, 0, 0)
    assert rows(back, "SELECT c.name, h.name FROM pairings p JOIN children c ON c.id = p.child_id "
                "JOIN helpers h ON h.id = p.helper_id") == [("钱二", "陈老师")]  # fmt: skip
    sound(run, back)


def test_a_child_erased_here_stays_erased_whatever_the_other_file_holds(run, do, village):
    a, b = village("a"), village("b")
    do(b, "child", "update", "1", "--guardian-phone", "13812345678", "--school", "镇中心小学")
    do(b, "log-contact", "张三", "--kind", "home-visit", "--date", "2024-03-01", "--note", "奶奶住院了")
    do(a, "child", "purge", "1", "--yes")
    erased = rows(a, "SELECT * FROM children")

    for prefer in ([], ["--prefer", "theirs"]):
        result = run("merge", b, *prefer, "--format", "csv", db=a)
        assert result.code == 0, result.err
        assert summary(result.out)["children"] == (0, 0, 1, 0)
        assert rows(a, "SELECT * FROM children") == erased
        assert rows(a, "SELECT child_id, note FROM contacts") == [(1, None)]  # the visit, not its note
        line = f"children {uid_of(a, 'children', 1)} #1 (李家村, 2015): its personal data was erased here"
        assert line in result.err
        assert "张三" not in result.err and "1381234" not in result.err and "镇中心小学" not in result.err


def test_a_nul_in_their_text_is_a_bad_row_on_either_backend_with_nothing_written(run, village, tmp_path):
    """SQLite stores a NUL in text (a file edited by another tool), PostgreSQL cannot, and import refuses one as a
    control character: a merge names the row (exit 1) whichever backend it writes to, and writes nothing."""
    a = village("a")
    b = sqlite_file(tmp_path / "b.db", ["enroll", "钱二", "--gender", "M", "--birth", "2014-04-04", *ENROLLED])
    with sqlite3.connect(b) as conn:
        conn.execute("UPDATE children SET name = '钱' || char(0) || '二' WHERE name = '钱二'")
    conn.close()
    before = dump(a)
    result = run("merge", b, "--format", "csv", db=a)
    assert (result.code, result.out) == (1, "")
    assert result.err == (
        f"lbc: error: {b} has 1 bad row; nothing was merged "
        f"(correct them in {b}, then merge again):\n"
        f"  {b}: children uid {uid_of(b, 'children', 1)}: name: contains control characters\n"
    )
    assert dump(a) == before


# ---- their rows are checked as `lbc import` checks a file's ---------------------------------------------------------
#
# Each expected line is worked out from the import's rules (SPEC sections 3, 8, 10): a phone is an 11-digit mobile or
# 0AREA-NUMBER, shown in a message with its first 3 and last 4 characters at most (5 characters: all '*'); an id
# number's check digit (ID_NUMBER's first 17 digits give '7', so ...0018 is wrong), shown as 3 + 11 '*' + 4; a birth
# date not after today; a rank of at least 1; a pairing ending on or after its start; a uid that is a UUID (a row whose
# uid is not one is named by its id); text without control characters; a date that is a date.

PHONE_RULE = "is not a phone number (11-digit mobile, optional +86, or landline 0AREA-NUMBER)"
DATE_RULE = "is not a date (use YYYY-MM-DD, YYYY/MM/DD, YYYY.MM.DD, YYYY年MM月DD日 or today)"


def test_bad_values_in_their_rows_are_each_named_and_nothing_is_merged(run, do, village):
    """Values the column types allow (an UPDATE on either backend): every bad row named, in table and id order."""
    a, b = village("a"), village("b")
    do(b, "helper", "add", "陈老师", "--role", "volunteer")  # helper 3
    do(b, "enroll", "钱二", "--gender", "M", "--birth", "2014-04-04", *ENROLLED)  # child 2
    do(b, "enroll", "孙三", "--gender", "F", "--birth", "2013-05-05", *ENROLLED)  # child 3
    do(b, "enroll", "周四", "--gender", "F", "--birth", "2016-06-06", *ENROLLED)  # child 4
    do(b, "enroll", "吴五", "--gender", "M", "--birth", "2015-07-07", *ENROLLED)  # child 5: nothing wrong
    do(b, "pair", "张三", "李妈妈", "--since", "2024-02-01")  # pairing 1
    do(b, "exam", "add", "张三", "--year", "2023", "--term", "1", "--rank", "4")  # exam 1
    do(b, "log-contact", "吴五", "--kind", "home-visit", "--date", "2024-03-01")  # nothing wrong either
    execute(b, "UPDATE helpers SET uid = 'not-a-uuid' WHERE id = 3")
    execute(b, "UPDATE children SET guardian_phone = '12345' WHERE id = 2")
    execute(b, "UPDATE children SET id_number = '110105201503040018' WHERE id = 3")
    execute(b, "UPDATE children SET birth_date = '2099-01-01' WHERE id = 4")
    execute(b, "UPDATE pairings SET end_date = '2024-01-15' WHERE id = 1")
    execute(b, "UPDATE exams SET class_rank = 0 WHERE id = 1")
    today = date.today().isoformat()
    before = dump(a)

    for dry in ([], ["--dry-run"]):
        result = run("merge", b, *dry, db=a)

        assert (result.code, result.out) == (1, ""), result.err
        assert result.err.startswith(
            f"lbc: error: {b} has 6 bad rows; nothing was merged (correct them in {b}, then merge again):\n"
        )
        assert details(result.err) == [
            f"{b}: helpers id 3: uid: 'not-a-uuid' is not a UUID",
            f"{b}: children uid {uid_of(b, 'children', 2)}: guardian_phone: '*****' {PHONE_RULE}",
            f"{b}: children uid {uid_of(b, 'children', 3)}: id_number: '110***********0018' is not a valid id number "
            "(check digit should be 7)",
            f"{b}: children uid {uid_of(b, 'children', 4)}: birth_date: 2099-01-01 is after today ({today})",
            f"{b}: pairings uid {uid_of(b, 'pairings', 1)}: end_date: end date 2024-01-15 is before the start "
            "2024-02-01",
            f"{b}: exams uid {uid_of(b, 'exams', 1)}: class_rank: must be at least 1",
        ]
        assert "110105201503040018" not in result.err
        assert dump(a) == before  # not even 吴五 and his visit, who are good

    zh = run("--lang", "zh", "merge", b, db=a)
    assert zh.code == 1
    assert zh.err.startswith(f"lbc: 错误：{b} ") and "未合并任何数据" in zh.err
    assert f"{b}: children UID {uid_of(b, 'children', 2)}: 监护人电话: “*****”" in zh.err
    assert "guardian_phone" not in zh.err and "bad row" not in zh.err
    assert dump(a) == before


def test_garbage_in_their_file_is_named_not_an_internal_error(run, village, tmp_path):
    """What only a file written by another tool holds (SQLite keeps any value in any column): an impossible date, a
    number in a date column, a NUL, a word in a number column, 2 in a yes/no column. A row of a child refused is
    not merged, and its contact is not taken for a damaged reference."""
    a = village("a")
    b = sqlite_file(
        tmp_path / "b.db",
        ["helper", "add", "陈老师", "--role", "volunteer"],
        ["enroll", "钱二", "--gender", "M", "--birth", "2014-04-04", *ENROLLED],
        ["enroll", "孙三", "--gender", "F", "--birth", "2013-05-05", *ENROLLED],
        ["enroll", "赵一", "--gender", "F", "--birth", "2016-02-02", *ENROLLED],
        ["log-contact", "赵一", "--kind", "home-visit", "--date", "2024-03-01"],
        ["log-contact", "赵一", "--kind", "phone-call", "--date", "2024-03-02", "--minutes", "5"],
        ["log-contact", "钱二", "--kind", "home-visit", "--date", "2024-03-03"],
        ["exam", "add", "赵一", "--year", "2023", "--term", "1", "--rank", "4"],
    )
    with sqlite3.connect(b) as conn:
        conn.execute("UPDATE helpers SET active = 2")
        conn.execute("UPDATE children SET name = '钱' || char(0) || '二' WHERE id = 1")
        conn.execute("UPDATE children SET birth_date = '2026-13-45' WHERE id = 2")
        conn.execute("UPDATE contacts SET date = 20240301 WHERE id = 1")
        conn.execute("UPDATE contacts SET minutes = 'lots' WHERE id = 2")
        conn.execute("UPDATE exams SET child_id = 'x'")
    conn.close()
    before = dump(a)

    result = run("merge", b, db=a)

    assert (result.code, result.out) == (1, ""), result.err
    assert result.err.startswith(
        f"lbc: error: {b} has 6 bad rows; nothing was merged (correct them in {b}, then merge again):\n"
    )
    assert details(result.err) == [
        f"{b}: helpers uid {uid_of(b, 'helpers', 1)}: active: '2' is not yes/no (1/0)",
        f"{b}: children uid {uid_of(b, 'children', 1)}: name: contains control characters",
        f"{b}: children uid {uid_of(b, 'children', 2)}: birth_date: '2026-13-45' {DATE_RULE}",
        f"{b}: contacts uid {uid_of(b, 'contacts', 1)}: date: '20240301' {DATE_RULE}",
        f"{b}: contacts uid {uid_of(b, 'contacts', 2)}: minutes: 'lots' is not a whole number",
        f"{b}: exams uid {uid_of(b, 'exams', 1)}: child_id: 'x' is not a whole number",
    ]
    assert "internal" not in result.err
    assert dump(a) == before


def test_their_values_are_checked_when_taken_over_mine_and_not_when_kept(run, do, village):
    """b's 张三 consented before he was born: a rule across fields, which matters only if b's record is written."""
    a, b = village("a"), village("b")
    execute(b, "UPDATE children SET consent_on = '2014-01-01' WHERE id = 1")  # 张三 was born 2015-03-04
    before = dump(a)

    unsettled = run("merge", b, db=a)
    assert unsettled.code == 1
    assert "consent on: here 2024-01-01, theirs 2014-01-01" in unsettled.err  # a conflict, as before
    theirs = run("merge", b, "--prefer", "theirs", db=a)
    assert theirs.code == 1
    assert details(theirs.err) == [
        f"{b}: children uid {uid_of(b, 'children', 1)}: consent_on: 2014-01-01 is before the birth date 2015-03-04"
    ]
    assert dump(a) == before
    mine = run("merge", b, "--prefer", "mine", "--format", "csv", db=a)
    assert mine.code == 0, mine.err
    assert summary(mine.out)["children"] == (0, 0, 1, 0)
    assert rows(a, "SELECT consent_on FROM children") == [("2024-01-01",)]


def test_a_row_held_alike_on_both_sides_is_not_refused_by_a_rule_of_today(run, village):
    """An exam of school year 2010 entered long ago: import now refuses a year more than 10 back, but a merge that
    finds the same row here writes nothing and refuses nothing."""
    a, b = village("a"), village("b")
    uid = str(uuid.uuid4())
    for db in (a, b):
        execute(db, "INSERT INTO exams (uid, child_id, school_year, term, class_rank, merit_student, serious_violation)"
                " VALUES (?, 1, 2010, 2, 3, ?, ?)", uid, False, False)  # fmt: skip
    result = run("merge", b, "--format", "csv", db=a)
    assert result.code == 0, result.err
    assert summary(result.out)["exams"] == (0, 1, 0, 0)


def test_a_child_erased_here_is_not_judged_by_what_the_other_file_holds_of_it(run, do, village):
    """Nothing of an erased child is taken from OTHER: a bad value there is not a bad row here."""
    a, b = village("a"), village("b")
    execute(b, "UPDATE children SET guardian_phone = '12345' WHERE id = 1")
    do(a, "child", "purge", "1", "--yes")
    erased = rows(a, "SELECT * FROM children")

    result = run("merge", b, "--format", "csv", db=a)

    assert result.code == 0, result.err
    assert summary(result.out)["children"] == (0, 0, 1, 0)
    assert rows(a, "SELECT * FROM children") == erased
    assert "its personal data was erased here" in result.err
    assert "12345" not in result.err and "*****" not in result.err and "bad row" not in result.err
