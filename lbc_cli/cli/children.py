"""enroll, and the child group: list, show, update, exit, review, duplicates."""

from typing import Annotated

import typer

from lbc_cli import console, i18n
from lbc_cli.cli.options import (
    AsOfOpt,
    BomOpt,
    CardFormatOpt,
    ListFormatOpt,
    RevealOpt,
    check_format,
    database,
    opt_date,
    opt_slug,
    opt_slugs,
    today,
    with_options,
)
from lbc_cli.errors import ExitCode, Invalid, LbcError

_ = i18n.bi
app = typer.Typer(
    help=_(
        "儿童档案:名单、档案卡、修改、退出、核查、查重",
        "children's records: roster, card, edit, exit, review, duplicates",
    )
)

P_CHILD = _("儿童", "Child")
P_FAMILY = _("家庭与父母", "Family and parents")
P_GUARDIAN = _("监护与照护", "Guardian and care")
P_SCHOOL = _("就学与健康", "School and health")
P_CARE = _("类别与救助", "Flags and assistance")


def child_fields(
    gender: Annotated[
        str | None,
        typer.Option(metavar="F|M", help=_("性别:F(女)或 M(男)", "gender: F or M (女/男)"), rich_help_panel=P_CHILD),
    ] = None,
    birth: Annotated[
        str | None, typer.Option(help=_("出生日期", "birth date"), metavar="DATE", rich_help_panel=P_CHILD)
    ] = None,
    ethnicity: Annotated[
        str | None, typer.Option(metavar="TEXT", help=_("民族", "ethnicity"), rich_help_panel=P_CHILD)
    ] = None,
    id_number: Annotated[
        str | None,
        typer.Option(
            metavar="TEXT",
            help=_(
                "18 位身份证号(校验码与出生日期会核对)", "18-character id number (check digit and birth date checked)"
            ),
            rich_help_panel=P_CHILD,
        ),
    ] = None,
    village: Annotated[
        str | None, typer.Option(metavar="TEXT", help=_("所在村", "village"), rich_help_panel=P_CHILD)
    ] = None,
    group: Annotated[
        str | None, typer.Option(metavar="TEXT", help=_("村民组", "village group"), rich_help_panel=P_CHILD)
    ] = None,
    address: Annotated[
        str | None, typer.Option(metavar="TEXT", help=_("住址", "address"), rich_help_panel=P_CHILD)
    ] = None,
    away: Annotated[
        str | None,
        typer.Option(
            metavar="SLUG",
            help=_("外出务工的是谁(默认 both):", "who works away (default both): ") + i18n.choices("away"),
            rich_help_panel=P_FAMILY,
        ),
    ] = None,
    father_work: Annotated[
        str | None,
        typer.Option(help=_("父亲务工地点", "father's place of work"), metavar="PLACE", rich_help_panel=P_FAMILY),
    ] = None,
    father_phone: Annotated[
        str | None, typer.Option(metavar="TEXT", help=_("父亲电话", "father's phone"), rich_help_panel=P_FAMILY)
    ] = None,
    mother_work: Annotated[
        str | None,
        typer.Option(help=_("母亲务工地点", "mother's place of work"), metavar="PLACE", rich_help_panel=P_FAMILY),
    ] = None,
    mother_phone: Annotated[
        str | None, typer.Option(metavar="TEXT", help=_("母亲电话", "mother's phone"), rich_help_panel=P_FAMILY)
    ] = None,
    note: Annotated[
        str | None,
        typer.Option(metavar="TEXT", help=_("家庭情况备注", "notes on the family"), rich_help_panel=P_FAMILY),
    ] = None,
    guardian: Annotated[
        str | None,
        typer.Option(
            help=_("监护人(委托照护人)姓名", "guardian (carer) name"), metavar="NAME", rich_help_panel=P_GUARDIAN
        ),
    ] = None,
    guardian_relation: Annotated[
        str | None,
        typer.Option(
            help=_("监护人与儿童关系:", "guardian's relation: ") + i18n.choices("guardian_relation"),
            metavar="SLUG",
            rich_help_panel=P_GUARDIAN,
        ),
    ] = None,
    guardian_phone: Annotated[
        str | None, typer.Option(metavar="TEXT", help=_("监护人电话", "guardian's phone"), rich_help_panel=P_GUARDIAN)
    ] = None,
    guardian_rating: Annotated[
        str | None,
        typer.Option(
            help=_("监护情况:", "guardian rating: ") + i18n.choices("guardian_rating"),
            metavar="SLUG",
            rich_help_panel=P_GUARDIAN,
        ),
    ] = None,
    care_agreement_on: Annotated[
        str | None,
        typer.Option(
            help=_("委托照护确认日期", "date the care agreement (委托照护) was confirmed"),
            metavar="DATE",
            rich_help_panel=P_GUARDIAN,
        ),
    ] = None,
    consent_on: Annotated[
        str | None,
        typer.Option(
            help=_("监护人同意采集信息的日期", "date the guardian consented to the record"),
            metavar="DATE",
            rich_help_panel=P_GUARDIAN,
        ),
    ] = None,
    school: Annotated[
        str | None, typer.Option(metavar="TEXT", help=_("学校", "school"), rich_help_panel=P_SCHOOL)
    ] = None,
    grade: Annotated[
        str | None, typer.Option(help=_("年级(0–12)", "grade (0–12)"), metavar="N", rich_help_panel=P_SCHOOL)
    ] = None,
    class_: Annotated[
        str | None, typer.Option("--class", help=_("班级", "class"), metavar="TEXT", rich_help_panel=P_SCHOOL)
    ] = None,
    schooling: Annotated[
        str | None,
        typer.Option(
            help=_("就学情况:", "schooling: ") + i18n.choices("schooling"), metavar="SLUG", rich_help_panel=P_SCHOOL
        ),
    ] = None,
    boarding: Annotated[
        bool | None,
        typer.Option("--boarding/--no-boarding", help=_("是否寄宿", "boards at school"), rich_help_panel=P_SCHOOL),
    ] = None,
    health: Annotated[
        str | None,
        typer.Option(
            help=_("健康状况:", "health: ") + i18n.choices("health"), metavar="SLUG", rich_help_panel=P_SCHOOL
        ),
    ] = None,
    hobbies: Annotated[
        str | None, typer.Option(metavar="TEXT", help=_("爱好特长", "hobbies"), rich_help_panel=P_SCHOOL)
    ] = None,
    flag: Annotated[
        list[str] | None,
        typer.Option(
            help=_("类别标记(可多次):", "flag (repeatable): ") + i18n.choices("flag"),
            metavar="SLUG",
            rich_help_panel=P_CARE,
        ),
    ] = None,
    assistance: Annotated[
        list[str] | None,
        typer.Option(
            help=_("已获救助(可多次):", "assistance received (repeatable): ") + i18n.choices("assistance"),
            metavar="SLUG",
            rich_help_panel=P_CARE,
        ),
    ] = None,
) -> None:
    """The options that set a child's fields (shared by enroll and child update)."""


