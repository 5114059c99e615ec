"""lbc import: check every row of a file and write all of it in one transaction, or nothing.

Rows stream from the file in chunks (a CSV file's as io.Block lists of cells), are checked column
by column with the same rules as the single-row commands (validate.py: each distinct cell of a
chunk parsed once), and the good ones are written through the DB-API `executemany` inside one
transaction; any bad row rolls it all back. Every problem of every bad row is reported as
`FILE:ROW: column: problem`, the column named as the file's header names it (headers and values may be slugs or
labels in Chinese or English: what `lbc export`, `--labels` and the registration form write). A header's problem is
one line for the file, and so are cells masked by an export without --reveal.
"""

import functools
import math
import operator
import os
import re
import uuid
from collections.abc import Iterable
from datetime import date, timedelta
from itertools import compress, repeat
from typing import NamedTuple

from lbc_cli import i18n, io, last_contacts, parallel, pinyin, validate
from lbc_cli.errors import ExitCode, Invalid, LbcError
from lbc_cli.uids import new_uids

CHUNK = 1000  # rows per executemany; small enough that a chunk's garbage does not pin memory
BULK_ROWS = 20000  # from this many rows on, an import rebuilds the table's plain indexes at the end
CACHE_KIB = 32768  # SQLite page cache of an import's connection
EMPTY = {"slugs": "", "bool": False}  # what an empty cell means, by field kind (others: nothing)
MAX_REPORTED = 50

DATE_COLUMNS = frozenset(
    {
        "birth_date", "care_agreement_on", "consent_on", "exit_date", "enrolled_on", "reviewed_on",
        "start_date", "end_date", "date", "follow_up_date", "inactive_on", "reentered_on",
    }
)  # fmt: skip

# Export name -> (table name, field specs, required fields)
TABLES = {
    "children": ("children", validate.CHILD_FIELDS, validate.CHILD_REQUIRED),
    "helpers": ("helpers", validate.HELPER_FIELDS, validate.HELPER_REQUIRED),
    "pairs": (
        "pairings",
        {
            "child_id": ("int", None),
            "helper_id": ("int", None),
            "start_date": ("pastdate", None),
            "end_date": ("pastdate", None),
            "note": ("longtext", None),
        },
        ("child_id", "helper_id", "start_date"),
    ),
    "contacts": (
        "contacts",
        {
            "child_id": ("int", None),
            "helper_id": ("int", None),
            "kind": ("slug", "kind"),
            "date": ("pastdate", None),
            "with_whom": ("slug", "with"),
            "minutes": ("int", "1440"),
            "note": ("longtext", None),
            "follow_up_date": ("date", None),
            "no_answer": ("bool", None),
        },
        ("child_id", "kind", "date"),
    ),
    "exams": ("exams", validate.EXAM_FIELDS, (*validate.EXAM_REQUIRED, "child_id")),
    "exits": (
        "exits",
        {
            "child_id": ("int", None),
            "exit_date": ("pastdate", None),
            "exit_reason": ("slug", "exit_reason"),
            "reentered_on": ("pastdate", None),
        },
        ("child_id", "exit_date"),
    ),
}
TABLES["exams"][1]["child_id"] = ("int", None)

# Headers a clerk may type instead of the column names (besides each field's label in Chinese or English), and the
# headers of the registration form (``lbc export children --layout registration-form``) that are not a field's label.
SYNONYMS = {
    "身份证号码": "id_number",
    "公民身份号码": "id_number",
    "监护人姓名": "guardian_name",
    "监护人联系电话": "guardian_phone",
    "与监护人关系": "guardian_relation",
    "儿童姓名": "name",
    "出生年月": "birth_date",
    "所在村": "village",
    "村组": "village_group",
    "家庭住址": "address",
    "就读学校": "school",
    "类别": "flags",
    "帮扶人姓名": "name",
    "是否寄宿": "boarding",
    "父亲是否外出务工": "father_away",
    "父亲联系电话": "father_phone",
    "母亲是否外出务工": "mother_away",
    "母亲联系电话": "mother_phone",
    "已获救助情况": "assistance",
    "备注": "family_notes",
}
# The registration form's own row number (1..n as the form is written): read and left out, a child's id being
# the database's to give.
FORM_NUMBER = "序号"
IGNORED = "\x00" + FORM_NUMBER  # the key an ignored column is read under: no column's name


def header_map(headers: list[str], columns: list[str]) -> dict[str, str]:
    """Raw header -> column: the column name itself (any case), its label in Chinese or English (any case), a
    synonym, or the registration form's headers (its 序号 read as IGNORED, for children only)."""
    by_label = {}
    for c in columns:
        if c in i18n.FIELDS:
            zh, en = i18n.FIELDS[c]
            by_label.setdefault(zh, c)
            by_label.setdefault(en.casefold(), c)
    mapping = {}
    for header in headers:
        key = (header or "").strip().lstrip("\ufeff").strip()
        folded = key.lower().replace(" ", "_").replace("-", "_")
        if folded in columns:
            mapping[header] = folded
        elif key in by_label or key.casefold() in by_label:
            mapping[header] = by_label.get(key) or by_label[key.casefold()]
        elif SYNONYMS.get(key) in columns:
            mapping[header] = SYNONYMS[key]
        elif key == FORM_NUMBER and "birth_date" in columns:
            mapping[header] = IGNORED
    return mapping


def check_header(name: str, source: str, headers: list[str], keys: list[str], blank_ok: bool = False) -> None:
    """A header (CSV or a sheet's first row: ``headers`` as written, ``keys`` the columns they name) leaving a column
    unnamed, naming one the table does not have or one twice, or lacking a column every row needs, refuses the file
    at once, in one line (LbcError): every row would be refused for it, or one of two columns' cells silently lost.
    ``blank_ok``: an unnamed column is left out (a sheet's empty header cells), not refused."""
    _table, spec, required = TABLES[name]
    where = f"{source}:1: "
    seen: dict[str, int] = {}
    for position, (header, key) in enumerate(zip(headers, keys, strict=True), start=1):
        shown = (header or "").strip().lstrip("\ufeff").strip()
        if not shown:
            if blank_ok:
                continue
            raise LbcError(where + i18n.t("import_header_empty", n=position))
        if key == IGNORED:
            continue
        if key not in spec and key not in ("id", "uid"):
            raise LbcError(
                where
                + i18n.t("import_header_unknown", n=position, column=shown, table=name, label=i18n.label("table", name))
            )
        if key in seen:
            first = (headers[seen[key] - 1] or "").strip().lstrip("\ufeff").strip()
            if first == shown:
                raise LbcError(where + i18n.t("import_header_twice", first=seen[key], second=position, column=first))
            label = key if key in ("id", "uid") else i18n.field(key)
            field = key if label == key else f"{label}/{key}"
            raise LbcError(
                where
                + i18n.t("import_header_same", first=seen[key], second=position, column=first, other=shown, field=field)
            )
        seen[key] = position
    missing = [column for column in required if column not in seen and column not in OPTIONAL_REQUIRED]
    if missing:
        raise LbcError(
            where
            + i18n.t(
                "import_header_missing", columns=i18n.field_list(missing), table=name, label=i18n.label("table", name)
            )
        )


# Required columns a file may leave out all the same: a roster typed without it is enrolled on the day it is imported.
OPTIONAL_REQUIRED = frozenset({"enrolled_on"})


