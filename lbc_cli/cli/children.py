"""enroll, and the child group: list, show, update, exit, review, duplicates."""

from typing import Annotated

import typer

from lbc_cli import console, i18n, tables
from lbc_cli.cli import child_options
from lbc_cli.cli.child_options import P_CARE, P_CHILD, P_FAMILY, P_GUARDIAN, P_SCHOOL
from lbc_cli.cli.options import (
    AsOfOpt,
    BomOpt,
    CardFormatOpt,
    ListFormatOpt,
    ReasonOpt,
    RevealOpt,
    check_format,
    database,
    opt_date,
    opt_slug,
    opt_slugs,
    today,
)
from lbc_cli.errors import ExitCode, Invalid, LbcError

_ = i18n.bi
app = typer.Typer(
    help=_(
        "儿童档案:名单、档案卡、修改、退出、核查、查重",
        "children's records: roster, card, edit, exit, review, duplicates",
    )
)


def _warn(warnings: list[str]) -> None:
    """Warnings are printed once the record is saved: a refusal stays one line."""
    for warning in warnings:
        console.warn(warning)


def enroll(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help=_("儿童姓名", "the child's name"))],
    enrolled_on: Annotated[
        str | None,
        typer.Option(
            help=_("建档日期(默认今天)", "enrolment date (default: today)"), metavar="DATE", rich_help_panel=P_CHILD
        ),
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help=_("即使重复也登记", "register even if it duplicates a record"))
    ] = False,
    # the child's fields (read together from ctx.params by field_values)
    gender: child_options.Gender = None,
    birth: child_options.Birth = None,
    ethnicity: child_options.Ethnicity = None,
    id_number: child_options.IdNumber = None,
    village: child_options.Village = None,
    group: child_options.Group = None,
    address: child_options.Address = None,
    away: child_options.Away = None,
    father_work: child_options.FatherWork = None,
    father_phone: child_options.FatherPhone = None,
    mother_work: child_options.MotherWork = None,
    mother_phone: child_options.MotherPhone = None,
    note: child_options.Note = None,
    guardian: child_options.Guardian = None,
    guardian_relation: child_options.GuardianRelation = None,
    guardian_phone: child_options.GuardianPhone = None,
    guardian_rating: child_options.GuardianRating = None,
    care_agreement_on: child_options.CareAgreementOn = None,
    consent_on: child_options.ConsentOn = None,
    school: child_options.School = None,
    grade: child_options.Grade = None,
    class_: child_options.Class = None,
    schooling: child_options.Schooling = None,
    boarding: child_options.Boarding = None,
    health: child_options.Health = None,
    hobbies: child_options.Hobbies = None,
    flag: child_options.Flag = None,
    assistance: child_options.Assistance = None,
) -> None:
    """Register one left-behind child; prints the new id."""
    from lbc_cli import register

    now = today()
    if gender is None:
        raise Invalid("--gender", i18n.t("required"), ExitCode.USAGE)
    if birth is None:
        raise Invalid("--birth", i18n.t("required"), ExitCode.USAGE)
    raw = child_options.field_values(ctx.params, now)
    raw["name"] = name
    raw["enrolled_on"] = opt_date(enrolled_on, "--enrolled-on", now) or now
    child_id, warnings = register.enroll(database(), raw, force=force, today=now)
    _warn(warnings)
    console.out(str(child_id))


CHILD_LIST_COLUMNS = [
    "id",
    "name",
    "gender",
    "birth_date",
    "age",
    "village",
    "schooling",
    "guardian_name",
    "guardian_phone",
    "flags",
    "helpers",
    "status",
]
CHILD_ENUMS = tables.EXPORT_ENUMS["children"]  # a child's fields shown as labels, as the export shows them


