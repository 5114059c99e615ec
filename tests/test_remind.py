"""lbc remind (SPEC sections 2, 3 and 6): every rule, its due date, the boundaries, the formats and the exit code.

Every expected due date and days-overdue value is worked out by hand in the comments, from the spec's rules and
its default intervals (video_call_days 7, parent_feedback_days 30, priority_visit_days 30, visit_days 90,
review_days 180, age_limit 16); nothing is computed by calling lbc's own code.
"""

import csv
import io
import json
from datetime import date

import pytest
from conftest import is_url, last_days_by_hand, last_days_in_facts
from hypothesis import given
from hypothesis import strategies as st

from lbc_cli.rules.reminders import ChildFacts, _born_by, child_reminders, due_in_order, due_reminders
from lbc_cli.validate import birthday

# SPEC section 6 defaults, written out here (not read from lbc_cli.settings).
DEFAULTS = {
    "video_call_days": 7,
    "parent_feedback_days": 30,
    "priority_visit_days": 30,
    "visit_days": 90,
    "review_days": 180,
    "age_limit": 16,
}
COLUMNS = ["child_id", "name", "rule", "due_date", "days_overdue", "priority", "helpers"]
ENROLLED = "2024-03-01"
AS_OF = "2024-05-15"  # May: no schedule items are seeded for May
# 2024-03-01 -> 2024-05-15: 30 days to 31 March, 30 more to 30 April, 15 more = 75 days.
OVERDUE_SINCE_ENROLMENT = "75"

# The English schedule items `lbc init` seeds (written out by hand from the plan's months 3 and 6).
MARCH_ITEMS = [
    "set up the village care team and survey every household",
    "open a record for every left-behind child",
    "pair children with helpers (loving mothers and others)",
]
JUNE_ITEMS = [
    "update the records: guardians and phone numbers",
    "form a joint care team with the schools",
]


# ---- pure rules ------------------------------------------------------------------------------


def facts(**changes) -> ChildFacts:
    """A paired, non-priority child with a guardian and a care agreement, enrolled and reviewed 2024-03-01,
    who turns 16 on 2030-03-10 and has never been contacted."""
    values = {
        "id": 1,
        "name": "张小明",
        "birth_date": date(2014, 3, 10),
        "enrolled_on": date(2024, 3, 1),
        "priority": False,
        "no_guardian": False,
        "care_agreement_on": date(2024, 3, 1),
        "reviewed_on": date(2024, 3, 1),
        "last_parent_call": None,
        "last_feedback": None,
        "last_visit": None,
        "paired": True,
        "helpers": ("李妈妈",),
    }
    values.update(changes)
    return ChildFacts(**values)


def by_rule(items) -> dict[str, tuple]:
    return {r.rule: (r.due_date, r.days_overdue, r.priority) for r in items}


def test_rules_never_contacted_child_is_due_from_its_enrolment_date():
    items = child_reminders(facts(), DEFAULTS, date(2024, 5, 15))
    # never called, never fed back, never visited: each due on the enrolment date, 75 days before 2024-05-15;
    # record-review 2024-03-01 + 180 = 2024-08-28 is not yet due; paired, agreement, guardian: nothing else.
    assert by_rule(items) == {
        "video-call": (date(2024, 3, 1), 75, "normal"),
        "parent-feedback": (date(2024, 3, 1), 75, "normal"),
        "home-visit": (date(2024, 3, 1), 75, "normal"),
    }
    assert {r.child_id for r in items} == {1}
    assert {r.name for r in items} == {"张小明"}
    assert {r.helpers for r in items} == {("李妈妈",)}


def test_rules_intervals_after_the_last_contacts():
    child = facts(
        last_parent_call=date(2024, 5, 8),  # + 7 = 2024-05-15: due today, 0 days overdue
        last_feedback=date(2024, 4, 10),  # + 30 = 2024-05-10: 5 days overdue
        last_visit=date(2024, 2, 20),  # + 90 = 2024-05-20 (9 days of Feb 2024, 31, 30, 20): not yet due
    )
    assert by_rule(child_reminders(child, DEFAULTS, date(2024, 5, 15))) == {
        "video-call": (date(2024, 5, 15), 0, "normal"),
        "parent-feedback": (date(2024, 5, 10), 5, "normal"),
    }
    # the day before, the call is not due yet (2024-05-15 > 2024-05-14); the feedback is 4 days overdue
    assert by_rule(child_reminders(child, DEFAULTS, date(2024, 5, 14))) == {
        "parent-feedback": (date(2024, 5, 10), 4, "normal"),
    }


def test_rules_within_lists_what_falls_due_in_the_next_days():
    child = facts(last_parent_call=date(2024, 5, 12), last_feedback=date(2024, 5, 1), last_visit=date(2024, 5, 1))
    # call due 2024-05-19 (4 days ahead), feedback 2024-05-31 (16 ahead), visit 2024-07-30 (76 ahead)
    assert by_rule(child_reminders(child, DEFAULTS, date(2024, 5, 15), within=3)) == {}
    assert by_rule(child_reminders(child, DEFAULTS, date(2024, 5, 15), within=4)) == {
        "video-call": (date(2024, 5, 19), -4, "normal"),
    }
    assert by_rule(child_reminders(child, DEFAULTS, date(2024, 5, 15), within=16)) == {
        "video-call": (date(2024, 5, 19), -4, "normal"),
        "parent-feedback": (date(2024, 5, 31), -16, "normal"),
    }


def test_rules_priority_child_is_visited_every_30_days():
    visited = date(2024, 4, 20)
    # priority: 2024-04-20 + 30 = 2024-05-20 (10 days of April, 20 of May); others: + 90 = 2024-07-19
    priority = facts(priority=True, last_visit=visited, last_parent_call=date(2024, 5, 20), last_feedback=visited)
    other = facts(last_visit=visited, last_parent_call=date(2024, 5, 20), last_feedback=visited)
    assert by_rule(child_reminders(priority, DEFAULTS, date(2024, 5, 20))) == {
        "parent-feedback": (date(2024, 5, 20), 0, "high"),
        "home-visit": (date(2024, 5, 20), 0, "high"),
    }
    assert by_rule(child_reminders(other, DEFAULTS, date(2024, 5, 20))) == {
        "parent-feedback": (date(2024, 5, 20), 0, "normal"),
    }
    assert by_rule(child_reminders(other, DEFAULTS, date(2024, 7, 19)))["home-visit"] == (
        date(2024, 7, 19),
        0,
        "normal",
    )
    assert "home-visit" not in by_rule(child_reminders(other, DEFAULTS, date(2024, 7, 18)))


def test_rules_care_agreement_unpaired_and_review():
    child = facts(
        care_agreement_on=None,
        paired=False,
        helpers=(),
        reviewed_on=date(2023, 11, 1),  # + 180 = 2024-04-29 (30, 31, 31, 29, 31 days to 1 April, then 28)
        last_parent_call=date(2024, 5, 15),
        last_feedback=date(2024, 5, 15),
        last_visit=date(2024, 5, 15),
    )
    assert by_rule(child_reminders(child, DEFAULTS, date(2024, 5, 15))) == {
        "care-agreement": (date(2024, 3, 1), 75, "high"),
        "record-review": (date(2024, 4, 29), 16, "normal"),
        "unpaired": (date(2024, 3, 1), 75, "high"),
    }


