"""What people see: a table (Rich on a terminal, aligned plain text in a pipe) or Markdown, the text of a
cell for people (labels for slugs, yes/no), and the card of one record.

``output`` holds the registry of formats and hands the people's formats here; the values arrive column by
column, and each column's text is worked out once per distinct value where it can be (a county's roster).
"""

import json
import re
import sys
import unicodedata
from collections.abc import Sequence
from decimal import Decimal
from itertools import repeat
from operator import add, sub
from typing import Any

from lbc_cli import i18n, io


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


def for_people(values: list[Sequence], n: int, table, fmt: str, out) -> None:
    """``table`` (an ``output.Table``, its ``n`` rows' values given column by column) as ``fmt``, table or md:
    localized headers, each value as ``display`` shows it."""
    columns, enums = table.columns, table.enums
    heads = [table.headers.get(c) or i18n.field(c) for c in columns]
    if fmt != "md" and not out.isatty():
        _plain(heads, values, columns, enums, n, out)
        return
    cells = [_displayed(column, name, enums) for column, name in zip(values, columns, strict=True)]
    if fmt == "md":
        _markdown(heads, cells, n, table.title, out)
    else:
        _rich(heads, list(zip(*cells, strict=True)) if cells else [()] * n, table.title)


_NONE = type(None)
# Values of one of these types are equal only when ``display`` shows them alike (not so 1 and True,
# or Decimal 1.0 and 1.00): a column holding one of them (and None) can show each distinct value once.
_MEMO_SAFE = {str, int, bool}


def _display_map(values: Sequence, column: str, enums: dict[str, str]) -> dict | None:
    """value -> ``display`` text for a column of few distinct values (ranks, points, labels), each
    shown once; None for any other column."""
    kinds = set(map(type, values))
    kinds.discard(_NONE)
    if len(kinds) > 1 or not kinds <= _MEMO_SAFE or (kinds == {str} and not enums.get(column)):
        return None
    distinct = set(values)
    if len(distinct) * 4 > len(values):  # mostly distinct (ids): shown one by one
        return None
    return {value: display(value, column, enums) for value in distinct}


def _display_each(values: Sequence, column: str, enums: dict[str, str]) -> list[str]:
    kinds = set(map(type, values))
    if not enums.get(column):
        if kinds <= {str, _NONE}:  # as it is, '' for None
            return [v or "" for v in values] if _NONE in kinds else list(values)
        if kinds == {int} or kinds == {Decimal}:
            return list(map(str, values))
    return [display(v, column, enums) for v in values]


def _displayed(values: Sequence, column: str, enums: dict[str, str]) -> list[str]:
    """``display`` of every value of a column."""
    shown = _display_map(values, column, enums)
    return _display_each(values, column, enums) if shown is None else list(map(shown.__getitem__, values))


class _Wide(dict):
    """code point -> two spaces for a wide (CJK) character, the character itself for any other:
    a text translated through it is as long as the text is wide."""

    def __missing__(self, code: int) -> str:
        ch = chr(code)
        text = self[code] = "  " if unicodedata.east_asian_width(ch) in "WF" else ch
        return text


_WIDE = _Wide()
# ASCII and the CJK ideographs (blocks 3400-4DBF and 4E00-9FFF: all wide, three bytes each in UTF-8)
_ASCII_OR_HAN = re.compile(r"[\x00-\x7f\u3400-\u4dbf\u4e00-\u9fff]*")


def _width(text: str) -> int:
    """Columns a text takes in a terminal: two for each wide (CJK) character."""
    if text.isascii():
        return len(text)
    return len(text.translate(_WIDE))


def _extra_widths(texts: list[str], joined: str) -> list[int]:
    """How much wider than long each text is in a terminal (``joined``: all of them together)."""
    if _ASCII_OR_HAN.fullmatch(joined):  # one extra column per Han character: two more bytes than ASCII
        return [
            (size - chars) >> 1 for chars, size in zip(map(len, texts), map(len, map(str.encode, texts)), strict=True)
        ]
    return [_width(text) - len(text) for text in texts]


