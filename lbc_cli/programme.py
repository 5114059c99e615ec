"""A child's time in the programme and a helper's days in post (SPEC section 10), as rules over plain values.

A child is in the programme from its enrolment date through its exit date, and again from a re-entry date;
its times out are rows of exits (the open one, if any, agrees with the child's own status and exit date).
A contact is dated inside that time; a helper is paired only on days it is in post (before ``inactive_on``).
``log-contact``, ``import contacts`` and ``merge`` (and ``contact edit``) ask ``contact_date_problem``;
``pair``, ``import pairs`` and ``merge`` ask ``pairing_problem``. ``conditions.in_programme`` is the same
rule in SQL, for the counts.
"""

from datetime import date
from typing import NamedTuple

from lbc_cli import i18n


class Times(NamedTuple):
    """A child's time in the programme: enrolled on ``enrolled_on``, out after ``exit_date`` if it is out now
    (None: in), and its closed times out as (last day in, first day back) pairs."""

    child_id: int
    name: str
    enrolled_on: date
    exit_date: date | None
    outs: tuple[tuple[date, date], ...] = ()


def contact_date_problem(times: Times, day: date) -> str | None:
    """Why a contact of the child on ``day`` cannot be (before its enrolment, in a time out, after its exit
    while it is out), in one line naming the child by id and what to do; None when ``day`` is in its time."""
    ident, name = times.child_id, times.name
    if day < times.enrolled_on:
        return i18n.t("contact_before_enrol", id=ident, name=name, date=day, enrolled=times.enrolled_on)
    if times.exit_date is not None and day > times.exit_date:
        return i18n.t("contact_after_exit", id=ident, name=name, date=day, exit=times.exit_date)
    for left, back in times.outs:
        if left < day < back:
            return i18n.t("contact_in_time_out", id=ident, name=name, date=day, exit=left, back=back)
    return None


def pairing_problem(
    helper_id: int,
    active: bool,
    inactive_on: date | None,
    end: date | None,
    start: date | None = None,
    name: str | None = None,
) -> str | None:
    """Why a pairing of the helper from ``start`` (when known) ending on ``end`` (None: still in force; the end
    day itself is not in force) cannot be: it would be in force on a day the helper is inactive, from
    ``inactive_on`` on (a pairing that starts on or after that day lies wholly in it). A helper not active
    without that date is inactive since a day not known: only a pairing still in force is refused (one that
    ended is of its time in post). The message names the helper (``name``) by id and what to do."""
    who = i18n.t("helper_named", id=helper_id, name=name) if name else i18n.t("helper_id_only", id=helper_id)
    if inactive_on is None:
        return None if active or end is not None else i18n.t("pair_helper_inactive_undated", who=who, id=helper_id)
    if start is not None and start >= inactive_on:
        return i18n.t("pair_starts_inactive", who=who, id=helper_id, date=inactive_on, start=start)
    if end is not None and end <= inactive_on:
        return None
    return i18n.t("pair_helper_inactive", who=who, id=helper_id, date=inactive_on)


def pairing_dates_problem(times: Times, start: date, end: date | None) -> str | None:
    """Why a pairing of the child from ``start`` ending on ``end`` (None: still in force; the end day itself is
    not in force) cannot be, as its time in the programme has it: it starts before the enrolment, or is in force
    in a time out. A pairing ends on the exit day at the latest (``child exit`` ends them so) and one in force
    after a re-entry is a new pairing from that day; a pairing from ``start`` is in force on a day after an exit
    ``left`` and before the return ``back`` when ``start < back`` and it has not ended by ``left``."""
    ident, name = times.child_id, times.name
    if start < times.enrolled_on:
        return i18n.t("pair_before_enrol", id=ident, name=name, date=start, enrolled=times.enrolled_on)
    for left, back in times.outs:
        if start < back and (end is None or end > left):
            return i18n.t("pair_in_time_out", id=ident, name=name, exit=left, back=back)
    left = times.exit_date
    if left is not None and (end is None or end > left):
        return i18n.t("pair_after_exit", id=ident, name=name, exit=left)
    return None


# ---- read from the database ----------------------------------------------------------------------------------