def test_rules_no_reviewed_on_counts_from_the_enrolment():
    seen = date(2024, 8, 28)
    child = facts(reviewed_on=None, last_parent_call=seen, last_feedback=seen, last_visit=seen)
    # 2024-03-01 + 180 = 2024-08-28 (31, 30, 31, 30, 31, 31 days to 1 September = 184; 184 - 4 = 180 -> 28 August)
    assert by_rule(child_reminders(child, DEFAULTS, date(2024, 8, 28))) == {
        "record-review": (date(2024, 8, 28), 0, "normal"),
    }
    assert by_rule(child_reminders(child, DEFAULTS, date(2024, 8, 27))) == {}


def test_rules_age_out_is_listed_from_30_days_before_the_16th_birthday():
    child = facts(
        birth_date=date(2008, 6, 14),  # turns 16 on 2024-06-14; 30 days before is 2024-05-15
        last_parent_call=date(2024, 5, 14),
        last_feedback=date(2024, 5, 1),
        last_visit=date(2024, 5, 1),
    )
    assert by_rule(child_reminders(child, DEFAULTS, date(2024, 5, 14))) == {}
    assert by_rule(child_reminders(child, DEFAULTS, date(2024, 5, 15))) == {
        "age-out": (date(2024, 6, 14), -30, "normal"),
    }
    assert by_rule(child_reminders(child, DEFAULTS, date(2024, 5, 14), within=1)) == {
        "age-out": (date(2024, 6, 14), -31, "normal"),
    }
    # still in the programme after the birthday: overdue (2024-06-14 -> 2024-06-20 = 6 days)
    assert by_rule(child_reminders(child, DEFAULTS, date(2024, 6, 20)))["age-out"] == (date(2024, 6, 14), 6, "normal")


def test_rules_age_limit_from_the_settings_and_29_february():
    # born 2008-02-29, age_limit 15: no 29 February in 2023, so the 15th birthday counts from 2023-03-01;
    # listed from 2023-03-01 - 30 days = 2023-01-30 (January has 31 days: 1 March - 1 = 28 Feb, - 29 = 30 Jan)
    child = facts(
        birth_date=date(2008, 2, 29),
        enrolled_on=date(2022, 9, 1),
        reviewed_on=date(2022, 12, 1),
        care_agreement_on=date(2022, 9, 1),
        last_parent_call=date(2023, 1, 29),
        last_feedback=date(2023, 1, 20),
        last_visit=date(2023, 1, 20),
    )
    settings = {**DEFAULTS, "age_limit": 15}
    assert by_rule(child_reminders(child, settings, date(2023, 1, 29))) == {}
    assert by_rule(child_reminders(child, settings, date(2023, 1, 30))) == {
        "age-out": (date(2023, 3, 1), -30, "normal"),
    }


def test_rules_no_guardian_is_due_at_once_and_urgent():
    seen = date(2024, 6, 1)
    child = facts(no_guardian=True, last_parent_call=seen, last_feedback=seen, last_visit=seen)
    assert by_rule(child_reminders(child, DEFAULTS, date(2024, 6, 1))) == {
        "no-guardian": (date(2024, 6, 1), 0, "urgent"),
    }
    assert by_rule(child_reminders(child, DEFAULTS, date(2024, 6, 3))) == {
        "no-guardian": (date(2024, 6, 3), 0, "urgent"),
    }


def test_rules_interval_settings_move_the_due_dates():
    child = facts(last_parent_call=date(2024, 5, 8), last_feedback=date(2024, 4, 15), last_visit=date(2024, 2, 20))
    settings = {**DEFAULTS, "video_call_days": 14, "parent_feedback_days": 45, "visit_days": 60, "review_days": 90}
    # call 05-08 + 14 = 05-22; feedback 04-15 + 45 = 05-30; visit 02-20 + 60 = 04-20; review 03-01 + 90 = 05-30
    assert by_rule(child_reminders(child, settings, date(2024, 5, 15), within=30)) == {
        "video-call": (date(2024, 5, 22), -7, "normal"),
        "parent-feedback": (date(2024, 5, 30), -15, "normal"),
        "home-visit": (date(2024, 4, 20), 25, "normal"),
        "record-review": (date(2024, 5, 30), -15, "normal"),
    }


def test_due_reminders_puts_urgent_first_then_the_most_overdue():
    late = facts(id=1, name="甲")  # three items 75 days overdue
    recent = facts(id=2, name="乙", enrolled_on=date(2024, 5, 1), reviewed_on=date(2024, 5, 1))  # 14 days
    alone = facts(
        id=3,
        name="丙",
        no_guardian=True,
        last_parent_call=date(2024, 5, 15),
        last_feedback=date(2024, 5, 15),
        last_visit=date(2024, 5, 15),
    )
    items = due_reminders([recent, late, alone], DEFAULTS, date(2024, 5, 15))
    assert [(r.child_id, r.rule, r.days_overdue) for r in items][:1] == [(3, "no-guardian", 0)]
    assert [r.days_overdue for r in items[1:]] == [75, 75, 75, 14, 14, 14]
    assert [r.child_id for r in items[1:]] == [1, 1, 1, 2, 2, 2]


@given(
    birth=st.dates(min_value=date(1996, 1, 1), max_value=date(2030, 12, 31)),
    day=st.dates(min_value=date(2000, 1, 1), max_value=date(2040, 12, 31)),
    years=st.integers(min_value=1, max_value=18),
)
def test_born_by_is_the_last_birth_date_that_turns_the_age_by_the_day(birth, day, years):
    """The rule pass asks for a child's age-out day only when the child is born on or before _born_by:
    exactly the children who turn ``years`` on or before ``day`` (29 February counting from 1 March)."""
    assert (birth <= _born_by(day, years)) == (birthday(birth, years) <= day)


def test_born_by_on_29_february():
    assert _born_by(date(2028, 2, 29), 16) == date(2012, 2, 29)  # 2012 has one: born that day, 16 on it
    assert _born_by(date(2028, 2, 29), 15) == date(2013, 2, 28)  # 2013 has none: 28 February turns 15 on the 28th
    assert birthday(date(2012, 2, 29), 13) == date(2025, 3, 1)  # 29 February counts from 1 March
    assert _born_by(date(2025, 2, 28), 13) == date(2012, 2, 28)  # so a child born on 29 February 2012 is not in