@app.command("list", help=_("名单(按姓名拼音排序)", "the roster, in pinyin order of names"))
def list_(
    village: Annotated[str | None, typer.Option(metavar="TEXT", help=_("只列该村", "only this village"))] = None,
    flag: Annotated[
        list[str] | None,
        typer.Option(help=_("只列有该标记的(可多次)", "only children with this flag (repeatable)"), metavar="SLUG"),
    ] = None,
    status: Annotated[
        str,
        typer.Option(
            help=_(
                "状态:active(在册,默认)、exited(已退出)、purged(已删除个人信息)或 all(全部)",
                "status: active (default), exited, purged or all",
            ),
            metavar="STATUS",
        ),
    ] = "active",
    unpaired: Annotated[
        bool, typer.Option("--unpaired", help=_("只列尚无结对帮扶人的", "only children with no active pairing"))
    ] = False,
    priority: Annotated[bool, typer.Option("--priority", help=_("只列重点帮扶对象", "only priority children"))] = False,
    as_of: AsOfOpt = None,
    reveal: RevealOpt = False,
    fmt: ListFormatOpt = "table",
    bom: BomOpt = False,
) -> None:
    """The roster, in pinyin order of names."""
    from lbc_cli import output, register

    fmt = check_format(fmt, output.LIST, bom=bom)
    now = today(as_of)
    flags = (opt_slugs("flag", flag, "--flag") or "").split(";") if flag else None
    wanted = opt_slug("status_filter", status, "--status")
    wanted = None if wanted == "all" else wanted
    found = register.roster(
        database(),
        CHILD_LIST_COLUMNS,
        reveal=reveal,
        as_of=now,
        village=village,
        flags=flags,
        status=wanted,
        unpaired=unpaired,
        priority=priority,
    )
    with found as roster:
        roster.enums = CHILD_ENUMS
        if fmt in ("table", "md"):  # read at once for people: a list that matches nothing prints nothing
            roster.by_column = roster.by_column()
            if roster.by_column[0]:
                output.write(roster, fmt, bom=bom)
        else:  # a file keeps its shape: CSV its header line, JSON an empty array
            output.write(roster, fmt, bom=bom)
    hint = register.village_hint(database(), village)
    if hint:
        console.warn(hint)


CARD_CONTACTS = 30  # the card shows the latest contacts; `lbc contact list --child` shows them all


def _card(child, helpers_rows, contacts, now, reveal: bool) -> tuple[list, dict]:
    from lbc_cli import io, models, render, validate

    columns = models.export_columns(models.Child)
    raw = io.masker(columns, reveal)({c: getattr(child, c) for c in columns})
    raw["birth_date"] = validate.birth_shown(child.birth_date, child.status)
    raw["age"] = validate.age_shown(child.birth_date, child.status, now)
    data = {k: io.cell(v) for k, v in raw.items()}

    def show(*names: str) -> list[tuple[str, str]]:
        return [(i18n.field(n), render.display(raw.get(n), n, CHILD_ENUMS)) for n in names]

    away = []
    if child.father_away:
        away += ["father_work_place", "father_phone"]
    if child.mother_away:
        away += ["mother_work_place", "mother_phone"]
    sections = [
        (
            i18n.t("card_title") + f" · {child.name}",
            show(
                "id",
                "name",
                "gender",
                "ethnicity",
                "birth_date",
                "age",
                "id_number",
                "village",
                "village_group",
                "address",
            )
            + show("status", "exit_reason", "exit_date", "enrolled_on", "reviewed_on", "consent_on"),
        ),
        (P_FAMILY, show("father_away", "mother_away", *away, "family_notes")),
        (
            P_GUARDIAN,
            show("guardian_name", "guardian_relation", "guardian_phone", "guardian_rating", "care_agreement_on"),
        ),
        (P_SCHOOL, show("school", "grade", "class_name", "schooling", "boarding", "health", "hobbies")),
        (P_CARE, show("flags", "assistance")),
    ]
    pairs = []
    data["pairings"] = []
    for pairing, _child, helper in helpers_rows:
        span = f"{pairing.start_date.isoformat()} – {pairing.end_date.isoformat() if pairing.end_date else ''}"
        pairs.append((i18n.t("remind_helper_role", name=helper.name, role=i18n.label("role", helper.role)), span))
        data["pairings"].append(
            {
                "helper_id": helper.id,
                "helper": helper.name,
                "role": helper.role,
                "start_date": pairing.start_date.isoformat(),
                "end_date": pairing.end_date.isoformat() if pairing.end_date else None,
            }
        )
    sections.append((i18n.t("pairings"), pairs or [(i18n.t("none"), "")]))
    history = []
    data["contacts"] = []
    for contact, _child_name, helper_name in contacts:
        what = i18n.label("kind", contact.kind)
        if contact.with_whom:
            what += f" · {i18n.label('with', contact.with_whom)}"
        if contact.no_answer:
            what += f" · {i18n.field('no_answer')}"
        detail = " · ".join(x for x in (helper_name, contact.note) if x)
        history.append((contact.date.isoformat(), f"{what}  {detail}".strip()))
        data["contacts"].append(
            {
                "id": contact.id,
                "date": contact.date.isoformat(),
                "kind": contact.kind,
                "with_whom": contact.with_whom,
                "helper": helper_name,
                "no_answer": int(contact.no_answer),
                "note": contact.note,
            }
        )
    sections.append((i18n.t("contacts_title"), history or [(i18n.t("none"), "")]))
    return sections, data


