"""`lbc remind --send` (SPEC section 12): each channel gets the reminders of its scope, grouped by helper as
`remind`'s text shows them, less what was sent to it within ``resend_days``; what a platform accepted is
written to the send log, for every channel in one transaction after the sends.

The grouping and the wording of a reminder's line live here once: `remind`'s text and Markdown and the
channels' messages are made by the same functions (``grouped``, ``heading``, ``liner``). Sending itself
(formats, limits, tries) is ``delivery``'s. This module imports nothing heavy at its top: `remind`'s text
output uses it.
"""

from collections.abc import Callable, Iterable, Iterator
from datetime import date, timedelta
from typing import Any, NamedTuple

from lbc_cli import i18n

# ---- one grouping, for remind's text and Markdown and for the channels -------------------------------------------


def when(item) -> str:
    """How far a reminder is from its due date, in words (3 days overdue, due today, due in 2 days)."""
    if item.days_overdue == 1:
        return i18n.t("remind_overdue_1")
    if item.days_overdue > 0:
        return i18n.t("remind_overdue", n=item.days_overdue)
    if item.days_overdue == 0:
        return i18n.t("remind_today")
    if item.days_overdue == -1:
        return i18n.t("remind_upcoming_1")
    return i18n.t("remind_upcoming", n=-item.days_overdue)


def grouped(items: list, helper_ids: dict, roles: dict, *, only: set | None = None) -> list[tuple[int | None, list]]:
    """Each helper's own list (a child with two helpers is on both), then the unpaired children's: (helper id or
    None, its items in the order given, ``sort_key``'s as ``due_in_order`` gives them). A helper's list is its
    id's (``helper_ids``: child id -> its helpers' ids); the lists in the order of their most pressing items (each
    list's first), then the helpers' order (``roles``' order). ``only``: these helpers' lists alone (no unpaired
    children's)."""
    from lbc_cli.rules.reminders import sort_key

    groups: dict[int | None, list] = {}
    for item in items:
        for helper in helper_ids.get(item.child_id) or (None,):
            if only is None or helper in only:
                groups.setdefault(helper, []).append(item)
    rank = {helper: n for n, helper in enumerate(roles)}
    order: list[int | None] = sorted(
        (helper for helper in groups if helper is not None),
        key=lambda h: (sort_key(groups[h][0]), rank.get(h, len(rank))),
    )
    if None in groups:
        order.append(None)
    return [(helper, groups[helper]) for helper in order]


def shared_names(roles: dict) -> dict[str, int]:
    """How many helpers bear each name (``heading`` adds the id where two do)."""
    from collections import Counter

    return Counter(name for name, _role in roles.values())


def heading(helper: int | None, roles: dict, shared: dict, text: Callable[[str], str] = str) -> str:
    """A list's heading: the helper's name and role (``roles``: id -> (name, role)), and its id where another
    helper has the same name; the unpaired children's list's own."""
    if helper is None:
        return i18n.t("remind_unpaired")
    name, role = roles[helper]
    role = role and i18n.label("role", role)
    if shared[name] > 1:  # the id tells them apart, on a list printed alone too
        key = "remind_helper_id_role" if role else "remind_helper_id"
        return i18n.t(key, name=text(name), id=helper, role=role)
    return i18n.t("remind_helper_role", name=text(name), role=role) if role else text(name)


def liner(*, markdown: bool = False, text: Callable[[str], str] = str) -> Callable[[Any], str]:
    """``line(reminder)``: its line as a person reads it, ``[priority] name (id): rule, due date, how far``
    (Markdown: the brackets escaped, urgent in bold). The words of each priority and each piece of work are
    made once (a county has hundreds of thousands of lines and a few hundred pieces of work)."""
    left, right = ("\\[", "\\]") if markdown else ("[", "]")
    zh = i18n.lang() == "zh"
    marks: dict[str, str] = {}
    tails: dict[tuple, str] = {}

    def line(item) -> str:
        priority = marks.get(item.priority)
        if priority is None:
            mark = "**" if markdown and item.priority == "urgent" else ""
            priority = marks[item.priority] = f"{mark}{left}{i18n.label('priority', item.priority)}{right}{mark}"
        piece = (item.rule, item.due_date, item.days_overdue)
        tail = tails.get(piece)
        if tail is None:
            rule, day, far = i18n.label("rule", item.rule), item.due_date.isoformat(), when(item)
            tail = tails[piece] = f"：{rule}，{day}，{far}" if zh else f": {rule}, {day}, {far}"
        if zh:
            return f"{priority} {text(item.name)}（{item.child_id}）{tail}"
        return f"{priority} {text(item.name)} ({item.child_id}){tail}"

    return line


