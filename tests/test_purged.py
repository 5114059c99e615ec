"""Purged children (SPEC section 10, issue 20 item 7): a child whose personal data was erased (`lbc child purge`)
has the status `purged` and is left out of lists, exports, the registration form and duplicate checks unless
`--status purged` or `--status all` asks for it; cards and lists show its birth year only, never an invented
day; export -> import of its rows stays exact. (The erasure of its bytes, a reader holding the WAL, `db check`
reporting an erasure pending and PostgreSQL's VACUUM are tested in tests/test_dbfile.py.)

Also the assessment roster and the work summary's rates and leavers (issue 20 item 8), worked out by hand."""

import csv
import io
import json
import shutil
import sqlite3
from datetime import date, timedelta
from pathlib import Path

import openpyxl
import pytest
from conftest import copy_db, execute, rows

from lbc_cli import sqlcsv
from lbc_cli.db import SCHEMA_VERSION

ENROLLED = ["--enrolled-on", "2024-01-01", "--consent-on", "2024-01-01"]


def ok(result):
    assert result.code == 0, result.err
    return result


def _csv(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text)))


@pytest.fixture
def register(lbc):
    """张三 (1, born 2015-03-04) and 李四 (2, born 2015-07-08) in 李家村, 王五 (3) in 王庄村, each paired with 王老师
    and visited once; then 张三 and 李四 purged."""
    for name, birth, village in (
        ("张三", "2015-03-04", "李家村"),
        ("李四", "2015-07-08", "李家村"),
        ("王五", "2014-02-02", "王庄村"),
    ):
        ok(lbc("enroll", name, "--gender", "M", "--birth", birth, "--village", village, *ENROLLED))
    ok(lbc("helper", "add", "王老师", "--role", "class-teacher"))
    for name in ("张三", "李四", "王五"):
        ok(lbc("pair", name, "王老师", "--since", "2024-02-01"))
        ok(lbc("log-contact", name, "--kind", "home-visit", "--date", "2024-03-01", "--helper", "王老师"))
        ok(lbc("exam", "add", name, "--year", "2023", "--term", "2", "--rank", "3"))
    ok(lbc("child", "purge", "张三", "--yes"))
    ok(lbc("child", "purge", "李四", "--yes"))
    return lbc


def test_purge_sets_the_status_purged_keeping_the_exit_and_ending_the_pairings(register, db):
    today = date.today().isoformat()
    assert rows(db, "SELECT id, name, birth_date, status, exit_reason, exit_date FROM children ORDER BY id") == [
        (1, "#1", "2015-01-01", "purged", "other", today),
        (2, "#2", "2015-01-01", "purged", "other", today),
        (3, "王五", "2014-02-02", "active", None, None),
    ]
    assert rows(db, "SELECT child_id, end_date FROM pairings ORDER BY id") == [(1, today), (2, today), (3, None)]
    refused = register("child", "exit", "1", "--reason", "moved")
    assert refused.code == 1 and refused.out == ""


def test_lists_leave_a_purged_child_out_unless_asked(register):
    assert [r["id"] for r in _csv(ok(register("child", "list", "--format", "csv")).out)] == ["3"]
    assert [r["id"] for r in _csv(ok(register("child", "list", "--status", "exited", "--format", "csv")).out)] == []
    purged = _csv(ok(register("child", "list", "--status", "purged", "--format", "csv")).out)
    # the birth year only, and no age (its birthday is gone)
    assert [(r["id"], r["name"], r["birth_date"], r["age"], r["status"]) for r in purged] == [
        ("1", "#1", "2015", "", "purged"),
        ("2", "#2", "2015", "", "purged"),
    ]
    everyone = _csv(ok(register("child", "list", "--status", "all", "--format", "csv")).out)
    assert sorted(r["id"] for r in everyone) == ["1", "2", "3"]
    as_json = json.loads(ok(register("child", "list", "--status", "purged", "--format", "json")).out)
    assert [(c["birth_date"], c["age"]) for c in as_json] == [("2015", None), ("2015", None)]
    table = ok(register("--lang", "zh", "child", "list", "--status", "purged")).out
    assert "2015-01-01" not in table and "2015" in table and "已删除个人信息" in table


