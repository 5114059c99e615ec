"""exam add/list and score: exam ranks in, the year's assessment (考核及奖励) out."""

from collections.abc import Sequence
from typing import Annotated

import typer

from lbc_cli import console, i18n
from lbc_cli.cli.options import (
    AsOfOpt,
    BomOpt,
    ListFormatOpt,
    ReasonOpt,
    RowId,
    RowIds,
    YesOpt,
    check_format,
    database,
    today,
)
from lbc_cli.errors import ExitCode, Invalid

_ = i18n.bi

exam_app = typer.Typer(help=_("考试名次与品行记录", "exam ranks and conduct"))

CHILD_SCORE_COLUMNS = [
    "child_id",
    "name",
    "school_year",
    "baseline_rank",
    "rank",
    "rank_points",
    "keep_points",
    "conduct_points",
    "merit_points",
    "score",
    "note",
]
HELPER_SCORE_COLUMNS = ["helper_id", "name", "role", "children", "score", "yuan"]
AWARD_COLUMNS = ["child_id", "name", "award", "yuan"]
EXAM_COLUMNS = [
    "id",
    "child_id",
    "name",
    "school_year",
    "term",
    "class_rank",
    "class_size",
    "total_score",
    "merit_student",
    "serious_violation",
]
SCORE_ENUMS = {"role": "role", "award": "award", "note": "note"}
YearOpt = Annotated[
    int,
    typer.Option(
        "--year", help=_("学年(从该年 9 月 1 日起)", "school year (starting 1 September)"), min=1900, max=2199
    ),
]


@exam_app.command("add", help=_("记录一次期末名次与品行", "record a term's class rank and conduct"))
def exam_add(
    child: Annotated[str, typer.Argument(help=_("儿童:编号、姓名或拼音首字母", "child: id, name or pinyin initials"))],
    year: YearOpt,
    term: Annotated[
        int, typer.Option(help=_("学期:1(1 月期末)或 2(7 月期末)", "term: 1 (ends in January) or 2 (July)"))
    ],
    rank: Annotated[int, typer.Option(help=_("班级名次(1 为第一名)", "class rank (1 is the top)"))],
    class_size: Annotated[int | None, typer.Option(help=_("班级人数", "pupils in the class"))] = None,
    total: Annotated[
        str | None, typer.Option(help=_("考试总分", "total exam score"), metavar="X", show_default=False)
    ] = None,
    merit_student: Annotated[
        bool, typer.Option("--merit-student", help=_("获“三好学生”称号", "named a merit student"))
    ] = False,
    serious_violation: Annotated[
        bool,
        typer.Option(
            "--serious-violation", help=_("有严重违纪违法行为", "a serious violation of school rules or the law")
        ),
    ] = False,
    replace: Annotated[
        bool, typer.Option("--replace", help=_("替换已有的同学期记录", "replace the record of that term"))
    ] = False,
) -> None:
    from lbc_cli import assessment

    raw = {
        "school_year": year,
        "term": term,
        "class_rank": rank,
        "class_size": class_size,
        "total_score": total,
        "merit_student": merit_student,
        "serious_violation": serious_violation,
    }
    exam_id, kid = assessment.record_exam(database(), child, raw, replace=replace, today=today())
    console.out(str(exam_id))
    console.info(i18n.t("exam_saved", name=kid.name, year=year, term=term, rank=rank))


@exam_app.command("list", help=_("列出考试记录", "list exam records"))
def exam_list(
    child: Annotated[str | None, typer.Option(help=_("只列该儿童的", "only this child's"), metavar="CHILD")] = None,
    year: Annotated[int | None, typer.Option(help=_("只列该学年", "only this school year"))] = None,
    fmt: ListFormatOpt = "table",
    bom: BomOpt = False,
) -> None:
    from lbc_cli import assessment, output

    fmt = check_format(fmt, output.LIST, bom=bom)
    found = assessment.exams(database(), child=child, school_year=year)
    rows = [
        {
            "id": e.id,
            "child_id": e.child_id,
            "name": name,
            "school_year": e.school_year,
            "term": e.term,
            "class_rank": e.class_rank,
            "class_size": e.class_size,
            "total_score": e.total_score,
            "merit_student": e.merit_student,
            "serious_violation": e.serious_violation,
        }
        for e, name in found
    ]
    output.write(output.Table(EXAM_COLUMNS, rows), fmt, bom=bom)


def parse_overrides(pairs: list[str] | None) -> dict:
    """--set KEY=VALUE pairs, each checked like `lbc config set`."""
    from lbc_cli import settings

    values = {}
    for pair in pairs or []:
        key, sep, value = pair.partition("=")
        if not sep:
            raise Invalid("--set", i18n.t("bad_set"), ExitCode.USAGE)
        setting = settings.lookup(key)
        values[setting.key] = setting.parse(value)
    return values