class Problems:
    """Every problem of every bad row of a file (or of another database, for a merge), reported up to a cap with a
    count of the rest. ``headers`` (an import's: column -> the file's header for it, filled as the file is read)
    names each column as the file does, or a column the file lacks by its label in the session's language; without
    it (a merge) a column is named as given. Cells that look masked (an export without --reveal) are not reported
    one by one: one line says what the file is and how to export it revealed (``masked``)."""

    def __init__(self, source: str, headers: dict[str, str] | None = None, table: str | None = None):
        self.source = source
        self.headers = headers
        self.table = table
        self.lines: list[tuple[int, str, str, str]] = []  # (row, where, column, problem)
        self.count = 0
        self.masked: dict[str, None] = {}  # the columns whose cells look masked, in the order found
        self.form = False  # the file is the registration form (its hint says so)

    def add(self, row: int, column: str, problem: str, where: str | None = None) -> None:
        """``where`` names the row (default ``FILE:ROW``); ``row`` orders the lines."""
        self.count += 1
        if len(self.lines) < MAX_REPORTED:
            self.lines.append((row, where or f"{self.source}:{row}", column, problem))

    def mask_seen(self, column: str) -> None:
        """A cell of ``column`` looks masked: counted once for the whole file."""
        if not self.masked:
            self.count += 1  # one problem: the file's
        self.masked.setdefault(column, None)

    def merge(self, other: "Problems") -> None:
        """``other``'s problems too: the first MAX_REPORTED rows of both, in file order, are kept."""
        self.count += other.count - (1 if self.masked and other.masked else 0)
        self.lines = sorted(self.lines + other.lines, key=lambda item: item[0])[:MAX_REPORTED]
        self.masked.update(other.masked)
        self.form = self.form or other.form
        if self.headers is not None and other.headers is not None and other.headers is not self.headers:
            self.headers.update(other.headers)  # the check copy's, filled there as it read the file

    def named(self, column: str) -> str:
        """A column as the file's header names it, else by its label (an import), or as given (a merge)."""
        if self.headers is None or column == "-":
            return column
        return self.headers.get(column) or i18n.field(column)

    def _in_file_order(self, columns) -> list[str]:
        """``columns`` in the order of the file's header (an import's), else as given."""
        order = {column: position for position, column in enumerate(self.headers or ())}
        return sorted(columns, key=lambda column: order.get(column, len(order)))

    def _extension(self) -> str:
        """The file's own extension (its format), for the name of the file the hint says to export to."""
        suffix = os.path.splitext(self.source)[1].lower()
        return suffix if suffix in (".csv", ".json", ".jsonl", ".xlsx") else ".csv"

    def raise_if_any(self, message: str = "import_bad") -> None:
        if self.count:
            details = []
            if self.masked:
                how = f"lbc export {self.table or 'children'}"
                if self.form:
                    how += " --layout registration-form"
                columns = "、" if i18n.lang() == "zh" else ", "
                details.append(
                    f"{self.source}: "
                    + i18n.t(
                        "import_masked",
                        columns=columns.join(map(self.named, self._in_file_order(self.masked))),
                        command=f"{how} --reveal --out {i18n.t('import_masked_file', ext=self._extension())}",
                    )
                )
            # in file order: a row the database refused is found when its chunk is written
            details += [
                f"{where}: {self.named(column)}: {problem}"
                for _row, where, column, problem in sorted(self.lines, key=lambda item: item[0])
            ]
            shown = len(self.lines) + (1 if self.masked else 0)
            if self.count > shown:
                details.append(i18n.t("import_more", n=self.count - shown))
            raise LbcError(
                i18n.t(message, n=self.count, s="" if self.count == 1 else "s", file=self.source),
                ExitCode.REFUSED,
                details=details,
            )


_ABSENT = object()  # a key a JSON object lacks: unlike an empty cell, it takes the column's default
_REFUSED = object()  # the stand-in value of a cell that did not parse

# What a column a row does not have at all means (an empty cell means EMPTY's value instead).
DEFAULTS = {
    "children": {"flags": "", "assistance": "", "father_away": True, "mother_away": True, "boarding": False,
                 "status": "active"},
    "helpers": {"active": True},
    "contacts": {"no_answer": False},
    "exams": {"merit_student": False, "serious_violation": False},
}  # fmt: skip

# A cell as a default export writes an id number or a phone (validate.mask): the first 3 and the last 4 kept.
_MASKED = re.compile(r"[0-9]{0,3}\*+[0-9Xx]{0,4}")


class _Failed(dict):
    """Row index -> its first (column, problem), which keeps the row from the checks that need good cells; ``every``
    holds each row's every problem, in the order found."""

    def __init__(self):
        super().__init__()
        self.every: dict[int, list[tuple[str, str]]] = {}

    def __setitem__(self, index, problem) -> None:
        if index not in self:
            super().__setitem__(index, problem)
        self.every.setdefault(index, []).append(problem)

    def setdefault(self, index, problem):
        self[index] = problem
        return dict.__getitem__(self, index)


_CANONICAL_UID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_CANONICAL_UIDS = re.compile(r"(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12},)*")
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_OFFSET = 48 * sum(_ID_WEIGHTS)  # what the ASCII codes of 17 digits add to their weighted sum


class _Column:
    """How one column's raw cells become clean values: ``parse`` is the rule for one cell (empty
    cell, CSV export's formula quote, then validate.clean_field); ``parse_distinct`` applies it to
    the distinct cells of a chunk, through a fast path for the common shapes that gives exactly
    what ``parse`` gives, and ``parse`` for the rest."""

    def __init__(self, column: str, kind: str, arg: str | None, today: date, csv_quotes: bool):
        self.column = column
        self.kind = kind
        self.empty = EMPTY.get(kind)
        self.csv_quotes = csv_quotes
        self.clean = functools.partial(validate.clean_field, kind, arg, column, today=today)
        self.today = today
        self.limit = validate.MAX_LONG_TEXT if kind == "longtext" else validate.MAX_TEXT
        self.maximum = int(arg) if kind == "int" and arg else None
        self.fast = {
            "text": self._fast_text, "longtext": self._fast_text, "int": self._fast_int, "phone": self._fast_phone,
            "id": self._fast_id, "date": self._fast_date, "pastdate": self._fast_date,
        }.get(kind)  # fmt: skip

    def parse(self, value):
        if value is None or value == "":
            return self.empty  # most cells of a roster are empty: no parsing for them
        if value.__class__ is not str:
            self._cell(value)
        if self.csv_quotes and value[0] == "'":
            value = io.unneutralise(value)  # the quote CSV export put before a formula-like cell
        return self.clean(value)

    def _cell(self, value) -> None:
        """A sheet's cell that is not text, refused as what it is: a formula with no value saved; an id number or
        phone stored as a number past 15 digits (a float: Excel keeps 15, an 18-digit id has lost its last ones); a
        number in a date column (an Excel date serial in a cell formatted General: refused, not read as a date,
        since the same number typed by hand is no date; the message says the date it would be)."""
        if isinstance(value, io.Formula):
            raise Invalid(self.column, i18n.t("import_formula", formula=value.text))
        if value.__class__ not in (int, float) or not math.isfinite(value):
            return
        if value.__class__ is float and self.kind in ("id", "phone") and abs(value) >= 1e15:
            raise Invalid(self.column, i18n.t("import_number_digits"))
        if self.kind in ("date", "pastdate") and 1 <= value < 2958466:
            day = date(1899, 12, 30) + timedelta(days=int(value))
            raise Invalid(self.column, i18n.t("import_date_serial", value=value, date=day.isoformat()))

    def parse_distinct(self, values) -> tuple[dict, dict]:
        """({cell: clean value}, {cell: (column, problem)}) for a set of cells, all text (or None, _ABSENT).

        A problem is kept as its text, not as the Invalid raised: an exception holds its traceback, whose frames hold
        the chunk's rows and the exception itself, a cycle that only the collector frees, and lbc runs with the
        collector off (cli.main): every bad chunk's rows stayed in memory to the end (1,500,000 bad rows: 790 MB)."""
        parsed: dict = {}
        bad: dict = {}
        rest = self.fast(values, parsed) if self.fast is not None else values
        for value in rest:
            if value is _ABSENT:
                parsed[value] = _ABSENT
                continue
            try:
                parsed[value] = self.parse(value)
            except Invalid as exc:
                parsed[value] = _REFUSED
                bad[value] = (exc.field, exc.problem)
        return parsed, bad

    # Each fast path takes the cells it can vouch for into ``parsed`` and returns the others.

    def _fast_text(self, values, parsed):
        # Printable text has no control character nor line break, and no space but ' ': it only
        # needs trimming. A leading quote may be an export's: the full rule.
        whole = _all_text(values)
        if whole and whole.isprintable() and "'" not in whole and max(map(len, values)) <= self.limit:
            trimmed = dict(zip(values, map(str.strip, values), strict=True))  # the usual chunk: every cell at once
            if "" in trimmed.values():
                trimmed.update((value, None) for value, clean in trimmed.items() if not clean)
            parsed.update(trimmed)
            return ()
        rest = []
        limit = self.limit
        for value in values:
            if value.__class__ is str and value.isprintable() and len(value) <= limit and value[:1] != "'":
                parsed[value] = value.strip() or None
            else:
                rest.append(value)
        return rest

    def _fast_int(self, values, parsed):
        # ids and counts: plain ASCII digits, checked for the whole chunk at once
        digits = [v for v in values if v.__class__ is str and v]
        joined = "".join(digits)
        if digits and joined.isdigit() and joined.isascii() and max(map(len, digits)) <= 12:
            numbers = list(map(int, digits))
            if self.maximum is None or max(numbers) <= self.maximum:
                parsed.update(zip(digits, numbers, strict=True))
                return [v for v in values if v.__class__ is not str or not v]
        return values

    def _fast_phone(self, values, parsed):
        cells = _filled(values)
        whole = _all_text(cells)
        if (
            whole is not None
            and len(whole) == 11 * len(cells)
            and whole.isdigit()
            and whole.isascii()
            and whole[::11] == "1" * len(cells)
            and set(map(len, cells)) <= {11}
        ):
            parsed.update(zip(cells, cells, strict=True))  # the usual chunk: mobile numbers as stored
            return [value for value in values if not value]
        rest = []
        for value in values:
            if value.__class__ is str and len(value) == 11 and value[0] == "1" and value.isdigit() and value.isascii():
                parsed[value] = value  # a mobile number as stored
            else:
                rest.append(value)
        return rest

    def _fast_id(self, values, parsed):
        # validate.parse_id_number's own common case, its check digit summed from the ASCII codes
        rest = []
        iso = date.fromisoformat
        for value in values:
            if (
                value.__class__ is str
                and len(value) == 18
                and value.isascii()
                and value[:17].isdigit()
                and value[17]
                == validate._ID_CHECK[(sum(map(operator.mul, value[:17].encode(), _ID_WEIGHTS)) - _ID_OFFSET) % 11]
            ):
                try:
                    iso(value[6:14])  # the birth date in it, YYYYMMDD
                    parsed[value] = value
                    continue
                except ValueError:
                    pass
            rest.append(value)
        return rest

    def _fast_date(self, values, parsed):
        past = self.kind == "pastdate"
        today = self.today
        iso = date.fromisoformat  # in C; given only YYYY-MM-DD in ASCII digits, as checked first
        cells = _filled(values)
        whole = _all_text(cells)
        n = len(cells)
        if (
            n
            and whole is not None
            and len(whole) == 10 * n
            and whole[4::10] == whole[7::10] == "-" * n
            and set(map(len, cells)) == {10}
            and whole.isascii()
            and whole.replace("-", "").isdigit()
            and len(whole) - whole.count("-") == 8 * n
        ):
            try:
                days = list(map(iso, cells))  # the usual chunk: every cell at once
            except ValueError:
                days = None  # a day that does not exist: each cell by the rule below
            if (
                days is not None
                and min(days).year >= 1900
                and max(days).year <= 2199
                and not (past and max(days) > today)
            ):
                parsed.update(zip(cells, days, strict=True))
                return [value for value in values if not value]
        rest = []
        for value in values:
            if (
                value.__class__ is str
                and len(value) == 10
                and value[4] == "-"
                and value[7] == "-"
                and value.isascii()
                and value[:4].isdigit()
                and value[5:7].isdigit()
                and value[8:].isdigit()
            ):
                try:
                    day = iso(value)
                except ValueError:
                    day = None
                if day is not None and 1900 <= day.year <= 2199 and not (past and day > today):
                    parsed[value] = day
                    continue
            rest.append(value)  # the other spellings, and every problem, by the full rule
        return rest


