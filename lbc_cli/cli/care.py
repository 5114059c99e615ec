"""The care network and the work log: pair, log-contact, contact list, schedule."""

from typing import Annotated

import typer

from lbc_cli import console, i18n
from lbc_cli.cli.command_classes import LbcGroup
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
    opt_date,
    opt_slug,
    today,
)
from lbc_cli.errors import ExitCode, Invalid, LbcError

_ = i18n.bi


class DefaultGroup(LbcGroup):
    """`lbc pair CHILD HELPER` pairs; `lbc pair end|list ...` are subcommands. Anything that is not a
    subcommand name goes to the hidden `add` command."""

    def parse_args(self, ctx, args):
        if args and args[0] not in self.commands and args[0] not in ("--help", "-h"):
            args = ["add", *args]
        return super().parse_args(ctx, args)


pair_app = typer.Typer(
    cls=DefaultGroup,
    help=_(
        "结对帮扶:lbc pair 儿童 帮扶人 建立结对;pair end 结束;pair list 列出",
        "the care network: lbc pair CHILD HELPER pairs; pair end ends; pair list lists",
    ),
)
contact_app = typer.Typer(help=_("联系记录", "the contact log"))
schedule_app = typer.Typer(help=_("年度工作安排(按月)", "the year's work schedule, by month"))

ChildRef = Annotated[str, typer.Argument(help=_("儿童:编号、姓名或拼音首字母", "child: id, name or pinyin initials"))]
HelperRef = Annotated[
    str, typer.Argument(help=_("帮扶人:编号、姓名或拼音首字母", "helper: id, name or pinyin initials"))
]
PAIR_COLUMNS = ["id", "child_id", "child", "helper_id", "helper", "role", "start_date", "end_date", "note"]
CONTACT_COLUMNS = [
    "id",
    "date",
    "child_id",
    "child",
    "helper",
    "kind",
    "with_whom",
    "minutes",
    "no_answer",
    "note",
    "follow_up_date",
]
CONTACT_ENUMS = {"kind": "kind", "with_whom": "with", "role": "role"}


def _class_parts(text: str) -> tuple[str, int | None, str]:
    """--class SCHOOL/GRADE/CLASS or SCHOOL/CLASS: (school, grade or None, class)."""
    from lbc_cli import validate

    parts = [part.strip() for part in text.strip().split("/")]
    if len(parts) < 2 or not all(parts):
        raise Invalid("--class", i18n.t("class_format"), ExitCode.USAGE)
    if len(parts) == 2:
        return parts[0], None, parts[1]
    return "/".join(parts[:-2]), validate.parse_grade(parts[-2], "--class"), parts[-1]


@pair_app.command(
    "add",
    hidden=True,
    help=_("建立结对(lbc pair 儿童 帮扶人)", "pair a child with a helper (lbc pair CHILD HELPER)"),
)
def pair_add(
    child: Annotated[str | None, typer.Argument(help=_("儿童", "child"), show_default=False)] = None,
    helper: Annotated[str | None, typer.Argument(help=_("帮扶人", "helper"), show_default=False)] = None,
    since: Annotated[
        str | None, typer.Option(help=_("开始日期(默认今天)", "start date (default: today)"), metavar="DATE")
    ] = None,
    class_: Annotated[
        str | None,
        typer.Option(
            "--class",
            help=_(
                "把一个年级一个班的全部在册儿童与班主任结对:--class 学校/年级/班级 班主任"
                "(年级 1–12,或 五年级、初二;几个年级没有同名的班时可省去年级)",
                "pair every active child of one class of one grade with its teacher: --class SCHOOL/GRADE/CLASS "
                "TEACHER (GRADE 1–12, or 五年级, 初二; SCHOOL/CLASS when no other grade has a class of that name)",
            ),
            metavar="SCHOOL/GRADE/CLASS",
        ),
    ] = None,
    note: Annotated[str | None, typer.Option(help=_("备注", "note"), metavar="TEXT")] = None,
) -> None:
    from lbc_cli import care

    now = today()
    start = opt_date(since, "--since", now) or now
    if class_ is not None:
        # `lbc pair --class SCHOOL/CLASS TEACHER`: the one argument given is the teacher
        teacher = helper or child
        if teacher is None or (child is not None and helper is not None):
            raise Invalid("--class", i18n.t("class_format"), ExitCode.USAGE)
        school, grade, class_name = _class_parts(class_)
        paired = care.pair_class(
            database(), school, class_name, teacher, start=start, note=note, today=now, grade=grade
        )
        for pairing_id in paired.ids:
            console.out(str(pairing_id))
        if paired.teacher.role != "class-teacher":
            console.warn(i18n.t("not_class_teacher", helper=paired.teacher.name))
        console.info(
            i18n.t(
                "class_paired",
                helper=paired.teacher.name,
                n=len(paired.ids),
                school=school,
                class_name=class_name if grade is None else i18n.t("grade_class", grade=grade, class_name=class_name),
                skipped=paired.children - len(paired.ids),
            )
        )
        return
    if child is None or helper is None:
        missing = " ".join(i18n.help_name(word) for word in (["HELPER"] if child else ["CHILD", "HELPER"]))
        raise LbcError(i18n.t("missing_argument", name=missing), ExitCode.USAGE)
    pairing_id, kid, helper_row = care.pair(database(), child, helper, start=start, note=note, today=now)
    console.out(str(pairing_id))
    console.info(i18n.t("paired", child=kid.name, helper=helper_row.name, date=start.isoformat()))