def test_due_work_in_order_is_the_reminders_order_each_due_made_once():
    """The rules' (child, due) pairs come in the reminders' order: urgent, most overdue, priority, then name,
    child and rule; one Due for every child it is due for on the same terms (a writer renders it once)."""
    alone = facts(id=3, name="丙", no_guardian=True, last_parent_call=date(2024, 5, 15))
    late = facts(id=1, name="甲")  # video-call, parent-feedback, home-visit: 75 days overdue
    twin = facts(id=2, name="甲")  # the same name and items: after child 1
    recent = facts(id=4, name="乙", enrolled_on=date(2024, 5, 1), reviewed_on=date(2024, 5, 1))  # 14 days
    children = [recent, twin, alone, late]
    places, dues = due_in_order(children, DEFAULTS, date(2024, 5, 15))
    listed = due_reminders(children, DEFAULTS, date(2024, 5, 15))
    assert [(children[place].id, *work) for place, work in zip(places, dues, strict=True)] == [
        (item.child_id, item.rule, item.due_date, item.days_overdue, item.priority) for item in listed
    ]
    assert places[:4] == [2, 2, 2, 3]  # 丙 (alone) three times, then 甲 (late, child 1)
    assert dues[4] is dues[7]  # 甲 (1) and 甲 (2): one parent-feedback due 2024-03-01, 75 days, normal
    assert dues[4] == ("parent-feedback", date(2024, 3, 1), 75, "normal")
    got = [f"{item.child_id}:{item.rule}" for item in listed]
    # 丙 (3): no-guardian, urgent, first; its feedback and visit are 75 days overdue, its call not yet due
    assert got[0] == "3:no-guardian"
    # 75 days overdue before 14; ties by name in code point order, 丙 (U+4E19) < 甲 (U+7532), then by child
    assert got[1:] == [
        "3:parent-feedback",
        "3:home-visit",
        "1:video-call",
        "1:parent-feedback",
        "1:home-visit",
        "2:video-call",
        "2:parent-feedback",
        "2:home-visit",
        "4:video-call",
        "4:parent-feedback",
        "4:home-visit",
    ]
    # 1 and 2 share their three Dues; 3 shares two of them and adds no-guardian; 4: its own three
    assert len({id(work) for work in dues}) == 3 + 1 + 3


# ---- CLI helpers -----------------------------------------------------------------------------


def ok(result) -> str:
    assert result.code == 0, result.err
    return result.out.strip()


def enroll(lbc, name: str, *extra: str, birth: str = "2014-03-10", on: str = ENROLLED, guardian: bool = True) -> str:
    """Enrol a child with a guardian, a care agreement and consent (unless guardian=False); returns its id."""
    args = ["enroll", name, "--gender", "M", "--birth", birth, "--enrolled-on", on, "--consent-on", on]
    if guardian:
        args += ["--care-agreement-on", on, "--guardian", "张奶奶", "--guardian-relation", "grandparent"]
        args += ["--guardian-phone", "13800001111"]
    return ok(lbc(*args, *extra))


def helper(lbc, name: str, role: str = "loving-mother") -> str:
    return ok(lbc("helper", "add", name, "--role", role))


def pair(lbc, child: str, helper_ref: str, since: str = ENROLLED) -> None:
    ok(lbc("pair", child, helper_ref, "--since", since))


def contact(lbc, child: str, kind: str, when: str, *extra: str) -> None:
    ok(lbc("log-contact", child, "--kind", kind, "--date", when, *extra))


def up_to_date(lbc, child: str, when: str) -> None:
    """A parent video call, a feedback and a home visit on ``when``."""
    contact(lbc, child, "video-call", when, "--with", "parent")
    contact(lbc, child, "parent-feedback", when)
    contact(lbc, child, "home-visit", when)


def csv_all(lbc, as_of: str, *extra: str) -> list[tuple]:
    result = lbc("remind", "--as-of", as_of, "--format", "csv", *extra)
    assert result.code == 0, result.err
    table = list(csv.reader(io.StringIO(result.out)))
    assert table[0] == COLUMNS
    return [tuple(r) for r in table[1:]]


def items(lbc, as_of: str, *extra: str) -> set[tuple]:
    """The child rows (schedule rows left out) as tuples of the CSV's seven columns."""
    return {r for r in csv_all(lbc, as_of, *extra) if r[2] != "schedule"}


def rule_rows(lbc, as_of: str, rule: str, *extra: str) -> set[tuple]:
    return {r for r in items(lbc, as_of, *extra) if r[2] == rule}


def groups(text: str, *, markdown: bool) -> tuple[str, list[tuple[str, list[str]]]]:
    """(title, [(heading, item lines)]) of remind's text or Markdown output."""
    lines = text.splitlines()
    title = lines[0]
    out: list[tuple[str, list[str]]] = []
    for line in lines[1:]:
        if not line.strip():
            continue
        if markdown:
            if line.startswith("## "):
                out.append((line[3:], []))
            else:
                assert line.startswith("- "), line
                out[-1][1].append(line[2:])
        elif line.startswith("  "):
            out[-1][1].append(line.strip())
        else:
            out.append((line, []))
    return title, out


def group_of(found: list[tuple[str, list[str]]], name: str) -> list[str]:
    matches = [lines for heading, lines in found if heading.startswith(name)]
    assert len(matches) == 1, (name, [h for h, _ in found])
    return matches[0]


# ---- every rule, through the commands ----------------------------------------------------------


def test_csv_never_contacted_child(lbc):
    child = enroll(lbc, "张小明")
    helper(lbc, "李妈妈")
    pair(lbc, child, "李妈妈")
    # never called, fed back or visited: due on the enrolment date 2024-03-01, 75 days before 2024-05-15
    assert set(csv_all(lbc, AS_OF)) == {
        (child, "张小明", "video-call", ENROLLED, "75", "normal", "李妈妈"),
        (child, "张小明", "parent-feedback", ENROLLED, "75", "normal", "李妈妈"),
        (child, "张小明", "home-visit", ENROLLED, "75", "normal", "李妈妈"),
    }


def test_json_has_the_csv_keys(lbc):
    child = enroll(lbc, "张小明")
    helper(lbc, "李妈妈")
    helper(lbc, "王老师", "class-teacher")
    pair(lbc, child, "李妈妈")
    pair(lbc, child, "王老师")
    up_to_date(lbc, child, "2024-05-10")
    result = lbc("remind", "--as-of", AS_OF, "--format", "json")
    assert result.code == 0, result.err
    data = json.loads(result.out)
    # call 2024-05-10 + 7 = 2024-05-17, feedback + 30, visit + 90: nothing due; review 2024-08-28
    assert data == []
    result = lbc("remind", "--as-of", "2024-05-18", "--format", "json")
    data = json.loads(result.out)
    assert [list(d) for d in data] == [COLUMNS]
    row = data[0]
    assert {k: row[k] for k in COLUMNS if k not in ("child_id", "days_overdue")} == {
        "name": "张小明",
        "rule": "video-call",
        "due_date": "2024-05-17",
        "priority": "normal",
        "helpers": "李妈妈;王老师",
    }
    assert str(row["child_id"]) == child
    assert int(row["days_overdue"]) == 1


