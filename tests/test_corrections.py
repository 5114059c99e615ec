"""Corrections (issue 20 item 1, SPEC section 10): contact edit/delete, exam edit/delete, pair update/delete, db
restore, and the --reason the audit log keeps. Both backends unless marked.

The world (every expected value below is worked out by hand from it and the rules of SPEC section 4/5):

    child 1 张三  born 2015-05-01  李家村  enrolled 2024-01-01
    child 2 李四  born 2014-03-10  李家村  enrolled 2024-01-01
    helper 1 张老师 class-teacher, helper 2 李妈妈 loving-mother
    pairing 1: 张三 with 李妈妈 since 2024-01-01
    contact 1: 张三, home-visit, 2024-02-01, by 李妈妈 (with the guardian, home-visit's default)
    exam 1: 张三 2024 term 1 rank 8 of 40; exam 2: 张三 2024 term 2 rank 5 of 40

A home visit is due every 90 days (visit_days), from the enrolment when there has been none: contact 1 makes the
next one due 2024-05-01; without it, it is due from 2024-01-01.
"""

import csv
import io
import json
import os
import sqlite3
import sys
from contextlib import closing
from pathlib import Path

import pytest
from conftest import ON_PG, copy_db, execute, new_target, rows

from lbc_cli.cli import main

WORLD = [
    ["enroll", "张三", "--gender", "M", "--birth", "2015-05-01", "--village", "李家村", "--enrolled-on", "2024-01-01",
     "--consent-on", "2024-01-01"],
    ["enroll", "李四", "--gender", "F", "--birth", "2014-03-10", "--village", "李家村", "--enrolled-on", "2024-01-01",
     "--consent-on", "2024-01-01"],
    ["helper", "add", "张老师", "--role", "class-teacher"],
    ["helper", "add", "李妈妈", "--role", "loving-mother"],
    ["pair", "张三", "李妈妈", "--since", "2024-01-01"],
    ["log-contact", "张三", "--kind", "home-visit", "--date", "2024-02-01", "--helper", "李妈妈"],
    ["exam", "add", "张三", "--year", "2024", "--term", "1", "--rank", "8", "--class-size", "40"],
    ["exam", "add", "张三", "--year", "2024", "--term", "2", "--rank", "5", "--class-size", "40"],
]  # fmt: skip


@pytest.fixture(scope="module")
def _world(tmp_path_factory):
    path = new_target(tmp_path_factory.mktemp("corrections") / "lbc.db", keep=True)
    assert main(["--db", str(path), "--lang", "en", "init"]) == 0
    for command in WORLD:
        assert main(["--db", str(path), "--lang", "en", *command]) == 0, command
    return path


@pytest.fixture
def db(tmp_path, _world):
    return copy_db(_world, tmp_path / "lbc.db")


