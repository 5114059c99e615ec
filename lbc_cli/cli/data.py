"""export and import: every table to CSV, JSON, JSON lines or Excel and back, masked unless --reveal."""

from typing import Annotated

import typer

from lbc_cli import console, i18n, tables
from lbc_cli.cli.options import (
    BomOpt,
    ExportFormatOpt,
    ImportFormatOpt,
    RevealOpt,
    check_format,
    check_labels,
    database,
    no_binary_on_terminal,
    opt_date,
    opt_slug,
    today,
    write_out,
)
from lbc_cli.errors import ExitCode, LbcError
from lbc_cli.output import FILE, READ, read_format

_ = i18n.bi

EXPORT_TABLES = ("children", "helpers", "pairs", "contacts", "exams", "exits", "scores")
IMPORT_TABLES = ("children", "helpers", "pairs", "contacts", "exams", "exits")
CHILD_TABLES = ("children", "pairs", "contacts", "exams", "exits")  # --status: the children's, and their rows
# The payroll's and the registration form's columns, now in the library (here for code that imported them here)
SCORE_EXPORT_COLUMNS = tables.PAYROLL_COLUMNS
REGISTRATION_FORM = tables.REGISTRATION_FORM


def export(
    table: Annotated[str, typer.Argument(help=_("表:", "table: ") + ", ".join(EXPORT_TABLES), metavar="TABLE")],
    fmt: ExportFormatOpt = None,
    out: Annotated[
        str | None,
        typer.Option(
            "--out", "-o", help=_("写入文件(默认标准输出)", "write to FILE (default: stdout)"), metavar="FILE"
        ),
    ] = None,
    bom: BomOpt = False,
    reveal: RevealOpt = False,
    year: Annotated[
        int | None,
        typer.Option(
            "--year", help=_("学年(导出 scores 时必填)", "school year (needed for scores)"), min=1900, max=2199
        ),
    ] = None,
    village: Annotated[
        str | None, typer.Option(help=_("只导出该村的儿童", "children of this village only"), metavar="TEXT")
    ] = None,
    status: Annotated[
        str | None,
        typer.Option(
            help=_(
                "只导出该状态的儿童及其结对、联系、成绩： active / exited / purged / all；"
                "默认不含已删除个人信息的， 登记表默认只含在册儿童",
                "children (and their pairs, contacts, exams) of this status only: active, exited, purged or all;"
                " by default all but the purged (the registration form: the active only)",
            ),
            metavar="STATUS",
        ),
    ] = None,
    labels: Annotated[
        bool,
        typer.Option(
            "--labels",
            help=_(
                "表头和代码值写成当前语言的名称， 如 性别：女； xlsx 默认如此",
                "headers and coded values as labels in the session's language (gender: female); xlsx's default",
            ),
        ),
    ] = False,
    slugs: Annotated[
        bool,
        typer.Option(
            "--slugs",
            help=_(
                "表头写列名、值写代码， 如 F 表示女； csv、json、jsonl 默认如此",
                "column names and codes (gender: F); the default but for xlsx",
            ),
        ),
    ] = False,
    from_: Annotated[
        str | None, typer.Option("--from", help=_("联系记录起始日期", "contacts from this date"), metavar="DATE")
    ] = None,
    to: Annotated[
        str | None, typer.Option("--to", help=_("联系记录截止日期", "contacts up to this date"), metavar="DATE")
    ] = None,
    layout: Annotated[
        str | None,
        typer.Option(
            help=_(
                "registration-form： 按全国农村留守儿童基本情况登记表的列， 中文表头， 序号从 1 起；"
                " 可用 lbc import children 导入",
                "registration-form: the national registration form's columns (Chinese headers, rows numbered from 1),"
                " read back by lbc import children",
            ),
            metavar="LAYOUT",
        ),
    ] = None,
) -> None:
    """Write a whole table with the columns of the spec; phone and id numbers masked unless --reveal."""
    from lbc_cli import io, models

    fmt = check_format(fmt, FILE, bom=bom, out=out, default="csv")
    no_binary_on_terminal(fmt, out)
    labels = check_labels(fmt, labels, slugs)
    name = table.strip().lower()
    if name not in EXPORT_TABLES:
        raise LbcError(i18n.t("export_unknown", table=table, choices=", ".join(EXPORT_TABLES)), ExitCode.USAGE)
    if name == "scores":
        if year is None:
            raise LbcError(i18n.t("export_year_needed"), ExitCode.USAGE)
        n = write_out(tables.payroll(database(), year, labels=labels), fmt, out, bom=bom)
        if out and out != "-":
            console.info(i18n.t("exported", n=n, file=out))
        return
    if layout is not None and layout != "registration-form":
        raise LbcError(i18n.t("bad_choice", value=layout, choices="registration-form"), ExitCode.USAGE)
    if layout is not None and name != "children":
        raise LbcError(i18n.t("form_children_only", table=name), ExitCode.USAGE)
    if layout is not None and slugs:
        raise LbcError(i18n.t("form_no_slugs"), ExitCode.USAGE)
    if village is not None and name != "children":
        raise LbcError(i18n.t("filter_table", option="--village", table="children"), ExitCode.USAGE)
    if status is not None and name == "helpers":
        raise LbcError(i18n.t("filter_table", option="--status", table=", ".join(CHILD_TABLES)), ExitCode.USAGE)
    if (from_ is not None or to is not None) and name != "contacts":
        raise LbcError(i18n.t("filter_table", option="--from/--to", table="contacts"), ExitCode.USAGE)
    model = models.TABLES[name]
    columns = models.export_columns(model)
    filters = {}
    if village is not None:
        filters["village"] = village
    wanted = opt_slug("status_filter", status, "--status")
    start, end = opt_date(from_, "--from", today()), opt_date(to, "--to", today())
    found = tables.exported(
        database(),
        model,
        columns,
        reveal=reveal,
        equal=filters,
        start=start,
        end=end,
        status=wanted,
        labels=labels,
        form=layout is not None,
    )
    with found as table, io.progress(i18n.t("exporting", table=name)) as advance:
        n = write_out(table, fmt, out, bom=bom, progress=advance)  # counted on a terminal's progress line
    if out and out != "-":
        console.info(i18n.t("exported", n=n, file=out))
    if village and not n:
        from lbc_cli import register

        hint = register.village_hint(database(), village)
        if hint:
            console.warn(hint)


