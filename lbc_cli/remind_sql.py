"""What ``remind`` reads, as plain SQL text, for the reminder rules (rules/reminders.py).

The same text runs on a bare sqlite3 connection (``Database.reader``: a SQLite file, for which ``remind``
never imports SQLAlchemy or SQLModel, a third of a second of a county's second) and through a session
(``store.text_rows``: PostgreSQL, ``--helper``, the work summary). ``rows(sql, params)`` runs one
statement with ``:name`` parameters and gives its rows as tuples; ``dialect`` is the database's,
"sqlite" or "postgresql". This module imports nothing heavier than the rules.
"""

from collections.abc import Callable
from datetime import date
from typing import Any, NamedTuple

from lbc_cli import i18n

Rows = Callable[[str, dict], list]

PARENT_CALL_KINDS = ("video-call", "phone-call")
# The contacts the rules count, by the last_contacts column that keeps the last of each (SQLite):
# (column, kinds, with a parent only)
LAST_OF = (
    ("parent_call", PARENT_CALL_KINDS, True),
    ("feedback", ("parent-feedback",), False),
    ("visit", ("home-visit",), False),
)
_COUNTED = tuple(kind for _column, kinds, _parent in LAST_OF for kind in kinds)
_LAST = (
    "(SELECT max(date) FROM contacts WHERE child_id = {child} AND kind IN ({kinds}){before}"
    " AND no_answer = {false}{parent})"
)
_IN_FORCE = "start_date <= :as_of AND (end_date IS NULL OR end_date > :as_of)"


def _listed(kinds: tuple[str, ...]) -> str:
    return ", ".join(f"'{kind}'" for kind in kinds)


def last_contact_sql(
    kinds: tuple[str, ...], *, with_parent: bool = False, dialect: str = "sqlite", child: str = "c.id", as_of=True
) -> str:
    """The last day (on or before :as_of; ever, without ``as_of``) the child ``child`` had a contact of
    ``kinds`` that reached someone (``with_parent``: a parent): one seek per child on the covering index
    contacts (child_id, kind, no_answer, date, with_whom). ``no_answer = 0``, not ``IS false``, which the
    index cannot seek."""
    return _LAST.format(
        child=child,
        kinds=_listed(kinds),
        before=" AND date <= :as_of" if as_of else "",
        false="0" if dialect == "sqlite" else "false",
        parent=" AND with_whom = 'parent'" if with_parent else "",
    )


class LastContactsSQL(NamedTuple):
    table: str
    triggers: list[str]  # named LAST_CONTACTS_TRIGGERS
    fill: str  # from the contacts, into the empty table
    disagreeing: str  # the number of children whose row is not what the contacts give (db check)

    @property
    def set_aside(self) -> list[str]:
        """The triggers dropped (a bulk load of contacts; a repair), until ``rebuilt``."""
        return [f"DROP TRIGGER IF EXISTS {name}" for name in LAST_CONTACTS_TRIGGERS]

    @property
    def rebuilt(self) -> list[str]:
        """The table worked out again from all the contacts, and the triggers set aside made again."""
        return ["DELETE FROM last_contacts", self.fill, *self.triggers]


LAST_CONTACTS_TRIGGERS = ("last_contacts_added", "last_contacts_removed", "last_contacts_changed")


