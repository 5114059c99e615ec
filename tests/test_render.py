"""output and render: a table given column by column is written, byte for byte, as the same table given row by row.

The oracles below are the straightforward writers render.py had before it worked column by column
(a cell at a time through ``display`` and the one-cell width), the row-by-row writers and ``json.dumps``."""

import io as stdio
import json
import unicodedata
from datetime import date, datetime
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from lbc_cli import i18n, io, output, render

PROPERTY = settings(database=None, deadline=None, max_examples=300)

# ASCII with formula starts and blanks, Han (wide, 3 UTF-8 bytes), a wide character outside the BMP,
# half-width katakana (narrow but 3 bytes), a combining accent, the ideographic space (wide and
# whitespace), a full-width letter, a separator that str.isspace counts, and newlines and pipes
TEXT = st.text(alphabet=st.sampled_from(list("ab1 =+-@'|\n\t\r\x1c张三丰𠮷ｱ\u0301\u3000Ａ·")), max_size=6)
VALUE = st.one_of(
    st.none(),
    st.just(""),
    TEXT,
    st.integers(-1000, 10**8),
    st.booleans(),
    st.sampled_from([Decimal("1"), Decimal("1.0"), Decimal("1.00"), Decimal("12.50"), Decimal("-3.25")]),
    st.floats(allow_nan=True, allow_infinity=False, width=32),
    st.sampled_from([date(2026, 8, 31), datetime(2026, 1, 2, 3, 4, 5)]),
)
ALIKE = [1, True, 1.0, Decimal("1"), Decimal("1.0"), Decimal("1.00"), 0, False, -0.0, Decimal("0E-2"), None, "1"]
ENUMS = {"role": "role", "flags": "flag", "note": "note"}
SLUGS = {
    "role": st.sampled_from(["class-teacher", "volunteer", "unknown-slug", ""]),
    "flags": st.sampled_from(["hardship", "hardship;lives-alone", "", "new-flag"]),
    "note": st.sampled_from(["no-baseline", "missing-rank", ""]),
}


@st.composite
def tables(draw):
    """(columns, rows as tuples): some columns of one kind of value (the shortcuts), some mixed."""
    names = draw(st.lists(st.sampled_from(["id", "name", "role", "flags", "note", "score", "yuan", "x"]), unique=True))
    n = draw(st.integers(0, 16))
    columns = []
    for name in names:
        kind = "slug" if name in SLUGS else draw(st.sampled_from(["mixed", "same", "few"]))
        if kind == "slug":  # an enum column holds slugs (display labels them)
            cells = st.one_of(st.none(), SLUGS[name])
        elif kind == "few":  # a few values, equal but shown apart (1, True, 1.0, Decimal 1.00...)
            cells = st.sampled_from(draw(st.lists(st.sampled_from(ALIKE), min_size=1, max_size=3, unique_by=repr)))
        elif kind == "same":
            cells = draw(st.sampled_from([st.integers(0, 60), st.one_of(st.none(), st.integers(0, 3)), TEXT, VALUE]))
        else:
            cells = VALUE
        columns.append(draw(st.lists(cells, min_size=n, max_size=n)))
    return names, list(zip(*columns, strict=True)) if names else []


def _old_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _old_table(heads, body) -> str:
    lines = [heads] + [[c.replace("\n", " ") if "\n" in c else c for c in r] for r in body]
    measured = [list(map(_old_width, r)) for r in lines]
    widths = [max(column) for column in zip(*measured, strict=True)]
    out = ""
    for row, sizes in zip(lines, measured, strict=True):
        out += "  ".join(c + " " * (w - n) for c, w, n in zip(row, widths, sizes, strict=True)).rstrip() + "\n"
    return out


