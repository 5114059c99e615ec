"""The root command `lbc`: its global options as --help lists them, and the module of every command.

A new command is registered here, with its one line of help in both languages. Every command and group is
one of lbc's classes (``lbc_cli.cli.command_classes``), so that its help screen speaks the session's language.
"""

from functools import cache
from typing import Annotated

import typer
from typer.core import TyperCommand

from lbc_cli import __version__, console, i18n
from lbc_cli.cli import admin, audit, care, channels, children, cron, data, exams, helpers, merge, remind, reports
from lbc_cli.cli.command_classes import LbcCommand, LbcGroup

_ = i18n.bi

app = typer.Typer(
    name="lbc",
    cls=LbcGroup,
    help=_(
        "lbc:农村留守儿童关爱工作台账。登记儿童、结对帮扶、记录联系、考核奖励、计划与总结。",
        "lbc: the care-work register for rural left-behind children: "
        "enrol, pair with helpers, log contacts, assess, plan and report.",
    ),
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    """--version among other words (`lbc --debug --version`); alone, the `lbc` script answers it first."""
    if value:
        console.out(f"lbc {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    db: Annotated[
        str | None,
        typer.Option(
            "--db",
            help=_(
                "SQLite 文件路径或 SQLAlchemy URL(环境变量 LBC_DB;默认在用户数据目录)",
                "SQLite file path or SQLAlchemy URL (env LBC_DB; default: lbc.db in the user data folder)",
            ),
            metavar="TARGET",
        ),
    ] = None,
    lang: Annotated[
        str | None,
        typer.Option(
            "--lang",
            help=_("界面语言 zh 或 en(环境变量 LBC_LANG)", "language zh or en (env LBC_LANG)"),
            metavar="zh|en",
        ),
    ] = None,
    debug: Annotated[
        bool, typer.Option("--debug", help=_("出错时显示完整的回溯", "show a full traceback on errors"))
    ] = False,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help=_("显示版本", "show the version"))
    ] = False,
) -> None:
    """The global options, declared for the help screen: main() has taken --db, --lang and --debug off the
    command line, wherever they stood on it, before the command line reaches Click."""


app.command(
    help=_("创建或升级数据库;--example 载入示例数据", "create or upgrade the database; --example loads the demo data")
)(admin.init)
app.command(
    help=_("登记一名留守儿童,输出新编号", "register one left-behind child; prints the new id"),
    context_settings={"max_content_width": 120},
)(children.enroll)
app.add_typer(children.app, name="child", cls=LbcGroup)
app.add_typer(care.pair_app, name="pair")  # its own class, care.DefaultGroup, is an LbcGroup
app.command(
    "log-contact",
    help=_(
        "记录一次联系;一次活动可记给多名儿童(或 --village、--helper 选定的一批);输出新编号",
        "log a contact; one activity with many children (or --village, --helper) logs one each; prints the ids",
    ),
)(care.log_contact)
app.add_typer(care.contact_app, name="contact", cls=LbcGroup)
app.command(
    help=_(
        "到期和逾期的关爱工作,按帮扶人分组;--fail-if-due 有到期事项时退出码 4",
        "due and overdue care work, grouped by helper; --fail-if-due exits 4 when anything is due",
    )
)(remind.remind)
app.add_typer(care.schedule_app, name="schedule", cls=LbcGroup)
app.add_typer(exams.exam_app, name="exam", cls=LbcGroup)
app.add_typer(reports.report_app, name="report", cls=LbcGroup)
app.command(
    help=_(
        "审计日志:谁在何时改了什么(原值 → 新值);--child 看一名儿童的变化(含监护人变化)",
        "the audit log: who changed what and when (old → new); --child for one child's history",
    )
)(audit.audit)
app.command(
    help=_(
        "学年考核:学生得分、帮扶人与班主任得分、学生奖励(--view children/helpers/awards)",
        "the school year's assessment: pupils' scores, helpers' and class teachers' scores, awards",
    )
)(exams.score)
app.add_typer(helpers.app, name="helper", cls=LbcGroup)
app.add_typer(channels.app, name="channel", cls=LbcGroup)
app.add_typer(admin.config_app, name="config", cls=LbcGroup)
app.add_typer(admin.db_app, name="db", cls=LbcGroup)
app.command(
    help=_(
        "导出整张表(CSV/JSON/JSONL/Excel),默认遮蔽电话与身份证号",
        "export a whole table (CSV/JSON/JSONL/Excel), phones and id numbers masked",
    )
)(data.export)
app.command(
    "import",
    help=_(
        "批量导入(csv/json/jsonl/xlsx):逐行检查,全部正确才一次写入",
        "bulk import (csv/json/jsonl/xlsx): every row checked, all written at once or nothing",
    ),
)(data.import_)
app.command(
    help=_(
        "并入另一个 lbc 数据库(各村的文件):按 UID 新增、跳过相同、列出冲突;有未解决的冲突时不写入(退出码 1)",
        "combine another lbc database (a village's file) into this one by uid: new rows added, identical ones "
        "skipped, conflicts named; an unsettled conflict writes nothing (exit 1)",
    )
)(merge.merge)
app.command(
    help=_(
        "输出定时任务(cron)的一行:按时发送提醒;没有渠道时写进按日期命名的文件",
        "print a crontab line that sends the reminders on a schedule, or writes them to a dated file when no "
        "channel is set",
    )
)(cron.cron)


# Every command draws lbc's help: those registered above, and each group's, registered in the group's module
# (Typer gives a command that names no class of its own its TyperCommand; tests/test_cli.py checks them all).
for _registered in [app, *(group.typer_instance for group in app.registered_groups)]:
    for _command in _registered.registered_commands:
        if _command.cls is TyperCommand:
            _command.cls = LbcCommand


@cache
def command() -> LbcGroup:
    """The whole tree as Click runs it, built from the registrations above once per process."""
    return typer.main.get_command(app)
