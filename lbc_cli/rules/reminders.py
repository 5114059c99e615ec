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

from datetime import date, timedelta
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


def _after(last: date | None, days: int, never: date) -> date:
    return last + timedelta(days=days) if last is not None else never


def child_reminders(facts: ChildFacts, settings: dict, as_of: date, within: int = 0) -> list[Reminder]:
    """The rules listed for one child: due on or before ``as_of + within`` (age-out: from 30 days before)."""
    horizon = as_of + timedelta(days=within)
    due: dict[str, date] = {}
    if facts.no_guardian:
        due["no-guardian"] = as_of
    due["video-call"] = _after(facts.last_parent_call, settings["video_call_days"], facts.enrolled_on)
    due["parent-feedback"] = _after(facts.last_feedback, settings["parent_feedback_days"], facts.enrolled_on)
    visit_days = settings["priority_visit_days"] if facts.priority else settings["visit_days"]
    due["home-visit"] = _after(facts.last_visit, visit_days, facts.enrolled_on)
    if facts.care_agreement_on is None:
        due["care-agreement"] = facts.enrolled_on
    due["record-review"] = (facts.reviewed_on or facts.enrolled_on) + timedelta(days=settings["review_days"])
    if not facts.paired:
        due["unpaired"] = facts.enrolled_on
    turns = birthday(facts.birth_date, int(settings["age_limit"]))
    out = []
    for rule in RULES:
        if rule == "age-out":
            if turns - timedelta(days=AGE_OUT_NOTICE_DAYS) > horizon:
                continue
            when = turns
        elif rule in due and due[rule] <= horizon:
            when = due[rule]
        else:
            continue
        out.append(
            Reminder(
                child_id=facts.id,
                name=facts.name,
                rule=rule,
                due_date=when,
                days_overdue=(as_of - when).days,
                priority=_priority(rule, facts),
                helpers=facts.helpers,
            )
        )
    return out


def _priority(rule: str, facts: ChildFacts) -> str:
    """urgent: no guardian (强制报告 territory); high: a priority child's work, a missing care agreement
    (a legal duty of the parents, 未成年人保护法 §22) or no helper at all; normal: the rest."""
    if rule == "no-guardian":
        return "urgent"
    if facts.priority or rule in ("care-agreement", "unpaired"):
        return "high"
    return "normal"


def due_reminders(children: list[ChildFacts], settings: dict, as_of: date, within: int = 0) -> list[Reminder]:
    """Every child's reminders, most pressing first: urgent items, then the rest by days overdue."""
    items = [r for facts in children for r in child_reminders(facts, settings, as_of, within)]
    return sorted(items, key=sort_key)


def sort_key(item: Reminder) -> tuple:
    rule = RULES.index(item.rule) if item.rule in RULES else len(RULES)
    return (
        item.priority != "urgent",
        -item.days_overdue,
        PRIORITY_ORDER[item.priority],
        item.name,
        item.child_id or 0,
        rule,
    )


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