def test_helper_pair_contact_and_exam_lists_leave_a_purged_child_out(register):
    helper = ok(register("helper", "show", "王老师", "--format", "json")).out
    assert [p["child_id"] for p in json.loads(helper)["pairings"]] == [3]
    pairs = ok(register("pair", "list", "--all", "--format", "csv")).out
    assert "#1" not in pairs and "#2" not in pairs and "王五" in pairs
    contacts = _csv(ok(register("contact", "list", "--format", "csv")).out)
    assert [c["child_id"] for c in contacts] == ["3"]
    exams = _csv(ok(register("exam", "list", "--format", "csv")).out)
    assert [e["child_id"] for e in exams] == ["3"]
    # asked for by its id, a purged child's rows are shown
    assert [c["child_id"] for c in _csv(ok(register("contact", "list", "--child", "1", "--format", "csv")).out)] == [
        "1"
    ]


def test_the_card_shows_the_birth_year_only(register):
    card = json.loads(ok(register("child", "show", "1", "--format", "json")).out)
    assert (card["birth_date"], card["age"], card["status"]) == ("2015", None, "purged")
    table = ok(register("child", "show", "1")).out
    assert "2015-01-01" not in table
    report = ok(register("--lang", "zh", "report", "child", "1")).out
    assert "| 出生日期 | 2015 |" in report and "2015-01-01" not in report and "周岁" not in report.split("民族")[0]


def test_exports_leave_a_purged_child_and_its_rows_out_unless_asked(register):
    assert [r["id"] for r in _csv(ok(register("export", "children")).out)] == ["3"]
    for table in ("pairs", "contacts", "exams"):
        assert [r["child_id"] for r in _csv(ok(register("export", table)).out)] == ["3"], table
        asked = _csv(ok(register("export", table, "--status", "all")).out)
        assert [r["child_id"] for r in asked] == ["1", "2", "3"], table
        only = _csv(ok(register("export", table, "--status", "purged")).out)
        assert [r["child_id"] for r in only] == ["1", "2"], table
    purged = _csv(ok(register("export", "children", "--status", "purged")).out)
    assert [(r["id"], r["status"]) for r in purged] == [("1", "purged"), ("2", "purged")]
    assert register("export", "helpers", "--status", "all").code == 2  # helpers have no status


def test_the_registration_form_leaves_a_purged_child_out_and_shows_its_year_when_asked(register):
    form = _csv(ok(register("export", "children", "--layout", "registration-form")).out)
    assert [(r["序号"], r["姓名"]) for r in form] == [("1", "王五")]  # rows numbered 1...n, not by id (SPEC 11)
    everyone = _csv(ok(register("export", "children", "--layout", "registration-form", "--status", "all")).out)
    assert [(r["序号"], r["姓名"], r["出生日期"]) for r in everyone] == [
        ("1", "#1", "2015"),
        ("2", "#2", "2015"),
        ("3", "王五", "2014-02-02"),
    ]


@pytest.mark.parametrize("fmt", ["csv", "json", "jsonl", "xlsx"])
def test_every_export_shows_a_purged_childs_birth_year_alone(register, fmt, tmp_path):
    """#1 and #2 (born 2015-03-04 and 2015-07-08, kept as 2015-01-01) are exported as "2015", a text in every
    format; 王五 (3) keeps his day."""
    path = tmp_path / f"children.{fmt}"
    ok(register("export", "children", "--status", "all", "--format", fmt, "--out", str(path)))
    if fmt == "csv":
        found = [(r["id"], r["birth_date"]) for r in _csv(path.read_text("utf-8"))]
    elif fmt == "xlsx":
        sheet = openpyxl.load_workbook(path).active
        cells = list(sheet.iter_rows(values_only=True))
        at = cells[0].index("birth date")  # the workbook's headers are labels (SPEC section 11)
        # a day is a date cell (SPEC section 11), a birth year alone a text
        found = [
            (str(row[0]), row[at] if isinstance(row[at], str) else row[at].date().isoformat()) for row in cells[1:]
        ]
    else:
        text = path.read_text("utf-8")
        records = json.loads(text) if fmt == "json" else [json.loads(line) for line in text.splitlines()]
        found = [(str(r["id"]), r["birth_date"]) for r in records]
    assert found == [("1", "2015"), ("2", "2015"), ("3", "2014-02-02")]
    assert "2015-01-01" not in (path.read_text("utf-8") if fmt != "xlsx" else "")


