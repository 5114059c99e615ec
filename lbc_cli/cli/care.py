"""The care network and the work log: pair, log-contact, contact list, schedule."""

from typing import Annotated

import typer

from lbc_cli import console, i18n
from lbc_cli.cli.command_classes import LbcGroup
from lbc_cli.cli.options import AsOfOpt, BomOpt, FormatOpt, check_format, database, opt_date, opt_slug, today
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
        "the care network: `lbc pair CHILD HELPER` pairs; `pair end` ends; `pair list` lists",
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
# Whom a contact of each kind is with when --with is not given: 亲情视频 and 亲情电话 are the
# parents' calls, feedback goes to the parents, a home visit meets the guardian.
DEFAULT_WITH = {
    "video-call": "parent",
    "phone-call": "parent",
    "parent-feedback": "parent",
    "parent-meeting": "guardian",
    "home-visit": "guardian",
    "school-visit": "teacher",
    "counseling": "child",
    "activity": "child",
}


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
                "把该班全部在册儿童与班主任结对:--class 学校/班级 班主任",
                "pair every active child of a class with its teacher: --class SCHOOL/CLASS TEACHER",
            ),
            metavar="SCHOOL/CLASS",
        ),
    ] = None,
    note: Annotated[str | None, typer.Option(help=_("备注", "note"), metavar="TEXT")] = None,
) -> None:
    from lbc_cli import store, validate
    from lbc_cli.models import Child, Helper, Pairing

    now = today()
    start = validate.not_future(opt_date(since, "--since", now) or now, "--since", now)
    note = validate.parse_text(note, "note")
    if class_ is not None:
        # `lbc pair --class SCHOOL/CLASS TEACHER`: the one argument given is the teacher
        teacher = helper or child
        if teacher is None or (child is not None and helper is not None):
            raise Invalid("--class", i18n.t("class_format"), ExitCode.USAGE)
        school, _sep, class_name = class_.strip().rpartition("/")
        if not school or not class_name:
            raise Invalid("--class", i18n.t("class_format"), ExitCode.USAGE)
        with database().session(write=True) as session:
            teacher_row = store.resolve(Helper, teacher, session=session)
            kids = store.class_children(school.strip(), class_name.strip(), session=session)
            if not kids:
                raise LbcError(i18n.t("class_empty", school=school, class_name=class_name))
            added = []
            for kid in kids:
                if store.overlapping_pairing(kid.id, teacher_row.id, start, session=session) is None:
                    _check_pairable(kid, start)
                    values = {"child_id": kid.id, "helper_id": teacher_row.id, "start_date": start, "note": note}
                    added.append(store.insert_row(Pairing, values, session=session).id)
        for pairing_id in added:
            console.out(str(pairing_id))
        if teacher_row.role != "class-teacher":
            console.warn(i18n.t("not_class_teacher", helper=teacher_row.name))
        console.info(
            i18n.t(
                "class_paired",
                helper=teacher_row.name,
                n=len(added),
                school=school,
                class_name=class_name,
                skipped=len(kids) - len(added),
            )
        )
        return
    if child is None or helper is None:
        raise Invalid("CHILD HELPER", i18n.t("required"), ExitCode.USAGE)
    with database().session(write=True) as session:
        kid = store.resolve(Child, child, session=session)
        helper_row = store.resolve(Helper, helper, session=session)
        _check_pairable(kid, start)
        existing = store.overlapping_pairing(kid.id, helper_row.id, start, session=session)
        if existing is not None:
            raise LbcError(
                i18n.t("already_paired", child=kid.name, helper=helper_row.name, date=existing.start_date.isoformat())
            )
        values = {"child_id": kid.id, "helper_id": helper_row.id, "start_date": start, "note": note}
        pairing = store.insert_row(Pairing, values, session=session)
    console.out(str(pairing.id))
    console.info(i18n.t("paired", child=kid.name, helper=helper_row.name, date=start.isoformat()))


def _check_pairable(kid, start) -> None:
    """Only a child in the programme is paired, and not from before its birth."""
    if kid.status != "active":
        raise LbcError(i18n.t("pair_exited", name=kid.name, date=kid.exit_date))
    if start < kid.birth_date:
        raise Invalid("--since", i18n.t("contact_before_birth", date=start.isoformat(), name=kid.name))


