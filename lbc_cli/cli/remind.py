"""remind: what care work is due or overdue, grouped by helper, for people and for cron."""

from typing import Annotated

import typer

from lbc_cli import i18n
from lbc_cli.cli.options import AsOfOpt, BomOpt, RemindFormatOpt, check_format, database, today, write_out
from lbc_cli.errors import ExitCode

_ = i18n.bi

REMIND_COLUMNS = ["child_id", "name", "rule", "due_date", "days_overdue", "priority", "helpers"]


def remind(
    as_of: AsOfOpt = None,
    within: Annotated[
        int,
        typer.Option(
            help=_("把今后几天内到期的也列出", "also list what falls due within DAYS from now"),
            metavar="DAYS",
            min=0,
            max=3650,
        ),
    ] = 0,
    helper: Annotated[
        str | None, typer.Option(help=_("只列该帮扶人负责的儿童", "only this helper's children"), metavar="HELPER")
    ] = None,
    village: Annotated[
        str | None,
        typer.Option(
            help=_(
                "只列该村的儿童;也可写乡镇名,列出名称以它开头的各村",
                "only this village's children; a township's name takes every village whose name starts with it",
            ),
            metavar="TEXT",
        ),
    ] = None,
    fmt: RemindFormatOpt = None,
    out: Annotated[
        str | None,
        typer.Option("--out", "-o", help=_("写入文件(原子写入)", "write to FILE (atomically)"), metavar="FILE"),
    ] = None,
    bom: BomOpt = False,
    fail_if_due: Annotated[
        bool,
        typer.Option(
            "--fail-if-due", help=_("有到期事项时退出码为 4(用于监控)", "exit 4 when anything is due (for monitoring)")
        ),
    ] = False,
) -> None:
    """Due and overdue care work as of a date; text and Markdown are grouped by helper."""
    from lbc_cli import output, reminder_facts
    from lbc_cli.rules import reminders

    fmt = check_format(fmt, output.REMINDERS, bom=bom, out=out, default="text")
    now = today(as_of)
    work = reminder_facts.due_work(database(), now, within, helper=helper, village=village)
    if fmt in ("text", "md"):
        items = reminders.as_reminders(work.children, work.due)
        helper_ids = {facts.id: facts.helper_ids for facts in work.children}
        grouped = _grouped(items, helper_ids, work.schedule, work.roles, now, markdown=fmt == "md", only=work.helper)
        write_out(grouped, fmt, out)
    else:
        write_out(_table(work), fmt, out, bom=bom)
    if village and not work.children:
        from lbc_cli import console, register

        hint = register.village_hint(database(), village, prefix=True)
        if hint:
            console.warn(hint)
    if fail_if_due and work.due.places:
        raise typer.Exit(int(ExitCode.DUE))


def _table(work):
    """The due work as one table, a row a child and piece of work in ``reminders.due_in_order``'s order, then
    the schedule's items (no child). A child's cells, and a piece of work's, are shared by its rows: a child's
    at its place in ``work.children``, the schedule's items' after them."""
    from lbc_cli.output import Shared, Table

    places, dues = work.due
    children, schedule = work.children, work.schedule
    joined: dict[tuple[str, ...], str] = {}  # a helper has dozens of children
    ids = [facts.id for facts in children] + [item.child_id for item in schedule]
    names = [facts.name for facts in children] + [item.name for item in schedule]
    helpers = [joined.get(h) or joined.setdefault(h, ";".join(h)) for h in (facts.helpers for facts in children)]
    helpers += [";".join(item.helpers) for item in schedule]
    pieces = [*set(dues), *schedule]  # each piece of work once, the key of its cells
    work_cells = [
        {piece: piece.rule for piece in pieces},
        {piece: piece.due_date.isoformat() for piece in pieces},
        {piece: piece.days_overdue for piece in pieces},
        {piece: piece.priority for piece in pieces},
    ]
    rows = [*places, *range(len(children), len(ids))]
    groups = [Shared(rows, [ids, names]), Shared([*dues, *schedule], work_cells), Shared(rows, [helpers])]
    return Table(REMIND_COLUMNS, by_group=groups, enums={"rule": "rule", "priority": "priority"})


