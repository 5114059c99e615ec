"""cron --print: the crontab line that sends (or writes) the reminders on a schedule, as cron runs it."""

from typing import Annotated

import typer

from lbc_cli import console, i18n
from lbc_cli.cli.options import database
from lbc_cli.errors import ExitCode, LbcError

_ = i18n.bi


def cron(
    print_: Annotated[
        bool,
        typer.Option(
            "--print", help=_("输出这一行(不改动你的定时任务表)", "print the line (your crontab is not changed)")
        ),
    ] = False,
    at: Annotated[
        str | None,
        typer.Option(
            "--at",
            help=_(
                "何时运行:五个字段 分 时 日 月 周,或 @daily、@weekly、@monthly、@hourly;默认 0 8 * * 1,每周一 8:00",
                "when it runs: five cron fields, minute hour day month weekday, or @daily, @weekly, @monthly, "
                "@hourly; default 0 8 * * 1, Mondays at 08:00",
            ),
            metavar="SCHEDULE",
        ),
    ] = None,
) -> None:
    """Print one crontab line: this lbc and the database by absolute paths, the session's language, the log."""
    from lbc_cli import cron as crontab

    if not print_:
        raise LbcError(i18n.t("cron_needs_print"), ExitCode.USAGE)
    when = crontab.schedule(at)  # a usage error before the database is opened
    made = crontab.line(database(), when)
    console.out(made.text)
    for warning in made.warnings:
        console.warn(warning)
    for note in made.notes:
        console.info(note)
