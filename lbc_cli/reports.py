"""The documents a village hands in: one context builder per report, one renderer for all formats.

Every figure is computed here (or in rules/), never in a template: `--format json` prints exactly the
context the Markdown template receives, and `--format html` is that Markdown made into a page.
"""

import json
from collections import Counter, defaultdict
from datetime import UTC, date, datetime, time, timedelta
from itertools import compress
from pathlib import Path
from typing import NamedTuple

from sqlalchemy import and_, case, func, or_, select, union_all

from lbc_cli import assessment, conditions, i18n, io, settings, store, validate
from lbc_cli.errors import ExitCode, LbcError
from lbc_cli.models import DERIVED, AuditEntry, Child, Contact, Exit, Helper, Pairing
from lbc_cli.render import md_text
from lbc_cli.rules import rates, reminders, scoring

PACKAGED = Path(__file__).resolve().parent / "templates"
if not PACKAGED.exists():  # running from a source checkout: the templates folder sits beside the package
    PACKAGED = Path(__file__).resolve().parent.parent / "templates"
AGE_BANDS = ((0, 5), (6, 11), (12, 14), (15, 17))


# ---- shared pieces -------------------------------------------------------------------------


def _counts(counter: Counter, *, blank: bool = False, sets: bool = False) -> list[dict]:
    """[{key, count}] by count then key, for tables and charts, from a Counter of column values;
    ``blank``: no value counts as ""; ``sets``: each value is a ';'-joined set, counted once per member."""
    counts: Counter = Counter()
    for value, n in counter.items():
        if sets:
            for key in (value or "").split(";"):
                if key:
                    counts[key] += n
        else:
            counts[(value or "") if blank else value] += n
    return [{"key": key, "count": n} for key, n in sorted(counts.items(), key=lambda kv: (-kv[1], str(kv[0])))]


def _figures(session, as_of: date, children: int, priority: int, villages: list[str]) -> dict:
    """The current figures the plan and the summary both quote (the children's counted by the caller)."""
    in_post = store.condition(conditions.helper_in_post(Helper.__tablename__), as_of=as_of)
    helpers = session.execute(select(func.count()).select_from(Helper).where(in_post)).scalar_one()
    pairings = session.execute(
        select(func.count()).select_from(Pairing).where(store.active_pairing(as_of))
    ).scalar_one()
    return {
        "children_active": children,
        "children_priority": priority,
        "helpers_active": helpers,
        "pairings_active": pairings,
        "villages": villages,
    }


# ---- the work plan -------------------------------------------------------------------------


def _targets(rules: dict) -> dict:
    """The plan's targets as fractions 0..1, like the rates they are measured against."""
    return {
        "archive_rate": rules["target_archive_rate"] / 100,
        "in_school_rate": rules["target_in_school_rate"] / 100,
        "retention_rate": rules["target_retention_rate"] / 100,
    }


def plan_context(session, *, year: int, as_of: date) -> dict:
    rules = store.rule_values(session=session)
    by_village = select(Child.village, func.count(), func.count(case((store.priority_clause(), 1))))
    rows = store.raw_rows(by_village.where(store.active_on(as_of)).group_by(Child.village), session=session)
    villages = sorted(village for village, _n, _priority in rows if village)
    figures = _figures(session, as_of, sum(r[1] for r in rows), sum(r[2] for r in rows), villages)
    schedule = defaultdict(list)
    for item in store.schedule_items(session=session):
        schedule[item.month].append(item.text)
    return {
        "report": "plan",
        "year": year,
        "as_of": as_of.isoformat(),
        **figures,
        "targets": _targets(rules),
        "rules": {key: settings.show(value) for key, value in rules.items()},
        "schedule": [{"month": month, "items": items} for month, items in sorted(schedule.items())],
    }


# ---- the work summary ----------------------------------------------------------------------


def _schooling_history(session, start: date, end: date) -> tuple[dict, set]:
    """(the schooling an update replaced first on or after ``start``, by child; the children who dropped
    out between ``start`` and ``end``), read back from the audit log: an update's old value is what
    held before it."""
    query = select(AuditEntry.row_id, AuditEntry.at, AuditEntry.old_values, AuditEntry.new_values).where(
        AuditEntry.table_name == "children",
        AuditEntry.action == "update",
        AuditEntry.new_values.contains('"schooling"'),
    )
    first_after: dict[int, str | None] = {}
    dropped: set[int] = set()
    begin = datetime.combine(start, time.min, UTC)
    finish = datetime.combine(end + timedelta(days=1), time.min, UTC)
    for row_id, at, old, new in sorted(session.execute(query).all(), key=lambda r: r[1]):
        old_value, new_value = json.loads(old or "{}").get("schooling"), json.loads(new or "{}").get("schooling")
        if at >= begin and row_id not in first_after:
            first_after[row_id] = old_value
        if begin <= at < finish and new_value == "dropout":
            dropped.add(row_id)
    return first_after, dropped


