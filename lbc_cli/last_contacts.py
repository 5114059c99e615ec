"""The upkeep of the table last_contacts (declared in models.py): each child's last day of each contact a reminder
rule counts, derived from the contacts so that remind reads one row a child instead of a seek in the contacts for
each fact (``conditions.last_contact_kept``).

Every statement here is generated from ``conditions.COUNTED_CONTACTS`` and ``conditions.counted_contact``, the one
definition of which contacts count. Triggers on contacts keep the table: a counted contact added moves its child's
days forward; one removed or changed has its child's row worked out again from the contacts. The triggers' text is
the definition a database was built by: where the stored text differs from the text made here (the definition
changed, or a trigger was dropped by hand), ``Database.open`` rebuilds the table (``rebuild``). A bulk import of
contacts sets the triggers aside and rebuilds at its end; ``db check`` compares the table with the contacts.
"""

from collections.abc import Callable
from typing import Any

from lbc_cli import conditions

TABLE = "last_contacts"
FACTS = tuple(conditions.COUNTED_CONTACTS)
COLUMNS = ", ".join(("child_id", *FACTS))
# SQLite: a trigger an event; PostgreSQL: one trigger on every event, running one function
SQLITE_TRIGGERS = ("last_contacts_added", "last_contacts_removed", "last_contacts_changed")
PG_TRIGGER = "last_contacts_kept"


def _any_counted(contact: str) -> str:
    """The contact ``contact`` (NEW, OLD or contacts) counts for some fact."""
    return "(" + " OR ".join(conditions.counted_contact(fact, contact) for fact in FACTS) + ")"


def worked_out(child: str | None = None) -> str:
    """Each child's row as the contacts give it (of the child ``child`` only, when given)."""
    days = ", ".join(f"max(CASE WHEN {conditions.counted_contact(fact)} THEN contacts.date END)" for fact in FACTS)
    only = f" AND contacts.child_id = {child}" if child else ""
    where = _any_counted("contacts") + only
    return f"SELECT contacts.child_id, {days} FROM contacts WHERE {where} GROUP BY contacts.child_id"


def fill() -> str:
    """The statement filling the empty table from all the contacts."""
    return f"INSERT INTO {TABLE} ({COLUMNS}) {worked_out()}"


def _redone(child: str, dialect: str) -> str:
    """The statements working out the row of the child ``child`` again. (PostgreSQL: another transaction may
    have made the row meanwhile; SQLite writes one transaction at a time.)"""
    made = f"INSERT INTO {TABLE} ({COLUMNS}) {worked_out(child)}"
    if dialect == "postgresql":
        made += " ON CONFLICT (child_id) DO UPDATE SET " + ", ".join(f"{fact} = excluded.{fact}" for fact in FACTS)
    return f"DELETE FROM {TABLE} WHERE child_id = {child}; {made};"


def _moved_forward(dialect: str) -> str:
    """The statements moving the row of NEW's child forward to NEW's day, for each fact NEW counts for. The row
    is made with no conflict to resolve: on SQLite an outer statement's OR REPLACE would override a trigger's."""
    if dialect == "postgresql":
        made = f"INSERT INTO {TABLE} (child_id) VALUES (NEW.child_id) ON CONFLICT DO NOTHING"
    else:
        absent = f"NOT EXISTS (SELECT 1 FROM {TABLE} WHERE child_id = NEW.child_id)"
        made = f"INSERT INTO {TABLE} (child_id) SELECT NEW.child_id WHERE {absent}"
    later = ", ".join(
        f"{fact} = CASE WHEN {conditions.counted_contact(fact, 'NEW')} AND ({fact} IS NULL OR {fact} < NEW.date)"
        f" THEN NEW.date ELSE {fact} END"
        for fact in FACTS
    )
    return f"{made}; UPDATE {TABLE} SET {later} WHERE child_id = NEW.child_id;"


