"""Due and overdue care work (SPEC section 6), as a pure function of plain facts.

For each active child, as of a date D, a rule is listed when its due date is on or before
D + within. Each rule's due date:

- video-call      last video call or phone call with a parent + video_call_days; never: the enrolment date
- parent-feedback last feedback to the parents + parent_feedback_days; never: the enrolment date
- home-visit      last home visit + priority_visit_days (priority children) or visit_days; never: enrolment
- care-agreement  no care agreement (委托照护) date recorded: the enrolment date
- record-review   last review (enrolment counts) + review_days
- unpaired        no pairing in force on D: the day its last pairing ended, else the enrolment (or re-entry)
- age-out         the day the child turns age_limit, listed from 30 days before it
- no-guardian     no guardian (relation none, no name) or living alone: due at once (D), always urgent

Attempts that reached nobody (--no-answer) never count as a contact: the facts given here hold only
contacts that happened.
"""

from collections.abc import Callable
from datetime import date, timedelta
from itertools import chain
from typing import NamedTuple

from lbc_cli.validate import birthday

RULES = (
    "no-guardian",
    "video-call",
    "parent-feedback",
    "home-visit",
    "care-agreement",
    "record-review",
    "unpaired",
    "age-out",
)
AGE_OUT_NOTICE_DAYS = 30
PRIORITY_ORDER = {"urgent": 0, "high": 1, "normal": 2}


class ChildFacts(NamedTuple):
    """What the rules need to know of one child on the reference date (a tuple: a county makes one a child)."""

    id: int
    name: str
    birth_date: date | None  # none for a purged child (its day is not known): no age-out
    enrolled_on: date
    priority: bool  # 重点帮扶对象: problem, hardship, lives-alone, or guardian rated poor
    no_guardian: bool  # relation none, no guardian name, or lives alone
    care_agreement_on: date | None
    reviewed_on: date | None
    last_parent_call: date | None
    last_feedback: date | None
    last_visit: date | None
    paired: bool
    helpers: tuple[str, ...] = ()  # the names of the helpers paired with it (CSV's helpers column)
    helper_ids: tuple[int, ...] = ()  # their ids, in no order (remind's groups: two helpers may share a name)
    unpaired_since: date | None = None  # not paired: the day its last pairing ended (in its present time in)


class Reminder(NamedTuple):
    child_id: int | None
    name: str
    rule: str
    due_date: date
    days_overdue: int
    priority: str  # urgent, high, normal
    helpers: tuple[str, ...] = ()


def child_reminders(facts: ChildFacts, settings: dict, as_of: date, within: int = 0) -> list[Reminder]:
    """The rules listed for one child: due on or before ``as_of + within`` (age-out: from 30 days before)."""
    return _rules(settings, as_of, within)(facts)


def _rules(settings: dict, as_of: date, within: int):
    """The rule pass for one reference date, as a function of one child's facts to its Reminders."""
    due = _due(settings, as_of, within)
    new = tuple.__new__

    def child(facts: ChildFacts) -> list[Reminder]:
        ident, name, helpers = facts.id, facts.name, facts.helpers
        return [
            new(Reminder, (ident, name, rule, when, (as_of - when).days, priority, helpers))
            for rule, when, priority in due(facts)
        ]

    return child


def _due(settings: dict, as_of: date, within: int) -> Callable[[ChildFacts], list[tuple[str, date, str]]]:
    """The rule pass for one reference date: one child's facts to the (rule, due date, priority)s listed,
    in ``RULES`` order (its constants worked out once: a county runs it for 100,000 children).

    A rule with an interval is due when ``last + days <= as_of + within``, and never before the enrolment date
    (a child back from a time out: its re-entry date), from which a child never contacted is due. Priorities:
    urgent = no guardian (强制报告 territory); high = a priority child's work, a missing care agreement (a legal
    duty of the parents, 未成年人保护法 §22) or no helper at all; normal = the rest."""
    horizon = as_of + timedelta(days=within)
    call = timedelta(days=settings["video_call_days"])
    feedback = timedelta(days=settings["parent_feedback_days"])
    visit, priority_visit = timedelta(days=settings["visit_days"]), timedelta(days=settings["priority_visit_days"])
    review = timedelta(days=settings["review_days"])
    notice = horizon + timedelta(days=AGE_OUT_NOTICE_DAYS)  # age-out is listed from 30 days before the birthday
    age_limit = int(settings["age_limit"])

    born_by = _born_by(notice, age_limit)  # born later: turns age_limit after notice

    def due(facts: ChildFacts) -> list[tuple[str, date, str]]:
        (_id, _name, birth, enrolled, priority, no_guardian, agreement, reviewed, last_call, last_feedback,
         last_visit, paired, _helpers, _helper_ids, unpaired_since) = facts  # fmt: skip
        level = "high" if priority else "normal"
        out = [("no-guardian", as_of, "urgent")] if no_guardian else []
        when = enrolled if last_call is None else max(last_call + call, enrolled)
        if when <= horizon:
            out.append(("video-call", when, level))
        when = enrolled if last_feedback is None else max(last_feedback + feedback, enrolled)
        if when <= horizon:
            out.append(("parent-feedback", when, level))
        when = enrolled if last_visit is None else max(last_visit + (priority_visit if priority else visit), enrolled)
        if when <= horizon:
            out.append(("home-visit", when, level))
        if agreement is None and enrolled <= horizon:
            out.append(("care-agreement", enrolled, "high"))
        when = (reviewed or enrolled) + review
        if when <= horizon:
            out.append(("record-review", when, level))
        when = enrolled if unpaired_since is None or unpaired_since < enrolled else unpaired_since
        if not paired and when <= horizon:
            out.append(("unpaired", when, "high"))
        if birth is not None and birth <= born_by:
            turns = birthday(birth, age_limit)
            if turns <= notice:
                out.append(("age-out", turns, level))
        return out

    return due


