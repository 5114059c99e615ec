"""What ``remind`` reads, as plain SQL text, for the reminder rules (rules/reminders.py).

The same text runs on a bare sqlite3 connection (``Database.reader``: a SQLite file, for which ``remind``
never imports SQLAlchemy or SQLModel, a third of a second of a county's second) and through a session
(``store.text_rows``: PostgreSQL, ``--helper``, the work summary). ``rows(sql, params)`` runs one
statement with ``:name`` parameters and gives its rows as tuples; ``dialect`` is the database's,
"sqlite" or "postgresql". This module imports nothing heavier than the rules.
"""

from collections.abc import Callable
from datetime import date
from typing import Any

Rows = Callable[[str, dict], list]

PARENT_CALL_KINDS = ("video-call", "phone-call")
_LAST = (
    "(SELECT max(date) FROM contacts WHERE child_id = c.id AND kind IN ({kinds}) AND date <= :as_of"
    " AND no_answer = {false}{parent})"
)
_IN_FORCE = "start_date <= :as_of AND (end_date IS NULL OR end_date > :as_of)"


def last_contact_sql(kinds: tuple[str, ...], *, with_parent: bool = False, dialect: str = "sqlite") -> str:
    """The last day (on or before :as_of) a child c had a contact of ``kinds`` that reached someone
    (``with_parent``: a parent): one seek per child on the covering index contacts (child_id, kind,
    no_answer, date, with_whom). ``no_answer = 0``, not ``IS false``, which the index cannot seek."""
    return _LAST.format(
        kinds=", ".join(f"'{kind}'" for kind in kinds),
        false="0" if dialect == "sqlite" else "false",
        parent=" AND with_whom = 'parent'" if with_parent else "",
    )


def facts_sql(
    dialect: str, *, helper_id: int | None = None, village: str | None = None, names: tuple | None = None
) -> str:
    """A row of facts per child c in the programme on :as_of: the record's columns, whether it is a priority
    child (SPEC section 4), the last day of each kind of contact the rules count, and the ids of the helpers
    paired with it on :as_of (NULL: none), joined by commas.

    ``village``: that village's children, or those of every village whose name starts with it (a township),
    as :village and :village_end. ``names`` = (low, high): the children whose names sort from :low (None:
    the first) to before :high (None: the last), compared as ``name || ''``, which no index serves, so that
    SQLite reads the children in table (id) order as the contacts index keeps them (through the name index,
    half a county's facts took twice as long). ``helper_id``: only the children paired with :helper_id."""
    helper_ids = "group_concat(helper_id)" if dialect == "sqlite" else "string_agg(CAST(helper_id AS TEXT), ',')"
    flags = ("problem", "hardship", "lives-alone")
    flagged = " OR ".join(f"(';' || c.flags || ';') LIKE '%;{flag};%'" for flag in flags)
    where = ["c.enrolled_on <= :as_of", "(c.status = 'active' OR (c.exit_date IS NOT NULL AND c.exit_date > :as_of))"]
    if village:
        where.append("c.village >= :village AND c.village < :village_end")
    if names is not None:
        where += (["(c.name || '') >= :low"] if names[0] is not None else []) + (
            ["(c.name || '') < :high"] if names[1] is not None else []
        )
    if helper_id is not None:
        mine = f"SELECT 1 FROM pairings WHERE child_id = c.id AND helper_id = :helper_id AND {_IN_FORCE}"
        where.append(f"EXISTS ({mine})")
    return (
        "SELECT c.id, c.name, c.birth_date, c.enrolled_on, c.flags, c.guardian_relation, c.guardian_name,"
        f" c.care_agreement_on, c.reviewed_on, ({flagged} OR c.guardian_rating = 'poor'),"
        f" {last_contact_sql(PARENT_CALL_KINDS, with_parent=True, dialect=dialect)},"
        f" {last_contact_sql(('parent-feedback',), dialect=dialect)},"
        f" {last_contact_sql(('home-visit',), dialect=dialect)},"
        f" (SELECT {helper_ids} FROM pairings WHERE child_id = c.id AND {_IN_FORCE})"
        f" FROM children AS c WHERE {' AND '.join(where)}"
    )


def facts_params(
    dialect: str, as_of: date, *, helper_id: int | None = None, village: str | None = None, names: tuple | None = None
) -> dict[str, Any]:
    """The parameters of ``facts_sql``: dates as ISO text on SQLite (as it stores them)."""
    params: dict[str, Any] = {"as_of": as_of.isoformat() if dialect == "sqlite" else as_of}
    if village:
        params |= {"village": village, "village_end": village + "\U0010ffff"}
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


def _as_is(value):
    return value


def middle_name(rows: Rows, *, village: str | None = None, at_least: int = 0) -> str | None:
    """The name halfway through the children (of ``village``) in name order; None when there are fewer than
    ``at_least`` children, or none. Every child on record counts, in the programme or not: a balance for
    ``remind``'s two halves, not a figure."""
    where, params = "", {}
    if village:
        where = "WHERE village >= :village AND village < :village_end"
        params = {"village": village, "village_end": village + "\U0010ffff"}
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
    """(month, text) of the year's schedule for ``months``, in the plan's order."""
    if not months:
        return []
    listed = ", ".join(str(int(month)) for month in months)
    return rows(f"SELECT month, text FROM schedule_items WHERE month IN ({listed}) ORDER BY month, position, id", {})


def helper_roles(rows: Rows) -> dict[str, str]:
    """helper name -> role, for headings."""
    return dict(rows("SELECT name, role FROM helpers", {}))
