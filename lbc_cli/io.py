"""Cells in and out of files: the formula guard, masking, value formatting; the file readers; the workbook writer.

The formula guard and the masking of phone and id numbers are defined here once, in Python; every writer of
``output`` applies them, and the SQL of its fast CSV path (``sqlcsv``) is generated from these same constants.
"""

import csv
import errno
import itertools
import json
import os
import re
import stat
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import IO, Any, NamedTuple

from lbc_cli.validate import mask

# Columns holding phone or id numbers: masked (``validate.mask``) unless --reveal.
SENSITIVE = frozenset({"id_number", "guardian_phone", "father_phone", "mother_phone", "phone"})

# The formula guard. A text cell starting with one of FORMULA_TRIGGERS is a formula to Excel/WPS: it gets
# FORMULA_GUARD in front. A cell that already starts with guards before a trigger gets one more, so that
# import can always strip exactly one.
FORMULA_TRIGGERS = "=+-@\t\r"
FORMULA_GUARD = "'"
_TRIGGERS = tuple(FORMULA_TRIGGERS)
# What a cell that needs the guard starts with (a trigger, or a guard before one)
MAY_NEED_GUARD = frozenset(FORMULA_TRIGGERS + FORMULA_GUARD)
# What makes csv.writer (QUOTE_MINIMAL) quote a cell, doubling the quotes inside
CSV_QUOTE = '"'
CSV_QUOTED_IF = frozenset(',"\r\n')


def neutralise(text: str) -> str:
    """A text cell with the formula guard in front where a spreadsheet would take it for a formula."""
    if text and text[0] in MAY_NEED_GUARD and text.lstrip(FORMULA_GUARD).startswith(_TRIGGERS):
        return FORMULA_GUARD + text
    return text


def unneutralise(text: str) -> str:
    """What ``neutralise`` was given: the one guard it put in front taken off."""
    if text.startswith(FORMULA_GUARD) and text.lstrip(FORMULA_GUARD).startswith(_TRIGGERS):
        return text[1:]
    return text


_AS_THEY_ARE = frozenset({str, int, float, type(None)})  # not bool: its class is bool, not int


def cell(value: Any) -> Any:
    """A value as a plain JSON-able value for any output: dates ISO, booleans 1/0, money as a number."""
    if value.__class__ in _AS_THEY_ARE:  # most cells: one test instead of three
        return value
    if isinstance(value, bool):
        return 1 if value else 0
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def csv_text(value: Any) -> str:
    """A value as the text of a CSV cell: guarded against formulas, money with its two places, 1/0, ISO dates."""
    kind = value.__class__
    if kind is str:  # the common case first: this runs once per cell of every export
        return neutralise(value)
    if value is None:
        return ""
    if kind is int:
        return str(value)
    if kind is Decimal:
        return str(value)  # money keeps its two places in a spreadsheet: 12.50
    value = cell(value)
    if isinstance(value, str):
        return neutralise(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def csv_cell(value: Any) -> str:
    """One cell as the CSV writer writes it: ``csv_text``, quoted as csv.writer's QUOTE_MINIMAL quotes."""
    text = csv_text(value)
    if CSV_QUOTED_IF.isdisjoint(text):
        return text
    return CSV_QUOTE + text.replace(CSV_QUOTE, CSV_QUOTE * 2) + CSV_QUOTE


def masked_columns(columns: Iterable[str], reveal: bool) -> list[str]:
    """The columns of ``columns`` whose values are masked: the phone and id numbers, unless revealed."""
    return [] if reveal else [c for c in columns if c in SENSITIVE]


def masker(columns: list[str], reveal: bool) -> Callable[[dict], dict]:
    """A function masking a row (a dict, in place) as ``validate.mask`` does, in its phone and id columns."""
    hidden = masked_columns(columns, reveal)

    def apply(row: dict) -> dict:
        for col in hidden:
            if row.get(col):
                row[col] = mask(str(row[col]))
        return row

    return apply


def mask_values(values: Sequence) -> list:
    """A column's values masked as ``masker`` masks them in a row."""
    return [mask(str(v)) if v else v for v in values]


@contextmanager
def progress(label: str):
    """A Rich progress line on stderr while rows are counted, only when a person watches (a TTY);
    yields the function to call once per row. Elsewhere it costs one call that does nothing."""
    import sys

    if not sys.stderr.isatty():
        yield lambda n=1: None
        return
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    state = {"n": 0}
    # Redrawn as rows are counted, not by a thread of Rich's own: an import's checks are done by a copy
    # of the process (lbc_cli.parallel), which is made only while no other thread runs.
    with Progress(SpinnerColumn(), TextColumn("{task.description}"), TextColumn("{task.completed:,}"),
                  TimeElapsedColumn(), transient=True, console=None, auto_refresh=False) as bar:  # fmt: skip
        task = bar.add_task(label, total=None)

        def advance(n: int = 1) -> None:
            before = state["n"]
            state["n"] += n
            if before // 1000 != state["n"] // 1000:
                bar.update(task, completed=state["n"], refresh=True)

        yield advance


# ---- writing files -------------------------------------------------------------------------

# What a write in progress is called beside its target: the pid says whose it is, so that what a killed
# lbc left behind can be told from the work of one still running (``sweep_leftovers``).
TEMP_PREFIX = ".lbc-"
# Exactly the names lbc gives its files in progress (private_temp; db.Database.backup, and what SQLite keeps
# beside a backup being written): nobody else's file is taken for one.
_LEFTOVER = re.compile(r"\.lbc-(\d+)-[0-9a-z_]*[0-9a-f]{8}\.tmp|\..+\.partial-(\d+)(?:-journal|-wal|-shm)?")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True


def sweep_leftovers(folder: Path) -> int:
    """Remove the temporary files that a killed lbc left in ``folder`` (an export's ``.lbc-PID-….tmp``, a
    backup's ``.NAME.partial-PID``): they may hold a whole register, unmasked. Only what lbc itself makes is
    taken: a regular file (not a link) of lbc's name shape, owned by this user, readable by no one else, whose
    process is gone. Returns how many went."""
    removed = 0
    try:
        names = os.listdir(folder)
    except OSError:
        return 0
    for name in names:
        found = _LEFTOVER.fullmatch(name)
        if found is None:
            continue
        pid = int(found.group(1) or found.group(2))
        if pid == os.getpid() or _alive(pid):
            continue
        path = os.path.join(folder, name)
        try:
            info = os.lstat(path)
            if not stat.S_ISREG(info.st_mode) or info.st_uid != os.getuid() or info.st_mode & 0o077:
                continue
            if found.group(2) and not _backup_in_progress(path, name):
                continue
            os.unlink(path)
            removed += 1
        except OSError:
            pass
    return removed


# What a backup being written begins with: a SQLite database, its rollback journal or WAL, a pg_dump archive
_BACKUP_HEADS = (
    b"SQLite format 3\x00",
    b"\xd9\xd5\x05\xf9\x20\xa1\x63\xd7",
    b"\x37\x7f\x06\x82",
    b"\x37\x7f\x06\x83",
    b"PGDMP",
)


def _backup_in_progress(path: str, name: str) -> bool:
    """A ``.NAME.partial-PID`` file is one of lbc's backups only by its bytes too: empty (just made), or a SQLite
    database, journal or WAL, or a pg_dump archive; SQLite's shared memory beside one has no header to tell."""
    if name.endswith("-shm"):
        return True
    with open(path, "rb") as fh:
        head = fh.read(16)
    return not head or head.startswith(_BACKUP_HEADS)


def private_temp(folder: str | Path, stem: str = "") -> tuple[int, str]:
    """A new file in ``folder``, mode 0600, named for this process: (descriptor, path)."""
    import secrets

    for _attempt in range(100):
        name = f"{TEMP_PREFIX}{os.getpid()}-{stem}{secrets.token_hex(4)}.tmp"
        path = os.path.join(folder, name)
        try:
            return os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600), path
        except FileExistsError:
            continue
    raise FileExistsError(path)


def same_opened(opened: os.stat_result, path: str) -> bool:
    try:
        return os.path.samestat(opened, os.stat(path))
    except OSError:
        return False


def same_file(a: str, b: str) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return os.path.abspath(a) == os.path.abspath(b)