def _old_markdown(heads, body, title) -> str:
    escape = render.md_text  # what it shows is tested apart, against a Markdown renderer (test_markdown_*)

    out = f"## {title}\n\n" if title else ""
    out += "| " + " | ".join(escape(h) for h in heads) + " |\n"
    out += "|" + "|".join("---" for _ in heads) + "|\n"
    return out + "".join("| " + " | ".join(escape(c) for c in row) + " |\n" for row in body)


def _text(write) -> str:
    stream = stdio.StringIO()
    write(stream)
    return stream.getvalue()


def _values(columns, rows):
    return [list(column) for column in zip(*rows, strict=True)] if rows else [[] for _ in columns]


@PROPERTY
@given(tables(), st.sampled_from(["en", "zh"]))
def test_tables_for_people_are_the_row_by_row_text(table, lang):
    columns, rows = table
    dicts = [dict(zip(columns, row, strict=True)) for row in rows]
    with i18n.using(lang):
        heads = [i18n.field(c) for c in columns]
        body = [[render.display(row.get(c), c, ENUMS) for c in columns] for row in dicts]
        expected_table = _old_table(heads, body)
        expected_md = _old_markdown(heads, body, "标题 | x")
        for fmt, expected in (("table", expected_table), ("md", expected_md)):
            title = "标题 | x" if fmt == "md" else None
            by_columns = _text(
                lambda out, fmt=fmt, title=title: output.write(
                    output.Table(columns, by_column=_values(columns, rows), enums=ENUMS, title=title), fmt, out
                )
            )
            by_dicts = _text(
                lambda out, fmt=fmt, title=title: output.write(
                    output.Table(columns, dicts, enums=ENUMS, title=title), fmt, out
                )
            )
            if columns:
                assert by_columns == expected, fmt
            assert by_dicts == expected, fmt


@PROPERTY
@given(tables(), st.sampled_from(["csv", "json", "jsonl"]))
def test_files_by_column_are_what_the_row_by_row_writers_write(table, fmt):
    columns, rows = table
    if not columns:
        return
    dicts = [dict(zip(columns, row, strict=True)) for row in rows]
    expected = _text(lambda out: output.write(output.Table(columns, dicts), fmt, out))
    by_column = output.Table(columns, by_column=_values(columns, rows))
    assert _text(lambda out: output.write(by_column, fmt, out)) == expected


@PROPERTY
@given(st.lists(tables(), max_size=3))
def test_json_views_are_json_dumps_indented(tables_):
    views = {f"view{i}": (columns, rows) for i, (columns, rows) in enumerate(tables_) if columns}
    data = {
        name: [{c: io.cell(v) for c, v in zip(columns, row, strict=True)} for row in rows]
        for name, (columns, rows) in views.items()
    }
    expected = json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    given = {name: output.Table(columns, by_column=_values(columns, rows)) for name, (columns, rows) in views.items()}
    assert _text(lambda out: output.write_json_tables(given, stream=out)) == expected


def test_a_wide_name_column_is_aligned_by_its_terminal_width():
    columns = ["id", "name", "note"]
    values = [[1, 22, 333], ["张三", "欧阳娜娜", "Li"], ["", "no-baseline", None]]
    table = output.Table(columns, by_column=values, enums={"note": "note"})
    out = _text(lambda s: output.write(table, "table", s))
    assert out.splitlines() == [
        "id   name      note",
        "1    张三",
        "22   欧阳娜娜  no baseline",
        "333  Li",
    ]


def test_csv_neutralises_a_formula_wherever_it_stands_in_a_column():
    for texts in (["=1+1", "ok"], ["ok", "@x"], ["'=x", None], ["'", "b"], ["a\n=b", "c"], ["x", "-", "\t", "\r1"]):
        dicts = [{"name": t} for t in texts]
        expected = _text(lambda out, dicts=dicts: output.write(output.Table(["name"], dicts), "csv", out))
        by_column = output.Table(["name"], by_column=[texts])
        assert _text(lambda out, table=by_column: output.write(table, "csv", out)) == expected