def test_video_call_due_seven_days_after_the_last_parent_call(lbc):
    child = enroll(lbc, "张小明")
    helper(lbc, "李妈妈")
    pair(lbc, child, "李妈妈")
    contact(lbc, child, "video-call", "2024-05-08", "--with", "parent")
    # 2024-05-08 + 7 = 2024-05-15
    assert rule_rows(lbc, "2024-05-14", "video-call") == set()
    assert rule_rows(lbc, "2024-05-15", "video-call") == {
        (child, "张小明", "video-call", "2024-05-15", "0", "normal", "李妈妈")
    }
    assert rule_rows(lbc, "2024-05-17", "video-call") == {
        (child, "张小明", "video-call", "2024-05-15", "2", "normal", "李妈妈")
    }


def test_phone_call_with_a_parent_counts_as_the_call(lbc):
    child = enroll(lbc, "张小明")
    contact(lbc, child, "phone-call", "2024-05-10", "--with", "parent")
    # 2024-05-10 + 7 = 2024-05-17
    assert rule_rows(lbc, "2024-05-16", "video-call") == set()
    assert {r[3:5] for r in rule_rows(lbc, "2024-05-17", "video-call")} == {("2024-05-17", "0")}


def test_phone_call_with_the_guardian_is_not_a_parent_contact(lbc):
    child = enroll(lbc, "张小明")
    contact(lbc, child, "phone-call", "2024-05-10", "--with", "guardian")
    contact(lbc, child, "video-call", "2024-05-11", "--with", "guardian")
    # no call with a parent: still due on the enrolment date
    assert {r[3:5] for r in rule_rows(lbc, AS_OF, "video-call")} == {(ENROLLED, OVERDUE_SINCE_ENROLMENT)}


def test_a_contact_after_the_as_of_date_does_not_count(lbc):
    child = enroll(lbc, "张小明")
    contact(lbc, child, "video-call", "2024-05-20", "--with", "parent")
    assert {r[3:5] for r in rule_rows(lbc, AS_OF, "video-call")} == {(ENROLLED, OVERDUE_SINCE_ENROLMENT)}


def test_no_answer_satisfies_nothing(lbc):
    missed = enroll(lbc, "张小明")
    reached = enroll(lbc, "李小红", birth="2013-07-01")
    helper(lbc, "李妈妈")
    pair(lbc, missed, "李妈妈")
    pair(lbc, reached, "李妈妈")
    for kind in ("video-call", "phone-call", "parent-feedback", "home-visit"):
        contact(lbc, missed, kind, "2024-05-14", "--with", "parent", "--no-answer")
        contact(lbc, reached, kind, "2024-05-14", "--with", "parent")
    # the missed child: every attempt reached nobody, so all three are due from the enrolment date;
    # the reached child: call due 2024-05-21, feedback 2024-06-13, visit 2024-08-12: nothing
    assert items(lbc, AS_OF) == {
        (missed, "张小明", "video-call", ENROLLED, "75", "normal", "李妈妈"),
        (missed, "张小明", "parent-feedback", ENROLLED, "75", "normal", "李妈妈"),
        (missed, "张小明", "home-visit", ENROLLED, "75", "normal", "李妈妈"),
    }


def test_parent_feedback_due_30_days_after_the_last(lbc):
    child = enroll(lbc, "张小明")
    helper(lbc, "李妈妈")
    pair(lbc, child, "李妈妈")
    contact(lbc, child, "parent-feedback", "2024-04-15")
    # 2024-04-15 + 30 = 2024-05-15 (15 days to 30 April, 15 of May)
    assert rule_rows(lbc, "2024-05-14", "parent-feedback") == set()
    assert rule_rows(lbc, "2024-05-15", "parent-feedback") == {
        (child, "张小明", "parent-feedback", "2024-05-15", "0", "normal", "李妈妈")
    }


def test_home_visit_due_90_days_after_the_last(lbc):
    child = enroll(lbc, "张小明", on="2024-02-01")  # the visit is in its time in the programme (SPEC section 10)
    helper(lbc, "李妈妈")
    pair(lbc, child, "李妈妈")
    contact(lbc, child, "home-visit", "2024-02-20", "--with", "guardian")
    # 2024-02-20 + 90 = 2024-05-20 (9 days of February 2024, 31 of March, 30 of April, 20 of May)
    assert rule_rows(lbc, "2024-05-19", "home-visit") == set()
    assert rule_rows(lbc, "2024-05-20", "home-visit") == {
        (child, "张小明", "home-visit", "2024-05-20", "0", "normal", "李妈妈")
    }


@pytest.mark.parametrize("extra", [["--flag", "hardship"], ["--flag", "problem"], ["--guardian-rating", "poor"]])
def test_priority_child_is_visited_every_30_days(lbc, extra):
    child = enroll(lbc, "张小明", *extra)
    other = enroll(lbc, "李小红", birth="2013-07-01")
    helper(lbc, "李妈妈")
    for kid in (child, other):
        pair(lbc, kid, "李妈妈")
        contact(lbc, kid, "home-visit", "2024-04-20")
    # priority: 2024-04-20 + 30 = 2024-05-20; the other child: + 90 = 2024-07-19 (10 + 31 + 30 + 19)
    assert rule_rows(lbc, "2024-05-19", "home-visit") == set()
    assert rule_rows(lbc, "2024-05-20", "home-visit") == {
        (child, "张小明", "home-visit", "2024-05-20", "0", "high", "李妈妈")
    }
    assert {r[0] for r in rule_rows(lbc, "2024-07-18", "home-visit")} == {child}
    assert {(r[0], r[3]) for r in rule_rows(lbc, "2024-07-19", "home-visit")} == {
        (child, "2024-05-20"),
        (other, "2024-07-19"),
    }


def test_care_agreement_missing_is_due_from_the_enrolment(lbc):
    child = enroll(lbc, "张小明", "--guardian", "张奶奶", "--guardian-relation", "grandparent", guardian=False)
    helper(lbc, "李妈妈")
    pair(lbc, child, "李妈妈")
    up_to_date(lbc, child, "2024-05-15")
    assert items(lbc, AS_OF) == {(child, "张小明", "care-agreement", ENROLLED, "75", "high", "李妈妈")}
    ok(lbc("child", "update", child, "--care-agreement-on", "2024-05-15"))
    assert items(lbc, AS_OF) == set()


def test_record_review_due_180_days_after_enrolment_or_the_last_review(lbc):
    child = enroll(lbc, "张小明")
    helper(lbc, "李妈妈")
    pair(lbc, child, "李妈妈")
    # 2024-03-01 + 180 = 2024-08-28 (31 + 30 + 31 + 30 + 31 days to 1 August = 153, + 27 = 180)
    assert rule_rows(lbc, "2024-08-27", "record-review") == set()
    assert rule_rows(lbc, "2024-08-28", "record-review") == {
        (child, "张小明", "record-review", "2024-08-28", "0", "normal", "李妈妈")
    }
    ok(lbc("child", "review", child, "--date", "2024-06-01"))
    # 2024-06-01 + 180 = 2024-11-28 (30 + 31 + 31 + 30 + 31 days to 1 November = 153, + 27 = 180)
    assert rule_rows(lbc, "2024-08-28", "record-review") == set()
    assert rule_rows(lbc, "2024-11-27", "record-review") == set()
    assert rule_rows(lbc, "2024-11-28", "record-review") == {
        (child, "张小明", "record-review", "2024-11-28", "0", "normal", "李妈妈")
    }