def test_the_databases_csv_lines_give_the_birth_year_as_the_general_path_does(register, monkeypatch):
    """The CSV the database makes (sqlcsv.csv_lines, each backend's SQL) and csv.writer's: the same bytes."""
    fast = ok(register("export", "children", "--status", "all", "--reveal")).out
    purged = ok(register("export", "children", "--status", "purged")).out
    monkeypatch.setattr(sqlcsv, "csv_lines", lambda *a, **k: None)  # the general path, csv.writer
    assert ok(register("export", "children", "--status", "all", "--reveal")).out == fast
    assert ok(register("export", "children", "--status", "purged")).out == purged
    assert [(r["id"], r["birth_date"]) for r in _csv(fast)] == [("1", "2015"), ("2", "2015"), ("3", "2014-02-02")]


@pytest.mark.parametrize("fmt", ["csv", "json", "jsonl", "xlsx"])
def test_export_then_import_of_purged_rows_is_exact(register, run, db, new_db, tmp_path, fmt):
    """export --status all -> import into an empty database -> export --status all: the same bytes (a workbook's
    cells: its zip carries the time it was written), the year alone read back as 1 January of it."""
    other = new_db()
    ok(run("init", db=other))
    for table in ("helpers", "children", "pairs", "contacts", "exams", "exits"):
        path = tmp_path / f"{table}.{fmt}"
        again = tmp_path / f"again-{table}.{fmt}"
        options = [] if table == "helpers" else ["--status", "all"]
        ok(register("export", table, *options, "--reveal", "--slugs", "--format", fmt, "--out", str(path)))
        ok(run("import", table, str(path), db=other))
        ok(run("export", table, *options, "--reveal", "--slugs", "--format", fmt, "--out", str(again), db=other))
        if fmt == "xlsx":
            first, second = (openpyxl.load_workbook(p).active for p in (path, again))
            assert list(second.iter_rows(values_only=True)) == list(first.iter_rows(values_only=True)), table
        else:
            assert again.read_bytes() == path.read_bytes(), table
    query = "SELECT id, birth_date, status FROM children ORDER BY id"
    assert (
        rows(other, query)
        == rows(db, query)
        == [
            (1, "2015-01-01", "purged"),
            (2, "2015-01-01", "purged"),
            (3, "2014-02-02", "active"),
        ]
    )


def test_import_reads_a_birth_year_alone_only_for_a_purged_child(lbc, db, tmp_path):
    """A year alone is a purged child's birth date (its status by slug or by its Chinese label; a workbook's or
    JSON's number too); for a child not purged it is no date, and the file is refused, nothing written."""
    header = "name,gender,birth_date,enrolled_on,consent_on,status,exit_reason,exit_date\n"
    bad = tmp_path / "bad.csv"
    bad.write_text(header + "#1,M,2015,2024-01-01,2024-01-01,purged,other,2025-01-01\n"
                   "王五,M,2015,2024-01-01,2024-01-01,active,,\n", "utf-8")  # fmt: skip
    refused = lbc("import", "children", str(bad))
    assert refused.code == 1 and "birth_date" in refused.err and "2015" in refused.err
    assert rows(db, "SELECT COUNT(*) FROM children") == [(0,)]
    good = tmp_path / "good.csv"
    good.write_text(header + "#1,M,2015,2024-01-01,2024-01-01,已删除个人信息,other,2025-01-01\n", "utf-8")
    ok(lbc("import", "children", str(good)))
    as_json = tmp_path / "good.json"
    as_json.write_text(json.dumps([{"name": "#2", "gender": "F", "birth_date": 2016, "enrolled_on": "2024-01-01",
                                    "consent_on": "2024-01-01", "status": "purged", "exit_reason": "other",
                                    "exit_date": "2025-01-01"}]), "utf-8")  # fmt: skip
    ok(lbc("import", "children", str(as_json)))
    # (by name: a refused import may have spent ids of a PostgreSQL sequence)
    assert rows(db, "SELECT name, birth_date, status FROM children ORDER BY name") == [
        ("#1", "2015-01-01", "purged"),
        ("#2", "2016-01-01", "purged"),
    ]


