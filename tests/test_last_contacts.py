"""last_contacts, derived from the contacts (SPEC section 6's facts): kept by triggers on both backends whoever
writes the contacts, rebuilt when the definition of which contacts count changes, checked by `db check`."""

from datetime import date
from pathlib import Path

import pytest
from conftest import ON_PG, execute, last_days_by_hand, last_days_in_facts, rows

from lbc_cli import conditions


def _table(db) -> dict[int, tuple]:
    """last_contacts as it is, in last_days_by_hand's shape (a row of no day at all left out)."""
    found = rows(db, "SELECT child_id, last_parent_call, last_feedback, last_visit FROM last_contacts")
    return {child: tuple(days) for child, *days in found if any(days)}


def _kept_right(db) -> None:
    """Each row of the table holds what the contacts give its child (worked out by hand), and remind's facts,
    read from the table where there is a row and from the contacts where there is none, are the same."""
    hand = last_days_by_hand(db)
    found = rows(db, "SELECT child_id, last_parent_call, last_feedback, last_visit FROM last_contacts")
    assert {child: tuple(days) for child, *days in found} == {
        child: hand.get(child, (None,) * 3) for child, *_ in found
    }
    assert last_days_in_facts(db) == hand


def _enrolled(lbc, *names: str) -> None:
    for name in names:
        done = lbc("enroll", name, "--gender", "F", "--birth", "2014-05-06", "--enrolled-on", "2024-01-01")
        assert done.code == 0, done.err


def test_contacts_logged_are_in_the_table_each_child_s_last_day_of_each_fact(lbc, db):
    _enrolled(lbc, "王芳", "李娜")
    for args in (
        ("1", "--kind", "video-call", "--date", "2024-03-01"),  # with a parent, by default
        ("1", "--kind", "phone-call", "--date", "2024-03-09", "--with", "child"),  # not with a parent: no call
        ("1", "--kind", "phone-call", "--date", "2024-03-20", "--no-answer"),  # reached nobody: nothing
        ("1", "--kind", "home-visit", "--date", "2024-02-11"),
        ("1", "--kind", "home-visit", "--date", "2024-01-15"),  # earlier than the last: no change
        ("2", "--kind", "parent-feedback", "--date", "2024-04-30"),
        ("2", "--kind", "school-visit", "--date", "2024-05-02"),  # a kind no rule counts
    ):
        done = lbc("log-contact", *args)
        assert done.code == 0, done.err
    expected = {1: ("2024-03-01", None, "2024-02-11"), 2: (None, "2024-04-30", None)}
    assert _table(db) == last_days_by_hand(db) == expected


def test_contacts_changed_or_deleted_behind_lbc_s_back_take_the_child_s_row_away(lbc, db):
    """Another program's UPDATE and DELETE on the contacts: the triggers (SQLite's, PostgreSQL's function) take
    the child's row away, and its days come from the contacts until its next contact makes the row again."""
    _enrolled(lbc, "王芳", "李娜")
    for child, kind, day in (
        ("1", "home-visit", "2024-02-11"),
        ("1", "home-visit", "2024-03-05"),
        ("2", "video-call", "2024-03-07"),
    ):
        assert lbc("log-contact", child, "--kind", kind, "--date", day).code == 0
    assert _table(db) == {1: (None, None, "2024-03-05"), 2: ("2024-03-07", None, None)}
    execute(db, "DELETE FROM contacts WHERE date = '2024-03-05'")  # the last visit goes: the one before is last
    assert _table(db) == {2: ("2024-03-07", None, None)}
    _kept_right(db)
    assert last_days_in_facts(db)[1] == (None, None, "2024-02-11")
    execute(db, "UPDATE contacts SET child_id = 1 WHERE kind = 'video-call'")  # moved to the other child
    assert _table(db) == {}
    _kept_right(db)
    execute(db, "UPDATE contacts SET with_whom = 'teacher' WHERE kind = 'video-call'")  # no longer a parent call
    execute(db, "UPDATE contacts SET kind = 'parent-feedback', date = '2024-01-02' WHERE kind = 'home-visit'")
    _kept_right(db)
    assert last_days_by_hand(db) == {1: (None, "2024-01-02", None)}
    assert lbc("log-contact", "1", "--kind", "home-visit", "--date", "2024-01-05").code == 0  # the row made again
    assert _table(db) == {1: (None, "2024-01-02", "2024-01-05")}
    _kept_right(db)


