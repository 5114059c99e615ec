"""The output layer: one registry of formats drives every command's --format; every writer masks and guards alike.

The expected texts are worked out by hand from the spec's rules: a phone keeps its first 3 and last 4 characters
(a short one is all stars), a text starting with = + - @ TAB CR (after any quotes) gets one more leading quote,
a CSV cell holding a comma, a quote or a line break is quoted with its quotes doubled."""

import io as stdio
import json
import re
import sqlite3
import typing

import pytest
from openpyxl import load_workbook

from lbc_cli import io, output, sqlcsv, validate
from lbc_cli.cli import root
from tests.conftest import execute, is_url, rows
from tests.test_cli import one_line

# The arguments a command needs before its --format is looked at
NEEDS = {
    ("child", "show"): ["1"],
    ("helper", "show"): ["1"],
    ("export",): ["children"],
    ("import",): ["children", "x.csv"],
    ("score",): ["--year", "2024"],
    ("merge",): ["other.db"],
    ("report", "child"): ["1"],
}


def _commands(group=None, path=()):
    group = group or root.command()
    for name, command in sorted(group.commands.items()):
        if hasattr(command, "commands"):
            yield from _commands(command, (*path, name))
        else:
            yield (*path, name), command


def _format_commands():
    for path, command in _commands():
        [option] = [p for p in command.params if "--format" in getattr(p, "opts", ())] or [None]
        if option is not None:
            yield path, command, option


def _declared(command) -> output.Choices | None:
    """The choice set in the annotation of the command's --format (where ``format_option`` keeps it)."""
    hints = typing.get_type_hints(command.callback.__wrapped__, include_extras=True)
    found = [m for m in getattr(hints["fmt"], "__metadata__", ()) if isinstance(m, output.Choices)]
    return found[0] if found else None


def test_every_format_option_comes_from_the_registry(lbc):
    assert lbc("enroll", "王芳", "--gender", "F", "--birth", "2015-01-02").code == 0
    assert lbc("helper", "add", "李老师", "--role", "volunteer").code == 0
    offered = set()
    seen = []
    for path, command, option in _format_commands():
        seen.append(path)
        refused = lbc(*path, *NEEDS.get(path, []), "--format", "xml")
        assert refused.code == 2, (path, refused.err)
        found = re.search(r"'xml' is not one of: (.*)$", one_line(refused.err))
        assert found, (path, refused.err)
        choices = output.Choices(*found[1].split(", "))  # refused unless every one is in output.FORMATS
        assert option.help in {
            output.format_help(choices),
            output.format_help(choices, from_out=True),
            output.format_help(choices, reading=True),
        }, path
        declared = _declared(command)
        assert declared == choices, path  # the option declared is the option checked
        offered |= set(choices)
    assert len(seen) >= 20 and ("export",) in seen and ("report", "month") in seen
    assert offered == set(output.FORMATS)  # no format in the registry that no command offers


def test_the_help_names_the_choices_in_both_languages():
    from lbc_cli import i18n

    with i18n.using("en"):
        assert output.format_help(output.LIST) == "output format: table, csv, json, jsonl or md"
        assert output.format_help(output.FILE, from_out=True) == (
            "csv (default, or what --out's extension names), json, jsonl or xlsx"
        )
    with i18n.using("zh"):
        assert output.format_help(output.CARD) == "输出格式：table、json 或 md"
        document = output.format_help(output.DOCUMENT, from_out=True)
        assert document == "md（默认，或按 --out 文件的扩展名）、json、html 或 docx"


def test_a_choice_set_outside_the_registry_is_refused():
    with pytest.raises(ValueError, match="yaml"):
        output.Choices("table", "yaml")


def test_an_out_extension_names_its_format_from_the_registry():
    assert [output.format_named_by(s) for s in ("ndjson", "markdown", "htm", "txt", "csv", "x")] == [
        "jsonl",
        "md",
        "html",
        "text",
        "csv",
        "x",
    ]
    assert output.names_a_file("xlsx") and output.names_a_file("docx")
    assert not output.names_a_file("text") and not output.names_a_file("table")


