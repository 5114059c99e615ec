"""The upkeep of the table last_contacts (declared in models.py): each child's last day of each contact a reminder
rule counts, derived from the contacts so that remind reads one row a child instead of a seek in the contacts for
each fact (``conditions.last_contact_kept``).

A child's row, where there is one, holds exactly what its contacts give; a child with no row has its days sought
in the contacts. So a change the triggers cannot follow cheaply takes the row away: a contact added that counts
moves its child's days forward (or makes the row from the contacts); a counted contact removed or changed, or a
row an INSERT or UPDATE OR REPLACE is about to replace (SQLite deletes it without a delete trigger), takes its
child's row away, until its next contact. Every trigger costs a seek or two, whatever the number of contacts.

Every statement is generated from ``conditions.COUNTED_CONTACTS`` and ``conditions.counted_contact``, the one
definition of which contacts count. The triggers' text is the definition a database was built by: where what the
database holds differs from what is made here (the definition changed; the table or a trigger dropped, disabled
or replaced by hand), ``Database.open`` rebuilds the table (``rebuild``). A bulk import of contacts sets the
triggers aside and rebuilds at its end; ``db check`` compares each row with the contacts.
"""

from collections.abc import Callable
from typing import Any

from lbc_cli import conditions

TABLE = "last_contacts"
FACTS = tuple(conditions.COUNTED_CONTACTS)
COLUMNS = ", ".join(("child_id", *FACTS))
# SQLite: a trigger an event; PostgreSQL: one function, run by a trigger for each row and one for a TRUNCATE
SQLITE_TRIGGERS = (
    "last_contacts_replacing",
    "last_contacts_added",
    "last_contacts_removed",
    "last_contacts_changed",
    "last_contacts_renumbered",
)
PG_FUNCTION = PG_ROWS = "last_contacts_kept"
PG_EMPTIED = "last_contacts_emptied"
_DECIDING = ", ".join(conditions.COUNTED_BY)  # an update of these columns may change what counts


def _any_counted(contact: str) -> str:
    """The contact ``contact`` (NEW, OLD or contacts) counts for some fact."""
    return "(" + " OR ".join(conditions.counted_contact(fact, contact) for fact in FACTS) + ")"


def worked_out(child: str | None = None, unless: str | None = None) -> str:
    """Each child's row as the contacts give it (of the child ``child`` only, when given; none if ``unless``)."""
    days = ", ".join(f"max(CASE WHEN {conditions.counted_contact(fact)} THEN contacts.date END)" for fact in FACTS)
    only = (f" AND contacts.child_id = {child}" if child else "") + (f" AND NOT {unless}" if unless else "")
    where = _any_counted("contacts") + only
    return f"SELECT contacts.child_id, {days} FROM contacts WHERE {where} GROUP BY contacts.child_id"


def fill() -> str:
    """The statement filling the empty table from all the contacts."""
    return f"INSERT INTO {TABLE} ({COLUMNS}) {worked_out()}"


def _added(dialect: str) -> str:
    """The statements for NEW, a contact added that counts: its child's row made from the contacts where there is
    none, else moved forward to NEW's day for each fact NEW counts for. (PostgreSQL: another transaction may make
    the row meanwhile, from contacts this one cannot see: the later day of the two is kept.)"""
    present = f"EXISTS (SELECT 1 FROM {TABLE} WHERE child_id = NEW.child_id)"
    if dialect == "postgresql":
        later = ", ".join(f"{fact} = GREATEST({TABLE}.{fact}, excluded.{fact})" for fact in FACTS)
        made = f"INSERT INTO {TABLE} ({COLUMNS}) {worked_out('NEW.child_id')}"
        made = f"IF NOT {present} THEN {made} ON CONFLICT (child_id) DO UPDATE SET {later}; END IF"
    else:  # no conflict to resolve: an outer statement's OR REPLACE would override the trigger's own
        made = f"INSERT INTO {TABLE} ({COLUMNS}) {worked_out('NEW.child_id', unless=present)}"
    forward = ", ".join(
        f"{fact} = CASE WHEN {conditions.counted_contact(fact, 'NEW')} AND ({fact} IS NULL OR {fact} < NEW.date)"
        f" THEN NEW.date ELSE {fact} END"
        for fact in FACTS
    )
    return f"{made}; UPDATE {TABLE} SET {forward} WHERE child_id = NEW.child_id;"


def _taken_away(children: str) -> str:
    return f"DELETE FROM {TABLE} WHERE child_id IN ({children});"


def _replaced(other: str = "") -> str:
    """The children of the rows NEW's id or uid would replace (``other``: a condition leaving a row out)."""
    return f"SELECT child_id FROM contacts WHERE (id = NEW.id OR uid = NEW.uid){other}"