@pair_app.command("end", help=_("结束一个结对(记录保留)", "end a pairing (the record is kept)"))
def pair_end(
    child: ChildRef,
    helper: HelperRef,
    date_: Annotated[
        str | None, typer.Option("--date", help=_("结束日期(默认今天)", "end date (default: today)"), metavar="DATE")
    ] = None,
) -> None:
    from lbc_cli import care

    now = today()
    end = opt_date(date_, "--date", now) or now
    kid, helper_row = care.end_pairing(database(), child, helper, end=end, today=now)
    console.info(i18n.t("pair_ended", child=kid.name, helper=helper_row.name, date=end.isoformat()))


@pair_app.command("list", help=_("列出结对(默认只列进行中的)", "list pairings (those in force unless --all)"))
def pair_list(
    helper: Annotated[
        str | None, typer.Option(help=_("只列该帮扶人的", "only this helper's"), metavar="HELPER")
    ] = None,
    child: Annotated[str | None, typer.Option(help=_("只列该儿童的", "only this child's"), metavar="CHILD")] = None,
    unpaired: Annotated[
        bool, typer.Option("--unpaired", help=_("改为列出尚未结对的儿童", "list the children with no helper instead"))
    ] = False,
    all_: Annotated[bool, typer.Option("--all", help=_("包括已结束的结对", "include ended pairings"))] = False,
    as_of: AsOfOpt = None,
    fmt: ListFormatOpt = "table",
    bom: BomOpt = False,
) -> None:
    from lbc_cli import care, output

    fmt = check_format(fmt, output.LIST, bom=bom)
    now = today(as_of)
    if unpaired:
        kids = care.unpaired_children(database(), as_of=now)
        rows = [{"id": k.id, "name": k.name, "village": k.village, "enrolled_on": k.enrolled_on} for k in kids]
        output.write(output.Table(["id", "name", "village", "enrolled_on"], rows), fmt, bom=bom)
        return
    found = care.pairings(database(), as_of=now, child=child, helper=helper, ended=all_)
    rows = [
        {
            "id": p.id,
            "child_id": p.child_id,
            "child": child_name,
            "helper_id": p.helper_id,
            "helper": helper_name,
            "role": role,
            "start_date": p.start_date,
            "end_date": p.end_date,
            "note": p.note,
        }
        for p, child_name, helper_name, role in found
    ]
    table = output.Table(PAIR_COLUMNS, rows, enums=CONTACT_ENUMS, headers={"child": i18n.field("name")})
    output.write(table, fmt, bom=bom)