@app.command(help=_("一名儿童的档案卡", "one child's archive card"))
def show(
    ref: Annotated[
        str, typer.Argument(help=_("编号或姓名(也可用拼音首字母)", "id or name (pinyin initials work too)"))
    ],
    as_of: AsOfOpt = None,
    reveal: RevealOpt = False,
    fmt: CardFormatOpt = "table",
) -> None:
    """One child's archive card (档案)."""
    from lbc_cli import output, register, render

    fmt = check_format(fmt, output.CARD)
    now = today(as_of)
    child, pairings, contacts = register.child_card(database(), ref, contacts=CARD_CONTACTS)
    sections, data = _card(child, pairings, contacts, now, reveal)
    render.write_card(sections, data, fmt)


def update(
    ctx: typer.Context,
    ref: Annotated[str, typer.Argument(help=_("编号或姓名", "id or name"))],
    name: Annotated[
        str | None, typer.Option(metavar="TEXT", help=_("新姓名", "new name"), rich_help_panel=P_CHILD)
    ] = None,
    enrolled_on: Annotated[
        str | None, typer.Option(help=_("建档日期", "enrolment date"), metavar="DATE", rich_help_panel=P_CHILD)
    ] = None,
    clear: Annotated[
        list[str] | None,
        typer.Option(
            help=_("清空该字段(可多次),如 --clear id_number", "empty this field (repeatable), e.g. --clear id_number"),
            metavar="FIELD",
        ),
    ] = None,
    add_flag: Annotated[
        list[str] | None,
        typer.Option(
            help=_("加上该标记(保留原有标记)", "add this flag, keeping the others"),
            metavar="SLUG",
            rich_help_panel=P_CARE,
        ),
    ] = None,
    remove_flag: Annotated[
        list[str] | None,
        typer.Option(help=_("去掉该标记", "remove this flag"), metavar="SLUG", rich_help_panel=P_CARE),
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help=_("即使与其他档案重复也保存", "save even if it duplicates another record"))
    ] = False,
    # the child's fields (read together from ctx.params by field_values)
    gender: child_options.Gender = None,
    birth: child_options.Birth = None,
    ethnicity: child_options.Ethnicity = None,
    id_number: child_options.IdNumber = None,
    village: child_options.Village = None,
    group: child_options.Group = None,
    address: child_options.Address = None,
    away: child_options.Away = None,
    father_work: child_options.FatherWork = None,
    father_phone: child_options.FatherPhone = None,
    mother_work: child_options.MotherWork = None,
    mother_phone: child_options.MotherPhone = None,
    note: child_options.Note = None,
    guardian: child_options.Guardian = None,
    guardian_relation: child_options.GuardianRelation = None,
    guardian_phone: child_options.GuardianPhone = None,
    guardian_rating: child_options.GuardianRating = None,
    care_agreement_on: child_options.CareAgreementOn = None,
    consent_on: child_options.ConsentOn = None,
    school: child_options.School = None,
    grade: child_options.Grade = None,
    class_: child_options.Class = None,
    schooling: child_options.Schooling = None,
    boarding: child_options.Boarding = None,
    health: child_options.Health = None,
    hobbies: child_options.Hobbies = None,
    flag: child_options.Flag = None,
    assistance: child_options.Assistance = None,
) -> None:
    """Change a child's fields; every change goes to the audit log. --flag replaces the set of flags;
    --add-flag and --remove-flag change one flag and keep the rest."""
    from lbc_cli import register

    now = today()
    raw = child_options.field_values(ctx.params, now)
    if name is not None:
        if not name.strip():
            raise Invalid("--name", i18n.t("empty"))
        raw["name"] = name
    if enrolled_on is not None:
        raw["enrolled_on"] = opt_date(enrolled_on, "--enrolled-on", now)
    adding = set((opt_slugs("flag", add_flag, "--add-flag") or "").split(";")) - {""}
    removing = set((opt_slugs("flag", remove_flag, "--remove-flag") or "").split(";")) - {""}
    updated = register.update_child(
        database(), ref, raw, clear=clear or [], add_flags=adding, remove_flags=removing, force=force, today=now
    )
    _warn(updated.warnings)
    fields = i18n.field_list(updated.changed)
    console.info(i18n.t("updated", what=i18n.t("what_child"), id=updated.child_id, fields=fields))


