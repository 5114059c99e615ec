"""The helper group (帮扶人): add, list, show, update, delete."""

from typing import Annotated

import typer

from lbc_cli import console, i18n
from lbc_cli.cli.options import (
    AsOfOpt,
    BomOpt,
    CardFormatOpt,
    ListFormatOpt,
    ReasonOpt,
    RevealOpt,
    YesOpt,
    ask_first,
    check_format,
    database,
    opt_date,
    opt_slug,
    today,
)
from lbc_cli.errors import ExitCode, Invalid

_ = i18n.bi
app = typer.Typer(
    help=_(
        "帮扶人：新增、名单、详情、修改、删除误录",
        "helpers: add, list, show, update, delete one added by mistake",
    )
)

HELPER_COLUMNS = ["id", "name", "role", "phone", "organization", "village", "active", "children"]
HELPER_ENUMS = {"role": "role"}

RoleOpt = Annotated[str | None, typer.Option(help=_("角色:", "role: ") + i18n.choices("role"), metavar="SLUG")]
PhoneOpt = Annotated[str | None, typer.Option(metavar="TEXT", help=_("电话", "phone"))]
OrgOpt = Annotated[
    str | None,
    typer.Option(
        "--org", help=_("所在单位(学校、妇联、团委……)", "organization (school, women's federation...)"), metavar="TEXT"
    ),
]
VillageOpt = Annotated[str | None, typer.Option(metavar="TEXT", help=_("所在村", "village"))]
ForceOpt = Annotated[
    bool,
    typer.Option(
        "--force",
        help=_(
            "同名同电话的帮扶人也登记(确是另一人时)", "register a helper with another's name and phone all the same"
        ),
    ),
]


def _given(name, role, phone, org, village) -> dict:
    """The helper's fields given on the command line, the role's slug parsed (a bad one: exit 2)."""
    raw = {"name": name, "phone": phone, "organization": org, "village": village}
    raw = {k: v for k, v in raw.items() if v is not None}
    if role is not None:
        raw["role"] = opt_slug("role", role, "--role")
    return raw


@app.command(help=_("新增帮扶人,输出新编号", "add a helper; prints the new id"))
def add(
    name: Annotated[str, typer.Argument(help=_("帮扶人姓名", "the helper's name"))],
    role: RoleOpt = None,
    phone: PhoneOpt = None,
    org: OrgOpt = None,
    village: VillageOpt = None,
    force: ForceOpt = False,
) -> None:
    """Add a helper; prints the new id."""
    from lbc_cli import register

    if role is None:
        raise Invalid("--role", i18n.t("required"), ExitCode.USAGE)
    raw = _given(name, role, phone, org, village)
    helper_id, warnings = register.add_helper(database(), raw, force=force, today=today())
    console.out(str(helper_id))
    for warning in warnings:
        console.warn(warning)


@app.command(
    "list",
    help=_(
        "帮扶人名单(按拼音排序)及各自结对儿童数",
        "helpers in pinyin order, with the number of children each looks after",
    ),
)
def list_(
    role: RoleOpt = None,
    village: VillageOpt = None,
    all_: Annotated[bool, typer.Option("--all", help=_("包括已不在岗的", "include inactive helpers"))] = False,
    as_of: AsOfOpt = None,
    reveal: RevealOpt = False,
    fmt: ListFormatOpt = "table",
    bom: BomOpt = False,
) -> None:
    """Helpers in pinyin order, with the number of children each looks after."""
    from lbc_cli import output, register

    fmt = check_format(fmt, output.LIST, bom=bom)
    slug = opt_slug("role", role, "--role")
    now = today(as_of)
    helpers, counts = register.helpers_with_counts(
        database(), role=slug, village=village, include_inactive=all_, as_of=now
    )
    rows = (
        {
            "id": h.id,
            "name": h.name,
            "role": h.role,
            "phone": h.phone,
            "organization": h.organization,
            "village": h.village,
            "active": h.active,
            "children": counts.get(h.id, 0),
        }
        for h in helpers
    )
    output.write(output.Table(HELPER_COLUMNS, rows, enums=HELPER_ENUMS, reveal=reveal), fmt, bom=bom)
    hint = register.village_hint(database(), village) if not helpers else None
    if hint:
        console.warn(hint)


