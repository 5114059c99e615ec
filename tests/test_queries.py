"""The whole-table queries use the indexes built for them (EXPLAIN QUERY PLAN), so they stay set-based;
a read aside (store.raw_rows_aside) runs on a connection of its own and leaves none open, and so does work
aside (store.computed_aside), done by a copy of the process."""

import os
import sqlite3
import sys
import threading
import time
from contextlib import closing, contextmanager
from datetime import date

import pytest
from sqlalchemy import func, literal_column, select, table, text
from sqlalchemy.exc import DBAPIError

from lbc_cli import remind_sql, store
from lbc_cli.db import Database
from lbc_cli.models import Child

EVERYONE = select(func.count()).select_from(Child)


@contextmanager
def _session(db_path, *, write: bool = False):
    """A session of lbc's own Database on the test database, its engine disposed afterwards."""
    database = Database(str(db_path)).open()
    try:
        with database.session(write=write) as session:
            yield session
    finally:
        database.dispose()


def _plan(db_path, statement) -> str:
    with _session(db_path) as session:
        connection = session.connection()
        compiled = statement.compile(dialect=connection.dialect, compile_kwargs={"literal_binds": True})
        rows = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}").fetchall()
    return "\n".join(str(row[-1]) for row in rows)


@pytest.mark.sqlite_only("SQLite's query plan (EXPLAIN QUERY PLAN)")
def test_reminder_facts_are_one_pass_over_the_children_with_index_seeks_per_child(db):
    """remind's facts (remind_sql.facts_sql): the children read in table order, not through the name index,
    even for a half of them by name; each child's last contacts one seek on last_contacts' key, and where
    it cannot answer, each rule's last contact one seek on the covering contacts index, the attempt filter
    part of the seek; the helpers of each child one seek on the covering pairings index."""
    for names in (None, ("M", None), (None, "M"), ("A", "M")):
        sql = remind_sql.facts_sql("sqlite", village="东村", names=names)
        params = remind_sql.facts_params("sqlite", date(2026, 11, 27), village="东村", names=names)
        with closing(sqlite3.connect(db)) as connection:
            plan = [row[-1] for row in connection.execute(f"EXPLAIN QUERY PLAN {sql}", params)]
        assert plan[:2] == ["SCAN c", "SEARCH l USING INTEGER PRIMARY KEY (rowid=?) LEFT-JOIN"], plan
        seeks = [line for line in plan if line.startswith("SEARCH contacts")]
        assert len(seeks) == 3, plan
        for seek in seeks:
            assert seek.startswith("SEARCH contacts USING COVERING INDEX ix_contacts_child_kind_date (child_id=?")
            assert "no_answer=?" in seek  # `= 0`, part of the seek, not a check of each row
        assert [line for line in plan if "pairings" in line] == [
            "SEARCH pairings USING COVERING INDEX ix_pairings_child (child_id=?)"
        ]
        assert sum(line.startswith("CORRELATED SCALAR SUBQUERY") for line in plan) == 4


def test_a_read_aside_gives_the_rows_a_read_in_place_gives_and_its_error_reaches_the_caller(lbc, db):
    for name, village in (("王小明", "东村"), ("李小红", "东村"), ("张小刚", "西村")):
        assert lbc("enroll", name, "--gender", "M", "--birth", "2015-03-01", "--village", village).code == 0
    by_village = select(Child.village, func.count()).group_by(Child.village).order_by(Child.village)
    with _session(db) as session:
        with store.raw_rows_aside(by_village, session=session) as aside:
            in_place = store.raw_rows(by_village, session=session)
            assert aside() == in_place == [("东村", 2), ("西村", 1)]
        missing = select(func.count()).select_from(table("no_such_table"))
        with store.raw_rows_aside(missing, session=session) as failing:
            with pytest.raises(DBAPIError, match="no_such_table"):  # the session's own kind of error
                failing()


def test_a_read_aside_is_on_a_connection_of_its_own(lbc, db):
    """It does not see what the session has written and not committed; the session does."""
    assert lbc("enroll", "王小明", "--gender", "M", "--birth", "2015-03-01").code == 0
    with _session(db, write=True) as session:
        session.add(
            Child(
                name="李小红",
                name_pinyin="li xiao hong",
                name_initials="lxh",
                gender="F",
                birth_date=date(2016, 4, 2),
                enrolled_on=date(2024, 9, 1),
                uid="0" * 32,
            )
        )
        session.flush()
        with store.raw_rows_aside(EVERYONE, session=session) as aside:
            assert store.raw_rows(EVERYONE, session=session) == [(2,)]
            assert aside() == [(1,)]
        session.rollback()