app.command(
    "update",
    help=_("修改儿童档案字段(每项修改都记入审计日志)", "change a child's fields; every change goes to the audit log"),
)(update)


@app.command(
    "exit",
    help=_(
        "儿童退出关爱名单(年满、父母返乡、迁出),档案保留",
        "the child leaves the programme (aged out, parents returned, moved); the record is kept",
    ),
)
def exit_(
    ref: Annotated[str, typer.Argument(help=_("编号或姓名", "id or name"))],
    reason: Annotated[
        str, typer.Option(help=_("退出原因:", "why the child leaves: ") + i18n.choices("exit_reason"), metavar="SLUG")
    ],
    date_: Annotated[
        str | None, typer.Option("--date", help=_("退出日期(默认今天)", "date (default: today)"), metavar="DATE")
    ] = None,
) -> None:
    """The child leaves the programme (aged out, parents returned, moved); the record is kept."""
    from lbc_cli import register

    now = today()
    slug = opt_slug("exit_reason", reason, "--reason")
    child, ended = register.exit_child(database(), ref, slug, opt_date(date_, "--date", now) or now, today=now)
    console.info(i18n.t("exited", name=child.name, id=child.id, date=child.exit_date.isoformat()))
    if ended:
        console.info(i18n.t("pairings_ended", n=ended))


@app.command(
    help=_(
        "儿童回到项目:不给日期(或给退出日期)即撤销误记的退出;给之后的日期,则其间不在项目中",
        "the child is back in the programme: no date (or the exit date) undoes an exit made by mistake; "
        "a later date leaves the time between out of the programme",
    )
)
def reenter(
    ref: Annotated[str, typer.Argument(help=_("编号或姓名", "id or name"))],
    date_: Annotated[
        str | None,
        typer.Option(
            "--date",
            help=_("回归日期(默认:撤销退出)", "the first day back (default: undo the exit)"),
            metavar="DATE",
        ),
    ] = None,
    reason: ReasonOpt = None,
) -> None:
    """The child is back in the programme: the exit undone, or a time out closed on a later date."""
    from lbc_cli import register

    now = today()
    done = register.reenter_child(database(), ref, opt_date(date_, "--date", now), today=now, reason=reason)
    child = done.child
    if done.back is None:
        console.info(i18n.t("exit_undone", name=child.name, id=child.id, date=done.exit_date.isoformat()))
        if done.reopened:
            console.info(i18n.t("pairings_reopened", n=done.reopened))
    else:
        shown = {"date": done.back.isoformat(), "exit": done.exit_date.isoformat()}
        console.info(i18n.t("reentered", name=child.name, id=child.id, **shown))
    if not done.paired:
        console.info(i18n.t("reenter_unpaired"))