def _all_text(values) -> str | None:
    """The cells joined, when every one is text (else None): one test of the joined text stands for all."""
    try:
        return "".join(values)
    except TypeError:  # a None, a number, _ABSENT (JSON)
        return None


def _birth_year(cell) -> int | None:
    """The year of a birth date cell that is a year alone ("2016", or 2016 from a workbook), else None."""
    if cell.__class__ is int:
        year = cell
    elif cell.__class__ is str and len(text := cell.strip()) == 4 and text.isdigit() and text.isascii():
        year = int(text)
    else:
        return None
    return year if validate.FIRST_YEAR <= year <= validate.LAST_YEAR else None


def _purged_births(births, statuses):
    """The birth date cells of a block of children, a purged child's year alone (as ``lbc export`` writes it,
    SPEC section 10) read as the date it is kept as, 1 January of that year (``store.purge_child``). A year
    alone for a child not purged stays as it is, and is refused as a date."""
    try:
        distinct = set(births)
    except TypeError:  # a JSON list or object among them
        distinct = set()
    years = {cell: year for cell in distinct if (year := _birth_year(cell)) is not None}
    if not years:
        return births  # the usual block: no year alone, nothing looked at again
    out = list(births)
    for index, (birth, status) in enumerate(zip(births, statuses, strict=True)):
        if birth in years and status.__class__ is str:
            try:
                purged = validate.parse_slug("status", status, "status") == validate.PURGED
            except Invalid:
                purged = False  # its own problem, reported with its cell
            if purged:
                out[index] = date(years[birth], 1, 1).isoformat()
    return out


def _filled(values) -> list:
    """The cells that are not empty (an empty one is the column's empty value, before any fast path)."""
    return list(filter(None, values)) if "" in values or None in values else list(values)


def _id_key(id_number: str) -> int | str:
    """An id number as the integer its 18 characters spell in hex (the check character X as A)."""
    if len(id_number) == 18 and id_number[:17].isdigit() and id_number.isascii():
        try:
            return int(id_number.replace("X", "A"), 16)
        except ValueError:
            pass
    return id_number


def _row_id(value):
    if value.__class__ is str and value.isdigit() and value.isascii() and len(value) <= 9 and int(value) >= 1:
        return int(value)
    return validate.parse_int(value, field="id", minimum=1, maximum=validate.MAX_ID)


def _uid(value) -> str:
    if value.__class__ is str and _CANONICAL_UID.fullmatch(value):
        return value  # the form lbc writes: nothing to normalise
    text = str(value).strip()
    try:
        return str(uuid.UUID(text))
    except ValueError:
        raise Invalid("uid", i18n.t("bad_uid", value=text[:40])) from None


