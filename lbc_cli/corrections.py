"""Corrections (SPEC section 10): a logged contact, an exam record or a pairing put right, or removed when it was
entered by mistake.

Each correction is one transaction. A corrected row passes the same checks as when it was first written (the
contact's: ``care.check_contact_dates`` and ``care.check_contact``; the exam's: ``validate.check_exam``; the
pairing's: ``store.overlapping_pairing``), and the audit log keeps its old and new values, the command and the
reason given. Everything computed from the data (reminders, scores, reports, rates) reads the rows themselves,
so it follows at once."""

from collections.abc import Callable
from datetime import date
from typing import Any

from lbc_cli import care, i18n, store, validate
from lbc_cli.errors import ExitCode, Invalid, LbcError
from lbc_cli.models import Child, Contact, Exam, Helper, Pairing

Confirm = Callable[[list], None]  # asked with the rows found, before anything is changed; raises to refuse


def row_ids(refs: list[str] | None, field: str = "ID") -> list[int]:
    """The row ids given (``5``, or ``5,6`` and ``5 6``), each a whole number: text is refused as a usage error
    (exit 2), before anything is read."""
    refs = validate.split_names(refs, field) or []
    if not refs:
        raise Invalid(field, i18n.t("required"), ExitCode.USAGE)
    ids = []
    for ref in refs:
        text = ref.strip()
        if not (text.isascii() and text.isdigit()):
            raise Invalid(field, i18n.t("bad_row_id", value=_shown(text)), ExitCode.USAGE)
        number = int(text)
        if number not in ids:
            ids.append(number)
    return ids


def _shown(text: str) -> str:
    return text if len(text) <= 20 else text[:19] + "…"  # a message stays a line


def _row(model, row_id: int, *, session) -> Any:
    """The row of ``model`` with this id; one that does not exist is refused (exit 1)."""
    found = session.get(model, row_id) if store.id_fits(row_id, session=session) else None
    if found is None:
        raise LbcError(i18n.t("row_unknown", what=i18n.t(f"what_{model.__tablename__}"), id=_shown(str(row_id))))
    return found


def _reason(reason: str | None) -> str | None:
    return validate.parse_text(reason, "--reason")


def _nothing_given(changes: dict) -> None:
    if not changes:
        raise LbcError(i18n.t("nothing_to_correct"), ExitCode.USAGE)


# ---- contacts ------------------------------------------------------------------------------


def edit_contact(
    db, ref: str, changes: dict, *, helper: str | None, reason: str | None, today: date
) -> tuple[Contact, dict]:
    """Correct one logged contact: ``changes`` holds the fields given (date, kind, with_whom, minutes, note,
    follow_up_date, no_answer; None clears one that may be empty), ``helper`` a helper's reference. The checks
    of `log-contact` apply to the contact as corrected. (the contact, {field: (old, new)} of what changed)."""
    (contact_id,) = row_ids([ref])
    if not changes and helper is None:
        _nothing_given(changes)
    reason = _reason(reason)
    with db.session(write=True) as session:
        contact = _row(Contact, contact_id, session=session)
        if helper is not None:
            changes = {**changes, "helper_id": store.resolve(Helper, helper, session=session).id}
        fields = ("date", "kind", "with_whom", "minutes", "note", "follow_up_date", "no_answer")
        corrected = {**{f: getattr(contact, f) for f in fields}, **changes}
        if "date" in changes or "follow_up_date" in changes:
            corrected = care.check_contact_dates(corrected, today=today)
        care.check_contact(session.get(Child, contact.child_id), corrected, session=session)
        changed = store.update_row(contact, changes, session=session, reason=reason)
    return contact, changed


def delete_contacts(db, refs: list[str], *, reason: str | None, confirm: Confirm) -> list[int]:
    """Remove contacts entered by mistake, all or none (an id that names no contact refuses them all); their
    values stay in the audit log. The ids removed."""
    return _delete(db, Contact, row_ids(refs), reason=_reason(reason), confirm=confirm)


def _delete(db, model, ids: list[int], *, reason: str | None, confirm: Confirm) -> list[int]:
    with db.session(write=True) as session:
        found = [_row(model, row_id, session=session) for row_id in ids]
        confirm(found)
        for row in found:
            store.delete_row(row, session=session, reason=reason)
    return ids