def _schooling_at_start(session, start: date, reference: date) -> tuple[dict, set]:
    """(the schooling of each child in the programme when the period began, or of a child enrolled later in
    it on its enrolment day, as it was then; the children who dropped out in the period): the retention
    rate's base (SPEC section 10: a register started after the period began is counted from each child's
    enrolment)."""
    first_after, dropped = _schooling_history(session, start, reference)
    if start > reference:
        return {}, dropped
    enrolled_later = and_(Child.enrolled_on > start, Child.enrolled_on <= reference)
    started = select(Child.id, Child.schooling).where(or_(store.active_on(start), enrolled_later))
    at_start: dict[int, str | None] = {}
    for rows in store.raw_batches(started, session=session):
        at_start.update(rows)
    at_start.update((cid, was) for cid, was in first_after.items() if cid in at_start)  # changed since
    return at_start, dropped


class _Roster(NamedTuple):
    """The children in the programme on the reference date, as the summary counts them."""

    ids: set[int]
    began: dict[int, int]  # child id -> the day number its part of the period began (the start, or enrolment)
    age_of: dict  # birth date, as the database gives it -> age on the reference date (None: not known)
    age_schooling: Counter  # (age, schooling) -> children
    columns: dict[str, Counter]  # column -> its values' counts


# The columns the summary counts (and the id, birth date and enrolment its rates need).
COUNTED = ("village", "gender", "flags", "schooling", "guardian_relation", "assistance")


def _roster(session, start: date, reference: date) -> _Roster:
    """The children in the programme on ``reference``, read as columns a batch at a time and kept as
    counts: a county's 100,000 records are counted, not carried."""
    names = ("id", "birth_date", "enrolled_on", *COUNTED)
    columns = [_birth() if c == "birth_date" else Child.__table__.c[c] for c in names]
    query = select(*columns).where(store.active_on(reference))
    age_of: dict = {}
    first_day: dict = {}  # enrolment date -> the day number the child's part of the period began
    began: dict[int, int] = {}
    age_schooling: Counter = Counter()
    columns = {name: Counter() for name in COUNTED}
    for rows in store.raw_batches(query, session=session):
        ids, births, enrolled, *counted = zip(*rows, strict=True)
        for birth in set(births).difference(age_of):
            age_of[birth] = None if birth is None else validate.age_on(store.as_date(birth), reference)
        for day in set(enrolled).difference(first_day):
            first_day[day] = max(start, store.as_date(day)).toordinal()
        began.update(zip(ids, map(first_day.__getitem__, enrolled), strict=True))
        schooling = counted[COUNTED.index("schooling")]
        age_schooling.update(zip(map(age_of.__getitem__, births), schooling, strict=True))
        for name, values in zip(COUNTED, counted, strict=True):
            columns[name].update(values)
    return _Roster(set(began), began, age_of, age_schooling, columns)


def _birth():
    """A child's birth date as the summary's ages are reckoned from it: none for a purged child, whose day is not
    its own (kept as 1 January of its year, SPEC section 10): it is counted in no age band and not in the
    school-age base of the in-school rate."""
    return case((Child.status == store.PURGED, None), else_=Child.birth_date)


def _priority_children(session, listed, reference: date, roster: _Roster) -> tuple[list[dict], int]:
    """(the priority children in pinyin order, the number of children in the roster with a pairing in force)."""
    columns = (Child.village, _birth(), Child.flags, Child.guardian_rating)
    rows = store.raw_rows(listed.add_columns(*columns).where(store.priority_clause()), session=session)
    paired, helpers = store.paired_children((row[0] for row in rows), session=session, as_of=reference)

    def age(birth) -> int | None:  # a child enrolled since the roster was read is not in age_of
        if birth is None:
            return None  # a purged child's age is not known
        found = roster.age_of.get(birth)
        return validate.age_on(store.as_date(birth), reference) if found is None else found

    priority = [
        {
            "id": cid,
            "name": name,
            "village": village,
            "age": age(birth),
            "flags": flags,
            "guardian_rating": rating,
            "helpers": helpers.get(cid, []),
        }
        for cid, name, village, birth, flags, rating in rows
    ]
    return priority, len(paired & roster.ids)


