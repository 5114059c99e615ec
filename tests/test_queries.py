"""The whole-table queries use the indexes built for them (EXPLAIN QUERY PLAN), so they stay set-based; what
they read is held compactly, and a server runs them without compiling them first."""

import sqlite3
from contextlib import closing
from datetime import date

import pytest
from conftest import ON_PG

from lbc_cli import reminder_facts


@pytest.mark.sqlite_only("SQLite's query plan (EXPLAIN QUERY PLAN)")
def test_reminder_facts_are_one_pass_over_the_children_with_index_seeks_per_child(db):
    """remind's facts (reminder_facts.facts_sql): the children read in table order, not through an index;
    each rule's last contact one seek on the covering contacts index, the attempt filter (``no_answer =
    false``) part of the seek; the helpers of each child one seek on the covering pairings index."""
    for village in (None, "东村"):
        sql = reminder_facts.facts_sql("sqlite", village=village)
        params = reminder_facts.facts_params("sqlite", date(2026, 11, 27), village=village)
        with closing(sqlite3.connect(db)) as connection:
            plan = [row[-1] for row in connection.execute(f"EXPLAIN QUERY PLAN {sql}", params)]
        assert plan[0] == "SCAN c", plan
        seeks = [line for line in plan if line.startswith("SEARCH contacts")]
        assert len(seeks) == 3, plan
        for seek in seeks:
            assert seek.startswith("SEARCH contacts USING COVERING INDEX ix_contacts_child_kind_date (child_id=?")
            assert "no_answer=?" in seek  # part of the seek, not a check of each row
        assert [line for line in plan if "pairings" in line] == [
            "SEARCH pairings USING COVERING INDEX ix_pairings_child (child_id=?)"
        ]
        # and a child's closed times out (in the programme; back since), one seek each on their partial index,
        # looked at only when some child was out that day or came back by then (asked once: not correlated)
        assert [line for line in plan if "exits" in line and line.startswith("SEARCH")] == [
            "SEARCH exits USING COVERING INDEX ix_exits_back (child_id=? AND reentered_on>?)",
            "SEARCH exits USING COVERING INDEX ix_exits_back (child_id=? AND reentered_on<?)",
        ]
        assert sum(line.startswith("CORRELATED SCALAR SUBQUERY") for line in plan) == 6


def test_remind_facts_hold_each_distinct_day_once(run, db):
    """A county's children share a few thousand days, and each child's facts hold seven: the facts of two
    children enrolled (and reviewed) the same day hold one date object for it, read from the database's own
    form of it (ISO text on SQLite, a date on PostgreSQL), equal to the day as written."""
    from lbc_cli.db import Database

    for name in ("王小明", "李小红"):
        done = run("enroll", name, "--gender", "F", "--birth", "2015-03-04", "--village", "东村",
                   "--enrolled-on", "2026-09-01", "--force", db=db)  # fmt: skip
        assert done.code == 0, done.err
    database = Database(str(db)).open()
    try:
        with database.reader() as rows:
            made = reminder_facts.facts(rows, database.dialect, date(2026, 11, 27))
    finally:
        database.dispose()
    first, second = sorted(made, key=lambda facts: facts.id)[-2:]
    assert first.enrolled_on == second.enrolled_on == date(2026, 9, 1)
    assert first.enrolled_on is second.enrolled_on
    assert first.birth_date is second.birth_date


@pytest.mark.skipif(not ON_PG, reason="PostgreSQL only: its JIT compilation")
def test_lbc_sessions_on_postgresql_run_without_jit_compilation_even_after_a_rollback(db):
    """PostgreSQL compiles a query its planner estimates dear (a scan of a county's children with a subplan of
    their times out) before running it: 0.2 s each, for queries that run in milliseconds. lbc's connections set
    JIT off for the whole session: a transaction rolled back does not bring it back."""
    from sqlalchemy import text

    from lbc_cli.db import Database

    database = Database(db).open()
    try:
        with database.session() as session:
            assert session.execute(text("SHOW jit")).scalar_one() == "off"
            session.rollback()
            assert session.execute(text("SHOW jit")).scalar_one() == "off"
        with database.reader() as rows:
            assert list(rows("SELECT current_setting('jit')", {})) == [("off",)]
    finally:
        database.dispose()