@pytest.fixture(autouse=True)
def _backups_here(tmp_path, monkeypatch):
    """PostgreSQL's backups go to the user data folder: this test's own."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))


def ok(result) -> str:
    assert result.code == 0, result.err
    assert "Traceback" not in result.err
    return result.out


def refused(result, code: int = 1) -> str:
    """A refusal: the exit code, nothing on stdout, one line on stderr, no traceback."""
    assert result.code == code, (result.out, result.err)
    assert result.out == ""
    assert result.err.startswith(("lbc: error: ", "lbc: 错误：")) and result.err.count("\n") == 1, result.err
    assert "Traceback" not in result.err
    return result.err


def due(lbc, as_of: str) -> set[tuple]:
    """(child id, rule, due date) of every reminder due on ``as_of``."""
    listed = csv.DictReader(io.StringIO(ok(lbc("remind", "--as-of", as_of, "--format", "csv"))))
    return {(int(r["child_id"]), r["rule"], r["due_date"]) for r in listed if r["child_id"]}  # not the schedule


def contacts(db) -> list[tuple]:
    return rows(db, "SELECT id, child_id, helper_id, kind, date, with_whom, minutes, note, follow_up_date, no_answer "
                    "FROM contacts ORDER BY id")  # fmt: skip


def last_audit(db) -> tuple:
    return rows(db, "SELECT command, table_name, row_id, action, old_values, new_values, reason FROM audit_log "
                    "ORDER BY id DESC")[0]  # fmt: skip


def check_clean(lbc) -> None:
    checked = lbc("db", "check")
    assert checked.code == 0, checked.err


# ---- contact edit ---------------------------------------------------------------------------------------------------


def test_contact_edit_changes_the_fields_given_and_the_audit_log_keeps_old_new_and_reason(lbc, db):
    done = lbc("contact", "edit", "1", "--date", "2024-01-10", "--minutes", "45", "--note", "走访奶奶",
               "--reason", "日期记错")  # fmt: skip
    ok(done)
    assert done.err == "corrected contact 1: date, minutes, note\n"
    assert contacts(db) == [(1, 1, 2, "home-visit", "2024-01-10", "guardian", 45, "走访奶奶", None, 0)]
    command, table, row_id, action, old, new, reason = last_audit(db)
    assert (command, table, row_id, action, reason) == ("lbc contact edit", "contacts", 1, "update", "日期记错")
    assert json.loads(old) == {"date": "2024-02-01", "minutes": None, "note": None}
    assert json.loads(new) == {"date": "2024-01-10", "minutes": 45, "note": "走访奶奶"}
    shown = json.loads(ok(lbc("audit", "--table", "contacts", "--format", "json")))[-1]
    assert shown["reason"] == "日期记错"
    assert shown["changes"] == "date: 2024-02-01 → 2024-01-10; minutes: None → 45; note: None → 走访奶奶"


def test_contact_edit_moves_the_reminder_at_once(lbc, db):
    # visit on 2024-02-01: next due 2024-05-01, not yet on 2024-04-15; moved to 2024-01-10: due 2024-04-09
    assert not any(rule == "home-visit" and child == 1 for child, rule, _ in due(lbc, "2024-04-15"))
    ok(lbc("contact", "edit", "1", "--date", "2024-01-10"))
    assert (1, "home-visit", "2024-04-09") in due(lbc, "2024-04-15")
    ok(lbc("contact", "edit", "1", "--no-answer"))  # an attempt that reached nobody satisfies nothing
    assert (1, "home-visit", "2024-01-01") in due(lbc, "2024-04-15")
    ok(lbc("contact", "edit", "1", "--answered", "--kind", "phone-call"))  # no home visit at all then
    assert (1, "home-visit", "2024-01-01") in due(lbc, "2024-04-15")
    assert rows(db, "SELECT kind, no_answer FROM contacts") == [("phone-call", 0)]
    check_clean(lbc)


def test_contact_edit_helper_with_and_clearing(lbc, db):
    ok(lbc("contact", "edit", "1", "--helper", "张老师", "--with", "teacher", "--note", "x", "--follow-up",
           "2024-03-01"))  # fmt: skip
    assert contacts(db) == [(1, 1, 1, "home-visit", "2024-02-01", "teacher", None, "x", "2024-03-01", 0)]
    ok(lbc("contact", "edit", "1", "--note", "", "--follow-up", "", "--with", ""))
    assert contacts(db) == [(1, 1, 1, "home-visit", "2024-02-01", None, None, None, None, 0)]


def test_contact_edit_with_the_same_values_changes_nothing(lbc, db):
    before = rows(db, "SELECT count(*) FROM audit_log")
    done = lbc("contact", "edit", "1", "--date", "2024-02-01")
    assert ok(done) == "" and done.err == "contact 1 already holds these values; nothing changed\n"
    assert rows(db, "SELECT count(*) FROM audit_log") == before


@pytest.mark.parametrize(
    ("args", "code", "said"),
    [
        (["1"], 2, "nothing to correct"),
        (["abc", "--note", "x"], 2, "'abc' is not an id"),
        (["1.5", "--note", "x"], 2, "is not an id"),
        (["-3", "--note", "x"], 2, "-3"),
        (["0", "--note", "x"], 1, "no contact 0"),
        (["99", "--note", "x"], 1, "no contact 99 (nothing was changed)"),
        ([str(2**63), "--note", "x"], 1, "no contact"),
        (["1" * 40, "--note", "x"], 1, "no contact"),
        (["1", "--date", "2015-04-30"], 1, "before 张三 was born"),
        (["1", "--date", "2999-01-01"], 2, "--date"),
        (["1", "--follow-up", "2024-01-15"], 1, "follow-up 2024-01-15 is before the contact date 2024-02-01"),
        (["1", "--kind", "teleport"], 2, "--kind"),
        (["1", "--minutes", "-5"], 1, "--minutes"),
        (["1", "--helper", "王五"], 1, "no helper '王五'"),
        (["1", "--note", "a\x01b"], 1, "--note"),
        (["1", "--note", "y", "--reason", "x" * 201], 1, "--reason"),
    ],
)
def test_contact_edit_refused_with_one_line_and_nothing_written(lbc, db, args, code, said):
    before = contacts(db), rows(db, "SELECT count(*) FROM audit_log")
    assert said in refused(lbc("contact", "edit", *args), code)
    assert (contacts(db), rows(db, "SELECT count(*) FROM audit_log")) == before


def test_contact_edit_keeps_a_note_of_unusual_characters(lbc, db):
    note = "𠀀😀 家访、回访；“好”\u3000end"
    ok(lbc("contact", "edit", "1", "--note", note))
    assert rows(db, "SELECT note FROM contacts") == [(note.strip(),)]


def test_contact_list_shows_the_ids_in_every_format(lbc):
    for fmt in ("table", "md"):
        assert ok(lbc("contact", "list", "--format", fmt)).splitlines()[0].lstrip("| ").startswith("id")
    assert ok(lbc("contact", "list", "--format", "csv")).startswith("id,")
    assert json.loads(ok(lbc("contact", "list", "--format", "json")))[0]["id"] == 1
    assert json.loads(ok(lbc("contact", "list", "--format", "jsonl")).splitlines()[0])["id"] == 1


# ---- contact delete -------------------------------------------------------------------------------------------------


def test_deleting_the_only_home_visit_makes_the_child_due_again(lbc, db):
    assert not any(rule == "home-visit" and child == 1 for child, rule, _ in due(lbc, "2024-03-01"))
    done = lbc("contact", "delete", "1", "--yes", "--reason", "记错了孩子")
    ok(done)
    assert done.err == "deleted contact 1 (their values stay in the audit log)\n"
    assert contacts(db) == []
    assert (1, "home-visit", "2024-01-01") in due(lbc, "2024-03-01")
    command, table, row_id, action, old, new, reason = last_audit(db)
    assert (command, table, row_id, action, new, reason) == ("lbc contact delete", "contacts", 1, "delete", None,
                                                             "记错了孩子")  # fmt: skip
    assert json.loads(old)["kind"] == "home-visit" and json.loads(old)["date"] == "2024-02-01"
    assert rows(db, "SELECT count(*) FROM last_contacts WHERE last_visit IS NOT NULL") == [(0,)]
    check_clean(lbc)


def test_a_deletion_list_with_one_bad_id_deletes_nothing(lbc, db):
    ok(lbc("log-contact", "李四", "--kind", "home-visit", "--date", "2024-02-02"))
    assert "no contact 7" in refused(lbc("contact", "delete", "1", "2", "7", "--yes"))
    assert "'x' is not an id" in refused(lbc("contact", "delete", "1", "x", "--yes"), 2)
    assert [c[0] for c in contacts(db)] == [1, 2]
    ok(lbc("contact", "delete", "1，2", "--yes"))  # the ids as a person types a list
    assert contacts(db) == []


def test_a_deletion_in_a_pipe_needs_yes(lbc, db):
    err = refused(lbc("contact", "delete", "1"))
    assert err == "lbc: error: deleting needs confirmation: add --yes\n"
    assert len(contacts(db)) == 1
    assert "删除需要确认：请加 --yes" in refused(lbc("--lang", "zh", "exam", "delete", "1"))
    assert "add --yes" in refused(lbc("pair", "delete", "1"))
    assert rows(db, "SELECT count(*) FROM exams") == [(2,)] and rows(db, "SELECT count(*) FROM pairings") == [(1,)]


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize(("answer", "left"), [("n\n", 1), ("y\n", 0)])
def test_a_deletion_on_a_terminal_asks(lbc, db, monkeypatch, answer, left):
    monkeypatch.setattr(sys, "stdin", _Terminal(answer))
    done = lbc("contact", "delete", "1")
    assert "delete contact 1" in done.err
    assert done.code == (1 if left else 0)
    assert len(contacts(db)) == left


# ---- exams ----------------------------------------------------------------------------------------------------------


def score_row(lbc) -> dict:
    listed = csv.DictReader(io.StringIO(ok(lbc("score", "--year", "2024", "--view", "children", "--format", "csv"))))
    return next(r for r in listed if r["child_id"] == "1")


def test_exam_edit_changes_the_score_at_once(lbc, db):
    # baseline (term 1) rank 8, term 2 rank 5: 3 rank points, 5 for keeping in the top 5, 2 for conduct = 10;
    # term 2 corrected to rank 3: 5 rank points, so 12
    assert (score_row(lbc)["rank"], score_row(lbc)["score"]) == ("5", "10")
    ok(lbc("exam", "edit", "2", "--rank", "3", "--reason", "抄错名次"))
    assert (score_row(lbc)["rank"], score_row(lbc)["rank_points"], score_row(lbc)["score"]) == ("3", "5", "12")
    assert last_audit(db)[3:] == ("update", '{"class_rank": 5}', '{"class_rank": 3}', "抄错名次")
    ok(lbc("exam", "edit", "2", "--serious-violation"))  # a serious violation: no conduct points
    assert score_row(lbc)["conduct_points"] == "0"
    ok(lbc("exam", "edit", "2", "--no-serious-violation", "--merit-student", "--total", "512.5", "--class-size", ""))
    assert rows(db, "SELECT class_rank, class_size, total_score, merit_student, serious_violation FROM exams "
                    "WHERE id = 2") == [(3, None, 512.5, 1, 0)]  # fmt: skip


@pytest.mark.parametrize(
    ("args", "code", "said"),
    [
        (["2", "--rank", "41"], 1, "rank 41 is larger than the class (40)"),
        (["2", "--class-size", "4"], 1, "rank 5 is larger than the class (4)"),
        (["2", "--rank", "0"], 1, "at least 1"),
        (["2", "--rank", "abc"], 2, "'abc'"),
        (["2", "--total", "-1"], 1, "total score"),
        (["2"], 2, "nothing to correct"),
        (["3", "--rank", "1"], 1, "no exam record 3"),
    ],
)
def test_exam_edit_refused_by_the_rules_of_exam_add(lbc, db, args, code, said):
    before = rows(db, "SELECT * FROM exams ORDER BY id")
    assert said in refused(lbc("exam", "edit", *args), code)
    assert rows(db, "SELECT * FROM exams ORDER BY id") == before


def test_exam_add_prints_the_id_and_list_shows_it_and_delete_removes(lbc, db):
    added = lbc("exam", "add", "李四", "--year", "2024", "--term", "2", "--rank", "1")
    assert ok(added) == "3\n"
    assert [r["id"] for r in csv.DictReader(io.StringIO(ok(lbc("exam", "list", "--format", "csv"))))] == ["1", "3", "2"]
    assert ok(lbc("exam", "list")).splitlines()[0].startswith("id")
    ok(lbc("exam", "delete", "2", "3", "--yes"))
    assert rows(db, "SELECT id FROM exams") == [(1,)]
    assert "no exam record 2" in refused(lbc("exam", "delete", "1", "2", "--yes"))
    assert rows(db, "SELECT id FROM exams") == [(1,)]
    assert score_row(lbc)["rank"] == ""  # no term 2 rank any more


# ---- pairings -------------------------------------------------------------------------------------------------------


def pairings(db) -> list[tuple]:
    return rows(db, "SELECT id, child_id, helper_id, start_date, end_date FROM pairings ORDER BY id")


def test_pair_update_until_sets_what_pair_end_sets(lbc, db, tmp_path):
    other = copy_db(db, tmp_path / "other.db")
    ok(lbc("pair", "update", "1", "--until", "2024-03-01", "--reason", "早就结束了"))
    assert main(["--db", str(other), "pair", "end", "张三", "李妈妈", "--date", "2024-03-01"]) == 0
    assert pairings(db) == pairings(other) == [(1, 1, 2, "2024-01-01", "2024-03-01")]
    # unpaired from the day the pairing ended (SPEC section 6), not from the enrolment on 2024-01-01
    assert (1, "unpaired", "2024-03-01") in due(lbc, "2024-04-15")
    ok(lbc("pair", "update", "1", "--until", ""))  # ended by mistake: in force again
    assert pairings(db) == [(1, 1, 2, "2024-01-01", None)]
    assert not any(rule == "unpaired" and child == 1 for child, rule, _d in due(lbc, "2024-04-15"))
    ok(lbc("pair", "update", "1", "--since", "2024-01-05"))
    assert pairings(db) == [(1, 1, 2, "2024-01-05", None)]


def test_pair_update_refusals(lbc, db):
    ok(lbc("pair", "end", "张三", "李妈妈", "--date", "2024-02-01"))
    assert ok(lbc("pair", "张三", "李妈妈", "--since", "2024-03-01")) == "2\n"
    before = pairings(db)
    assert "pairing 2, since 2024-03-01" in refused(lbc("pair", "update", "1", "--until", "2024-04-01"))
    assert "pairing 1, since 2024-01-01" in refused(lbc("pair", "update", "2", "--since", "2024-01-15"))
    assert "end date 2024-02-01 is before the start 2024-03-01" in refused(
        lbc("pair", "update", "1", "--since", "2024-03-01")
    )
    assert "--since" in refused(lbc("pair", "update", "1", "--since", "2015-04-01"))
    assert "2999" in refused(lbc("pair", "update", "1", "--until", "2999-01-01"), 2)
    assert "nothing to correct" in refused(lbc("pair", "update", "1"), 2)
    assert "no pairing 3" in refused(lbc("pair", "update", "3", "--since", "2024-01-01"))
    assert pairings(db) == before
    ok(lbc("pair", "update", "2", "--since", "2024-02-01"))  # from the day the first ended: no overlap
    assert pairings(db)[1] == (2, 1, 2, "2024-02-01", None)


def test_pair_delete_leaves_the_child_due_unpaired(lbc, db):
    assert not any(rule == "unpaired" and child == 1 for child, rule, _d in due(lbc, "2024-03-01"))
    ids = [r["id"] for r in csv.DictReader(io.StringIO(ok(lbc("pair", "list", "--format", "csv"))))]
    assert ids == ["1"]
    ok(lbc("pair", "delete", "1", "--yes", "--reason", "配错人"))
    assert pairings(db) == []
    assert (1, "unpaired", "2024-01-01") in due(lbc, "2024-03-01")
    assert last_audit(db)[3] == "delete" and last_audit(db)[6] == "配错人"
    check_clean(lbc)


def test_audit_shows_the_reason_in_every_format(lbc):
    ok(lbc("pair", "update", "1", "--since", "2024-01-02", "--reason", "开始日期记错"))
    assert ok(lbc("audit", "--format", "csv")).splitlines()[0].endswith(",changes,reason")
    assert ok(lbc("audit", "--format", "csv")).splitlines()[-1].endswith(",开始日期记错")
    assert json.loads(ok(lbc("audit", "--format", "jsonl")).splitlines()[-1])["reason"] == "开始日期记错"
    assert "开始日期记错" in ok(lbc("audit", "--format", "md")).splitlines()[-1]
    assert "开始日期记错" in ok(lbc("audit", "--format", "table"))


def test_corrections_say_their_messages_in_chinese(lbc):
    done = lbc("--lang", "zh", "contact", "edit", "1", "--minutes", "20", "--note", "补记")
    assert ok(done) == "" and done.err == "已更正联系记录 1：分钟、备注\n"
    assert "没有编号为 9 的结对（未作改动）" in refused(lbc("--lang", "zh", "pair", "delete", "9", "--yes"))


# ---- db restore -----------------------------------------------------------------------------------------------------


def test_restore_puts_back_a_backup_and_backs_up_the_current_database_first(lbc, db, tmp_path):
    backup = tmp_path / "b.db" if not ON_PG else tmp_path / "b.dump"
    ok(lbc("db", "backup", str(backup)))
    ok(lbc("contact", "delete", "1", "--yes"))
    ok(lbc("exam", "edit", "2", "--rank", "1"))
    done = lbc("db", "restore", str(backup), "--yes")
    ok(done)
    said = done.err.splitlines()
    assert said[0].startswith("the current database was first backed up to ") and "before-restore" in said[0]
    assert said[1].startswith("restored the database ")
    assert contacts(db) == [(1, 1, 2, "home-visit", "2024-02-01", "guardian", None, None, None, 0)]
    assert rows(db, "SELECT class_rank FROM exams WHERE id = 2") == [(5,)]
    assert not any(rule == "home-visit" and child == 1 for child, rule, _ in due(lbc, "2024-03-01"))
    check_clean(lbc)
    ok(lbc("log-contact", "李四", "--kind", "video-call", "--date", "2024-02-03"))  # it takes writes again
    assert [c[0] for c in contacts(db)] == [1, 2]
    if not ON_PG:  # the copy taken first holds the database as it was: contact 1 deleted
        before = said[0].removeprefix("the current database was first backed up to ")
        with closing(sqlite3.connect(before)) as connection:
            assert connection.execute("SELECT count(*) FROM contacts").fetchone() == (0,)


def test_restore_in_a_pipe_needs_yes(lbc, db, tmp_path):
    backup = tmp_path / ("b.db" if not ON_PG else "b.dump")
    ok(lbc("db", "backup", str(backup)))
    ok(lbc("contact", "delete", "1", "--yes"))
    assert "add --yes" in refused(lbc("db", "restore", str(backup)))
    assert contacts(db) == []


def _damaged(tmp_path, lbc) -> str:
    backup = tmp_path / "whole.db"
    ok(lbc("db", "backup", str(backup)))
    with closing(sqlite3.connect(backup)) as connection:
        page = connection.execute("SELECT rootpage FROM sqlite_master WHERE name = 'contacts'").fetchone()[0]
    data = bytearray(backup.read_bytes())
    data[(page - 1) * 4096 : (page - 1) * 4096 + 200] = b"\x0d\x00\x00\xff\xff" + b"\x07" * 195
    damaged = tmp_path / "damaged.db"
    damaged.write_bytes(bytes(data))
    return str(damaged)


@pytest.mark.sqlite_only("the bytes of the SQLite file")
def test_restore_of_a_bad_file_is_refused_and_the_database_bytes_are_unchanged(lbc, db, tmp_path):
    not_lbc = tmp_path / "other.sqlite"
    with closing(sqlite3.connect(not_lbc)) as other:
        other.execute("CREATE TABLE t (x)")
    newer = tmp_path / "newer.db"
    ok(lbc("db", "backup", str(newer)))
    execute(
        newer, "INSERT INTO schema_version (uid, version, applied_at) VALUES ('x', 99, '2030-01-01T00:00:00+00:00')"
    )
    text = tmp_path / "notes.txt"
    text.write_text("not a database\n")
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    empty = tmp_path / "empty.db"
    empty.write_bytes(b"")
    cases = {
        str(not_lbc): "is not an lbc backup",
        str(newer): "has schema version 99, newer than this lbc supports",
        _damaged(tmp_path, lbc): "is damaged: the file is incomplete or corrupted (database disk image is malformed)",
        str(text): "is not an lbc backup",
        str(tmp_path / "missing.db"): "does not exist",
        str(tmp_path): "is not an lbc backup",
        "/dev/zero": "is not an lbc backup",
        str(fifo): "is not an lbc backup",
        str(empty): "is not an lbc backup",
        str(db): "is the current database itself",
    }
    ok(lbc("child", "list"))  # whatever opening does to the file is done
    files = [db, f"{db}-wal"]
    before = [Path(f).read_bytes() if os.path.exists(f) else None for f in files]
    for bad, said in cases.items():
        err = refused(lbc("db", "restore", bad, "--yes"))
        assert said in err, (bad, err)
    assert [Path(f).read_bytes() if os.path.exists(f) else None for f in files] == before
    assert not (tmp_path / "backups").exists()  # refused before the current database was backed up


@pytest.mark.sqlite_only("the released schema fixtures are SQLite files")
def test_restore_of_an_older_schema_is_upgraded_when_next_opened(lbc, db):
    from lbc_cli.db import SCHEMA_VERSION

    fixture = Path(__file__).resolve().parent / "fixtures" / "schema_v5.db"
    ok(lbc("db", "restore", str(fixture), "--yes"))
    listed = lbc("child", "list", "--as-of", "2025-01-01", "--format", "csv")
    assert "张小明" in ok(listed) and "upgraded the database from schema 5" in listed.err
    assert rows(db, "SELECT MAX(version) FROM schema_version") == [(SCHEMA_VERSION,)]
    check_clean(lbc)


@pytest.mark.sqlite_only("another connection holding the SQLite file")
def test_restore_while_another_connection_holds_the_file(lbc, db, tmp_path):
    backup = tmp_path / "b.db"
    ok(lbc("db", "backup", str(backup)))
    ok(lbc("contact", "delete", "1", "--yes"))
    holder = sqlite3.connect(db)  # as cron's or another window's lbc, between two reads
    try:
        assert holder.execute("SELECT count(*) FROM contacts").fetchone() == (0,)
        ok(lbc("db", "restore", str(backup), "--yes"))
        assert holder.execute("SELECT count(*) FROM contacts").fetchone() == (1,)  # it reads the restored data
        assert holder.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    finally:
        holder.close()
    check_clean(lbc)


@pytest.mark.sqlite_only("foreign keys of a SQLite file")
def test_restore_refuses_a_backup_whose_rows_name_rows_it_lacks(lbc, db, tmp_path):
    """Found from outside: a backup that passes SQLite's integrity check but fails `db check` (an exam of a
    child deleted behind lbc's back) was restored."""
    broken = tmp_path / "broken.db"
    ok(lbc("db", "backup", str(broken)))
    with closing(sqlite3.connect(broken)) as connection:
        connection.execute("PRAGMA foreign_keys = OFF")
        connection.execute("DELETE FROM children WHERE id = 1")
        connection.commit()
    before = contacts(db)
    err = refused(lbc("db", "restore", str(broken), "--yes"))
    assert "is damaged" in err and "children" in err
    assert contacts(db) == before


