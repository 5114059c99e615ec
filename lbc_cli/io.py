"""Cells in and out of files: masking, spreadsheet-formula neutralising, value formatting, CSV/JSON writers.

Rows stream: a writer takes an iterator and writes as it goes, so memory stays flat for any table size.
"""

import csv
import json
import os
import tempfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

from lbc_cli.validate import mask

# Columns holding phone or id numbers: masked unless --reveal.
SENSITIVE = frozenset({"id_number", "guardian_phone", "father_phone", "mother_phone", "phone"})

# A text cell starting with one of these is a formula to Excel/WPS. A cell that already starts with
# quotes before one of them gets one more quote, so that import can always strip exactly one.
_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


_FIRST = frozenset("=+-@\t\r'")


def neutralise(text: str) -> str:
    if text and text[0] in _FIRST and text.lstrip("'").startswith(_TRIGGERS):
        return "'" + text
    return text


def unneutralise(text: str) -> str:
    if text.startswith("'") and text.lstrip("'").startswith(_TRIGGERS):
        return text[1:]
    return text


def cell(value: Any) -> Any:
    """A value as a plain JSON-able value for any output: dates ISO, booleans 1/0, money as a number."""
    if isinstance(value, bool):
        return 1 if value else 0
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def csv_text(value: Any) -> str:
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


def masker(columns: list[str], reveal: bool) -> Callable[[dict], dict]:
    hidden = [] if reveal else [c for c in columns if c in SENSITIVE]

    def apply(row: dict) -> dict:
        for col in hidden:
            if row.get(col):
                row[col] = mask(str(row[col]))
        return row

    return apply


def write_csv(rows: Iterable[dict], columns: list[str], stream: IO[str]) -> int:
    writer = csv.writer(stream, lineterminator="\r\n")
    writer.writerow(columns)
    n = 0
    for row in rows:
        writer.writerow([csv_text(row.get(c)) for c in columns])
        n += 1
    return n


def write_json(rows: Iterable[dict], columns: list[str], stream: IO[str]) -> int:
    """A JSON array, written row by row."""
    n = 0
    stream.write("[")
    for row in rows:
        stream.write(",\n  " if n else "\n  ")
        stream.write(json.dumps({c: cell(row.get(c)) for c in columns}, ensure_ascii=False))
        n += 1
    stream.write("\n]\n" if n else "]\n")
    return n


def write_jsonl(rows: Iterable[dict], columns: list[str], stream: IO[str]) -> int:
    n = 0
    for row in rows:
        stream.write(json.dumps({c: cell(row.get(c)) for c in columns}, ensure_ascii=False) + "\n")
        n += 1
    return n


WRITERS = {"csv": write_csv, "json": write_json, "jsonl": write_jsonl}


@contextmanager
def output(path: str | None, *, bom: bool = False) -> Iterator[IO[str]]:
    """stdout, or a file written atomically (a temp file renamed into place, 0600) when ``path`` is given."""
    import sys

    if path is None or path == "-":
        if bom:
            sys.stdout.write("\ufeff")
        yield sys.stdout
        sys.stdout.flush()
        return
    from lbc_cli import i18n
    from lbc_cli.errors import LbcError

    target = Path(path).expanduser()
    if target.is_dir():
        raise LbcError(i18n.t("cannot_write", file=target, why=os.strerror(21)))
    try:
        fd, tmp = tempfile.mkstemp(prefix=".lbc-", dir=target.parent)
    except OSError as exc:
        raise LbcError(i18n.t("cannot_write", file=target, why=exc.strerror)) from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8-sig" if bom else "utf-8", newline="") as fh:
            yield fh
        os.chmod(tmp, 0o600)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