def test_remind_on_a_date_before_a_child_s_last_contact_counts_only_the_contacts_until_then(lbc, db):
    _enrolled(lbc, "王芳")
    for day in ("2024-02-01", "2024-06-01"):
        assert lbc("log-contact", "1", "--kind", "home-visit", "--date", day).code == 0
    # the table holds 2024-06-01; on 2024-05-15 the visit of 2024-02-01 is the last: due 90 days later (visit_days)
    due = lbc("remind", "--as-of", "2024-05-15", "--format", "csv").out.splitlines()
    assert "1,王芳,home-visit,2024-05-01,14,normal," in due
    assert last_days_in_facts(db, as_of=date(2024, 5, 15)) == {1: (None, None, "2024-02-01")}


def test_a_changed_definition_of_the_contacts_that_count_rebuilds_the_table_at_open(lbc, db, monkeypatch):
    """Which kinds count lives in conditions.COUNTED_CONTACTS alone: with school visits counted as visits too,
    the next command finds the database's triggers not the ones this lbc makes and works the table out again."""
    _enrolled(lbc, "王芳")
    assert lbc("log-contact", "1", "--kind", "home-visit", "--date", "2024-02-01").code == 0
    assert lbc("log-contact", "1", "--kind", "school-visit", "--date", "2024-03-01").code == 0
    assert _table(db) == {1: (None, None, "2024-02-01")}
    monkeypatch.setitem(conditions.COUNTED_CONTACTS, "last_visit", (("home-visit", "school-visit"), False))
    assert lbc("child", "show", "1").code == 0  # any command opening the database
    assert _table(db) == {1: (None, None, "2024-03-01")}
    assert lbc("log-contact", "1", "--kind", "school-visit", "--date", "2024-03-20").code == 0  # the new triggers
    assert _table(db) == {1: (None, None, "2024-03-20")}
    assert lbc("db", "check").code == 0


def test_triggers_dropped_by_hand_are_made_again_at_open(lbc, db):
    _enrolled(lbc, "王芳")
    on_pg = not isinstance(db, Path)
    drop = "DROP TRIGGER last_contacts_kept ON contacts" if on_pg else "DROP TRIGGER last_contacts_added"
    execute(db, drop)
    columns = "uid, child_id, kind, date, no_answer"
    execute(db, f"INSERT INTO contacts ({columns}) VALUES ('x1', 1, 'home-visit', '2024-02-01', false)")
    assert _table(db) == {}  # no trigger: the table fell behind
    assert lbc("child", "show", "1").code == 0
    assert _table(db) == {1: (None, None, "2024-02-01")}
    assert lbc("log-contact", "1", "--kind", "home-visit", "--date", "2024-04-01").code == 0
    assert _table(db) == {1: (None, None, "2024-04-01")}


def test_db_check_finds_a_table_edited_by_hand_and_repair_works_it_out_again(lbc, db):
    _enrolled(lbc, "王芳", "李娜")
    assert lbc("log-contact", "1", "--kind", "home-visit", "--date", "2024-02-01").code == 0
    execute(db, "UPDATE last_contacts SET last_visit = '2020-01-01'")
    execute(db, "INSERT INTO last_contacts (child_id, last_feedback) VALUES (2, '2024-01-01')")
    found = lbc("db", "check")
    assert found.code == 1
    assert (
        "the table of last contacts (each child's last contact of each kind) differs from the contacts for 2 children"
        in found.err
    )
    assert "lbc db check --repair" in found.err
    repaired = lbc("db", "check", "--repair")
    assert repaired.code == 0, repaired.err
    assert _table(db) == {1: (None, None, "2024-02-01")}


def test_db_check_says_it_in_chinese(lbc, db, monkeypatch):
    _enrolled(lbc, "王芳")
    assert lbc("log-contact", "1", "--kind", "home-visit", "--date", "2024-02-01").code == 0
    execute(db, "UPDATE last_contacts SET last_visit = NULL")
    monkeypatch.setenv("LBC_LANG", "zh")
    found = lbc("db", "check")
    assert found.code == 1
    assert "“最近联系”汇总表（每名儿童各类最近一次联系）中有 1 名儿童与联系记录不符" in found.err


@pytest.mark.parametrize("kind", ["video-call", "home-visit"])
def test_an_import_of_contacts_keeps_the_table(lbc, db, tmp_path, kind):
    _enrolled(lbc, "王芳", "李娜")
    path = tmp_path / "contacts.csv"
    lines = [
        "child_id,kind,date,with_whom",
        *(f"{c},{kind},{d},parent" for c, d in ((1, "2024-05-01"), (2, "2024-05-03"), (1, "2024-04-01"))),
    ]
    path.write_text("\n".join(lines) + "\n", "utf-8")
    assert lbc("import", "contacts", str(path)).code == 0
    column = 0 if kind == "video-call" else 2
    expected = {
        child: tuple(day if n == column else None for n in range(3))
        for child, day in ((1, "2024-05-01"), (2, "2024-05-03"))
    }
    assert _table(db) == last_days_by_hand(db) == expected


