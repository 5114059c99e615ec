"""The output layer: every format lbc writes, in one registry (``FORMATS``), and the writers of a command's table.

A command hands ``write`` a ``Table`` (its columns, and their values as rows or column by column) with the
--format it was given; ``write`` masks the phone and id columns unless revealed, and the format's writer
writes the rest. csv/json/jsonl carry the raw values (slugs, ISO dates, 1/0) under the fixed column names;
table and md are for people (localized headers and labels, drawn by ``render``); xlsx is a workbook
(``io.write_xlsx``). text, html and docx are documents their command makes (remind's grouped text, a report's
page or Word file): ``write`` writes such a text as it is.

Each command offers one of the choice sets below; its --format option, help included, comes from
``format_option``. A new format: its writer here, its entry in ``FORMATS``, and its name in the choice sets
of the commands that offer it.
"""

import csv
import json
import re
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import date, datetime
from decimal import Decimal
from json.encoder import encode_basestring
from typing import IO, Annotated, Any, NamedTuple

from lbc_cli import i18n, io

# CSV lines already made (``sqlcsv``): given the columns to mask, chunks of lines, or None where it cannot serve
CsvLines = Callable[[frozenset[str]], Iterable[list[str]] | None]


class Shared(NamedTuple):
    """Cells that many rows share (a child's, on each of its reminders), given column by column: row i has
    ``column[keys[i]]`` in each of the group's ``columns``. A column is a list (the keys are its places 0,
    1, ...) or a dict (any keys; each column of the group has the same keys, in the same order)."""

    keys: Sequence
    columns: list[list | dict]


class Table:
    """What a command hands the output layer: its ``columns``, and their values either as ``rows`` (dicts,
    streamed once), ``by_column`` (each column's values in row order, or a function giving them) or
    ``by_group`` (Shared groups side by side, covering the columns in order).

    ``enums``: column -> the enum whose labels people see; ``headers``: a header for people other than the
    column's field label; ``title``: Markdown's heading, a workbook's sheet name; ``reveal``: phone and id
    numbers in full; ``csv_lines``: the CSV writer's fast path (CSV lines made by the database), tried before
    the values; ``labels``: every format writes the headers and values people see (``labelled``), not the
    column names and slugs; ``text_columns``: the columns a workbook keeps as text (by default the phone and
    id numbers, ``io.SENSITIVE``); ``one_page_wide``: a workbook prints it fitted to one page's width (a form)."""

    __slots__ = (
        "columns", "rows", "by_column", "by_group", "enums", "headers", "title", "reveal", "csv_lines", "labels",
        "text_columns", "one_page_wide",
    )  # fmt: skip

    def __init__(
        self,
        columns: list[str],
        rows: Iterable[dict] = (),
        *,
        by_column: list[Sequence] | Callable[[], list[Sequence]] | None = None,
        by_group: list[Shared] | None = None,
        enums: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
        title: str | None = None,
        reveal: bool = False,
        csv_lines: CsvLines | None = None,
        labels: bool = False,
        text_columns: Iterable[str] | None = None,
        one_page_wide: bool = False,
    ) -> None:
        self.columns = columns
        self.rows = rows
        self.by_column = by_column
        self.by_group = by_group
        self.enums = enums or {}
        self.headers = headers or {}
        self.title = title
        self.reveal = reveal
        self.csv_lines = csv_lines
        self.labels = labels
        self.text_columns = text_columns
        self.one_page_wide = one_page_wide


def write(data: "Table | str", fmt: str, stream: IO | None = None, *, bom: bool = False, progress=None) -> int:
    """Write ``data`` in the format ``fmt`` to ``stream`` (stdout by default); returns how many rows.

    ``data``: a Table, or a document its command made in that format (written as it is). ``bom``: CSV starts
    with a UTF-8 BOM. ``progress``: called with the number of rows as they are written."""
    out = stream or sys.stdout
    if isinstance(data, str | bytes):
        out.write(data)
        return 0
    if bom and fmt == "csv":
        out.write("\ufeff")
    if data.labels and not FORMATS[fmt].for_people:  # table and md show labels anyway
        data, progress = labelled(data, progress), None  # counted as they are labelled
    return FORMATS[fmt].writer(data, out, progress)


