"""The whole-table queries use the indexes built for them (EXPLAIN QUERY PLAN), so they stay set-based."""

from datetime import date

import pytest
from sqlalchemy import select

from lbc_cli import store
from lbc_cli.db import Database
from lbc_cli.models import Child


def _plan(db_path, statement) -> str:
    database = Database(str(db_path)).open()
    with database.session() as session:
        connection = session.connection()
        compiled = statement.compile(dialect=connection.dialect, compile_kwargs={"literal_binds": True})
        rows = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}").fetchall()
    database.dispose()
    return "\n".join(str(row[-1]) for row in rows)


@pytest.mark.sqlite_only("SQLite's query plan (EXPLAIN QUERY PLAN)")
def test_last_contact_of_each_rule_is_one_covering_index_seek_per_child(db):
    as_of = date(2026, 11, 27)
    rules = ((store.PARENT_CALL_KINDS, True), (("parent-feedback",), False), (("home-visit",), False))
    for kinds, with_parent in rules:
        statement = select(Child.id, store._last_contact(kinds, as_of, with_parent=with_parent))
        plan = _plan(db, statement)
        assert "CORRELATED SCALAR SUBQUERY" in plan
        assert "SEARCH contacts USING COVERING INDEX ix_contacts_child_kind_date" in plan, plan
        assert "no_answer=?" in plan  # the attempt filter is part of the seek, not a row check


def test_a_read_aside_gives_the_rows_a_read_in_place_gives_and_its_error_reaches_the_caller(lbc, db):
    from sqlalchemy import func, table
    from sqlalchemy.exc import DBAPIError

    for name, village in (("王小明", "东村"), ("李小红", "东村"), ("张小刚", "西村")):
        assert lbc("enroll", name, "--gender", "M", "--birth", "2015-03-01", "--village", village).code == 0
    by_village = select(Child.village, func.count()).group_by(Child.village).order_by(Child.village)
    database = Database(str(db)).open()
    try:
        with database.session() as session:
            with store.raw_rows_aside(by_village, session=session) as aside:
                in_place = store.raw_rows(by_village, session=session)
                assert aside() == in_place == [("东村", 2), ("西村", 1)]
            missing = select(func.count()).select_from(table("no_such_table"))
            with store.raw_rows_aside(missing, session=session) as failing:
                with pytest.raises(DBAPIError, match="no_such_table"):  # the session's own kind of error
                    failing()
    finally:
        database.dispose()


def test_a_read_aside_is_on_a_connection_of_its_own(lbc, db):
    """It does not see what the session has written and not committed; the session does."""
    from sqlalchemy import func

    assert lbc("enroll", "王小明", "--gender", "M", "--birth", "2015-03-01").code == 0
    everyone = select(func.count()).select_from(Child)
    database = Database(str(db)).open()
    try:
        with database.session(write=True) as session:
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
            with store.raw_rows_aside(everyone, session=session) as aside:
                assert store.raw_rows(everyone, session=session) == [(2,)]
                assert aside() == [(1,)]
            session.rollback()
    finally:
        database.dispose()


def test_leaving_a_read_aside_on_an_error_stops_it_and_leaves_no_connection_open(lbc, db):
    """A read still running when the command fails is interrupted (this one would count for many seconds)
    and its thread waited for: the session's own connection is the only one left checked out."""
    import threading
    import time

    from sqlalchemy import func, literal_column, text

    counting = text(
        "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 100000000) SELECT x FROM n"
    ).columns(literal_column("x"))
    slow = select(func.count()).select_from(counting.subquery())
    database = Database(str(db)).open()
    try:
        with database.session() as session:
            engine = session.get_bind()
            assert store.raw_rows(select(func.count()).select_from(Child), session=session) == [(0,)]
            with pytest.raises(KeyError), store.raw_rows_aside(slow, session=session):
                time.sleep(0.2)  # the read is under way
                raise KeyError("the command failed before it needed the rows")
            assert not any(t.name == "lbc-read" and t.is_alive() for t in threading.enumerate())
            assert engine.pool.checkedout() == 1
    finally:
        database.dispose()


def test_a_read_aside_of_an_in_memory_database_is_read_in_place():
    from sqlalchemy import create_engine, func
    from sqlmodel import Session, SQLModel

    engine = create_engine("sqlite://")
    SQLModel.metadata.create_all(engine, tables=[Child.__table__])
    with Session(engine) as session:
        with store.raw_rows_aside(select(func.count()).select_from(Child), session=session) as aside:
            assert aside() == [(0,)]
    engine.dispose()
