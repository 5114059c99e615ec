"""The channel group (渠道): where `lbc remind --send` posts, added, listed, removed and tried (SPEC section 12)."""

from typing import Annotated

import typer

from lbc_cli import console, i18n
from lbc_cli.cli.options import BomOpt, ListFormatOpt, YesOpt, ask_first, check_format, database

_ = i18n.bi
app = typer.Typer(
    help=_(
        "提醒的发送渠道(企业微信、钉钉、飞书群机器人,JSON,电子邮件):添加、列出、删除、测试",
        "where reminders are sent (WeCom, DingTalk, Feishu group robots, JSON, e-mail): add, list, remove, test",
    )
)

LIST_COLUMNS = ["channel", "style", "where", "security", "scope", "created_at"]

NameArg = Annotated[
    str, typer.Argument(help=_("渠道名称", "the channel's name"), metavar="CHANNEL", show_default=False)
]


@app.command(
    help=_(
        "添加渠道:群机器人的 --webhook 网址,或 --email 收件地址与 --smtp 发信服务器;"
        "--village、--helper 限定它只收哪些儿童的提醒",
        "add a channel: a robot's --webhook URL, or --email addresses and an --smtp server; "
        "--village and --helper limit it to those children's reminders",
    )
)
def add(
    name: NameArg,
    webhook: Annotated[
        str | None,
        typer.Option(
            help=_("群机器人的网址(含密钥,显示时遮蔽)", "the robot's URL (its key is shown masked)"), metavar="URL"
        ),
    ] = None,
    style: Annotated[
        str | None,
        typer.Option(
            help=_("机器人类型(默认 json):", "the robot's style (default json): ") + i18n.choices("channel_style"),
            metavar="SLUG",
        ),
    ] = None,
    sign_secret: Annotated[
        str | None,
        typer.Option(
            "--sign-secret",
            help=_("钉钉、飞书机器人的签名密钥(加签)", "DingTalk's or Feishu's signing secret"),
            metavar="SECRET",
        ),
    ] = None,
    keyword: Annotated[
        str | None,
        typer.Option(
            help=_("钉钉、飞书机器人的自定义关键词", "DingTalk's or Feishu's custom keyword"),
            metavar="WORD",
        ),
    ] = None,
    email: Annotated[
        str | None,
        typer.Option(
            help=_("收件地址(多个用逗号分隔)", "the addresses to send to (several separated by commas)"),
            metavar="ADDRESSES",
        ),
    ] = None,
    smtp: Annotated[
        str | None,
        typer.Option(
            help=_(
                "发信服务器(默认端口 465,用 --starttls 时 587)",
                "the SMTP server (port 465 by default, 587 with --starttls)",
            ),
            metavar="HOST[:PORT]",
        ),
    ] = None,
    smtp_user: Annotated[
        str | None,
        typer.Option(
            "--smtp-user",
            help=_("登录发信服务器的账号(默认同 --from)", "the SMTP login (default: --from)"),
            metavar="USER",
        ),
    ] = None,
    from_address: Annotated[
        str | None,
        typer.Option(
            "--from",
            help=_("发件地址(默认同 --smtp-user)", "the sender's address (default: --smtp-user)"),
            metavar="ADDRESS",
        ),
    ] = None,
    tls: Annotated[
        bool, typer.Option("--tls", help=_("全程 TLS 加密(默认,端口 465)", "implicit TLS (the default, port 465)"))
    ] = False,
    starttls: Annotated[
        bool, typer.Option("--starttls", help=_("先明文再 STARTTLS(端口 587)", "STARTTLS (port 587)"))
    ] = False,
    password_file: Annotated[
        str | None,
        typer.Option(
            "--password-file",
            help=_(
                "存放邮箱密码(授权码)的文件,权限须为 0600;不给时读环境变量 LBC_SMTP_PASSWORD",
                "a file of mode 0600 holding the SMTP password; without it LBC_SMTP_PASSWORD is read",
            ),
            metavar="FILE",
        ),
    ] = None,
    village: Annotated[
        list[str] | None,
        typer.Option(
            help=_(
                "只收该村儿童的提醒(可多次;乡镇名包括以它开头的各村)",
                "only this village's children (repeatable; a township's name takes its villages)",
            ),
            metavar="TEXT",
        ),
    ] = None,
    helper: Annotated[
        list[str] | None,
        typer.Option(
            help=_("只收该帮扶人负责的儿童的提醒(可多次)", "only this helper's children (repeatable)"), metavar="HELPER"
        ),
    ] = None,
) -> None:
    """Add a channel; every option checked before anything is written."""
    from lbc_cli import channels

    given = channels.Given(
        name=name,
        webhook=webhook,
        style=style,
        sign_secret=sign_secret,
        keyword=keyword,
        email=email,
        smtp=smtp,
        smtp_user=smtp_user,
        from_address=from_address,
        tls=tls,
        starttls=starttls,
        password_file=password_file,
        villages=tuple(village or ()),
        helpers=tuple(helper or ()),
    )
    channel, warnings = channels.add(database(), given)
    style_label = i18n.label("channel_kind", channel.style)
    console.info(i18n.t("channel_added", name=channel.name, style=style_label, where=channels.where(channel)))
    for warning in warnings:
        console.warn(warning)