def labelled(table: Table, progress=None) -> Table:
    """``table`` as people read it, for a file: each column headed by its label in the session's language
    (``headers``, else ``i18n.field``), its slugs as their labels (``enums``; a set of them joined as
    ``i18n.labels`` joins them), booleans as yes/no (是/否), every other value as it is (dates, numbers, text);
    phone and id numbers masked unless revealed, and kept as text in a workbook. Nothing is lost: ``lbc import``
    reads the labels back as the slugs they stand for."""
    columns = table.columns
    heads = [table.headers.get(c) or i18n.field(c) for c in columns]
    if len(set(heads)) < len(heads):  # two columns of one label: a program's bug, never a person's input
        raise ValueError(f"columns of the same label: {heads}")
    enums = [table.enums.get(c) for c in columns]
    shown = [{} for _column in columns]  # each column's slug -> label, worked out once a slug
    yes, no = i18n.t("yes"), i18n.t("no")

    def label(enum: str, slug: str) -> str:
        return i18n.labels(enum, slug) if enum in ("flag", "assistance") else i18n.label(enum, slug)

    def relabel(row: dict) -> dict:
        out = {}
        for column, head, enum, memo in zip(columns, heads, enums, shown, strict=True):
            value = row.get(column)
            if enum is not None and value.__class__ is str and value:
                found = memo.get(value)
                value = memo[value] = label(enum, value) if found is None else found
            elif value.__class__ is bool:
                value = yes if value else no
            out[head] = value
        return out

    texts = table.text_columns if table.text_columns is not None else io.SENSITIVE
    return Table(
        heads,
        map(relabel, _dict_rows(table, progress)),
        title=table.title,
        reveal=True,  # masked already, by the column names the labels hide (English "phone" is one)
        text_columns=[h for c, h in zip(columns, heads, strict=True) if c in texts],
    )


# ---- the values a writer takes: masked unless revealed ------------------------------------------------


def _masked(table: Table) -> frozenset[str]:
    return frozenset(io.masked_columns(table.columns, table.reveal))


def _rows(table: Table, progress=None) -> Iterator[dict]:
    rows = iter(table.rows)
    if _masked(table):
        rows = map(io.masker(table.columns, table.reveal), rows)
    if progress is not None:
        rows = (row for row in rows if progress() is None)
    return rows


def _dict_rows(table: Table, progress=None) -> Iterator[dict]:
    """The table's rows as dicts, masked where they must be, however it holds its values."""
    values = _column_values(table)
    if values is None:
        return _rows(table, progress)
    rows = (dict(zip(table.columns, row, strict=True)) for row in zip(*values, strict=True))
    return rows if progress is None else (row for row in rows if progress() is None)


def _column_values(table: Table) -> list[Sequence] | None:
    """The table's values column by column, masked where they must be; None for a table of rows."""
    if table.by_group is not None:
        return _group_values(table, 0, _group_rows(table))
    values = table.by_column() if callable(table.by_column) else table.by_column
    if values is None:
        return None
    hidden = _masked(table)
    if hidden:
        values = [io.mask_values(v) if c in hidden else v for c, v in zip(table.columns, values, strict=True)]
    return values


def _group_rows(table: Table) -> int:
    return len(table.by_group[0].keys) if table.by_group else 0


def _group_values(table: Table, start: int, stop: int) -> list[Sequence]:
    """The values of rows ``start`` to ``stop`` of a table given ``by_group``, column by column, masked where
    they must be."""
    values = []
    for group in table.by_group:
        keys = group.keys[start:stop]
        values.extend(list(map(column.__getitem__, keys)) for column in group.columns)
    values = values or [[] for _column in table.columns]
    hidden = _masked(table)
    return [io.mask_values(v) if c in hidden else v for c, v in zip(table.columns, values, strict=True)]


def _for_people_values(table: Table, progress=None) -> tuple[list[Sequence], int]:
    values = _column_values(table)
    if values is None:
        rows = list(_rows(table, progress))
        return [[row.get(c) for row in rows] for c in table.columns], len(rows)
    return values, len(values[0]) if values else 0


# ---- the writers ---------------------------------------------------------------------------------------


def write_table(table: Table, stream: IO[str], progress=None) -> int:
    """A table for people: a Rich table on a terminal, aligned plain text in a pipe."""
    from lbc_cli import render

    values, n = _for_people_values(table, progress)
    render.for_people(values, n, table, "table", stream)
    return n