class Lists(NamedTuple):
    """The due work (reminder_facts.DueWork) as the lists are made of it: the reminders, each child's helpers' ids,
    and with `--helper` that helper's id alone (its list only)."""

    items: list
    helper_ids: dict
    only: set | None


def lists(work) -> Lists:
    from lbc_cli.rules.reminders import as_reminders

    return Lists(
        as_reminders(work.children, work.due),
        {facts.id: facts.helper_ids for facts in work.children},
        {work.helper.id} if work.helper is not None else None,
    )


def grouped_text(work, as_of: date, *, markdown: bool) -> str:
    """`remind`'s text or Markdown of the due work: the title, each helper's list (``grouped``), then the unpaired
    children's, then the plan's items."""
    from lbc_cli.render import md_text

    items, helper_ids, only = lists(work)
    schedule, roles = work.schedule, work.roles
    text = md_text if markdown else str  # people's text (names, the plan's items) as Markdown shows it as text
    lines: list[str] = []
    h1, h2, bullet = ("# ", "## ", "- ") if markdown else ("", "", "  ")
    lines.append(f"{h1}{i18n.t('remind_title', date=as_of.isoformat())}")
    lines.append("")
    if not items:
        lines.append(i18n.t("remind_none", date=as_of.isoformat()))
        lines.append("")
    shared = shared_names(roles)
    line = liner(markdown=markdown, text=text)
    for helper, group in grouped(items, helper_ids, roles, only=only):
        lines.append(f"{h2}{heading(helper, roles, shared, text)} · {i18n.t('remind_items', n=len(group))}")
        if markdown:
            lines.append("")
        lines.extend(f"{bullet}{line(item)}" for item in group)
        lines.append("")
    if schedule:
        lines.append(f"{h2}{i18n.t('remind_schedule')}")
        if markdown:
            lines.append("")
        for item in schedule:
            lines.append(f"{bullet}{text(item.name)}")
        lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"


# ---- sending ------------------------------------------------------------------------------------------------------


class ChannelResult(NamedTuple):
    """What one channel came to: messages accepted (``--dry-run``: made) of those made, the reminders they
    carried (a child's piece of work once; the plan of a month once), those left out as sent within
    ``resend_days``, the failure's line (masked), and with ``--dry-run`` each message's text (mobiles masked)."""

    name: str
    messages: int
    total: int
    reminders: int
    left_out: int
    resend_days: int
    error: str | None = None
    texts: tuple[str, ...] = ()


class SendRun(NamedTuple):
    channels: list[ChannelResult]
    due: bool  # anything due (``--fail-if-due``)
    children: int  # children in the programme read (none: `--village` may be misspelt)
    resend_days: int


