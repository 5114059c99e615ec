"""The one place that turns rows into table / csv / json / jsonl / md on stdout.

csv and json carry the raw values (slugs, ISO dates, 1/0) under the fixed column names; table and md
are for people: localized headers and labels. A Rich table only on a terminal; plain aligned text in a pipe.
"""

import sys
import unicodedata
from collections.abc import Iterable
from decimal import Decimal
from functools import lru_cache
from typing import Any

from lbc_cli import i18n, io

FORMATS = ("table", "csv", "json", "jsonl", "md")


def display(value: Any, column: str, enums: dict[str, str]) -> str:
    """A cell for a person: labels for slugs, yes/no for booleans, '' for nothing."""
    if value is None or value == "":
        return ""
    enum = enums.get(column)
    if enum:
        return i18n.labels(enum, value) if enum in ("flag", "assistance") else i18n.label(enum, value)
    kind = value.__class__
    if kind is str:  # the common cells first: a table of 100,000 rows asks a million times
        return value
    if kind is int:
        return str(value)
    if isinstance(value, bool):
        return i18n.t("yes") if value else i18n.t("no")
    if isinstance(value, Decimal):
        return str(value)  # money keeps its two places
    value = io.cell(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def render(
    rows: Iterable[dict],
    columns: list[str],
    fmt: str = "table",
    *,
    enums: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
    title: str | None = None,
    stream=None,
) -> int:
    """Write the rows to stdout (or ``stream``); returns how many."""
    enums = enums or {}
    out = stream or sys.stdout
    if fmt in io.WRITERS:
        return io.WRITERS[fmt](rows, columns, out)
    heads = [(headers or {}).get(c) or i18n.field(c) for c in columns]
    body = [[display(row.get(c), c, enums) for c in columns] for row in rows]
    if fmt == "md":
        _markdown(heads, body, title, out)
    elif out.isatty():
        _rich(heads, body, title)
    else:
        _plain(heads, body, out)
    return len(body)


@lru_cache(maxsize=65536)
def _width(text: str) -> int:
    """Columns a text takes in a terminal: two for each wide (CJK) character."""
    if text.isascii():
        return len(text)
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _plain(heads: list[str], body: list[list[str]], out) -> None:
    rows = [heads] + [[c.replace("\n", " ") if "\n" in c else c for c in r] for r in body]
    measured = [list(map(_width, r)) for r in rows]
    widths = [max(column) for column in zip(*measured, strict=True)]
    write = out.write
    for row, sizes in zip(rows, measured, strict=True):
        cells = [c + " " * (w - n) for c, w, n in zip(row, widths, sizes, strict=True)]
        write("  ".join(cells).rstrip() + "\n")


def _md_escape(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", "<br>")


def _markdown(heads: list[str], body: list[list[str]], title: str | None, out) -> None:
    if title:
        out.write(f"## {title}\n\n")
    out.write("| " + " | ".join(_md_escape(h) for h in heads) + " |\n")
    out.write("|" + "|".join("---" for _ in heads) + "|\n")
    for row in body:
        out.write("| " + " | ".join(_md_escape(c) for c in row) + " |\n")


def _rich(heads: list[str], body: list[list[str]], title: str | None) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=title, header_style="bold", show_lines=False)
    for head in heads:
        table.add_column(head, overflow="fold")
    for row in body:
        table.add_row(*row)
    Console(highlight=False).print(table)


def render_card(sections: list[tuple[str, list[tuple[str, str]]]], fmt: str, data: dict) -> None:
    """A record as labelled sections for people (table/md), or ``data`` as one JSON object."""
    if fmt in ("json", "jsonl"):
        import json

        sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=None if fmt == "jsonl" else 2) + "\n")
        return
    if fmt == "csv":
        io.write_csv([{"field": k, "value": data[k]} for k in data], ["field", "value"], sys.stdout)
        return
    if fmt == "md":
        for title, pairs in sections:
            sys.stdout.write(f"## {title}\n\n| | |\n|---|---|\n")
            for key, value in pairs:
                sys.stdout.write(f"| {_md_escape(key)} | {_md_escape(value)} |\n")
            sys.stdout.write("\n")
        return
    if sys.stdout.isatty():
        from rich.console import Console
        from rich.table import Table

        console = Console(highlight=False)
        for title, pairs in sections:
            table = Table(title=title, show_header=False, title_justify="left")
            table.add_column(style="bold")
            table.add_column(overflow="fold")
            for key, value in pairs:
                table.add_row(key, value)
            console.print(table)
        return
    for title, pairs in sections:
        sys.stdout.write(f"[{title}]\n")
        width = max((_width(k) for k, _ in pairs), default=0)
        for key, value in pairs:
            sys.stdout.write(f"{key}{' ' * (width - _width(key))}  {value}\n")
        sys.stdout.write("\n")
