"""Ids are never given again (issue 20, outside testers): a deleted row's id stays its own, so that the audit log's
row ids and the ids people noted keep naming one record; and `lbc helper delete` for a helper entered by mistake.
Both backends unless marked.

The world (every expected value below is worked out by hand from it):

    child 1 张三  born 2015-05-01  李家村  enrolled 2024-01-01
    child 2 李四  born 2014-03-10  李家村  enrolled 2024-01-01
    helper 1 张老师 class-teacher, phone 13900001111; helper 2 李妈妈 loving-mother
    pairing 1: 张三 with 李妈妈 since 2024-01-01
    contact 1: 张三, home-visit, 2024-02-01, by 李妈妈
    exam 1: 张三 2024 term 1 rank 8 of 40
"""

import shutil
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest
from conftest import copy_db, new_target, rows

from lbc_cli.cli import main

FIXTURES = Path(__file__).resolve().parent / "fixtures"

WORLD = [
    ["enroll", "张三", "--gender", "M", "--birth", "2015-05-01", "--village", "李家村", "--enrolled-on", "2024-01-01",
     "--consent-on", "2024-01-01"],
    ["enroll", "李四", "--gender", "F", "--birth", "2014-03-10", "--village", "李家村", "--enrolled-on", "2024-01-01",
     "--consent-on", "2024-01-01"],
    ["helper", "add", "张老师", "--role", "class-teacher", "--phone", "13900001111"],
    ["helper", "add", "李妈妈", "--role", "loving-mother"],
    ["pair", "张三", "李妈妈", "--since", "2024-01-01"],
    ["log-contact", "张三", "--kind", "home-visit", "--date", "2024-02-01", "--helper", "李妈妈"],
    ["exam", "add", "张三", "--year", "2024", "--term", "1", "--rank", "8", "--class-size", "40"],
]  # fmt: skip


@pytest.fixture(scope="module")
def _world(tmp_path_factory):
    path = new_target(tmp_path_factory.mktemp("ids") / "lbc.db", keep=True)
    assert main(["--db", str(path), "--lang", "en", "init"]) == 0
    for command in WORLD:
        assert main(["--db", str(path), "--lang", "en", *command]) == 0, command
    return path


@pytest.fixture
def db(tmp_path, _world):
    return copy_db(_world, tmp_path / "lbc.db")


@pytest.fixture(autouse=True)
def _backups_here(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))


def ok(result) -> str:
    assert result.code == 0, result.err
    assert "Traceback" not in result.err
    return result.out


def refused(result) -> str:
    assert result.code == 1, (result.out, result.err)
    assert result.out == "" and "Traceback" not in result.err
    return result.err


def ids(db, table: str) -> list[int]:
    return [i for (i,) in rows(db, f"SELECT id FROM {table} ORDER BY id")]


def audited(db, table: str) -> list[tuple]:
    return rows(db, "SELECT row_id, action FROM audit_log WHERE table_name = ? ORDER BY id", table)


# ---- ids never given again ----------------------------------------------------------------------


def test_a_deleted_highest_id_is_not_given_again(run, db):
    """Each table lbc deletes rows of: the highest row deleted, the next one added takes the id after it."""
    ok(run("pair", "delete", "1", "--yes", db=db))
    ok(run("pair", "张三", "李妈妈", "--since", "2024-01-01", db=db))
    assert ids(db, "pairings") == [2]
    assert audited(db, "pairings") == [(1, "insert"), (1, "delete"), (2, "insert")]
    assert ok(run("pair", "list", "--format", "csv", db=db)).splitlines()[1].startswith("2,")

    ok(run("contact", "delete", "1", "--yes", db=db))
    ok(run("log-contact", "张三", "--kind", "home-visit", "--date", "2024-02-01", "--helper", "李妈妈", db=db))
    assert ids(db, "contacts") == [2]

    ok(run("exam", "delete", "1", "--yes", db=db))
    assert ok(run("exam", "add", "张三", "--year", "2024", "--term", "1", "--rank", "8", db=db)) == "2\n"
    assert ids(db, "exams") == [2]

    assert ok(run("helper", "add", "王五", "--role", "other", db=db)) == "3\n"
    ok(run("helper", "delete", "3", "--yes", db=db))
    assert ok(run("helper", "add", "赵六", "--role", "other", db=db)) == "4\n"

    # an exit undone as a mistake leaves no row; the next exit takes the id after it
    ok(run("child", "exit", "李四", "--reason", "moved", "--date", "2024-06-30", db=db))
    ok(run("child", "reenter", "李四", db=db))
    assert ids(db, "exits") == []
    ok(run("child", "exit", "李四", "--reason", "moved", "--date", "2024-07-31", db=db))
    assert ids(db, "exits") == [2]

    ok(run("schedule", "remove", "13", db=db))  # the seeded schedule's 13 items: the last one removed
    ok(run("schedule", "add", "1", "拜访", db=db))
    assert ids(db, "schedule_items")[-1] == 14