def send_reminders(
    db,
    as_of: date,
    within: int = 0,
    *,
    helper: str | None = None,
    village: str | None = None,
    names: list[str] | None = None,
    dry_run: bool = False,
    report: Callable[[ChannelResult], None] | None = None,
) -> SendRun:
    """Send each channel (``names``: only these, in that order; else every channel) the reminders of its scope
    due on ``as_of`` (or within ``within`` days, of ``village``'s or ``helper``'s children: `remind`'s
    narrowing), less those sent to it within ``resend_days``. The due work is read once. A channel's scope:
    its villages (each a village or a township's prefix, as ``--village``) and its helpers; within a kind a
    union, across kinds an intersection, so a channel with villages and helpers gets the children of those
    villages paired with those helpers, and only those helpers' lists; the unpaired children go to the
    channels with no helpers; the plan's items to every channel. One channel failing does not stop the
    others. What was accepted is written to the send log after the sends, in one transaction, also when the
    process is stopped during them (then the stop goes on). ``report``: called with each channel's result as
    it is done. ``dry_run``: the messages made, nothing posted, nothing written."""
    from lbc_cli import delivery, reminder_facts

    chosen = channels(db, names)
    work = reminder_facts.due_work(db, as_of, within, helper=helper, village=village, places=True)
    resend_days = int(work.rules["resend_days"])
    ids = [channel.id for channel in chosen] if resend_days else []  # 0: every reminder sent each time
    sent = sent_within(db, ids, _utc_now() - timedelta(days=resend_days))
    items, helper_ids, only = lists(work)
    places = work.due.places
    title = i18n.t("remind_title", date=as_of.isoformat())
    results: list[ChannelResult] = []
    done: list[tuple[int, Iterable[tuple]]] = []  # (channel id, the keys it accepted)
    try:
        for channel in chosen:
            inside, helpers = _scope(channel, work.children, work.villages)
            mine = (
                items if inside is None else [item for place, item in zip(places, items, strict=True) if inside[place]]
            )
            scope_only = helpers if only is None else (only if helpers is None else only & helpers)
            sections, carried, left_out = _sections(
                mine, work.schedule, helper_ids, work.roles, work.phones, sent.get(channel.id, set()), scope_only
            )
            if not carried:
                result = ChannelResult(channel.name, 0, 0, 0, left_out, resend_days)
            elif dry_run:
                sections = list(sections)
                made = delivery.messages(channel, title, sections)
                mobiles = {mobile for section in sections for mobile in section.mobiles}
                texts = [_masked(message.text, mobiles) for message in made]
                result = ChannelResult(
                    channel.name, len(made), len(made), carried, left_out, resend_days, None, tuple(texts)
                )
            else:
                accepted: set = set()  # what went so far: written if a signal stops the send midway
                done.append((channel.id, accepted))
                outcome = delivery.send(channel, title, sections, accepted=accepted)
                done[-1] = (channel.id, outcome.delivered)
                result = ChannelResult(
                    channel.name,
                    outcome.sent,
                    outcome.total,
                    len(outcome.delivered),
                    left_out,
                    resend_days,
                    outcome.error,
                )
            results.append(result)
            if report is not None:
                report(result)
    except BaseException:
        with _stop_held():  # what was delivered is written whatever stopped the rest
            write_log(db, done)
        raise
    write_log(db, done)
    return SendRun(results, bool(places), len(work.children), resend_days)


# The columns of a channel (models.Channel) that sending reads, the table's own but its uid and created_at: read
# without the ORM (whose import costs a county's send a fifth of `remind --format csv`).
CHANNEL_COLUMNS = (
    "id",
    "name",
    "style",
    "webhook",
    "sign_secret",
    "keyword",
    "email_to",
    "smtp_host",
    "smtp_port",
    "smtp_security",
    "smtp_user",
    "from_address",
    "password_file",
    "villages",
    "helper_ids",
)


def stored_channels(db) -> list:
    """Every channel, in the order they were added, each with the attributes of ``CHANNEL_COLUMNS``."""
    from types import SimpleNamespace

    query = f"SELECT {', '.join(CHANNEL_COLUMNS)} FROM channels ORDER BY id"
    with db.reader() as rows:
        return [SimpleNamespace(**dict(zip(CHANNEL_COLUMNS, row, strict=True))) for row in rows(query, {})]


def channels(db, names: list[str] | None = None) -> list:
    """The channels to send to: every one (``stored_channels``), or those ``names``d, in that order; LbcError
    when there is none, or naming the first name no channel has."""
    from lbc_cli.errors import LbcError

    found = stored_channels(db)
    if not found:
        raise LbcError(i18n.t("send_no_channel"))
    if not names:
        return found
    by_name = {channel.name: channel for channel in found}
    wanted = list(dict.fromkeys(name.strip() for name in names))
    for name in wanted:
        if name not in by_name:
            raise LbcError(i18n.t("send_unknown_channel", name=name, names=", ".join(by_name)))
    return [by_name[name] for name in wanted]


