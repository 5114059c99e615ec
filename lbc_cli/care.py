"""The care network and the work log: pairing children with helpers, logging contacts, the year's schedule.
Each function takes the opened database and runs one transaction."""

from datetime import date
from typing import NamedTuple

from lbc_cli import i18n, programme, store, validate
from lbc_cli.errors import ExitCode, Invalid, LbcError
from lbc_cli.models import Child, Contact, Helper, Pairing, ScheduleItem

# Whom a contact of each kind is with when --with is not given: 亲情视频 and 亲情电话 are the
# parents' calls, feedback goes to the parents, a home visit meets the guardian.
DEFAULT_WITH = {
    "video-call": "parent",
    "phone-call": "parent",
    "parent-feedback": "parent",
    "parent-meeting": "guardian",
    "home-visit": "guardian",
    "school-visit": "teacher",
    "counseling": "child",
    "activity": "child",
}


# ---- pairings ------------------------------------------------------------------------------


def _check_pairable(kid: Child, start: date, helper: Helper, *, session) -> None:
    """Only a child in the programme is paired, not from before its birth nor its enrolment, nor through a time
    out, and only with a helper in post."""
    if kid.status != "active":
        raise LbcError(i18n.t("pair_exited", name=kid.name, date=kid.exit_date))
    if start < kid.birth_date:
        raise Invalid("--since", i18n.t("contact_before_birth", date=start.isoformat(), name=kid.name))
    store.check_pairing_dates(kid.id, start, session=session)
    store.check_helper_in_post(helper, start=start)


def pair(db, child: str, helper: str, *, start: date, note: str | None, today: date) -> tuple[int, Child, Helper]:
    """Pair a child with a helper from ``start`` (not in the future); refused when the two are already
    paired then. (the new pairing's id, the child, the helper)."""
    start = validate.not_future(start, "--since", today)
    note = validate.parse_text(note, "note")
    with db.session(write=True) as session:
        kid = store.resolve(Child, child, session=session)
        helper_row = store.resolve(Helper, helper, session=session)
        _check_pairable(kid, start, helper_row, session=session)
        existing = store.overlapping_pairing(kid.id, helper_row.id, start, session=session)
        if existing is not None:
            raise LbcError(
                i18n.t("already_paired", child=kid.name, helper=helper_row.name, date=existing.start_date.isoformat())
            )
        values = {"child_id": kid.id, "helper_id": helper_row.id, "start_date": start, "note": note}
        pairing = store.insert_row(Pairing, values, session=session)
    return pairing.id, kid, helper_row


class ClassPaired(NamedTuple):
    """What ``pair_class`` did: the new pairings' ids, the teacher, and the class's active children."""

    ids: list[int]
    teacher: Helper
    children: int


def pair_class(
    db,
    school: str,
    class_name: str,
    teacher: str,
    *,
    start: date,
    note: str | None,
    today: date,
    grade: int | None = None,
) -> ClassPaired:
    """Pair every active child of a class (of ``grade``) with its teacher from ``start``, skipping those already
    paired. Without a grade, a class name that pupils of several grades of the school share is refused, naming the
    grades: one teacher does not teach "5班" of grades 4, 5 and 6."""
    start = validate.not_future(start, "--since", today)
    note = validate.parse_text(note, "note")
    with db.session(write=True) as session:
        teacher_row = store.resolve(Helper, teacher, session=session)
        kids = store.class_children(school, class_name, session=session, grade=grade)
        shown = class_name if grade is None else i18n.t("grade_class", grade=grade, class_name=class_name)
        if not kids:
            raise LbcError(i18n.t("class_empty", school=school, class_name=shown))
        grades = sorted({kid.grade for kid in kids if kid.grade is not None})
        if grade is None and len(grades) > 1:
            listed = i18n.t("list_sep").join(map(str, grades))
            raise LbcError(i18n.t("class_grades", school=school, class_name=class_name, grades=listed, grade=grades[0]))
        added = []
        for kid in kids:
            if store.overlapping_pairing(kid.id, teacher_row.id, start, session=session) is None:
                _check_pairable(kid, start, teacher_row, session=session)
                values = {"child_id": kid.id, "helper_id": teacher_row.id, "start_date": start, "note": note}
                added.append(store.insert_row(Pairing, values, session=session).id)
    return ClassPaired(added, teacher_row, len(kids))


def end_pairing(db, child: str, helper: str, *, end: date, today: date) -> tuple[Child, Helper]:
    """End the pairing of a child and a helper on ``end`` (not in the future, not before it began); the
    record is kept. (the child, the helper)."""
    end = validate.not_future(end, "--date", today)
    with db.session(write=True) as session:
        kid = store.resolve(Child, child, session=session)
        helper_row = store.resolve(Helper, helper, session=session)
        pairing = store.open_pairing(kid.id, helper_row.id, session=session)
        if pairing is None:
            raise LbcError(i18n.t("not_paired", child=kid.name, helper=helper_row.name))
        if end < pairing.start_date:
            raise Invalid("--date", i18n.t("end_before_start", date=end.isoformat(), start=pairing.start_date))
        store.update_row(pairing, {"end_date": end}, session=session)
    return kid, helper_row