@pytest.mark.sqlite_only("another connection holding SQLite's write lock")
def test_restore_waits_for_a_writer_no_longer_than_the_busy_timeout(lbc, db, tmp_path, monkeypatch):
    """Found from outside: Python's backup retries a locked step for ever; lbc gives up after the busy timeout
    with exit 3, as every other write does, and copies nothing."""
    import lbc_cli.db

    backup = tmp_path / "b.db"
    ok(lbc("db", "backup", str(backup)))
    ok(lbc("contact", "delete", "1", "--yes"))
    monkeypatch.setattr(lbc_cli.db, "BUSY_TIMEOUT_S", 0.5)
    holder = sqlite3.connect(db, isolation_level=None)
    try:
        holder.execute("BEGIN IMMEDIATE")  # another window, mid-write
        done = lbc("db", "restore", str(backup), "--yes")
        holder.execute("ROLLBACK")
    finally:
        holder.close()
    assert done.code == 3 and "busy" in done.err, done
    assert contacts(db) == []  # nothing copied in


@pytest.mark.skipif(not ON_PG, reason="pg_restore: PostgreSQL only")
def test_restore_on_postgresql_waits_for_a_reader_no_longer_than_the_busy_timeout(lbc, db, tmp_path, monkeypatch):
    """Found from outside: pg_restore's script sets lock_timeout to 0, so a psql session with an open read
    transaction held the restore for as long as it stayed open."""
    from sqlalchemy import create_engine, text

    import lbc_cli.db

    backup = tmp_path / "b.dump"
    ok(lbc("db", "backup", str(backup)))
    ok(lbc("contact", "delete", "1", "--yes"))
    monkeypatch.setattr(lbc_cli.db, "BUSY_TIMEOUT_S", 0.5)
    engine = create_engine(str(db))
    try:
        with engine.connect() as reader:
            reader.execute(text("SELECT count(*) FROM contacts")).all()  # its transaction stays open
            done = lbc("db", "restore", str(backup), "--yes")
            reader.rollback()
    finally:
        engine.dispose()
    assert done.code == 3 and "busy" in done.err, done
    assert contacts(db) == []