def log_contact(
    children: Annotated[
        list[str] | None,
        typer.Argument(
            help=_("一名或多名儿童(编号、姓名或拼音首字母)", "one or more children (ids, names or pinyin initials)"),
            show_default=False,
        ),
    ] = None,
    kind: Annotated[
        str | None, typer.Option(help=_("方式:", "kind: ") + i18n.choices("kind"), metavar="KIND", show_default=False)
    ] = None,
    date_: Annotated[
        str | None,
        typer.Option(
            "--date", help=_("日期(默认今天,不能是将来)", "date (default: today; not in the future)"), metavar="DATE"
        ),
    ] = None,
    helper: Annotated[
        str | None,
        typer.Option(
            help=_(
                "做这次联系的帮扶人;不给儿童时,记给他结对的全部儿童",
                "the helper who made the contact; with no CHILD, all of that helper's children",
            ),
            metavar="HELPER",
        ),
    ] = None,
    village: Annotated[
        str | None,
        typer.Option(
            help=_("不给儿童时,记给该村全部在册儿童", "with no CHILD, every active child of this village"),
            metavar="TEXT",
        ),
    ] = None,
    with_: Annotated[
        str | None,
        typer.Option(
            "--with",
            help=_("联系对象:", "with whom: ") + i18n.choices("with") + _("(按方式有默认)", " (a default per kind)"),
            metavar="WHO",
        ),
    ] = None,
    minutes: Annotated[str | None, typer.Option(help=_("时长(分钟)", "how long (minutes)"), metavar="N")] = None,
    note: Annotated[str | None, typer.Option(help=_("备注", "note"), metavar="TEXT")] = None,
    follow_up: Annotated[
        str | None, typer.Option(help=_("需要跟进的日期", "date to follow up"), metavar="DATE")
    ] = None,
    no_answer: Annotated[
        bool,
        typer.Option(
            "--no-answer",
            help=_("未联系上(只记录尝试,不算完成任何提醒)", "an attempt that reached nobody (satisfies no reminder)"),
        ),
    ] = False,
) -> None:
    """Log one contact, or the same contact with many children (a group activity): prints the ids."""
    from lbc_cli import care, validate

    now = today()
    if kind is None:
        raise Invalid("--kind", i18n.t("required"), ExitCode.USAGE)
    kind_slug = opt_slug("kind", kind, "--kind")
    values = {
        "kind": kind_slug,
        "date": opt_date(date_, "--date", now) or now,
        "with_whom": opt_slug("with", with_, "--with"),
        "minutes": validate.parse_int(minutes, "--minutes", minimum=0, maximum=24 * 60) if minutes else None,
        "note": validate.parse_text(note, "--note", limit=validate.MAX_LONG_TEXT),
        "follow_up_date": opt_date(follow_up, "--follow-up", now),
        "no_answer": no_answer,
    }
    children = validate.split_names(children, "CHILDREN")  # 王芳，李娜 as two children
    ids = care.log_contacts(database(), values, children=children, village=village, helper=helper, today=now)
    for contact_id in ids:
        console.out(str(contact_id))
    if len(ids) > 1:
        console.info(i18n.t("logged", n=len(ids)))
    if kind_slug == "mandatory-report":
        console.warn(i18n.t("mandatory_report_note"))


@contact_app.command("list", help=_("联系记录(最新在前)", "the contact log, newest first"))
def contact_list(
    child: Annotated[str | None, typer.Option(help=_("只列该儿童的", "only this child's"), metavar="CHILD")] = None,
    helper: Annotated[
        str | None, typer.Option(help=_("只列该帮扶人的", "only this helper's"), metavar="HELPER")
    ] = None,
    kind: Annotated[str | None, typer.Option(help=_("只列该方式", "only this kind"), metavar="KIND")] = None,
    from_: Annotated[str | None, typer.Option("--from", help=_("起始日期", "from this date"), metavar="DATE")] = None,
    to: Annotated[str | None, typer.Option("--to", help=_("截止日期", "up to this date"), metavar="DATE")] = None,
    fmt: ListFormatOpt = "table",
    bom: BomOpt = False,
) -> None:
    from lbc_cli import care, output

    fmt = check_format(fmt, output.LIST, bom=bom)
    kind_slug = opt_slug("kind", kind, "--kind")
    start, end = opt_date(from_, "--from"), opt_date(to, "--to")
    found = care.contacts(database(), child=child, helper=helper, kind=kind_slug, start=start, end=end)
    rows = (contact_row(c, child_name, helper_name) for c, child_name, helper_name in found)
    table = output.Table(CONTACT_COLUMNS, rows, enums=CONTACT_ENUMS, headers={"child": i18n.field("name")})
    output.write(table, fmt, bom=bom)


