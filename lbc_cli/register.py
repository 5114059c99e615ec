"""The register of children and helpers: enrolment, changes, exit, review, purge, and the reads the roster
and the cards are made of. Each function takes the opened database and runs one transaction."""

from collections.abc import Callable, Iterator
from contextlib import ExitStack, closing, contextmanager
from datetime import date
from typing import TYPE_CHECKING, NamedTuple

from lbc_cli import i18n, store, validate
from lbc_cli.errors import ExitCode, Invalid, LbcError
from lbc_cli.models import Child, Exit, Helper

if TYPE_CHECKING:
    from lbc_cli.output import Table


def _duplicate_warnings(values: dict, force: bool, *, session, exclude_id=None) -> list[str]:
    """Refuse the same child twice (unless ``force``); the warnings for likely duplicates."""
    exact, likely = store.child_duplicates(values, session=session, exclude_id=exclude_id)
    if exact and not force:
        raise LbcError(i18n.t("duplicate", who="; ".join(store.describe(c) for c in exact)))
    return [i18n.t("likely_duplicate", who=store.describe(other)) for other in likely]


def enroll(db, raw: dict, *, force: bool, today: date) -> tuple[int, list[str]]:
    """Register one child from its fields as given: (the new id, the warnings to show once it is saved).
    Both parents work away unless said otherwise; the record counts as reviewed on its enrolment."""
    values = validate.clean_record(validate.CHILD_FIELDS, raw, today=today)
    values.setdefault("father_away", True)
    values.setdefault("mother_away", True)
    with db.session(write=True) as session:
        limit = int(store.rule_values(session=session)["age_limit"])
        warnings = validate.check_child(values, today=today, age_limit=limit)
        warnings += _duplicate_warnings(values, force, session=session)
        warnings += store.new_village_warnings([values.get("village")], session=session)
        values["reviewed_on"] = values["enrolled_on"]
        child = store.insert_row(Child, values, session=session)
    return child.id, warnings


def clearable_fields() -> list[str]:
    """The child's fields ``child update --clear`` may empty: not a required one, not the status."""
    return [k for k in validate.CHILD_FIELDS if k not in validate.CHILD_REQUIRED and k != "status"]


class Updated(NamedTuple):
    """What ``update_child`` did: the child's id, {field: (old, new)} of what changed, warnings to show."""

    child_id: int
    changed: dict
    warnings: list[str]


def update_child(
    db,
    ref: str,
    raw: dict,
    *,
    clear: list[str],
    add_flags: set[str],
    remove_flags: set[str],
    force: bool,
    today: date,
) -> Updated:
    """Change a child's fields (``raw``: as given), empty those in ``clear``, add and remove single flags
    keeping the others. An exited child keeps its exit reason and date; a change of name, birth date or id
    number is checked against the other records like an enrolment."""
    changes = validate.clean_record(validate.CHILD_FIELDS, raw, today=today)
    for column in clear:
        key = i18n.field_named(column.strip()) or column.strip().replace("-", "_")
        if key not in clearable_fields():
            choices = i18n.field_list(clearable_fields())
            raise Invalid("--clear", i18n.t("bad_choice", value=column, choices=choices), ExitCode.USAGE)
        kind = validate.CHILD_FIELDS[key][0]
        changes[key] = "" if kind == "slugs" else (False if kind == "bool" else None)
    if not changes and not add_flags and not remove_flags:
        raise LbcError(i18n.t("nothing_to_update"), ExitCode.USAGE)
    with db.session(write=True) as session:
        child = store.resolve(Child, ref, session=session)
        store.refuse_purged(child)  # its personal data erased for good: nothing to put back
        if add_flags or remove_flags:
            current = set((changes.get("flags", child.flags) or "").split(";")) - {""}
            changes["flags"] = validate.parse_slug_set("flag", sorted((current | add_flags) - remove_flags), "flags")
        if child.status == "exited":
            for key in ("exit_reason", "exit_date"):
                if key in changes and changes[key] is None:
                    raise Invalid("--clear", i18n.t("exit_fields_needed", field=key))
        merged = {c.name: getattr(child, c.name) for c in Child.__table__.columns} | changes
        age_changed = "birth_date" in changes or "enrolled_on" in changes
        limit = int(store.rule_values(session=session)["age_limit"])
        exit_changed = bool({"birth_date", "exit_reason", "exit_date"} & changes.keys())
        warnings = validate.check_child(
            merged, today=today, age_limit=limit, check_age=age_changed, check_exit=exit_changed
        )
        if changes.get("enrolled_on") is not None and changes["enrolled_on"] > child.enrolled_on:
            _check_later_enrolment(child, changes["enrolled_on"], session=session)
        if {"name", "birth_date", "id_number"} & changes.keys():
            warnings += _duplicate_warnings(merged, force, session=session, exclude_id=child.id)
        if changes.get("village") and changes["village"] != child.village:
            warnings += store.new_village_warnings([changes["village"]], session=session)
        changed = store.update_row(child, changes, session=session)
        if {"status", "exit_date", "exit_reason"} & changed.keys():
            store.keep_open_exit(child, session=session)
    return Updated(child.id, changed, warnings)


