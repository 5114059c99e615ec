"""The lbc command line: the global options, main(), and the one error boundary.

The global options (--db, --lang, --debug) are taken from anywhere on the command line before the rest
reaches Click, so `lbc child list --db village.db` works as well as `lbc --db village.db child list`. The
commands themselves (``lbc_cli.cli.root``) are imported after that, so that their help is written in the
language --lang asks for.
"""

import errno
import gc
import os
import re
import sys
from dataclasses import dataclass

from lbc_cli import console, errors, i18n
from lbc_cli.errors import ExitCode, LbcError, Stopped


@dataclass
class GlobalOptions:
    """--db, --lang and --debug as given on the command line (None or False where not given)."""

    db: str | None = None
    lang: str | None = None
    debug: bool = False


_GLOBAL_OPTIONS_WITH_A_VALUE = ("--db", "--lang")


def take_global_options(args: list[str]) -> tuple[GlobalOptions, list[str]]:
    """The global options given anywhere before '--' (the last of each counts), and the arguments left for
    the command. An option that needs a value and ends the line is left for the command to refuse."""
    options = GlobalOptions()
    rest: list[str] = []
    i = 0
    while i < len(args):
        arg = args[i]
        if arg == "--":
            rest.extend(args[i:])
            break
        name, eq, value = arg.partition("=")
        if name in _GLOBAL_OPTIONS_WITH_A_VALUE and (eq or i + 1 < len(args)):
            if not eq:
                value = args[i + 1]
                i += 1
            setattr(options, name[2:], value)
        elif arg == "--debug":
            options.debug = True
        else:
            rest.append(arg)
        i += 1
    return options, rest


def _command_path(app, args: list[str]) -> str:
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


def main(argv: list[str] | None = None) -> int:
    """Run one command; returns the exit code. Every error becomes one line on stderr."""
    if os.environ.get("LBC_LANG"):
        i18n.set_lang(os.environ["LBC_LANG"])
    options, args = take_global_options(list(sys.argv[1:] if argv is None else argv))
    if options.lang is not None:
        if not i18n.known(options.lang):
            console.error("--lang: " + i18n.t("bad_lang", value=options.lang))
            return int(ExitCode.USAGE)
        i18n.set_lang(options.lang)
    if options.db is not None and not options.db.strip():  # `--db ''`: not the default, by mistake
        console.error(i18n.t("db_empty_target"))
        return int(ExitCode.USAGE)

    from typer.exceptions import Abort, Exit, TyperException

    from lbc_cli import context
    from lbc_cli.cli import root
    from lbc_cli.cli.options import refuse_output_into_database, state

    state.db_target, state.debug, state.opened = options.db, options.debug, []
    try:
        refuse_output_into_database()
    except LbcError as exc:
        console.error(exc.message)
        return exc.code
    refused = _unreadable_argument(args)
    if refused is not None:
        console.error(refused)
        return int(ExitCode.USAGE)
    context.command = _command_path(root.app, args)
    if not sys.stdout.isatty() and hasattr(sys.stdout, "reconfigure"):
        # Data is UTF-8 whatever the locale (a GBK console locale would fail on 𠮷 and mangle CSV).
        sys.stdout.reconfigure(encoding="utf-8")
    collecting = gc.isenabled()
    # Reference counting frees what a command drops; the cycle collector would rescan every row a county-scale
    # command holds. Paused for the command, and back on after it (tests run many).
    gc.disable()
    try:
        # without standalone mode, Typer returns the code of a `typer.Exit` (remind --fail-if-due: 4)
        code = root.command().main(args=args, prog_name="lbc", standalone_mode=False)
        return code if isinstance(code, int) else 0
    except LbcError as exc:
        _debug_traceback()
        if errors.stop_requested():  # the error a statement interrupted by the stop gave: the stop is what happened
            return _stopped(errors.stop_signal)
        console.error(_error_line(exc))
        for line in exc.details:
            console.detail(line)
        return exc.code
    except Exit as exc:
        return exc.exit_code
    except TyperException as exc:
        # Click's own usage errors (unknown option, missing argument...): one line, exit 2.
        _debug_traceback()
        line = _usage_line(exc)
        if line:
            console.error(line)
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
_WHERE_STORED_VALUES_ARE_READ = ("_processors_cy.py", "processors.py", "lbc_cli/reminder_facts.py")


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
        if code.co_filename.endswith(_WHERE_STORED_VALUES_ARE_READ) or (
            code.co_name == "as_date" and code.co_filename.endswith("lbc_cli/store.py")
        ):
            return True
        tb = tb.tb_next
    return False


def _stopped(signum: int) -> int:
    """Asked to stop: one line, and 128 + the signal. A command that had saved its change before says so."""
    from lbc_cli.cli.options import state

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
    from lbc_cli.cli.options import state

    target = state.opened[0].display if state.opened else str(state.db_target or "")
    return known_problem(exc, target)


def _debug_traceback() -> None:
    """--debug: the traceback of the error being handled, before its one-line message; the exit code stays.
    Phones and id numbers in it (an SQL statement's parameters, a value) are masked."""
    from lbc_cli.cli.options import state

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