def last_contacts_sql() -> LastContactsSQL:
    """SQLite: the table ``last_contacts``, the last day of each kind of contact the rules count, per child
    (a row once the child has had one), kept by triggers on contacts; and the statement that fills it.

    A cache for ``facts_sql``: a county's reminders read one row per child instead of three index seeks
    (0.13 s less in each half). A contact that reached someone moves its child's day forward; a contact
    deleted or changed has its child's days worked out again from the contacts (the covering index)."""

    def moved_forward(column: str, kinds: tuple[str, ...], with_parent: bool) -> str:
        kind = f"NEW.kind IN ({_listed(kinds)})" + (" AND NEW.with_whom = 'parent'" if with_parent else "")
        later = f"{column} IS NULL OR {column} < NEW.date"
        return f"{column} = CASE WHEN {kind} AND ({later}) THEN NEW.date ELSE {column} END"

    def worked_out(child: str) -> str:
        days = ", ".join(
            f"{column} = {last_contact_sql(kinds, with_parent=parent, child=child, as_of=False)}"
            for column, kinds, parent in LAST_OF
        )
        return f"UPDATE last_contacts SET {days} WHERE child_id = {child};"

    def made_for(child: str) -> str:  # no conflict to resolve: a statement's OR REPLACE would override OR IGNORE
        absent = f"NOT EXISTS (SELECT 1 FROM last_contacts WHERE child_id = {child})"
        return f"INSERT INTO last_contacts (child_id) SELECT {child} WHERE {absent};"

    def last_of(kinds: tuple[str, ...], with_parent: bool) -> str:
        kind = f"kind IN ({_listed(kinds)})" + (" AND with_whom = 'parent'" if with_parent else "")
        return f"max(CASE WHEN {kind} THEN date END)"

    forward = ", ".join(moved_forward(*last) for last in LAST_OF)
    added, removed, changed = LAST_CONTACTS_TRIGGERS
    table = "CREATE TABLE last_contacts (child_id INTEGER PRIMARY KEY, parent_call DATE, feedback DATE, visit DATE)"
    triggers = [
        f"CREATE TRIGGER {added} AFTER INSERT ON contacts"
        f" WHEN NEW.no_answer = 0 AND NEW.kind IN ({_listed(_COUNTED)})"
        f" BEGIN {made_for('NEW.child_id')}"
        f" UPDATE last_contacts SET {forward} WHERE child_id = NEW.child_id; END",
        f"CREATE TRIGGER {removed} AFTER DELETE ON contacts"
        f" WHEN OLD.no_answer = 0 AND OLD.kind IN ({_listed(_COUNTED)}) BEGIN {worked_out('OLD.child_id')} END",
        f"CREATE TRIGGER {changed} AFTER UPDATE OF child_id, kind, date, with_whom, no_answer ON contacts"
        f" BEGIN {worked_out('OLD.child_id')}"
        f" {made_for('NEW.child_id')} {worked_out('NEW.child_id')} END",
    ]
    worked = (
        "SELECT child_id, "
        + ", ".join(f"{last_of(kinds, parent)} AS {column}" for column, kinds, parent in LAST_OF)
        + f" FROM contacts WHERE no_answer = 0 AND kind IN ({_listed(_COUNTED)}) GROUP BY child_id"
    )
    fill = f"INSERT INTO last_contacts (child_id, parent_call, feedback, visit) {worked}"
    kept = "SELECT child_id, parent_call, feedback, visit FROM last_contacts"
    some = "coalesce(parent_call, feedback, visit) IS NOT NULL"  # a row of none is no day either way
    both = f"SELECT * FROM ({kept}) WHERE {some}", f"SELECT * FROM ({worked}) WHERE {some}"
    only_in = [f"SELECT child_id FROM ({one} EXCEPT {other})" for one, other in (both, both[::-1])]
    disagreeing = f"SELECT count(DISTINCT child_id) FROM ({only_in[0]} UNION ALL {only_in[1]})"
    return LastContactsSQL(table, triggers, fill, disagreeing)


def facts_sql(
    dialect: str, *, helper_id: int | None = None, village: str | None = None, names: tuple | None = None
) -> str:
    """A row of facts per child c in the programme on :as_of: the record's columns, whether it is a priority
    child (SPEC section 4), the last day of each kind of contact the rules count, and the ids of the helpers
    paired with it on :as_of (NULL: none), joined by commas.

    On SQLite the last days come from ``last_contacts`` (l) where it can answer: when the child's last day
    is on or before :as_of (or it has none of that kind); otherwise (:as_of in the past, or no row) from the
    contacts themselves. ``village``: that village's children, or those of every village whose name starts
    with it (a township), as :village and :village_end. ``names`` = (low, high): the children whose names
    sort from :low (None: the first) to before :high (None: the last), compared as ``name || ''``, which no
    index serves, so that SQLite reads the children in table (id) order as the contacts index keeps them
    (through the name index, half a county's facts took twice as long). ``helper_id``: only the children
    paired with :helper_id."""
    sqlite = dialect == "sqlite"
    helper_ids = "group_concat(helper_id)" if sqlite else "string_agg(CAST(helper_id AS TEXT), ',')"
    flags = ("problem", "hardship", "lives-alone")
    flagged = " OR ".join(f"(';' || c.flags || ';') LIKE '%;{flag};%'" for flag in flags)
    where = ["c.enrolled_on <= :as_of", "(c.status = 'active' OR (c.exit_date IS NOT NULL AND c.exit_date > :as_of))"]
    if village:
        where.append(_IN_VILLAGE.format(c="c."))
    if names is not None:
        where += (["(c.name || '') >= :low"] if names[0] is not None else []) + (
            ["(c.name || '') < :high"] if names[1] is not None else []
        )
    if helper_id is not None:
        mine = f"SELECT 1 FROM pairings WHERE child_id = c.id AND helper_id = :helper_id AND {_IN_FORCE}"
        where.append(f"EXISTS ({mine})")
    lasts = []
    for column, kinds, with_parent in LAST_OF:
        counted = last_contact_sql(kinds, with_parent=with_parent, dialect=dialect)
        if sqlite:
            kept = f"l.child_id IS NOT NULL AND (l.{column} IS NULL OR l.{column} <= :as_of)"
            counted = f"CASE WHEN {kept} THEN l.{column} ELSE {counted} END"
        lasts.append(counted)
    joined = " LEFT JOIN last_contacts AS l ON l.child_id = c.id" if sqlite else ""
    return (
        "SELECT c.id, c.name, c.birth_date, c.enrolled_on, c.flags, c.guardian_relation, c.guardian_name,"
        f" c.care_agreement_on, c.reviewed_on, ({flagged} OR c.guardian_rating = 'poor'), {', '.join(lasts)},"
        f" (SELECT {helper_ids} FROM pairings WHERE child_id = c.id AND {_IN_FORCE})"
        f" FROM children AS c{joined} WHERE {' AND '.join(where)}"
    )


