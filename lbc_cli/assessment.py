"""The school year's assessment (考核及奖励, SPEC section 5) and the exam records it is made of.

``assess`` is the one place the assessment is computed: `lbc score`, `lbc export scores` (the payroll
sheet) and the year's work summary all take it from there. The rules themselves are pure functions in
rules/scoring.py; this module reads their inputs."""

from datetime import date
from typing import NamedTuple

from lbc_cli import i18n, store, validate
from lbc_cli.errors import LbcError
from lbc_cli.models import Child, Exam
from lbc_cli.rules import scoring


class Assessment(NamedTuple):
    """A school year's assessment: each pupil's score, each helper's score and pay, the pupils' awards, and
    the rule values it was made with."""

    children: list[scoring.ChildScore]
    helpers: list[scoring.HelperScore]
    awards: list[scoring.Award]
    rules: dict


def assess(session, year: int, *, overrides: dict | None = None, as_of: date | None = None, helpers: bool = True):
    """The assessment of school year ``year`` (from 1 September ``year``), with ``overrides`` over the
    stored rule values; as known on ``as_of`` (None: once the year is over). Without ``helpers`` the
    helpers' scores are left out (an empty list)."""
    rules = {**store.rule_values(session=session), **(overrides or {})}
    records = store.assessment_facts(year, session=session, as_of=as_of)
    paired = store.year_helpers(year, session=session) if helpers else []
    return Assessment(*scoring.assess_paired(records, paired, rules), rules)


def school_year(
    db, year: int, *, overrides: dict | None = None, as_of: date | None = None, helpers: bool = True
) -> Assessment:
    """``assess`` in one snapshot of the opened database."""
    with db.session() as session:
        return assess(session, year, overrides=overrides, as_of=as_of, helpers=helpers)


def payroll(db, year: int) -> list[dict]:
    """The payroll sheet of a school year: one row per helper (their score and its yuan), then one per
    pupil's award. No phone or id number is in it."""
    result = school_year(db, year)
    rows = [
        {"school_year": year, "kind": "helper", "id": h.helper_id, "name": h.name, "role": h.role, "award": None,
         "score": h.score, "yuan": h.yuan}
        for h in result.helpers
    ]  # fmt: skip
    rows += [
        {"school_year": year, "kind": "child", "id": a.child_id, "name": a.name, "role": None, "award": a.award,
         "score": None, "yuan": a.yuan}
        for a in result.awards
    ]  # fmt: skip
    return rows


# ---- exam records --------------------------------------------------------------------------


def record_exam(db, child: str, raw: dict, *, replace: bool, today: date) -> tuple[int, Child]:
    """Record a term's class rank and conduct for a child (``raw``: the exam's fields as given); a term
    already recorded is refused unless ``replace``. (the exam's id, the child)."""
    given = {k: v for k, v in raw.items() if v is not None and k not in ("merit_student", "serious_violation")}
    values = validate.clean_record(validate.EXAM_FIELDS, given, today=today)
    values["merit_student"] = raw["merit_student"]
    values["serious_violation"] = raw["serious_violation"]
    year, term = raw["school_year"], raw["term"]
    with db.session(write=True) as session:
        kid = store.resolve(Child, child, session=session)
        store.refuse_purged(kid)
        validate.check_exam({**values, "child_id": kid.id}, today=today)
        existing = store.find_exam(kid.id, year, term, session=session)
        if existing is not None and not replace:
            raise LbcError(i18n.t("exam_exists", name=kid.name, year=year, term=term, rank=existing.class_rank))
        if existing is not None:
            full = {"class_size": None, "total_score": None, **values}
            store.update_row(existing, full, session=session)
            exam_id = existing.id
        else:
            exam_id = store.insert_row(Exam, {**values, "child_id": kid.id}, session=session).id
    return exam_id, kid


def exams(db, *, child: str | None, school_year: int | None) -> list[tuple]:
    """(exam, child name) rows of one child (a reference) or all, of a school year or all."""
    with db.session() as session:
        child_id = store.resolve(Child, child, session=session).id if child else None
        return store.list_exams(session=session, child_id=child_id, school_year=school_year)