@pytest.mark.sqlite_only("SQLite's REPLACE: the row it replaces is deleted without a delete trigger")
@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            "REPLACE INTO contacts (id, uid, child_id, kind, date, no_answer) SELECT id, uid, child_id, 'activity',"
            " date, no_answer FROM contacts WHERE date = '2024-03-05'",
            {1: (None, None, "2024-02-11"), 2: (None, None, "2024-04-01")},
        ),
        (
            "INSERT OR REPLACE INTO contacts (id, uid, child_id, kind, date, with_whom, no_answer) SELECT id, uid,"
            " child_id, kind, '2024-01-20', with_whom, no_answer FROM contacts WHERE date = '2024-03-05'",
            {1: (None, None, "2024-02-11"), 2: (None, None, "2024-04-01")},
        ),
        (  # child 2's visit (id 3) replaced by a contact of child 1's
            "INSERT OR REPLACE INTO contacts (id, uid, child_id, kind, date, no_answer)"
            " VALUES (3, 'another', 1, 'activity', '2024-04-02', false)",
            {1: (None, None, "2024-03-05")},
        ),
        (  # ignored: nothing changes
            "INSERT OR IGNORE INTO contacts (id, uid, child_id, kind, date, no_answer) SELECT id, uid, child_id,"
            " 'activity', date, no_answer FROM contacts",
            {1: (None, None, "2024-03-05"), 2: (None, None, "2024-04-01")},
        ),
        (  # child 2's visit replaced by child 1's first, given its uid
            "UPDATE OR REPLACE contacts SET uid = (SELECT uid FROM contacts WHERE id = 3) WHERE id = 1",
            {1: (None, None, "2024-03-05")},
        ),
    ],
    ids=["another-kind", "an-earlier-day", "another-child-s", "ignored", "update-or-replace"],
)
def test_a_contact_replaced_by_another_program_leaves_remind_right(lbc, db, change, expected):
    """Found from outside: `REPLACE INTO contacts` from the sqlite3 shell left the replaced visit's day in the
    table, and remind counted a visit that was gone."""
    _enrolled(lbc, "王芳", "李娜")
    for child, day in (("1", "2024-02-11"), ("1", "2024-03-05"), ("2", "2024-04-01")):
        assert lbc("log-contact", child, "--kind", "home-visit", "--date", day).code == 0
    execute(db, change)
    _kept_right(db)
    assert last_days_in_facts(db) == expected


@pytest.mark.parametrize("made", ["a view", "nothing"])
def test_a_table_replaced_by_a_view_or_dropped_by_hand_is_made_again_at_open(lbc, db, made):
    """Found from outside: a view named last_contacts gave remind the view's days (no reminder at all) and made
    `db check --repair` fail; a dropped table made remind say the file was damaged."""
    _enrolled(lbc, "王芳")
    assert lbc("log-contact", "1", "--kind", "home-visit", "--date", "2024-02-11").code == 0
    execute(db, "DROP TABLE last_contacts")
    if made == "a view":
        execute(
            db,
            "CREATE VIEW last_contacts AS SELECT id AS child_id, '2030-01-01' AS last_parent_call,"
            " '2030-01-01' AS last_feedback, '2030-01-01' AS last_visit FROM children",
        )
    due = lbc("remind", "--as-of", "2024-05-12", "-f", "csv")
    assert due.code == 0, due.err
    assert "1,王芳,home-visit,2024-05-11,1,normal," in due.out
    assert _table(db) == {1: (None, None, "2024-02-11")}
    assert lbc("db", "check").code == 0


def test_db_check_repair_says_what_it_did(lbc, db):
    done = lbc("db", "check", "--repair")
    assert done.code == 0
    assert done.err.splitlines()[0] == "worked the table of last contacts out again from the contacts"


@pytest.mark.skipif(not ON_PG, reason="TRUNCATE fires no row trigger: PostgreSQL's statement trigger")
def test_contacts_truncated_on_postgresql_empty_the_table(lbc, db):
    _enrolled(lbc, "王芳")
    assert lbc("log-contact", "1", "--kind", "home-visit", "--date", "2024-02-11").code == 0
    execute(db, "TRUNCATE contacts")
    assert _table(db) == {}
    _kept_right(db)
    assert "1,王芳,home-visit,2024-01-01," in lbc("remind", "--as-of", "2024-05-12", "-f", "csv").out