# /dev/stdout, /dev/fd/3, /proc/self/fd/1: a descriptor this process already holds, opened by the shell
_DESCRIPTOR = re.compile(r"/dev/std(in|out|err)|/dev/fd/(\d+)|/proc/(?:self|\d+)/fd/(\d+)")


def _descriptor(path: str) -> int | None:
    """The descriptor a path stands for when it, or a link on its way, names one of this process's own
    (``--out /dev/stdout >> log``: the shell's file, opened for appending, not a file to replace)."""
    for _hop in range(40):
        found = _DESCRIPTOR.fullmatch(os.path.normpath(path))
        if found is not None:
            std, fd, proc = found.groups()
            if proc is not None and not path.startswith(("/proc/self/", f"/proc/{os.getpid()}/")):
                return None  # another process's
            return {"in": 0, "out": 1, "err": 2}[std] if std else int(fd or proc)
        if not os.path.islink(path):
            return None
        link = os.readlink(path)
        path = link if os.path.isabs(link) else os.path.join(os.path.dirname(path), link)
    return None


class OutputTarget(NamedTuple):
    path: str  # the file written (a symlink's target)
    how: str  # "replace": a temporary file renamed over it; "in place": opened and written; "descriptor"
    descriptor: int | None = None


def output_target(path: str, protect: Iterable[str | Path] = ()) -> OutputTarget:
    """Where ``--out PATH`` writes, and how: a symlink's target stands for it; a device or a FIFO is written in
    place, as the shell's ``>`` writes it; a descriptor the process holds (``/dev/stdout``, ``/dev/fd/3``) is
    written as it was opened; a regular file or a new path is replaced whole. A directory, and the database or
    its journal files (``protect``), are refused (exit 1, nothing written)."""
    from lbc_cli import i18n
    from lbc_cli.errors import LbcError

    target = os.path.expanduser(path)
    descriptor = _descriptor(target)
    if descriptor is not None:  # what the shell opened: refused when it is the database (`3<>lbc.db`)
        try:
            opened = os.fstat(descriptor)
        except OSError as exc:
            raise LbcError(i18n.t("cannot_write", file=path, why=exc.strerror)) from None
        if any(same_opened(opened, str(guarded)) for guarded in protect):
            raise LbcError(i18n.t("out_is_database", file=path))
        return OutputTarget(target, "descriptor", descriptor)
    if os.path.islink(target):
        target = os.path.realpath(target)
    for guarded in protect:
        if same_file(target, str(guarded)):
            raise LbcError(i18n.t("out_is_database", file=path))
    try:
        mode = os.stat(target).st_mode
    except FileNotFoundError:
        return OutputTarget(target, "replace")
    except OSError as exc:
        raise LbcError(i18n.t("cannot_write", file=path, why=exc.strerror)) from None
    if stat.S_ISDIR(mode):
        raise LbcError(i18n.t("cannot_write", file=path, why=os.strerror(errno.EISDIR)))
    if stat.S_ISREG(mode):
        return OutputTarget(target, "replace")
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) or stat.S_ISFIFO(mode):
        return OutputTarget(target, "in place")
    raise LbcError(i18n.t("cannot_write", file=path, why=i18n.t("not_a_file")))  # a socket, a door


@contextmanager
def output(
    path: str | None, *, bom: bool = False, binary: bool = False, protect: Iterable[str | Path] = ()
) -> Iterator[IO]:
    """stdout (no path, or ``-``), a device, FIFO or descriptor written in place, or a file written atomically:
    a 0600 temporary file beside it, renamed into place once whole (``output_target`` says which)."""
    import sys

    from lbc_cli import i18n
    from lbc_cli.errors import LbcError

    if path is None or path == "-":
        stream = sys.stdout.buffer if binary else sys.stdout
        if bom:
            stream.write("\ufeff")
        yield stream
        stream.flush()
        return
    target = output_target(path, protect)

    def cannot(exc: OSError) -> Exception:
        if exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
            return exc  # no room: said as such by the command line's boundary
        return LbcError(i18n.t("cannot_write", file=path, why=exc.strerror or exc))

    if target.how != "replace":
        if target.how == "descriptor" and target.descriptor in (1, 2):
            getattr(sys, "stdout" if target.descriptor == 1 else "stderr").flush()
        try:
            if target.how == "descriptor":
                fd = os.dup(target.descriptor)
            else:
                fd = os.open(target.path, os.O_WRONLY | os.O_TRUNC)
        except OSError as exc:
            raise cannot(exc) from None
        with _opened(fd, bom, binary) as stream:
            yield stream
        return
    folder = os.path.dirname(target.path) or "."
    sweep_leftovers(Path(folder))
    try:
        fd, tmp = private_temp(folder)
    except OSError as exc:
        raise cannot(exc) from None
    try:
        with _opened(fd, bom, binary) as stream:
            yield stream
        try:
            os.replace(tmp, target.path)
        except OSError as exc:
            raise cannot(exc) from None
    except BaseException:
        with suppress(OSError):
            os.unlink(tmp)
        raise


@contextmanager
def _opened(fd: int, bom: bool, binary: bool) -> Iterator[IO]:
    if binary:
        with os.fdopen(fd, "wb") as fh:
            yield fh
    else:
        with os.fdopen(fd, "w", encoding="utf-8-sig" if bom else "utf-8", newline="") as fh:
            yield fh


# ---- reading files -------------------------------------------------------------------------

ENCODINGS = ("utf-8", "utf-8-sig", "gbk")
# How much of a file an import reads before it refuses it in one line (exit 1, nothing written): a line with no end,
# or a file read whole, is not read on into memory. A CSV or JSON-lines file streams a line at a time, each line within
# its bound: the longest row an import takes (a child: family notes of 4,000 characters, every other text at its 200)
# is under 25,000 characters of CSV with every character a doubled quote, and under 150,000 bytes of JSON with every
# character escaped (`\ud840\udc00`); csv's own bound on a field (131,072 characters) still holds within a line. A
# JSON file is read whole and a workbook from its end: their size is bounded, by the file's size where it has one,
# else by reading at most one byte past the bound (a device, a pipe).
CSV_MAX_LINE = 1 << 20  # characters of one line of a CSV file (1,048,576)
JSONL_MAX_LINE = 1 << 20  # bytes of one line of a JSON-lines file (1 MiB)
JSON_MAX_BYTES = 1 << 29  # 512 MiB: a county's contacts (1,000,000) as JSON are about 250 MB
# Rows of a CSV or JSON-lines file (blank ones too; a CSV file's header aside): past it the file is refused, so that a
# stream with no end (`yes ',,,'`) ends. Ten times a county's contacts (1,000,000, the largest table, SPEC section 9):
# years of a county's contacts in one file fit, where Excel's own 1,048,576 rows would not leave room. An endless
# stream reaches it in flat memory (benchmarks/README.md, "The bounds of an import file").
# (A JSON file is bounded by its bytes, a workbook by XLSX_MAX_ROWS.)
FILE_MAX_ROWS = 10_000_000
XLSX_MAX_FILE = 1 << 28  # 256 MiB: a county's roster as lbc writes it is 28 MB, a full sheet of contacts 87 MB
_READ_CHUNK = 1 << 20  # bytes read at a time of a file with no size
BAD_CELLS = "\x00cells"  # the key of a row read with the wrong number of cells (no header can be it)


def _binary(path: str):
    import sys

    if path != "-":
        return open(Path(path).expanduser(), "rb")  # noqa: SIM115
    if sys.stdin is None:  # started with stdin closed (`lbc import children - <&-`)
        from lbc_cli import i18n
        from lbc_cli.errors import LbcError

        raise LbcError(i18n.t("stdin_closed"))
    return sys.stdin.buffer


def _text(data: bytes, encoding: str | None, offset: int = 0) -> str:
    """``data`` decoded; LbcError naming the first byte that is not the encoding's (``offset``: of ``data`` in the
    file)."""
    from lbc_cli import i18n
    from lbc_cli.errors import LbcError

    if encoding is None:
        # A BOM says UTF-8; otherwise try UTF-8 and tell the user about GBK if it fails.
        encoding = "utf-8-sig"
    try:
        text = data.decode("utf-8-sig" if encoding == "utf-8" and data.startswith(b"\xef\xbb\xbf") else encoding)
    except UnicodeDecodeError as exc:
        shown = "UTF-8" if encoding.startswith("utf") else encoding.upper()
        raise LbcError(i18n.t("import_encoding", encoding=shown, position=offset + exc.start)) from None
    return text