def triggers(dialect: str) -> dict[str, str]:
    """name -> the statement creating it: the triggers (PostgreSQL: and their function) keeping the table."""
    if dialect == "postgresql":
        return {PG_TRIGGER: pg_function(), f"{PG_TRIGGER} ON contacts": _pg_trigger()}
    added, removed, changed = SQLITE_TRIGGERS
    old, new = _any_counted("OLD"), _any_counted("NEW")
    return {
        added: f"CREATE TRIGGER {added} AFTER INSERT ON contacts WHEN {new} BEGIN {_moved_forward(dialect)} END",
        removed: f"CREATE TRIGGER {removed} AFTER DELETE ON contacts WHEN {old}"
        f" BEGIN {_redone('OLD.child_id', dialect)} END",
        changed: f"CREATE TRIGGER {changed} AFTER UPDATE ON contacts WHEN {old} OR {new}"
        f" BEGIN {_redone('OLD.child_id', dialect)} {_redone('NEW.child_id', dialect)} END",
    }


def pg_body() -> str:
    """PostgreSQL: the body of the trigger function, as pg_proc keeps it."""
    old, new = _any_counted("OLD"), _any_counted("NEW")
    return (
        "\nBEGIN\n"
        f"  IF TG_OP <> 'INSERT' THEN\n    IF {old} THEN {_redone('OLD.child_id', 'postgresql')} END IF;\n"
        "  END IF;\n"
        f"  IF TG_OP = 'INSERT' THEN\n    IF {new} THEN {_moved_forward('postgresql')} END IF;\n"
        f"  ELSIF TG_OP = 'UPDATE' THEN\n    IF {new} THEN {_redone('NEW.child_id', 'postgresql')} END IF;\n"
        "  END IF;\n"
        "  RETURN NULL;\n"
        "END\n"
    )


def pg_function() -> str:
    return f"CREATE OR REPLACE FUNCTION {PG_TRIGGER}() RETURNS trigger LANGUAGE plpgsql AS $body${pg_body()}$body$"


def _pg_trigger() -> str:
    return (
        f"CREATE TRIGGER {PG_TRIGGER} AFTER INSERT OR UPDATE OR DELETE ON contacts"
        f" FOR EACH ROW EXECUTE FUNCTION {PG_TRIGGER}()"
    )


def set_aside(dialect: str) -> list[str]:
    """The statements dropping the triggers (a bulk load of contacts, a rebuild), until ``rebuild``."""
    if dialect == "postgresql":
        return [f"DROP TRIGGER IF EXISTS {PG_TRIGGER} ON contacts", f"DROP FUNCTION IF EXISTS {PG_TRIGGER}()"]
    return [f"DROP TRIGGER IF EXISTS {name}" for name in SQLITE_TRIGGERS]


def is_current(stored: dict[str, str], dialect: str) -> bool:
    """Whether the triggers a database holds (``stored``: SQLite, trigger name -> its CREATE statement; PostgreSQL,
    the function's name -> its body and the trigger's name -> "") are the ones made here."""
    if dialect == "postgresql":
        return stored.get(PG_TRIGGER) == pg_body() and f"{PG_TRIGGER} ON contacts" in stored
    return stored == triggers(dialect)


def stored_sql(dialect: str) -> str:
    """The query of what ``is_current`` is given: rows of (name, text)."""
    if dialect == "postgresql":
        return (
            f"SELECT proname, prosrc FROM pg_proc WHERE proname = '{PG_TRIGGER}'"
            f" UNION ALL SELECT tgname || ' ON contacts', '' FROM pg_trigger"
            f" WHERE tgrelid = 'contacts'::regclass AND tgname = '{PG_TRIGGER}' AND tgenabled <> 'D'"
        )
    return "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'contacts'"


def rebuild(connection: Any) -> None:
    """Make the table again from the contacts, with its triggers, in the caller's transaction: ``connection`` a
    SQLAlchemy connection (the table is made from models.py's declaration)."""
    from lbc_cli import models

    execute: Callable[[str], Any] = connection.exec_driver_sql
    dialect = connection.dialect.name
    for statement in set_aside(dialect):
        execute(statement)
    models.last_contacts.drop(connection, checkfirst=True)
    models.last_contacts.create(connection)
    execute(fill())
    for statement in triggers(dialect).values():
        execute(statement)


def disagreeing_sql() -> str:
    """The number of children whose row differs from what the contacts give (``db check``)."""
    kept = f"SELECT {COLUMNS} FROM {TABLE}"
    only_kept = f"SELECT child_id FROM ({kept} EXCEPT {worked_out()}) AS kept_only"
    only_worked = f"SELECT child_id FROM ({worked_out()} EXCEPT {kept}) AS worked_only"
    return f"SELECT count(DISTINCT child_id) FROM ({only_kept} UNION ALL {only_worked}) AS differing"