@pair_app.command("end", help=_("结束一个结对(记录保留)", "end a pairing (the record is kept)"))
def pair_end(
    child: ChildRef,
    helper: HelperRef,
    date_: Annotated[
        str | None, typer.Option("--date", help=_("结束日期(默认今天)", "end date (default: today)"), metavar="DATE")
    ] = None,
) -> None:
    from lbc_cli import store, validate
    from lbc_cli.models import Child, Helper

    now = today()
    end = validate.not_future(opt_date(date_, "--date", now) or now, "--date", now)
    with database().session(write=True) as session:
        kid = store.resolve(Child, child, session=session)
        helper_row = store.resolve(Helper, helper, session=session)
        pairing = store.open_pairing(kid.id, helper_row.id, session=session)
        if pairing is None:
            raise LbcError(i18n.t("not_paired", child=kid.name, helper=helper_row.name))
        if end < pairing.start_date:
            raise Invalid("--date", i18n.t("end_before_start", date=end.isoformat(), start=pairing.start_date))
        store.update_row(pairing, {"end_date": end}, session=session)
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
    fmt: FormatOpt = "table",
    bom: BomOpt = False,
) -> None:
    from lbc_cli import render, store
    from lbc_cli.models import Child, Helper

    fmt = check_format(fmt, render.FORMATS, bom=bom)
    now = today(as_of)
    with database().session() as session:
        if unpaired:
            kids = store.list_children(session=session, as_of=now, unpaired=True)
            rows = [{"id": k.id, "name": k.name, "village": k.village, "enrolled_on": k.enrolled_on} for k in kids]
            render.render(rows, ["id", "name", "village", "enrolled_on"], fmt, bom=bom)
            return
        helper_id = store.resolve(Helper, helper, session=session).id if helper else None
        child_id = store.resolve(Child, child, session=session).id if child else None
        found = store.list_pairings(session=session, as_of=now, child_id=child_id, helper_id=helper_id, ended=all_)
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
    render.render(rows, PAIR_COLUMNS, fmt, enums=CONTACT_ENUMS, headers={"child": i18n.field("name")}, bom=bom)


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
    from lbc_cli import store, validate
    from lbc_cli.models import Child, Contact, Helper

    now = today()
    if kind is None:
        raise Invalid("--kind", i18n.t("required"), ExitCode.USAGE)
    kind_slug = opt_slug("kind", kind, "--kind")
    when = validate.not_future(opt_date(date_, "--date", now) or now, "--date", now)
    whom = opt_slug("with", with_, "--with") if with_ is not None else DEFAULT_WITH.get(kind_slug)
    follow = opt_date(follow_up, "--follow-up", now)
    if follow is not None and follow < when:
        raise Invalid("--follow-up", i18n.t("follow_up_before", follow=follow.isoformat(), date=when.isoformat()))
    values = {
        "kind": kind_slug,
        "date": when,
        "with_whom": whom,
        "minutes": validate.parse_int(minutes, "--minutes", minimum=0, maximum=24 * 60) if minutes else None,
        "note": validate.parse_text(note, "--note", limit=validate.MAX_LONG_TEXT),
        "follow_up_date": follow,
        "no_answer": no_answer,
    }
    ids = []
    with database().session(write=True) as session:
        helper_row = store.resolve(Helper, helper, session=session) if helper else None
        if children:
            kids = [store.resolve(Child, ref, session=session) for ref in children]
        elif village:
            kids = store.list_children(session=session, as_of=when, village=village)
        elif helper_row is not None:
            kids = store.helper_children(helper_row.id, session=session, as_of=when)
        else:
            raise LbcError(i18n.t("no_children_given"), ExitCode.USAGE)
        if not kids:
            raise LbcError(i18n.t("no_children_found"))
        seen = set()
        for kid in kids:
            if kid.id in seen:
                continue
            seen.add(kid.id)
            if kid.exit_date is not None and when > kid.exit_date:
                raise LbcError(i18n.t("contact_after_exit", name=kid.name, date=kid.exit_date.isoformat()))
            if when < kid.birth_date:
                raise Invalid("--date", i18n.t("contact_before_birth", date=when.isoformat(), name=kid.name))
            row = {**values, "child_id": kid.id, "helper_id": helper_row.id if helper_row else None}
            ids.append(store.insert_row(Contact, row, session=session).id)
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
    fmt: FormatOpt = "table",
    bom: BomOpt = False,
) -> None:
    from lbc_cli import render, store
    from lbc_cli.models import Child, Helper

    fmt = check_format(fmt, render.FORMATS, bom=bom)
    kind_slug = opt_slug("kind", kind, "--kind")
    start, end = opt_date(from_, "--from"), opt_date(to, "--to")
    with database().session() as session:
        child_id = store.resolve(Child, child, session=session).id if child else None
        helper_id = store.resolve(Helper, helper, session=session).id if helper else None
        found = store.list_contacts(
            session=session, child_id=child_id, helper_id=helper_id, kind=kind_slug, start=start, end=end
        )
    rows = (contact_row(c, child_name, helper_name) for c, child_name, helper_name in found)
    render.render(rows, CONTACT_COLUMNS, fmt, enums=CONTACT_ENUMS, headers={"child": i18n.field("name")}, bom=bom)


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
    fmt: FormatOpt = "table",
    bom: BomOpt = False,
) -> None:
    from lbc_cli import render, store

    fmt = check_format(fmt, render.FORMATS, bom=bom)
    with database().session() as session:
        items = store.schedule_items(session=session, months=[month] if month else None)
    rows = [{"id": i.id, "month": i.month, "text": i.text} for i in items]
    render.render(
        rows, ["id", "month", "text"], fmt, headers={"month": _("月份", "month"), "text": _("工作", "work")}, bom=bom
    )


@schedule_app.command("add", help=_("添加一项工作安排", "add an item to the schedule"))
def schedule_add(
    month: Annotated[int, typer.Argument(help=_("月份(1–12)", "month (1–12)"), min=1, max=12)],
    text: Annotated[str, typer.Argument(help=_("工作内容", "what is to be done"))],
) -> None:
    from sqlalchemy import func, select

    from lbc_cli import store, validate
    from lbc_cli.models import ScheduleItem

    clean = validate.parse_text(text, "text", required=True)
    with database().session(write=True) as session:
        last = session.execute(select(func.max(ScheduleItem.position)).where(ScheduleItem.month == month)).scalar()
        item = store.insert_row(
            ScheduleItem, {"month": month, "position": (last or 0) + 1, "text": clean}, session=session
        )
    console.out(str(item.id))
    console.info(i18n.t("schedule_added", month=month))


@schedule_app.command("remove", help=_("删除一项工作安排", "remove an item from the schedule"))
def schedule_remove(item_id: Annotated[int, typer.Argument(help=_("编号", "id"), metavar="ID")]) -> None:
    from lbc_cli import store
    from lbc_cli.models import ScheduleItem

    with database().session(write=True) as session:
        item = session.get(ScheduleItem, item_id) if store.id_fits(item_id, session=session) else None
        if item is None:
            raise LbcError(i18n.t("schedule_unknown", id=item_id))
        store.delete_row(item, session=session)
    console.info(i18n.t("schedule_removed", id=item_id))