def _check_later_enrolment(child: Child, enrolled: date, *, session) -> None:
    """Refuse (exit 1) a later enrolment date that would leave a contact, a pairing's start or an exit of the
    child before its time in the programme, naming the earliest by id and date and how to put it right. Exams
    are not asked: they are of a school year's term, and a child enrolled during the year keeps its term's
    results (the awards count the children in the programme when term 2 ended)."""
    found = store.first_record_before(child.id, enrolled, session=session)
    if found is not None:
        kind, row_id, when = found
        message = i18n.t(f"enrol_after_{kind}", name=child.name, id=child.id, rid=row_id, date=when, enrolled=enrolled)
        raise Invalid("--enrolled-on", message)


def exit_child(db, ref: str, reason: str, when: date, *, today: date) -> tuple[Child, int]:
    """The child leaves the programme after ``when``, its last day in it (not in the future, not before its
    enrolment): its record kept, a time out begun (a row of exits), its pairings ended: (the child, the number
    of pairings ended)."""
    when = validate.not_future(when, "--date", today)
    with db.session(write=True) as session:
        child = store.resolve(Child, ref, session=session)
        if child.status != "active":  # exited, or purged (its exit kept)
            raise LbcError(i18n.t("already_exited", id=child.id, date=child.exit_date))
        if when < child.enrolled_on:
            raise Invalid("--date", i18n.t("exit_before_enrol", date=when, enrolled=child.enrolled_on))
        if reason == "aged-out":
            limit = int(store.rule_values(session=session)["age_limit"])
            validate.check_aged_out(child.birth_date, when, age_limit=limit, child_id=child.id)
        times = store.programme_times([child.id], session=session)[child.id]
        back = max((day for _left, day in times.outs), default=None)
        if back is not None and when < back:  # its times out one after another
            raise Invalid("--date", i18n.t("exit_before_return", date=when, back=back))
        inside = store.contact_in_time_out(child.id, when, None, session=session)
        if inside is not None:  # it would fall outside the child's time in the programme
            raise LbcError(i18n.t("exit_before_contact", id=child.id, date=when, contact=inside[0], day=inside[1]))
        later = store.pairing_begun_after(child.id, when, session=session)
        if later is not None:
            raise LbcError(
                i18n.t("exit_before_pairing", id=child.id, date=when, pairing=later.id, start=later.start_date)
            )
        values = {"child_id": child.id, "exit_date": when, "exit_reason": reason}
        store.insert_row(Exit, values, session=session)  # (its open time out: store.keep_open_exit's rule)
        store.update_row(child, {"status": "exited", "exit_reason": reason, "exit_date": when}, session=session)
        ended = store.end_pairings(child.id, when, session=session)
    return child, ended


class Reentered(NamedTuple):
    """What ``reenter_child`` did: the child, its exit date, the re-entry date (None: the exit undone as a
    mistake), the pairings put back in force (an undone exit's), and whether it has a helper now."""

    child: Child
    exit_date: date
    back: date | None
    reopened: int
    paired: bool