@pytest.mark.skipif(not ON_PG, reason="pg_restore: PostgreSQL only")
def test_restore_on_postgresql_refuses_a_file_that_is_no_archive_and_needs_pg_restore(lbc, db, tmp_path, monkeypatch):
    text = tmp_path / "notes.txt"
    text.write_text("not an archive\n")
    before = contacts(db)
    assert "is not an lbc backup" in refused(lbc("db", "restore", str(text), "--yes"))
    sqlite_file = tmp_path / "x.db"
    with closing(sqlite3.connect(sqlite_file)) as other:
        other.execute("CREATE TABLE t (x)")
    assert "is not an lbc backup" in refused(lbc("db", "restore", str(sqlite_file), "--yes"))
    backup = tmp_path / "b.dump"
    ok(lbc("db", "backup", str(backup)))
    monkeypatch.setenv("PATH", str(tmp_path / "nowhere"))
    assert "pg_restore was not found" in refused(lbc("db", "restore", str(backup), "--yes"))
    assert contacts(db) == before


def test_the_audit_log_has_a_reason_column_after_an_upgrade_from_schema_5(run, tmp_path):
    if ON_PG:
        pytest.skip("the released schema fixtures are SQLite files")
    import shutil

    path = tmp_path / "v5.db"
    shutil.copy(Path(__file__).resolve().parent / "fixtures" / "schema_v5.db", path)
    ok(run("pair", "update", "1", "--since", "2024-09-02", "--reason", "改日期", db=path))
    assert rows(path, "SELECT reason FROM audit_log ORDER BY id DESC LIMIT 1") == [("改日期",)]


def test_a_purge_erases_the_reasons_given_about_the_child_too(lbc, db):
    ok(lbc("contact", "edit", "1", "--minutes", "30", "--reason", "张三奶奶说记错了"))
    ok(lbc("contact", "delete", "1", "--yes"))
    history = [r["command"] for r in csv.DictReader(io.StringIO(ok(lbc("audit", "--child", "1", "--format", "csv"))))]
    assert history.count("lbc contact edit") == 1 and history.count("lbc contact delete") == 1  # the child's history
    ok(lbc("child", "purge", "1", "--yes"))
    assert rows(db, "SELECT count(*) FROM audit_log WHERE reason LIKE '%张三%'") == [(0,)]