def _error_line(exc: LbcError) -> str:
    """An error's line; a field is named by its label alone (监护人电话：…, guardian phone: …), an option as typed."""
    from lbc_cli.errors import Invalid

    if isinstance(exc, Invalid):
        return f"{_field_name(exc.field)}{i18n.t('after_label')}{exc.problem}"
    return exc.message


def _field_name(name: str) -> str:
    """A field by its label; an option (--year) as typed; words of a usage (CHILD HELPER) in the session's."""
    if name.startswith("-"):
        return name
    label = i18n.field(name)
    if label != name:
        return label
    return " ".join(i18n.help_name(word) for word in name.split(" "))


def _usage_line(exc: Exception) -> str:
    """Click's usage error as one line in the session's language, with where to look for help; Click's and
    Pydantic's own English is never passed through (SPEC section 11). Empty: nothing to add (the help of a
    group given no command has been printed)."""
    from typer._click import exceptions as cx

    if isinstance(exc, cx.NoArgsIsHelpError):
        return ""
    text = _usage_problem(exc, cx)
    ctx = getattr(exc, "ctx", None)
    if ctx is not None:
        text += i18n.t("clause_sep") + i18n.t("see_help", command=ctx.command_path)
    return text


def _usage_problem(exc: Exception, cx) -> str:
    """What is wrong, in lbc's words, from the kind of Click exception and what it carries."""
    message = exc.format_message() if hasattr(exc, "format_message") else str(exc)
    if isinstance(exc, cx.NoSuchOption):
        text = i18n.t("no_such_option", option=exc.option_name)
        if exc.possibilities:
            text += i18n.t("did_you_mean", options=", ".join(sorted(exc.possibilities)))
        return text
    if isinstance(exc, cx.MissingParameter):
        name = _param_name(exc.param)
        if exc.param is not None and exc.param.param_type_name == "option":
            return i18n.t("missing_option", name=name)
        return i18n.t("missing_argument", name=name)
    if isinstance(exc, cx.BadParameter):
        why = _bad_value(exc)
        if exc.param is None:
            return why
        return i18n.t("bad_param", name=_param_name(exc.param), why=why)
    if isinstance(exc, cx.BadOptionUsage):
        if "requires" in message:
            return i18n.t("option_needs_value", option=exc.option_name)
        if "does not take a value" in message:
            return i18n.t("option_takes_no_value", option=exc.option_name)
    if isinstance(exc, cx.BadArgumentUsage):
        found = re.match(r"Argument '(.+)' takes (\d+) values", message)
        if found:
            return i18n.t("argument_needs_values", name=i18n.help_name(found[1]), n=found[2])
    if message.startswith("No such command"):
        return i18n.t("no_such_command", name=message.split("'")[1] if "'" in message else message)
    if message == "Missing command.":
        return _missing_command(getattr(exc, "ctx", None))
    found = re.match(r"Got unexpected extra argument\(s\) \((.*)\)$", message)
    if found:
        return i18n.t("extra_arguments", args=found[1])
    return i18n.t("usage_error")


def _param_name(param) -> str:
    """An option by its names as typed (--year), an argument by the name its help shows."""
    if param is None:
        return "-"
    if param.param_type_name == "option":
        return "/".join(param.opts)
    return i18n.help_name(param.display_name_raw)


def _bad_value(exc) -> str:
    """A value Typer's Pydantic coercion refused, said by lbc from the error's kind (never Pydantic's words)."""
    cause = exc.__cause__
    problems = cause.errors() if cause is not None and hasattr(cause, "errors") else []
    if not problems:
        found = re.match(r"Value (.+) is not a valid", exc.message)
        return i18n.t("bad_value", value=found[1].strip("'\"") if found else "")
    problem = problems[0]
    kind, value, limits = problem.get("type", ""), problem.get("input", ""), problem.get("ctx") or {}
    if isinstance(value, list | tuple):
        value = " ".join(str(v) for v in value)
    if kind.startswith("int_"):
        return i18n.t("not_an_integer", value=value)
    if kind.startswith(("float_", "decimal_")):
        return i18n.t("not_a_number", value=value)
    if kind.startswith(("date_", "datetime_")):
        return i18n.t("not_a_date", value=value)
    if kind.startswith("bool_"):
        return i18n.t("not_yes_no", value=value)
    if kind in ("enum", "literal_error"):
        expected = str(limits.get("expected", "")).replace("'", "").replace(" or ", ", ")
        return i18n.t("not_a_choice", value=value, choices=expected)
    for key, said in (("le", "at_most"), ("ge", "at_least"), ("lt", "below"), ("gt", "above")):
        if key in limits:
            return i18n.t(said, value=value, limit=limits[key])
    return i18n.t("bad_value", value=value)


def _missing_command(ctx) -> str:
    """A group given no command: its commands, so that the line says what to type next."""
    command = getattr(ctx, "command", None)
    names = command.list_commands(ctx) if command is not None and hasattr(command, "list_commands") else []
    names = [name for name in names if not getattr(command.get_command(ctx, name), "hidden", False)]
    return i18n.t("missing_command", commands=", ".join(names))