def test_unpaired_child_is_due_from_the_enrolment_until_a_pairing_starts(lbc):
    child = enroll(lbc, "张小明")
    helper(lbc, "李妈妈")
    pair(lbc, child, "李妈妈", since="2024-04-01")
    up_to_date(lbc, child, "2024-03-31")
    # 2024-03-01 -> 2024-03-31: 30 days; the pairing starts only on 1 April
    assert items(lbc, "2024-03-31") == {(child, "张小明", "unpaired", ENROLLED, "30", "high", "")}
    assert rule_rows(lbc, "2024-04-01", "unpaired") == set()


def test_an_ended_pairing_makes_the_child_unpaired(lbc):
    child = enroll(lbc, "张小明")
    helper(lbc, "李妈妈")
    helper(lbc, "王老师", "class-teacher")
    pair(lbc, child, "李妈妈")
    pair(lbc, child, "王老师")
    ok(lbc("pair", "end", child, "王老师", "--date", "2024-04-10"))
    up_to_date(lbc, child, "2024-05-10")
    # call due 2024-05-17: with --within 2 from 2024-05-15 it is listed, with only the helper still paired
    assert items(lbc, AS_OF, "--within", "2") == {
        (child, "张小明", "video-call", "2024-05-17", "-2", "normal", "李妈妈")
    }
    ok(lbc("pair", "end", child, "李妈妈", "--date", "2024-05-01"))
    assert rule_rows(lbc, "2024-04-30", "unpaired") == set()
    # no pairing in force on 2024-05-15: unpaired, due the day the last pairing ended (SPEC section 6), not the
    # enrolment: 2024-05-01 -> 2024-05-15 is 14 days; no helpers
    assert items(lbc, AS_OF) == {(child, "张小明", "unpaired", "2024-05-01", "14", "high", "")}
    result = lbc("remind", "--as-of", AS_OF)
    _title, found = groups(ok(result), markdown=False)
    assert [h.split(" · ")[0] for h, _ in found] == ["Children with no helper"]


def test_age_out_listed_from_30_days_before_the_16th_birthday(lbc):
    child = enroll(lbc, "张小明", birth="2008-06-14")
    helper(lbc, "李妈妈")
    pair(lbc, child, "李妈妈")
    up_to_date(lbc, child, "2024-05-14")
    # turns 16 on 2024-06-14; 30 days before is 2024-05-15 (14 days of June back to 31 May, 16 more of May)
    assert rule_rows(lbc, "2024-05-14", "age-out") == set()
    assert rule_rows(lbc, "2024-05-14", "age-out", "--within", "1") == {
        (child, "张小明", "age-out", "2024-06-14", "-31", "normal", "李妈妈")
    }
    assert rule_rows(lbc, "2024-05-15", "age-out") == {
        (child, "张小明", "age-out", "2024-06-14", "-30", "normal", "李妈妈")
    }


@pytest.mark.parametrize(
    "extra",
    [
        ["--guardian-relation", "none"],  # relation none, no name
        ["--guardian", "张奶奶", "--guardian-relation", "none"],  # a name, but relation none
        ["--guardian-relation", "grandparent"],  # no guardian name
        ["--guardian", "张奶奶", "--guardian-relation", "grandparent", "--flag", "lives-alone"],
    ],
    ids=["relation-none", "relation-none-named", "no-name", "lives-alone"],
)
def test_no_guardian_is_urgent_and_due_at_once(lbc, extra):
    child = enroll(lbc, "张小明", "--care-agreement-on", ENROLLED, *extra, guardian=False)
    helper(lbc, "李妈妈")
    pair(lbc, child, "李妈妈")
    assert rule_rows(lbc, AS_OF, "no-guardian") == {(child, "张小明", "no-guardian", AS_OF, "0", "urgent", "李妈妈")}
    assert rule_rows(lbc, "2024-03-01", "no-guardian") == {
        (child, "张小明", "no-guardian", "2024-03-01", "0", "urgent", "李妈妈")
    }


def test_exited_children_are_never_listed(lbc):
    gone = enroll(lbc, "张小明")
    stays = enroll(lbc, "李小红", birth="2013-07-01")
    helper(lbc, "李妈妈")
    pair(lbc, gone, "李妈妈")
    pair(lbc, stays, "李妈妈")
    ok(lbc("child", "exit", gone, "--reason", "parents-returned", "--date", "2024-04-30"))
    # the exit date is its last day in the programme (SPEC section 10): listed that day, never after
    assert {r[0] for r in items(lbc, "2024-04-30")} == {gone, stays}
    for as_of in ("2024-05-01", AS_OF, "2024-06-20"):
        assert {r[0] for r in items(lbc, as_of)} == {stays}, as_of
    _title, found = groups(ok(lbc("remind", "--as-of", AS_OF)), markdown=False)
    assert "张小明" not in "\n".join(line for _h, lines in found for line in lines)


def test_a_child_is_not_listed_before_its_enrolment(lbc):
    enroll(lbc, "张小明", on="2024-04-01")
    assert items(lbc, "2024-03-31") == set()


# ---- --within, config --------------------------------------------------------------------------


def test_within_lists_items_falling_due_in_the_next_days(lbc):
    child = enroll(lbc, "张小明")
    helper(lbc, "李妈妈")
    pair(lbc, child, "李妈妈")
    contact(lbc, child, "video-call", "2024-05-14", "--with", "parent")
    contact(lbc, child, "parent-feedback", "2024-04-25")
    contact(lbc, child, "home-visit", "2024-05-01")
    # call 2024-05-21 (6 days after 2024-05-15), feedback 2024-05-25 (10 days), visit 2024-07-30 (76 days)
    assert items(lbc, AS_OF) == set()
    assert items(lbc, AS_OF, "--within", "5") == set()
    assert items(lbc, AS_OF, "--within", "6") == {
        (child, "张小明", "video-call", "2024-05-21", "-6", "normal", "李妈妈")
    }
    assert items(lbc, AS_OF, "--within", "10") == {
        (child, "张小明", "video-call", "2024-05-21", "-6", "normal", "李妈妈"),
        (child, "张小明", "parent-feedback", "2024-05-25", "-10", "normal", "李妈妈"),
    }