def _field_values(opts: dict, as_of) -> dict:
    """Option values (only those given) as raw field values, enums parsed (bad slug or date: exit 2)."""
    raw: dict = {}
    simple = {
        "ethnicity": "ethnicity",
        "id_number": "id_number",
        "village": "village",
        "group": "village_group",
        "address": "address",
        "father_work": "father_work_place",
        "father_phone": "father_phone",
        "mother_work": "mother_work_place",
        "mother_phone": "mother_phone",
        "note": "family_notes",
        "guardian": "guardian_name",
        "guardian_phone": "guardian_phone",
        "school": "school",
        "grade": "grade",
        "class_": "class_name",
        "boarding": "boarding",
        "hobbies": "hobbies",
    }
    for option, column in simple.items():
        if opts.get(option) is not None:
            raw[column] = opts[option]
    enums = {
        "gender": ("gender", "gender"),
        "guardian_relation": ("guardian_relation", "guardian_relation"),
        "guardian_rating": ("guardian_rating", "guardian_rating"),
        "schooling": ("schooling", "schooling"),
        "health": ("health", "health"),
    }
    for option, (enum, column) in enums.items():
        if opts.get(option) is not None:
            raw[column] = opt_slug(enum, opts[option], "--" + option.replace("_", "-"))
    dates = {"birth": "birth_date", "care_agreement_on": "care_agreement_on", "consent_on": "consent_on"}
    for option, column in dates.items():
        if opts.get(option) is not None:
            raw[column] = opt_date(opts[option], "--" + option.replace("_", "-"), as_of)
    if opts.get("away") is not None:
        away = opt_slug("away", opts["away"], "--away")
        raw["father_away"] = away in ("both", "father")
        raw["mother_away"] = away in ("both", "mother")
    if opts.get("flag") is not None:
        raw["flags"] = opt_slugs("flag", opts["flag"], "--flag")
    if opts.get("assistance") is not None:
        raw["assistance"] = opt_slugs("assistance", opts["assistance"], "--assistance")
    return raw