@pytest.mark.sqlite_only("SQLite's sqlite_sequence; PostgreSQL's sequences are the test above")
def test_a_new_file_declares_the_tables_autoincrement(db):
    declared = dict(rows(db, "SELECT name, sql FROM sqlite_master WHERE type = 'table'"))
    for table in ("helpers", "pairings", "exits", "contacts", "exams", "schedule_items"):
        assert "PRIMARY KEY AUTOINCREMENT" in declared[table], table
    for table in ("children", "settings", "audit_log"):  # never deleted from
        assert "AUTOINCREMENT" not in declared[table], table


@pytest.mark.sqlite_only("the released schema fixtures are SQLite files")
def test_the_upgrade_starts_each_table_after_the_highest_id_ever_used(run, tmp_path):
    """Schema 5 (tests/fixtures/schema_v5.db: child 1 张小明, helper 1 李老师, pairing 1, contact 1, exam 1), its
    pairing 1 deleted before the upgrade and an audit entry for contact 7 (a contact once held, deleted since):
    the command that upgrades it pairs again under id 2 and logs contact 8; an untouched table goes on from its
    highest id (exam 2)."""
    path = tmp_path / "v5.db"
    shutil.copy(FIXTURES / "schema_v5.db", path)
    with closing(sqlite3.connect(path)) as connection, connection:
        connection.execute("DELETE FROM pairings WHERE id = 1")
        connection.execute(
            "INSERT INTO audit_log (uid, at, os_user, command, table_name, row_id, action)"
            " VALUES ('u-1', '2025-01-01T00:00:00+00:00', 'x', 'lbc contact delete', 'contacts', 7, 'delete')"
        )
    ok(run("pair", "张小明", "李老师", "--since", "2024-09-10", db=path))
    assert ids(path, "pairings") == [2]
    ok(run("log-contact", "张小明", "--kind", "phone-call", "--date", "2024-10-01", db=path))
    assert ids(path, "contacts") == [1, 8]
    assert ok(run("exam", "add", "张小明", "--year", "2024", "--term", "2", "--rank", "3", db=path)) == "2\n"
    sequence = dict(rows(path, "SELECT name, seq FROM sqlite_sequence"))
    assert sequence == {"pairings": 2, "contacts": 8, "exams": 2, "helpers": 1, "schedule_items": 13}
    assert rows(path, "PRAGMA integrity_check") == [("ok",)]


def test_a_merge_gives_no_row_an_id_deleted_here(run, db, tmp_path):
    """B, a copy of A, pairs 李四 with 张老师 (B's pairing 2); A deletes its pairing 1 and pairs 李四 with 李妈妈
    (A's pairing 2). Merging B into A, both of B's pairings are new here: its pairing 1 (A's deleted one, by uid)
    holds an id deleted here, its pairing 2 an id taken here: they take the ids after every id either side
    used, 3 and 4, in id order; id 1 is never given again."""
    other = copy_db(db, tmp_path / "b.db")
    ok(run("pair", "李四", "张老师", "--since", "2024-01-01", db=other))
    ok(run("pair", "delete", "1", "--yes", db=db))
    ok(run("pair", "李四", "李妈妈", "--since", "2024-01-01", db=db))
    ok(run("merge", str(other), db=db))
    assert rows(db, "SELECT id, child_id, helper_id FROM pairings ORDER BY id") == [(2, 2, 2), (3, 1, 2), (4, 2, 1)]
    ok(run("pair", "张三", "张老师", "--since", "2024-01-01", db=db))
    assert ids(db, "pairings")[-1] == 5