def _incomplete_records(session, listed) -> list[dict]:
    """The children whose records miss a required field, in pinyin order, with the fields they miss (not a
    purged child's: its fields were erased on purpose)."""
    lacks = store.missing_field_clauses()
    query = listed.add_columns(*lacks.values()).where(or_(*lacks.values()), Child.status != store.PURGED)
    return [
        {"id": child_id, "name": name, "missing": list(compress(lacks, lacking))}
        for child_id, name, *lacking in store.raw_rows(query, session=session)
    ]


# Between the values the database joins into one text (store.joined): in no slug and no number.
SEPARATOR = "\x1f"


def _contact_days(session, start: date, end: date):
    """SQL: the contacts from ``start`` to ``end`` summed a row a day, in order (a county logs thousands a
    day): (day, the kinds of the contacts that reached someone, the number that reached nobody, the
    children whose parents were called, the children given material aid), the lists as joined texts."""
    reached = Contact.no_answer.is_(False)
    parent_call = store.condition(conditions.counted_contact("last_parent_call"))
    aid = and_(Contact.kind == "aid", reached)
    query = select(
        Contact.date,
        store.joined(case((reached, Contact.kind)), SEPARATOR, session=session),
        func.count(case((Contact.no_answer.is_(True), 1))),
        store.joined(case((parent_call, Contact.child_id)), SEPARATOR, session=session),
        store.joined(case((aid, Contact.child_id)), SEPARATOR, session=session),
    ).where(Contact.date >= start, Contact.date <= end)
    return query.group_by(Contact.date).order_by(Contact.date)


def _split(text: str | None) -> list[str]:
    return text.split(SEPARATOR) if text else []