def pairings(db, *, as_of: date, child: str | None, helper: str | None, ended: bool) -> list[tuple]:
    """(pairing, child name, helper name, helper role) rows: those in force on ``as_of`` unless ``ended``,
    of one child or one helper (references) if given."""
    with db.session() as session:
        helper_id = store.resolve(Helper, helper, session=session).id if helper else None
        child_id = store.resolve(Child, child, session=session).id if child else None
        return store.list_pairings(session=session, as_of=as_of, child_id=child_id, helper_id=helper_id, ended=ended)


def unpaired_children(db, *, as_of: date) -> list[Child]:
    """The active children with no pairing in force on ``as_of``, in pinyin order."""
    with db.session() as session:
        return store.list_children(session=session, as_of=as_of, unpaired=True)


# ---- contacts ------------------------------------------------------------------------------


def log_contacts(
    db,
    values: dict,
    *,
    children: list[str] | None,
    village: str | None,
    helper: str | None,
    today: date,
) -> list[int]:
    """Log one contact (``values``: kind, date, with_whom, minutes, note, follow_up_date, no_answer) with each
    child named, else every active child of ``village``, else every child paired with ``helper``; the new ids.

    The date is not in the future, not before a child's birth, inside each child's time in the programme
    (``store.check_contact_date``; of a village's or a helper's children, those in it that day), and a follow-up
    not before it; whom the contact was with defaults by its kind (DEFAULT_WITH)."""
    values = check_contact_dates(values, today=today)
    when = values["date"]
    if values.get("with_whom") is None:
        values["with_whom"] = DEFAULT_WITH.get(values["kind"])
    ids = []
    with db.session(write=True) as session:
        helper_row = store.resolve(Helper, helper, session=session) if helper else None
        if children:
            kids = [store.resolve(Child, ref, session=session) for ref in children]
        elif village:
            kids = store.list_children(session=session, as_of=when, village=village)
        elif helper_row is not None:
            kids = store.helper_children(helper_row.id, session=session, as_of=when)
        else:
            raise LbcError(i18n.t("no_children_given"), ExitCode.USAGE)
        if not children:  # a group: those in the programme that day
            times = store.programme_times([kid.id for kid in kids], session=session)
            kids = [kid for kid in kids if not programme.contact_date_problem(times[kid.id], when)]
        if not kids:
            hint = store.village_hint(village, session=session) if village and not children else None
            raise LbcError(hint or i18n.t("no_children_found"))
        seen = set()
        for kid in kids:
            if kid.id in seen:
                continue
            seen.add(kid.id)
            check_contact(kid, values, session=session)
            row = {**values, "child_id": kid.id, "helper_id": helper_row.id if helper_row else None}
            ids.append(store.insert_row(Contact, row, session=session).id)
    return ids


def check_contact_dates(values: dict, *, today: date) -> dict:
    """The rules of a contact's own dates, logged or corrected (``values``: its fields, date included): the date
    not in the future, a follow-up not before it. The values with the date as checked."""
    when = validate.not_future(values["date"], "--date", today)
    follow = values.get("follow_up_date")
    if follow is not None and follow < when:
        raise Invalid("--follow-up", i18n.t("follow_up_before", follow=follow.isoformat(), date=when.isoformat()))
    return {**values, "date": when}


def check_contact(kid: Child, values: dict, *, session) -> None:
    """The rules of a contact with one child, logged (`log-contact`) or corrected (`contact edit`): not dated
    before the child's birth, and inside its time in the programme (``store.check_contact_date``)."""
    store.refuse_purged(kid)
    when = values["date"]
    if when < kid.birth_date:
        raise Invalid("--date", i18n.t("contact_before_birth", date=when.isoformat(), name=kid.name))
    store.check_contact_date(kid.id, when, session=session)


def contacts(
    db, *, child: str | None, helper: str | None, kind: str | None, start: date | None, end: date | None
) -> list[tuple]:
    """(contact, child name, helper name or None) rows, newest first, of one child or helper (references)
    if given, of a kind, between two dates."""
    with db.session() as session:
        child_id = store.resolve(Child, child, session=session).id if child else None
        helper_id = store.resolve(Helper, helper, session=session).id if helper else None
        return store.list_contacts(
            session=session, child_id=child_id, helper_id=helper_id, kind=kind, start=start, end=end
        )


# ---- the year's schedule -------------------------------------------------------------------


def schedule(db, *, months: list[int] | None = None) -> list[store.ScheduleEntry]:
    """The year's schedule, by month, each month's items in their order."""
    with db.session() as session:
        return store.schedule_items(session=session, months=months)


def seed_schedule(db) -> int:
    """A new database's schedule: the plan's monthly blocks (``store.seed_schedule``)."""
    with db.session(write=True) as session:
        return store.seed_schedule(session=session)


def add_to_schedule(db, month: int, text: str) -> int:
    """Add an item at the end of a month of the schedule; its id."""
    from sqlalchemy import func, select

    clean = validate.parse_text(text, "text", required=True)
    with db.session(write=True) as session:
        last = session.execute(select(func.max(ScheduleItem.position)).where(ScheduleItem.month == month)).scalar()
        values = {"month": month, "position": (last or 0) + 1, "text": clean}
        item = store.insert_row(ScheduleItem, values, session=session)
    return item.id


def remove_from_schedule(db, item_id: int) -> None:
    """Remove an item of the schedule; an id that names none is refused."""
    with db.session(write=True) as session:
        item = session.get(ScheduleItem, item_id) if store.id_fits(item_id, session=session) else None
        if item is None:
            raise LbcError(i18n.t("schedule_unknown", id=item_id))
        store.delete_row(item, session=session)
