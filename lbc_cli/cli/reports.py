"""report plan/summary/child/month: Markdown documents from Jinja2 templates (or their context as JSON)."""

import os
import re
from datetime import date
from typing import Annotated

import typer

from lbc_cli import console, i18n
from lbc_cli.cli.options import (
    AsOfOpt,
    ReportFormatOpt,
    RevealOpt,
    check_format,
    database,
    opt_date,
    today,
    write_out,
)
from lbc_cli.errors import ExitCode, Invalid
from lbc_cli.output import DOCUMENT
from lbc_cli.validate import FIRST_YEAR, LAST_YEAR

_ = i18n.bi

report_app = typer.Typer(
    help=_("文档:工作计划、工作总结、儿童档案、月报", "documents: work plan, work summary, child's record, month")
)

OutOpt = Annotated[
    str | None, typer.Option("--out", "-o", help=_("写入文件(原子写入)", "write to FILE (atomically)"), metavar="FILE")
]
TemplatesOpt = Annotated[
    str | None,
    typer.Option(
        "--templates",
        help=_(
            "自定义模板文件夹,同名文件覆盖内置模板(环境变量 LBC_TEMPLATES)",
            "folder of your own templates, overriding the packaged ones file by file (env LBC_TEMPLATES)",
        ),
        metavar="DIR",
    ),
]
YearOpt = Annotated[
    int | None, typer.Option("--year", help=_("年度(默认今年)", "year (default: this year)"), min=1900, max=2199)
]


def _emit(report: str, context: dict, fmt: str, out: str | None, templates: str | None, title: str) -> None:
    import json

    from lbc_cli import io, reports

    fmt = check_format(fmt, DOCUMENT, out=out, default="md")
    templates = templates or os.environ.get("LBC_TEMPLATES") or None
    if fmt == "json":
        text = json.dumps(context, ensure_ascii=False, indent=2, default=io.cell) + "\n"
    elif fmt == "docx":
        from lbc_cli import docx_writer

        text = docx_writer.to_docx(reports.render_markdown(report, context, templates), context)
    else:
        text = reports.render_markdown(report, context, templates)
        if fmt == "html":
            text = reports.to_html(text, title, context)
    write_out(text, fmt, out)
    if out and out != "-":
        console.info(i18n.t("report_written", file=out))


@report_app.command("plan", help=_("年度工作计划(填好计划中的各项空白)", "the year's work plan, every blank filled"))
def report_plan(
    year: YearOpt = None,
    as_of: AsOfOpt = None,
    fmt: ReportFormatOpt = None,
    out: OutOpt = None,
    templates: TemplatesOpt = None,
) -> None:
    from lbc_cli import reports

    now = today(as_of)
    context = reports.context(database(), "plan", year=year or now.year, as_of=now)
    _emit("plan", context, fmt, out, templates, i18n.t("title_plan", year=context["year"]))


@report_app.command(
    "summary", help=_("年度工作总结(或 --from/--to 一段时间)", "the year's work summary (or a period with --from/--to)")
)
def report_summary(
    year: YearOpt = None,
    from_: Annotated[str | None, typer.Option("--from", help=_("起始日期", "period start"), metavar="DATE")] = None,
    to: Annotated[str | None, typer.Option("--to", help=_("截止日期", "period end"), metavar="DATE")] = None,
    as_of: AsOfOpt = None,
    fmt: ReportFormatOpt = None,
    out: OutOpt = None,
    templates: TemplatesOpt = None,
) -> None:
    from lbc_cli import reports

    now = today(as_of)
    the_year = year or now.year
    start = opt_date(from_, "--from", now) or date(the_year, 1, 1)
    end = opt_date(to, "--to", now) or date(the_year, 12, 31)
    if start > end:
        raise Invalid("--from", i18n.t("period_order", start=start, end=end), ExitCode.USAGE)
    context = reports.context(
        database(), "summary", start=start, end=end, as_of=now, year=the_year if not from_ else None
    )
    _emit("summary", context, fmt, out, templates, i18n.t("title_summary", start=start, end=end))


@report_app.command(
    "child",
    help=_("一名儿童的档案(按全国登记表的分组)", "one child's record, laid out after the national registration form"),
)
def report_child(
    ref: Annotated[str, typer.Argument(help=_("儿童:编号、姓名或拼音首字母", "child: id, name or pinyin initials"))],
    as_of: AsOfOpt = None,
    reveal: RevealOpt = False,
    fmt: ReportFormatOpt = None,
    out: OutOpt = None,
    templates: TemplatesOpt = None,
) -> None:
    from lbc_cli import reports

    now = today(as_of)
    context = reports.context(database(), "child", ref=ref, as_of=now, reveal=reveal)
    _emit("child", context, fmt, out, templates, context["child"]["name"])


@report_app.command(
    "month", help=_("月报:本月做了什么,下月到期什么", "the month: what was done, and what falls due next month")
)
def report_month(
    month: Annotated[
        str | None,
        typer.Option(
            "--month", help=_("月份,如 2026-03(默认本月)", "month YYYY-MM (default: this month)"), metavar="YYYY-MM"
        ),
    ] = None,
    as_of: AsOfOpt = None,
    fmt: ReportFormatOpt = None,
    out: OutOpt = None,
    templates: TemplatesOpt = None,
) -> None:
    from lbc_cli import reports

    now = today(as_of)
    if month is None:
        year, number = now.year, now.month
    else:
        match = re.fullmatch(r"\s*(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?\s*", month)
        if not match or not 1 <= int(match[2]) <= 12 or not FIRST_YEAR <= int(match[1]) <= LAST_YEAR:
            raise Invalid("--month", i18n.t("bad_month", value=month), ExitCode.USAGE)
        year, number = int(match[1]), int(match[2])
    context = reports.context(database(), "month", year=year, month=number, as_of=now)
    _emit("month", context, fmt, out, templates, i18n.t("title_month", month=context["month"]))