def test_purged_children_are_no_ones_duplicates(register):
    # #1 and #2: born in the same year (1 January kept), of one village, with no pinyin: not one child
    assert ok(register("child", "duplicates", "--format", "csv")).out.splitlines() == [
        "group,id,name,birth_date,village,status"
    ]
    # a new child of that birth day and village is not called a duplicate of a purged one
    added = ok(register("enroll", "赵六", "--gender", "F", "--birth", "2015-01-01", "--village", "李家村", *ENROLLED))
    assert "duplicate" not in added.err


def test_import_does_not_call_a_child_a_duplicate_of_a_purged_one(register, db, tmp_path):
    path = tmp_path / "children.csv"
    path.write_text("name,gender,birth_date,enrolled_on,consent_on\n#1,M,2015-01-01,2024-01-01,2024-01-01\n", "utf-8")
    ok(register("import", "children", str(path)))
    assert rows(db, "SELECT COUNT(*) FROM children WHERE name = '#1'") == [(2,)]


@pytest.mark.sqlite_only("the released schema fixtures are SQLite files")
def test_a_child_purged_before_schema_6_takes_the_status_purged(run, tmp_path):
    path = tmp_path / "v5.db"
    shutil.copy(Path(__file__).parent / "fixtures" / "schema_v5.db", path)
    with sqlite3.connect(path) as conn:  # a purge as schema 5 left it: status exited, an audit entry "purge"
        child = conn.execute("SELECT id FROM children WHERE status = 'active' ORDER BY id").fetchone()[0]
        conn.execute("UPDATE children SET status = 'exited', exit_reason = 'other', exit_date = '2025-01-01',"
                     " name = '#' || id WHERE id = ?", (child,))  # fmt: skip
        conn.execute(
            "INSERT INTO audit_log (uid, at, os_user, command, table_name, row_id, action)"
            " VALUES ('00000000-0000-4000-8000-000000000009', '2025-01-01T00:00:00+00:00', 'u', 'lbc child purge',"
            " 'children', ?, 'purge')",
            (child,),
        )
    conn.close()
    listed = ok(run("child", "list", "--status", "all", "--format", "csv", db=path))
    assert [(r["status"], r["birth_date"][4:]) for r in _csv(listed.out) if r["id"] == str(child)] == [("purged", "")]
    assert rows(path, "SELECT status FROM children WHERE id = ?", child) == [("purged",)]
    assert rows(path, "SELECT MAX(version) FROM schema_version") == [(SCHEMA_VERSION,)]


# ---- item 8: the assessment's roster, retention from enrolment, the summary's leavers ------------------------