def facts_params(
    dialect: str, as_of: date, *, helper_id: int | None = None, village: str | None = None, names: tuple | None = None
) -> dict[str, Any]:
    """The parameters of ``facts_sql``: dates as ISO text on SQLite (as it stores them)."""
    params: dict[str, Any] = {"as_of": as_of.isoformat() if dialect == "sqlite" else as_of} | _village(village)
    if names is not None:
        params |= {"low": names[0], "high": names[1]}
    if helper_id is not None:
        params["helper_id"] = helper_id
    return params


def facts(
    rows: Rows,
    dialect: str,
    as_of: date,
    *,
    helper_id: int | None = None,
    village: str | None = None,
    names: tuple | None = None,
) -> list:
    """The rules' facts (``ChildFacts``) of each child in the programme on ``as_of`` (``facts_sql``), each
    with the names of the helpers paired with it, in pinyin order."""
    from lbc_cli.rules.reminders import ChildFacts

    in_order = rows("SELECT id, name FROM helpers ORDER BY name_pinyin, name, id", {})
    place = {str(ident): (n, name) for n, (ident, name) in enumerate(in_order)}
    named: dict[str, tuple[str, ...]] = {}  # a child's helper ids, as the query joins them -> their names

    def helper_names(ids: str) -> tuple[str, ...]:
        found = named.get(ids)
        if found is None:  # (as a join would: a pairing whose helper row is gone names nobody)
            found = named[ids] = tuple(name for _n, name in sorted(place[i] for i in ids.split(",") if i in place))
        return found

    sql = facts_sql(dialect, helper_id=helper_id, village=village, names=names)
    found = rows(sql, facts_params(dialect, as_of, helper_id=helper_id, village=village, names=names))
    day = date.fromisoformat if dialect == "sqlite" else _as_is  # SQLite gives ISO text, PostgreSQL dates
    new = tuple.__new__
    return [
        new(
            ChildFacts,
            (
                child_id,
                name,
                day(birth),
                day(enrolled),
                bool(priority),
                relation == "none" or not guardian or (flags is not None and "lives-alone" in flags.split(";")),
                agreement and day(agreement),
                reviewed and day(reviewed),
                last_call and day(last_call),
                last_feedback and day(last_feedback),
                last_visit and day(last_visit),
                helpers is not None,
                () if helpers is None else helper_names(helpers),
            ),
        )
        for (
            child_id,
            name,
            birth,
            enrolled,
            flags,
            relation,
            guardian,
            agreement,
            reviewed,
            priority,
            last_call,
            last_feedback,
            last_visit,
            helpers,
        ) in found
    ]


_IN_VILLAGE = "{c}village >= :village AND {c}village < :village_end"


def _village(village: str | None) -> dict[str, str]:
    """:village and :village_end (``_IN_VILLAGE``): a village by its name, or every village whose name
    starts with it (as store.village_clause)."""
    return {"village": village, "village_end": village + "\U0010ffff"} if village else {}


def _as_is(value):
    return value


def middle_name(rows: Rows, *, village: str | None = None, at_least: int = 0) -> str | None:
    """The name halfway through the children (of ``village``) in name order; None when there are fewer than
    ``at_least`` children, or none. Every child on record counts, in the programme or not: a balance for
    ``remind``'s two halves, not a figure."""
    where, params = ("WHERE " + _IN_VILLAGE.format(c="") if village else ""), _village(village)
    count = rows(f"SELECT count(*) FROM children {where}", params)[0][0]
    if count < at_least or count == 0:
        return None
    middle = rows(f"SELECT name FROM children {where} ORDER BY name LIMIT 1 OFFSET {count // 2}", params)
    return middle[0][0] if middle else None


def rule_values(rows: Rows) -> dict[str, int | float]:
    """Every setting's value (settings.resolve): the stored one where set, else the default."""
    from lbc_cli import settings

    return settings.resolve(dict(rows("SELECT key, value FROM settings", {})))


def schedule(rows: Rows, months: list[int]) -> list[tuple[int, str]]:
    """(month, text) of the year's schedule for ``months``, in the plan's order; a seeded item's text in the
    session's language (i18n.schedule_text)."""
    if not months:
        return []
    listed = ", ".join(str(int(month)) for month in months)
    query = f"SELECT uid, month, text FROM schedule_items WHERE month IN ({listed}) ORDER BY month, position, id"
    return [(month, i18n.schedule_text(uid, text)) for uid, month, text in rows(query, {})]


def helper_roles(rows: Rows) -> dict[str, str]:
    """helper name -> role, for headings."""
    return dict(rows("SELECT name, role FROM helpers", {}))