def _when(item) -> str:
    if item.days_overdue == 1:
        return i18n.t("remind_overdue_1")
    if item.days_overdue > 0:
        return i18n.t("remind_overdue", n=item.days_overdue)
    if item.days_overdue == 0:
        return i18n.t("remind_today")
    if item.days_overdue == -1:
        return i18n.t("remind_upcoming_1")
    return i18n.t("remind_upcoming", n=-item.days_overdue)


def _grouped(items, helper_ids, schedule, roles, as_of, *, markdown: bool, only=None) -> str:
    """Each helper's own list (a child with two helpers is on both), then unpaired children, then the plan. A
    helper's list is its id's (``helper_ids``: child id -> its helpers' ids), headed by its name and role
    (``roles``: id -> (name, role), in the helpers' order), and its id where another helper has the same name;
    the lists in the order of their most pressing items, a child's helpers in the helpers' order."""
    from collections import Counter

    from lbc_cli.rules.reminders import sort_key

    groups: dict[int | None, list] = {}
    for item in items:
        for helper in helper_ids.get(item.child_id) or (None,):
            if only is None or helper == only.id:
                groups.setdefault(helper, []).append(item)
    rank = {helper: n for n, helper in enumerate(roles)}  # the helpers' order: a child's helpers in it
    order: list[int | None] = sorted(
        (helper for helper in groups if helper is not None),
        key=lambda h: (min(sort_key(i) for i in groups[h]), rank.get(h, len(rank))),
    )
    if None in groups:
        order.append(None)
    shared = Counter(name for name, _role in roles.values())
    from lbc_cli.render import md_text

    text = md_text if markdown else str  # people's text (names, the plan's items) as Markdown shows it as text
    lines: list[str] = []
    h1, h2, bullet = ("# ", "## ", "- ") if markdown else ("", "", "  ")
    left, right = ("\\[", "\\]") if markdown else ("[", "]")
    lines.append(f"{h1}{i18n.t('remind_title', date=as_of.isoformat())}")
    lines.append("")
    if not items:
        lines.append(i18n.t("remind_none", date=as_of.isoformat()))
        lines.append("")
    for helper in order:
        if helper is None:
            heading = i18n.t("remind_unpaired")
        else:
            name, role = roles[helper]
            role = role and i18n.label("role", role)
            if shared[name] > 1:  # the id tells them apart, on this list printed alone too
                key = "remind_helper_id_role" if role else "remind_helper_id"
                heading = i18n.t(key, name=text(name), id=helper, role=role)
            else:
                heading = i18n.t("remind_helper_role", name=text(name), role=role) if role else text(name)
        group = groups[helper]
        lines.append(f"{h2}{heading} · {i18n.t('remind_items', n=len(group))}")
        if markdown:
            lines.append("")
        for item in group:
            mark = "**" if markdown and item.priority == "urgent" else ""
            priority = f"{mark}{left}{i18n.label('priority', item.priority)}{right}{mark}"
            lines.append(
                f"{bullet}{priority} {text(item.name)}（{item.child_id}）："
                f"{i18n.label('rule', item.rule)}，{item.due_date.isoformat()}，{_when(item)}"
                if i18n.lang() == "zh"
                else f"{bullet}{priority} {text(item.name)} ({item.child_id}): "
                f"{i18n.label('rule', item.rule)}, {item.due_date.isoformat()}, {_when(item)}"
            )
        lines.append("")
    if schedule:
        lines.append(f"{h2}{i18n.t('remind_schedule')}")
        if markdown:
            lines.append("")
        for item in schedule:
            lines.append(f"{bullet}{text(item.name)}")
        lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"