def _clean(raw: dict, as_of) -> dict:
    from lbc_cli import validate

    return validate.clean_record(validate.CHILD_FIELDS, raw, today=as_of)


def _check_duplicates(values: dict, force: bool, *, session, exclude_id=None) -> list[str]:
    """Refuse the same child twice (unless --force); return warnings for likely duplicates."""
    from lbc_cli import store

    exact, likely = store.child_duplicates(values, session=session, exclude_id=exclude_id)
    if exact and not force:
        raise LbcError(i18n.t("duplicate", who="; ".join(store.describe(c) for c in exact)))
    return [i18n.t("likely_duplicate", who=store.describe(other)) for other in likely]


def _warn(warnings: list[str]) -> None:
    """Warnings are printed once the record is saved: a refusal stays one line."""
    for warning in warnings:
        console.warn(warning)


@with_options(child_fields)
def enroll(
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
    **opts,
) -> None:
    """Register one left-behind child; prints the new id."""
    from lbc_cli import store, validate
    from lbc_cli.models import Child

    now = today()
    if opts.get("gender") is None:
        raise Invalid("--gender", i18n.t("required"), ExitCode.USAGE)
    if opts.get("birth") is None:
        raise Invalid("--birth", i18n.t("required"), ExitCode.USAGE)
    raw = _field_values(opts, now)
    raw["name"] = name
    raw["enrolled_on"] = opt_date(enrolled_on, "--enrolled-on", now) or now
    values = _clean(raw, now)
    values.setdefault("father_away", True)
    values.setdefault("mother_away", True)
    db = database()
    with db.session(write=True) as session:
        limit = int(store.rule_values(session=session)["age_limit"])
        warnings = validate.check_child(values, today=now, age_limit=limit)
        warnings += _check_duplicates(values, force, session=session)
        values["reviewed_on"] = values["enrolled_on"]
        child = store.insert_row(Child, values, session=session)
    _warn(warnings)
    console.out(str(child.id))


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
# The roster's stored columns (age and helpers are worked out from them)
ROSTER_COLUMNS = [c for c in CHILD_LIST_COLUMNS if c not in ("age", "helpers")]
CHILD_ENUMS = {
    "gender": "gender",
    "schooling": "schooling",
    "flags": "flag",
    "assistance": "assistance",
    "status": "status",
    "guardian_relation": "guardian_relation",
    "guardian_rating": "guardian_rating",
    "health": "health",
    "exit_reason": "exit_reason",
}


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
            help=_("状态:active(在册,默认)、exited(已退出)或 all(全部)", "status: active (default), exited or all"),
            metavar="STATUS",
        ),
    ] = "active",
    unpaired: Annotated[
        bool, typer.Option("--unpaired", help=_("只列尚无结对帮扶人的", "only children with no active pairing"))
    ] = False,
    priority: Annotated[
        bool, typer.Option("--priority", help=_("只列重点帮扶对象", "only priority children (重点帮扶对象)"))
    ] = False,
    as_of: AsOfOpt = None,
    reveal: RevealOpt = False,
    fmt: ListFormatOpt = "table",
    bom: BomOpt = False,
) -> None:
    """The roster, in pinyin order of names."""
    from lbc_cli import output, sqlcsv, store, validate

    fmt = check_format(fmt, output.LIST, bom=bom)
    now = today(as_of)
    flags = (opt_slugs("flag", flag, "--flag") or "").split(";") if flag else None
    wanted = opt_slug("status_filter", status, "--status")
    wanted = None if wanted == "all" else wanted
    query = store.children_query(
        as_of=now,
        village=village,
        flags=flags,
        status=wanted,
        unpaired=unpaired,
        priority=priority,
        columns=ROSTER_COLUMNS,
    )
    db = database()
    with db.session() as session:
        helpers = store.active_helpers_joined(session=session, as_of=now, village=village)

        def roster_values() -> list:
            # the worked-out cells a column at a time: an age per birth date (a county's children share a few
            # thousand)
            children = store.raw_rows(query, session=session)
            stored = zip(*children, strict=True) if children else [()] * len(ROSTER_COLUMNS)
            values = dict(zip(ROSTER_COLUMNS, stored, strict=True))
            ages = {birth: validate.age_on(store.as_date(birth), now) for birth in set(values["birth_date"])}
            values["age"] = [ages[birth] for birth in values["birth_date"]]
            values["helpers"] = [helpers.get(child_id, "") for child_id in values["id"]]
            return [values[name] for name in CHILD_LIST_COLUMNS]

        roster = output.Table(
            CHILD_LIST_COLUMNS,
            by_column=roster_values,
            enums=CHILD_ENUMS,
            reveal=reveal,
            csv_lines=lambda masked: sqlcsv.roster_lines(
                query, CHILD_LIST_COLUMNS, helpers=helpers, session=session, as_of=now, masked=masked
            ),
        )
        output.write(roster, fmt, bom=bom)