def import_(
    table: Annotated[str, typer.Argument(help=_("表:", "table: ") + ", ".join(IMPORT_TABLES), metavar="TABLE")],
    file: Annotated[
        str,
        typer.Argument(
            help=_("文件(csv/json/jsonl/xlsx);- 表示标准输入", "file (csv/json/jsonl/xlsx); - for stdin"),
            metavar="FILE",
        ),
    ],
    fmt: ImportFormatOpt = None,
    encoding: Annotated[
        str | None,
        typer.Option(
            help=_(
                "文本编码:utf-8、utf-8-sig 或 gbk(BOM 会自动识别)",
                "text encoding: utf-8, utf-8-sig or gbk (a BOM is detected)",
            ),
            metavar="ENC",
        ),
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help=_("只检查,不写入", "check every row, write nothing"))
    ] = False,
    force: Annotated[
        bool,
        typer.Option(
            "--force",
            help=_(
                "同名同生日或同身份证号的儿童、同名同电话的帮扶人也导入",
                "import children that duplicate a record, and helpers with another's name and phone",
            ),
        ),
    ] = False,
) -> None:
    """Bulk load a table: every row checked first; all of it written in one transaction, or nothing."""
    from lbc_cli import io, tables

    name = table.strip().lower()
    if name not in IMPORT_TABLES:
        raise LbcError(i18n.t("import_not_table", table=table, choices=", ".join(IMPORT_TABLES)), ExitCode.USAGE)
    fmt = check_format(read_format(file, fmt), READ)
    if encoding is not None:
        encoding = check_format(encoding, io.ENCODINGS, "--encoding")
    now = today()
    db = database()
    warnings: list[str] = []
    with io.progress(i18n.t("importing", table=name)) as advance:
        n = tables.import_file(
            db,
            name,
            file,
            fmt=fmt,
            encoding=encoding,
            today=now,
            dry_run=dry_run,
            force=force,
            progress=advance,
            warn=warnings.append,
        )
    for warning in warnings:
        console.warn(warning)
    table_name = i18n.label("export", name)  # the table as the export's sheet names it (儿童, contacts)
    if dry_run:
        console.info(i18n.t("import_checked_one" if n == 1 else "import_checked", n=n))
    else:
        console.info(i18n.t("imported", n=n, s="" if n == 1 else "s", table=table_name))