class _Loader:
    """The checks of an import, a chunk of rows at a time, column by column; rows found good go to
    the writer. Every problem of a row's cells is reported (in the file's column order): id, uid,
    required fields, the rows it refers to; the table's own rules across fields, and what a row
    repeats (earlier rows, or the database), only for a row whose cells are good."""

    def __init__(self, name: str, session, today: date, age_limit: int, csv_quotes: bool, force: bool, problems):
        from sqlalchemy import select

        from lbc_cli import store
        from lbc_cli.models import Child, Exam, Exit, Helper, Pairing

        self.name = name
        _table, self.spec, self.required = TABLES[name]
        self.today = today
        self.age_limit = age_limit
        self.force = force
        self.problems = problems
        self.columns = {
            column: _Column(column, kind, arg, today, csv_quotes) for column, (kind, arg) in self.spec.items()
        }
        self.child_ids = None  # the ids of the children known (a set, or the times)
        self.helper_ids = None
        self.by_name: dict[bytes, int] = {}
        self.by_id_number: dict[int | str, int] = {}
        self.exam_keys: dict[tuple, int] = {}
        self.helper_keys: dict[tuple, int] = {}  # (name, phone) -> -id of the database's helper, else the row
        self.spans: dict[tuple, list[tuple]] = {}
        self.times = None  # pairs, contacts, exits: each child's time in the programme (programme.EveryChildTimes)
        self.in_post: dict | None = None  # pairs: each helper's (active, inactive_on, name)
        self.open_exits: dict[int, int] = {}  # exits: child id -> 0 (an open row here) or the row's number
        self.outs: dict[int, list[tuple]] = {}  # exits: child id -> its closed times out (left, back, row)
        self.header: list[str] | None = None  # a CSV file's, once checked
        self.unknown_keys: set[str] = set()  # keys of a JSON object that name no column, each reported once
        if session is None:  # rows of another database (whole_rows): nothing here is looked up
            return
        if name in ("pairs", "contacts", "exits"):
            self.times = store.every_programme_time(session=session)
            self.child_ids = self.times  # the children known: those with times
        elif name == "exams":
            self.child_ids = {r[0] for r in store.raw_rows(select(Child.id), session=session)}
        if name == "exits":
            self.session = session  # each good row's stored contacts, looked for in its time out
            self.births = dict(store.raw_rows(select(Child.id, Child.birth_date), session=session))
            for child_id, left, back in store.raw_rows(
                select(Exit.child_id, Exit.exit_date, Exit.reentered_on), session=session
            ):
                if back is None:
                    self.open_exits[child_id] = 0
                else:
                    self.outs.setdefault(child_id, []).append((store.as_date(left), store.as_date(back), 0))
        if name == "pairs":
            self.in_post = {
                helper_id: (bool(active), store.as_date(inactive_on), helper_name)
                for helper_id, active, inactive_on, helper_name in store.raw_rows(
                    select(Helper.id, Helper.active, Helper.inactive_on, Helper.name), session=session
                )
            }
        if name in ("pairs", "contacts"):
            self.helper_ids = {r[0] for r in store.raw_rows(select(Helper.id), session=session)}
        # Children already known, by name and birth and by id number: -id for the database's, else
        # the row. A county's 100,000 keys are kept compact: "name\0birth" as UTF-8 bytes (half the
        # size of the text), an id number as one integer.
        if name == "children" and not force:
            known = select(Child.id, Child.name, Child.birth_date, Child.id_number).where(store.not_purged())
            for cid, cname, birth, id_number in store.raw_rows(known, session=session):
                self.by_name[f"{cname}\0{birth}".encode()] = -cid
                if id_number:
                    self.by_id_number[_id_key(id_number)] = -cid
        if name == "helpers" and not force:
            query = select(Helper.id, Helper.name, Helper.phone).where(Helper.phone.is_not(None), Helper.phone != "")
            for hid, hname, phone in store.raw_rows(query, session=session):
                self.helper_keys.setdefault((hname, phone), -hid)
        if name == "exams":
            for key in store.raw_rows(select(Exam.child_id, Exam.school_year, Exam.term), session=session):
                self.exam_keys[tuple(key)] = 0
        if name == "pairs":
            for child, helper, start, end in store.raw_rows(
                select(Pairing.child_id, Pairing.helper_id, Pairing.start_date, Pairing.end_date), session=session
            ):
                self.spans.setdefault((child, helper), []).append((store.as_date(start), store.as_date(end), 0))

    def _unknown(self, keys) -> str | None:
        return next((k for k in keys if k not in self.spec and k not in ("id", "uid")), None)

    def block(self, block: io.Block):
        """A CSV block: every row has the header's keys, so its columns are taken whole. The file's first block is
        its header alone (io._read_csv): checked before any row is read."""
        if block.keys != self.header:
            self.check_header(block.keys)
            self.header = block.keys
        if not block.rows:
            return None
        cells = list(zip(*block.rows, strict=True))
        columns = dict(zip(block.keys, cells, strict=True))
        if columns.pop(IGNORED, None) is not None:
            self.problems.form = True
        return self.check(block.numbers, columns, None)

    def check_header(self, keys: list[str]) -> None:
        """A CSV header (its columns renamed) naming a column the table does not have, naming one twice, or leaving
        one unnamed refuses the file at once, in one line (LbcError): every row would be refused for it, or one of
        two columns' cells silently lost."""
        where = f"{self.problems.source}:1: "
        seen: dict[str, int] = {}
        for position, key in enumerate(keys, start=1):
            if key == IGNORED:
                continue
            if not key.strip():
                raise LbcError(where + i18n.t("import_header_empty", n=position))
            if self._unknown((key,)) is not None:
                raise LbcError(
                    where
                    + i18n.t(
                        "import_header_unknown",
                        n=position,
                        column=key,
                        table=self.name,
                        label=i18n.label("table", self.name),
                    )
                )
            if key in seen:
                raise LbcError(where + i18n.t("import_header_twice", first=seen[key], second=position, column=key))
            seen[key] = position

    def dicts(self, items: list[tuple[int, dict]]):
        """Rows of a JSON, JSONL or XLSX file: each its own keys; a key it lacks is _ABSENT."""
        numbers, raws = [], []
        for number, raw in items:
            if raw.pop(IGNORED, _ABSENT) is not _ABSENT:
                self.problems.form = True
            unknown = self._unknown(raw)
            if unknown is not None:
                if unknown not in self.unknown_keys:  # said once, at its first row: a JSON file's header problem
                    self.unknown_keys.add(unknown)
                    self.problems.add(number, unknown, i18n.t("import_unknown_column"))
                continue
            numbers.append(number)
            raws.append(raw)
        keys = dict.fromkeys(key for raw in raws for key in raw)
        columns = {key: [raw.get(key, _ABSENT) for raw in raws] for key in keys}
        return self.check(numbers, columns, raws)

    def check(self, numbers, columns: dict, raws: list[dict] | None):
        """-> (row numbers, {column: clean values}) of the good rows; the bad ones are reported."""
        n = len(numbers)
        failed = _Failed()  # row index -> (column, problem): its first; and its every problem
        values = {}
        if self.name == "children" and "birth_date" in columns and "status" in columns:
            columns["birth_date"] = _purged_births(columns["birth_date"], columns["status"])
        for key, cells in columns.items():
            if key not in ("id", "uid"):
                values[key] = self._parse(key, cells, failed, raws)
        ids = self._ids(columns.get("id"), failed) if "id" in columns else None
        values["uid"] = self._uids(columns.get("uid"), n, failed)
        if self.name == "children" and columns.get("guardian_relation") is not None:
            self._parents_away(columns, values, n, failed)
        self._defaults(values, n, absent=raws is not None)
        self._required(values, n, failed)
        # the rules of the good fields of every row (a required column the file lacks: no rule to check)
        if len(failed) < n or all(key in values for key in self.required):
            self._rules(values, n, failed)
            self._references(values, failed)
        if len(failed) < n:
            self._repeats(numbers, values, n, failed)
        order = {key: position for position, key in enumerate(columns)}  # the file's order of its columns
        for index, found in failed.every.items():
            found = [item for item in found if item is not None]  # (a masked cell: said once for the file)
            for column, problem in sorted(found, key=lambda item: order.get(item[0], len(order))):
                self.problems.add(numbers[index], column, problem)
        if failed:
            keep = [i for i in range(n) if i not in failed]
            numbers = [numbers[i] for i in keep]
            values = {key: [column[i] for i in keep] for key, column in values.items()}
            ids = [ids[i] for i in keep] if ids is not None else None
        return numbers, values, ids

    @staticmethod
    def _parents_away(columns: dict, values: dict, n: int, failed: dict) -> None:
        """A relation word naming the parent at home (父亲) as ``child update`` reads it (validate.parents_away): an
        empty away cell is the other parent's (the mother away), and that parent away and the other at home is
        refused."""
        at_home = i18n.OTHER_PARENT_AWAY
        words = columns["guardian_relation"]
        rows = [(i, w.strip()) for i, w in enumerate(words) if w.__class__ is str and w.strip() in at_home]
        if not rows:
            return
        blank = [None] * n
        cells = {key: columns.get(key) or blank for key in ("father_away", "mother_away")}
        fathers = list(values.get("father_away") or [None] * n)
        mothers = list(values.get("mother_away") or [None] * n)
        for index, word in rows:
            father, mother = fathers[index], mothers[index]
            empty = [cells[key][index] in (None, "", _ABSENT) for key in ("father_away", "mother_away")]
            away = None if True in empty else {(True, False): "father", (False, True): "mother"}.get((father, mother))
            try:
                validate.parents_away(word, away)  # the cells say one parent away: not the one at home
            except Invalid as exc:
                failed.setdefault(index, ("guardian_relation", exc.problem))
                continue
            said = validate.parents_away(word, None)
            if empty[0]:
                fathers[index] = said[0]
            if empty[1]:
                mothers[index] = said[1]
        values["father_away"], values["mother_away"] = fathers, mothers

    def whole_rows(self, raws: list[dict], required: tuple[str, ...]) -> list[tuple[dict, tuple | None, tuple | None]]:
        """Rows of another lbc database (merge), each a dict of every column as text or None: for each,
        (its values, the first problem of its cells, the first problem of the table's rules across fields).

        The cells are checked as a file's (an id and a uid are ``required`` too, and never made up); the rules
        only of a row whose cells are good. Nothing is looked up in this database nor compared with earlier
        rows: a merge matches rows its own way. In a bad row's values a bad cell is None."""
        n = len(raws)
        columns = {key: [raw[key] for raw in raws] for key in raws[0]} if raws else {}
        cells: dict[int, tuple[str, str]] = {}
        values = {
            key: self._parse(key, column, cells, None) for key, column in columns.items() if key not in ("id", "uid")
        }
        ids = self._ids(columns["id"], cells)
        uids = self._uids(columns["uid"], n, cells, fresh=False)
        self._required({**values, "id": ids, "uid": uids}, n, cells, ("id", "uid", *required))
        rules = dict(cells)
        if len(cells) < n:
            self._rules(values, n, rules)
        out = []
        for index in range(n):
            row = self._row(values, index)
            row["id"], row["uid"] = ids[index], uids[index]
            if index in cells:
                out.append(({key: None if v is _REFUSED else v for key, v in row.items()}, cells[index], None))
            else:
                out.append((row, None, rules.get(index)))
        return out

    def named(self, values: dict) -> dict:
        """``values`` of good rows with their derived columns: a child's or helper's pinyin and initials."""
        names = values.get("name") if self.name in ("children", "helpers") else None
        if names:
            derived = {name: pinyin.derived(name) for name in set(names) if name.__class__ is str}
            for column in pinyin.COLUMNS:
                values[column] = [derived[name][column] if name in derived else None for name in names]
        return values

    def _parse(self, key: str, cells, failed: dict, raws) -> list:
        column = self.columns[key]
        try:
            distinct = set(cells)
        except TypeError:  # a JSON list or object
            distinct = None
        # A set takes 1, 1.0 and True for one value: only text goes by distinct values.
        if distinct is not None and (
            raws is None or all(v.__class__ is str or v is None or v is _ABSENT for v in distinct)
        ):
            parsed, bad = column.parse_distinct(distinct)
            out = list(map(parsed.__getitem__, cells))
            if bad and column.kind in ("id", "phone") and self.problems is not None:
                masked = [value for value in bad if value.__class__ is str and _MASKED.fullmatch(value.strip())]
                if masked:
                    self.problems.mask_seen(key)  # one line for the file, not one a cell
                    for value in masked:
                        bad[value] = None
            if bad:
                for index, value in enumerate(cells):
                    if value in bad:
                        if bad[value] is None:
                            failed.setdefault(index, None)  # its row is refused, said once for the file
                        else:
                            self._fail(failed, index, *bad[value], raws)
            return out
        out = []
        for index, value in enumerate(cells):
            try:
                out.append(value if value is _ABSENT else column.parse(value))
            except Invalid as exc:
                out.append(_REFUSED)
                if (
                    column.kind in ("id", "phone")
                    and self.problems is not None
                    and value.__class__ is str
                    and _MASKED.fullmatch(value.strip())
                ):
                    self.problems.mask_seen(key)
                    failed.setdefault(index, None)
                    continue
                self._fail(failed, index, exc.field, exc.problem, raws)
        return out

    @staticmethod
    def _fail(failed: dict, index: int, field: str, problem: str, raws) -> None:
        if isinstance(failed, _Failed):
            failed[index] = (field, problem)  # every problem kept, put in the file's order when reported
        elif index not in failed:
            failed[index] = (field, problem)
        elif raws is not None:  # a JSON object's own key order says which of its cells comes first
            order = list(raws[index])
            if order.index(field) < order.index(failed[index][0]):
                failed[index] = (field, problem)

    @staticmethod
    def _each(cells, parse, failed: dict) -> list:
        """``parse`` of every given cell; None for an empty or a bad one (its problem kept in ``failed``)."""
        out = []
        for index, value in enumerate(cells):
            if value is None or value == "" or value is _ABSENT:
                out.append(None)
                continue
            try:
                out.append(parse(value))
            except Invalid as exc:
                out.append(None)
                failed.setdefault(index, (exc.field, exc.problem))
        return out

    def _ids(self, cells, failed: dict) -> list:
        whole = _all_text(cells)
        if whole and whole.isdigit() and whole.isascii() and max(map(len, cells)) <= 9 and min(map(len, cells)):
            ids = list(map(int, cells))  # the usual chunk: every id plain digits, checked at once
            if min(ids) >= 1:
                return ids
        return self._each(cells, _row_id, failed)

    def _uids(self, cells, n: int, failed: dict, fresh: bool = True) -> list:
        """Each row's uid; with ``fresh``, an empty (or bad) cell's is a new one, else None."""
        if cells is None:
            return new_uids(n)
        try:
            text = ",".join(cells) + ","  # one regular expression over the chunk's uids
        except TypeError:  # not all text (JSON)
            text = ""
        if text and _CANONICAL_UIDS.fullmatch(text):
            return list(cells)  # the form lbc writes, every one: nothing to normalise
        out = self._each(cells, _uid, failed)
        if not fresh:
            return out
        missing = [i for i, value in enumerate(out) if value is None]
        for index, uid in zip(missing, new_uids(len(missing)), strict=True):
            out[index] = uid
        return out

    def _defaults(self, values: dict, n: int, absent: bool = True) -> None:
        """A column a row lacks takes its default, and so does an empty cell that parsed to nothing (an empty
        ``status`` is ``active``); an empty cell of a kind that has its own empty value keeps it (EMPTY). Without
        ``absent`` every row has every column (a CSV block's): no cell is looked at for a missing key."""
        if self.name == "children":
            enrolled = values.get("enrolled_on")
            # a roster typed without it is enrolled on the day it is imported
            if enrolled is None:
                values["enrolled_on"] = [self.today] * n
            elif None in enrolled or (absent and _ABSENT in enrolled):
                values["enrolled_on"] = [self.today if v is None or v is _ABSENT else v for v in enrolled]
        for key, default in DEFAULTS.get(self.name, {}).items():
            column = values.get(key)
            if column is None:
                values[key] = [default] * n
            elif None in column or (absent and _ABSENT in column):  # an empty cell (or null) is "none": the default
                values[key] = [default if v is _ABSENT or v is None else v for v in column]
        if self.name == "children":
            reviewed = values.get("reviewed_on")
            if reviewed is None:
                values["reviewed_on"] = values["enrolled_on"]
            elif absent and _ABSENT in reviewed:
                values["reviewed_on"] = [
                    e if v is _ABSENT else v for v, e in zip(reviewed, values["enrolled_on"], strict=True)
                ]
        if absent:
            for key, column in values.items():
                if _ABSENT in column:
                    values[key] = [None if v is _ABSENT else v for v in column]

    def _required(self, values: dict, n: int, failed: dict, required: tuple[str, ...] | None = None) -> None:
        for key in self.required if required is None else required:
            column = values.get(key)
            if column is None:
                for index in range(n):
                    failed.setdefault(index, (key, i18n.t("required")))
            elif None in column or "" in column or _REFUSED in column:
                every = isinstance(failed, _Failed)  # a refused cell is reported already
                for index, value in enumerate(column):
                    if value is None or value == "" or (value is _REFUSED and not every):
                        failed.setdefault(index, (key, i18n.t("required")))

    def _rules(self, values: dict, n: int, failed: dict) -> None:
        """The table's rules across fields; the rows that might break one are checked by the rule itself."""
        name = self.name
        if name == "children":
            self._child_rules(values, n, failed)
        elif name == "pairs":
            for index, (start, end) in enumerate(
                zip(values["start_date"], values.get("end_date") or [None] * n, strict=True)
            ):
                if end is not None and self._usable(failed, index, start, end) and end < start:
                    failed.setdefault(index, ("end_date", i18n.t("end_before_start", date=end, start=start)))
            if self.times is not None:
                self._pairings_in_programme(values, n, failed)
            if self.in_post is not None:
                self._helpers_in_post(values, n, failed)
        elif name == "contacts":
            follow_ups = values.get("follow_up_date")
            for index, (day, follow_up) in enumerate(zip(values["date"], follow_ups or [None] * n, strict=True)):
                if follow_up is not None and self._usable(failed, index, day, follow_up) and follow_up < day:
                    failed.setdefault(index, ("follow_up_date", i18n.t("follow_up_before", follow=follow_up, date=day)))
            if self.times is not None:
                self._in_programme(values, failed)
        elif name == "exits":
            backs = values.get("reentered_on") or [None] * n
            for index, (left, back) in enumerate(zip(values["exit_date"], backs, strict=True)):
                if back is not None and self._usable(failed, index, left, back) and back <= left:
                    failed.setdefault(index, ("reentered_on", i18n.t("reentered_not_after", back=back, exit=left)))
        elif name == "helpers":
            inactive = values.get("inactive_on") or [None] * n
            for index, (active, day) in enumerate(zip(values["active"], inactive, strict=True)):
                if day is not None and active is True and self._usable(failed, index, day):
                    failed.setdefault(index, ("active", i18n.t("inactive_but_active", date=day)))
        elif name == "exams":
            current = validate.school_year_of(self.today)
            low = current - validate.SCHOOL_YEARS_BACK
            sizes = values.get("class_size") or [None] * n
            for index, (year, term, rank, size) in enumerate(
                zip(values["school_year"], values["term"], values["class_rank"], sizes, strict=True)
            ):
                if index not in failed and (
                    (term == 1 or term == 2)
                    and rank >= 1
                    and (size is None or rank <= size)
                    and low <= year <= current
                    and (year < current - 1 or validate.final_exam_day(year, term) <= self.today)
                ):
                    continue
                if index in failed and not isinstance(failed, _Failed):
                    continue  # (another database's row: its first problem only)
                for exc in validate.exam_refusals(self._known_row(values, index), today=self.today):
                    failed.setdefault(index, (exc.field, exc.problem))

    def _in_programme(self, values: dict, failed: dict) -> None:
        """Each contact dated inside its child's time in the programme (programme.contact_date_problem), the
        usual row (in, never out) seen at once."""
        from lbc_cli import programme

        times = self.times
        plain_since = times.plain_since
        for index, (child_id, day) in enumerate(zip(values["child_id"], values["date"], strict=True)):
            since = plain_since(child_id)
            if since is not None and type(day) is date and since <= day:
                continue  # (the usual child and date)
            known = times.get(child_id)
            if known is None or not self._usable(failed, index, day):
                continue  # (an unknown child: _references names it)
            problem = programme.contact_date_problem(known, day)
            if problem:
                failed.setdefault(index, ("date", problem))

    def _pairings_in_programme(self, values: dict, n: int, failed: dict) -> None:
        """Each pairing inside its child's time in the programme (programme.pairing_dates_problem): not from
        before the enrolment, not in force in a time out nor after an exit."""
        from lbc_cli import programme

        ends = values.get("end_date") or [None] * n
        rows = zip(values["child_id"], values["start_date"], ends, strict=True)
        for index, (child_id, start, end) in enumerate(rows):
            known = self.times.get(child_id)
            if known is None or not self._usable(failed, index, start, optional=(end,)):
                continue  # (an unknown child: _references names it)
            problem = programme.pairing_dates_problem(known, start, end)
            if problem:
                failed.setdefault(index, ("start_date", problem))

    def _helpers_in_post(self, values: dict, n: int, failed: dict) -> None:
        """No pairing in force on a day its helper is inactive (programme.pairing_problem)."""
        from lbc_cli import programme

        ends = values.get("end_date") or [None] * n
        rows = zip(values["helper_id"], values["start_date"], ends, strict=True)
        for index, (helper_id, start, end) in enumerate(rows):
            post = self.in_post.get(helper_id)
            if post is None or post[:2] == (True, None) or not self._usable(failed, index, start, optional=(end,)):
                continue
            active, inactive_on, name = post
            problem = programme.pairing_problem(helper_id, active, inactive_on, end, start, name)
            if problem:
                failed.setdefault(index, ("helper_id", problem))

    def _exits_agree(self, numbers, values: dict, n: int, failed: dict) -> None:
        """A time out of a child here that agrees with its record: after its enrolment; an open one (no re-entry)
        only for a child exited on that very day, one at a time; a closed one not overlapping another, nor after
        the child's present exit."""
        backs = values.get("reentered_on") or [None] * n
        for index, (child_id, left, back) in enumerate(
            zip(values["child_id"], values["exit_date"], backs, strict=True)
        ):
            known = self.times.get(child_id)
            reasons = values.get("exit_reason")
            reason = reasons[index] if reasons is not None else None
            if known is None or not self._usable(failed, index, left, optional=(back, reason)):
                continue
            bad = index in failed  # a row with a bad cell: checked, never taken as a time out for the rows after
            problem = None
            if left < known.enrolled_on:
                problem = (
                    "exit_date",
                    i18n.t("exit_before_enrolment", id=child_id, date=left, enrolled=known.enrolled_on),
                )
            elif back is None:
                if known.exit_date != left:
                    state = (
                        i18n.t("exit_state_active")
                        if known.exit_date is None
                        else i18n.t("exit_state_exited", date=known.exit_date)
                    )
                    problem = ("reentered_on", i18n.t("exit_disagrees", id=child_id, state=state, exit=left))
                elif child_id in self.open_exits:
                    row = self.open_exits[child_id]
                    where = i18n.t("exit_open_twice", id=child_id)
                    problem = ("exit_date", where if row == 0 else i18n.t("import_dup_row", row=row))
            elif known.exit_date is not None and back > known.exit_date:
                problem = (
                    "reentered_on",
                    i18n.t("reentered_after_exit_now", id=child_id, exit=known.exit_date, back=back),
                )
            else:
                clash = next(
                    (other for other in self.outs.get(child_id, ()) if left < other[1] and other[0] < back), None
                )
                if clash is not None:
                    problem = ("exit_date", i18n.t("exit_overlaps", id=child_id, exit=clash[0]))
            if problem is None:
                problem = self._exit_agrees_with_the_register(child_id, left, back, values, index)
            if problem is not None:
                failed.setdefault(index, problem)
                continue
            if bad:
                continue
            if back is None:
                self.open_exits[child_id] = numbers[index]
            else:
                self.outs.setdefault(child_id, []).append((left, back, numbers[index]))

    def _exit_agrees_with_the_register(self, child_id: int, left, back, values: dict, index: int):
        """What the database holds against a time out (``store.time_out_problem``): (column, message) or None."""
        from lbc_cli import store

        reasons = values.get("exit_reason")
        reason = reasons[index] if reasons is not None else None
        birth = store.as_date(self.births.get(child_id))
        return store.time_out_problem(child_id, birth, left, back, reason, self.age_limit, session=self.session)

    def _child_rules(self, values: dict, n: int, failed: dict) -> None:
        births, enrolled, statuses = values["birth_date"], values["enrolled_on"], values["status"]
        limits = {b: validate.birthday(b, self.age_limit) for b in set(births) if b.__class__ is date}
        no_dates = [None] * n
        later = [values.get(k) or no_dates for k in ("care_agreement_on", "consent_on", "exit_date", "reviewed_on")]
        id_numbers = values.get("id_number") or no_dates
        reasons = values.get("exit_reason") or no_dates
        every = isinstance(failed, _Failed)
        birth_name = self.problems.named("birth_date") if self.problems is not None else None
        for index, (birth, enrol, status, care, consent, exit_on, reviewed, id_number, reason) in enumerate(
            zip(births, enrolled, statuses, *later, id_numbers, reasons, strict=True)
        ):
            if index in failed:
                if every:  # the rules whose fields are good, of a row with a bad cell
                    row = self._known_row(values, index)
                    for exc in self._child_refusals(row, status, birth_name):
                        failed.setdefault(index, (exc.field, exc.problem))
                continue
            # what validate.child_refusals finds, tested cheaply; a row that might break a rule goes to it
            if (
                enrol < birth
                or (status == "active" and limits[birth] <= enrol)
                or (care is not None and care < birth)
                or (consent is not None and consent < birth)
                or (exit_on is not None and (exit_on < birth or exit_on < enrol))
                or (reviewed is not None and reviewed < birth)
                or (id_number and id_number[6:14] != f"{birth.year:04d}{birth.month:02d}{birth.day:02d}")
                or (reason == "aged-out" and exit_on is not None and exit_on < limits[birth])
            ):
                row = self._row(values, index)
                for exc in self._child_refusals(row, status, birth_name):
                    failed.setdefault(index, (exc.field, exc.problem))
                    if not every:
                        break

    def _child_refusals(self, row: dict, status, birth_name) -> list:
        """validate.child_refusals of a row, but for a review date before the birth that is only the enrolment date
        copied (a file without the column): that problem is the enrolment date's, said once."""
        found = validate.child_refusals(
            row, today=self.today, age_limit=self.age_limit, check_age=status == "active", birth_name=birth_name
        )
        if row.get("reviewed_on") is not None and row.get("reviewed_on") == row.get("enrolled_on"):
            if any(exc.field == "enrolled_on" for exc in found):
                found = [exc for exc in found if exc.field != "reviewed_on"]
        return found

    @staticmethod
    def _row(values: dict, index: int) -> dict:
        return {key: column[index] for key, column in values.items()}

    @staticmethod
    def _known_row(values: dict, index: int) -> dict:
        """A row with its bad cells as unknown (None): the rules of its good fields can still be checked."""
        return {key: None if column[index] is _REFUSED else column[index] for key, column in values.items()}

    @staticmethod
    def _usable(failed: dict, index: int, *known, optional=()) -> bool:
        """Whether a rule across fields is checked for a row: a file's row whose ``known`` values are good and
        ``optional`` ones good or empty (its other cells may be bad: every problem is reported); another database's
        (merge) row only when it has no problem yet (its first is reported)."""
        if not isinstance(failed, _Failed):
            return index not in failed
        return all(v is not None and v is not _REFUSED for v in known) and _REFUSED not in optional

    def _references(self, values: dict, failed: dict) -> None:
        """A child and a helper named by id must be in the database."""
        if self.child_ids is not None:
            children = values["child_id"]
            known = self.child_ids
            unknown = {child for child in set(children) if child not in known} - {_REFUSED, None}
            if unknown:
                for index, child in enumerate(children):
                    if child in unknown:
                        failed.setdefault(index, ("child_id", i18n.t("import_no_child", id=child)))
        helpers = values.get("helper_id")
        if self.helper_ids is not None and helpers is not None:
            unknown = set(helpers) - self.helper_ids - {None, _REFUSED}
            if unknown:
                for index, helper in enumerate(helpers):
                    if helper in unknown:
                        failed.setdefault(index, ("helper_id", i18n.t("import_no_helper", id=helper)))

    def _new_children(self, numbers, names, births, id_numbers) -> bool:
        """The usual chunk of children, all at once: when no child of it repeats another (of the chunk, an earlier
        row, the database) by name and birth or by id number, they are noted and True; else nothing is done."""
        keys = list(map(str.encode, map("{}\0{}".format, names, births)))
        filled = list(map(bool, id_numbers))
        given = list(compress(id_numbers, filled))
        whole = _all_text(given)
        if whole is None or not whole.replace("X", "").isdigit() or set(map(len, given)) - {18}:
            return False  # an id number not in its usual form: row by row, through _id_key
        id_keys = list(map(int, map(str.replace, given, repeat("X"), repeat("A")), repeat(16)))  # as _id_key
        if (
            len(set(keys)) < len(keys)
            or len(set(id_keys)) < len(id_keys)
            or not self.by_name.keys().isdisjoint(keys)
            or not self.by_id_number.keys().isdisjoint(id_keys)
        ):
            return False
        self.by_name.update(zip(keys, numbers, strict=True))
        self.by_id_number.update(zip(id_keys, compress(numbers, filled), strict=True))
        return True

    def _repeats(self, numbers, values: dict, n: int, failed: dict) -> None:
        """What a good row repeats: an earlier row's or the database's child, exam term, pairing, time out."""
        if self.name == "exits" and self.times is not None:
            self._exits_agree(numbers, values, n, failed)
        elif self.name == "children" and not self.force:
            by_name, by_id_number = self.by_name, self.by_id_number
            iso = {b: b.isoformat() for b in set(values["birth_date"]) if b.__class__ is date}
            id_numbers = values.get("id_number") or [None] * n
            if not failed and self._new_children(
                numbers, values["name"], map(iso.__getitem__, values["birth_date"]), id_numbers
            ):
                return
            for index, (name, birth, id_number) in enumerate(
                zip(values["name"], values["birth_date"], id_numbers, strict=True)
            ):
                if index in failed:
                    continue
                key = f"{name}\0{iso[birth]}".encode()
                id_key = _id_key(id_number) if id_number else None
                clash = by_name.get(key)
                if clash is None and id_key is not None:
                    clash = by_id_number.get(id_key)
                if clash is not None:
                    where = i18n.t("import_dup_db", id=-clash) if clash < 0 else i18n.t("import_dup_row", row=clash)
                    failed[index] = ("name", where)
                    continue
                by_name[key] = numbers[index]
                if id_key is not None:
                    by_id_number[id_key] = numbers[index]
        elif self.name == "helpers" and not self.force:
            keys = self.helper_keys
            phones = values.get("phone") or [None] * n
            for index, key in enumerate(zip(values["name"], phones, strict=True)):
                if index in failed or not key[1]:
                    continue
                clash = keys.get(key)
                if clash is not None:
                    where = i18n.t("import_twin_db", id=-clash) if clash < 0 else i18n.t("import_dup_row", row=clash)
                    failed[index] = ("phone", where)
                    continue
                keys[key] = numbers[index]
        elif self.name == "exams":
            exam_keys = self.exam_keys
            for index, key in enumerate(zip(values["child_id"], values["school_year"], values["term"], strict=True)):
                if index in failed:
                    continue
                if key in exam_keys:
                    row = exam_keys[key]
                    failed[index] = (
                        "term",
                        i18n.t("import_exam_db") if row == 0 else i18n.t("import_dup_row", row=row),
                    )
                    continue
                exam_keys[key] = numbers[index]
        elif self.name == "pairs":
            spans = self.spans
            ends = values.get("end_date") or [None] * n
            for index, couple in enumerate(zip(values["child_id"], values["helper_id"], strict=True)):
                if index in failed:
                    continue
                start, end = values["start_date"][index], ends[index]
                clash = next(
                    (
                        row
                        for s, e, row in spans.get(couple, [])
                        if (e is None or start < e) and (end is None or s < end)
                    ),
                    None,
                )
                if clash is not None:
                    where = i18n.t("import_pair_db") if clash == 0 else i18n.t("import_dup_row", row=clash)
                    failed[index] = ("start_date", where)
                    continue
                spans.setdefault(couple, []).append((start, end, numbers[index]))