def _contacts(days: list[tuple], start: date, reference: date, interval: int, began: dict[int, int]) -> dict:
    """The summary's contact figures: those that reached someone by kind and by month, the attempts, the
    weekly parent calls (``interval`` days a week; ``began``: each child's start in the period), the aid."""
    by_kind: Counter = Counter()
    by_month: dict[str, Counter] = defaultdict(Counter)
    attempts = aid_contacts = 0
    aided: set[int] = set()
    weeks: dict[int, set[int]] = defaultdict(set)  # week number -> the children called in it
    opening = start.toordinal()
    late = {cid for cid, first in began.items() if first > opening}  # enrolled in the period: weeks of their own
    for day, kinds, unanswered, parents, aid in days:
        month = by_month[str(day)[:7]]
        for kind, n in sorted(Counter(_split(kinds)).items()):  # a day's kinds in order, as GROUP BY gives them
            by_kind[kind] += n
            month[kind] += n
        attempts += unanswered
        today = store.as_date(day).toordinal()
        called = set(map(int, _split(parents)))
        weeks[(today - opening) // interval].update(called - late)
        for cid in called & late:
            weeks[(today - began[cid]) // interval].add(cid)
        given = _split(aid)
        aid_contacts += len(given)
        aided.update(map(int, given))
    last = reference.toordinal()
    whole = {first: max(last - first + 1, 0) // interval for first in set(began.values())}
    windows = dict(zip(began, map(whole.__getitem__, began.values()), strict=True))
    months = [f"{y:04d}-{m:02d}" for y, m in reminders.months_between(start, reference)]
    return {
        "contacts_by_kind": _by_kind(by_kind),
        "contacts_total": sum(by_kind.values()),
        "contacts_by_month": [{"month": m, "total": sum(by_month[m].values()), **by_month[m]} for m in months],
        "contact_attempts": attempts,
        "weekly_contact_rate": rates.weekly_compliance(windows, weeks),
        "video_call_days": interval,
        "aid_contacts": aid_contacts,
        "aid_children": len(aided),
    }


def _assessment(session, reference: date) -> dict:
    """The assessment of the last school year whose term 2 (ending in July) was over by ``reference``,
    as `lbc score` makes it (assessment.assess)."""
    year = reference.year - 1 if reference.month >= 8 else reference.year - 2
    children, helpers, awards, _rules = assessment.assess(session, year, as_of=reference)
    return {
        "assessment_year": year,
        "assessment": {
            "children": [c._asdict() for c in children],
            "helpers": [{**h._asdict(), "score": io.cell(h.score), "yuan": io.cell(h.yuan)} for h in helpers],
            "awards": [{**a._asdict(), "yuan": io.cell(a.yuan)} for a in awards],
            "helper_yuan": io.cell(sum((h.yuan for h in helpers), scoring.money(0))),
            "award_yuan": io.cell(sum((a.yuan for a in awards), scoring.money(0))),
        },
    }


def _leavers(session, start: date, reference: date) -> dict:
    """Who left the programme in the period (exit date from ``start`` to ``reference``), by reason in the order
    of the reasons: each reason's count and its children (id, name, exit date) in order of leaving. Every time
    out counts (the exits, a child who came back too), and an exited child without an exits row (a roster
    imported without them) by its own exit fields; a purged child is counted, not named (its name is gone)."""
    in_period = Exit.exit_date.between(start, reference)
    exits = select(Child.id, Child.name, Exit.exit_reason, Exit.exit_date, Child.status, Child.name_pinyin).join(
        Exit, Exit.child_id == Child.id
    )
    unrecorded = select(
        Child.id, Child.name, Child.exit_reason, Child.exit_date, Child.status, Child.name_pinyin
    ).where(
        Child.status != "active",
        Child.exit_date.between(start, reference),
        ~select(Exit.id).where(Exit.child_id == Child.id, Exit.exit_date == Child.exit_date).exists(),
    )
    query = union_all(exits.where(in_period), unrecorded).subquery()
    query = select(query.c.id, query.c.name, query.c.exit_reason, query.c.exit_date, query.c.status).order_by(
        query.c.exit_date, query.c.name_pinyin, query.c.id
    )
    by_reason: dict[str | None, dict] = {}
    for child_id, name, reason, left, status in store.raw_rows(query, session=session):
        entry = by_reason.setdefault(reason, {"reason": reason, "count": 0, "children": []})
        entry["count"] += 1
        if status != "purged":
            entry["children"].append({"id": child_id, "name": name, "exit_date": str(store.as_date(left))})
    order = list(i18n.ENUMS["exit_reason"])
    ranked = sorted(by_reason.values(), key=lambda e: order.index(e["reason"]) if e["reason"] in order else len(order))
    return {"leavers": ranked, "leavers_total": sum(e["count"] for e in ranked)}


def _tables(roster: _Roster) -> dict:
    """The tables of the children: by village, gender, age band, flag, guardian, schooling and assistance."""
    ages: Counter = Counter()
    for (age, _schooling), n in roster.age_schooling.items():
        if age is not None:  # a purged child's age is not known: in no band
            ages[age] += n
    columns = roster.columns
    return {
        "by_village": _counts(columns["village"], blank=True),
        "by_gender": _counts(columns["gender"]),
        "by_flag": _counts(columns["flags"], sets=True),
        "by_schooling": _counts(columns["schooling"], blank=True),
        "by_guardian": _counts(columns["guardian_relation"], blank=True),
        "by_age": [
            {"band": f"{low}-{high}", "count": sum(n for age, n in ages.items() if low <= age <= high)}
            for low, high in AGE_BANDS
        ],
        "by_assistance": _counts(columns["assistance"], sets=True),
    }


def summary_context(session, *, start: date, end: date, as_of: date, year: int | None) -> dict:
    reference = min(end, as_of)
    return _summary(session, start=start, end=end, reference=reference, year=year)


def _listed(reference: date):
    """The children in the programme on ``reference`` (id, name) in pinyin order, the order of the lists.
    The order is by an expression, not the column: a few thousand rows sorted beat SQLite walking the
    pinyin index over all."""
    listed = select(Child.id, Child.name).where(store.active_on(reference))
    return listed.order_by(Child.name_pinyin.concat(""), Child.id)


def _summary(session, *, start: date, end: date, reference: date, year: int | None) -> dict:
    rules = store.rule_values(session=session)
    roster = _roster(session, start, reference)
    priority, paired = _priority_children(session, _listed(reference), reference, roster)
    villages = sorted(village for village in roster.columns["village"] if village)
    figures = _figures(session, reference, len(roster.ids), len(priority), villages)
    at_start = _schooling_at_start(session, start, reference)
    tables = _tables(roster)
    days = store.raw_rows(_contact_days(session, start, reference), session=session)
    contacts = _contacts(days, start, reference, int(rules["video_call_days"]), roster.began)
    registered, age_schooling = len(roster.ids), roster.age_schooling
    del roster, days  # its ids and days need not stay while the rest is made
    incomplete = _incomplete_records(session, _listed(reference))
    assessed = _assessment(session, reference)
    result = rates.compute(registered, len(incomplete), paired, age_schooling, *at_start)
    return {
        "report": "summary",
        "year": year,
        "period_start": start.isoformat(),
        "period_end": end.isoformat(),
        "as_of": reference.isoformat(),
        **figures,
        "paired_rate": result.paired_rate,
        "archive_complete_rate": result.archive_complete_rate,
        "in_school_rate": result.in_school_rate,
        "retention_rate": result.retention_rate,
        "counts": {
            "archive_complete": result.archive_complete,
            "school_age": result.school_age,
            "in_school": result.in_school,
            "in_school_at_start": result.in_school_at_start,
            "retained": result.retained,
            "paired": result.paired,
        },
        "targets": _targets(rules),
        **tables,
        **_leavers(session, start, reference),
        "incomplete_records": incomplete,
        **contacts,
        **assessed,
        "priority_children": priority,
    }


# ---- one child's card, one month -----------------------------------------------------------


def child_context(session, *, ref: str, as_of: date, reveal: bool) -> dict:
    child = store.resolve(Child, ref, session=session)
    columns = [c.name for c in Child.__table__.columns if c.name not in DERIVED]
    record = io.masker(columns, reveal)({c: getattr(child, c) for c in columns})
    record = {k: io.cell(v) for k, v in record.items()}
    record["birth_date"] = io.cell(validate.birth_shown(child.birth_date, child.status))
    pairings = [
        {
            "helper": helper.name,
            "role": helper.role,
            "phone": (helper.phone if reveal else validate.mask(helper.phone)),
            "start_date": pairing.start_date.isoformat(),
            "end_date": pairing.end_date.isoformat() if pairing.end_date else None,
        }
        for pairing, _child, helper in store.pairings_of(session=session, child_id=child.id)
    ]
    contacts = [
        {
            "date": c.date.isoformat(),
            "kind": c.kind,
            "with_whom": c.with_whom,
            "helper": helper_name,
            "minutes": c.minutes,
            "no_answer": bool(c.no_answer),
            "note": c.note,
        }
        for c, _name, helper_name in store.list_contacts(session=session, child_id=child.id)
    ]
    return {
        "report": "child",
        "as_of": as_of.isoformat(),
        "child": record,
        "age": validate.age_shown(child.birth_date, child.status, as_of),
        "priority": store.is_priority(child.id, session=session),
        "missing": rates.missing_fields({**record, "father_away": child.father_away, "mother_away": child.mother_away}),
        "pairings": pairings,
        "contacts": contacts,
    }


def _month_contacts(session, start: date, end: date) -> tuple[list[tuple], int]:
    """The contacts from ``start`` to ``end`` counted by the database, not read a row each (a county logs
    80,000 a month): (helper name or None, kind, reached nobody, contacts) groups, and the number of
    children the contacts that reached someone were with."""
    period = and_(Contact.date >= start, Contact.date <= end)
    groups = (
        select(Helper.name, Contact.kind, Contact.no_answer, func.count())
        .select_from(Contact)
        .outerjoin(Helper, Helper.id == Contact.helper_id)
        .where(period)
        .group_by(Helper.name, Contact.kind, Contact.no_answer)
    )
    reached = select(func.count(Contact.child_id.distinct())).where(period, Contact.no_answer.is_(False))
    return store.raw_rows(groups, session=session), session.execute(reached).scalar_one()


def _by_kind(counts: Counter) -> dict[str, int]:
    """Counts of contacts by kind, the kinds in the order the spec lists them (calls first); a kind it does not
    list (a row written by another tool) after them, so that the counts still add up to the total."""
    known = i18n.ENUMS["kind"]
    order = [*known, *sorted(kind for kind in counts if kind not in known)]
    return {kind: counts[kind] for kind in order if counts[kind]}


def month_context(session, *, year: int, month: int, as_of: date) -> dict:
    start = date(year, month, 1)
    end = reminders.month_end(year, month)
    groups, children_reached = _month_contacts(session, start, end)
    by_helper: dict[str, Counter] = defaultdict(Counter)
    attempts = 0
    for helper_name, kind, no_answer, n in groups:
        if no_answer:
            attempts += n
            continue
        by_helper[helper_name or ""][kind] += n
    # what falls due by the end of next month, as of the report's day: as_of, or the month's end for a past
    # month (the earlier), so that nothing due after that day counts as overdue
    cut = min(as_of, end)
    next_start = end + timedelta(days=1)
    next_end = reminders.month_end(next_start.year, next_start.month)
    rules = store.rule_values(session=session)
    facts = store.reminder_facts(session=session, as_of=cut)
    due = reminders.due_reminders(facts, rules, cut, (next_end - cut).days)
    plan = [i.text for i in store.schedule_items(session=session, months=[month])]
    next_plan = [i.text for i in store.schedule_items(session=session, months=[next_start.month])]
    return {
        "report": "month",
        "month": f"{year:04d}-{month:02d}",
        "next_month": f"{next_start.year:04d}-{next_start.month:02d}",
        "as_of": as_of.isoformat(),
        "contacts_total": sum(sum(c.values()) for c in by_helper.values()),
        "contact_attempts": attempts,
        "children_reached": children_reached,
        "contacts_by_kind": _by_kind(sum(by_helper.values(), Counter())),
        "by_helper": [
            {"helper": name, "total": sum(kinds.values()), "kinds": _by_kind(kinds)}
            for name, kinds in sorted(by_helper.items(), key=lambda kv: (-sum(kv[1].values()), kv[0]))
        ],
        "plan": plan,
        "next_plan": next_plan,
        "due_next": [
            {
                "child_id": r.child_id,
                "name": r.name,
                "rule": r.rule,
                "due_date": r.due_date.isoformat(),
                "priority": r.priority,
                "helpers": list(r.helpers),
            }
            for r in due
            if next_start <= r.due_date <= next_end
        ],
        **_open_at(due, end, cut),
    }


def _open_at(due: list, end: date, cut: date) -> dict:
    """What is still to do at the month's end (``end``), from its reminders ``due`` as of ``cut`` (the report's
    day, never after ``end``; most pressing first), so that the month report says it itself: the reminders due
    by the month's end (``overdue_open``, as before); for each rule, in the order of the rules, the children
    with one due by then and those of them overdue on ``cut``; the overdue reminders themselves, most pressing
    first; and how many fall due on ``cut`` or later but by the month's end (due, not overdue)."""
    open_items = [r for r in due if r.due_date <= end]
    children: dict[str, set] = defaultdict(set)
    late: dict[str, set] = defaultdict(set)
    for r in open_items:
        children[r.rule].add((r.child_id, r.name))
        if r.due_date < cut:
            late[r.rule].add((r.child_id, r.name))
    order = [*reminders.RULES, *sorted(set(children) - set(reminders.RULES))]
    return {
        "month_end": end.isoformat(),
        "overdue_as_of": cut.isoformat(),
        "overdue_open": len(open_items),
        "not_overdue": sum(cut <= r.due_date for r in open_items),
        "due_by_rule": [
            {"rule": rule, "children": len(children[rule]), "overdue_children": len(late[rule])}
            for rule in order
            if children[rule]
        ],
        "overdue": [
            {
                "child_id": r.child_id,
                "name": r.name,
                "rule": r.rule,
                "due_date": r.due_date.isoformat(),
                "days_overdue": r.days_overdue,
                "priority": r.priority,
                "helpers": list(r.helpers),
            }
            for r in open_items
            if r.due_date < cut
        ],
    }


def context(db, report: str, **options) -> dict:
    """The context of ``report`` (plan, summary, child or month: its builder's ``options``), read in one
    snapshot of the opened database."""
    builders = {"plan": plan_context, "summary": summary_context, "child": child_context, "month": month_context}
    with db.session() as session:
        return builders[report](session, **options)


# ---- rendering -----------------------------------------------------------------------------


def percent(value) -> str:
    """A rate (a fraction) as every document shows it, one decimal of a percent: 0.95 -> '95.0%',
    0.8684 -> '86.8%', 1 -> '100.0%', None -> '—'."""
    if value is None:
        return "—"
    return f"{value * 100:.1f}%"


def money(value) -> str:
    """An amount of yuan (or a helper's score, kept to two places as money is) as every document shows it,
    two decimals, halves rounded up as the payroll is: 5.5 -> '5.50', 2 -> '2.00', '0.5' -> '0.50',
    None -> '—'."""
    if value is None or value == "":
        return "—"
    return str(scoring.money(value))


_pct = percent


def _as_markdown(value):
    """Every value a template prints: a person's text (a name, a note, a village, a helper) escaped for
    Markdown where it is written (``render.md_text``), so that no link, image, HTML or table break comes of it;
    the context itself, and so ``--format json``, keeps the text as typed. What a template marks as made
    by it (``| safe``, ``| tojson``: markupsafe's Markup) is printed as it is."""
    if value.__class__ is str:  # (markupsafe's Markup is a subclass: printed as it is)
        return md_text(value)
    if isinstance(value, str) and not hasattr(value, "__html__"):
        return md_text(value)
    return value


def environment(templates: str | None):
    """Jinja2 over the user's folder (if any) first, then the packaged templates, per language: in Jinja2's
    sandbox, packaged templates too, so that a template can print values and call lbc's filters but reach no
    Python object's insides (``cycler.__init__.__globals__``) and run no code."""
    import jinja2
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    lang = i18n.lang()
    folders = []
    if templates:
        user = Path(templates).expanduser()
        if not user.is_dir():
            raise LbcError(i18n.t("templates_missing", folder=user), ExitCode.USAGE)
        folders += [user / lang, user]
    folders.append(PACKAGED / lang)
    env = ImmutableSandboxedEnvironment(
        loader=jinja2.FileSystemLoader([str(f) for f in folders]),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,
        finalize=_as_markdown,
    )
    env.filters["pct"] = percent
    env.filters["money"] = money
    env.filters["label"] = lambda slug, enum: i18n.label(enum, slug)
    env.filters["labels"] = lambda slugs, enum: i18n.labels(enum, slugs)
    env.filters["yesno"] = lambda v: i18n.t("yes") if v else i18n.t("no")
    env.filters["dash"] = lambda v: "—" if v in (None, "") else v
    env.filters["fields"] = lambda names, sep: sep.join(map(i18n.field, names))
    env.globals["field"] = i18n.field
    env.globals["month_name"] = lambda m: f"{m}月" if lang == "zh" else date(2000, m, 1).strftime("%B")
    return env


def render_markdown(report: str, context: dict, templates: str | None) -> str:
    import jinja2

    env = environment(templates)
    name = f"{report}.md.j2"
    try:
        template = env.get_template(name)
        return template.render(**context)
    except jinja2.TemplateSyntaxError as exc:
        raise _template_error(exc.filename or name, exc.lineno, exc) from None
    except jinja2.TemplateNotFound as exc:
        raise _template_error(exc.name, 0, exc) from None
    except LbcError:
        raise
    except Exception as exc:  # any error raised while a template runs: name its file and line
        file, line = _where(exc, name)
        raise _template_error(file, line, exc) from None


def _template_error(file: str, line: int, exc: Exception) -> LbcError:
    """A template's error in the session's words: Jinja2 words its own in English (the English session keeps
    them); a template that was not found has no line."""
    import re

    import jinja2
    from jinja2.exceptions import SecurityError

    why = getattr(exc, "message", None) or str(exc)
    if isinstance(exc, jinja2.TemplateNotFound):
        text = i18n.t("template_not_found")
    elif isinstance(exc, jinja2.TemplateSyntaxError):
        text = i18n.t("template_syntax", why=why)
    elif isinstance(exc, jinja2.UndefinedError):
        names = "、".join(f"“{n}”" for n in re.findall(r"'([^']*)'", why)) or "?"
        text = i18n.t("template_undefined", names=names, why=why)
    elif isinstance(exc, SecurityError):
        text = i18n.t("template_unsafe", why=why)
    else:
        text = i18n.t("template_failed", kind=type(exc).__name__, why=why)
    if line:
        return LbcError(i18n.t("template_error", file=file, line=line, why=text))
    return LbcError(i18n.t("template_error_file", file=file, why=text))


def _where(exc: Exception, default: str) -> tuple[str, int]:
    """The template file and line an error was raised from (Jinja2 keeps them in the traceback)."""
    tb = exc.__traceback__
    found = (default, 0)
    while tb is not None:
        # Jinja2 rewrites the traceback so that template frames carry the template's file and line
        if tb.tb_frame.f_code.co_filename.endswith(".j2"):
            found = (tb.tb_frame.f_code.co_filename, tb.tb_lineno)
        tb = tb.tb_next
    return found


# The page's print rules: A4 with the margins of GB/T 9704 (top 37 mm, bottom 35 mm, left 28 mm, right 26 mm);
# a heading kept with what follows it (and, for browsers that ignore break-after, a reserved strip below it
# that must fit on its page); a table row, a list item, a picture whole; a table's header row repeated on
# every page it runs over. Chinese fonts first: the body in 仿宋, headings in 黑体, the title in 小标宋, each
# with the fonts a Windows, a Mac or a Linux machine (Noto CJK) has instead.
PAGE_STYLE = """\
@page { size: A4; margin: 37mm 26mm 35mm 28mm; }
body { font-family: "仿宋_GB2312", "FangSong_GB2312", "仿宋", "FangSong", "STFangsong", "Noto Serif CJK SC",
  "Source Han Serif SC", "Songti SC", "宋体", "SimSun", serif; max-width: 46em; margin: 2em auto; }
h1, h2, h3, h4 { font-family: "黑体", "SimHei", "Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC",
  "Microsoft YaHei", sans-serif; break-after: avoid; page-break-after: avoid; break-inside: avoid;
  page-break-inside: avoid; }
h1 { font-family: "方正小标宋简体", "FZXiaoBiaoSong-B05S", "方正小标宋_GBK", "黑体", "SimHei", "Noto Serif CJK SC",
  "Noto Sans CJK SC", "Source Han Serif SC", serif; text-align: center; }
h1::after, h2::after, h3::after, h4::after { content: ""; display: block; height: 4em; margin-bottom: -4em; }
p, li { line-height: 1.6; orphans: 3; widows: 3; }
table { border-collapse: collapse; margin: 1em 0; }
thead { display: table-header-group; }
tr, li, img, svg, figure { break-inside: avoid; page-break-inside: avoid; }
p:has(+ table) { break-after: avoid; page-break-after: avoid; }
table { break-before: avoid; page-break-before: avoid; }
img, svg { max-width: 100%; height: auto; }
th, td { border: 1px solid #888; padding: 0.2em 0.6em; }
th, td:first-child { white-space: nowrap; }
th { background: #eee; }
pre { background: #f4f4f4; padding: 0.6em; overflow-x: auto; white-space: pre-wrap; }
@media print { body { margin: 0; max-width: none; } table { width: 100%; } }
"""


def title_of(tokens, fallback: str) -> str:
    """The text of the document's first level-1 heading (its own title, as the reader sees it: no Markdown
    escapes), or ``fallback`` when the template has none."""
    for n, token in enumerate(tokens):
        if token.type == "heading_open" and token.tag == "h1":
            parts = [
                " " if child.type in ("softbreak", "hardbreak") else child.content
                for child in tokens[n + 1].children or []
                if child.type in ("text", "code_inline", "softbreak", "hardbreak")
            ]
            text = " ".join("".join(parts).split())
            if text:
                return text
    return fallback


def _images_offline(tokens) -> None:
    """Every image of a page that is not in the page itself (a ``data:`` URI) becomes its alt text, so that
    opening or printing the page fetches nothing (``![x](http://…)`` in a user's template would)."""
    for token in tokens:
        for n, child in enumerate(token.children or []):
            if child.type == "image" and not str(child.attrGet("src") or "").strip().lower().startswith("data:"):
                words = "".join(c.content for c in child.children or [] if c.type in ("text", "code_inline"))
                alt = child.copy()
                alt.type, alt.tag, alt.attrs, alt.children, alt.nesting, alt.content = "text", "", {}, None, 0, words
                token.children[n] = alt


def to_html(markdown: str, title: str, context: dict | None = None) -> str:
    """The Markdown as a printable page (CommonMark with GFM tables) in the session's language, titled with the
    document's own first heading (``title`` when it has none); with the report's ``context``, the charts its
    Mermaid blocks name drawn as inline SVG (``charts.inline_in_html``)."""
    from html import escape

    from markdown_it import MarkdownIt

    parser = MarkdownIt("commonmark", {"html": False}).enable("table")
    tokens = parser.parse(markdown)
    _images_offline(tokens)
    body = parser.renderer.render(tokens, parser.options, {})
    if context is not None:
        from lbc_cli import charts

        body = charts.inline_in_html(body, context)
    lang = "zh-CN" if i18n.lang() == "zh" else "en"
    return f"""<!DOCTYPE html>
<html lang="{lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title_of(tokens, title))}</title>
<style>
{PAGE_STYLE}</style>
</head>
<body>
{body}</body>
</html>
"""