def score_columns(year: int, result) -> dict[str, list[Sequence]]:
    """Each view's values column by column, in the order of its columns (VIEWS)."""
    from lbc_cli.rules import scoring

    def columns(rows: list[tuple], kind, names: list[str], **constant) -> list[Sequence]:
        by_field = dict(zip(kind._fields, zip(*rows, strict=True) if rows else [()] * len(kind._fields), strict=True))
        by_field.update({field: [value] * len(rows) for field, value in constant.items()})
        return [by_field[c] for c in names]

    return {
        "children": columns(result.children, scoring.ChildScore, CHILD_SCORE_COLUMNS, school_year=year),
        "helpers": columns(result.helpers, scoring.HelperScore, HELPER_SCORE_COLUMNS),
        "awards": columns(result.awards, scoring.Award, AWARD_COLUMNS),
    }


VIEWS = {"children": CHILD_SCORE_COLUMNS, "helpers": HELPER_SCORE_COLUMNS, "awards": AWARD_COLUMNS}


def score(
    year: YearOpt,
    view: Annotated[
        str | None,
        typer.Option(
            help=_("children、helpers 或 awards(默认三者都列)", "children, helpers or awards (default: all three)")
        ),
    ] = None,
    set_: Annotated[
        list[str] | None,
        typer.Option(
            "--set",
            help=_(
                "临时改用某规则值试算(不保存),如 --set top_keep_rank=5",
                "try another rule value without saving it, e.g. --set top_keep_rank=5",
            ),
            metavar="KEY=VALUE",
        ),
    ] = None,
    as_of: AsOfOpt = None,
    fmt: ListFormatOpt = "table",
    bom: BomOpt = False,
) -> None:
    import sys

    from lbc_cli import assessment, output

    fmt = check_format(fmt, output.LIST, bom=bom)
    if view is not None and view not in VIEWS:
        raise Invalid("--view", i18n.t("bad_choice", value=view, choices=", ".join(VIEWS)), ExitCode.USAGE)
    result = assessment.school_year(
        database(), year, overrides=parse_overrides(set_), as_of=today(as_of), helpers=view in (None, "helpers")
    )
    values = score_columns(year, result)
    views = [view] if view else list(VIEWS)
    if len(views) > 1 and fmt != "json" and not output.FORMATS[fmt].for_people:  # json holds them all
        raise Invalid("--view", i18n.t("score_view_needed", fmt=fmt), ExitCode.USAGE)
    if len(views) > 1 and fmt == "json":
        output.write_json_tables({name: output.Table(VIEWS[name], by_column=values[name]) for name in views})
        return
    for name in views:
        title = i18n.t(f"score_title_{name}", year=year) if len(views) > 1 or fmt in ("table", "md") else None
        if title and fmt == "table":
            sys.stdout.write(f"{title}\n")
        table = output.Table(
            VIEWS[name], by_column=values[name], enums=SCORE_ENUMS, title=title if fmt == "md" else None
        )
        output.write(table, fmt, bom=bom)
        if len(views) > 1:
            sys.stdout.write("\n")


@exam_app.command("edit", help=_("更正一条考试记录（只改给出的项）", "correct one exam record (the fields given)"))
def exam_edit(
    id: RowId,
    rank: Annotated[
        str | None, typer.Option(help=_("班级名次（1 为第一名）", "class rank (1 is the top)"), metavar="N")
    ] = None,
    class_size: Annotated[
        str | None, typer.Option(help=_("班级人数（空值清除）", "pupils in the class ('' clears)"), metavar="N")
    ] = None,
    total: Annotated[
        str | None, typer.Option(help=_("考试总分（空值清除）", "total exam score ('' clears)"), metavar="X")
    ] = None,
    merit_student: Annotated[
        bool | None,
        typer.Option(
            "--merit-student/--no-merit-student",
            help=_("是否获“三好学生”称号", "named a merit student or not"),
            show_default=False,
        ),
    ] = None,
    serious_violation: Annotated[
        bool | None,
        typer.Option(
            "--serious-violation/--no-serious-violation",
            help=_("是否有严重违纪违法行为", "a serious violation of school rules or the law, or not"),
            show_default=False,
        ),
    ] = None,
    reason: ReasonOpt = None,
) -> None:
    """Correct one exam record: the checks of `exam add` apply to it as corrected."""
    from lbc_cli import corrections
    from lbc_cli.cli.care import corrected

    given = {
        "class_rank": rank,
        "class_size": class_size,
        "total_score": total,
        "merit_student": merit_student,
        "serious_violation": serious_violation,
    }
    raw = {key: value for key, value in given.items() if value is not None}
    exam, changed = corrections.edit_exam(database(), id, raw, reason=reason, today=today())
    corrected("exams", exam.id, changed)


@exam_app.command(
    "delete",
    help=_(
        "删除误记的考试记录（原值留在审计日志中）；会先询问，或加 --yes",
        "remove exam records entered by mistake (their values stay in the audit log); asks first, or --yes",
    ),
)
def exam_delete(ids: RowIds, reason: ReasonOpt = None, yes: YesOpt = False) -> None:
    """Remove exam records entered by mistake, all or none."""
    from lbc_cli import corrections
    from lbc_cli.cli.care import deletion

    deleted = corrections.delete_exams(database(), ids, reason=reason, confirm=deletion("exams", ids, yes))
    console.info(i18n.t("deleted_rows", what=i18n.t("what_exams"), ids=", ".join(map(str, deleted))))
