"""Options shared by many commands: --format (from the output layer's choice sets), --as-of, --reveal, --bom,
value parsers, the database, and where a command's output goes."""

import os
from datetime import date
from typing import Annotated

import typer

from lbc_cli import i18n, validate
from lbc_cli.errors import ExitCode, Invalid, LbcError
from lbc_cli.output import CARD, DOCUMENT, FILE, LIST, READ, REMINDERS, format_named_by, format_option, names_a_file

_ = i18n.bi


class State:
    """Global options of this invocation (set by the root callback)."""

    db_target: str | None = None
    debug: bool = False
    opened: list = []  # databases this command opened: main() closes their connections


state = State()


def database(*, create: bool = False):
    """The opened database of --db / LBC_DB / the default, checked and upgraded (closed by main())."""
    from lbc_cli.db import Database, resolve_target

    db = Database(resolve_target(state.db_target))
    state.opened.append(db)
    return db.open(create=create)


def refuse_output_into_database() -> None:
    """stdout or stderr opened by the shell onto the database (`lbc child list >> lbc.db`, `2>> lbc.db`): refused
    before anything is read or written, so that no line lands in the file; a stderr that is the database is
    pointed at /dev/null first (the refusal is then said by the exit code alone)."""
    import stat

    from lbc_cli import io

    opened = {}
    for fd in (1, 2):
        try:
            info = os.fstat(fd)
        except OSError:
            continue
        if stat.S_ISREG(info.st_mode):  # a terminal or a pipe, as most runs have, is never the database
            opened[fd] = info
    if not opened:
        return
    files = database_files()
    into = [fd for fd, info in opened.items() if any(io.same_opened(info, path) for path in files)]
    if 2 in into:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 2)
        os.close(devnull)
    if into:
        raise LbcError(i18n.t("out_is_database", file="stdout" if 1 in into else "stderr"))


def database_files() -> list[str]:
    """The files of the SQLite database this command uses, its journals included (none for a server)."""
    from lbc_cli.db import Database, resolve_target

    path = Database(resolve_target(state.db_target)).path
    return [] if path is None else [str(path), *(f"{path}{tail}" for tail in ("-wal", "-shm", "-journal"))]


def output(out: str | None, *, bom: bool = False, binary: bool = False):
    """Where a command writes its data (``--out``; stdout without it or with ``-``), never over the database
    it reads: ``io.output`` with the database's own files protected."""
    from lbc_cli import io

    return io.output(out, bom=bom, binary=binary, protect=database_files())


def no_binary_on_terminal(fmt: str, out: str | None) -> None:
    """A binary format (xlsx, docx) to a terminal, without --out or with ``--out -``, is a usage error: its
    bytes mean nothing on a screen. A command may call this before its work, so that nothing starts."""
    import sys

    from lbc_cli import output as layer

    if layer.FORMATS[fmt].binary and out in (None, "-") and sys.stdout.isatty():
        message = i18n.t("xlsx_needs_file") if fmt == "xlsx" else i18n.t("binary_needs_file", format=fmt)
        raise LbcError(message, ExitCode.USAGE)


def write_out(data, fmt: str, out: str | None, *, bom: bool = False, progress=None) -> int:
    """``output.write`` of ``data`` as ``fmt`` to ``--out`` (``output``); a binary format is never written to
    a terminal (without --out or with ``--out -``), only to a file or a pipe. Returns how many rows."""
    from lbc_cli import output as layer

    no_binary_on_terminal(fmt, out)
    with output(out, bom=bom, binary=layer.FORMATS[fmt].binary) as stream:
        return layer.write(data, fmt, stream, progress=progress)


# ---- value parsers: a value that does not parse is a usage error (exit 2) ---------------------


def usage(exc: Invalid) -> Invalid:
    exc.code = int(ExitCode.USAGE)
    return exc


def _parsed(parse, value, *args):
    """``parse(value, *args)``, None for None; a value it refuses is a usage error (exit 2)."""
    if value is None:
        return None
    try:
        return parse(value, *args)
    except Invalid as exc:
        raise usage(exc) from None


def opt_date(value: str | None, option: str, today: date | None = None) -> date | None:
    return _parsed(validate.parse_date, value, option, today)


def opt_slug(enum: str, value: str | None, option: str) -> str | None:
    return _parsed(lambda text, name: validate.parse_slug(enum, text, name), value, option)


def opt_slugs(enum: str, values: list[str] | None, option: str) -> str | None:
    return _parsed(lambda texts, name: validate.parse_slug_set(enum, texts, name), values, option)


def today(as_of: str | None = None) -> date:
    return opt_date(as_of, "--as-of") if as_of else date.today()


# ---- reusable option types ------------------------------------------------------------------