def test_leaving_a_read_aside_on_an_error_stops_it_and_leaves_no_connection_open(db):
    """A read still running when the command fails is interrupted (this one would count for many seconds)
    and its thread waited for: the session's own connection is the only one left checked out."""
    counting = text(
        "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 100000000) SELECT x FROM n"
    ).columns(literal_column("x"))
    slow = select(func.count()).select_from(counting.subquery())
    with _session(db) as session:
        assert store.raw_rows(EVERYONE, session=session) == [(0,)]
        with pytest.raises(KeyError), store.raw_rows_aside(slow, session=session):
            time.sleep(0.2)  # the read is under way
            raise KeyError("the command failed before it needed the rows")
        assert not any(t.name == "lbc-read" and t.is_alive() for t in threading.enumerate())
        assert session.get_bind().pool.checkedout() == 1


def test_a_read_aside_of_an_in_memory_database_is_read_in_place():
    from sqlalchemy import create_engine
    from sqlmodel import Session, SQLModel

    engine = create_engine("sqlite://")
    SQLModel.metadata.create_all(engine, tables=[Child.__table__])
    with Session(engine) as session:
        with store.raw_rows_aside(EVERYONE, session=session) as aside:
            assert aside() == [(0,)]
    engine.dispose()


# ---- work aside: a copy of the process (store.computed_aside) ---------------------------------------

needs_fork = pytest.mark.skipif(sys.platform != "linux", reason="the copy is made on Linux only")


def _pid_and_count(session) -> tuple[int, list]:
    return os.getpid(), store.raw_rows(EVERYONE, session=session)


@needs_fork
def test_work_aside_is_done_by_a_copy_of_the_process_on_a_connection_of_its_own(lbc, db):
    for name in ("王小明", "李小红"):
        assert lbc("enroll", name, "--gender", "M", "--birth", "2015-03-01").code == 0
    with _session(db) as session:
        with store.computed_aside(_pid_and_count, session=session) as result:
            assert store.raw_rows(EVERYONE, session=session) == [(2,)]  # the session reads meanwhile
            pid, count = result()
        assert result() == (pid, count)  # asked twice, the same answer
        assert pid != os.getpid()
        assert count == [(2,)]
        assert session.get_bind().pool.checkedout() == 1  # the session's own: the copy's stayed in the copy


@needs_fork
def test_work_that_fails_in_the_copy_is_done_here_and_its_error_raised_here(db):
    parent = os.getpid()

    def only_here(session):
        if os.getpid() != parent:
            raise RuntimeError("the copy fails")
        return "done here"

    missing = select(func.count()).select_from(table("no_such_table"))
    with _session(db) as session, store.computed_aside(only_here, session=session) as result:
        assert result() == "done here"
    with _session(db) as session:
        with store.computed_aside(lambda s: store.raw_rows(missing, session=s), session=session) as failing:
            driver_error = session.get_bind().dialect.loaded_dbapi.Error
            with pytest.raises(driver_error, match="no_such_table"):  # as raw_rows raises it, for the session
                failing()


@needs_fork
def test_leaving_work_aside_early_kills_the_copy(db, tmp_path):
    started = tmp_path / "pid"

    def slow(session):
        started.write_text(str(os.getpid()))
        time.sleep(60)

    begun = time.monotonic()
    with _session(db) as session, pytest.raises(KeyError), store.computed_aside(slow, session=session):
        while not started.exists() or not started.read_text():
            assert time.monotonic() - begun < 30, "no copy was made"
            time.sleep(0.01)
        raise KeyError("the command failed before it needed the result")
    assert time.monotonic() - begun < 30
    with pytest.raises(ProcessLookupError):  # killed and reaped: no such process any more
        os.kill(int(started.read_text()), 0)


def test_work_aside_is_done_in_place_where_no_copy_can_be_made(lbc, db):
    """An in-memory database (one connection holds it), and a session whose transaction has begun (its
    locks would be the copy's too)."""
    from sqlalchemy import create_engine
    from sqlmodel import Session, SQLModel

    engine = create_engine("sqlite://")
    SQLModel.metadata.create_all(engine, tables=[Child.__table__])
    with Session(engine) as session, store.computed_aside(_pid_and_count, session=session) as result:
        assert result() == (os.getpid(), [(0,)])
    engine.dispose()
    assert lbc("enroll", "王小明", "--gender", "M", "--birth", "2015-03-01").code == 0
    with _session(db) as session:
        assert store.raw_rows(EVERYONE, session=session) == [(1,)]
        with store.computed_aside(_pid_and_count, session=session) as result:
            assert result() == (os.getpid(), [(1,)])