def contact_row(contact, child_name: str, helper_name: str | None) -> dict:
    return {
        "id": contact.id,
        "date": contact.date,
        "child_id": contact.child_id,
        "child": child_name,
        "helper": helper_name,
        "kind": contact.kind,
        "with_whom": contact.with_whom,
        "minutes": contact.minutes,
        "no_answer": contact.no_answer,
        "note": contact.note,
        "follow_up_date": contact.follow_up_date,
    }


@schedule_app.command("list", help=_("列出工作安排", "list the schedule"))
def schedule_list(
    month: Annotated[
        int | None, typer.Option(help=_("只列该月(1–12)", "only this month (1–12)"), min=1, max=12)
    ] = None,
    fmt: ListFormatOpt = "table",
    bom: BomOpt = False,
) -> None:
    from lbc_cli import care, output

    fmt = check_format(fmt, output.LIST, bom=bom)
    items = care.schedule(database(), months=[month] if month else None)
    rows = [{"id": i.id, "month": i.month, "text": i.text} for i in items]
    headers = {"month": _("月份", "month"), "text": _("工作", "work")}
    output.write(output.Table(["id", "month", "text"], rows, headers=headers), fmt, bom=bom)


@schedule_app.command("add", help=_("添加一项工作安排", "add an item to the schedule"))
def schedule_add(
    month: Annotated[int, typer.Argument(help=_("月份(1–12)", "month (1–12)"), min=1, max=12)],
    text: Annotated[str, typer.Argument(help=_("工作内容", "what is to be done"))],
) -> None:
    from lbc_cli import care

    item_id = care.add_to_schedule(database(), month, text)
    console.out(str(item_id))
    console.info(i18n.t("schedule_added", month=month))


@schedule_app.command("remove", help=_("删除一项工作安排", "remove an item from the schedule"))
def schedule_remove(item_id: Annotated[int, typer.Argument(help=_("编号", "id"), metavar="ID")]) -> None:
    from lbc_cli import care

    care.remove_from_schedule(database(), item_id)
    console.info(i18n.t("schedule_removed", id=item_id))


# ---- corrections (SPEC section 10) ----------------------------------------------------------------------------------


def corrected(what: str, row_id: int, changed: dict) -> None:
    """What a correction did, on stderr: the fields changed, or that nothing did."""
    if changed:
        fields = i18n.field_list(changed)
        console.info(i18n.t("corrected", what=i18n.t(f"what_{what}"), id=row_id, fields=fields))
    else:
        console.info(i18n.t("nothing_changed", what=i18n.t(f"what_{what}"), id=row_id))


def deletion(what: str, ids: list[str], yes: bool):
    """The question asked before ``ids`` of ``what`` are deleted (``ask_first``)."""
    from lbc_cli.cli.options import ask_first

    shown = ", ".join(ids)[:200]
    return ask_first(yes, i18n.t("delete_confirm", what=i18n.t(f"what_{what}"), ids=shown), "delete_needs_yes")


