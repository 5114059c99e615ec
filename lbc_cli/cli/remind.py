"""remind: what care work is due or overdue, grouped by helper, for people and for cron."""

from typing import Annotated

import typer

from lbc_cli import i18n
from lbc_cli.cli.options import AsOfOpt, BomOpt, RemindFormatOpt, check_format, database, today, write_out
from lbc_cli.errors import ExitCode, LbcError

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
                "只列该村的儿童;写乡镇名(不是某个村的名称)则列出名称以它开头的各村",
                "only this village's children; a township's name (no village's) takes every village whose name"
                " starts with it",
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
    send: Annotated[
        bool,
        typer.Option(
            "--send",
            help=_(
                "发送到各渠道(lbc channel add),每个渠道只收到其范围内的提醒;同一提醒在 resend_days 天内不重复发送",
                "send to the channels (lbc channel add), each the reminders of its scope; a reminder is not sent "
                "to a channel again within resend_days",
            ),
        ),
    ] = False,
    channel: Annotated[
        list[str] | None,
        typer.Option(
            "--channel",
            help=_("与 --send 同用:只发送到这些渠道(可重复)", "with --send: only these channels (repeatable)"),
            metavar="NAME",
        ),
    ] = None,
    dry_run: Annotated[
        bool,
        typer.Option(
            "--dry-run",
            help=_(
                "与 --send 同用:打印将要发送的消息,不发送,不记录",
                "with --send: print the messages that would be sent; nothing is posted or recorded",
            ),
        ),
    ] = False,
) -> None:
    """Due and overdue care work as of a date; text and Markdown are grouped by helper; --send posts it."""
    if send:
        _send(as_of, within, helper, village, fmt, out, bom, fail_if_due, channel, dry_run)
        return
    if dry_run or channel:
        raise LbcError(i18n.t("send_needed", option="--dry-run" if dry_run else "--channel"), ExitCode.USAGE)
    from lbc_cli import output, reminder_facts, sending

    fmt = check_format(fmt, output.REMINDERS, bom=bom, out=out, default="text")
    now = today(as_of)
    work = reminder_facts.due_work(database(), now, within, helper=helper, village=village)
    if fmt in ("text", "md"):
        write_out(sending.grouped_text(work, now, markdown=fmt == "md"), fmt, out)
    else:
        write_out(_table(work), fmt, out, bom=bom)
    _village_hint(village, len(work.children))
    if fail_if_due and work.due.places:
        raise typer.Exit(int(ExitCode.DUE))


def _send(as_of, within, helper, village, fmt, out, bom, fail_if_due, names, dry_run) -> None:
    """`remind --send`: each channel's line on stderr as it is done (with --dry-run its messages on stdout,
    each under a line naming the channel and its place); exit 5 when any channel failed, else 4 with
    --fail-if-due and something due."""
    from lbc_cli import console, sending

    if fmt is not None or out is not None or bom:
        option = "--format" if fmt is not None else "--out" if out is not None else "--bom"
        raise LbcError(i18n.t("send_no_output", option=option), ExitCode.USAGE)
    now = today(as_of)

    def report(result: sending.ChannelResult) -> None:
        for n, text in enumerate(result.texts, 1):
            console.out(i18n.t("send_dry_header", name=result.name, n=n, total=len(result.texts)))
            console.out(text)
            console.out()
        console.info(_line(result, dry_run))

    run = sending.send_reminders(
        database(), now, within, helper=helper, village=village, names=names, dry_run=dry_run, report=report
    )
    _village_hint(village, run.children)
    if any(result.error for result in run.channels):
        raise typer.Exit(int(ExitCode.SEND_FAILED))
    if fail_if_due and run.due:
        raise typer.Exit(int(ExitCode.DUE))


def _line(result, dry_run: bool) -> str:
    """A channel's line: sent (or with --dry-run, would send) so many messages, or nothing new, or why it failed."""
    if result.error:
        return i18n.t("send_failed", error=result.error, sent=result.messages, total=result.total)
    counts = {"name": result.name, "left": result.left_out, "days": result.resend_days}
    if not result.total:
        return i18n.t("send_nothing_new", **counts)
    key = "send_dry_run" if dry_run else "send_sent"
    return i18n.t(key, messages=result.messages, reminders=result.reminders, **counts)


def _village_hint(village: str | None, children: int) -> None:
    if village and not children:
        from lbc_cli import console, register

        # a misspelt village must not read as "nothing due": said whether or not a close one is found
        hint = register.village_hint(database(), village, prefix=True, always=True)
        if hint:
            console.warn(hint)


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