def reenter_child(db, ref: str, when: date | None, *, today: date, reason: str | None = None) -> Reentered:
    """The child is back in the programme. With no date, or its exit date, the exit was a mistake: its row of
    exits goes, the record is as before it (the pairings the exit ended in force again), only the audit log keeps
    it. With a later date (not in the future) the child was out in between: the time out is closed on that
    date, and every count, reminder and score leaves the days between out. A child not exited, or a date
    before the exit: refused."""
    if when is not None:
        when = validate.not_future(when, "--date", today)
    with store.because(reason), db.session(write=True) as session:
        child = store.resolve(Child, ref, session=session)
        if child.status == store.PURGED:
            raise LbcError(i18n.t("reenter_purged", id=child.id))
        if child.status != "exited" or child.exit_date is None:
            raise LbcError(i18n.t("not_exited", id=child.id))
        left = child.exit_date
        if when is not None and when < left:
            raise Invalid("--date", i18n.t("reenter_before_exit", id=child.id, date=when, exit=left))
        row = store.open_exit(child.id, session=session)
        reopened = 0
        back = None if when is None or when == left else when
        if back is not None:  # back as from an enrolment: under the age limit, its time out holding no contact
            limit = int(store.rule_values(session=session)["age_limit"])
            if validate.age_on(child.birth_date, back) >= limit:
                raise LbcError(i18n.t("reenter_too_old", id=child.id, date=back, limit=limit))
            inside = store.contact_in_time_out(child.id, left, back, session=session)
            if inside is not None:
                raise LbcError(i18n.t("reenter_over_contact", id=child.id, date=back, contact=inside[0], day=inside[1]))
        if back is None:
            if row is not None:
                store.delete_row(row, session=session)
            reopened = store.reopen_pairings(child.id, left, session=session)
        elif row is None:  # a record exited without its row (an imported roster): its time out, closed
            values = {"child_id": child.id, "exit_date": left, "exit_reason": child.exit_reason, "reentered_on": back}
            store.insert_row(Exit, values, session=session)
        else:
            store.update_row(row, {"reentered_on": back}, session=session)
        changes = {"status": "active", "exit_reason": None, "exit_date": None}
        store.update_row(child, changes, session=session)
        paired = bool(store.pairings_in_force(child.id, back or today, session=session))
    return Reentered(child, left, back, reopened, paired)


def review_child(db, ref: str, when: date, *, today: date) -> int:
    """Mark the record reviewed (核查) on ``when``, restarting the review interval; the child's id."""
    when = validate.not_future(when, "--date", today)
    with db.session(write=True) as session:
        child = store.resolve(Child, ref, session=session)
        store.refuse_purged(child)
        if when < child.enrolled_on:
            raise Invalid("--date", i18n.t("review_before_enrol", date=when, enrolled=child.enrolled_on))
        store.update_row(child, {"reviewed_on": when}, session=session)
    return child.id


def village_hint(db, village: str | None, *, prefix: bool = False, always: bool = False) -> str | None:
    """For a village filter that names no village of the register (``prefix``: no village starting with it, as
    remind reads a township), the message naming the close ones (``store.village_hint``; ``always``: saying so
    when none is close): a list that matches nothing says what was probably meant, on stderr."""
    if not village:
        return None
    with db.session() as session:
        return store.village_hint(village, session=session, prefix=prefix, always=always)


WORKED_OUT = ("age", "helpers")


@contextmanager
def roster(db, columns: list[str], *, as_of: date, reveal: bool, **filters) -> Iterator["Table"]:
    """The children of ``store.children_query``'s filters in pinyin order of names, in ``columns``, as the
    output layer's Table, read in one snapshot while the block writes it; its CSV writer may have the database
    make the lines itself."""
    from lbc_cli import sqlcsv
    from lbc_cli.output import Table

    stored_columns = [c for c in columns if c not in WORKED_OUT]
    query = store.children_query(as_of=as_of, columns=stored_columns, **filters)
    # the readers are ended here, in their transaction, even when the writing stops half-way
    with db.session() as session, ExitStack() as readers:
        helpers = store.active_helpers_joined(session=session, as_of=as_of, village=filters.get("village"))
        may_be_purged = filters.get("status") in (None, store.PURGED) and store.any_purged(session=session)

        def by_column() -> list:
            # the worked-out cells a column at a time: an age per birth date (a county's children share a few
            # thousand)
            children = store.raw_rows(query, session=session)
            stored = zip(*children, strict=True) if children else [()] * len(stored_columns)
            values = dict(zip(stored_columns, stored, strict=True))
            ages = {birth: validate.age_on(store.as_date(birth), as_of) for birth in set(values["birth_date"])}
            values["age"] = [ages[birth] for birth in values["birth_date"]]
            values["helpers"] = [helpers.get(child_id, "") for child_id in values["id"]]
            if may_be_purged and "status" in values:  # a purged child's birth year only, and no age
                purged = [n for n, status in enumerate(values["status"]) if status == store.PURGED]
                values["birth_date"], values["age"] = list(values["birth_date"]), list(values["age"])
                for n in purged:
                    birth = store.as_date(values["birth_date"][n])
                    values["birth_date"][n] = validate.birth_shown(birth, store.PURGED)
                    values["age"][n] = None
            return [values[name] for name in columns]

        def csv_lines(masked: frozenset[str]):
            if may_be_purged:  # its birth dates are not all shown as stored: the general path
                return None
            lines = sqlcsv.roster_lines(query, columns, helpers=helpers, session=session, as_of=as_of, masked=masked)
            return lines if lines is None else readers.enter_context(closing(lines))

        yield Table(columns, by_column=by_column, reveal=reveal, csv_lines=csv_lines)