CONFIG_CASES = {
    # call 2024-05-08: + 7 = 2024-05-15; + 14 = 2024-05-22
    "video_call_days": ("14", [], ("video-call", "2024-05-08"), "video-call", "2024-05-15", "2024-05-22"),
    # feedback 2024-04-15: + 30 = 2024-05-15; + 45 = 2024-05-30
    "parent_feedback_days": ("45", [], ("parent-feedback", "2024-04-15"), "parent-feedback", AS_OF, "2024-05-30"),
    # visit 2024-03-05 (after the enrolment: SPEC section 10): + 90 = 2024-06-03 (26 + 30 + 31 + 3); + 60 = 2024-05-04
    # (26 + 30 + 4)
    "visit_days": ("60", [], ("home-visit", "2024-03-05"), "home-visit", "2024-06-03", "2024-05-04"),
    # priority child, visit 2024-04-20: + 30 = 2024-05-20; + 14 = 2024-05-04
    "priority_visit_days": (
        "14",
        ["--flag", "hardship"],
        ("home-visit", "2024-04-20"),
        "home-visit",
        "2024-05-20",
        "2024-05-04",
    ),
    # enrolled 2024-03-01: + 180 = 2024-08-28; + 90 = 2024-05-30 (31 + 30 + 29)
    "review_days": ("90", [], None, "record-review", "2024-08-28", "2024-05-30"),
    # born 2009-06-14: 16 on 2025-06-14, 15 on 2024-06-14
    "age_limit": ("15", [], None, "age-out", "2025-06-14", "2024-06-14"),
}


@pytest.mark.parametrize("key", list(CONFIG_CASES))
def test_config_changes_move_due_dates(lbc, key):
    value, extra, setup, rule, default_due, new_due = CONFIG_CASES[key]
    child = enroll(lbc, "张小明", *extra, birth="2009-06-14" if key == "age_limit" else "2014-03-10")
    if setup:
        contact(lbc, child, *setup)
    # --within 400 from 2024-05-15 reaches 2025-06-19: every due date here is listed
    assert {r[3] for r in rule_rows(lbc, AS_OF, rule, "--within", "400")} == {default_due}
    ok(lbc("config", "set", key, value))
    assert {r[3] for r in rule_rows(lbc, AS_OF, rule, "--within", "400")} == {new_due}


# ---- --helper, schedule, --fail-if-due -----------------------------------------------------------


@pytest.fixture
def network(lbc):
    """李妈妈: 张小明 and 刘小刚; 王老师: 张小明 and 陈小花; 赵小红 unpaired. Returns the child ids."""
    ids = {
        "张小明": enroll(lbc, "张小明"),
        "刘小刚": enroll(lbc, "刘小刚", "--flag", "lives-alone", birth="2013-05-05", on="2024-04-01"),
        "陈小花": enroll(lbc, "陈小花", birth="2012-09-09"),
        "赵小红": enroll(lbc, "赵小红", birth="2015-01-01"),
    }
    helper(lbc, "李妈妈")
    helper(lbc, "王老师", "class-teacher")
    pair(lbc, ids["张小明"], "李妈妈")
    pair(lbc, ids["张小明"], "王老师")
    pair(lbc, ids["刘小刚"], "李妈妈", since="2024-04-01")
    pair(lbc, ids["陈小花"], "王老师")
    contact(lbc, ids["张小明"], "video-call", "2024-05-01", "--with", "parent")  # due 2024-05-08: 7 days overdue
    return ids


def test_helper_option_restricts_to_that_helpers_children(lbc, network):
    assert {r[0] for r in items(lbc, AS_OF)} == set(network.values())
    assert {r[0] for r in items(lbc, AS_OF, "--helper", "李妈妈")} == {network["张小明"], network["刘小刚"]}
    assert {r[0] for r in items(lbc, AS_OF, "--helper", "王老师")} == {network["张小明"], network["陈小花"]}
    title, found = groups(ok(lbc("remind", "--as-of", AS_OF, "--helper", "王老师")), markdown=False)
    assert [h.split(" · ")[0] for h, _ in found] == ["王老师(class teacher)"]
    assert lbc("remind", "--as-of", AS_OF, "--helper", "没有这个人").code == 1


def test_helper_option_keeps_the_helpers_column_whole(lbc, network):
    # 张小明 is paired with 李妈妈 and 王老师 on 2024-05-15: the column names both (pinyin order: li, wang)
    found = {r[6] for r in items(lbc, AS_OF, "--helper", "李妈妈") if r[0] == network["张小明"]}
    assert found == {"李妈妈;王老师"}


def test_bad_options_are_usage_errors(lbc):
    assert lbc("remind", "--as-of", AS_OF, "--within", "-1").code == 2
    assert lbc("remind", "--as-of", AS_OF, "--format", "xml").code == 2
    assert lbc("remind", "--as-of", "2024-13-01").code == 2


def test_text_is_grouped_by_helper_urgent_first_then_most_overdue(lbc, network):
    result = lbc("remind", "--as-of", AS_OF)
    title, found = groups(ok(result), markdown=False)
    assert title == "Care work due (2024-05-15)"
    assert {h.split(" · ")[0] for h, _ in found} == {
        "李妈妈(loving mother)",
        "王老师(class teacher)",
        "Children with no helper",
    }
    mother = group_of(found, "李妈妈")
    teacher = group_of(found, "王老师")
    unpaired = group_of(found, "Children with no helper")
    # 张小明 (two helpers) is under both; 刘小刚 only under 李妈妈, 陈小花 only under 王老师, 赵小红 only unpaired
    assert {line.split(" (")[0].split("] ")[1] for line in mother} == {"张小明", "刘小刚"}
    assert {line.split(" (")[0].split("] ")[1] for line in teacher} == {"张小明", "陈小花"}
    assert {line.split(" (")[0].split("] ")[1] for line in unpaired} == {"赵小红"}
    # urgent first: 刘小刚 lives alone, due today (2024-05-15)
    assert mother[0] == f"[urgent] 刘小刚 ({network['刘小刚']}): no guardian, 2024-05-15, due today"
    assert not any("[urgent]" in line for line in mother[1:])
    # 张小明's items: feedback and visit 75 days overdue, then the call due 2024-05-08, 7 days overdue
    zhang = [line for line in mother if "张小明" in line]
    assert zhang == [
        f"[normal] 张小明 ({network['张小明']}): feedback to parents, 2024-03-01, 75 days overdue",
        f"[normal] 张小明 ({network['张小明']}): home visit, 2024-03-01, 75 days overdue",
        f"[normal] 张小明 ({network['张小明']}): parent video call, 2024-05-08, 7 days overdue",
    ]
    assert [line for line in teacher if "张小明" in line] == zhang
    assert f"[high] 赵小红 ({network['赵小红']}): no helper yet, 2024-03-01, 75 days overdue" in unpaired


def test_markdown_headings_per_helper(lbc, network):
    result = lbc("remind", "--as-of", AS_OF, "--format", "md")
    text = ok(result)
    assert text.splitlines()[0] == "# Care work due (2024-05-15)"
    assert sum(1 for line in text.splitlines() if line.startswith("# ")) == 1
    _title, found = groups(text, markdown=True)
    assert {h.split(" · ")[0] for h, _ in found} == {
        "李妈妈(loving mother)",
        "王老师(class teacher)",
        "Children with no helper",
    }
    mother = group_of(found, "李妈妈")
    assert "刘小刚" in mother[0] and "urgent" in mother[0] and "no guardian" in mother[0]
    assert sum("张小明" in line for line in group_of(found, "王老师")) == 3
    # 赵小红: call, feedback, visit and unpaired
    assert sum("赵小红" in line for line in group_of(found, "Children with no helper")) == 4