def _born_by(day: date, years: int) -> date:
    """The last birth date of a child who turns ``years`` on or before ``day`` (``birthday``, whose 29 February
    counts from 1 March, is never earlier for a later birth date)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # day is 29 February, and that year has none
        return date(day.year - years, 2, 28)


class Due(NamedTuple):
    """One piece of work due: the same object for every child it is due for on the same terms."""

    rule: str
    due_date: date
    days_overdue: int
    priority: str  # urgent, high, normal


class DueWork(NamedTuple):
    """Every child's due work in order: the ``n``-th is ``dues[n]`` for the child ``children[places[n]]``."""

    places: list[int]  # places in the list of children given
    dues: list[Due]


def due_in_order(children: list[ChildFacts], settings: dict, as_of: date, within: int = 0) -> DueWork:
    """Every child's due work, most pressing first (``sort_key``'s order), as two lists of the same length
    (``DueWork``): the child's place in ``children``, and what is due. A ``Due`` is made once for all the
    children it is due for, and a child is a number, so that a writer can render each of them once.

    The children are taken in (name, id) order and each one's work in ``RULES`` order, into one group per
    pressing key (urgent, most days overdue, priority); the groups in key order are the whole in order, with
    no sort of the items (a county's have a few hundred keys)."""
    due = _due(settings, as_of, within)
    groups: dict[int, tuple[list[int], list[Due]]] = {}
    found: dict[tuple, tuple] = {}  # (rule, due date, priority) -> its group's two appends, its Due
    new = tuple.__new__
    for place in _in_name_order(children):
        for item in due(children[place]):
            known = found.get(item)
            if known is None:
                rule, when, priority = item
                overdue = (as_of - when).days
                places, dues = groups.setdefault(_pressing_key(priority, overdue), ([], []))
                known = found[item] = (places.append, dues.append, new(Due, (rule, when, overdue, priority)))
            add_place, add_due, work = known
            add_place(place)
            add_due(work)
    keys = sorted(groups)
    return DueWork(
        list(chain.from_iterable(groups[key][0] for key in keys)),
        list(chain.from_iterable(groups[key][1] for key in keys)),
    )


def due_reminders(children: list[ChildFacts], settings: dict, as_of: date, within: int = 0) -> list[Reminder]:
    """Every child's reminders, most pressing first (``sort_key``)."""
    return as_reminders(children, due_in_order(children, settings, as_of, within))


def as_reminders(children: list[ChildFacts], due: DueWork) -> list[Reminder]:
    """``due_in_order``'s work for ``children`` as Reminders, in the same order."""
    new = tuple.__new__
    made = []
    for place, work in zip(*due, strict=True):
        facts = children[place]
        made.append(new(Reminder, (facts.id, facts.name, *work, facts.helpers)))
    return made


def _in_name_order(children: list[ChildFacts]) -> list[int]:
    """The places of ``children`` in (name, id) order."""
    ids, names = [facts.id for facts in children], [facts.name for facts in children]
    ordered = sorted(range(len(children)), key=ids.__getitem__)  # stable sorts on one plain key each
    ordered.sort(key=names.__getitem__)
    return ordered


_RULE_ORDER = {rule: n for n, rule in enumerate(RULES)}


def _pressing(item: Reminder) -> int:
    """The first three parts of ``sort_key`` as one number: urgent first, most days overdue, then priority."""
    return _pressing_key(item.priority, item.days_overdue)


def _pressing_key(priority: str, days_overdue: int) -> int:
    return ((priority != "urgent") << 40) + ((2**30 - days_overdue) << 2) + PRIORITY_ORDER[priority]


def sort_key(item: Reminder) -> tuple:
    """Urgent items first, then the most days overdue, the higher priority, the name, the child, the rule."""
    return (_pressing(item), item.name, item.child_id or 0, _RULE_ORDER.get(item.rule, len(RULES)))


def months_between(start: date, end: date) -> list[tuple[int, int]]:
    """(year, month) pairs from ``start``'s month to ``end``'s month, inclusive."""
    months = []
    year, month = start.year, start.month
    while (year, month) <= (end.year, end.month):
        months.append((year, month))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def month_end(year: int, month: int) -> date:
    first_next = date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)
    return first_next - timedelta(days=1)