CARD_CONTACTS = 30  # the card shows the latest contacts; `lbc contact list --child` shows them all


def _card(child, helpers_rows, contacts, now, reveal: bool) -> tuple[list, dict]:
    from lbc_cli import io, models, render, validate

    columns = models.export_columns(models.Child)
    raw = io.masker(columns, reveal)({c: getattr(child, c) for c in columns})
    raw["age"] = validate.age_on(child.birth_date, now)
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
        pairs.append((f"{helper.name}({i18n.label('role', helper.role)})", span))
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


@app.command(help=_("一名儿童的档案卡", "one child's archive card (档案)"))
def show(
    ref: Annotated[
        str, typer.Argument(help=_("编号或姓名(也可用拼音首字母)", "id or name (pinyin initials work too)"))
    ],
    as_of: AsOfOpt = None,
    reveal: RevealOpt = False,
    fmt: CardFormatOpt = "table",
) -> None:
    """One child's archive card (档案)."""
    from lbc_cli import output, render, store
    from lbc_cli.models import Child

    fmt = check_format(fmt, output.CARD)
    now = today(as_of)
    with database().session() as session:
        child = store.resolve(Child, ref, session=session)
        pairings = store.pairings_of(session=session, child_id=child.id)
        contacts = store.list_contacts(session=session, child_id=child.id, limit=CARD_CONTACTS)
        sections, data = _card(child, pairings, contacts, now, reveal)
    render.write_card(sections, data, fmt)