def test_schedule_items_of_the_as_of_month(lbc):
    march = csv_all(lbc, "2024-03-15")
    assert [(r[0], r[1], r[2], r[6]) for r in march] == [("", text, "schedule", "") for text in MARCH_ITEMS]
    assert all(r[3].startswith("2024-03-") for r in march)
    assert csv_all(lbc, AS_OF) == []
    # 2024-05-25 + 10 days reaches June
    june = csv_all(lbc, "2024-05-25", "--within", "10")
    assert [(r[0], r[1], r[2]) for r in june] == [("", text, "schedule") for text in JUNE_ITEMS]
    data = json.loads(ok(lbc("remind", "--as-of", "2024-03-15", "--format", "json")))
    assert [list(d) for d in data] == [COLUMNS] * 3
    assert [(d["child_id"], d["name"], d["rule"]) for d in data] == [(None, t, "schedule") for t in MARCH_ITEMS]
    text = ok(lbc("remind", "--as-of", "2024-03-15"))
    for item in MARCH_ITEMS:
        assert item in text


def test_fail_if_due_exits_0_when_nothing_is_due(lbc):
    child = enroll(lbc, "张小明", on=AS_OF)
    helper(lbc, "李妈妈")
    pair(lbc, child, "李妈妈", since=AS_OF)
    up_to_date(lbc, child, AS_OF)
    result = lbc("remind", "--as-of", AS_OF, "--fail-if-due", "--format", "csv")
    assert result.code == 0, result.err
    assert list(csv.reader(io.StringIO(result.out))) == [COLUMNS]


def test_fail_if_due_ignores_schedule_items(lbc):
    result = lbc("remind", "--as-of", "2024-03-15", "--fail-if-due", "--format", "csv")
    assert result.code == 0, result.err
    assert len(result.out.splitlines()) == 1 + len(MARCH_ITEMS)


@pytest.mark.parametrize("fmt", ["text", "csv"])
def test_fail_if_due_exits_4_when_a_child_item_is_due(lbc, fmt):
    enroll(lbc, "张小明")
    result = lbc("remind", "--as-of", AS_OF, "--fail-if-due", "--format", fmt)
    assert "张小明" in result.out
    assert result.code == 4


def test_village_keeps_one_village_or_a_whole_township(lbc):
    a = enroll(lbc, "甲", "--village", "北塘乡彭寨村")
    b = enroll(lbc, "乙", "--village", "北塘乡上铺村")
    c = enroll(lbc, "丙", "--village", "石桥镇柳河村")
    d = enroll(lbc, "丁", "--village", "北塘")  # a shorter name is not inside 北塘乡
    for child in (a, b, c, d):
        pair(lbc, child, helper(lbc, f"帮扶人{child}"))
    everyone = {r[0] for r in items(lbc, AS_OF)}
    assert everyone == {a, b, c, d}
    township = items(lbc, AS_OF, "--village", "北塘乡")
    assert {r[0] for r in township} == {a, b}
    assert {r[6] for r in township} == {f"帮扶人{a}", f"帮扶人{b}"}  # each child's own helper, no other
    assert {r[0] for r in items(lbc, AS_OF, "--village", "北塘乡彭寨村")} == {a}
    assert items(lbc, AS_OF, "--village", "北塘乡柳河村") == set()


REMIND_IMPORTS = """
import contextlib, io, json, sys
from lbc_cli.cli import main
codes = []
for fmt in ("text", "md", "csv", "json"):
    with contextlib.redirect_stdout(io.StringIO()):
        codes.append(main(["--db", sys.argv[1], "remind", "--as-of", "2024-05-15", "--format", fmt, "--within", "7"]))
heavy = sorted(m for m in ("sqlalchemy", "sqlmodel", "jinja2", "pypinyin") if m in sys.modules)
with open(sys.argv[2], "w") as fh:
    json.dump({"codes": codes, "heavy": heavy}, fh)
"""