@app.command(help=_("一名帮扶人及其结对儿童", "one helper and the children they are paired with"))
def show(
    ref: Annotated[str, typer.Argument(help=_("编号或姓名", "id or name"))],
    reveal: RevealOpt = False,
    fmt: CardFormatOpt = "table",
) -> None:
    """One helper and the children they are paired with."""
    from lbc_cli import io, models, output, register, render

    fmt = check_format(fmt, output.CARD)
    helper, pairings = register.helper_card(database(), ref)
    columns = models.export_columns(models.Helper)
    raw = io.masker(columns, reveal)({c: getattr(helper, c) for c in columns})
    data = {k: io.cell(v) for k, v in raw.items()}
    fields = [(i18n.field(c), render.display(raw[c], c, HELPER_ENUMS)) for c in columns if c != "uid"]
    kids = []
    data["pairings"] = []
    for pairing, child, _helper in pairings:
        end = pairing.end_date.isoformat() if pairing.end_date else ""
        kids.append((i18n.t("name_and_id", name=child.name, id=child.id), f"{pairing.start_date.isoformat()} – {end}"))
        data["pairings"].append(
            {
                "child_id": child.id,
                "child": child.name,
                "start_date": pairing.start_date.isoformat(),
                "end_date": end or None,
            }
        )
    render.write_card(
        [(i18n.t("helper_title") + f" · {helper.name}", fields), (i18n.t("pairings"), kids or [(i18n.t("none"), "")])],
        data,
        fmt,
    )


@app.command(help=_("修改帮扶人信息", "change a helper's fields"))
def update(
    ref: Annotated[str, typer.Argument(help=_("编号或姓名", "id or name"))],
    name: Annotated[str | None, typer.Option(metavar="TEXT", help=_("新姓名", "new name"))] = None,
    role: RoleOpt = None,
    phone: PhoneOpt = None,
    org: OrgOpt = None,
    village: VillageOpt = None,
    active: Annotated[
        bool | None,
        typer.Option(
            "--active/--inactive",
            help=_(
                "恢复在岗,或自 --date 起不在岗(其进行中的结对在那天结束)",
                "in post again, or inactive from --date (its pairings in force end that day)",
            ),
        ),
    ] = None,
    date_: Annotated[
        str | None,
        typer.Option(
            "--date", help=_("不在岗的日期(默认今天)", "the day inactive from (default: today)"), metavar="DATE"
        ),
    ] = None,
    force: ForceOpt = False,
    reason: ReasonOpt = None,
) -> None:
    """Change a helper's fields; --inactive ends its pairings in force and lists their children."""
    from lbc_cli import register

    raw = _given(name, role, phone, org, village)
    now = today()
    done = register.update_helper(
        database(),
        ref,
        raw,
        active=active,
        today=now,
        inactive_on=opt_date(date_, "--date", now),
        force=force,
        reason=reason,
    )
    helper = done.helper
    console.info(i18n.t("updated", what=i18n.t("what_helper"), id=helper.id, fields=i18n.field_list(done.changed)))
    if active is False:
        console.info(i18n.t("helper_inactive_set", name=helper.name, id=helper.id, date=helper.inactive_on))
    elif active is True and done.changed:
        console.info(i18n.t("helper_active_set", name=helper.name, id=helper.id))
    if done.ended:
        children = i18n.t("list_sep").join(i18n.t("name_and_id", name=c.name, id=c.id) for _p, c in done.ended)
        n = len(done.ended)
        console.info(i18n.t("helper_pairings_ended", date=helper.inactive_on, n=n, children=children))
    for warning in done.warnings:
        console.warn(warning)


@app.command(
    help=_(
        "删除误录的帮扶人（须没有结对和联系记录；原值留在审计日志中）；会先询问，或加 --yes",
        "remove a helper entered by mistake (one with no pairings or contacts; its values stay in the audit log); "
        "asks first, or --yes",
    )
)
def delete(
    ref: Annotated[str, typer.Argument(help=_("编号或姓名", "id or name"))],
    reason: ReasonOpt = None,
    yes: YesOpt = False,
) -> None:
    """Remove a helper entered by mistake."""
    from lbc_cli import register

    def question(helper) -> str:
        return i18n.t(
            "delete_confirm", what=i18n.t("what_helper"), ids=i18n.t("name_and_id", name=helper.name, id=helper.id)
        )

    def confirm(helper) -> None:
        ask_first(yes, question(helper), "delete_needs_yes")()

    helper = register.delete_helper(database(), ref, reason=reason, confirm=confirm)
    shown = i18n.t("name_and_id", name=helper.name, id=helper.id)
    console.info(i18n.t("deleted_rows", what=i18n.t("what_helper"), ids=shown))