def test_an_import_with_ids_below_a_deleted_one_does_not_give_it_again(run, db, tmp_path):
    """Pairings 1 and 2 exported, both deleted, pairing 1 imported again with its id: the next pairing is 3, not
    2 (PostgreSQL's sequence is moved past the ids written, never back; SQLite's sqlite_sequence keeps 2)."""
    ok(run("pair", "李四", "张老师", "--since", "2024-01-01", db=db))
    exported = ok(run("export", "pairs", "--reveal", db=db)).splitlines()
    (tmp_path / "one.csv").write_text("\n".join(exported[:2]) + "\n", encoding="utf-8")
    ok(run("pair", "delete", "2", "--yes", db=db))
    ok(run("pair", "delete", "1", "--yes", db=db))
    ok(run("import", "pairs", str(tmp_path / "one.csv"), db=db))
    assert ids(db, "pairings") == [1]
    ok(run("pair", "李四", "张老师", "--since", "2024-01-01", db=db))
    assert ids(db, "pairings") == [1, 3]


# ---- helper delete ------------------------------------------------------------------------------


def test_a_helper_entered_twice_is_deleted_with_its_values_in_the_audit_log(run, db):
    assert ok(
        run("helper", "add", "张老师", "--role", "class-teacher", "--phone", "13900001111", "--force", db=db)
    ) == ("3\n")
    result = run("helper", "delete", "3", "--reason", "entered twice", "--yes", db=db)
    assert ok(result) == ""
    assert result.err == "deleted helper 张老师 (3) (their values stay in the audit log)\n"
    assert ids(db, "helpers") == [1, 2]
    [(old, reason)] = rows(db, "SELECT old_values, reason FROM audit_log WHERE table_name = 'helpers' AND row_id = 3"
                           " AND action = 'delete'")  # fmt: skip
    assert '"phone": "13900001111"' in old and '"name": "张老师"' in old and reason == "entered twice"
    shown = ok(run("audit", "--table", "helpers", db=db))
    assert "139****1111" in shown and "13900001111" not in shown
    assert ok(run("helper", "show", "张老师", db=db)).count("张老师") >= 1  # the name is no longer ambiguous


def test_a_helper_with_pairings_or_contacts_is_not_deleted(run, db):
    err = refused(run("helper", "delete", "李妈妈", "--yes", db=db))
    assert err == (
        "lbc: error: helper 李妈妈 (2) has 1 pairing(s) and 1 contact(s) and cannot be deleted: first lbc pair "
        "delete the pairings made by mistake and lbc contact edit --helper the contacts, or use lbc helper "
        "update 2 --inactive\n"
    )
    ok(run("log-contact", "李四", "--kind", "phone-call", "--date", "2024-03-01", "--helper", "张老师", db=db))
    err = refused(run("--lang", "zh", "helper", "delete", "张老师", "--yes", db=db))
    assert err == (
        "lbc: 错误：帮扶人张老师（1）有 0 个结对、1 条联系记录，不能删除：请先用 lbc pair delete 删除误建的结对、"
        "lbc contact edit --helper 改正联系记录，或改用 lbc helper update 1 --inactive\n"
    )
    assert ids(db, "helpers") == [1, 2]
    assert audited(db, "helpers") == [(1, "insert"), (2, "insert")]


def test_deleting_a_helper_in_a_pipe_needs_yes_and_an_unknown_one_is_refused(run, db):
    ok(run("helper", "add", "王五", "--role", "other", db=db))
    assert refused(run("helper", "delete", "王五", db=db)) == "lbc: error: deleting needs confirmation: add --yes\n"
    assert refused(run("helper", "delete", "99", "--yes", db=db)).startswith("lbc: error: no helper '99'")
    assert ids(db, "helpers") == [1, 2, 3]


def test_an_ambiguous_helper_name_marks_the_ones_not_in_post(run, db):
    ok(run("helper", "add", "张老师", "--role", "class-teacher", "--phone", "13900002222", db=db))
    ok(run("helper", "update", "1", "--inactive", "--date", "2024-06-30", db=db))
    err = refused(run("pair", "李四", "张老师", "--since", "2024-07-01", db=db))
    assert err == (
        "lbc: error: '张老师' matches several helpers; give the id instead:\n"
        "  1  张老师 (inactive)  -  class teacher\n"
        "  3  张老师  -  class teacher\n"
    )
    err = refused(run("--lang", "zh", "pair", "李四", "张老师", "--since", "2024-07-01", db=db))
    assert (
        err == "lbc: 错误：“张老师”对应多个帮扶人，请用编号指定：\n"
        "  1  张老师（不在岗）  -  班主任\n  3  张老师  -  班主任\n"
    )
    assert ids(db, "pairings") == [1]
