"""What the reminder rules (rules/reminders.py) read: each child's facts, the rule values, the schedule.

The same SQL text runs on a bare sqlite3 connection (``Database.reader``: a SQLite file, for which
``remind`` never imports SQLAlchemy or SQLModel) and through a session (``db.text_rows``: PostgreSQL,
``--helper``, the work summary). ``rows(sql, params)`` runs one statement with ``:name`` parameters and
gives its rows as tuples, read as they are taken; ``dialect`` is the database's, "sqlite" or "postgresql".
The conditions in the text are those of ``conditions``, which store's queries use too. This module imports
nothing heavier than the rules.
"""

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from typing import Any, NamedTuple

from lbc_cli import conditions, i18n

Rows = Callable[[str, dict], Iterable[tuple]]  # each statement's rows taken before the next is run


# A child's birth date as the rules know it: none for a purged child, whose day is not its own (it is kept as
# 1 January of its year, SPEC section 10), so no age-out is reckoned from it.
_BIRTH = "(CASE WHEN c.status = 'purged' THEN NULL ELSE c.birth_date END)"


def facts_sql(dialect: str, *, helper_id: int | None = None, village: str | None = None) -> str:
    """A row of facts per child c in the programme on :as_of: the record's columns, whether it is a priority
    child, the last day of each contact the rules count (``conditions.COUNTED_CONTACTS``, from the table
    last_contacts where it can answer), the ids of the helpers paired with it on :as_of (NULL: none), joined by
    commas, and its last re-entry on or before :as_of (NULL: none). ``village``: that village's children, or a
    township's (:village, :village_end); ``helper_id``: only the children paired with :helper_id."""
    helper_ids = "group_concat(helper_id)" if dialect == "sqlite" else "string_agg(CAST(helper_id AS TEXT), ',')"
    where = [conditions.in_programme("c"), "c.status <> 'purged'"]  # (a purged child is in no list, SPEC 10)
    if village:
        where.append(conditions.in_village("c"))
    if helper_id is not None:
        in_force = conditions.pairing_in_force()
        mine = f"SELECT 1 FROM pairings WHERE child_id = c.id AND helper_id = :helper_id AND {in_force}"
        where.append(f"EXISTS ({mine})")
    lasts = ", ".join(conditions.last_contact_kept(fact, "kept", "c.id") for fact in conditions.COUNTED_CONTACTS)
    return (
        f"SELECT c.id, c.name, {_BIRTH}, c.enrolled_on, c.flags, c.guardian_relation, c.guardian_name,"
        f" c.care_agreement_on, c.reviewed_on, {conditions.priority('c')}, {lasts},"
        f" (SELECT {helper_ids} FROM pairings WHERE child_id = c.id AND {conditions.pairing_in_force()}),"
        f" {conditions.back_since('c')}"
        f" FROM children AS c LEFT JOIN last_contacts AS kept ON kept.child_id = c.id WHERE {' AND '.join(where)}"
    )


def facts_params(dialect: str, as_of: date, *, helper_id: int | None = None, village: str | None = None) -> dict:
    """The parameters of ``facts_sql``: dates as ISO text on SQLite (as it stores them)."""
    params: dict[str, Any] = {"as_of": as_of.isoformat() if dialect == "sqlite" else as_of}
    if village:
        params |= conditions.village_params(village)
    if helper_id is not None:
        params["helper_id"] = helper_id
    return params


def facts(rows: Rows, dialect: str, as_of: date, *, helper_id: int | None = None, village: str | None = None) -> list:
    """The rules' facts (``ChildFacts``) of each child in the programme on ``as_of`` (``facts_sql``), each
    with the names of the helpers paired with it, in pinyin order, and their ids; a child with no pairing in force,
    with the day its last pairing ended (``unpaired_since``: a second query, for those children only)."""
    from lbc_cli.rules.reminders import ChildFacts

    names = conditions.helper_names(rows(conditions.HELPERS_IN_ORDER, {}))

    class Named(dict):  # a child's helper ids, as the query joins them -> the facts' (helpers, helper_ids,
        # unpaired_since: None), each set named once
        def __missing__(self, joined: str) -> tuple:
            ids = tuple(map(int, joined.split(",")))
            found = self[joined] = (names(ids), ids, None)
            return found

    named = Named()
    sql = facts_sql(dialect, helper_id=helper_id, village=village)
    found = rows(sql, facts_params(dialect, as_of, helper_id=helper_id, village=village))
    day = Days().__getitem__  # SQLite gives ISO text, PostgreSQL dates: each distinct day kept once
    new = tuple.__new__
    found = (row if row[-1] is None else _since_back(row) for row in found)  # read as they are taken
    made = [
        new(
            ChildFacts,
            (
                child_id,
                name,
                birth and day(birth),
                day(enrolled),
                bool(priority),
                relation == "none" or not guardian or (flags is not None and "lives-alone" in flags.split(";")),
                agreement and day(agreement),
                reviewed and day(reviewed),
                last_call and day(last_call),
                last_feedback and day(last_feedback),
                last_visit and day(last_visit),
                helpers is not None,
            )
            + (named[helpers] if helpers is not None else _UNPAIRED),
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
            _back,
        ) in found
    ]
    unpaired = [place for place, child in enumerate(made) if not child.paired]  # few in a register at work
    ended = _last_pairing_ends(rows, dialect, as_of, [made[place].id for place in unpaired])
    for place in unpaired:
        child = made[place]
        made[place] = child._replace(unpaired_since=_ended_since(ended.get(child.id), day, child.enrolled_on))
    return made


