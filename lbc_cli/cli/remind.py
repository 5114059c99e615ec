"""remind: what care work is due or overdue, grouped by helper, for people and for cron."""

from typing import Annotated

import typer

from lbc_cli import i18n
from lbc_cli.cli.options import AsOfOpt, BomOpt, check_format, database, output, today
from lbc_cli.errors import ExitCode

_ = i18n.bi

REMIND_COLUMNS = ["child_id", "name", "rule", "due_date", "days_overdue", "priority", "helpers"]
REMIND_FORMATS = ("text", "md", "csv", "json", "jsonl", "table")


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
    fmt: Annotated[
        str | None,
        typer.Option(
            "--format",
            "-f",
            help=_(
                "text(默认,或按 --out 文件的扩展名)、md、csv、json、jsonl 或 table",
                "text (default, or what --out's extension names), md, csv, json, jsonl or table",
            ),
            metavar="FORMAT",
        ),
    ] = None,
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
    from lbc_cli import io, reminder_facts
    from lbc_cli.rules import reminders

    fmt = check_format(fmt, REMIND_FORMATS, bom=bom, out=out, default="text")
    now = today(as_of)
    work = reminder_facts.due_work(database(), now, within, helper=helper, village=village)
    with output(out, bom=bom) as stream:
        if fmt == "csv":
            lines = [_csv_lines(work.children, work.due), [_csv_line(item) for item in work.schedule]]
            io.write_csv_lines(lines, REMIND_COLUMNS, stream)
        else:
            items = reminders.as_reminders(work.children, work.due)
            if fmt in ("text", "md"):
                text = _grouped(items, work.schedule, work.roles, now, markdown=fmt == "md", only=work.helper)
                stream.write(text)
            else:
                from lbc_cli import render

                rows_out = (
                    dict(zip(REMIND_COLUMNS, _cells(i), strict=True)) | {"due_date": i.due_date.isoformat()}
                    for i in [*items, *work.schedule]
                )
                enums = {"rule": "rule", "priority": "priority"}
                render.render(rows_out, REMIND_COLUMNS, fmt, enums=enums, stream=stream)
    if fail_if_due and work.due.places:
        raise typer.Exit(int(ExitCode.DUE))


def _cells(item) -> tuple:
    return (
        item.child_id,
        item.name,
        item.rule,
        item.due_date,
        item.days_overdue,
        item.priority,
        ";".join(item.helpers),
    )


def _csv_lines(children: list, due) -> list[str]:
    """The CSV lines (``_csv_line``'s) of ``reminders.due_in_order``'s work for ``children``, in its order. A
    child's cells are made once for all its lines, and a ``Due``'s once for all the children it is due for:
    only the name and the helpers are free text (io.csv_cell); the rest are numbers, dates and slugs."""
    from lbc_cli.io import csv_cell

    helpers: dict[tuple[str, ...], str] = {}  # a helper has dozens of children
    before, after = [], []  # each child's cells before the due work, and after it
    for facts in children:
        cell = helpers.get(facts.helpers)
        if cell is None:
            cell = helpers[facts.helpers] = "," + csv_cell(";".join(facts.helpers))
        before.append(f"{facts.id},{csv_cell(facts.name)},")
        after.append(cell)
    cells = {work: _due_cells(*work) for work in set(due.dues)}
    return [before[place] + cells[work] + after[place] for place, work in zip(*due, strict=True)]


def _csv_line(item) -> str:
    """One item as csv.writer writes its ``_cells`` (io.csv_cell's text and quoting)."""
    from lbc_cli.io import csv_cell

    child = "" if item.child_id is None else item.child_id
    return f"{child},{csv_cell(item.name)},{_due_cells(*item[2:6])},{csv_cell(';'.join(item.helpers))}"


def _due_cells(rule: str, due, overdue: int, priority: str) -> str:
    return f"{rule},{due.isoformat()},{overdue},{priority}"


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


def _grouped(items, schedule, roles, as_of, *, markdown: bool, only=None) -> str:
    """Each helper's own list (a child with two helpers is on both), then unpaired children, then the plan."""
    from lbc_cli.rules.reminders import sort_key

    groups: dict[str, list] = {}
    for item in items:
        names = item.helpers or ("",)
        for name in names:
            if only is None or name == only.name:
                groups.setdefault(name, []).append(item)
    order = sorted((name for name in groups if name), key=lambda n: min(sort_key(i) for i in groups[n]))
    if "" in groups:
        order.append("")
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
    for name in order:
        if name:
            heading = f"{text(name)}({i18n.label('role', roles.get(name))})" if roles.get(name) else text(name)
        else:
            heading = i18n.t("remind_unpaired")
        group = groups[name]
        lines.append(f"{h2}{heading} · {i18n.t('remind_items', n=len(group))}")
        if markdown:
            lines.append("")
        for item in group:
            mark = "**" if markdown and item.priority == "urgent" else ""
            priority = f"{mark}{left}{i18n.label('priority', item.priority)}{right}{mark}"
            lines.append(
                f"{bullet}{priority} {text(item.name)}({item.child_id}):"
                f"{i18n.label('rule', item.rule)},{item.due_date.isoformat()},{_when(item)}"
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