def write_md(table: Table, stream: IO[str], progress=None) -> int:
    """A Markdown table for people, every person's text escaped (``render.md_text``)."""
    from lbc_cli import render

    values, n = _for_people_values(table, progress)
    render.for_people(values, n, table, "md", stream)
    return n


def write_csv(table: Table, stream: IO[str], progress=None) -> int:
    """The one CSV writer: a header of the column names, then a line a row, each cell ``io.csv_cell``
    (the formula guard, QUOTE_MINIMAL quoting, CRLF ends), masked unless revealed.

    Four ways to the same bytes: the lines the database made (``table.csv_lines``, handed the columns to mask),
    the cells many rows share (``table.by_group``: each key's text made once), else the values column by
    column (a column that cannot hold a formula passed to csv.writer as it is), else row by row."""
    lines = table.csv_lines(_masked(table)) if table.csv_lines is not None else None
    writer = csv.writer(stream, lineterminator="\r\n")
    writer.writerow(table.columns)
    if table.by_group is not None:
        return _write_shared_csv(table, stream, progress)
    n = 0
    if lines is not None:
        for chunk in lines:
            if not chunk:
                continue  # no lines: nothing written (not an empty line)
            stream.write("\r\n".join(chunk))
            stream.write("\r\n")
            n += len(chunk)
            if progress is not None:
                progress(len(chunk))
        return n
    values = _column_values(table)
    if values is not None:
        writer.writerows(zip(*map(_csv_cells, values), strict=True))
        return len(values[0]) if values else 0
    first = io.MAY_NEED_GUARD
    for row in _rows(table, progress):
        # csv.writer itself writes None as an empty cell and an int as its digits; a text that
        # cannot be a formula goes as it is: csv_text only for the rest
        writer.writerow(
            [
                v if v is None or v.__class__ is int or (v.__class__ is str and v[:1] not in first) else io.csv_text(v)
                for v in map(row.get, table.columns)
            ]
        )
        n += 1
    return n


def _write_shared_csv(table: Table, stream: IO[str], progress=None, chunk: int = 10_000) -> int:
    """The CSV lines of a table given ``by_group``, ``chunk`` rows at a time: each key's cells made once, a
    column at a time (``_key_texts``); then a chunk's text is its rows' keys' texts, each followed by a comma
    or the line's end, laid side by side in one list and joined once."""
    hidden = _masked(table)
    texts, first = [], 0
    for group in table.by_group:
        names = table.columns[first : first + len(group.columns)]
        first += len(group.columns)
        texts.append(_key_texts(group, [n in hidden for n in names]))
    rows = _group_rows(table)
    width = 2 * len(texts)  # a row's pieces: each group's text, then a comma (the last: the line's end)
    for start in range(0, rows, chunk):
        n = min(chunk, rows - start)
        pieces = [","] * (width * n)
        for nth, (text, group) in enumerate(zip(texts, table.by_group, strict=True)):
            pieces[2 * nth :: width] = [text[key] for key in group.keys[start : start + n]]
        pieces[width - 1 :: width] = ["\r\n"] * n
        stream.write("".join(pieces))
        if progress is not None:
            progress(n)
    return rows


def _key_texts(group: Shared, masked: list[bool]) -> list[str] | dict[object, str]:
    """Each key's cells of a Shared group as CSV text (masked where ``masked`` says): a list of texts at
    the places of list columns, or a dict of the keys of dict columns to their texts."""
    keys = list(group.columns[0]) if isinstance(group.columns[0], dict) else None
    columns = group.columns if keys is None else [list(map(column.__getitem__, keys)) for column in group.columns]
    cells = [_csv_texts(io.mask_values(c) if m else c) for c, m in zip(columns, masked, strict=True)]
    texts = cells[0] if len(cells) == 1 else list(map(",".join, zip(*cells, strict=True)))
    return texts if keys is None else dict(zip(keys, texts, strict=True))


def _csv_texts(column: Sequence) -> Sequence[str]:
    """A column's cells as ``io.csv_cell`` makes them; a column of integers, or of text that needs neither
    the formula guard nor quotes, as it is."""
    kinds = set(map(type, column))
    if kinds <= _INT_OR_NONE:
        return ["" if v is None else str(v) for v in column]
    if kinds <= {str}:
        text = "\n".join(column)
        if text.count("\n") == len(column) - 1 and not _QUOTED_IF.search(text) and not _MAY_NEED_GUARD.search(text):
            return column
    return list(map(io.csv_cell, column))