def _padded(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


def _plain(heads: list[str], values: list[Sequence], columns: list[str], enums, n: int, out) -> None:
    """Aligned text: every column as wide as its widest cell, two spaces apart, no blanks at a line's end,
    newlines in a cell as spaces."""
    padded = []
    for i, (head, column, name) in enumerate(zip(heads, values, columns, strict=True)):
        pad = i < len(heads) - 1  # the last column's padding rstrip() would drop
        shown = _display_map(column, name, enums)
        if shown is not None:  # each distinct value shown and padded once
            texts = {value: text.replace("\n", " ") for value, text in shown.items()}
            if pad:
                width = max(map(_width, [head, *texts.values()]))
                texts = {value: _padded(text, width) for value, text in texts.items()}
                head = _padded(head, width)
            padded.append([head, *map(texts.__getitem__, column)])
            continue
        cells = _display_each(column, name, enums)
        joined = "".join(cells)
        if "\n" in joined:
            cells = [c.replace("\n", " ") for c in cells]
        if not pad:
            padded.append([head, *cells])
        elif joined.isascii():  # ids, numbers: under a Chinese header too
            width = max(max(map(len, cells), default=0), _width(head))
            padded.append([_padded(head, width), *map(str.ljust, cells, repeat(width))])
        else:  # names: as wide as long, and one more for each wide character
            extra = _extra_widths(cells, joined)
            width = max(max(map(add, map(len, cells), extra), default=0), _width(head))
            padded.append([_padded(head, width), *map(str.ljust, cells, map(sub, repeat(width), extra))])
    lines = map("  ".join, zip(*padded, strict=True)) if padded else repeat("", n + 1)
    out.write("\n".join(map(str.rstrip, lines)))
    out.write("\n")


# Characters that make Markdown of a person's text (a link, an image, HTML, emphasis, code, a table cell's
# end, an entity, pandoc's math and sub/superscript, an e-mail autolink, a URI's scheme as pandoc links a bare
# one (`javascript:`), a heading's closing #s): escaped wherever they stand.
_MD_ANYWHERE = re.compile(r"([\\`*_\[\]<>!|~&$^@:#])")
# ...and those that do only at the start of a line (a list, a setext underline, a numbered item).
_MD_START = re.compile(r"^(\s*)([-+=](?=[\s=-]*$)|[-+](?=\s)|\d+(?=[.)](?:\s|$)))")
# ...and what a linkifier takes for a link with no scheme: a domain's dot (evil.com, t.cn/x), and `//host`
_MD_AUTOLINK = re.compile(r"\.(?=[A-Za-z])|(?<=/)/")


# A text with none of these needs no escaping at all (most: ids, dates, plain names): none of the patterns above
# can match in it.
_MD_NEEDED = re.compile(r"[\\`*_\[\]<>!|~&$^@:#+\-=.)/\n\r]")


# A number as the documents print one (money 5.50, a rate 98.5%, -3): nothing in it is Markdown.
_MD_NUMBER = re.compile(r"-?\d+(?:\.\d+)?%?")


def md_text(text: str) -> str:
    """A person's text (a name, a note, a village) as Markdown that any renderer shows as that text: no link,
    image, HTML, emphasis or table break can come of it. One line: line breaks become spaces."""
    if not _MD_NEEDED.search(text) or _MD_NUMBER.fullmatch(text):
        return text
    if "\n" in text or "\r" in text:
        text = " ".join(text.splitlines())
    text = _MD_ANYWHERE.sub(r"\\\1", text)
    text = _MD_AUTOLINK.sub(r"\\\g<0>", text)
    found = _MD_START.match(text)
    if found:
        lead, mark = found.groups()
        if mark.isdigit():  # "1." or "1)" starting a line is a numbered item: its dot or bracket escaped
            end = found.end()
            text = f"{text[:end]}\\{text[end:]}"
        else:
            text = f"{lead}\\{text[len(lead) :]}"
    return text


def _markdown(heads: list[str], cells: list[list[str]], n: int, title: str | None, out) -> None:
    if title:
        out.write(f"## {title}\n\n")
    out.write("| " + " | ".join(md_text(h) for h in heads) + " |\n")
    out.write("|" + "|".join("---" for _ in heads) + "|\n")
    escaped = []
    for column in cells:
        text = "".join(column)
        escaped.append(list(map(md_text, column)) if _MD_NEEDED.search(text) else column)
    lines = map(" | ".join, zip(*escaped, strict=True)) if escaped else repeat("", n)
    out.write("".join([f"| {line} |\n" for line in lines]))


def _rich(heads: list[str], body: list[Sequence[str]], title: str | None) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=title, header_style="bold", show_lines=False)
    for head in heads:
        table.add_column(head, overflow="fold")
    for row in body:
        table.add_row(*row)
    Console(highlight=False).print(table)


def write_card(sections: list[tuple[str, list[tuple[str, str]]]], data: dict, fmt: str) -> None:
    """One record (a child's or a helper's card), in a format of ``output.CARD``: labelled sections for
    people (table, md), or ``data`` as one JSON object."""
    if fmt == "json":
        sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")
        return
    if fmt == "md":
        for title, pairs in sections:
            sys.stdout.write(f"## {md_text(title)}\n\n| | |\n|---|---|\n")  # a title names the record
            for key, value in pairs:
                sys.stdout.write(f"| {md_text(key)} | {md_text(value)} |\n")
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