def test_a_child_enrolled_after_term_2_ended_is_not_assessed_in_that_year(lbc):
    """School year 2024 (term 2 ends on 31 July 2025, SPEC section 5): 张三 enrolled in 2024 and 王五 on 31 July
    2025 are assessed; 李四, enrolled on 1 August 2025 (the day after term 2's last), is not, though a rank of
    that year is recorded for him."""
    ok(lbc("enroll", "张三", "--gender", "M", "--birth", "2014-03-01", "--enrolled-on", "2024-09-10",
           "--consent-on", "2024-09-10"))  # fmt: skip
    ok(lbc("enroll", "李四", "--gender", "M", "--birth", "2014-03-01", "--enrolled-on", "2025-08-01",
           "--consent-on", "2025-08-01"))  # fmt: skip
    ok(lbc("enroll", "王五", "--gender", "M", "--birth", "2014-03-01", "--enrolled-on", "2025-07-31",
           "--consent-on", "2025-07-31"))  # fmt: skip
    for name in ("张三", "李四", "王五"):
        ok(lbc("exam", "add", name, "--year", "2024", "--term", "1", "--rank", "5"))
        ok(lbc("exam", "add", name, "--year", "2024", "--term", "2", "--rank", "1", "--merit-student"))
    scored = _csv(ok(lbc("score", "--year", "2024", "--view", "children", "--format", "csv")).out)
    assert sorted(r["name"] for r in scored) == sorted(["王五", "张三"])  # in the programme on 31 July 2025
    awards = _csv(ok(lbc("export", "scores", "--year", "2024")).out)
    assert "李四" not in {r["name"] for r in awards}


def test_retention_counts_a_child_enrolled_in_the_period_from_its_enrolment(lbc):
    """A period of the last 60 days: 王五 (primary) was in the programme at its start; 张三 (primary) and 李四
    (junior), enrolled on its 2nd and 3rd day, count from their enrolment; 李四 dropped out in the period (the
    update is recorded today). In school at the start or at enrolment: 3; retained: 王五 and 张三, 2 / 3."""
    today = date.today()
    start = today - timedelta(days=60)
    for name, schooling, enrolled in (
        ("王五", "primary", start - timedelta(days=100)),
        ("张三", "primary", start + timedelta(days=1)),
        ("李四", "junior", start + timedelta(days=2)),
    ):
        day = enrolled.isoformat()
        ok(lbc("enroll", name, "--gender", "M", "--birth", "2012-03-01", "--schooling", schooling,
               "--enrolled-on", day, "--consent-on", day))  # fmt: skip
    ok(lbc("child", "update", "李四", "--schooling", "dropout"))
    end = (today + timedelta(days=1)).isoformat()  # a day's margin: the audit log is in UTC, "today" is local
    options = ["report", "summary", "--from", start.isoformat(), "--to", end, "--as-of", end, "-f", "json"]
    summary = json.loads(ok(lbc(*options)).out)
    assert (summary["counts"]["in_school_at_start"], summary["counts"]["retained"]) == (3, 2)
    assert summary["retention_rate"] == pytest.approx(2 / 3)


def test_the_summary_lists_who_left_in_the_period_by_reason(lbc):
    for name, birth in (("张三", "2014-03-01"), ("李四", "2013-03-01"), ("王五", "2012-03-01"), ("赵六", "2011-03-01")):
        ok(lbc("enroll", name, "--gender", "M", "--birth", birth, *ENROLLED))
    ok(lbc("child", "exit", "张三", "--reason", "moved", "--date", "2025-03-01"))
    ok(lbc("child", "exit", "李四", "--reason", "parents-returned", "--date", "2025-05-01"))
    ok(lbc("child", "exit", "王五", "--reason", "moved", "--date", "2025-02-01"))
    ok(lbc("child", "exit", "赵六", "--reason", "moved", "--date", "2024-12-31"))  # before the period
    options = ["report", "summary", "--from", "2025-01-01", "--to", "2025-12-31", "--as-of", "2025-12-31"]
    data = json.loads(ok(lbc(*options, "-f", "json")).out)
    assert data["leavers_total"] == 3
    assert data["leavers"] == [
        {"reason": "parents-returned", "count": 1, "children": [{"id": 2, "name": "李四", "exit_date": "2025-05-01"}]},
        {
            "reason": "moved",
            "count": 2,
            "children": [
                {"id": 3, "name": "王五", "exit_date": "2025-02-01"},
                {"id": 1, "name": "张三", "exit_date": "2025-03-01"},
            ],
        },
    ]
    zh = ok(lbc("--lang", "zh", *options)).out
    assert "期内退出 3 名：" in zh
    assert "| 父母返乡 | 1 | 李四（2，2025-05-01） |" in zh
    assert "| 迁出 | 2 | 王五（3，2025-02-01）、张三（1，2025-03-01） |" in zh
    en = ok(lbc(*options)).out
    assert "| moved away | 2 | 王五 (3, 2025-02-01), 张三 (1, 2025-03-01) |" in en


