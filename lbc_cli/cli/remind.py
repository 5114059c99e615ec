"""remind: what care work is due or overdue, grouped by helper, for people and for cron."""

from contextlib import contextmanager
from datetime import timedelta
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
    from lbc_cli import io, remind_sql
    from lbc_cli.rules import reminders

    fmt = check_format(fmt, REMIND_FORMATS, bom=bom, out=out, default="text")
    now = today(as_of)
    db = database()
    months = reminders.months_between(now, now + timedelta(days=within))
    facts, middle = [], None
    with _reading(db, helper) as (rows, dialect, helper_row):
        helper_id = helper_row.id if helper_row else None
        rules = remind_sql.rule_values(rows)
        plan = remind_sql.schedule(rows, sorted({m for _y, m in months}))
        roles = remind_sql.helper_roles(rows) if fmt in ("text", "md") else {}
        if fmt != "csv":
            facts = remind_sql.facts(rows, dialect, now, helper_id=helper_id, village=village)
        elif helper_id is None and db.path is not None:  # a SQLite file
            middle = remind_sql.middle_name(rows, village=village, at_least=SPLIT_AT)
    if fmt == "csv":  # cron's and a county's format: the lines themselves, in order (_due_lines)
        items = _due_lines(db, helper_id, rules, now, within, village=village, middle=middle)
    else:
        items = reminders.due_reminders(facts, rules, now, within)
    schedule = []
    for year, month in months:
        end = reminders.month_end(year, month)
        for entry_month, text in plan:
            if entry_month == month:
                schedule.append(reminders.Reminder(None, text, "schedule", end, (now - end).days, "normal"))
    with output(out, bom=bom) as stream:
        if fmt in ("text", "md"):
            stream.write(_grouped(items, schedule, roles, now, markdown=fmt == "md", only=helper_row))
        elif fmt == "csv":
            io.write_csv_lines([*items, [_csv_line(item) for item in schedule]], REMIND_COLUMNS, stream)
        else:
            from lbc_cli import render

            rows_out = (
                dict(zip(REMIND_COLUMNS, _cells(i), strict=True)) | {"due_date": i.due_date.isoformat()}
                for i in [*items, *schedule]
            )
            render.render(rows_out, REMIND_COLUMNS, fmt, enums={"rule": "rule", "priority": "priority"}, stream=stream)
    if fail_if_due and items:
        raise typer.Exit(int(ExitCode.DUE))


@contextmanager
def _reading(db, helper: str | None = None):
    """``(rows, dialect, helper row)`` for remind_sql's reads, in one transaction. A SQLite file is read on a
    bare sqlite3 connection (Database.reader), without SQLAlchemy or SQLModel; a database server, or a
    ``--helper`` to find (as every command finds a helper), through a session."""
    if db.path is not None and helper is None:
        with db.reader() as rows:
            yield rows, "sqlite", None
        return
    from lbc_cli import store
    from lbc_cli.models import Helper

    with db.session() as session:
        helper_row = store.resolve(Helper, helper, session=session) if helper else None
        yield store.text_rows(session), session.get_bind().dialect.name, helper_row


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


SPLIT_AT = 20_000  # children: a county's CSV is made in two halves, one by a copy of the process


def _due_lines(db, helper_id, rules, now, within, *, village, middle) -> list[list[str]]:
    """The CSV lines of the children's reminders, most pressing first (``due_reminders``'s order), in
    chunks for io.write_csv_lines: one a pressing key (reminders.in_pressing_groups); a chunk of the
    copy's is one text, its lines joined.

    With ``middle`` (a county on SQLite), in two halves of the children by name: those before it are made by
    a copy of this process (parallel.forked), on the other core, while this one makes the rest. The copy's
    group of each key comes before this one's, since its names sort first: the list one process makes.
    (SQLite compares names by code point, as Python does; PostgreSQL by its collation: it is not split.)
    The copy hands each group over as one text. The two halves are read in two transactions a moment
    apart, as the summary's parts are: a write committed in between (a child renamed across ``middle``, a
    contact logged) may be seen by one half only."""
    from lbc_cli import parallel, remind_sql
    from lbc_cli.rules import reminders

    def half(names=None) -> dict[int, list[str]]:
        with _reading(db) as (rows, dialect, _none):
            facts = remind_sql.facts(rows, dialect, now, helper_id=helper_id, village=village, names=names)
        return reminders.in_pressing_groups(facts, rules, now, within, *_line_parts())

    if middle is None:
        groups = half()
        return [groups[key] for key in sorted(groups)]
    first: dict[int, list[str]] | None = None
    db.dispose()  # no connection of this process's open in the copy (one may be left from an upgrade)
    with parallel.forked(lambda: [{key: ["\r\n".join(lines)] for key, lines in half((None, middle)).items()}]) as made:
        groups = half((middle, None))
        if made is not None:
            try:
                first = next(made)
                next(made, None)  # its end: the copy is done
            except parallel.CopyFailed:
                first = None
    if first is None:  # no copy could be made, or it failed: the first half is made here
        first = half((None, middle))
    keys = sorted(first.keys() | groups.keys())
    return [chunk for key in keys for chunk in (first.get(key), groups.get(key)) if chunk]


def _line_parts():
    """``head``, ``middle`` and ``tail`` for ``reminders.in_pressing_groups``: a child's items as CSV lines
    (``_csv_line``'s), for a county's 300,000. Only the name and the helpers are free text (io.csv_cell):
    the name made once a child, the helpers once for each set of them (a helper has dozens of children);
    the rest are numbers, dates and slugs, each (rule, due date, priority) made once."""
    from lbc_cli.io import csv_cell

    tails: dict[tuple[str, ...], str] = {}

    def head(facts) -> str:
        return _head(facts.id, facts.name, csv_cell)

    def tail(facts) -> str:
        helpers = facts.helpers
        made = tails.get(helpers)
        if made is None:
            made = tails[helpers] = _tail(helpers, csv_cell)
        return made

    return head, _middle, tail


def _csv_line(item) -> str:
    """One item as csv.writer writes its ``_cells`` (io.csv_cell's text and quoting)."""
    from lbc_cli.io import csv_cell

    return _head(item.child_id, item.name, csv_cell) + _middle(*item[2:6]) + _tail(item.helpers, csv_cell)


# A line's three parts: the child, what is due, the helpers (``cell``: io.csv_cell, imported by the caller once)
def _head(child: int | None, name: str, cell) -> str:
    return f"{'' if child is None else child},{cell(name)},"


def _middle(rule: str, due, overdue: int, priority: str) -> str:
    return f"{rule},{due.isoformat()},{overdue},{priority}"


def _tail(helpers: tuple[str, ...], cell) -> str:
    return "," + cell(";".join(helpers))


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