def _last_pairing_ends(rows: Rows, dialect: str, as_of: date, child_ids: list[int]) -> dict:
    """child id -> the last day, on or before ``as_of``, one of its pairings ended (``conditions.pairing_ended``),
    for ``child_ids`` (the children with no pairing in force: few in a register at work), a thousand ids
    a statement."""
    ended: dict = {}
    params = {"as_of": as_of.isoformat() if dialect == "sqlite" else as_of}
    for start in range(0, len(child_ids), 1000):
        listed = ", ".join(str(int(ident)) for ident in child_ids[start : start + 1000])
        query = (
            f"SELECT child_id, max(end_date) FROM pairings WHERE child_id IN ({listed})"
            f" AND {conditions.pairing_ended()} GROUP BY child_id"
        )
        ended.update(rows(query, params))
    return ended


_UNPAIRED = ((), (), None)  # a child's helpers, their ids and unpaired_since, before the second query


def _ended_since(ended, day, enrolled: date) -> date | None:
    """The day a child with no pairing in force was left without a helper: its last pairing's end, unless that
    was before its present time in the programme began (``enrolled``: the enrolment or the re-entry)."""
    return None if ended is None or day(ended) < enrolled else day(ended)


def _since_back(row: tuple) -> tuple:
    """The facts of a child back from a time out: its present time in the programme began on the re-entry date,
    which stands for its enrolment ("never" counts from it, SPEC section 6, and nothing is due before it: the
    rules take the later of a last contact's due day and that date); its review restarts then too."""
    *head, helpers, back = row
    head[3] = back  # enrolled_on: the present time in the programme began then
    head[8] = back if head[8] is None or head[8] < back else head[8]  # reviewed_on
    return (*head, helpers, back)


class Days(dict):
    """A day as the database gives it (ISO text on SQLite, a date on PostgreSQL) -> that date, one object for
    each distinct day: a county's children share a few thousand days, and their facts hold seven each (the send
    log's due dates are read with it too)."""

    def __missing__(self, value) -> date:
        # anything else another program wrote (a number in a date column) is refused as fromisoformat refuses it
        found = self[value] = value if isinstance(value, date) else date.fromisoformat(value)
        return found


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


def helper_roles(rows: Rows) -> dict[int, tuple[str, str | None]]:
    """helper id -> (name, role), for the headings of each helper's list (two helpers may share a name), in
    the helpers' order (``conditions.HELPERS_ORDER``: a child's lists are in that order)."""
    query = f"SELECT id, name, role FROM helpers ORDER BY {conditions.HELPERS_ORDER}"
    return {ident: (name, role) for ident, name, role in rows(query, {})}


def child_villages(rows: Rows) -> dict[int, str]:
    """child id -> its village, of every child not purged (`remind --send`: a channel's villages), in one query."""
    return dict(rows("SELECT id, village FROM children WHERE status <> 'purged'", {}))


def helper_phones(rows: Rows) -> dict[int, str]:
    """helper id -> its phone as stored (a mobile's 11 digits, or a landline), of every helper with one."""
    return dict(rows("SELECT id, phone FROM helpers WHERE phone IS NOT NULL AND phone <> ''", {}))


class DueWork(NamedTuple):
    """What ``remind`` shows: the due work (rules.reminders.due_in_order) of ``children``, the schedule's
    items for the months it spans (as Reminders), each helper's name and role by id, and the helper asked for
    (its row). For sending (``places``): each child's village and each helper's phone by id, and the settings."""

    children: list
    due: Any  # rules.reminders.DueWork
    schedule: list
    roles: dict[int, tuple[str, str | None]]
    helper: Any
    villages: dict[int, str] | None = None
    phones: dict[int, str] | None = None
    rules: dict | None = None


def due_work(
    db,
    as_of: date,
    within: int = 0,
    *,
    helper: str | None = None,
    village: str | None = None,
    places: bool = False,
) -> DueWork:
    """The care work due on ``as_of`` or within ``within`` days after it (SPEC section 6), of every child in
    the programme, or of ``village``'s (a township's), or of the children paired with ``helper``, read in
    one transaction; and the schedule of the months from ``as_of`` to ``within`` days on. ``places``: the
    children's villages and the helpers' phones too, in the same transaction (`remind --send`'s scopes)."""
    from lbc_cli.rules import reminders

    months = reminders.months_between(as_of, as_of + timedelta(days=within))
    villages = phones = None
    with _reading(db, helper) as (rows, dialect, helper_row):
        helper_id = helper_row.id if helper_row else None
        rules = rule_values(rows)
        plan = schedule(rows, sorted({month for _year, month in months}))
        roles = helper_roles(rows)
        children = facts(rows, dialect, as_of, helper_id=helper_id, village=village)
        if places:
            villages, phones = child_villages(rows), helper_phones(rows)
    items = []
    for year, month in months:
        end = reminders.month_end(year, month)
        for entry_month, text in plan:
            if entry_month == month:
                items.append(reminders.Reminder(None, text, "schedule", end, (as_of - end).days, "normal"))
    due = reminders.due_in_order(children, rules, as_of, within)
    return DueWork(children, due, items, roles, helper_row, villages, phones, rules)


@contextmanager
def _reading(db, helper: str | None = None) -> Iterator[tuple[Rows, str, Any]]:
    """``(rows, dialect, helper row)`` for the reads above, in one transaction: read by ``Database.reader``
    (without SQLModel, and on a SQLite file without SQLAlchemy); with a ``--helper`` to find (as every command
    finds a helper), through a session."""
    if helper is None:
        with db.reader() as rows:
            yield rows, db.dialect, None
        return
    from lbc_cli import store
    from lbc_cli.db import text_rows
    from lbc_cli.models import Helper

    with db.session() as session:
        helper_row = store.resolve(Helper, helper, session=session) if helper else None
        yield text_rows(session), session.get_bind().dialect.name, helper_row
