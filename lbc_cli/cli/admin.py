"""init, config and db: the database itself and the rule parameters kept in it."""

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from lbc_cli import console, i18n
from lbc_cli.cli.options import BomOpt, ListFormatOpt, check_format, database, database_files, state
from lbc_cli.errors import ExitCode, LbcError

_ = i18n.bi
config_app = typer.Typer(help=_("规则参数与目标:列出、查看、设置", "rule parameters and targets: list, get, set"))
db_app = typer.Typer(help=_("数据库:位置、备份、检查", "the database: path, backup, check"))


def init(
    example: Annotated[
        bool,
        typer.Option(
            "--example",
            help=_("载入示例数据(三个村约 40 名儿童)", "load the demo data (three villages, about 40 children)"),
        ),
    ] = False,
) -> None:
    """Create the database, or upgrade it to this version of lbc."""
    db = database(create=True)
    if db.created:
        from lbc_cli import care

        care.seed_schedule(db)
    if db.created:  # a new file, an empty one, or an empty database on a server
        console.info(i18n.t("db_created", target=db.display))
    elif db.upgraded_from is None and not example:
        from lbc_cli.db import SCHEMA_VERSION

        console.info(i18n.t("db_ready", target=db.display, version=SCHEMA_VERSION))
    if example:
        from lbc_cli import example as demo

        counts = demo.load(db)
        console.info(i18n.t("example_loaded", **counts))


@config_app.command(
    "list",
    help=_("列出全部规则参数与目标、当前值和默认值", "every rule parameter and target, its value and its default"),
)
def config_list(fmt: ListFormatOpt = "table", bom: BomOpt = False) -> None:
    """Every rule parameter and target, its value and its default."""
    from lbc_cli import output, settings

    fmt = check_format(fmt, output.LIST, bom=bom)
    values = settings.values_in(database())
    rows = [
        {
            "key": key,
            "value": values[key],
            "default": s.default,
            "description": s.description(),
        }
        for key, s in settings.SETTINGS.items()
    ]
    output.write(output.Table(["key", "value", "default", "description"], rows), fmt, bom=bom)


@config_app.command("get", help=_("输出一个参数的值", "print one setting's value"))
def config_get(key: Annotated[str, typer.Argument(help=_("参数名", "setting name"))]) -> None:
    """Print one setting's value."""
    from lbc_cli import settings

    setting = settings.lookup(key)
    values = settings.values_in(database())
    console.out(settings.show(values[setting.key]))


@config_app.command(
    "set",
    context_settings={"ignore_unknown_options": True},
    help=_(
        "设置参数(会校验,如间隔天数不能为负)",
        "set a rule parameter or target (checked: a negative interval is refused)",
    ),
)
def config_set(
    key: Annotated[str, typer.Argument(help=_("参数名", "setting name"))],
    value: Annotated[str, typer.Argument(help=_("新值", "new value"))],
) -> None:
    """Set a rule parameter or target (checked: a negative interval is refused)."""
    from lbc_cli import settings

    setting = settings.lookup(key)
    parsed = setting.parse(value)
    settings.save(database(), setting, parsed)
    console.info(i18n.t("config_set", key=setting.key, value=settings.show(parsed)))


@db_app.command(
    "path",
    help=_(
        "输出将使用的数据库(--db、LBC_DB 或默认位置)",
        "print the database this command would use (--db, LBC_DB, or the default)",
    ),
)
def db_path() -> None:
    """Print the database this command would use (--db, LBC_DB, or the default)."""
    from lbc_cli.db import Database, resolve_target

    console.out(Database(resolve_target(state.db_target)).display)


@db_app.command(
    "backup",
    help=_(
        "在线备份(他人使用时也安全),备份文件权限 0600;PostgreSQL 用 pg_dump 归档(pg_restore 恢复)",
        "an online backup (safe while others use the database); the copy is mode 0600; "
        "PostgreSQL: a pg_dump archive (restore with pg_restore)",
    ),
)
def db_backup(
    file: Annotated[
        Path | None,
        typer.Argument(
            help=_(
                "备份文件(默认在数据库旁的 backups 目录;PostgreSQL 在用户数据目录的 backups 目录)",
                "backup file (default: a backups folder beside the database; PostgreSQL: in the user data folder)",
            )
        ),
    ] = None,
) -> None:
    """An online backup (safe while others use the database); the copy is mode 0600."""
    if file is not None:
        from lbc_cli import io

        if str(file) in ("", ".", "-"):  # (Typer makes '' a Path('.')) a backup is a file of its own
            raise LbcError(i18n.t("backup_needs_file", file=file), ExitCode.USAGE)
        if any(io.same_file(str(file), guarded) for guarded in database_files()):
            raise LbcError(i18n.t("out_is_database", file=file))
    db = database()
    if file is None:
        file = db.default_backup("-" + datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ"))
    written = db.backup(file)
    console.out(str(written))
    console.info(i18n.t("backup_done", file=written))


@db_app.command(
    "check",
    help=_("完整性与外键检查;有问题时退出码 1", "integrity and foreign-key checks; exit 1 when something is wrong"),
)
def db_check(
    repair: Annotated[
        bool,
        typer.Option(
            "--repair",
            help=_(
                "先据联系记录重新生成“最近联系”汇总表（各儿童最近一次联系）",
                "first work the table of last contacts (each child's last contacts) out again from the contacts",
            ),
        ),
    ] = False,
) -> None:
    """SQLite's integrity check and foreign-key check, and last_contacts against the contacts; exit 1 when
    something is wrong."""
    from lbc_cli.errors import DatabaseDamaged

    try:
        db = database()
        if repair:
            db.rebuild_last_contacts()
            console.info(i18n.t("check_repaired"))
        problems = db.check()
    except DatabaseDamaged as exc:  # what the check is for: its finding, exit 1, and how to put it right
        damaged = i18n.t("check_damaged", target=exc.target, why=exc.why)
        raise LbcError(damaged, ExitCode.REFUSED, details=exc.details[:20]) from None
    if problems:
        raise LbcError(i18n.t("check_failed"), ExitCode.REFUSED, details=problems[:50])
    console.info(i18n.t("check_ok"))


@db_app.command(
    "restore",
    help=_(
        "用 lbc db backup 的备份恢复数据库：先检查备份，再备份当前数据库，然后在线写入（他人使用时也安全）；"
        "PostgreSQL 用 pg_restore --clean；会先询问，或加 --yes",
        "put back a backup made by lbc db backup: the file is checked, the current database backed up, then the "
        "backup copied in online (safe while others use the database); PostgreSQL: pg_restore --clean; asks, or --yes",
    ),
)
def db_restore(
    file: Annotated[Path, typer.Argument(help=_("备份文件", "the backup file"), show_default=False)],
    yes: Annotated[bool, typer.Option("--yes", "-y", help=_("不再询问", "do not ask"))] = False,
) -> None:
    """Put back a backup: checked first, the current database backed up, then copied in."""
    from lbc_cli.cli.options import ask_first

    db = database()
    question = i18n.t("restore_confirm", file=file, target=db.display)
    before = db.restore(file, confirm=ask_first(yes, question, "restore_needs_yes"))
    console.info(i18n.t("restore_backed_up", file=before))
    console.info(i18n.t("restored", file=file, target=db.display))