def test_remind_imports_no_sqlmodel_and_on_a_sqlite_file_no_sqlalchemy(db, network, tmp_path):
    """A SQLite file is read on a bare sqlite3 connection; a server through SQLAlchemy's Core, never the ORM."""
    import subprocess
    import sys

    report = tmp_path / "report.json"
    done = subprocess.run(
        [sys.executable, "-c", REMIND_IMPORTS, str(db), str(report)], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    heavy = ["sqlalchemy"] if is_url(db) else []
    assert json.loads(report.read_text()) == {"codes": [0, 0, 0, 0], "heavy": heavy}


def test_facts_read_on_a_bare_connection_are_the_facts_read_in_a_session(lbc, db, network):
    """reminder_facts' SQL text gives the same facts on Database.reader (a SQLite file) as through a session
    (what PostgreSQL, --helper and the summary use), for the whole, a village, a township and a helper; and
    they are the facts store's SQLAlchemy queries give, from the same conditions."""
    from lbc_cli import reminder_facts, store
    from lbc_cli.db import Database, text_rows

    assert lbc("child", "update", network["陈小花"], "--village", "东村").code == 0
    as_of = date(2024, 5, 15)
    asks = [{}, {"village": "东"}, {"village": "东村"}, {"village": "西"}]
    database = Database(str(db)).open()
    try:
        with database.session() as session:
            dialect = session.get_bind().dialect.name
            helper_id = store.resolve(store.Helper, "王老师", session=session).id
            asks.append({"helper_id": helper_id})
            in_session = [reminder_facts.facts(text_rows(session), dialect, as_of, **ask) for ask in asks]
            _same_as_store(session, as_of, in_session[0])
        if database.path is not None:
            with database.reader() as read:
                bare = [reminder_facts.facts(read, "sqlite", as_of, **ask) for ask in asks]
            assert bare == in_session
    finally:
        database.dispose()
    by_name = [{f.name: f for f in found} for found in in_session]
    assert sorted(by_name[0]) == ["刘小刚", "张小明", "赵小红", "陈小花"]
    assert sorted(by_name[1]) == sorted(by_name[2]) == ["陈小花"]  # 东村; the others have no village
    assert by_name[3] == {}
    assert sorted(by_name[4]) == ["张小明", "陈小花"]  # 王老师's children
    whole = by_name[0]
    assert whole["张小明"].helpers == ("李妈妈", "王老师") and whole["张小明"].paired  # pinyin: li, wang
    assert whole["赵小红"].helpers == () and not whole["赵小红"].paired
    assert whole["张小明"].last_parent_call == date(2024, 5, 1)
    assert whole["刘小刚"].no_guardian and whole["刘小刚"].priority  # lives alone
    assert not whole["张小明"].no_guardian and not whole["张小明"].priority


def _same_as_store(session, as_of: date, found: list) -> None:
    """The facts ``found`` agree with store's SQLAlchemy queries of the same conditions: who is in the
    programme, who is a priority child, each child's helpers and whether it is paired."""
    from sqlalchemy import select

    from lbc_cli import store

    helpers = store.active_helper_names(session=session, as_of=as_of)
    listed = set(session.execute(select(store.Child.id).where(store.active_on(as_of))).scalars())
    assert {f.id for f in found} == listed
    for child in found:
        assert child.helpers == tuple(helpers.get(child.id, ()))
        assert child.paired == (child.id in helpers)
        assert child.priority == store.is_priority(child.id, session=session)


def test_the_conditions_are_one_on_either_path_for_the_edge_cases(lbc, db):
    """The days things begin and end, and the contacts that do not count: the facts on a bare sqlite3
    connection (a SQLite file), through a session (either backend), and store's SQLAlchemy conditions agree,
    with the values worked out by hand. On 2024-05-15:
    - 甲 left on 2024-05-15 (its last day in the programme: still in it, SPEC section 10), 乙 leaves on 2024-05-16
      (still in it), 丙 is enrolled on 2024-05-16 (not yet in it), 丁 is enrolled that day;
    - 乙's pairing with 李妈妈 ends on 2024-05-15 (not in force), 丁's with 王老师 begins that day (in force);
    - 乙: a video call with a guardian (not a parent) on 05-10, a phone call with a parent that reached nobody
      on 05-12, a phone call with a parent on 05-01, feedback on 05-16 (after the day) and on 04-20;
    - 丁: flagged hardship (a priority child), a home visit on 05-15 (the day itself counts)."""
    from lbc_cli import store
    from lbc_cli.db import Database

    ids = {name: enroll(lbc, name) for name in ("甲", "乙")}
    ids["丙"] = enroll(lbc, "丙", on="2024-05-16")
    ids["丁"] = enroll(lbc, "丁", "--flag", "hardship", on="2024-05-15")
    helper(lbc, "李妈妈")
    helper(lbc, "王老师", "class-teacher")
    pair(lbc, ids["乙"], "李妈妈")
    pair(lbc, ids["丁"], "王老师", since="2024-05-15")
    ok(lbc("pair", "end", ids["乙"], "李妈妈", "--date", "2024-05-15"))
    contact(lbc, ids["乙"], "video-call", "2024-05-10", "--with", "guardian")
    contact(lbc, ids["乙"], "phone-call", "2024-05-12", "--with", "parent", "--no-answer")
    contact(lbc, ids["乙"], "phone-call", "2024-05-01", "--with", "parent")
    contact(lbc, ids["乙"], "parent-feedback", "2024-05-16")
    contact(lbc, ids["乙"], "parent-feedback", "2024-04-20")
    contact(lbc, ids["丁"], "home-visit", "2024-05-15")
    ok(lbc("child", "exit", ids["甲"], "--reason", "moved", "--date", "2024-05-15"))
    ok(lbc("child", "exit", ids["乙"], "--reason", "moved", "--date", "2024-05-16"))
    as_of = date(2024, 5, 15)
    database = Database(str(db)).open()
    try:
        with database.session() as session:
            found = store.reminder_facts(session=session, as_of=as_of)
            _same_as_store(session, as_of, found)
        if database.path is not None:
            from lbc_cli import reminder_facts

            with database.reader() as read:
                assert reminder_facts.facts(read, "sqlite", as_of) == found
    finally:
        database.dispose()
    by_name = {f.name: f for f in found}
    assert sorted(by_name) == ["丁", "乙", "甲"]
    second, fourth = by_name["乙"], by_name["丁"]
    first = by_name["甲"]
    assert (first.paired, first.helpers, first.last_parent_call, first.last_feedback, first.last_visit) == (
        False,
        (),
        None,
        None,
        None,
    )
    assert (second.paired, second.helpers, second.priority) == (False, (), False)
    assert (second.last_parent_call, second.last_feedback, second.last_visit) == (
        date(2024, 5, 1),
        date(2024, 4, 20),
        None,
    )
    assert (fourth.paired, fourth.helpers, fourth.priority) == (True, ("王老师",), True)
    assert (fourth.last_parent_call, fourth.last_feedback, fourth.last_visit) == (None, None, date(2024, 5, 15))


# ---- each child's last contacts ----------------------------------------------------------------------

KINDS = ("video-call", "phone-call", "parent-feedback", "home-visit", "school-visit", "activity")
WHOM = ("parent", "child", "guardian", None)
_contact = st.tuples(
    st.sampled_from([1, 2, 3]),
    st.sampled_from(KINDS),
    st.dates(min_value=date(2024, 1, 1), max_value=date(2024, 1, 20)),
    st.sampled_from(WHOM),
    st.booleans(),
)


@pytest.mark.sqlite_only("contacts written straight into the SQLite file, many times over")
def test_the_facts_last_contacts_are_those_worked_out_by_hand_for_any_contacts(lbc, db):
    """Whatever contacts there are (every kind, with anyone, reached or not), remind's facts hold each
    child's last days as worked out by hand from them, on both ways of reading them."""
    import sqlite3
    from contextlib import closing

    from hypothesis import HealthCheck, settings

    for name in ("甲", "乙", "丙"):
        enroll(lbc, name, on="2023-12-01")

    @settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(st.lists(_contact, max_size=25))
    def check(contacts):
        with closing(sqlite3.connect(db, isolation_level=None)) as connection:
            connection.execute("DELETE FROM contacts")
            connection.executemany(
                "INSERT INTO contacts (uid, child_id, kind, date, with_whom, no_answer)"
                " VALUES (hex(randomblob(16)), ?, ?, ?, ?, ?)",
                [(child, kind, day.isoformat(), whom, no_answer) for child, kind, day, whom, no_answer in contacts],
            )
        assert last_days_in_facts(db) == last_days_by_hand(db)

    check()


def test_the_facts_on_a_date_before_some_contacts_leave_those_out(lbc, db, network):
    """A date before some contacts (a report for last month): each child's last days are those on or before
    it, on either backend."""
    from lbc_cli import store
    from lbc_cli.db import Database

    child = network["张小明"]  # a parent call on 2024-05-01
    contact(lbc, child, "video-call", "2024-05-10", "--with", "parent")
    contact(lbc, child, "home-visit", "2024-04-02")
    contact(lbc, network["陈小花"], "parent-feedback", "2024-05-12")
    database = Database(str(db)).open()
    days = [date(2024, 4, 1), date(2024, 5, 1), date(2024, 5, 9), date(2024, 5, 10), date(2024, 5, 15)]
    try:
        with database.session() as session:
            found = [store.reminder_facts(session=session, as_of=day) for day in days]
    finally:
        database.dispose()
    calls = [{f.id: f.last_parent_call for f in facts}[int(child)] for facts in found]
    assert calls == [None, date(2024, 5, 1), date(2024, 5, 1), date(2024, 5, 10), date(2024, 5, 10)]
    visits = [{f.id: f.last_visit for f in facts}[int(child)] for facts in found]
    assert visits == [None, date(2024, 4, 2), date(2024, 4, 2), date(2024, 4, 2), date(2024, 4, 2)]