def child_card(db, ref: str, *, contacts: int) -> tuple[Child, list[tuple], list[tuple]]:
    """One child's record, its pairings (pairing, child, helper) and its latest ``contacts`` contacts."""
    with db.session() as session:
        child = store.resolve(Child, ref, session=session)
        pairings = store.pairings_of(session=session, child_id=child.id)
        latest = store.list_contacts(session=session, child_id=child.id, limit=contacts)
    return child, pairings, latest


def duplicate_groups(db) -> list[list[Child]]:
    """The groups of records that are probably one child (``store.duplicate_groups``)."""
    with db.session() as session:
        return store.duplicate_groups(session=session)


class Purged(NamedTuple):
    """What ``purge_child`` did: the child's id, the rows it emptied by table, why the database could not yet
    rewrite the tables it changed (None: it did), and those tables."""

    child_id: int
    counts: dict[str, int]
    waiting: str | None
    tables: tuple[str, ...]


def purge_child(db, ref: str, *, today: date, confirm: Callable[[Child], None]) -> Purged:
    """Erase a child's personal data for good (PIPL §47), keeping anonymous counts, and then its bytes in the
    database file (SPEC section 10). ``confirm`` is asked with the child found, before anything is changed;
    it raises to refuse."""
    with db.session(erase=True) as session:
        child = store.resolve(Child, ref, session=session)
        confirm(child)
        counts = store.purge_child(child, today, session=session)
    return Purged(child.id, counts, db.erase(store.PURGE_TABLES), store.PURGE_TABLES)


# ---- helpers (帮扶人) ---------------------------------------------------------------------------


def helper_values(raw: dict, *, today: date) -> dict:
    """A helper's fields as given, checked."""
    return validate.clean_record(validate.HELPER_FIELDS, raw, today=today)


def _helper_twins(values: dict, force: bool, *, session, exclude_id=None) -> list[str]:
    """Refuse a helper with the same name and the same phone as another (unless ``force``: two people may share
    both); the warnings for another of the same name where a phone is missing (SPEC section 10)."""
    twins, namesakes = store.helper_twins(values["name"], values.get("phone"), session=session, exclude_id=exclude_id)
    if twins and not force:
        other = twins[0]
        raise LbcError(i18n.t("helper_twin", id=other.id, name=other.name, phone=validate.mask(other.phone)))
    return [i18n.t("helper_namesake", id=other.id, name=other.name) for other in namesakes]


def add_helper(db, raw: dict, *, force: bool = False, today: date) -> tuple[int, list[str]]:
    """Add a helper: (the new id, the warnings to show once it is saved). The same helper twice is refused."""
    values = helper_values(raw, today=today)
    validate.check_required(values, validate.HELPER_REQUIRED)
    with db.session(write=True) as session:
        warnings = _helper_twins(values, force, session=session)
        warnings += store.new_village_warnings([values.get("village")], session=session)
        helper = store.insert_row(Helper, values, session=session)
    return helper.id, warnings


def helpers_with_counts(db, *, role, village, include_inactive: bool, as_of: date) -> tuple[list[Helper], dict]:
    """Helpers in pinyin order, and the number of children each is paired with on ``as_of`` by helper id."""
    with db.session() as session:
        helpers = store.list_helpers(session=session, role=role, village=village, include_inactive=include_inactive)
        counts = store.paired_counts(session=session, as_of=as_of)
    return helpers, counts


def helper_card(db, ref: str) -> tuple[Helper, list[tuple]]:
    """One helper and their pairings (pairing, child, helper), newest first; a purged child's left out."""
    with db.session() as session:
        helper = store.resolve(Helper, ref, session=session)
        pairings = store.pairings_of(session=session, helper_id=helper.id, purged=False)
    return helper, pairings


class HelperUpdated(NamedTuple):
    """What ``update_helper`` did: the helper, {field: (old, new)} of what changed, and the pairings a
    deactivation ended, with their children, on ``inactive_on``."""

    helper: Helper
    changed: dict
    ended: list
    warnings: list