def sent_within(db, channel_ids: list[int], since) -> dict[int, set[tuple]]:
    """channel id -> the keys (child id or None, rule, due date) sent to it at ``since`` or later (the send
    log's covering index: channel, sent_at, then the key)."""
    if not channel_ids:
        return {}
    listed = ", ".join(str(int(ident)) for ident in channel_ids)
    query = (
        "SELECT channel_id, child_id, rule, due_date FROM send_log"
        f" WHERE channel_id IN ({listed}) AND sent_at >= :since"
    )
    from lbc_cli.reminder_facts import Days

    found: dict[int, set[tuple]] = {}
    day = Days().__getitem__  # a few hundred due dates, read as text on SQLite
    with db.reader() as rows:
        for channel_id, child_id, rule, due in rows(query, {"since": _stamp(since)}):
            found.setdefault(channel_id, set()).add((child_id, rule, day(due)))
    return found


LOG_CHUNK = 10_000


def write_log(db, done: list[tuple[int, Iterable[tuple]]]) -> None:
    """The send log rows of ``done`` ((channel id, the keys it accepted)), sent now, in one transaction, a
    chunk of rows a statement through the DB-API (``Database.writer``)."""
    from operator import itemgetter

    if not any(keys for _channel, keys in done):
        return
    stamp = _stamp(_utc_now())
    sqlite = db.dialect == "sqlite"
    mark = "?" if sqlite else "%s"
    # a channel removed while it was being sent to takes its log with it: its rows are not written (and the
    # others' still are)
    sql = (
        "INSERT INTO send_log (channel_id, child_id, rule, due_date, sent_at)"
        f" SELECT id, {mark}, {mark}, {mark}, {mark} FROM channels WHERE id = {mark}"
    )
    with db.writer() as many:
        for channel_id, keys in sorted(done, key=lambda item: item[0]):
            days = {due: due.isoformat() if sqlite else due for due in {key[2] for key in keys}}
            plan = [key for key in keys if key[0] is None]
            children = [key for key in keys if key[0] is not None]
            children.sort(key=itemgetter(0))  # in the index's order: its pages written once each, not at random
            ordered = plan + children
            for start in range(0, len(ordered), LOG_CHUNK):
                chunk = ordered[start : start + LOG_CHUNK]
                many(sql, [(child_id, rule, days[due], stamp, channel_id) for child_id, rule, due in chunk])


def _scope(channel, children: list, villages: dict[int, str]) -> tuple[list[bool] | None, set[int] | None]:
    """A channel's scope over ``children``: for each place, whether the child is in it (None: every child),
    and its helpers (None: no helper scope)."""
    from lbc_cli.conditions import village_matches

    names = [name.strip() for name in (channel.villages or "").split(";") if name.strip()]
    helpers = {int(ident) for ident in (channel.helper_ids or "").split(";") if ident.strip()} or None
    if not names and helpers is None:
        return None, None
    known = set(villages.values())
    matches = [village_matches(name, known) for name in names]  # each a village, or a township's
    inside_village: dict[str | None, bool] = {}

    def in_villages(name: str | None) -> bool:
        found = inside_village.get(name)
        if found is None:
            found = inside_village[name] = any(match(name) for match in matches)
        return found

    inside = []
    for facts in children:
        ok = not matches or in_villages(villages.get(facts.id))
        if ok and helpers is not None:
            ok = not helpers.isdisjoint(facts.helper_ids)
        inside.append(ok)
    return inside, helpers