# Where a cell of a column may start (after the "\n" that _csv_cells joins the column's texts with)
# with a character that io.neutralise looks at: only such a column needs it cell by cell.
_MAY_NEED_GUARD = re.compile("(?:^|\n)[" + re.escape("".join(sorted(io.MAY_NEED_GUARD))) + "]")
# A character that makes a cell quoted, but the line break _csv_texts joins a column's cells with (counted there)
_QUOTED_IF = re.compile("[" + re.escape("".join(sorted(io.CSV_QUOTED_IF - {"\n"}))) + "]")
_NONE = type(None)
_INT_OR_NONE = {int, _NONE}


def _csv_cells(column: Sequence) -> Sequence:
    kinds = set(map(type, column))
    if kinds <= _INT_OR_NONE:
        return column
    if kinds <= {str, _NONE}:
        text = "\n".join([v or "" for v in column] if _NONE in kinds else column)
        if not _MAY_NEED_GUARD.search(text):
            return column
    return list(map(io.csv_text, column))


def write_json(table: Table, stream: IO[str], progress=None) -> int:
    """A JSON array, one object a line (``io.cell`` values), written as it goes."""
    return _write_json_objects(table, stream, progress, lines=False)


def write_jsonl(table: Table, stream: IO[str], progress=None) -> int:
    """JSON lines: one object a row."""
    return _write_json_objects(table, stream, progress, lines=True)


def _write_json_objects(table: Table, stream: IO[str], progress, *, lines: bool) -> int:
    columns = table.columns
    if table.by_group is not None:
        return _write_shared_json(table, stream, lines=lines)
    values = _column_values(table)
    objects = None if values is None else _json_objects(values, columns)
    if objects is not None:  # each row's text made a column at a time
        if lines:
            stream.write("".join([f"{line}\n" for line in objects]))
        else:
            _write_json_list(objects, stream)
            stream.write("\n")
        return len(objects)
    if values is not None:
        rows = (dict(zip(columns, row, strict=True)) for row in zip(*values, strict=True))
    else:
        rows = _rows(table, progress)
    n = 0
    if not lines:
        stream.write("[")
    for row in rows:
        text = json.dumps({c: io.cell(row.get(c)) for c in columns}, ensure_ascii=False)
        if lines:
            stream.write(text + "\n")
        else:
            stream.write(",\n  " if n else "\n  ")
            stream.write(text)
        n += 1
    if not lines:
        stream.write("\n]\n" if n else "]\n")
    return n


def write_json_tables(tables: dict[str, Table], stream: IO[str] | None = None) -> None:
    """Named tables given column by column as one JSON object: what ``json.dumps({name: [row as a dict,
    ...]}, ensure_ascii=False, indent=2)`` writes, values as ``io.cell`` makes them, without the indenting
    encoder (pure Python, slow for a county's pupils)."""
    out = stream or sys.stdout
    views = {name: (_column_values(table), table.columns) for name, table in tables.items()}
    sections = []
    for name, (values, columns) in views.items():
        objects = _json_objects(values, columns, indent=" " * 6)
        if objects is None:
            data = {
                view: [{c: io.cell(v) for c, v in zip(cs, row, strict=True)} for row in zip(*vs, strict=True)]
                for view, (vs, cs) in views.items()
            }
            out.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")
            return
        sections.append((name, objects))
    if not sections:
        out.write("{}\n")
        return
    for i, (name, objects) in enumerate(sections):
        out.write(("{\n  " if i == 0 else ",\n  ") + encode_basestring(name) + ": ")
        _write_json_list(objects, out, indent="  ")
    out.write("\n}\n")


