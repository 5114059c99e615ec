"""Due and overdue care work (SPEC section 6), as a pure function of plain facts.

For each active child, as of a date D, a rule is listed when its due date is on or before
D + within. Each rule's due date:

- video-call      last video call or phone call with a parent + video_call_days; never: the enrolment date
- parent-feedback last feedback to the parents + parent_feedback_days; never: the enrolment date
- home-visit      last home visit + priority_visit_days (priority children) or visit_days; never: enrolment
- care-agreement  no care agreement (委托照护) date recorded: the enrolment date
- record-review   last review (enrolment counts) + review_days
- unpaired        no pairing in force on D: the enrolment date
- age-out         the day the child turns age_limit, listed from 30 days before it
- no-guardian     no guardian (relation none, no name) or living alone: due at once (D), always urgent

Attempts that reached nobody (--no-answer) never count as a contact: the facts given here hold only
contacts that happened.
"""

from collections.abc import Callable
from datetime import date, timedelta
from operator import attrgetter
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
    """What the rules need to know of one child on the reference date (a tuple: 100,000 are made per run)."""

    id: int
    name: str
    birth_date: date
    enrolled_on: date
    priority: bool  # 重点帮扶对象: problem, hardship, lives-alone, or guardian rated poor
    no_guardian: bool  # relation none, no guardian name, or lives alone
    care_agreement_on: date | None
    reviewed_on: date | None
    last_parent_call: date | None
    last_feedback: date | None
    last_visit: date | None
    paired: bool
    helpers: tuple[str, ...] = ()


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
    """The rule pass for one reference date, as a function of one child's facts (its constants worked out once:
    a county runs it for 100,000 children).

    A rule with an interval is due when ``last + days <= as_of + within``; a child never contacted is due from
    the enrolment date. Priorities: urgent = no guardian (强制报告 territory); high = a priority child's work, a
    missing care agreement (a legal duty of the parents, 未成年人保护法 §22) or no helper at all; normal = the rest."""
    horizon = as_of + timedelta(days=within)
    call = timedelta(days=settings["video_call_days"])
    feedback = timedelta(days=settings["parent_feedback_days"])
    visit, priority_visit = timedelta(days=settings["visit_days"]), timedelta(days=settings["priority_visit_days"])
    review = timedelta(days=settings["review_days"])
    notice = horizon + timedelta(days=AGE_OUT_NOTICE_DAYS)  # age-out is listed from 30 days before the birthday
    age_limit = int(settings["age_limit"])
    new = tuple.__new__

    def child(facts: ChildFacts) -> list[Reminder]:
        out = []
        ident, name, helpers, enrolled = facts.id, facts.name, facts.helpers, facts.enrolled_on
        level = "high" if facts.priority else "normal"
        due = [("no-guardian", as_of, "urgent")] if facts.no_guardian else []
        last = facts.last_parent_call
        due.append(("video-call", last + call if last is not None else enrolled, level))
        last = facts.last_feedback
        due.append(("parent-feedback", last + feedback if last is not None else enrolled, level))
        last = facts.last_visit
        if last is not None:
            last += priority_visit if facts.priority else visit
        due.append(("home-visit", last or enrolled, level))
        if facts.care_agreement_on is None:
            due.append(("care-agreement", enrolled, "high"))
        due.append(("record-review", (facts.reviewed_on or enrolled) + review, level))
        if not facts.paired:
            due.append(("unpaired", enrolled, "high"))
        turns = birthday(facts.birth_date, age_limit)
        if turns <= notice:
            due.append(("age-out", turns, level))
        for rule, when, priority in due:
            if when <= horizon or rule == "age-out":
                out.append(new(Reminder, (ident, name, rule, when, (as_of - when).days, priority, helpers)))
        return out

    return child


def due_reminders(children: list[ChildFacts], settings: dict, as_of: date, within: int = 0) -> list[Reminder]:
    """Every child's reminders, most pressing first (``sort_key``)."""
    rules = _rules(settings, as_of, within)
    items = [item for facts in _in_name_order(children) for item in rules(facts)]  # name, child, rule
    items.sort(key=_pressing)
    return items


def made_by_child(
    children: list[ChildFacts], settings: dict, as_of: date, within: int, make: Callable
) -> tuple[list[int], list]:
    """What ``make(facts, items)`` turns each child's reminders into (as many things as items: a county's
    CSV lines), in (name, child, rule) order, and each item's pressing key; ``in_pressing_order`` then
    puts them in ``due_reminders``'s order. Made child by child, while the child's facts are at hand,
    rather than item by item once 300,000 items are sorted and scattered in memory.

    The lists made for children whose names all sort before the others' names, put before theirs, are
    the lists made for all the children at once (``cli.remind``'s two halves of a county)."""
    rules = _rules(settings, as_of, within)
    keys: list[int] = []
    made: list = []
    for facts in _in_name_order(children):
        items = rules(facts)
        if items:
            keys += map(_pressing, items)
            made += make(facts, items)
    return keys, made


def in_pressing_order(keys: list[int], made: list) -> list:
    """``made`` sorted by ``keys``, ties kept in their order: one int each to sort, the key above the place."""
    shift = len(made).bit_length()
    place = (1 << shift) - 1
    return [made[key & place] for key in sorted((key << shift) | n for n, key in enumerate(keys))]


def _in_name_order(children: list[ChildFacts]) -> list[ChildFacts]:
    ordered = sorted(children, key=_by_id)  # stable sorts on one plain key each: fast for 100,000 children
    ordered.sort(key=_by_name)
    return ordered


_RULE_ORDER = {rule: n for n, rule in enumerate(RULES)}
_by_id = attrgetter("id")
_by_name = attrgetter("name")


def _pressing(item: Reminder) -> int:
    """The first three parts of ``sort_key`` as one number: urgent first, most days overdue, then priority."""
    return ((item.priority != "urgent") << 40) + ((2**30 - item.days_overdue) << 2) + PRIORITY_ORDER[item.priority]


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