@contact_app.command(
    "edit", help=_("更正一条联系记录（只改给出的项）", "correct one logged contact (the fields given)")
)
def contact_edit(
    id: RowId,
    date_: Annotated[str | None, typer.Option("--date", help=_("日期", "date"), metavar="DATE")] = None,
    kind: Annotated[
        str | None, typer.Option(help=_("方式：", "kind: ") + i18n.choices("kind"), metavar="KIND", show_default=False)
    ] = None,
    with_: Annotated[
        str | None,
        typer.Option("--with", help=_("联系对象：", "with whom: ") + i18n.choices("with"), metavar="WHO"),
    ] = None,
    helper: Annotated[
        str | None, typer.Option(help=_("做这次联系的帮扶人", "the helper who made the contact"), metavar="HELPER")
    ] = None,
    minutes: Annotated[
        str | None, typer.Option(help=_("时长（分钟；空值清除）", "how long (minutes; '' clears)"), metavar="N")
    ] = None,
    note: Annotated[str | None, typer.Option(help=_("备注（空值清除）", "note ('' clears)"), metavar="TEXT")] = None,
    follow_up: Annotated[
        str | None,
        typer.Option(help=_("需要跟进的日期（空值清除）", "date to follow up ('' clears)"), metavar="DATE"),
    ] = None,
    no_answer: Annotated[
        bool | None,
        typer.Option(
            "--no-answer/--answered",
            help=_("未联系上 / 联系上了", "an attempt that reached nobody / one that reached someone"),
            show_default=False,
        ),
    ] = None,
    reason: ReasonOpt = None,
) -> None:
    """Correct one logged contact: only the fields given change; the old values stay in the audit log."""
    from lbc_cli import corrections, validate

    now = today()
    given = {
        "date": opt_date(date_, "--date", now),
        "kind": opt_slug("kind", kind, "--kind"),
        "with_whom": opt_slug("with", with_, "--with") if with_ else None,
        "no_answer": no_answer,
    }
    changes = {key: value for key, value in given.items() if value is not None}
    if with_ == "":
        changes["with_whom"] = None
    if minutes is not None:
        changes["minutes"] = validate.parse_int(minutes, "--minutes", minimum=0, maximum=24 * 60) if minutes else None
    if note is not None:
        changes["note"] = validate.parse_text(note, "--note", limit=validate.MAX_LONG_TEXT)
    if follow_up is not None:
        changes["follow_up_date"] = opt_date(follow_up, "--follow-up", now) if follow_up else None
    contact, changed = corrections.edit_contact(database(), id, changes, helper=helper, reason=reason, today=now)
    corrected("contacts", contact.id, changed)


@contact_app.command(
    "delete",
    help=_(
        "删除误记的联系记录（原值留在审计日志中）；会先询问，或加 --yes",
        "remove contacts entered by mistake (their values stay in the audit log); asks first, or --yes",
    ),
)
def contact_delete(ids: RowIds, reason: ReasonOpt = None, yes: YesOpt = False) -> None:
    """Remove contacts entered by mistake, all or none."""
    from lbc_cli import corrections

    deleted = corrections.delete_contacts(database(), ids, reason=reason, confirm=deletion("contacts", ids, yes))
    console.info(i18n.t("deleted_rows", what=i18n.t("what_contacts"), ids=", ".join(map(str, deleted))))


@pair_app.command(
    "update",
    help=_(
        "更正一个结对的起止日期（--until 同 pair end --date；空值表示尚未结束）",
        "correct a pairing's dates (--until as pair end --date; '' for not ended)",
    ),
)
def pair_update(
    pairing_id: Annotated[
        str, typer.Argument(help=_("结对编号（见 pair list 的 id 列）", "the pairing's id (pair list's id column)"))
    ],
    since: Annotated[str | None, typer.Option(help=_("开始日期", "start date"), metavar="DATE")] = None,
    until: Annotated[str | None, typer.Option(help=_("结束日期", "end date"), metavar="DATE")] = None,
    reason: ReasonOpt = None,
) -> None:
    """Correct a pairing's start or end."""
    from lbc_cli import corrections

    now = today()
    changes = {}
    if since is not None:
        changes["start_date"] = opt_date(since, "--since", now)
    if until is not None:
        changes["end_date"] = opt_date(until, "--until", now) if until.strip() else None
    pairing, changed = corrections.update_pairing(database(), pairing_id, changes, reason=reason, today=now)
    corrected("pairings", pairing.id, changed)


@pair_app.command(
    "delete",
    help=_(
        "删除误建的结对（原值留在审计日志中；正常结束请用 pair end）；会先询问，或加 --yes",
        "remove a pairing made by mistake (its values stay in the audit log; pair end ends one); asks, or --yes",
    ),
)
def pair_delete(
    pairing_id: Annotated[
        str, typer.Argument(help=_("结对编号（见 pair list 的 id 列）", "the pairing's id (pair list's id column)"))
    ],
    reason: ReasonOpt = None,
    yes: YesOpt = False,
) -> None:
    """Remove a pairing made by mistake."""
    from lbc_cli import corrections

    deleted = corrections.delete_pairing(
        database(), pairing_id, reason=reason, confirm=deletion("pairings", [pairing_id], yes)
    )
    console.info(i18n.t("deleted_rows", what=i18n.t("what_pairings"), ids=deleted))
