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

    for name, village in (("王小明", "东村"), ("李小红", "东村"), ("张小刚", "西村")):
        assert lbc("enroll", name, "--gender", "M", "--birth", "2015-03-01", "--village", village).code == 0
    by_village = select(Child.village, func.count()).group_by(Child.village).order_by(Child.village)
    database = Database(str(db)).open()
    try:
        with database.session() as session:
            aside = store.raw_rows_aside(by_village, session=session)
            in_place = store.raw_rows(by_village, session=session)
            assert aside() == in_place == [("东村", 2), ("西村", 1)]
            missing = select(func.count()).select_from(table("no_such_table"))
            failing = store.raw_rows_aside(missing, session=session)
            with pytest.raises(Exception, match="no_such_table"):
                failing()
    finally:
        database.dispose()