def read_rows(
    path: str, fmt: str, encoding: str | None = None, rename=None, sheets: Sequence[str] = (), is_header=None
) -> Iterator[tuple[int, Any]]:
    """(row number as a spreadsheet shows it, {header: value}) for every data row of a JSON, JSONL
    or XLSX file; a CSV file's rows come in blocks instead: (first row number, Block).

    ``rename(headers) -> keys`` names a CSV file's or a sheet's columns once, for all its rows; ``sheets`` and
    ``is_header`` say which sheet of a workbook and which of its first rows (_read_xlsx)."""
    from lbc_cli import i18n
    from lbc_cli.errors import LbcError

    try:
        handle = _binary(path)
    except OSError as exc:
        raise LbcError(i18n.t("import_open", file=path, why=exc.strerror)) from None
    name = "<stdin>" if path == "-" else path  # as messages name it
    with handle:
        _recognise(handle, name, fmt)
        if fmt == "xlsx":
            yield from _read_xlsx(_seekable(handle, name), name, rename, sheets, is_header)
        elif fmt == "csv":
            yield from _read_csv(handle, name, encoding, rename)
        elif fmt == "jsonl":
            yield from _read_jsonl(handle, name, encoding)
        else:
            yield from _read_json(handle, name, encoding)


# What a file's first bytes say it is, whatever its name: an Excel 97-2003 workbook (.xls), WPS's .et, and an xlsx
# workbook with a password (encrypted, within) are Compound Files (OLE2); an xlsx workbook is a zip (its first part's
# local header).
OLE2_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_SIGNATURE = b"PK\x03\x04"
_KINDS = {"csv": "CSV", "json": "JSON", "jsonl": "JSON lines"}


def _recognise(handle, path: str, fmt: str) -> None:
    """Refuse, before anything is decoded, an old Excel workbook (read as anything), and an xlsx workbook read as text:
    each would be "not UTF-8 ... try --encoding gbk" and then "not GBK" (LbcError saying what the file is instead)."""
    from lbc_cli import i18n
    from lbc_cli.errors import LbcError

    head = _head(handle, len(OLE2_SIGNATURE))
    if head.startswith(OLE2_SIGNATURE):
        raise LbcError(i18n.t("import_old_excel", file=path))
    if fmt != "xlsx" and head.startswith(ZIP_SIGNATURE):
        raise LbcError(i18n.t("import_workbook_as_text", file=path, kind=_KINDS[fmt]))


def _head(handle, n: int) -> bytes:
    """Up to ``n`` first bytes of a file, left to be read: peeked (a file, a pipe: what its first read brought), or
    read and sought back (a stream in memory)."""
    if hasattr(handle, "peek"):
        return handle.peek(n)[:n]
    if handle.seekable():
        at = handle.tell()
        head = handle.read(n)
        handle.seek(at)
        return head
    return b""


def _size(handle) -> int | None:
    """The size of a regular file; None for a device, a pipe, or a stream with no descriptor."""
    try:
        info = os.fstat(handle.fileno())
    except (OSError, ValueError):  # io.UnsupportedOperation is both
        return None
    return info.st_size if stat.S_ISREG(info.st_mode) else None


def _read_up_to(handle, limit: int, too_big: str) -> bytes | bytearray:
    """All of a file's bytes, or LbcError ``too_big`` as soon as there are more than ``limit``: a regular file by
    its size, unread; a device or a pipe by reading at most ``limit`` + 1 bytes."""
    from lbc_cli.errors import LbcError

    size = _size(handle)
    if size is not None:
        if size > limit:
            raise LbcError(too_big)
        data = handle.read()
        if len(data) > limit:  # it grew since
            raise LbcError(too_big)
        return data
    data = bytearray()
    while chunk := handle.read(min(_READ_CHUNK, limit + 1 - len(data))):
        data += chunk
        if len(data) > limit:
            raise LbcError(too_big)
    return data


def _seekable(handle, path: str):
    """A workbook to open from its end: a regular file as it is, within XLSX_MAX_FILE; the bytes of a device or
    a pipe, read up to it (zipfile would read /dev/zero for ever to find the zip's end)."""
    import io as stdlib_io

    from lbc_cli import i18n
    from lbc_cli.errors import LbcError

    too_big = i18n.t("xlsx_too_big", file=path, limit=XLSX_MAX_FILE >> 20)
    size = _size(handle)
    if size is None:
        return stdlib_io.BytesIO(_read_up_to(handle, XLSX_MAX_FILE, too_big))
    if size > XLSX_MAX_FILE:
        raise LbcError(too_big)
    return handle


def _read_json(handle, path: str, encoding: str | None) -> Iterator[tuple[int, dict]]:
    """A JSON array of objects, read whole: at most JSON_MAX_BYTES."""
    from lbc_cli import i18n
    from lbc_cli.errors import LbcError

    too_big = i18n.t("json_too_big", file=path, limit=JSON_MAX_BYTES >> 20)
    text = _text(_read_up_to(handle, JSON_MAX_BYTES, too_big), encoding)
    data = _json_value(text, path, None)
    del text
    if not isinstance(data, list):
        raise LbcError(f"{path}:1: " + i18n.t("import_json", why=i18n.t("json_not_array")))
    for number, item in enumerate(data, start=1):
        if not isinstance(item, dict):
            raise LbcError(f"{path}:{number}: " + i18n.t("import_json", why=i18n.t("json_not_object")))
        yield number, item


def _json_value(text: str, path: str, line: int | None):
    """The JSON value of ``text`` (the file's whole text, ``line`` None, or its line ``line``); a text that is
    not JSON is refused naming the line."""
    from lbc_cli import i18n
    from lbc_cli.errors import LbcError

    if line is None and not text.strip():
        raise LbcError(i18n.t("import_empty", file=path))
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        where = exc.lineno if line is None else line
        why = i18n.t("json_syntax", line=where, column=exc.colno)
    except RecursionError:
        where, why = line or 1, i18n.t("json_too_deep")
    except ValueError:  # a number of more digits than Python converts (4,300)
        where, why = line or 1, i18n.t("json_long_number")
    raise LbcError(f"{path}:{where}: " + i18n.t("import_json", why=why))


def _read_jsonl(handle, path: str, encoding: str | None) -> Iterator[tuple[int, dict]]:
    """One JSON object a line, read a line at a time, each of at most JSONL_MAX_LINE bytes. Lines end at "\\n"
    only (str.splitlines() would also break at U+2028 inside a JSON string); a BOM may open the first only."""
    from lbc_cli import i18n
    from lbc_cli.errors import LbcError

    later = "gbk" if encoding == "gbk" else "utf-8"  # no "\\n" byte is part of a character in either
    offset = 0  # of the line in the file
    for number in itertools.count(1):
        line = handle.readline(JSONL_MAX_LINE + 1)
        if not line:
            if number == 1:  # not a byte: no row, and nothing said of what the file should hold
                raise LbcError(i18n.t("import_empty", file=path))
            return
        if number > FILE_MAX_ROWS:
            raise LbcError(i18n.t("file_rows", file=path, limit=FILE_MAX_ROWS))
        if len(line) > JSONL_MAX_LINE:
            raise LbcError(f"{path}:{number}: " + i18n.t("line_too_long_bytes", limit=JSONL_MAX_LINE))
        text = _text(line, encoding if number == 1 else later, offset)
        offset += len(line)
        if not text.strip():
            continue
        item = _json_value(text, path, number)
        if not isinstance(item, dict):
            raise LbcError(f"{path}:{number}: " + i18n.t("import_json", why=i18n.t("json_not_object")))
        yield number, item


CSV_BLOCK = 1000  # rows of a CSV file handed on together (more saves no time, costs memory)


class Block(NamedTuple):
    """Rows of a CSV file handed on together, as lists of cells under the file's (renamed) header.

    At a county's size a dict per row costs more than every check of its cells: the importer takes
    a block's columns whole instead (``zip(*rows)``)."""

    keys: list[str]
    numbers: Sequence[int]  # each row's number, as a spreadsheet shows it
    rows: list[list[str]]


