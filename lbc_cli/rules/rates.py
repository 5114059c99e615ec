"""The work summary's rates (SPEC section 7), as pure functions: fractions 0..1 over active children.

- archive_complete (建档率): the record holds every required field: name, gender, birth date,
  village, schooling, guardian name, relation and phone, the care-agreement date, and the work
  place of each parent who is away.
- in_school (入学率): of the children aged 6-15 on the reference date, those whose schooling is
  primary, junior, senior or vocational.
- retention (巩固率): of the children in school when the period started (a child enrolled later: on its
  enrolment day), those not recorded as dropping out during it (the audit log is the history).
- paired: children with a pairing in force.

A rate over nobody is None (shown as "—"), not 0: no children is not a failure.
"""

from collections import Counter
from typing import NamedTuple

IN_SCHOOL = frozenset({"primary", "junior", "senior", "vocational"})
SCHOOL_AGE = (6, 15)
REQUIRED = (
    "name",
    "gender",
    "birth_date",
    "village",
    "schooling",
    "guardian_name",
    "guardian_relation",
    "guardian_phone",
    "care_agreement_on",
)
# A parent away needs a work place: (away flag, the field it requires). store.missing_field_clauses is the same
# rule in SQL, made of these two lists.
AWAY_PLACES = (("father_away", "father_work_place"), ("mother_away", "mother_work_place"))


def missing_fields(record: dict) -> list[str]:
    """The required fields a child's record lacks (empty: the archive is complete)."""
    missing = [key for key in REQUIRED if record.get(key) in (None, "")]
    for away, place in AWAY_PLACES:
        if record.get(away) and not record.get(place):
            missing.append(place)
    return missing


def rate(part: int, whole: int) -> float | None:
    return None if whole == 0 else part / whole


class Rates(NamedTuple):
    archive_complete_rate: float | None
    in_school_rate: float | None
    retention_rate: float | None
    paired_rate: float | None
    archive_complete: int
    school_age: int
    in_school: int
    in_school_at_start: int
    retained: int
    paired: int


def compute(
    children: int,
    incomplete: int,
    paired: int,
    age_schooling: dict[tuple[int, str | None], int],
    schooling_at_start: dict[int, str | None],
    dropped_ids: set[int],
) -> Rates:
    """``children``: the number of active children; ``incomplete``: of them, those whose records miss a
    field (missing_fields); ``paired``: those with a pairing in force; ``age_schooling``: (age on the
    reference date, None when not known: a purged child's; schooling) -> number of active children;
    ``schooling_at_start``: id -> schooling when
    the period began, for the children in the programme then, and on its enrolment day for a child enrolled
    later in the period; ``dropped_ids``: children recorded as
    dropping out during the period."""
    complete = children - incomplete
    school_age = {
        key: n for key, n in age_schooling.items() if key[0] is not None and SCHOOL_AGE[0] <= key[0] <= SCHOOL_AGE[1]
    }
    in_school = sum(n for (_age, schooling), n in school_age.items() if schooling in IN_SCHOOL)
    at_start = {cid for cid, schooling in schooling_at_start.items() if schooling in IN_SCHOOL}
    retained = len(at_start - dropped_ids)
    school_age_total = sum(school_age.values())
    return Rates(
        rate(complete, children),
        rate(in_school, school_age_total),
        rate(retained, len(at_start)),
        rate(paired, children),
        complete,
        school_age_total,
        in_school,
        len(at_start),
        retained,
        paired,
    )


def weekly_compliance(windows: dict[int, int], calls: dict[int, set[int]]) -> float | None:
    """Share of the weekly parent contacts that happened: ``windows`` child id -> number of whole
    weeks the child was in the programme during the period; ``calls`` week number -> the children
    with at least one parent call that reached someone in that week, each child's weeks counted
    0-based from its own start in the period. A week counts when it is one of the child's whole weeks."""
    due = sum(windows.values())
    # Most children were in the programme all the period and share one window: theirs are counted a
    # week's set at a time (a county has a quarter of a million), the others' child by child.
    common = Counter(windows.values()).most_common(1)[0][0] if windows else 0
    full = {cid for cid, weeks in windows.items() if weeks == common}
    done = 0
    for week, children in calls.items():
        if 0 <= week < common:
            done += len(children & full)
        done += sum(1 for cid in children - full if 0 <= week < windows.get(cid, 0))
    return rate(done, due)