@app.command(
    help=_("记录档案核查日期,重新计算核查周期", "mark the record reviewed on a date; restarts the review interval")
)
def review(
    ref: Annotated[str, typer.Argument(help=_("编号或姓名", "id or name"))],
    date_: Annotated[
        str | None, typer.Option("--date", help=_("核查日期(默认今天)", "date (default: today)"), metavar="DATE")
    ] = None,
) -> None:
    """Mark the record reviewed (核查) on a date; restarts the record-review interval."""
    from lbc_cli import register

    now = today()
    when = opt_date(date_, "--date", now) or now
    child_id = register.review_child(database(), ref, when, today=now)
    console.info(i18n.t("reviewed", id=child_id, date=when.isoformat()))


@app.command(
    help=_(
        "列出疑似重复的档案(同身份证号,或同村同生日且姓名拼音相同/相近)",
        "records that are probably one child twice (same id number; or same village and birth date "
        "with the same pinyin or a near name)",
    )
)
def duplicates(fmt: ListFormatOpt = "table", bom: BomOpt = False) -> None:
    """Likely duplicates, grouped."""
    from lbc_cli import output, register

    fmt = check_format(fmt, output.LIST, bom=bom)
    groups = register.duplicate_groups(database())
    rows = [
        {"group": n, "id": c.id, "name": c.name, "birth_date": c.birth_date, "village": c.village, "status": c.status}
        for n, group in enumerate(groups, 1)
        for c in group
    ]
    if not rows and fmt == "table":
        console.info(i18n.t("no_duplicates"))
        return
    columns = ["group", "id", "name", "birth_date", "village", "status"]
    table = output.Table(columns, rows, enums=CHILD_ENUMS, headers={"group": _("组", "group")})
    output.write(table, fmt, bom=bom)


@app.command(
    help=_(
        "永久删除一名儿童的个人信息(个人信息保护法第 47 条),只保留匿名统计;需 --yes 确认",
        "erase a child's personal data for good (PIPL §47), keeping anonymous counts; asks first, or --yes",
    )
)
def purge(
    ref: Annotated[str, typer.Argument(help=_("编号或姓名", "id or name"))],
    yes: Annotated[bool, typer.Option("--yes", "-y", help=_("不再询问", "do not ask"))] = False,
) -> None:
    """Erase a child's personal data for good, asking first unless --yes."""
    import sys

    from lbc_cli import register

    def confirm(child) -> None:
        if yes:
            return
        if sys.stdin is None or not sys.stdin.isatty():  # a pipe, cron, or stdin closed (<&-): no one to ask
            raise LbcError(i18n.t("purge_needs_yes"))
        if not typer.confirm(i18n.t("purge_confirm", name=child.name, id=child.id), default=False, err=True):
            raise LbcError(i18n.t("purge_aborted"))

    db = database()
    purged = register.purge_child(db, ref, today=today(), confirm=confirm)
    console.info(i18n.t("purged", id=purged.child_id, **purged.counts))
    if purged.waiting is not None and db.path is not None:
        console.warn(i18n.t("erase_waiting", why=purged.waiting))  # the next command finishes it
    elif purged.waiting is not None:
        console.warn(i18n.t("erase_vacuum_failed", why=purged.waiting, tables=", ".join(purged.tables)))
    console.info(i18n.t("purge_copies_pg" if db.is_postgresql else "purge_copies"))