def _read_csv(handle, path: str, encoding: str | None, rename) -> Iterator[tuple[int, Any]]:
    """A CSV file read as a stream, CSV_BLOCK rows at a time: a file of a million rows is never whole
    in memory. Yields (first row number, Block), and (row number, {BAD_CELLS: problem}) for a row
    with the wrong number of cells; blank lines and rows of empty cells are skipped but counted, up to
    FILE_MAX_ROWS rows. The first Block is the header alone (no rows): checked before any row is read."""
    import io as stdlib_io

    from lbc_cli import i18n
    from lbc_cli.errors import LbcError

    # A BOM says UTF-8 whatever was asked; without one, UTF-8 unless told otherwise.
    head = handle.peek(3)[:3] if hasattr(handle, "peek") else b""
    if encoding is None or (encoding == "utf-8" and head == b"\xef\xbb\xbf"):
        encoding = "utf-8-sig"
    text = stdlib_io.TextIOWrapper(handle, encoding=encoding, newline="")

    def lines() -> Iterator[str]:
        """The file's lines, each read up to CSV_MAX_LINE characters and no further (a quoted field may go on
        over several: csv's own bound on a field holds it)."""
        for number in itertools.count(1):
            line = text.readline(CSV_MAX_LINE + 1)
            if not line:
                return
            if len(line) > CSV_MAX_LINE:
                raise LbcError(f"{path}:{number}: " + i18n.t("line_too_long_chars", limit=CSV_MAX_LINE))
            yield line

    reader = csv.reader(lines())
    try:
        headers = next(reader, None)
        if headers is None:  # not even a header: refused, never "imported 0 rows"
            raise LbcError(i18n.t("import_empty", file=path))
        keys = rename(headers) if rename is not None else headers
        width = len(headers)
        number = 2
        yield number, Block(keys, range(number, number), [])
        while rows := list(itertools.islice(reader, CSV_BLOCK)):
            start, number = number, number + len(rows)
            if number - 2 > FILE_MAX_ROWS:
                raise LbcError(i18n.t("file_rows", file=path, limit=FILE_MAX_ROWS))
            # the usual block, checked whole in C: every row as wide as the header, none blank
            if set(map(len, rows)) == {width} and all(map(str.strip, map("".join, rows))):
                yield start, Block(keys, range(start, number), rows)
                continue
            numbers: list[int] = []
            good: list[list[str]] = []
            for row_number, cells in enumerate(rows, start=start):
                if not "".join(cells).strip():
                    continue  # a blank line, or a row of empty cells
                if len(cells) != width:
                    if good:  # the rows before it first: the file's order is kept
                        yield numbers[0], Block(keys, numbers, good)
                        numbers, good = [], []
                    # reported with the file's other bad rows, not alone
                    yield row_number, {BAD_CELLS: i18n.t("import_cells", found=len(cells), expected=width)}
                    continue
                numbers.append(row_number)
                good.append(cells)
            if good:
                yield numbers[0], Block(keys, numbers, good)
    except csv.Error as exc:
        raise LbcError(f"{path}:{reader.line_num}: " + i18n.t("import_csv", why=str(exc))) from None
    except UnicodeDecodeError as exc:
        shown = "UTF-8" if encoding.startswith("utf") else encoding.upper()
        raise LbcError(i18n.t("import_encoding", encoding=shown, position=exc.start)) from None
    finally:
        text.detach()


# What an xlsx file may hold: past any of these bounds an import refuses it in one line, before openpyxl unpacks
# it (parts, bytes, text, shared strings, rows and each row's cells, counted as each part is unpacked) or as its rows
# are read (a row numbered past the last, a cell past the last column). A county's roster (100,000 children, 39
# columns with id and uid) unpacks to about 220 MiB as lbc writes it; Excel's fullest sheet of contacts (1,048,576
# rows of 11 columns), to about 550 MiB.
XLSX_MAX_ROWS = 1_048_576  # Excel's own last row: every sheet Excel or WPS saves fits
XLSX_MAX_COLUMNS = 256  # the widest table (children) has 39 columns, the registration form 30; Excel 2003's own limit
XLSX_MAX_PARTS = 1000  # files in the zip: a workbook has about ten
XLSX_MAX_UNPACKED = 1 << 30  # bytes all the parts unpack to, as the zip declares them (1 GiB)
# Bytes of a part's XML with no '<' in them: a text no cell can be. A cell holds at most validate.MAX_LONG_TEXT
# (4,000) characters: 40,000 bytes if each were spelt as the longest character reference (`&#1114111;`).
XLSX_MAX_TEXT_BYTES = 1 << 16
# Shared strings (<si>), which openpyxl loads all at once when it opens a workbook. A county's roster with no text
# shared at all (100,000 children x 39 columns: 3.9 million) fits; Excel and WPS keep each distinct text once, so a
# full sheet of contacts (1,048,576 rows, a uid and a note each) holds about 2.1 million; lbc writes none (its cells
# hold their text).
XLSX_MAX_STRINGS = 1 << 22  # 4,194,304
# XML elements openpyxl builds and keeps, in all: those of every part it parses whole (content types, relationships,
# workbook, styles, document properties, theme; a chartsheet and what it draws) and what it keeps of the two it
# streams, the sheets and the shared strings, besides their rows and strings (``_Units``). A real workbook's styles,
# workbook, relationships and content types hold a few thousand; Excel's own ceiling of 64,000 cell formats, each with
# its alignment and protection, under 200,000.
XLSX_MAX_ELEMENTS = 1 << 18  # 262,144
# Elements of one row of a sheet, or of one shared string, which openpyxl builds whole before it clears it: a row of
# 256 cells, each with its value, a formula and an inline text, takes about 1,000.
XLSX_MAX_ROW_ELEMENTS = 4096
# Rich-text runs of one shared string: a note with a few words in bold or in red has a handful.
XLSX_MAX_RUNS = 64
# Elements of the shared strings in all: two a string (<si><t>) at the strings' own bound, and half as many again for
# rich text.
XLSX_MAX_STRING_ELEMENTS = 3 * XLSX_MAX_STRINGS  # 12,582,912
_XLSX_CHUNK = 1 << 20  # bytes of a part unpacked at a time
# The tags counted as a part is unpacked (each chunk taken from the last '<' of the chunk before: a tag cut in two is
# counted whole). The usual spelling first (`<c r="A1">`: found at C speed); where a chunk holds a tag of these
# names with a namespace prefix (`<x:c>`), it is counted again with patterns that allow one.
# names of a tag are captured: a split at them keeps it, and says whether the tag ends there ('>'), closes on itself
# ('/') or goes on (attributes).
_XLSX_TAGS = tuple(re.compile(rb"<%s([\s/>])" % name) for name in (b"si", b"row", b"c"))
_XLSX_PREFIXED = re.compile(rb":(?:si|row|c)[\s/>]")
_XLSX_PREFIX = rb"(?:[^\s/<>:]+:)?"
_XLSX_TAGS_PREFIXED = tuple(re.compile(rb"<%s%s([\s/>])" % (_XLSX_PREFIX, name)) for name in (b"si", b"row", b"c"))
# How openpyxl reads a part (_xlsx_roles): parsed whole; streamed as a sheet or as the shared strings; not at all.
_WHOLE, _SHEET, _STRINGS, _UNREAD = "whole", "sheet", "strings", "unread"


