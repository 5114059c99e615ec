"""The lbc command line: the root app, its global options, and the one error boundary.

Global options (--db, --lang, --debug) are taken from anywhere on the command line, so
`lbc child list --db village.db` works as well as `lbc --db village.db child list`.
"""

import copy
import errno
import gc
import os
import sys
from typing import Annotated

import typer

from lbc_cli import __version__, console, errors, i18n
from lbc_cli.cli import admin, audit, care, children, data, exams, helpers, merge, remind, reports
from lbc_cli.cli.options import refuse_output_into_database, state
from lbc_cli.errors import ExitCode, LbcError, Stopped

_ = i18n.bi

app = typer.Typer(
    name="lbc",
    help=_(
        "lbc:农村留守儿童关爱工作台账。登记儿童、结对帮扶、记录联系、考核奖励、计划与总结。",
        "lbc: the care-work register for rural left-behind children (农村留守儿童): "
        "enrol, pair with helpers, log contacts, assess, plan and report.",
    ),
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
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
    # The global options were taken off the command line in main(); these repeat them for --help.
    if db is not None:
        state.db_target = db
    if lang is not None:
        i18n.set_lang(lang)
    state.debug = state.debug or debug


app.command(
    help=_("创建或升级数据库;--example 载入示例数据", "create or upgrade the database; --example loads the demo data")
)(admin.init)
app.command(
    help=_("登记一名留守儿童,输出新编号", "register one left-behind child; prints the new id"),
    context_settings={"max_content_width": 120},
)(children.enroll)
app.add_typer(children.app, name="child")
app.add_typer(care.pair_app, name="pair")
app.command(
    "log-contact",
    help=_(
        "记录一次联系;一次活动可记给多名儿童(或 --village、--helper 选定的一批);输出新编号",
        "log a contact; one activity with many children (or --village, --helper) logs one each; prints the ids",
    ),
)(care.log_contact)
app.add_typer(care.contact_app, name="contact")
app.command(
    help=_(
        "到期和逾期的关爱工作,按帮扶人分组;--fail-if-due 有到期事项时退出码 4",
        "due and overdue care work, grouped by helper; --fail-if-due exits 4 when anything is due",
    )
)(remind.remind)
app.add_typer(care.schedule_app, name="schedule")
app.add_typer(exams.exam_app, name="exam")
app.add_typer(reports.report_app, name="report")
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
app.add_typer(helpers.app, name="helper")
app.add_typer(admin.config_app, name="config")
app.add_typer(admin.db_app, name="db")
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

_GLOBAL_WITH_VALUE = ("--db", "--lang")


def _take_globals(args: list[str]) -> list[str]:
    """Remove --db/--lang/--debug from anywhere before '--' and apply them."""
    rest: list[str] = []
    i = 0
    while i < len(args):
        arg = args[i]
        if arg == "--":
            rest.extend(args[i:])
            break
        name, eq, value = arg.partition("=")
        if name in _GLOBAL_WITH_VALUE and (eq or i + 1 < len(args)):
            if not eq:
                value = args[i + 1]
                i += 1
            if name == "--db":
                state.db_target = value
            elif i18n.known(value):
                i18n.set_lang(value)
            else:
                state.bad_lang = value
        elif arg == "--debug":
            state.debug = True
        else:
            rest.append(arg)
        i += 1
    return rest


def _app_for(args: list[str]) -> typer.Typer:
    """The app with only the command the arguments name: Typer builds every command's options before it runs
    one (about 20 ms here). Anything else (no command, a typo, --help) gets the whole app."""
    first = args[0] if args else ""
    commands = [c for c in app.registered_commands if (c.name or c.callback.__name__.replace("_", "-")) == first]
    groups = [g for g in app.registered_groups if g.name == first]
    if not commands and not groups:
        return app
    pruned = copy.copy(app)
    pruned.registered_commands, pruned.registered_groups = commands, groups
    return pruned


def _command_path(args: list[str]) -> str:
    """'lbc child update' for the audit log: command words only, never an argument (a name is personal data)."""
    groups = {
        group.name: {command.name or command.callback.__name__ for command in group.typer_instance.registered_commands}
        for group in app.registered_groups
    }
    if not args or args[0].startswith("-"):
        return "lbc"
    if len(args) > 1 and args[1] in groups.get(args[0], ()):
        return f"lbc {args[0]} {args[1]}"
    return f"lbc {args[0]}"


_HELP_WORDS_ZH = {
    "ARGUMENTS_PANEL_TITLE": "参数",
    "OPTIONS_PANEL_TITLE": "选项",
    "COMMANDS_PANEL_TITLE": "命令",
    "REQUIRED_LONG_STRING": "[必填]",
    "DEFAULT_STRING": "[默认:{}]",
}


class _Deferred(type):
    """A class standing in for one of a module not imported yet: making one, or reading any attribute of the
    class, imports the module and hands over to the real class."""

    def __call__(cls, *args, **kwargs):
        return cls.real()(*args, **kwargs)

    def __getattr__(cls, attribute: str):
        return getattr(cls.real(), attribute)


def _defer_rich_extras() -> None:
    """Typer's help module imports rich.markdown (with markdown-it) and rich.traceback (with pygments), a fifth
    of `lbc --help`, for a markup mode lbc does not use and for tracebacks it does not show. Stand-ins take
    their places in ``sys.modules`` until one of their classes is used: then the real module is imported."""
    import importlib
    import types

    for name, attribute in (("rich.markdown", "Markdown"), ("rich.traceback", "Traceback")):
        if name in sys.modules:
            continue
        stand_in = types.ModuleType(name, "a stand-in until first used (lbc_cli.cli._defer_rich_extras)")

        def real(name=name, stand_in=stand_in, attribute=attribute):
            if sys.modules.get(name) is stand_in:
                del sys.modules[name]
            return getattr(importlib.import_module(name), attribute)

        setattr(stand_in, attribute, _Deferred(attribute, (), {"real": staticmethod(real)}))
        sys.modules[name] = stand_in


def _localize_help():
    """Typer's own help words (panel titles, the help option) in Chinese for one --help; returns the
    function that puts them back. Best effort: these are Typer internals, so a Typer that moves them
    just leaves those few words in English."""
    try:
        from typer import rich_utils
        from typer._click import core
    except ImportError:
        return None
    saved = {name: getattr(rich_utils, name) for name in _HELP_WORDS_ZH if hasattr(rich_utils, name)}
    original = getattr(core.Command, "get_help_option", None)
    if original is None:
        return None
    for name in saved:
        setattr(rich_utils, name, _HELP_WORDS_ZH[name])

    def get_help_option(self, ctx):
        option = original(self, ctx)
        if option is not None:
            option.help = "显示本帮助并退出"
        return option

    core.Command.get_help_option = get_help_option

    def restore() -> None:
        for name, value in saved.items():
            setattr(rich_utils, name, value)
        core.Command.get_help_option = original

    return restore


def main(argv: list[str] | None = None) -> int:
    """Run one command; returns the exit code. Every error becomes one line on stderr."""
    from typer.exceptions import Abort, Exit, TyperException

    from lbc_cli import context

    state.db_target = None
    state.debug = False
    state.bad_lang = None
    state.opened = []
    if os.environ.get("LBC_LANG"):
        i18n.set_lang(os.environ["LBC_LANG"])
    args = _take_globals(list(sys.argv[1:] if argv is None else argv))
    if state.bad_lang is not None:
        console.error("--lang: " + i18n.t("bad_lang", value=state.bad_lang))
        return int(ExitCode.USAGE)
    if state.db_target is not None and not state.db_target.strip():  # `--db ''`: not the default, by mistake
        console.error(i18n.t("db_empty_target"))
        return int(ExitCode.USAGE)
    try:
        refuse_output_into_database()
    except LbcError as exc:
        console.error(exc.message)
        return exc.code
    refused = _unreadable_argument(args)
    if refused is not None:
        console.error(refused)
        return int(ExitCode.USAGE)
    context.command = _command_path(args)
    if not sys.stdout.isatty() and hasattr(sys.stdout, "reconfigure"):
        # Data is UTF-8 whatever the locale (a GBK console locale would fail on 𠮷 and mangle CSV).
        sys.stdout.reconfigure(encoding="utf-8")
    helping = not args or "--help" in args or "-h" in args
    if helping:
        _defer_rich_extras()
    restore = _localize_help() if helping and i18n.lang() == "zh" else None
    collecting = gc.isenabled()
    # Reference counting frees what a command drops; the cycle collector would rescan every row a county-scale
    # command holds (a third of remind's time). Paused for the command, and back on after it (tests run many).
    gc.disable()
    try:
        # without standalone mode, Typer returns the code of a `typer.Exit` (remind --fail-if-due: 4)
        code = _app_for(args)(args=args, prog_name="lbc", standalone_mode=False)
        return code if isinstance(code, int) else 0
    except LbcError as exc:
        _debug_traceback()
        if errors.stop_requested():  # the error a statement interrupted by the stop gave: the stop is what happened
            return _stopped(errors.stop_signal)
        console.error(_message(exc))
        for line in exc.details:
            console.detail(line)
        return exc.code
    except Exit as exc:
        return exc.exit_code
    except TyperException as exc:
        # Click's own usage errors (unknown option, missing argument...): one line, exit 2.
        _debug_traceback()
        console.error(_usage_line(exc))
        return int(ExitCode.USAGE)
    except (Abort, KeyboardInterrupt):
        console.error(i18n.t("interrupted"))
        return 130
    except Stopped as exc:
        return _stopped(exc.signum)
    except BrokenPipeError:
        return _reader_gone()
    except SystemExit as exc:
        # Typer (Click) and Rich (help is printed through Rich) turn a broken pipe into exit(1): a reader that
        # went away is no error here, whichever printed (`lbc --help | head -1` exits 0, as data commands do).
        from typer._click.utils import PacifyFlushWrapper

        if isinstance(sys.stdout, PacifyFlushWrapper) or isinstance(exc.__context__, BrokenPipeError):
            return _reader_gone()
        raise
    except Exception as exc:
        _debug_traceback()
        if errors.stop_requested():
            return _stopped(errors.stop_signal)
        known = _database_problem(exc)
        if known is not None:  # a damaged file or a full disk met where no command expected it
            console.error(known.message)
            return known.code
        if _stored_value_unreadable(exc):
            target = state.opened[0].display if state.opened else str(state.db_target or "")
            console.error(i18n.t("db_bad_value", target=target))
            return int(ExitCode.DATABASE)
        if isinstance(exc, OSError) and exc.errno in _NO_ROOM:  # `> /dev/full`, a full disk or quota
            no_room(exc)
        elif isinstance(exc, OSError) and exc.strerror:  # the system refused a file (a name too long, no access)
            console.error(i18n.t("os_refused", file=exc.filename or "-", why=exc.strerror))
        else:
            console.error(i18n.t("internal", kind=type(exc).__name__))
        return int(ExitCode.REFUSED)
    finally:
        if restore is not None:
            restore()
        # Close every connection this command opened: a process that runs main() again (tests, a
        # Python caller) must not keep SQLite handles whose POSIX locks a later open() would drop.
        for db in state.opened:
            db.dispose()
        state.opened = []
        if collecting:
            gc.enable()


# Writing the output failed for want of room: said as such, not as an internal error.
_NO_ROOM = (errno.ENOSPC, errno.EDQUOT, errno.EFBIG)


# Where a value read from the database is made into a date, a number or a yes/no
_READING_VALUES = ("_processors_cy.py", "processors.py", "lbc_cli/reminder_facts.py")


def _stored_value_unreadable(exc: Exception) -> bool:
    """An error made by a value another program wrote into the database (SQLite keeps anything in any column):
    a date out of every calendar lbc can reckon with (its arithmetic overflows), or a value that fails where
    stored values are read (SQLAlchemy's result processors, store.as_date, remind's reading)."""
    if isinstance(exc, OverflowError):
        return True
    if not isinstance(exc, ValueError | TypeError):
        return False
    tb = exc.__traceback__
    while tb is not None:
        code = tb.tb_frame.f_code
        if code.co_filename.endswith(_READING_VALUES) or (
            code.co_name == "as_date" and code.co_filename.endswith("lbc_cli/store.py")
        ):
            return True
        tb = tb.tb_next
    return False


def _stopped(signum: int) -> int:
    """Asked to stop: one line, and 128 + the signal. A command that had saved its change before says so."""
    saved = any(getattr(db, "committed", False) for db in state.opened)
    console.error(i18n.t("interrupted_saved" if saved else "interrupted"))
    return 128 + signum


def _unreadable_argument(args: list[str]) -> str | None:
    """The message for an argument no command can take, or None: a NUL (no shell can pass one; PostgreSQL
    cannot store one), or bytes that are not UTF-8 (an old terminal's GBK), which Python keeps as lone
    surrogates. Refused before any work, naming the option or the argument's place."""
    for i, arg in enumerate(args):
        if "\x00" in arg:
            problem = f"{i18n.t('control_chars')} (NUL)"
        elif any("\ud800" <= ch <= "\udfff" for ch in arg):
            problem = i18n.t("not_utf8_argument")
        else:
            continue
        named = args[i - 1] if i and args[i - 1].startswith("-") else i18n.t("argument_n", n=i + 1)
        return f"{named}: {problem}"
    return None


def _database_problem(exc: Exception) -> LbcError | None:
    """A database driver's error that reached the boundary, when its cause is known (a damaged file, a full
    disk, a lock waited for in vain): the refusal translate() gives it, naming the --db database."""
    from lbc_cli.db import is_driver_error, known_problem

    if not is_driver_error(exc):
        return None

    target = state.opened[0].display if state.opened else str(state.db_target or "")
    return known_problem(exc, target)


def _debug_traceback() -> None:
    """--debug: the traceback of the error being handled, before its one-line message; the exit code stays.
    Phones and id numbers in it (an SQL statement's parameters, a value) are masked."""
    if state.debug:
        import traceback

        console.debug(traceback.format_exc())


def _reader_gone() -> int:
    """The reader of stdout went away (`lbc child list | head`): not an error, and no noise at exit."""
    _discard_stdout()
    return 0


def no_room(exc: OSError) -> None:
    """The output could not be written (a full disk): one line on stderr, and what is still buffered for
    stdout is dropped, so that the exit's flush does not fail and say it again."""
    console.error(i18n.t("no_room", why=exc.strerror or exc))
    _discard_stdout()


def _discard_stdout() -> None:
    """Whatever is still to be written to stdout goes nowhere (its reader is gone, or its disk full)."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.close(devnull)


def _message(exc: LbcError) -> str:
    """An error's line; a field is named by its label too in Chinese (监护人电话 guardian_phone)."""
    from lbc_cli.errors import Invalid

    if isinstance(exc, Invalid) and not exc.field.startswith("-") and i18n.lang() == "zh":
        label = i18n.field(exc.field)
        name = f"{label}({exc.field})" if label != exc.field else exc.field
        return f"{name}: {exc.problem}"
    return exc.message


def _usage_line(exc: Exception) -> str:
    """Click's usage error as one line in the user's language, with where to look for help."""
    from typer._click import exceptions as cx

    text = exc.format_message() if hasattr(exc, "format_message") else str(exc)
    try:
        if isinstance(exc, cx.NoSuchOption):
            text = i18n.t("no_such_option", option=exc.option_name)
            if exc.possibilities:
                text += " " + i18n.t("did_you_mean", options=", ".join(sorted(exc.possibilities)))
        elif isinstance(exc, cx.MissingParameter) and exc.param is not None:
            text = i18n.t("missing_param", name=exc.param.get_error_hint().replace("'", ""))
        elif isinstance(exc, cx.BadParameter) and exc.param is not None:
            text = i18n.t("bad_param", name=exc.param.get_error_hint().replace("'", ""), why=exc.message)
        elif text.startswith("No such command"):
            text = i18n.t("no_such_command", name=text.split("'")[1] if "'" in text else text)
    except (AttributeError, IndexError, TypeError):
        pass
    ctx = getattr(exc, "ctx", None)
    if ctx is not None:
        text += "; " + i18n.t("see_help", command=ctx.command_path)
    return text


def run() -> None:
    sys.exit(main())