def triggers(dialect: str) -> list[str]:
    """The statements creating the triggers keeping the table (PostgreSQL: their function first; SQLite: in the
    order of ``SQLITE_TRIGGERS``)."""
    old, new = _any_counted("OLD"), _any_counted("NEW")
    if dialect == "postgresql":
        return [
            f"CREATE OR REPLACE FUNCTION {PG_FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $body${pg_body()}$body$",
            f"CREATE TRIGGER {PG_ROWS} AFTER INSERT OR DELETE OR UPDATE OF {_DECIDING} ON contacts"
            f" FOR EACH ROW EXECUTE FUNCTION {PG_FUNCTION}()",
            f"CREATE TRIGGER {PG_EMPTIED} AFTER TRUNCATE ON contacts"
            f" FOR EACH STATEMENT EXECUTE FUNCTION {PG_FUNCTION}()",
        ]
    replacing, added, removed, changed, renumbered = SQLITE_TRIGGERS
    other = " AND id <> OLD.id"
    return [
        f"CREATE TRIGGER {replacing} BEFORE INSERT ON contacts WHEN EXISTS ({_replaced()})"
        f" BEGIN {_taken_away(_replaced())} END",
        f"CREATE TRIGGER {added} AFTER INSERT ON contacts WHEN {new} BEGIN {_added(dialect)} END",
        f"CREATE TRIGGER {removed} AFTER DELETE ON contacts WHEN {old} BEGIN {_taken_away('OLD.child_id')} END",
        f"CREATE TRIGGER {changed} AFTER UPDATE OF {_DECIDING} ON contacts WHEN {old} OR {new}"
        f" BEGIN {_taken_away('OLD.child_id, NEW.child_id')} END",
        f"CREATE TRIGGER {renumbered} BEFORE UPDATE OF id, uid ON contacts WHEN EXISTS ({_replaced(other)})"
        f" BEGIN {_taken_away(_replaced(other))} END",
    ]


def pg_body() -> str:
    """PostgreSQL: the body of the trigger function, as pg_proc keeps it."""
    old, new = _any_counted("OLD"), _any_counted("NEW")
    both = _taken_away("OLD.child_id, NEW.child_id")
    return (
        "\nBEGIN\n"
        f"  IF TG_OP = 'TRUNCATE' THEN\n    DELETE FROM {TABLE};\n"
        f"  ELSIF TG_OP = 'DELETE' THEN\n    IF {old} THEN {_taken_away('OLD.child_id')} END IF;\n"
        f"  ELSIF TG_OP = 'UPDATE' THEN\n    IF {old} OR {new} THEN {both} END IF;\n"
        f"  ELSIF {new} THEN\n    {_added('postgresql')}\n"
        "  END IF;\n"
        "  RETURN NULL;\n"
        "END\n"
    )


def set_aside(dialect: str) -> list[str]:
    """The statements dropping the triggers (a bulk load of contacts, a rebuild), until ``rebuild``."""
    if dialect == "postgresql":
        dropped = [f"DROP TRIGGER IF EXISTS {name} ON contacts" for name in (PG_ROWS, PG_EMPTIED)]
        return [*dropped, f"DROP FUNCTION IF EXISTS {PG_FUNCTION}()"]
    return [f"DROP TRIGGER IF EXISTS {name}" for name in SQLITE_TRIGGERS]


def _expected(dialect: str) -> dict[str, str]:
    """What ``stored_sql`` gives for a database built here: the table a table, the triggers as made here (SQLite:
    their statements; PostgreSQL: the function's body, and each trigger there and enabled)."""
    if dialect == "postgresql":
        return {
            f"table {TABLE}": "r",
            f"function {PG_FUNCTION}": pg_body(),
            f"trigger {PG_ROWS}": "",
            f"trigger {PG_EMPTIED}": "",
        }
    made = zip(SQLITE_TRIGGERS, triggers(dialect), strict=True)
    return {f"table {TABLE}": "table"} | {f"trigger {name}": sql for name, sql in made}


def stored_sql(dialect: str) -> str:
    """The query of what the database holds of the table and its triggers: rows of (what, text)."""
    if dialect == "postgresql":
        return (
            f"SELECT 'table ' || relname, relkind::text FROM pg_class WHERE relname = '{TABLE}'"
            " AND relnamespace = current_schema()::regnamespace"
            f" UNION ALL SELECT 'function ' || proname, prosrc FROM pg_proc WHERE proname = '{PG_FUNCTION}'"
            " UNION ALL SELECT 'trigger ' || tgname, '' FROM pg_trigger"
            f" WHERE tgrelid = 'contacts'::regclass AND tgname IN ('{PG_ROWS}', '{PG_EMPTIED}') AND tgenabled <> 'D'"
        )
    return (
        f"SELECT 'table ' || name, type FROM sqlite_master WHERE name = '{TABLE}'"
        " UNION ALL SELECT 'trigger ' || name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'contacts'"
    )


def is_current(stored: list[tuple[str, str]], dialect: str) -> bool:
    """Whether what a database holds (``stored_sql``'s rows) is the table and the triggers made here: if not, the
    definition changed, or the table or a trigger was dropped, disabled or replaced by hand."""
    return dict(stored) == _expected(dialect)


def rebuild(connection: Any) -> None:
    """Make the table again from the contacts, with its triggers, in the caller's transaction: ``connection`` a
    SQLAlchemy connection (the table is made from models.py's declaration; a view left in its place goes)."""
    from lbc_cli import models

    execute: Callable[[str], Any] = connection.exec_driver_sql
    dialect = connection.dialect.name
    for statement in set_aside(dialect):
        execute(statement)
    if dict(execute(stored_sql(dialect)).all()).get(f"table {TABLE}") in ("view", "v"):
        execute(f"DROP VIEW {TABLE}")
    models.last_contacts.drop(connection, checkfirst=True)
    models.last_contacts.create(connection)
    execute(fill())
    for statement in triggers(dialect):
        execute(statement)


def disagreeing_sql() -> str:
    """The number of children whose row differs from what the contacts give (``db check``; a child with no row
    has its days sought in the contacts)."""
    return f"SELECT count(*) FROM (SELECT {COLUMNS} FROM {TABLE} EXCEPT {worked_out()}) AS differing"