# ---- no age is reckoned from a purged child's invented day ---------------------------------------------------


@pytest.fixture
def born_late(lbc):
    """张三 (1), born 2010-12-20, and 李四 (2), born 2010-01-10, both junior, in the programme from 2024-01-01;
    张三 flagged problem (a priority child), then purged today (kept as born 2010-01-01, in the programme until
    today)."""
    for name, birth, flags in (("张三", "2010-12-20", ["--flag", "problem"]), ("李四", "2010-01-10", [])):
        ok(lbc("enroll", name, "--gender", "M", "--birth", birth, "--schooling", "junior", *flags, *ENROLLED))
    ok(lbc("child", "purge", "张三", "--yes"))
    return lbc


def test_no_age_out_reminder_is_reckoned_from_a_purged_childs_invented_day(born_late):
    """As of 2025-12-15 (age-out listed 30 days ahead, to 2026-01-14): 李四 turns 16 on 2026-01-10, due; #1's
    invented birthday would make it 2026-01-01, but its day is not known: no age-out for it."""
    due = _csv(ok(born_late("remind", "--as-of", "2025-12-15", "--format", "csv")).out)
    assert [(r["child_id"], r["due_date"]) for r in due if r["rule"] == "age-out"] == [("2", "2026-01-10")]
    # #1 was in the programme on that day, but a purged child is in no list (SPEC section 10): nobody can act on
    # a record whose name and guardian are erased
    assert "1" not in {r["child_id"] for r in due}


def test_the_summary_counts_a_purged_child_in_no_age_band(born_late):
    """Reference 2025-06-30: 李四 is 15 (band 15-17, school age 6-15); #1 (really 14, 15 by its invented day) is
    counted among the children but in no age band, not in the school-age base, and its age is not shown."""
    options = ["report", "summary", "--from", "2025-01-01", "--to", "2025-06-30", "--as-of", "2025-06-30"]
    data = json.loads(ok(born_late(*options, "-f", "json")).out)
    assert data["children_active"] == 2
    assert data["by_age"] == [
        {"band": "0-5", "count": 0},
        {"band": "6-11", "count": 0},
        {"band": "12-14", "count": 0},
        {"band": "15-17", "count": 1},
    ]
    assert (data["counts"]["school_age"], data["counts"]["in_school"]) == (1, 1)
    assert [(c["id"], c["age"]) for c in data["priority_children"]] == [(1, None)]
    zh = ok(born_late("--lang", "zh", *options)).out
    assert "| \\#1 | — | — | 问题留守儿童 |" in zh


def test_a_purged_child_is_not_updated(register, db):
    """Found from outside: `child update --birth` could put a full date back on an erased record."""
    for change in (["--enrolled-on", "2014-05-05"], ["--birth", "2015-03-04"], ["--name", "张三"]):
        refused = register("child", "update", "1", *change)
        assert refused.code == 1
        assert refused.err == (
            "lbc: error: child 1's personal data was erased (purged) and cannot be changed; if the child needs"
            " care again, enrol it anew (lbc enroll)\n"
        )
    assert rows(db, "SELECT enrolled_on, birth_date, name FROM children WHERE id = 1") == [
        ("2024-01-01", "2015-01-01", "#1")
    ]