COLUMNS = ["id", "name", "guardian_phone", "note"]


def _rows():
    return [
        {"id": 1, "name": "=1+1", "guardian_phone": "13812345678", "note": 'say "hi", then\nleave'},
        {"id": 2, "name": "'=x", "guardian_phone": "123", "note": None},
    ]


def _written(fmt: str, table: output.Table) -> str | bytes:
    stream = stdio.BytesIO() if output.FORMATS[fmt].binary else stdio.StringIO()
    output.write(table, fmt, stream)
    return stream.getvalue()


def _unstamped(written):
    """A written file with the time of its writing taken out (an xlsx's docProps/core.xml holds when it was
    saved, to the second: two writes a second apart differ there and nowhere else)."""
    if not isinstance(written, bytes) or not written.startswith(b"PK"):
        return written
    import zipfile

    with zipfile.ZipFile(stdio.BytesIO(written)) as book:
        return {name: book.read(name) for name in book.namelist() if name != "docProps/core.xml"}


def test_every_writer_of_the_registry_masks_and_guards():
    expected = {
        "csv": 'id,name,guardian_phone,note\r\n1,\'=1+1,138****5678,"say ""hi"", then\nleave"\r\n2,\'\'=x,***,\r\n',
        "json": '[\n  {"id": 1, "name": "=1+1", "guardian_phone": "138****5678", "note": "say \\"hi\\", then\\nleave"},'
        '\n  {"id": 2, "name": "\'=x", "guardian_phone": "***", "note": null}\n]\n',
        "jsonl": '{"id": 1, "name": "=1+1", "guardian_phone": "138****5678", "note": "say \\"hi\\", then\\nleave"}\n'
        '{"id": 2, "name": "\'=x", "guardian_phone": "***", "note": null}\n',
        "table": 'id  name  guardian phone  note\n1   =1+1  138****5678     say "hi", then leave\n2   \'=x   ***\n',
        "md": "| id | name | guardian phone | note |\n|---|---|---|---|\n"
        '| 1 | =1+1 | 138\\*\\*\\*\\*5678 | say "hi", then leave |\n'
        "| 2 | '=x | \\*\\*\\* |  |\n",
    }
    from lbc_cli import i18n

    written = set()
    with i18n.using("en"):
        for fmt, entry in output.FORMATS.items():
            if entry.writer is None:  # a document's format: its command's text (or bytes), written as it is
                document = b"PK\x03\x04=1+1" if entry.binary else "<p>=1+1</p>\n"
                assert _written(fmt, document) == document
                written.add(fmt)
                continue
            by_row = _written(fmt, output.Table(COLUMNS, _rows()))
            by_column = output.Table(COLUMNS, by_column=[[r[c] for r in _rows()] for c in COLUMNS])
            assert _unstamped(_written(fmt, by_column)) == _unstamped(by_row), fmt
            revealed = _written(fmt, output.Table(COLUMNS, _rows(), reveal=True))
            if fmt == "xlsx":
                sheet = [[c.value for c in row] for row in load_workbook(stdio.BytesIO(by_row)).active.iter_rows()]
                assert sheet[1][1:3] == ["=1+1", "138****5678"]  # text stays text: no formula in a workbook
                assert load_workbook(stdio.BytesIO(by_row)).active["B2"].data_type == "s"
                assert [[c.value for c in r] for r in load_workbook(stdio.BytesIO(revealed)).active.iter_rows()][1][
                    2
                ] == "13812345678"
            else:
                assert by_row == expected[fmt], fmt
                assert "13812345678" in revealed and "138****5678" not in revealed
            written.add(fmt)
    assert written == set(output.FORMATS)