def _read_xlsx(
    handle, path: str, rename=None, sheets: Sequence[str] = (), is_header=None
) -> Iterator[tuple[int, dict]]:
    """The rows of the sheet named one of ``sheets`` (the table's names: its labels and its slug), else of the first,
    read as they come (the sheet is parsed as it is read: a broken part fails as it is reached), after _check_xlsx
    has found the file within the bounds. The header is the first of the first XLSX_TITLE_ROWS rows that
    ``is_header`` takes (a merged title above it, as WPS and Excel users lay a sheet out), else the first row; rows
    are numbered as the sheet numbers them. A formula cell with no value saved comes as a Formula. openpyxl warns of
    what it leaves out: its warnings are silenced (_quietly), never printed after the command's own lines."""
    from lbc_cli import i18n
    from lbc_cli.errors import LbcError

    not_a_workbook = i18n.t("import_xlsx", file=path)
    _check_xlsx(handle, path)
    try:
        from openpyxl import load_workbook

        # external links hold cached copies of other workbooks' sheets, parsed whole: not read (_xlsx_roles)
        book = _quietly(load_workbook, handle, read_only=True, data_only=True, keep_links=False)
    except ImportError:
        raise LbcError(i18n.t("xlsx_missing")) from None
    except Exception:  # openpyxl raises many kinds for a file that is not a workbook
        raise LbcError(not_a_workbook) from None
    formulas = None  # the same sheet's formulas, read beside its values when it has any
    try:
        try:
            wanted = {name.strip().casefold() for name in sheets}
            sheet = next((s for s in book.worksheets if s.title.strip().casefold() in wanted), book.worksheets[0])
            # The rows and cells the sheet holds, not the size it declares: openpyxl pads every row to the
            # declared width, and the sheet to the declared height (A1:XFD1048576: 17 billion empty cells).
            sheet.reset_dimensions()
            rows = sheet.iter_rows(values_only=True)
            if _has_formulas(handle, getattr(sheet, "_worksheet_path", None)):
                handle.seek(0)
                formulas = _quietly(load_workbook, handle, read_only=True, data_only=False, keep_links=False)
                other = formulas[sheet.title]
                other.reset_dimensions()
                rows = _with_formulas(rows, other.iter_rows(values_only=True))
        except LbcError:
            raise
        except Exception:
            raise LbcError(not_a_workbook) from None
        headers: list[str] | None = None
        head: list[tuple] = []  # the first rows, until the header is found among them
        number = 0
        while True:
            try:  # a thousand rows at a time: warnings are silenced around each read, not across a yield
                batch = _quietly(list, itertools.islice(rows, _XLSX_BATCH))
            except Exception:
                raise LbcError(not_a_workbook) from None
            if not batch and headers is None and head:
                batch, head = head, []  # no row of the first few was a header: the first is
                number -= len(batch)
                is_header = None
            if not batch:
                if headers is None:
                    raise LbcError(i18n.t("import_empty", file=path))
                return
            for values in batch:
                number += 1
                if number > XLSX_MAX_ROWS:  # a row numbered past the last (openpyxl makes the rows skipped, empty)
                    raise LbcError(i18n.t("xlsx_rows", file=path, limit=XLSX_MAX_ROWS))
                if len(values) > XLSX_MAX_COLUMNS:  # a row is as wide as its last cell
                    raise LbcError(i18n.t("xlsx_columns", file=path, row=number, n=len(values), limit=XLSX_MAX_COLUMNS))
                if headers is None:
                    cells = ["" if h is None else str(h) for h in values]
                    if is_header is not None and not is_header(cells) and len(head) < XLSX_TITLE_ROWS:
                        head.append(values)
                        continue
                    if is_header is not None and not is_header(cells):
                        # none of the first few rows is a header: the first is (rename refuses it, naming its cells)
                        first, *later = head
                        head, is_header = [], None
                        cells = ["" if h is None else str(h) for h in first]
                        headers = rename(cells) if rename is not None else cells
                        for at, row in enumerate([*later, values], start=number - len(later)):
                            if any(v is not None and str(v).strip() != "" for v in row):
                                yield at, _xlsx_row(headers, row)
                        continue
                    headers = rename(cells) if rename is not None else cells
                    continue
                if all(v is None or str(v).strip() == "" for v in values):
                    continue
                yield number, _xlsx_row(headers, values)
    finally:
        _quietly(book.close)
        if formulas is not None:
            _quietly(formulas.close)


XLSX_TITLE_ROWS = 5  # rows above a sheet's header it may have (a title, a date, a note): the header is looked for there


def _xlsx_row(headers: list[str], values: tuple) -> dict:
    """A sheet's row under its header; the empty cells a sheet leaves out at a row's end are empty, not absent."""
    if len(values) < len(headers):
        values = (*values, *[None] * (len(headers) - len(values)))
    return {h: _xlsx_value(v) for h, v in zip(headers, values, strict=False) if h}


def _has_formulas(handle, part: str | None) -> bool:
    """Whether the sheet's XML holds a formula (``<f>``): read once more, a chunk at a time, only to know whether
    its formulas must be read beside its values."""
    import zipfile

    if not part:
        return False
    handle.seek(0)
    tag = re.compile(rb"<(?:[A-Za-z0-9_]+:)?f[\s>/]")
    with zipfile.ZipFile(handle) as archive, archive.open(part.lstrip("/")) as stream:
        tail = b""
        while chunk := stream.read(_XLSX_CHUNK):
            if tag.search(tail + chunk):
                return True
            tail = chunk[-16:]
    return False


def _with_formulas(values, formulas):
    """Each row of values, a cell with no value saved whose formula is there given as a Formula."""
    for row, texts in zip(values, formulas, strict=False):
        if None in row:
            row = tuple(
                Formula(str(f)) if v is None and isinstance(f, str) and f.startswith("=") else v
                for v, f in itertools.zip_longest(row, texts[: len(row)])
            )
        yield row


_XLSX_BATCH = 1000  # rows of a sheet read at a time