def _write_shared_json(table: Table, stream: IO[str], *, lines: bool, chunk: int = 10_000) -> int:
    """JSON or JSON lines of a table given ``by_group``, ``chunk`` rows at a time (the objects of a county's
    reminders, all at once, would take hundreds of megabytes)."""
    rows = _group_rows(table)
    if not lines:
        stream.write("[" if rows else "[]")
    for start in range(0, rows, chunk):
        values = _group_values(table, start, start + chunk)
        objects = _json_objects(values, table.columns)
        if objects is None:  # values json.dumps writes itself
            objects = [
                json.dumps({c: io.cell(v) for c, v in zip(table.columns, row, strict=True)}, ensure_ascii=False)
                for row in zip(*values, strict=True)
            ]
        if lines:
            stream.write("".join([f"{line}\n" for line in objects]))
        else:
            stream.write(("\n  " if start == 0 else ",\n  ") + ",\n  ".join(objects))
    if not lines:
        stream.write("\n]\n" if rows else "\n")
    return rows


def _write_json_list(objects: list[str], out: IO[str], indent: str = "") -> None:
    """A list of objects already encoded, one a line, laid out as json.dumps(indent=2) lays out a list
    that starts ``indent`` in."""
    if not objects:
        out.write("[]")
        return
    out.write(f"[\n{indent}  ")
    out.write(f",\n{indent}  ".join(objects))
    out.write(f"\n{indent}]")


_JSON_SCALARS = {_NONE, bool, int, float, str, Decimal, date, datetime}


def _json_objects(values: list[Sequence], columns: list[str], indent: str | None = None) -> list[str] | None:
    """Each row as json.dumps writes ``{column: io.cell(value)}``: on one line, or with ``indent``
    before each key (the rows of a list indented two less, as in a document with indent=2). None
    unless the columns are distinct and the values plain (json.dumps writes any other)."""
    if not columns or len(set(columns)) < len(columns):
        return None
    encode = json.JSONEncoder(ensure_ascii=False).encode
    texts = []
    for column in values:
        kinds = set(map(type, column))
        if not kinds <= _JSON_SCALARS:
            return None
        if kinds <= {int}:
            texts.append(list(map(int.__repr__, column)))
        elif kinds <= _INT_OR_NONE:
            texts.append(list(map({v: encode(v) for v in set(column)}.__getitem__, column)))
        elif kinds <= {str}:
            texts.append(list(map(encode_basestring, column)))
        elif kinds <= {str, _NONE}:
            texts.append(["null" if v is None else encode_basestring(v) for v in column])
        else:
            texts.append([encode(io.cell(v)) for v in column])
    keys = [encode_basestring(name).replace("%", "%%") + ": %s" for name in columns]
    if indent is None:
        row = "{" + ", ".join(keys) + "}"
    else:
        row = "{\n" + indent + (",\n" + indent).join(keys) + "\n" + indent[:-2] + "}"
    return list(map(row.__mod__, zip(*texts, strict=True)))


def write_xlsx(table: Table, stream: IO[bytes], progress=None) -> int:
    """A one-sheet workbook made for people (``io.write_xlsx``), its sheet named by the table's title: text stays
    text, the phone and id numbers (or ``text_columns``) text cells, dates dates, money with two places; each
    column as wide as all its values when the table holds them in memory (each distinct value measured once),
    else as its first rows (``io.XLSX_WIDTH_ROWS``)."""
    texts = table.text_columns if table.text_columns is not None else io.SENSITIVE
    values = _column_values(table)
    widths = None
    if values is None:  # rows streamed once: the widths come from the first rows
        rows = _rows(table, progress)
    else:  # every value in memory: each column as wide as its widest value (each distinct value measured once)
        widths = [max(map(io.display_width, _distinct(column)), default=0) for column in values]
        rows = (dict(zip(table.columns, row, strict=True)) for row in zip(*values, strict=True))
        rows = rows if progress is None else (row for row in rows if progress() is None)
    return io.write_xlsx(
        rows,
        table.columns,
        stream,
        title=table.title or "lbc",
        text_columns=[c for c in table.columns if c in texts],
        widths=widths,
        one_page_wide=table.one_page_wide,
    )


def _distinct(column: Sequence) -> Iterable:
    """A column's values, each once where they can be told apart by hashing (a list of dicts: all of them)."""
    try:
        return set(column)
    except TypeError:
        return column


# ---- the registry ----------------------------------------------------------------------------------------