def test_bom_only_before_csv():
    stream = stdio.StringIO()
    output.write(output.Table(["id"], [{"id": 1}]), "csv", stream, bom=True)
    assert stream.getvalue() == "\ufeffid\r\n1\r\n"


# Cells that need every rule: formulas, quotes before them, tabs, commas, quotes, line breaks, short and long
# phone numbers, empty, NULL
TRICKY = [
    "=1+1",
    "+86",
    "-5",
    "@x",
    "\tx",
    "\rx",
    "'=quoted",
    "''+twice",
    "'",
    "'plain",
    "a,b",
    'say "hi"',
    "two\nlines",
    "1234567",
    "12345678",
    "13812345678",
    "0571-88889999",
    "中文,逗号",
    "",
    None,
    "plain",
]


@pytest.mark.parametrize("mask", [False, True])
def test_the_sql_cell_is_the_python_cell(mask):
    """The fast path's SQL, generated from the Python definitions, gives the cells the Python writer gives."""
    connection = sqlite3.connect(":memory:")
    connection.execute('CREATE TABLE t ("v" TEXT)')
    connection.executemany("INSERT INTO t VALUES (?)", [(v,) for v in TRICKY])
    sql = f"SELECT printf('%s', {sqlcsv.cell_sql('v', 'text', mask=mask)}) FROM t ORDER BY rowid"
    cells = [row[0] for row in connection.execute(sql)]
    python = [io.csv_cell(validate.mask(v) if mask and v else v) for v in TRICKY]
    assert cells == python
    assert cells[0] == ("'=1+1" if not mask else "****")  # four characters: all of them starred
    assert cells[TRICKY.index("13812345678")] == ("138****5678" if mask else "13812345678")


@pytest.mark.parametrize("mask", [False, True])
def test_each_backends_sql_cell_is_the_python_cell(db, mask):
    """The cells of the fast path in the spelling of the backend under test (SQLite's or PostgreSQL's) are
    the Python writer's."""
    spelling = sqlcsv.POSTGRESQL if is_url(db) else sqlcsv.SQLITE
    line = spelling.line([sqlcsv.cell_sql("v", "text", mask=mask, sql=spelling)])
    cells = [rows(db, f'SELECT {line} FROM (SELECT CAST(? AS TEXT) AS "v") AS t', v)[0][0] for v in TRICKY]
    assert cells == [io.csv_cell(validate.mask(v) if mask and v else v) for v in TRICKY]
    assert cells[TRICKY.index("13812345678")] == ("138****5678" if mask else "13812345678")
    assert cells[TRICKY.index("two\nlines")] == ("two**ines" if mask else '"two\nlines"')
    assert cells[TRICKY.index(None)] == ""


@pytest.mark.parametrize(
    ("birth", "as_of", "age"),
    [
        ("2016-02-29", "2025-02-28", 8),  # 29 February: a year older on 1 March in a common year
        ("2016-02-29", "2025-03-01", 9),
        ("2016-02-29", "2024-02-29", 8),
        ("2015-08-31", "2026-08-31", 11),  # the birthday itself
        ("2015-09-01", "2026-08-31", 10),
        ("2015-12-31", "2026-01-01", 10),
        ("2020-01-01", "2010-01-01", -10),  # before the birth: below zero, as validate.age_on gives it
    ],
)
def test_each_backends_age_is_validate_age_on(db, birth, as_of, age):
    from datetime import date

    spelling = sqlcsv.POSTGRESQL if is_url(db) else sqlcsv.SQLITE
    assert validate.age_on(date.fromisoformat(birth), date.fromisoformat(as_of)) == age
    cell = spelling.as_text(sqlcsv.age_sql('"b"', date.fromisoformat(as_of), spelling), "integer")
    given = "CAST(? AS DATE)" if is_url(db) else "?"  # SQLite keeps a date as its ISO text
    assert rows(db, f'SELECT {spelling.line([cell])} FROM (SELECT {given} AS "b") AS t', birth) == [(str(age),)]