class RowChecks(NamedTuple):
    """The import's checks of one table, for rows read whole from another lbc database (merge)."""

    loader: _Loader
    required: tuple[str, ...]  # the columns the table cannot hold empty

    def check(self, raws: list[dict]) -> list[tuple[dict, tuple | None, tuple | None]]:
        return self.loader.whole_rows(raws, self.required)


def row_checks(table: str, *, today: date, age_limit: int) -> RowChecks | None:
    """The checks of ``lbc import`` for rows of ``table`` (a table name: pairings, not pairs), or None for a
    table import does not take."""
    from lbc_cli.models import SQLModel

    name = next((export for export, (table_name, _spec, _required) in TABLES.items() if table_name == table), None)
    if name is None:
        return None
    loader = _Loader(name, None, today, age_limit, False, True, None)
    columns = SQLModel.metadata.tables[table].columns
    # a column that cannot be empty, where an empty cell means nothing (not: no flags, no)
    required = tuple(c.name for c in columns if not c.nullable and loader.spec.get(c.name, ("slugs",))[0] not in EMPTY)
    return RowChecks(loader, required)


def load(
    name: str,
    rows: Iterable[tuple[int, object]],
    *,
    source: str,
    session,
    today: date,
    dry_run: bool = False,
    force: bool = False,
    progress=None,
    csv_quotes: bool = False,
    warn=None,
    headers: dict[str, str] | None = None,
) -> int:
    """Check every row of an import and insert the good ones as it goes, in chunks, inside the
    session's one transaction; any bad row (or ``dry_run``) rolls all of it back. Returns the row count.

    ``rows`` is what io.read_rows yields: (row number, dict), or (first row number, io.Block) for a
    CSV file. Rows stream from the file to the database: memory stays flat whatever the file's size.
    The database itself finds an id or uid already taken (its unique indexes), in the file or before. ``headers``
    (column -> the file's header, filled as the file is read) names the columns in the problems reported.
    ``warn`` is given the warnings of rows imported: a new village one character from one the register had."""
    from lbc_cli import store
    from lbc_cli.models import SQLModel

    table_name = TABLES[name][0]
    table = SQLModel.metadata.tables[table_name]
    age_limit = int(store.rule_values(session=session)["age_limit"])
    problems = Problems(source, headers, name)  # the rows the database refuses; then the checks' too
    loader = _Loader(name, session, today, age_limit, csv_quotes, force, Problems(source, headers, name))
    writer = _Writer(session, table, problems)
    villages_before = (
        set(store.villages(session=session)) if warn is not None and name in ("children", "helpers") else None
    )
    villages_used: set = set()
    # The file is read and checked by a copy of this process (parallel.forked) while this one writes
    # what it has checked: the checks are Python through and through, the writes mostly SQLite. The
    # copy touches no database: what the checks need of it was read above.
    checking = functools.partial(_checked, rows, loader)
    with parallel.forked(checking) as from_copy:
        try:
            for kind, count, found in checking() if from_copy is None else from_copy:
                if kind == "checked":
                    problems.merge(found)
                    continue
                if progress is not None:
                    progress(count)
                numbers, values, ids = found
                if villages_before is not None and values.get("village"):
                    villages_used.update(values["village"])
                writer.add(numbers, loader.named(values), ids)  # the pinyin here: the copy has more to do
        except parallel.CopyFailed as failed:
            if failed.error is None or isinstance(failed.error, MemoryError):  # killed (the OOM killer), or no memory
                raise LbcError(i18n.t("import_check_stopped", file=source)) from None
            raise failed.error from None
    n = writer.close()
    problems.raise_if_any()
    if dry_run:
        session.rollback()  # every row was checked by the database too; none of it is kept
        return n
    if n:
        store.audit(session, table_name, None, "import", None, {"rows": n, "file": source})
    if villages_before is not None:
        for warning in store.new_village_warnings(
            villages_used - villages_before, session=session, known=villages_before
        ):
            warn(warning)
    return n


