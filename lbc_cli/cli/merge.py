"""merge: another lbc database (a village's file, or a URL) combined into this one, by uid."""

from typing import Annotated

import typer

from lbc_cli import console, i18n
from lbc_cli.cli.options import BomOpt, ListFormatOpt, check_format, database, opt_slug, state, today
from lbc_cli.errors import ExitCode, LbcError

_ = i18n.bi

MERGE_COLUMNS = ["table", "added", "identical", "conflicts", "overwritten"]


def merge(
    other: Annotated[
        str,
        typer.Argument(
            help=_("要并入的另一个 lbc 数据库:文件或 URL(只读)", "the other lbc database: a file or a URL (only read)"),
            metavar="OTHER",
        ),
    ],
    dry_run: Annotated[
        bool,
        typer.Option("--dry-run", help=_("只报告将做的改动,不写入", "report what the merge would do; write nothing")),
    ] = False,
    prefer: Annotated[
        str | None,
        typer.Option(
            "--prefer",
            help=_(
                "冲突时 mine 保留本库的值,theirs 采用对方的值;不给则有冲突时不合并(退出码 1)",
                "settle conflicts: mine keeps these values, theirs takes OTHER's; without it a conflict "
                "refuses the whole merge (exit 1)",
            ),
            metavar="mine|theirs",
        ),
    ] = None,
    force: Annotated[
        bool,
        typer.Option(
            "--force",
            help=_(
                "身份证号相同、或姓名和出生日期相同(帮扶人:姓名和电话相同)但 UID 不同的记录也作为新记录并入",
                "bring in a child with another uid but the same id number, or name and birth date "
                "(a helper: name and phone), as a new record instead of matching it",
            ),
        ),
    ] = False,
    fmt: ListFormatOpt = "table",
    bom: BomOpt = False,
) -> None:
    """Bring another lbc database's rows in by uid: new rows added, identical ones skipped, conflicts named."""
    from lbc_cli import io, output
    from lbc_cli import merge as merging

    fmt = check_format(fmt, output.LIST, bom=bom)
    prefer = opt_slug("prefer", prefer, "--prefer")
    target = database()
    source = merging.open_source(target, other, opened=state.opened)
    with io.progress(i18n.t("merging", other=source.display)) as advance:
        outcome = merging.run(
            target, source, prefer=prefer, today=today(), force=force, dry_run=dry_run, progress=advance
        )
    outcome.problems.raise_if_any("merge_bad")  # OTHER's bad rows first: its conflicts mean little until they are fixed
    unsettled = outcome.unsettled
    lines = [c.line() for c in unsettled]
    if unsettled and not dry_run:
        raise LbcError(
            i18n.t("merge_refused", n=len(unsettled), s=i18n.plural(len(unsettled)), other=source.display),
            ExitCode.REFUSED,
            details=lines,
        )
    output.write(output.Table(MERGE_COLUMNS, outcome.rows(), enums={"table": "table"}), fmt, bom=bom)
    settled = [c for c in outcome.conflicts if c.settled]
    if settled:
        console.info(
            i18n.t(
                f"merge_settled_{prefer}" if prefer else "merge_settled", n=len(settled), s=i18n.plural(len(settled))
            )
        )
        for conflict in settled:
            console.detail(conflict.line())
    counts: dict = {what: outcome.total(what) for what in ("added", "identical", "conflicts")}
    counts.update(s=i18n.plural(counts["conflicts"]), s_added=i18n.plural(counts["added"]))
    if dry_run:
        if unsettled:
            raise LbcError(
                i18n.t("merge_refused_dry", n=len(unsettled), s=i18n.plural(len(unsettled))),
                ExitCode.REFUSED,
                details=lines,
            )
        console.info(i18n.t("merge_dry_run", other=source.display, **counts))
    else:
        console.info(i18n.t("merge_done", other=source.display, **counts))