def test_an_aged_out_purged_child_is_refused_only_before_the_year_it_turns_the_limit(lbc, db, tmp_path):
    """Born in 2009 (its day unknown), it turns 16 in 2025 at the earliest: leaving aged out on 2024-12-31 cannot
    be true; on 2025-01-01 it may be."""
    header = "name,gender,birth_date,enrolled_on,consent_on,status,exit_reason,exit_date\n"
    path = tmp_path / "children.csv"
    path.write_text(header + "#1,M,2009,2020-01-01,2020-01-01,purged,aged-out,2024-12-31\n", "utf-8")
    refused = lbc("--lang", "zh", "import", "children", str(path))
    assert refused.code == 1
    assert "2024-12-31 时儿童还未满 16 周岁（只知道出生年份 2009：满 16 周岁不早于 2025 年）" in refused.err
    assert "2009-01-01" not in refused.err and "2025-01-01" not in refused.err
    path.write_text(header + "#1,M,2009,2020-01-01,2020-01-01,purged,aged-out,2025-01-01\n", "utf-8")
    ok(lbc("import", "children", str(path)))
    assert rows(db, "SELECT birth_date, exit_reason FROM children") == [("2009-01-01", "aged-out")]


def test_merge_names_a_purged_child_by_its_birth_year_and_matches_it_by_uid_alone(run, db, tmp_path):
    """Two copies of one file: 张三 (1, born 2015-03-04) purged in the other only -> one conflict whose birth date
    there is "2015"; purged here too, a change of village there -> settled as erased, named (李家村, 2015)."""
    ok(run("enroll", "张三", "--gender", "M", "--birth", "2015-03-04", "--village", "李家村", *ENROLLED, db=db))
    other = copy_db(db, tmp_path / "other.db")
    ok(run("child", "purge", "1", "--yes", db=other))
    conflict = run("merge", str(other), db=db)
    assert conflict.code == 1
    assert "张三 (李家村, 2015-03-04): name: here 张三, theirs #1; birth date: here 2015-03-04, theirs 2015;" in (
        conflict.err
    )
    assert "2015-01-01" not in conflict.err
    ok(run("child", "purge", "1", "--yes", db=db))
    execute(other, "UPDATE children SET village = '王庄村' WHERE id = 1")  # (lbc refuses to change it)
    merged = ok(run("merge", str(other), db=db))
    assert "#1 (李家村, 2015): " in merged.err and "2015-01-01" not in merged.err


def test_the_summary_does_not_call_a_purged_childs_record_incomplete(lbc):
    """Found from outside: a child purged today was listed among the incomplete records (the fields its purge
    erased on purpose)."""
    for name in ("张三", "李四"):
        ok(lbc("enroll", name, "--gender", "M", "--birth", "2015-03-04", *ENROLLED))
    ok(lbc("child", "purge", "1", "--yes"))
    data = json.loads(ok(lbc("report", "summary", "--format", "json")).out)
    assert [record["id"] for record in data["incomplete_records"]] == [2]


def test_a_purged_child_takes_no_contact_exam_or_review_and_is_in_no_reminder(lbc, db):
    """Found from outside: a contact with a note naming the child, an exam and a review were written on a purged
    record, and remind for a day before the purge listed it as "#1"."""
    for name in ("张三", "李四"):
        ok(lbc("enroll", name, "--gender", "M", "--birth", "2015-03-04", *ENROLLED))
    ok(lbc("child", "purge", "1", "--yes"))
    said = "child 1's personal data was erased (purged) and cannot be changed"
    for write in (
        ["log-contact", "1", "--kind", "home-visit", "--date", "2024-02-01", "--note", "孩子叫张三"],
        ["exam", "add", "1", "--year", "2023", "--term", "2", "--rank", "1"],
        ["child", "review", "1"],
    ):
        result = lbc(*write)
        assert result.code == 1 and said in result.err, (write, result.err)
    assert rows(db, "SELECT count(*) FROM contacts") == [(0,)]
    assert rows(db, "SELECT count(*) FROM exams") == [(0,)]
    due = ok(lbc("remind", "--as-of", "2024-02-01", "--format", "csv")).out
    assert {line.split(",")[0] for line in due.splitlines()[1:] if line[:1].isdigit()} == {"2"}
    assert "#1" not in due