def _sections(items, schedule, helper_ids, roles, phones, sent: set, only) -> tuple[Iterator, int, int]:
    """A channel's sections (delivery.Section): each helper's list, the unpaired children's, then the plan's
    items, less the reminders in ``sent``, each made when it is taken (a county's lines are not all held at
    once); with how many reminders they carry and how many were left out."""
    from lbc_cli.delivery import Section, mentionable

    left: set = set()  # the keys left out as sent
    if sent:
        items = _not_sent(items, lambda item: (item.child_id, item.rule, item.due_date), sent, left)
    # urgent first across the lists (a child alone or missing is reported at once, SPEC section 2): each helper's
    # urgent items, then each helper's others, each part grouped as `remind` groups them
    urgent = [item for item in items if item.priority == "urgent"]
    others = [item for item in items if item.priority != "urgent"] if urgent else items
    groups = [(helper, group, True) for helper, group in grouped(urgent, helper_ids, roles, only=only)]
    groups += [(helper, group, False) for helper, group in grouped(others, helper_ids, roles, only=only)]
    plan = _not_sent(schedule, lambda item: (None, "schedule", item.due_date), sent, left)
    carried = len({id(item) for _helper, group, _urgent in groups for item in group}) + len({i.due_date for i in plan})

    def made() -> Iterator:
        shared = shared_names(roles)
        columns = _Columns(liner())
        mark = f"[{i18n.label('priority', 'urgent')}] "
        for helper, group, pressing in groups:
            title = (
                f"{mark if pressing else ''}{heading(helper, roles, shared)} · {i18n.t('remind_items', n=len(group))}"
            )
            phone = phones.get(helper) if helper is not None else None
            mobiles = mentionable((phone,)) if phone else ()  # delivery's one reading of a mobile
            yield Section(title, *columns.of(group), mobiles)
        if plan:
            plan_keys = [(None, "schedule", item.due_date) for item in plan]
            records = [columns.record(item) for item in plan]
            yield Section(i18n.t("remind_schedule"), [item.name for item in plan], plan_keys, records)

    return made(), carried, len(left)


def _not_sent(items: list, key_of: Callable[[Any], tuple], sent: set, left: set) -> list:
    """``items`` but those whose send log key is in ``sent``, whose keys go to ``left``."""
    kept = []
    for item in items:
        key = key_of(item)
        if key in sent:
            left.add(key)
        else:
            kept.append(item)
    return kept


class _Columns:
    """A group's reminders as a Section holds them: their lines, send log keys and records (the reminder as data,
    as `remind --format csv` has it: its columns, codes, ISO dates)."""

    def __init__(self, line: Callable[[Any], str]):
        self.line = line
        self.days: dict[date, str] = {}
        self.joined: dict[tuple, str] = {}

    def of(self, items: list) -> tuple[list[str], list[tuple], list[tuple]]:
        """The lines, keys and records of ``items``."""
        line, record = self.line, self.record
        return (
            [line(item) for item in items],
            [(item.child_id, item.rule, item.due_date) for item in items],
            [record(item) for item in items],
        )

    def record(self, item) -> tuple:
        """The reminder as data: the values of delivery.RECORD_FIELDS (a tuple: a county makes 376,000)."""
        day = self.days.get(item.due_date)
        if day is None:
            day = self.days[item.due_date] = item.due_date.isoformat()
        helpers = self.joined.get(item.helpers)
        if helpers is None:
            helpers = self.joined[item.helpers] = ";".join(item.helpers)
        return (item.child_id, item.name, item.rule, day, item.days_overdue, item.priority, helpers)


def _masked(text: str, mobiles: set[str]) -> str:
    """``text`` with each of ``mobiles`` masked (--dry-run prints what would be posted)."""
    from lbc_cli.validate import mask

    for mobile in mobiles:
        text = text.replace(mobile, mask(mobile))
    return text


def _utc_now():
    from datetime import UTC, datetime

    return datetime.now(UTC)


def _stamp(moment) -> str:
    """A UTC moment as the send log stores it (models.UTCDateTime: ISO 8601, seconds)."""
    from datetime import UTC

    return moment.astimezone(UTC).isoformat(timespec="seconds")


class _stop_held:  # noqa: N801 (used as a statement)
    """While the send log is written after a stop: the stop's signal set aside, so that SQLite's progress
    handler (``errors.stop_requested``) does not interrupt the write; put back after it."""

    def __enter__(self):
        from lbc_cli import errors

        self.signal = errors.stop_signal
        errors.stop_signal = None

    def __exit__(self, *exc) -> None:
        from lbc_cli import errors

        errors.stop_signal = errors.stop_signal or self.signal