def times_of(rows, child_ids=None) -> dict[int, Times]:
    """Each child's ``Times`` (of ``child_ids`` only, when given), read by ``rows(sql, params)`` (db.text_rows or
    a bare connection's execute); dates as ``date``."""
    where, params = "", {}
    if child_ids is not None:
        ids = sorted({int(i) for i in child_ids})
        if not ids:
            return {}
        listed = ", ".join(str(i) for i in ids)
        where = f" WHERE child_id IN ({listed})"
        children_where = f" WHERE id IN ({listed})"
    else:
        children_where = ""
    outs: dict[int, list] = {}
    closed = f"SELECT child_id, exit_date, reentered_on FROM exits{where}"
    closed += (" AND" if where else " WHERE") + " reentered_on IS NOT NULL ORDER BY child_id, exit_date"
    for child_id, left, back in rows(closed, params):
        outs.setdefault(child_id, []).append((_day(left), _day(back)))
    found = {}
    query = f"SELECT id, name, enrolled_on, status, exit_date FROM children{children_where}"
    for child_id, name, enrolled, status, exit_date in rows(query, params):
        out = None if status == "active" else _day(exit_date) or _day(enrolled)
        found[child_id] = Times(child_id, name, _day(enrolled), out, tuple(outs.get(child_id, ())))
    return found


def _day(value) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


class EveryChildTimes:
    """Every child's ``Times``, as a bulk check (an import of a county's contacts) reads them: ``get`` and ``in``
    as a dict's, and ``plain_since``, the fast answer for the usual child. Ids are dense (1…n), so the usual
    child's facts (in since its enrolment, never out) are an array by id: its enrolment day's ordinal and its
    name's place in one string. The few others (out now, or back from a time out) keep their whole ``Times``.
    Ids far sparser than the children (a merged file's) keep every child's ``Times``."""

    def __init__(self, rows):
        from array import array

        outs: dict[int, list] = {}
        closed = "SELECT child_id, exit_date, reentered_on FROM exits WHERE reentered_on IS NOT NULL"
        for child_id, left, back in rows(closed + " ORDER BY child_id, exit_date", {}):
            outs.setdefault(child_id, []).append((_day(left), _day(back)))
        [(count, top)] = list(rows("SELECT count(*), max(id) FROM children", {}))  # (a server cursor read whole)
        self.others: dict[int, Times] = {}  # the children out now or back from a time out (all: sparse ids)
        self._dense = bool(count) and top <= 4 * count + 1000
        self._enrolled = array("i")  # by id: the enrolment day's ordinal of a usual child, 0 for another or none
        self._ends = array("I", [0])  # by id: where its name ends in _names (it starts where the id before ends)
        self._names: list[str] | str = []
        days: dict = {}
        query = "SELECT id, name, enrolled_on, status, exit_date FROM children ORDER BY id"
        for child_id, name, enrolled, status, exit_date in rows(query, {}):
            day = days.get(enrolled) or days.setdefault(enrolled, _day(enrolled))
            if not self._dense or status != "active" or child_id in outs:
                out = None if status == "active" else _day(exit_date) or day
                self.others[child_id] = Times(child_id, name, day, out, tuple(outs.get(child_id, ())))
            if self._dense:
                while len(self._enrolled) < child_id - 1:  # ids never used
                    self._enrolled.append(0)
                    self._ends.append(self._ends[-1])
                self._enrolled.append(0 if child_id in self.others else day.toordinal())
                self._names.append(name)
                self._ends.append(self._ends[-1] + len(name))
        self._names = "".join(self._names)
        self._days = {day.toordinal(): day for day in days.values()}

    def plain_since(self, child_id) -> date | None:
        """The enrolment day of a usual child (in the programme since then, never out), else None: ask ``get``."""
        if self._dense and type(child_id) is int and 0 < child_id <= len(self._enrolled):
            return self._days.get(self._enrolled[child_id - 1])
        return None

    def get(self, child_id, default=None) -> Times | None:
        since = self.plain_since(child_id)
        if since is None:
            return self.others.get(child_id, default)
        return Times(child_id, self._names[self._ends[child_id - 1] : self._ends[child_id]], since, None)

    def __contains__(self, child_id) -> bool:
        return self.plain_since(child_id) is not None or child_id in self.others