def test_the_fast_and_the_python_path_write_the_same_bytes(lbc, db, monkeypatch):
    """export and child list: the database's lines and csv.writer's, masked and revealed, for tricky cells."""
    for n, name in enumerate(["王芳", "李娜", "张伟", "赵敏", "陈静"], start=1):
        phone = f"1380000{n:04d}"
        assert lbc("enroll", name, "--gender", "F", "--birth", "2015-01-02", "--guardian-phone", phone).code == 0
    tricky = [v for v in TRICKY if v is not None and v != ""]
    for n, value in enumerate(tricky):
        child = n % 5 + 1
        column = ("guardian_name", "address", "family_notes", "village")[n % 4]
        execute(db, f"UPDATE children SET {column} = ? WHERE id = ?", value, child)
    for child, phone in [(1, "123"), (2, ""), (3, None), (4, "13812345678")]:
        execute(db, "UPDATE children SET guardian_phone = ? WHERE id = ?", phone, child)
    commands = [
        ("export", "children", "-f", "csv"),
        ("export", "children", "-f", "csv", "--reveal"),
        ("child", "list", "--format", "csv"),
        ("child", "list", "--format", "csv", "--reveal"),
    ]
    served = []  # the fast path serves on either backend

    def spied(function):
        def call(*args, **kwargs):
            lines = function(*args, **kwargs)
            served.append(lines is not None)
            return lines

        return call

    monkeypatch.setattr(sqlcsv, "csv_lines", spied(sqlcsv.csv_lines))
    monkeypatch.setattr(sqlcsv, "roster_lines", spied(sqlcsv.roster_lines))
    fast = [lbc(*args) for args in commands]
    assert all(result.code == 0 for result in fast), [r.err for r in fast]
    assert served == [True] * 4
    monkeypatch.setattr(sqlcsv, "csv_lines", lambda *a, **k: None)
    monkeypatch.setattr(sqlcsv, "roster_lines", lambda *a, **k: None)
    assert [lbc(*args).out for args in commands] == [result.out for result in fast]
    masked, revealed = fast[2].out, fast[3].out
    assert ",***," in masked and ",138****5678," in masked and ",13812345678," in revealed
    assert "'=1+1" in fast[0].out and '"two\nlines"' in fast[0].out


def test_the_formula_guard_round_trips():
    for text in TRICKY:
        if text is not None:
            assert io.unneutralise(io.neutralise(text)) == text
    assert json.loads(_written("json", output.Table(["name"], [{"name": "=x"}])))[0]["name"] == "=x"  # JSON as is


@pytest.mark.parametrize("fmt", ["csv", "json", "jsonl", "table"])
def test_cells_shared_by_many_rows_are_written_as_the_rows_are(fmt):
    # remind's table: a child's cells and a piece of work's shared by many rows (output.Shared)
    people = {
        1: (1, "=SUM(A1)", "13812345678"),
        2: (2, 'a,"b"', None),
        3: (None, "line\nbreak", ""),
        4: (40, "'+x", "138 1234 5678"),
    }
    work = {"a": ("video-call", "2026-12-01", 5), "b": ("home-visit", "2026-11-30", -1)}
    keys, pieces = [1, 1, 2, 3, 4, 4], ["a", "b", "a", "b", "a", "a"]
    columns = ["id", "name", "guardian_phone", "rule", "due_date", "days_overdue"]
    rows = [dict(zip(columns, people[k] + work[w], strict=True)) for k, w in zip(keys, pieces, strict=True)]
    by_column = [output.Shared(keys, _columns_of(people)), output.Shared(pieces, _columns_of(work))]
    shared = output.Table(columns, by_group=by_column)
    by_group, by_row = stdio.StringIO(), stdio.StringIO()
    output.write(shared, fmt, by_group)
    output.write(output.Table(columns, rows), fmt, by_row)
    assert by_group.getvalue() == by_row.getvalue()
    if fmt == "csv":  # worked out by hand: guarded, quoted, the phone masked
        assert by_group.getvalue().splitlines()[1:4] == [
            "1,'=SUM(A1),138****5678,video-call,2026-12-01,5",
            "1,'=SUM(A1),138****5678,home-visit,2026-11-30,-1",
            '2,"a,""b""",,video-call,2026-12-01,5',
        ]


