"""The work summary's rates (SPEC section 7), as pure functions: fractions 0..1 over active children.

- archive_complete (建档率): the record holds every required field: name, gender, birth date,
  village, schooling, guardian name, relation and phone, the care-agreement date, and the work
  place of each parent who is away.
- in_school (入学率): of the children aged 6-15 on the reference date, those whose schooling is
  primary, junior, senior or vocational.
- retention (巩固率): of the children in school when the period started, those not recorded as
  dropping out during it (the audit log is the history).
- paired: children with a pairing in force.

A rate over nobody is None (shown as "—"), not 0: no children is not a failure.
"""

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


def missing_fields(record: dict) -> list[str]:
    """The required fields a child's record lacks (empty: the archive is complete)."""
    missing = [key for key in REQUIRED if record.get(key) in (None, "")]
    if record.get("father_away") and not record.get("father_work_place"):
        missing.append("father_work_place")
    if record.get("mother_away") and not record.get("mother_work_place"):
        missing.append("mother_work_place")
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
    records: list[dict],
    ages: dict[int, int],
    paired_ids: set[int],
    schooling_at_start: dict[int, str | None],
    dropped_ids: set[int],
    missing: dict[int, list[str]] | None = None,
) -> Rates:
    """``records``: the active children; ``ages``: id -> age on the reference date;
    ``schooling_at_start``: id -> schooling when the period began, for the children in the programme
    then; ``dropped_ids``: children recorded as dropping out during the period; ``missing``: each
    child's missing_fields, when the caller has them already."""
    if missing is None:
        missing = {r["id"]: missing_fields(r) for r in records}
    complete = sum(1 for r in records if not missing[r["id"]])
    school_age = [r for r in records if SCHOOL_AGE[0] <= ages[r["id"]] <= SCHOOL_AGE[1]]
    in_school = sum(1 for r in school_age if r.get("schooling") in IN_SCHOOL)
    at_start = {cid for cid, schooling in schooling_at_start.items() if schooling in IN_SCHOOL}
    retained = len(at_start - dropped_ids)
    paired = sum(1 for r in records if r["id"] in paired_ids)
    return Rates(
        rate(complete, len(records)),
        rate(in_school, len(school_age)),
        rate(retained, len(at_start)),
        rate(paired, len(records)),
        complete,
        len(school_age),
        in_school,
        len(at_start),
        retained,
        paired,
    )


def weekly_compliance(windows: list[tuple[int, int]], calls: dict[int, set[int]]) -> float | None:
    """Share of the weekly parent contacts that happened: ``windows`` child id -> number of whole
    weeks the child was in the programme during the period; ``calls`` child id -> the week numbers
    (0-based from the child's start in the period) that had at least one parent call that reached someone."""
    due = sum(weeks for _cid, weeks in windows)
    done = sum(len({w for w in calls.get(cid, set()) if w < weeks}) for cid, weeks in windows)
    return rate(done, due)
