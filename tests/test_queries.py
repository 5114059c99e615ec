"""The whole-table queries use the indexes built for them (EXPLAIN QUERY PLAN), so they stay set-based."""

import sqlite3
from contextlib import closing
from datetime import date

import pytest

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