# ---- exams ---------------------------------------------------------------------------------


def edit_exam(db, ref: str, raw: dict, *, reason: str | None, today: date) -> tuple[Exam, dict]:
    """Correct one exam record: ``raw`` holds the fields given (class_rank, class_size, total_score as typed, ''
    clearing the last two; merit_student, serious_violation). The record as corrected passes the checks of
    `exam add` (``validate.check_exam``: a rank within the class...). (the record, {field: (old, new)})."""
    (exam_id,) = row_ids([ref])
    _nothing_given(raw)
    cleared = {k: None for k, v in raw.items() if v == "" and k in ("class_size", "total_score")}
    given = {k: v for k, v in raw.items() if k not in cleared}
    changes = {**validate.clean_record(validate.EXAM_FIELDS, given, today=today), **cleared}
    reason = _reason(reason)
    with db.session(write=True) as session:
        exam = _row(Exam, exam_id, session=session)
        fields = [c.name for c in Exam.__table__.columns if c.name not in ("id", "uid", "child_id")]
        validate.check_exam({**{f: getattr(exam, f) for f in fields}, **changes}, today=today)
        changed = store.update_row(exam, changes, session=session, reason=reason)
    return exam, changed


def delete_exams(db, refs: list[str], *, reason: str | None, confirm: Confirm) -> list[int]:
    """Remove exam records entered by mistake, all or none; their values stay in the audit log. The ids removed."""
    return _delete(db, Exam, row_ids(refs), reason=_reason(reason), confirm=confirm)


# ---- pairings ------------------------------------------------------------------------------


def update_pairing(db, ref: str, changes: dict, *, reason: str | None, today: date) -> tuple[Pairing, dict]:
    """Correct a pairing's dates: ``changes`` holds start_date and/or end_date (None: the pairing has not ended).
    The start not in the future nor before the child's birth, the end (as `pair end --date` sets it) not in the
    future nor before the start; refused when the pairing would then overlap another of the same child and
    helper, start before the child's enrolment, be in force in a time out of the child or after its exit
    (``programme.pairing_dates_problem``), or on a day its helper is inactive (a start on or after the helper's
    ``inactive_on`` too). (the pairing, {field: (old, new)})."""
    (pairing_id,) = row_ids([ref], "PAIRING_ID")
    _nothing_given(changes)
    if changes.get("start_date") is not None:
        validate.not_future(changes["start_date"], "--since", today)
    if changes.get("end_date") is not None:
        validate.not_future(changes["end_date"], "--until", today)
    reason = _reason(reason)
    with db.session(write=True) as session:
        pairing = _row(Pairing, pairing_id, session=session)
        start = changes.get("start_date", pairing.start_date)
        end = changes.get("end_date", pairing.end_date)
        kid = session.get(Child, pairing.child_id)
        helper = session.get(Helper, pairing.helper_id)
        if start < kid.birth_date:
            raise Invalid("--since", i18n.t("contact_before_birth", date=start.isoformat(), name=kid.name))
        if end is not None and end < start:
            field = "--until" if "end_date" in changes else "--since"
            raise Invalid(field, i18n.t("end_before_start", date=end.isoformat(), start=start.isoformat()))
        if end is None and pairing.end_date is not None and kid.status != "active":
            raise LbcError(i18n.t("pair_exited", name=kid.name, date=kid.exit_date))
        store.check_pairing_dates(kid.id, start, end, session=session)
        if end != pairing.end_date or start != pairing.start_date:  # not on a day the helper is inactive
            store.check_helper_in_post(helper, end, start)
        other = store.overlapping_pairing(kid.id, helper.id, start, end=end, other_than=pairing.id, session=session)
        if other is not None:
            raise LbcError(
                i18n.t("pairing_overlaps", child=kid.name, helper=helper.name, id=other.id, start=other.start_date)
            )
        changed = store.update_row(pairing, changes, session=session, reason=reason)
    return pairing, changed


def delete_pairing(db, ref: str, *, reason: str | None, confirm: Confirm) -> int:
    """Remove a pairing made by mistake (one ended is kept with `pair end`); its values stay in the audit log."""
    (pairing_id,) = _delete(db, Pairing, row_ids([ref], "PAIRING_ID"), reason=_reason(reason), confirm=confirm)
    return pairing_id