@with_options(child_fields)
def update(
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
    **opts,
) -> None:
    """Change a child's fields; every change goes to the audit log. --flag replaces the set of flags;
    --add-flag and --remove-flag change one flag and keep the rest."""
    from lbc_cli import store, validate
    from lbc_cli.models import Child

    now = today()
    raw = _field_values(opts, now)
    if name is not None:
        if not name.strip():
            raise Invalid("--name", i18n.t("empty"))
        raw["name"] = name
    if enrolled_on is not None:
        raw["enrolled_on"] = opt_date(enrolled_on, "--enrolled-on", now)
    changes = _clean(raw, now)
    for column in clear or []:
        key = column.strip().replace("-", "_")
        if key not in validate.CHILD_FIELDS or key in validate.CHILD_REQUIRED or key in ("status",):
            clearable = [k for k in validate.CHILD_FIELDS if k not in validate.CHILD_REQUIRED and k != "status"]
            raise Invalid("--clear", i18n.t("bad_choice", value=column, choices=", ".join(clearable)), ExitCode.USAGE)
        kind = validate.CHILD_FIELDS[key][0]
        changes[key] = "" if kind == "slugs" else (False if kind == "bool" else None)
    adding = set((opt_slugs("flag", add_flag, "--add-flag") or "").split(";")) - {""}
    removing = set((opt_slugs("flag", remove_flag, "--remove-flag") or "").split(";")) - {""}
    if not changes and not adding and not removing:
        raise LbcError(i18n.t("nothing_to_update"), ExitCode.USAGE)
    with database().session(write=True) as session:
        child = store.resolve(Child, ref, session=session)
        if adding or removing:
            current = set((changes.get("flags", child.flags) or "").split(";")) - {""}
            changes["flags"] = validate.parse_slug_set("flag", sorted((current | adding) - removing), "flags")
        if child.status == "exited":
            for key in ("exit_reason", "exit_date"):
                if key in changes and changes[key] is None:
                    raise Invalid("--clear", i18n.t("exit_fields_needed", field=key))
        merged = {c.name: getattr(child, c.name) for c in Child.__table__.columns} | changes
        age_changed = "birth_date" in changes or "enrolled_on" in changes
        limit = int(store.rule_values(session=session)["age_limit"])
        warnings = validate.check_child(merged, today=now, age_limit=limit, check_age=age_changed)
        if {"name", "birth_date", "id_number"} & changes.keys():
            warnings += _check_duplicates(merged, force, session=session, exclude_id=child.id)
        changed = store.update_row(child, changes, session=session)
    _warn(warnings)
    console.info(i18n.t("updated", what=i18n.t("what_child"), id=child.id, fields=i18n.field_list(changed)))


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
    from lbc_cli import store, validate
    from lbc_cli.models import Child

    now = today()
    slug = opt_slug("exit_reason", reason, "--reason")
    when = validate.not_future(opt_date(date_, "--date", now) or now, "--date", now)
    with database().session(write=True) as session:
        child = store.resolve(Child, ref, session=session)
        if child.status == "exited":
            raise LbcError(i18n.t("already_exited", id=child.id, date=child.exit_date))
        if when < child.enrolled_on:
            raise Invalid("--date", i18n.t("exit_before_enrol", date=when, enrolled=child.enrolled_on))
        store.update_row(child, {"status": "exited", "exit_reason": slug, "exit_date": when}, session=session)
        ended = store.end_pairings(child.id, when, session=session)
    console.info(i18n.t("exited", name=child.name, id=child.id, date=when.isoformat()))
    if ended:
        console.info(i18n.t("pairings_ended", n=ended))


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
    from lbc_cli import store, validate
    from lbc_cli.models import Child

    now = today()
    when = validate.not_future(opt_date(date_, "--date", now) or now, "--date", now)
    with database().session(write=True) as session:
        child = store.resolve(Child, ref, session=session)
        if when < child.enrolled_on:
            raise Invalid("--date", i18n.t("review_before_enrol", date=when, enrolled=child.enrolled_on))
        store.update_row(child, {"reviewed_on": when}, session=session)
    console.info(i18n.t("reviewed", id=child.id, date=when.isoformat()))


@app.command(
    help=_(
        "列出疑似重复的档案(同身份证号,或同村同生日且姓名拼音相同/相近)",
        "records that are probably one child twice (same id number; or same village and birth date "
        "with the same pinyin or a near name)",
    )
)
def duplicates(fmt: ListFormatOpt = "table", bom: BomOpt = False) -> None:
    """Likely duplicates, grouped."""
    from lbc_cli import output, store

    fmt = check_format(fmt, output.LIST, bom=bom)
    with database().session() as session:
        groups = store.duplicate_groups(session=session)
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
    import sys

    from lbc_cli import store
    from lbc_cli.models import Child

    now = today()
    db = database()
    with db.session(erase=True) as session:
        child = store.resolve(Child, ref, session=session)
        if not yes:
            if sys.stdin is None or not sys.stdin.isatty():  # a pipe, cron, or stdin closed (<&-): no one to ask
                raise LbcError(i18n.t("purge_needs_yes"))
            if not typer.confirm(i18n.t("purge_confirm", name=child.name, id=child.id), default=False, err=True):
                raise LbcError(i18n.t("purge_aborted"))
        counts = store.purge_child(child, now, session=session)
    console.info(i18n.t("purged", id=child.id, **counts))
    waiting = db.erase(store.PURGE_TABLES)  # the bytes too (SPEC section 10)
    if waiting is not None and db.path is not None:
        console.warn(i18n.t("erase_waiting", why=waiting))  # the next command finishes it
    elif waiting is not None:
        console.warn(i18n.t("erase_vacuum_failed", why=waiting, tables=", ".join(store.PURGE_TABLES)))
    console.info(i18n.t("purge_copies_pg" if db.is_postgresql else "purge_copies"))