class Format(NamedTuple):
    """One output format. ``writer``: writes a Table (None: a document's format, its text made by its command);
    ``binary``: written as bytes; ``extensions``: the file name endings that name it (``--out x.csv``);
    ``a_file``: a file a program opens as such (a command that cannot write it refuses ``--out`` by that name);
    ``for_people``: read by people, so several tables may follow one another (a program reads one table a file)."""

    writer: Callable[[Table, IO, Any], int] | None
    binary: bool = False
    extensions: tuple[str, ...] = ()
    a_file: bool = False
    for_people: bool = False


FORMATS: dict[str, Format] = {
    "table": Format(write_table, for_people=True),
    "csv": Format(write_csv, extensions=("csv",), a_file=True),
    "json": Format(write_json, extensions=("json",), a_file=True),
    "jsonl": Format(write_jsonl, extensions=("jsonl", "ndjson"), a_file=True),
    "md": Format(write_md, extensions=("md", "markdown"), a_file=True, for_people=True),
    "xlsx": Format(write_xlsx, binary=True, extensions=("xlsx",), a_file=True),
    "text": Format(None, extensions=("txt",)),
    "html": Format(None, extensions=("html", "htm"), a_file=True),
    "docx": Format(None, binary=True, extensions=("docx",), a_file=True),
}
# Files of kinds lbc never writes: ``--out`` by such a name is refused too
OTHER_FILES = frozenset({"xls", "et", "doc", "wps", "pdf", "odt", "ods"})


class Choices(tuple):
    """The formats one kind of command offers, its default first, in the order its help names them."""

    def __new__(cls, *names: str) -> "Choices":
        unknown = [name for name in names if name not in FORMATS]
        if unknown:
            raise ValueError(f"not in output.FORMATS: {unknown}")
        return super().__new__(cls, names)


LIST = Choices("table", "csv", "json", "jsonl", "md")  # rows on a screen or in a pipe: every list
CARD = Choices("table", "json", "md")  # one record: child show, helper show
FILE = Choices("csv", "json", "jsonl", "xlsx")  # a table's file: export
READ = Choices("csv", "json", "jsonl", "xlsx")  # the files import reads (io's readers), by the same names
REMINDERS = Choices("text", "md", "csv", "json", "jsonl", "table")  # remind
DOCUMENT = Choices("md", "json", "html", "docx")  # report


def format_named_by(suffix: str) -> str:
    """The format a file name's extension names (``ndjson`` -> ``jsonl``); the extension itself otherwise."""
    for name, entry in FORMATS.items():
        if suffix in entry.extensions:
            return name
    return suffix


def read_format(path: str, given: str | None) -> str:
    """The format of a file ``lbc import`` reads: as given, else the one its extension names among ``READ``
    (stdin, and any other name: csv)."""
    if given:
        return given
    from pathlib import Path

    suffix = Path(path).suffix.lower().lstrip(".") if path != "-" else ""
    named = format_named_by(suffix)
    return named if named in READ else "csv"


def names_a_file(name: str) -> bool:
    """Whether a format (or an extension's word) is a kind of file a program opens as such."""
    entry = FORMATS.get(name)
    return entry.a_file if entry is not None else name in OTHER_FILES


def _listed(names: Sequence[str]) -> str:
    if len(names) == 1:
        return names[0]
    return i18n.bi("、", ", ").join(names[:-1]) + i18n.bi(" 或 ", " or ") + names[-1]


def format_help(choices: Choices, *, from_out: bool = False, reading: bool = False) -> str:
    """The help of a --format offering ``choices``: the formats by name, the default first. ``from_out``: the
    default is what --out's extension names; ``reading``: the format of a file read, from its name."""
    if reading:
        return i18n.bi("文件格式(默认按扩展名)", "file format (default: from the name)")
    if from_out:
        first = choices[0] + i18n.bi("(默认,或按 --out 文件的扩展名)", " (default, or what --out's extension names)")
        return _listed([first, *choices[1:]])
    return i18n.bi("输出格式:", "output format: ") + _listed(choices)


def format_option(choices: Choices, *, from_out: bool = False, reading: bool = False) -> Any:
    """The --format/-f option of a command offering ``choices`` (kept in the annotation, where tests find it).
    ``from_out`` or ``reading``: no value given means the default is worked out (``options.check_format``)."""
    import typer

    option = typer.Option(
        "--format", "-f", help=format_help(choices, from_out=from_out, reading=reading), metavar="FORMAT"
    )
    if from_out or reading:
        return Annotated[str | None, option, choices]
    return Annotated[str, option, choices]