def _quietly(function: Callable, *args, **kwargs):
    """``function(*args, **kwargs)`` with every warning silenced: a library's warnings are not the user's business
    (and the tests make warnings errors)."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return function(*args, **kwargs)


def _check_xlsx(handle, path: str) -> None:
    """Refuse a workbook past the bounds before openpyxl opens it: too many parts, too many bytes declared,
    a part that is not stored or deflated as Excel writes them, XML holding a text no cell can be, too
    many shared strings, rows or cells in a row, or more XML elements than openpyxl should build (``_scan_part``).

    Every part is unpacked here once, a chunk at a time. zipfile gives no more of a part than the zip
    declares (a part whose data says otherwise fails its CRC check: not a workbook), so what the parts
    declare bounds what openpyxl can unpack, and a huge cell is found before openpyxl builds it (it loads
    every shared string when it opens a workbook). The parts that say which part is which come first
    (_xlsx_roles): each is bounded before it is parsed."""
    import warnings
    import zipfile

    from lbc_cli import i18n
    from lbc_cli.errors import LbcError

    not_a_workbook = LbcError(i18n.t("import_xlsx", file=path))
    try:
        archive = zipfile.ZipFile(handle)
    except Exception:  # not a zip, a cut one, a stream that cannot seek
        raise not_a_workbook from None
    with archive, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # openpyxl's, as the parts that say which part is which are parsed
        parts = archive.infolist()
        if len(parts) > XLSX_MAX_PARTS:
            raise LbcError(i18n.t("xlsx_parts", file=path, n=len(parts), limit=XLSX_MAX_PARTS))
        size = sum(part.file_size for part in parts)
        if size > XLSX_MAX_UNPACKED:
            mib = 1 << 20
            raise LbcError(i18n.t("xlsx_unpacked", file=path, n=-(-size // mib), limit=XLSX_MAX_UNPACKED // mib))
        if any(part.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED) for part in parts):
            raise not_a_workbook  # bzip2 and lzma would unpack a read's whole input at once
        built = 0  # elements openpyxl builds and keeps (XLSX_MAX_ELEMENTS)

        def keep(n: int, name: str) -> None:
            nonlocal built
            built += n
            if built > XLSX_MAX_ELEMENTS:
                raise LbcError(i18n.t("xlsx_elements", file=path, part=name, limit=XLSX_MAX_ELEMENTS))

        scanned: set[str] = set()

        def scan(name: str, role: str) -> None:
            if name not in scanned:
                scanned.add(name)
                for part in parts:  # a name the zip holds twice: each (openpyxl reads the last)
                    if part.filename == name:
                        _scan_part(archive, part, path, role, keep)

        try:
            roles = _xlsx_roles(archive, scan)
            for part in parts:
                scan(part.filename, roles.get(part.filename, _UNREAD))
        except LbcError:
            raise
        except ImportError:
            raise LbcError(i18n.t("xlsx_missing")) from None
        except Exception:  # a bad CRC, an encrypted part, a broken deflate stream, a CDATA section, parts that say
            raise not_a_workbook from None  # no workbook, elements between rows


def _xlsx_roles(archive, scan: Callable[[str, str], None]) -> dict[str, str]:
    """{part: how openpyxl reads it} when it loads a workbook as _read_xlsx does (read only, no external links), found
    by openpyxl's own code: the content types say which part is the workbook and which the shared strings, the
    workbook and its relationships which part is the first worksheet (the one read). Each part that says so is
    scanned as read whole (``scan``) before it is parsed here. A part both streamed and parsed whole (a sheet named as
    the stylesheet, or as a chartsheet's drawing) counts as parsed whole; a part in no role (another worksheet, a pivot
    table's records) is not read at all."""
    from openpyxl.packaging.manifest import Manifest
    from openpyxl.packaging.relationship import get_dependents, get_rels_path
    from openpyxl.reader.excel import _find_workbook_part
    from openpyxl.reader.workbook import WorkbookParser
    from openpyxl.xml.constants import ARC_CONTENT_TYPES, ARC_CORE, ARC_CUSTOM, ARC_STYLE, ARC_THEME, SHARED_STRINGS
    from openpyxl.xml.functions import fromstring

    names = archive.namelist()
    fixed = (ARC_CONTENT_TYPES, ARC_CORE, ARC_CUSTOM, ARC_STYLE, ARC_THEME)
    roles = {name: _WHOLE for name in names if name in fixed or name.endswith(".rels")}
    for name in names:
        if name in roles:
            scan(name, _WHOLE)
    manifest = Manifest.from_tree(fromstring(archive.read(ARC_CONTENT_TYPES)))
    workbook = _find_workbook_part(manifest).PartName[1:]
    roles[workbook] = _WHOLE
    scan(workbook, _WHOLE)
    parser = WorkbookParser(archive, workbook, keep_links=False)
    parser.parse()
    drawn = []  # a chartsheet is parsed whole, with the drawings it holds and their charts
    sheets = 0  # worksheets: the first is the one an import reads; openpyxl opens the others, reading none
    for _sheet, rel in parser.find_sheets():
        if rel.target not in names:
            continue
        if "chartsheet" in rel.Type:
            drawn.append(rel.target)
        else:
            if not sheets:
                roles.setdefault(rel.target, _SHEET)
            sheets += 1
    strings = manifest.find(SHARED_STRINGS)
    if strings is not None:
        name = strings.PartName[1:]
        roles[name] = _STRINGS if roles.get(name, _STRINGS) == _STRINGS else _WHOLE
    seen = set()
    while drawn:
        name = drawn.pop()
        if name in seen:
            continue
        seen.add(name)
        roles[name] = _WHOLE
        relationships = get_rels_path(name)
        if relationships in roles:  # every relationships part: scanned above
            drawn.extend(rel.target for rel in get_dependents(archive, relationships) if rel.TargetMode != "External")
    return roles


def _scan_part(archive, part, path: str, role: str, keep: Callable[[int, str], None]) -> None:
    """Unpack one part a chunk at a time and refuse it (LbcError) at the first bound it passes: a run of more
    than XLSX_MAX_TEXT_BYTES bytes with no '<', more than XLSX_MAX_STRINGS shared strings, XLSX_MAX_ROWS rows or
    XLSX_MAX_COLUMNS cells in one row; then by how openpyxl reads it (``role``, _xlsx_roles): the elements of a part
    it parses whole, and what it keeps of a sheet or the shared strings (_Units), go to ``keep`` (XLSX_MAX_ELEMENTS
    in all); the shared strings hold at most XLSX_MAX_STRING_ELEMENTS. A part that is no XML (a picture) is only
    read through (its CRC is checked at its end). A CDATA section, which may hold '<' and which Excel never writes,
    raises ValueError.

    The shared strings, rows and cells are counted in every XML part, whatever its name or role."""
    from lbc_cli import i18n
    from lbc_cli.errors import LbcError
    from lbc_cli.validate import MAX_LONG_TEXT

    def refused(key: str, **fields) -> LbcError:
        return LbcError(i18n.t(key, file=path, **fields))

    limit = XLSX_MAX_TEXT_BYTES
    run = 0  # bytes since the last '<'
    strings = rows = cells = 0  # cells: of the row being read
    elements = 0  # of the shared strings
    units = None
    if role in (_SHEET, _STRINGS):
        units = _Units(role, lambda key, bound: refused(key, part=part.filename, limit=bound))
    xml = None
    carry = b""  # the chunk before, from its last '<' on
    with archive.open(part) as stream:
        while True:
            chunk = stream.read(_XLSX_CHUNK)
            if xml is None:  # XML starts with '<' (after a byte order mark, or spaces: a run too)
                start = chunk.removeprefix(b"\xef\xbb\xbf").lstrip()
                xml = not start or start.startswith(b"<") or chunk.startswith((b"\xff\xfe", b"\xfe\xff"))
            if not xml:
                if not chunk:
                    return
                continue  # read through all the same: its CRC is checked at its end
            run, past = _text_run(chunk, run, limit)
            if past:
                raise refused("xlsx_text", part=part.filename, limit=limit, chars=MAX_LONG_TEXT)
            data = carry + chunk
            if b"<![CDATA[" in data:
                raise ValueError("CDATA")
            if chunk:
                cut = data.rfind(b"<")
                if cut <= 0:  # no tag begins in this chunk: it waits for the next (the run is short)
                    carry = data
                    continue
                data, carry = data[:cut], data[cut:]
            if role == _WHOLE:
                keep(_elements(data), part.filename)
            elif role == _STRINGS:
                elements += _elements(data)
                if elements > XLSX_MAX_STRING_ELEMENTS:
                    raise refused("xlsx_part_elements", part=part.filename, limit=XLSX_MAX_STRING_ELEMENTS)
            prefixed = _XLSX_PREFIXED.search(data) is not None
            string, row, cell = _XLSX_TAGS_PREFIXED if prefixed else _XLSX_TAGS
            # '<si' counted at C speed, an upper bound (a tag of another name so begun counts too); near the
            # bound, the tags themselves
            found = len(string.findall(data)) if prefixed else data.count(b"<si")
            if strings + found > XLSX_MAX_STRINGS and not prefixed:
                found = len(string.findall(data))
            strings += found
            if strings > XLSX_MAX_STRINGS:
                raise refused("xlsx_strings", part=part.filename, limit=XLSX_MAX_STRINGS)
            # the cells of the row that goes on from the chunk before, of each row begun and ended in this one, and
            # of the row begun last (it may go on in the next)
            split = row.split(data)
            going_on, begun = split[0], split[2::2]
            cells += len(cell.findall(going_on))
            widest = cells
            if begun:
                rows += len(begun)
                room = 3 * XLSX_MAX_COLUMNS  # a tag takes 3 bytes at least: a shorter row cannot hold too many cells
                ended = [piece for piece in begun[:-1] if len(piece) > room]
                cells = len(cell.findall(begun[-1]))
                widest = max(widest, cells, max(map(len, map(cell.findall, ended)), default=0))
            if widest > XLSX_MAX_COLUMNS:
                raise refused("xlsx_cells", part=part.filename, limit=XLSX_MAX_COLUMNS)
            if rows > XLSX_MAX_ROWS:
                raise refused("xlsx_rows", limit=XLSX_MAX_ROWS)
            if units is not None:  # what openpyxl keeps besides the rows (the strings)
                keep(units.feed(split if role == _SHEET else string.split(data)), part.filename)
            if not chunk:
                return


def _elements(data: bytes) -> int:
    """The elements begun in ``data`` (whole tags): its '<' but those of end tags. A comment counts as one."""
    return data.count(b"<") - data.count(b"</")


class _Units:
    """What openpyxl keeps of a part it streams: a sheet, whose units are its rows, or the shared strings, whose units
    are its strings (<si>). It builds one unit at a time and clears it when the unit ends, and keeps all else it reads.
    So a unit holds at most XLSX_MAX_ROW_ELEMENTS elements (a string at most XLSX_MAX_RUNS rich-text runs); units
    follow one another with nothing but spaces between them (Excel writes nothing else there), nor begin inside one
    another (ValueError: not a workbook); and what is before the first unit or after their container (``sheetData``,
    ``sst``: a sheet's columns, merged cells...) is counted (``feed``) with the parts read whole.

    Fed a chunk at a time (whole tags, split at the units' start tags); the usual units, each ending its piece of the
    chunk, are checked at C speed, the rest piece by piece."""

    def __init__(self, role: str, refused: Callable[[str, int], Exception]):
        unit, container = (b"row", b"sheetData") if role == _SHEET else (b"si", b"sst")
        self.end = b"</" + unit + b">"  # as Excel writes it
        self.end_tag = re.compile(rb"</%s%s\s*>" % (_XLSX_PREFIX, unit))
        self.container_end = re.compile(rb"</%s%s\s*>" % (_XLSX_PREFIX, container))
        self.run = re.compile(rb"<%sr[\s/>]" % _XLSX_PREFIX) if role == _STRINGS else None
        self.too_many = "xlsx_row_elements" if role == _SHEET else "xlsx_string_elements"
        self.refused = refused
        self.inside = False  # in a unit begun and not yet ended
        self.begun = False  # a unit has begun: what is not in one is between them
        self.after = False  # the container has ended
        self.elements = self.runs = 0  # of the unit being read
        # a piece of a chunk shorter than this cannot pass a bound: an element takes 3 bytes at least, a run 4
        self.room = 3 * XLSX_MAX_ROW_ELEMENTS if self.run is None else min(3 * XLSX_MAX_ROW_ELEMENTS, 4 * XLSX_MAX_RUNS)

    def feed(self, split: list[bytes]) -> int:
        """One chunk, as the unit's tag splits it: the text before the first, then each tag's last character and the
        text after it. Returns the elements it holds outside the units (openpyxl keeps them)."""
        kept = self._text(split[0])
        ends, pieces = split[1::2], split[2::2]
        if len(pieces) > 1 and not self.inside and not self.after and self._usual(ends[:-1], pieces[:-1]):
            self.begun = True
            ends, pieces = ends[-1:], pieces[-1:]
        for end, piece in zip(ends, pieces, strict=True):
            kept += self._unit(end, piece)
        return kept

    def _usual(self, ends: list[bytes], pieces: list[bytes]) -> bool:
        """Whether each piece is a whole unit as Excel writes it: a start tag not closed on itself, its content, its
        end tag last and once. Their elements (and runs) are counted where a piece is long enough to pass a bound."""
        if b"/" in b"".join(ends) or not all(map(bytes.endswith, pieces, itertools.repeat(self.end))):
            return False
        if b"".join(pieces).count(self.end) != len(pieces):
            return False
        if max(map(len, pieces)) > self.room:
            for piece in pieces:
                if len(piece) > self.room:
                    self.elements = _elements(piece)
                    self.runs = len(self.run.findall(piece)) if self.run else 0
                    self._check()
        return True

    def _unit(self, end: bytes, piece: bytes) -> int:
        """A unit's start tag begins ``piece`` (``end``: the character after its name)."""
        if self.after:  # after the container: kept, as all there
            return 1 + _elements(piece)
        if self.inside:
            raise ValueError("a unit begun inside a unit")
        self.begun = True
        if end == b">":
            content = piece
        else:
            close = piece.find(b">")
            if close < 0 or (end == b"/" and close > 0):
                raise ValueError("a start tag broken")
            if end == b"/" or piece[close - 1 : close] == b"/":  # closed on itself: <row/>, <row r="9"/>
                return self._between(piece[close + 1 :])
            content = piece[close + 1 :]
        self.inside = True
        self.elements = self.runs = 0
        return self._content(content)

    def _text(self, text: bytes) -> int:
        """What a chunk holds before its first unit's start tag."""
        if self.after or not self.begun:  # after the container, or before the first unit
            return _elements(text)
        return self._content(text) if self.inside else self._between(text)

    def _content(self, text: bytes) -> int:
        """The unit being read goes on in ``text``, and may end there."""
        found = self.end_tag.search(text)
        inner = text if found is None else text[: found.start()]
        self.elements += _elements(inner)
        if self.run is not None:
            self.runs += len(self.run.findall(inner))
        self._check()
        if found is None:
            return 0
        self.inside = False
        return self._between(text[found.end() :])

    def _between(self, text: bytes) -> int:
        """After a unit, up to the next: nothing but spaces (and end tags), or the container's end and what follows."""
        found = self.container_end.search(text)
        if _elements(text if found is None else text[: found.start()]):
            raise ValueError("an element between units")
        if found is None:
            return 0
        self.after = True
        return _elements(text[found.end() :])

    def _check(self) -> None:
        if self.elements > XLSX_MAX_ROW_ELEMENTS:
            raise self.refused(self.too_many, XLSX_MAX_ROW_ELEMENTS)
        if self.runs > XLSX_MAX_RUNS:
            raise self.refused("xlsx_runs", XLSX_MAX_RUNS)


def _text_run(chunk: bytes, run: int, limit: int) -> tuple[int, bool]:
    """The bytes with no '<' at the end of ``chunk`` (``run`` of them came before it), and whether a run of more
    than ``limit`` such bytes is there. Found by steps of ``limit`` bytes, not '<' by '<'."""
    first = chunk.find(b"<")
    if first < 0:
        return run + len(chunk), run + len(chunk) > limit
    if run + first > limit:
        return 0, True
    after = first + 1  # just after a '<'
    while len(chunk) - after > limit:
        found = chunk.rfind(b"<", after, after + limit + 1)
        if found < 0:
            return 0, True
        after = found + 1
    run = len(chunk) - chunk.rfind(b"<") - 1
    return run, run > limit


class Formula(NamedTuple):
    """A sheet's cell holding a formula with no value saved (a file a program wrote, never opened in Excel or WPS):
    refused as such by the import, not read as an empty cell."""

    text: str


def _xlsx_value(value: Any) -> Any:
    if isinstance(value, datetime):  # a date cell: its date, or as a person sees it when it has a time of day
        if value.time() == datetime.min.time():
            return value.date().isoformat()
        return value.strftime("%Y-%m-%d %H:%M:%S" if value.second else "%Y-%m-%d %H:%M")
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:  # (past it: digits were lost)
        return int(value)
    return value


# A sheet made for people (SPEC section 11): the number formats of its cells, its columns' widths
XLSX_DATE_FORMAT = "yyyy-mm-dd"
XLSX_MONEY_FORMAT = "0.00"
XLSX_TEXT_FORMAT = "@"  # ids and phones: text, never 5.11E+17, leading zeros kept when edited
XLSX_MAX_WIDTH = 50  # a column is at most this wide (in widths of a digit): a longer text shows its start
XLSX_WIDTH_ROWS = 10_000  # rows streamed once: those that set the widths (the columns precede the rows in the XML)
XLSX_PORTRAIT_COLUMNS = 10  # a sheet of more columns prints landscape, fitted to one page wide
# What Excel forbids in a sheet's name (and its length), and the name of a sheet with none left
_SHEET_FORBIDDEN = re.compile(r"[\\/?*\[\]:]")
XLSX_MAX_SHEET_TITLE = 31


def sheet_title(text: str) -> str:
    """``text`` as Excel takes a sheet's name: none of ``[]:*?/\\``, no apostrophe at either end, at most 31
    characters (a longer one is cut), not empty."""
    title = _SHEET_FORBIDDEN.sub("_", text).strip().strip("'")[:XLSX_MAX_SHEET_TITLE].strip()
    return title or "Sheet1"


def display_width(value: Any) -> int:
    """How wide a cell's value shows, in widths of a digit: an East Asian wide or full-width character counts
    two (a Chinese name, an address), any other one; a date is ten ("2026-09-01"); a line break starts over."""
    if value is None:
        return 0
    if isinstance(value, date):
        return 10
    text = value if isinstance(value, str) else str(value)
    if text.isascii():
        return max(map(len, text.splitlines()), default=0)
    import unicodedata

    return max(
        (len(line) + sum(unicodedata.east_asian_width(ch) in "WF" for ch in line) for line in text.splitlines()),
        default=0,
    )


def write_xlsx(
    rows: Iterable[dict],
    columns: list[str],
    stream,
    *,
    title: str = "lbc",
    text_columns: Iterable[str] = (),
    widths: list[int] | None = None,
    one_page_wide: bool = False,
) -> int:
    """A one-sheet workbook made for people, its header ``columns`` (the rows' keys): the header row bold, frozen
    and printed atop every page, an autofilter over the rows, each column as wide as its ``widths`` (its values'
    widest, measured by the caller) or else its first ``XLSX_WIDTH_ROWS`` rows' text (a wide character counting
    two, at most ``XLSX_MAX_WIDTH``), printed landscape when it has more than ``XLSX_PORTRAIT_COLUMNS``
    columns and fitted to one page's width when ``one_page_wide`` (a form), dates as dates (``yyyy-mm-dd``), money
    (Decimal) with two places, ``text_columns`` (ids, phones) as text cells (``@``), the sheet named ``title``
    (``sheet_title``). Text stays text: a cell starting with ``=`` is a string, never a formula (what CSV's quote
    guards against), and ``#N/A`` a string, never an error.

    openpyxl writes the sheet to a temporary file first (kept in a folder of this process's own:
    ``_xlsx_temp_folder``), then packs it into ``stream``; memory stays flat for a county's rows (only the first
    rows are held, for the widths: the sheet's XML names its columns' widths before its rows)."""
    from openpyxl import Workbook
    from openpyxl.cell.cell import Cell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    rows = iter(rows)
    first = list(itertools.islice(rows, XLSX_WIDTH_ROWS)) if widths is None else []
    if widths is None:
        widths = [max((display_width(row.get(column)) for row in first), default=0) for column in columns]
    texts = frozenset(text_columns)
    with _xlsx_temp_folder():
        book = Workbook(write_only=True)
        sheet = book.create_sheet(sheet_title(title))
        for number, (column, wide) in enumerate(zip(columns, widths, strict=True), 1):
            wide = max(display_width(column), wide)
            sheet.column_dimensions[get_column_letter(number)].width = min(wide + 2, XLSX_MAX_WIDTH)
        sheet.freeze_panes = "A2"
        sheet.print_title_rows = "1:1"  # printed, each page starts with the header
        if len(columns) > XLSX_PORTRAIT_COLUMNS:  # a wide sheet prints across
            sheet.page_setup.orientation = "landscape"
        if one_page_wide:  # a form: every column on one page's width, as many pages down as it takes
            sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight = 1, 0
            sheet.sheet_properties.pageSetUpPr.fitToPage = True

        def styled(**style) -> Any:  # a cell's style, made once, shared by the cells that take it
            template = Cell(sheet, row=1, column=1)
            for key, value in style.items():
                setattr(template, key, value)
            return template._style

        bold, as_text = styled(font=Font(bold=True)), styled(number_format=XLSX_TEXT_FORMAT)
        as_date, as_money = styled(number_format=XLSX_DATE_FORMAT), styled(number_format=XLSX_MONEY_FORMAT)

        def text_cell(value: str, style=None) -> Cell:
            made = Cell(sheet, row=1, column=1, value=value, style_array=style)
            made.data_type = "s"  # "=x" is a text, not a formula; "#N/A" a text, not an error
            return made

        sheet.append([text_cell(column, bold) for column in columns])
        kinds = [as_text if column in texts else None for column in columns]
        n = 0
        for row in itertools.chain(first, rows):
            cells = []
            for column, style in zip(columns, kinds, strict=True):
                value = row.get(column)
                kind = value.__class__
                if kind is str:
                    cells.append(text_cell(value, style) if style is not None or value[:1] in "=#" else value)
                elif kind is date:
                    cells.append(Cell(sheet, row=1, column=1, value=value, style_array=as_date))
                elif kind is Decimal:
                    cells.append(Cell(sheet, row=1, column=1, value=value, style_array=as_money))
                else:
                    cells.append(cell(value))  # a number, 1/0, nothing; a timestamp as its ISO text
            sheet.append(cells)
            n += 1
        sheet.auto_filter.ref = f"A1:{get_column_letter(max(len(columns), 1))}{n + 1}"
        target = _QuietAfterFailure(stream)
        try:
            book.save(target)
        except BaseException:
            target.failed = True
            raise
    return n


# The folder of an xlsx write's temporary files, in the system's temporary folder: named for its process, so that
# what a killed lbc left can be told from the work of one still running.
_XLSX_TEMP_FOLDER = re.compile(r"lbc-xlsx-(\d+)-[a-z0-9_]{8}")  # as tempfile.mkdtemp names it


@contextmanager
def _xlsx_temp_folder() -> Iterator[str]:
    """Every temporary file made while the block runs goes into a new folder of this process's own (mode 0700,
    ``lbc-xlsx-PID-…`` in the system's temporary folder), removed with all it holds on every way out Python sees:
    the end, an error, ``errors.Stopped`` (SIGTERM, SIGHUP), KeyboardInterrupt. What a process killed outright
    (SIGKILL, the OOM killer) left is removed here, by the next xlsx write, once that process is gone.

    Why: openpyxl's write-only sheet writes every row, unmasked with --reveal, to
    ``tempfile.NamedTemporaryFile(prefix="openpyxl.", delete=False)`` in the system's temporary folder and removes
    it only once the workbook is saved, or at the interpreter's exit (atexit): never when the save fails (a full
    disk, a reader gone), never at lbc's own exit (``os._exit`` skips atexit), never on SIGKILL. Its public API takes
    no folder and no file for it (the sheet writer's ``out`` is internal, and its cleanup expects a file of its own
    list), so tempfile's default folder, ``tempfile.tempdir``, is pointed at ours for the duration. A command is one
    process with one thread at that point: nothing else makes temporary files meanwhile."""
    import shutil
    import tempfile

    before = tempfile.tempdir
    base = tempfile.gettempdir()
    _sweep_xlsx_temp_folders(base)
    folder = tempfile.mkdtemp(prefix=f"lbc-xlsx-{os.getpid()}-", dir=base)  # 0700
    tempfile.tempdir = folder
    try:
        yield folder
    finally:
        tempfile.tempdir = before
        shutil.rmtree(folder, ignore_errors=True)


def _sweep_xlsx_temp_folders(base: str) -> None:
    """Remove the xlsx temporary folders in ``base`` whose process is gone: only a folder lbc made (its name,
    this user's, 0700, not a link) holding only openpyxl's files."""
    try:
        names = os.listdir(base)
    except OSError:
        return
    for name in names:
        found = _XLSX_TEMP_FOLDER.fullmatch(name)
        if found is None or int(found.group(1)) == os.getpid() or _alive(int(found.group(1))):
            continue
        path = os.path.join(base, name)
        try:
            info = os.lstat(path)
        except OSError:
            continue
        if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid() or stat.S_IMODE(info.st_mode) != 0o700:
            continue
        try:  # what openpyxl left there and nothing else: a folder holding anything more is not lbc's
            held = os.listdir(path)
            if any(not name.startswith("openpyxl.") or not os.path.isfile(os.path.join(path, name)) for name in held):
                continue
            for name in held:
                os.unlink(os.path.join(path, name))
            os.rmdir(path)
        except OSError:
            pass


class _QuietAfterFailure:
    """The stream a workbook is saved into, as zipfile sees it. Once a write has failed (a full disk, a reader
    gone) or the save has stopped, whatever zipfile does with it afterwards goes nowhere, quietly, at positions
    that add up: the archive left open is closed when it is collected (``ZipFile.__del__``: its directory written,
    seeking back), after the stream itself was closed, and would print "Exception ignored in: <function
    ZipFile.__del__>" and a traceback after the command's one line."""

    def __init__(self, stream):
        self._stream = stream
        self.failed = False
        self._position = 0  # once failed: where zipfile believes it is

    def write(self, data) -> int:
        if self.failed:
            self._position += len(data)
            return len(data)
        try:
            return self._stream.write(data)
        except BaseException:
            self.failed = True
            raise

    def flush(self) -> None:
        if not self.failed:
            try:
                self._stream.flush()
            except BaseException:
                self.failed = True
                raise

    def tell(self) -> int:
        return self._position if self.failed else self._stream.tell()

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        if not self.failed:
            return self._stream.seek(offset, whence)
        self._position = offset if whence == os.SEEK_SET else self._position + offset
        return self._position