def test_shared_list_columns_hold_each_keys_cells_at_its_place():
    # remind's children: a list column's key is a place in it; a dict column's, any key
    people = [[7, 8], ["张三", "=1+1"], ["13812345678", None]]  # place 0: child 7; place 1: child 8
    work = [{"call": "video-call", "visit": "home-visit"}, {"call": 3, "visit": -2}]
    columns = ["child_id", "name", "guardian_phone", "rule", "days_overdue"]
    shared = [output.Shared([1, 0, 1], people), output.Shared(["call", "call", "visit"], work)]
    assert _written("csv", output.Table(columns, by_group=shared)) == (
        "child_id,name,guardian_phone,rule,days_overdue\r\n"
        "8,'=1+1,,video-call,3\r\n"
        "7,张三,138****5678,video-call,3\r\n"
        "8,'=1+1,,home-visit,-2\r\n"
    )
    assert _written("jsonl", output.Table(columns, by_group=shared)).splitlines()[1] == (
        '{"child_id": 7, "name": "张三", "guardian_phone": "138****5678", "rule": "video-call", "days_overdue": 3}'
    )


def test_a_shared_group_alone_is_written_a_chunk_at_a_time():
    # one group of two list columns: each row its key's text, then the line's end; 25,001 rows in 3 chunks
    n = 25_001
    shared = output.Table(["id", "name"], by_group=[output.Shared([1, 0] * (n // 2) + [1], [[5, 6], ['a "b"', "c"]])])
    stream, counted = stdio.StringIO(), []
    assert output.write(shared, "csv", stream, progress=counted.append) == n
    assert counted == [10_000, 10_000, 5_001]
    assert stream.getvalue().startswith('id,name\r\n6,c\r\n5,"a ""b"""\r\n6,c\r\n')
    assert stream.getvalue().endswith('5,"a ""b"""\r\n6,c\r\n')
    assert stream.getvalue().count("\r\n") == n + 1


def _columns_of(cells: dict) -> list[dict]:
    """A Shared group's columns from each key's cells."""
    return [dict(zip(cells, column, strict=True)) for column in zip(*cells.values(), strict=True)]


@pytest.mark.parametrize("fmt", ["json", "jsonl", "csv"])
def test_shared_cells_of_no_rows_and_of_many_chunks_are_written_as_rows_are(fmt):
    columns = ["id", "name", "rule"]
    for n in (0, 25_001):  # no row; three chunks of the writers' 10,000
        people = [list(range(n)), [f"名{k}" for k in range(n)]]  # list columns: the keys are places
        rules = [{"a": "home-visit"}]
        shared = output.Table(columns, by_group=[output.Shared(range(n), people), output.Shared(["a"] * n, rules)])
        rows = [{"id": k, "name": f"名{k}", "rule": "home-visit"} for k in range(n)]
        by_group, by_row = stdio.StringIO(), stdio.StringIO()
        assert output.write(shared, fmt, by_group) == n
        output.write(output.Table(columns, rows), fmt, by_row)
        assert by_group.getvalue() == by_row.getvalue()


def test_the_file_an_import_reads_is_named_by_the_registry():
    assert [
        output.read_format(p, None) for p in ["a.json", "B.JSONL", "c.ndjson", "d/e.xlsx", "f.md", "-", "g", ".json"]
    ] == [
        "json",
        "jsonl",
        "jsonl",
        "xlsx",
        "csv",  # not a file import reads: taken as CSV, as before
        "csv",
        "csv",
        "csv",
    ]
    assert output.read_format("a.json", "csv") == "csv"  # --format wins