# Each command's --format: its choices and help from one of the output layer's choice sets
ListFormatOpt = format_option(LIST)
CardFormatOpt = format_option(CARD)
ExportFormatOpt = format_option(FILE, from_out=True)
ImportFormatOpt = format_option(READ, reading=True)
RemindFormatOpt = format_option(REMINDERS, from_out=True)
ReportFormatOpt = format_option(DOCUMENT, from_out=True)
AsOfOpt = Annotated[
    str | None,
    typer.Option(
        "--as-of",
        help=_("以该日期为“今天”计算(默认今天)", "compute as if today were DATE (default: today)"),
        metavar="DATE",
    ),
]
RevealOpt = Annotated[
    bool,
    typer.Option(
        "--reveal",
        help=_("显示完整的电话和身份证号(默认遮蔽)", "show phone and id numbers in full (masked by default)"),
    ),
]


BomOpt = Annotated[
    bool,
    typer.Option("--bom", help=_("CSV 前加 UTF-8 BOM,便于 Excel/WPS 打开", "start CSV with a UTF-8 BOM for Excel/WPS")),
]


def check_format(
    fmt: str | None,
    allowed: tuple[str, ...],
    option: str = "--format",
    *,
    bom: bool = False,
    out: str | None = None,
    default: str | None = None,
) -> str:
    """The --format value, folded; a value not ``allowed`` is a usage error, and so is --bom with a format
    other than CSV (a BOM breaks a JSON reader). Without --format, the extension of ``out`` says it when it
    names one of ``allowed`` (``--out 名单.xlsx``), else ``default``; with it, an extension naming another kind
    of file (``--format md --out p.docx``) is a usage error, as the file would not be what its name says."""
    if fmt is None:
        suffix = os.path.splitext(out)[1].lower().lstrip(".") if out and out != "-" else ""
        suffix = format_named_by(suffix)
        if names_a_file(suffix) and suffix not in allowed:  # `remind --out r.xlsx`: not text under that name
            raise Invalid("--out", i18n.t("out_extension", file=out, choices=", ".join(allowed)), ExitCode.USAGE)
        fmt = suffix if suffix in allowed else (default or allowed[0])
    value = fmt.strip().lower()
    if value not in allowed:
        raise Invalid(option, i18n.t("bad_choice", value=fmt, choices=", ".join(allowed)), ExitCode.USAGE)
    named = format_named_by(os.path.splitext(out)[1].lower().lstrip(".")) if out and out != "-" else ""
    if named != value and names_a_file(named):  # `--format md --out p.docx`: not what the name says
        raise Invalid("--out", i18n.t("out_format_clash", file=out, named=named, format=value), ExitCode.USAGE)
    if bom and value != "csv":
        raise Invalid("--bom", i18n.t("bom_csv_only", format=value), ExitCode.USAGE)
    return value


def check_labels(fmt: str, labels: bool, slugs: bool) -> bool:
    """Whether a file is written with labels (headers and values for people, ``--labels``) rather than column
    names and slugs (``--slugs``): a workbook is for people, so xlsx has labels unless --slugs says otherwise;
    csv, json and jsonl, read by programs too, have slugs unless --labels. Both at once is a usage error."""
    if labels and slugs:
        raise Invalid("--labels", i18n.t("labels_or_slugs"), ExitCode.USAGE)
    return labels or (fmt == "xlsx" and not slugs)


# ---- asking before a deletion -------------------------------------------------------------------------------------


def ask_first(yes: bool, question: str, needs_yes: str):
    """The question a command asks before it deletes or replaces (``child purge``'s way): none with ``--yes``;
    on a terminal, asked on stderr, "no" cancels (exit 1); in a pipe, cron, or with stdin closed there is no one
    to ask: refused (exit 1) with the hint ``needs_yes``. Returns the function that asks, for the library to call
    once it has found what is to go."""
    import sys

    def confirm(*_found) -> None:
        if yes:
            return
        if sys.stdin is None or not sys.stdin.isatty():
            raise LbcError(i18n.t(needs_yes))
        if not typer.confirm(question, default=False, err=True):
            raise LbcError(i18n.t("purge_aborted"))

    return confirm


RowIds = Annotated[
    list[str],
    typer.Argument(
        help=_(
            "编号（见 list 命令的 id 列；可给多个）", "ids (the id column of the list command; several may be given)"
        ),
        metavar="ID...",
        show_default=False,
    ),
]
RowId = Annotated[
    str,
    typer.Argument(
        help=_("编号（见 list 命令的 id 列）", "id (the id column of the list command)"),
        metavar="ID",
        show_default=False,
    ),
]
ReasonOpt = Annotated[
    str | None,
    typer.Option(help=_("更正的原因（记入审计日志）", "why (kept in the audit log)"), metavar="TEXT"),
]
YesOpt = Annotated[bool, typer.Option("--yes", "-y", help=_("不再询问", "do not ask"))]
