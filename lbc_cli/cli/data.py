"""export: every table to CSV or JSON, streamed, masked unless --reveal."""

from typing import Annotated

import typer

from lbc_cli import console, i18n
from lbc_cli.cli.options import RevealOpt, check_format, database
from lbc_cli.errors import ExitCode, LbcError

_ = i18n.bi

EXPORT_TABLES = ("children", "helpers", "pairs", "contacts", "exams", "scores")
# The payroll sheet of a school year: one row per helper (their assessment and its yuan) and one per
# pupil's award. No phone or id number is in it.
SCORE_EXPORT_COLUMNS = ["school_year", "kind", "id", "name", "role", "award", "score", "yuan"]


def payroll_rows(year: int) -> list[dict]:
    from lbc_cli.cli.exams import assessment

    _children, helpers, prizes, _rules = assessment(year, {})
    rows = [
        {"school_year": year, "kind": "helper", "id": h.helper_id, "name": h.name, "role": h.role, "award": None,
         "score": h.score, "yuan": h.yuan}
        for h in helpers
    ]  # fmt: skip
    rows += [
        {"school_year": year, "kind": "child", "id": a.child_id, "name": a.name, "role": None, "award": a.award,
         "score": None, "yuan": a.yuan}
        for a in prizes
    ]  # fmt: skip
    return rows


def export(
    table: Annotated[str, typer.Argument(help=_("表:", "table: ") + ", ".join(EXPORT_TABLES), metavar="TABLE")],
    fmt: Annotated[
        str,
        typer.Option(
            "--format", "-f", help=_("csv(默认)、json 或 jsonl", "csv (default), json or jsonl"), metavar="FORMAT"
        ),
    ] = "csv",
    out: Annotated[
        str | None,
        typer.Option(
            "--out", "-o", help=_("写入文件(默认标准输出)", "write to FILE (default: stdout)"), metavar="FILE"
        ),
    ] = None,
    bom: Annotated[
        bool, typer.Option("--bom", help=_("加 UTF-8 BOM,便于 Excel/WPS 打开", "start with a UTF-8 BOM for Excel/WPS"))
    ] = False,
    reveal: RevealOpt = False,
    year: Annotated[
        int | None, typer.Option("--year", help=_("学年(导出 scores 时必填)", "school year (needed for scores)"))
    ] = None,
) -> None:
    """Write a whole table with the columns of the spec; phone and id numbers masked unless --reveal."""
    from lbc_cli import io, models, store

    fmt = check_format(fmt, ("csv", "json", "jsonl"))
    name = table.strip().lower()
    if name not in EXPORT_TABLES:
        raise LbcError(i18n.t("export_unknown", table=table, choices=", ".join(EXPORT_TABLES)), ExitCode.USAGE)
    if name == "scores":
        if year is None:
            raise LbcError(i18n.t("export_year_needed"), ExitCode.USAGE)
        with io.output(out, bom=bom) as stream:
            n = io.WRITERS[fmt](payroll_rows(year), SCORE_EXPORT_COLUMNS, stream)
        if out:
            console.info(i18n.t("exported", n=n, file=out))
        return
    model = models.TABLES[name]
    columns = models.export_columns(model)
    hide = io.masker(columns, reveal)
    with database().session() as session, io.output(out, bom=bom) as stream:
        rows = (hide(row) for row in store.stream_rows(model, columns, session=session))
        n = io.WRITERS[fmt](rows, columns, stream)
    if out:
        console.info(i18n.t("exported", n=n, file=out))