def update_helper(
    db,
    ref: str,
    raw: dict,
    *,
    active: bool | None,
    today: date,
    inactive_on: date | None = None,
    force: bool = False,
    reason: str | None = None,
) -> HelperUpdated:
    """Change a helper's fields (``raw``: as given). ``active`` False: the helper is inactive from
    ``inactive_on`` (default today, not in the future), its pairings in force then end on that day (as
    ``pair end --date`` ends one), refused while one of them starts on or after it (it would lie wholly in the
    inactive time: its start is corrected, or it is deleted, first); True: in post again (no date). The two stay
    together: ``active`` is whether it has no ``inactive_on``. A new name or phone that makes the helper
    another's twin is refused unless ``force``; the warnings to show come back with the rest."""
    changes = helper_values(raw, today=today)
    if inactive_on is not None and active is not False:
        raise Invalid("--date", i18n.t("inactive_date_alone"), ExitCode.USAGE)
    if active is True:
        changes.update(active=True, inactive_on=None)
    elif active is False:
        changes.update(active=False, inactive_on=validate.not_future(inactive_on or today, "--date", today))
    if not changes:
        raise LbcError(i18n.t("nothing_to_update"), ExitCode.USAGE)
    if raw.get("name") is not None and not raw["name"].strip():
        raise Invalid("--name", i18n.t("empty"))
    ended = []
    with store.because(reason), db.session(write=True) as session:
        helper = store.resolve(Helper, ref, session=session)
        warnings = []
        if {"name", "phone"} & changes.keys():
            after = {"name": changes.get("name", helper.name), "phone": changes.get("phone", helper.phone)}
            warnings = _helper_twins(after, force, session=session, exclude_id=helper.id)
        if changes.get("village") and changes["village"] != helper.village:
            warnings += store.new_village_warnings([changes["village"]], session=session)
        in_force = []
        if active is False and helper.inactive_on is not None:  # its day moved silently would leave its pairings
            raise LbcError(i18n.t("already_inactive", name=helper.name, id=helper.id, date=helper.inactive_on))
        if active is False:
            day = changes["inactive_on"]
            in_force = store.helper_pairings_in_force(helper.id, day, session=session)
            later = [pairing for pairing, _child in in_force if pairing.start_date >= day]
            if later:  # it would lie wholly in the helper's inactive time: its dates are to be put right first
                first = min(later, key=lambda p: (p.start_date, p.id))
                raise LbcError(
                    i18n.t(
                        "inactive_before_pairing",
                        name=helper.name,
                        id=helper.id,
                        rid=first.id,
                        start=first.start_date,
                        date=day,
                    )
                )
        changed = store.update_row(helper, changes, session=session)
        for pairing, child in in_force:
            store.update_row(pairing, {"end_date": changes["inactive_on"]}, session=session)
            ended.append((pairing, child))
    return HelperUpdated(helper, changed, ended, warnings)


def delete_helper(db, ref: str, *, reason: str | None, confirm: Callable[[Helper], None]) -> Helper:
    """Remove a helper entered by mistake (a twin entered twice): only one no pairing, no contact and no channel's
    scope names, else refused with what to do first (the pairings deleted, the contacts given another helper, the
    channels removed, or the helper set inactive instead). ``confirm`` is asked with the helper found, before
    anything is changed; its values stay in the audit log, with ``reason``."""
    reason = validate.parse_text(reason, "--reason")
    with db.session(write=True) as session:
        helper = store.resolve(Helper, ref, session=session)
        pairings, contacts = store.helper_records(helper.id, session=session)
        if pairings or contacts:
            raise LbcError(
                i18n.t("helper_delete_refused", name=helper.name, id=helper.id, pairings=pairings, contacts=contacts)
            )
        from lbc_cli.channels import scoped_to_helper

        named_in = scoped_to_helper(helper.id, session=session)
        if named_in:  # the channel's scope would silently widen (its only helper) or name '#13'
            raise LbcError(
                i18n.t(
                    "helper_delete_in_channel",
                    name=helper.name,
                    id=helper.id,
                    channels=i18n.t("list_sep").join(named_in),
                    s=i18n.plural(len(named_in)),
                    them="it" if len(named_in) == 1 else "them",
                )
            )
        confirm(helper)
        store.delete_row(helper, session=session, reason=reason)
    return helper


def audit_entries(db, *, child: str | None, since: date | None, table: str | None) -> list:
    """The audit log's entries, newest first: a child's history (``child``: a reference), from a date, of a
    table."""
    with db.session() as session:
        child_id = store.resolve(Child, child, session=session).id if child else None
        return store.audit_entries(session=session, child_id=child_id, since=since, table=table)