def _checked(rows: Iterable[tuple[int, object]], loader: "_Loader"):
    """The rows checked: ("rows", rows read, (row numbers, {column: clean values}, ids)) for the good
    rows of each chunk, and last ("checked", 0, the problems found)."""
    none: tuple = ((), {}, None)
    pending: list[tuple[int, dict]] = []
    read = 0  # rows read since the last chunk went
    for number, raw in rows:
        if raw.__class__ is io.Block:
            if pending:
                yield "rows", read, loader.dicts(pending)
                pending, read = [], 0
            yield "rows", len(raw.rows), loader.block(raw) or none
            continue
        read += 1
        if io.BAD_CELLS in raw:
            loader.problems.add(number, "-", raw[io.BAD_CELLS])
            continue
        pending.append((number, raw))
        if len(pending) >= CHUNK:
            yield "rows", read, loader.dicts(pending)
            pending, read = [], 0
    if pending or read:
        yield "rows", read, loader.dicts(pending) if pending else none
    yield "checked", 0, loader.problems


class _Writer:
    """Rows into a table through the DB-API ``executemany`` (PostgreSQL: ``COPY``, its bulk load), CHUNK at a
    time, on the session's own connection and transaction. A chunk the database refuses (an id or uid taken) is
    rolled back to its savepoint and written again row by row, so that each refused row is named and the rest kept."""

    def __init__(self, session, table, problems: Problems):
        from lbc_cli import db

        self._sync = functools.partial(db.sync_sequences, session.connection(), table.name)
        connection = session.connection()
        self.dialect = connection.dialect
        self.problems = problems
        self.cursor = connection.connection.dbapi_connection.cursor()
        self.as_text = connection.dialect.name == "sqlite"  # SQLite keeps dates as ISO text, like SQLAlchemy
        self.table = table
        self.statements = {}
        self.copies: dict[bool, str] = {}
        for with_id in (True, False):
            keys = [c.name for c in table.columns if with_id or c.name != "id"]
            compiled = table.insert().compile(dialect=connection.dialect, column_keys=keys)
            order = list(compiled.positiontup) if compiled.positiontup is not None else keys
            named = compiled.positiontup is None
            dates = {i for i, key in enumerate(order) if key in DATE_COLUMNS} if self.as_text else set()
            self.statements[with_id] = (str(compiled), order, named, dates)
            if connection.dialect.name == "postgresql":  # PostgreSQL's own bulk load: COPY, a chunk at a time
                quote = connection.dialect.identifier_preparer.quote
                self.copies[with_id] = f"COPY {quote(table.name)} ({', '.join(map(quote, order))}) FROM STDIN"
        self.pending: dict[bool, tuple[list, list]] = {True: ([], []), False: ([], [])}  # row numbers, params
        self.count = 0
        self.explicit_ids = False
        self.connection = connection
        self.existing = connection.exec_driver_sql(f"SELECT COUNT(*) FROM {table.name}").scalar() or 0
        self.dropped: list = []
        self.dropped_keys: list = []  # PostgreSQL's foreign keys, (name, definition), during a bulk load
        self.bulk = False  # a bulk load (_drop_indexes)
        if self.as_text:
            # Room for the indexes being written (the default 2 MiB thrashes at a county's size);
            # this connection is this command's own and ends with it.
            self.cursor.execute(f"PRAGMA cache_size = -{CACHE_KIB}")

    def add(self, numbers, values: dict, ids: list | None) -> None:
        """Good rows of a chunk, as columns: rows with an id and rows without go by their own statement."""
        if not len(numbers):
            return
        if ids is None:
            self._add(False, numbers, values, None)
        elif None not in ids:
            self._add(True, numbers, values, ids)
        else:
            for with_id in (True, False):
                keep = [i for i, row_id in enumerate(ids) if (row_id is not None) == with_id]
                if keep:
                    subset = {key: [column[i] for i in keep] for key, column in values.items()}
                    self._add(with_id, [numbers[i] for i in keep], subset, [ids[i] for i in keep])

    def _add(self, with_id: bool, numbers, values: dict, ids) -> None:
        sql, order, named, dates = self.statements[with_id]
        n = len(numbers)
        columns = []
        for position, key in enumerate(order):
            column = ids if key == "id" else values.get(key)
            if column is None:
                column = [None] * n
            elif position in dates:
                iso = {day: day.isoformat() for day in set(column) if day is not None}
                iso[None] = None
                column = list(map(iso.__getitem__, column))
            columns.append(column)
        params = list(zip(*columns, strict=True))
        if named and not self.copies:  # (COPY takes the rows as tuples)
            params = [dict(zip(order, row, strict=True)) for row in params]
        pending_numbers, pending = self.pending[with_id]
        pending_numbers.extend(numbers)
        pending.extend(params)
        while len(pending) >= CHUNK:
            self._flush(with_id)

    def close(self) -> int:
        try:
            for with_id in (True, False):
                while self.pending[with_id][1]:
                    self._flush(with_id)
        finally:
            self.cursor.close()
        for index in self.dropped:  # sorted once, instead of one random insert per row
            index.create(self.connection)
        self._restore_foreign_keys()
        if self.bulk and self.table.name == "contacts":
            last_contacts.rebuild(self.connection)  # its triggers were set aside: worked out once, at the end
        if self.explicit_ids:
            self._sync()
        return self.count

    def _id_of(self, params, with_id: bool):
        if not with_id:
            return ""
        _sql, order, named, _dates = self.statements[True]
        return params["id"] if named else params[order.index("id")]

    def _flush(self, with_id: bool) -> None:
        """The first CHUNK pending rows (or fewer: all there are)."""
        pending_numbers, pending = self.pending[with_id]
        batch = list(zip(pending_numbers[:CHUNK], pending[:CHUNK], strict=True))
        del pending_numbers[:CHUNK], pending[:CHUNK]
        if not batch:
            return
        if not self.bulk and self.existing == 0 and len(batch) >= CHUNK:
            self._drop_indexes()  # a full chunk into an empty table: a bulk load from its first row
        sql = self.statements[with_id][0]
        refused = self.dialect.dbapi.IntegrityError
        self.cursor.execute("SAVEPOINT lbc_chunk")
        try:
            if with_id in self.copies:
                with self.cursor.copy(self.copies[with_id]) as copy:
                    for _row, params in batch:
                        copy.write_row(params)
            else:
                self.cursor.executemany(sql, [params for _row, params in batch])
            self.count += len(batch)
        except refused:
            self.cursor.execute("ROLLBACK TO SAVEPOINT lbc_chunk")
            order = self.statements[with_id][1]
            for row_number, row in batch:  # the rare case: find each refused row
                params = dict(zip(order, row, strict=True)) if with_id in self.copies else row
                self.cursor.execute("SAVEPOINT lbc_row")
                try:
                    self.cursor.execute(sql, params)
                    self.count += 1
                except refused as exc:
                    self.cursor.execute("ROLLBACK TO SAVEPOINT lbc_row")
                    self.problems.add(row_number, *_refusal(exc, self._id_of(params, with_id)))
                self.cursor.execute("RELEASE SAVEPOINT lbc_row")
        self.cursor.execute("RELEASE SAVEPOINT lbc_chunk")
        self.explicit_ids = self.explicit_ids or with_id
        if not self.bulk and self.count >= BULK_ROWS and self.count >= self.existing:
            self._drop_indexes()

    def _drop_indexes(self) -> None:
        """A bulk load (into an empty table, or at least BULK_ROWS and as many as the table held)
        drops the table's plain indexes and builds them again at the end, in the same transaction. Unique
        indexes stay: they are what finds an id or uid taken. A load of contacts sets last_contacts' triggers
        aside as well and works that table out once at the end."""
        self.bulk = True
        self.dropped = [index for index in self.table.indexes if not index.unique]
        for index in self.dropped:
            index.drop(self.connection)
        if self.table.name == "contacts":  # last_contacts' triggers too: the table is rebuilt at the end
            for statement in last_contacts.set_aside(self.dialect.name):
                self.connection.exec_driver_sql(statement)
        if self.dialect.name == "postgresql":
            self._set_foreign_keys_aside()

    def _set_foreign_keys_aside(self) -> None:
        """PostgreSQL checks a foreign key with a query and a row lock for each row: a bulk load drops the table's
        foreign keys and adds them again at the end, in the same transaction, which checks every row at once (one
        join; PostgreSQL's own advice for populating a database). The import has checked each row's references
        already. The drop locks the tables they refer to until the commit, readers too, as dropping the indexes
        locks the table itself: other commands wait for a bulk load to end."""
        quote = self.dialect.identifier_preparer.quote
        self.dropped_keys = self.connection.exec_driver_sql(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint"
            " WHERE conrelid = %(table)s::regclass AND contype = 'f' ORDER BY conname",
            {"table": quote(self.table.name)},
        ).all()
        for name, _definition in self.dropped_keys:
            self.connection.exec_driver_sql(f"ALTER TABLE {quote(self.table.name)} DROP CONSTRAINT {quote(name)}")

    def _restore_foreign_keys(self) -> None:
        quote = self.dialect.identifier_preparer.quote
        for name, definition in self.dropped_keys:
            try:
                self.connection.exec_driver_sql(
                    f"ALTER TABLE {quote(self.table.name)} ADD CONSTRAINT {quote(name)} {definition}"
                )
            except self.dialect.dbapi.IntegrityError:  # a row the checks let through: not the user's doing
                raise LbcError(i18n.t("internal", kind="foreign key")) from None


def _refusal(exc: Exception, row_id) -> tuple[str, str]:
    """(column, problem) for a row the database refused: which unique index it broke."""
    text = str(exc).lower()
    if "null" in text:  # a value every row is given: not the user's doing
        return "-", i18n.t("internal", kind=type(exc).__name__)
    if "uid" in text:
        return "uid", i18n.t("import_uid_taken")
    if "uq_exams" in text or "exams.term" in text or "school_year" in text:
        return "term", i18n.t("import_exam_db")
    if "foreign key" in text:
        return "-", i18n.t("internal", kind="foreign key")
    return "id", i18n.t("import_id_taken", id=row_id)