@app.command(
    "list",
    help=_(
        "渠道列表(网址密钥、签名密钥和邮箱地址均遮蔽)",
        "the channels (webhook keys, signing secrets and addresses masked)",
    ),
)
def list_(fmt: ListFormatOpt = "table", bom: BomOpt = False) -> None:
    """The channels in order of name, every secret masked."""
    from lbc_cli import channels, output

    fmt = check_format(fmt, output.LIST, bom=bom)
    found = channels.listing(database())
    if not found:
        console.info(i18n.t("channel_none"))
        if fmt in ("table", "md"):
            return
    people = fmt in ("table", "md")
    rows = (
        {
            "channel": c.name,
            "style": c.style,
            "where": c.where,
            "security": c.security or ("-" if people else None),  # data formats: an empty cell, null
            "scope": c.scope,
            "created_at": c.created_at.astimezone().strftime("%Y-%m-%d %H:%M") if people else c.created_at.isoformat(),
        }
        for c in found
    )
    headers = {
        "channel": i18n.field("channel"),
        "style": i18n.field("style"),
        "where": i18n.t("channel_col_where"),
        "security": i18n.t("channel_col_security"),
        "scope": i18n.t("channel_col_scope"),
        "created_at": i18n.t("channel_col_created"),
    }
    table = output.Table(LIST_COLUMNS, rows, enums={"style": "channel_kind"}, headers=headers)
    output.write(table, fmt, bom=bom)


@app.command(
    help=_(
        "删除渠道及其发送记录;会先询问,或加 --yes",
        "remove a channel and its send log; asks first, or --yes",
    )
)
def remove(name: NameArg, yes: YesOpt = False) -> None:
    """Remove a channel and its send log."""
    from lbc_cli import channels

    def confirm(channel) -> None:
        ask_first(yes, i18n.t("channel_remove_confirm", name=channel.name), "channel_remove_needs_yes")()

    channel, gone = channels.remove(database(), name, confirm=confirm)
    console.info(i18n.t("channel_removed", name=channel.name, n=gone, s=i18n.plural(gone)))


@app.command(
    help=_(
        "向渠道发送一条测试消息,看它是否接通",
        "send the channel a test message, to see that it works",
    )
)
def test(name: NameArg) -> None:
    """Send a channel a test message; exit 1 when it was not taken."""
    from lbc_cli import channels

    channel = channels.send_test(database(), name)
    console.info(i18n.t("channel_test_sent", name=channel.name))
