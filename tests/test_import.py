"""lbc import (and export as its other half): round trips of every table and format, formula
neutralising, masking, BOM and GBK, Chinese headers and labels, every kind of bad row, dry run, stdin."""

import csv
import io
import json
import math
import os
import resource
import signal
import struct
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import openpyxl
import pytest
from conftest import is_url, new_target, rows
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lbc_cli.cli import main

TABLES = ["children", "helpers", "pairs", "contacts", "exams", "exits"]  # the order an import must follow
DB_TABLE = {"pairs": "pairings"}
FORMATS = ["csv", "json", "jsonl", "xlsx"]

# Worked by hand (GB 11643): 11010520150304001? weighted sum 115, 115 % 11 = 5 -> check character '7'.
ID_NUMBER = "110105201503040017"
ID_NUMBER_BAD_CHECK = "110105201503040018"

REGISTRATION_HEADERS = [
    "序号", "姓名", "性别", "民族", "出生日期", "公民身份号码", "所在村", "村民组", "家庭住址", "就学情况",
    "就读学校", "年级", "班级", "是否寄宿", "健康状况", "父亲是否外出务工", "父亲务工地点", "父亲联系电话",
    "母亲是否外出务工", "母亲务工地点", "母亲联系电话", "监护人姓名", "与儿童关系", "监护人联系电话", "监护情况",
    "委托照护确认日期", "类别", "已获救助情况", "建档日期", "备注",
]  # fmt: skip


# ---- helpers ---------------------------------------------------------------------------------


def table_rows(path: Path, table: str) -> list[tuple]:
    """Every row of a table, every column, with each value's Python type, in id order."""
    name = DB_TABLE.get(table, table)
    return [tuple((type(v).__name__, v) for v in row) for row in rows(path, f"SELECT * FROM {name} ORDER BY id")]


def count(path: Path, table: str) -> int:
    return rows(path, f"SELECT count(*) FROM {DB_TABLE.get(table, table)}")[0][0]


def snapshot(path: Path) -> dict[str, int]:
    """Row counts of every data table and of the audit log."""
    return {t: count(path, t) for t in [*TABLES, "audit_log"]}


def csv_dicts(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text)))


def error_lines(err: str) -> list[str]:
    """The indented `FILE:ROW: column: problem` lines of a refused import."""
    return [line.strip() for line in err.splitlines() if line.startswith("  ")]


def xlsx_sheet(path: Path) -> list[list]:
    book = openpyxl.load_workbook(path)
    try:
        return [[c.value for c in row] for row in book.worksheets[0].iter_rows()]
    finally:
        book.close()


@pytest.fixture(scope="module")
def example_db(tmp_path_factory) -> Path:
    """The demo database, made once; tests only read it."""
    path = new_target(tmp_path_factory.mktemp("example") / "example.db", keep=True)
    assert main(["--db", str(path), "--lang", "en", "init", "--example"]) == 0
    return path


@pytest.fixture
def fresh(run, tmp_path):
    """A factory of fresh, initialised, empty databases."""
    made = iter(range(1000))

    def make() -> Path:
        path = new_target(tmp_path / f"fresh{next(made)}.db")
        result = run("init", db=path)
        assert result.code == 0, result.err
        return path

    return make


@pytest.fixture
def child(lbc):
    """One child with every sensitive number filled in; returns its id."""
    result = lbc(
        "enroll", "张小明", "--gender", "M", "--birth", "2015-03-04", "--id-number", ID_NUMBER,
        "--village", "李家村", "--group", "3组",
        "--address", "李家村3组8号", "--ethnicity", "汉族", "--school", "镇中心小学", "--grade", "5",
        "--class", "2班", "--schooling", "primary", "--boarding", "--health", "healthy",
        "--guardian", "张奶奶", "--guardian-relation", "grandparent", "--guardian-phone", "13812345678",
        "--guardian-rating", "good", "--care-agreement-on", "2026-09-01", "--consent-on", "2026-09-01",
        "--away", "father", "--father-work", "广东东莞", "--father-phone", "13900001111",
        "--mother-phone", "0731-84561234", "--flag", "hardship", "--flag", "独居", "--assistance", "dibao",
        "--note", "奶奶年迈", "--enrolled-on", "2026-09-01",
    )  # fmt: skip
    assert result.code == 0, result.err
    return int(result.out)


# ---- round trips -----------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_table_round_trips_exactly_through_every_format(run, example_db, fresh, tmp_path, fmt):
    target = fresh()
    for table in TABLES:
        path = tmp_path / f"{table}.{fmt}"
        result = run("export", table, "--reveal", "--slugs", "--format", fmt, "--out", str(path), db=example_db)
        assert result.code == 0, result.err
    for table in TABLES:
        result = run("import", table, str(tmp_path / f"{table}.{fmt}"), db=target)
        assert result.code == 0, f"{table}: {result.err}"
    expected_counts = {"children": 40, "helpers": 12, "pairs": 64}
    for table in TABLES:
        source, copy = table_rows(example_db, table), table_rows(target, table)
        assert len(copy) == len(source) and len(copy) >= expected_counts.get(table, 1)
        for before, after in zip(source, copy, strict=True):
            assert after == before, table
    # one audit entry per imported file
    assert count(target, "audit_log") == len(TABLES)
    # and exported again, byte for byte the same (the exits and the helpers' inactive_on among them)
    for table in TABLES:
        again = tmp_path / f"again-{table}.{fmt}"
        result = run("export", table, "--reveal", "--slugs", "--format", fmt, "--out", str(again), db=target)
        assert result.code == 0, result.err
        if fmt == "xlsx":  # a workbook's zip carries the time it was written: its cells, then
            first, second = (openpyxl.load_workbook(p).active for p in (tmp_path / f"{table}.{fmt}", again))
            assert list(second.iter_rows(values_only=True)) == list(first.iter_rows(values_only=True)), table
        else:
            assert again.read_bytes() == (tmp_path / f"{table}.{fmt}").read_bytes(), table
    assert count(target, "exits") == 2 and rows(target, "SELECT inactive_on FROM helpers WHERE id = 12")[0][0] in (
        "2026-10-31",
        date(2026, 10, 31),
    )


def test_ids_continue_after_an_import_that_kept_them(run, example_db, fresh, tmp_path):
    target = fresh()
    path = tmp_path / "children.csv"
    assert run("export", "children", "--reveal", "--out", str(path), db=example_db).code == 0
    assert run("import", "children", str(path), db=target).code == 0
    result = run("enroll", "新来的", "--gender", "F", "--birth", "2018-01-01", "--enrolled-on", "2026-09-01", db=target)
    assert result.code == 0, result.err
    assert int(result.out) == 41  # the example's children are ids 1..40


def test_export_piped_into_import_on_stdin(run, example_db, fresh, monkeypatch):
    exported = run("export", "children", "--reveal", db=example_db)
    assert exported.code == 0
    target = fresh()
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(exported.out.encode("utf-8")), encoding="utf-8"))
    result = run("import", "children", "-", db=target)
    assert result.code == 0, result.err
    assert table_rows(target, "children") == table_rows(example_db, "children")


def test_stdin_takes_json_with_format(lbc, db, monkeypatch):
    data = json.dumps([{"name": "刘一", "gender": "女", "birth_date": "2016-02-03", "enrolled_on": "2026-09-01"}])
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data.encode("utf-8")), encoding="utf-8"))
    result = lbc("import", "children", "-", "--format", "json")
    assert result.code == 0, result.err
    assert rows(db, "SELECT name, gender, birth_date FROM children") == [("刘一", "F", "2016-02-03")]


def test_bad_rows_on_stdin_are_reported_as_stdin(lbc, db, monkeypatch):
    data = "name,gender,birth_date\n刘一,F,2016-02-03\n刘二,Q,2016-02-03\n"
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data.encode("utf-8")), encoding="utf-8"))
    result = lbc("import", "children", "-")
    assert result.code == 1
    [line] = error_lines(result.err)
    assert line.startswith("<stdin>:3: gender: 'Q' is not one of")
    assert count(db, "children") == 0


# Text a spreadsheet could take for a formula, quotes, commas, tabs, line breaks and any Unicode besides
# the control characters validate.parse_text refuses (and surrogates, which no file can hold).
# (and the characters that are not seen but change what is: C1 controls but NEL, zero widths, direction marks)
_REFUSED = (
    "".join(
        chr(c)
        for c in [*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F, *range(0x80, 0x85), *range(0x86, 0xA0)]
    )
    + "\u200b\u200c\u200e\u200f\u202a\u202b\u202c\u202d\u202e"
    + "\u2060\u2061\u2062\u2063\u2064\u2065\u2066\u2067\u2068\u2069\ufeff"
)
_LONG_CHARS = st.characters(blacklist_categories=("Cs",), blacklist_characters=_REFUSED)
# a one-line field: no line break of any kind, nor an emoji's joiner
_SHORT_CHARS = st.characters(blacklist_categories=("Cs",), blacklist_characters=_REFUSED + "\n\r\x85\u2028\u2029\u200d")
_PREFIXES = st.sampled_from(["", "=", "+", "-", "@", "'", "''", "'=", "'+", "\t=", '"', ",", "=HYPERLINK(", "-1"])


def _text(chars, max_size):
    body = st.text(chars, max_size=max_size) | st.text(st.sampled_from(list("\"',\t;=+-@ 甲乙\u3000é")), max_size=6)
    return st.builds(lambda prefix, text: prefix + text, _PREFIXES, body)


_NAME_CHARS = (
    "张王李赵陈刘杨黄吴周徐孙马朱胡郭何林高罗郑梁谢宋唐许韩冯邓曹彭曾肖田董潘袁蔡蒋余于杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金"
    "石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤明伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛超平刚桂"
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyzéü·"
)
_NAME = st.text(st.sampled_from(list(_NAME_CHARS)), min_size=1, max_size=6)
_CHILD = st.fixed_dictionaries(
    {
        "name": _NAME,
        "gender": st.sampled_from(["F", "M", "女", "男"]),
        "birth_date": st.dates(min_value=date(2010, 1, 1), max_value=date(2020, 12, 31)).map(str),
        "hobbies": _text(_SHORT_CHARS, 30),
        "address": _text(_SHORT_CHARS, 30),
        "family_notes": _text(_LONG_CHARS, 60),
        "village": _text(_SHORT_CHARS, 8),
    }
)  # fmt: skip


@settings(max_examples=25, deadline=None, database=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(children=st.lists(_CHILD, min_size=1, max_size=4, unique_by=lambda c: (c["name"], c["birth_date"])))
def test_generated_children_round_trip_exactly_through_csv(run, children):
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        first, second = new_target(tmp / "first.db"), new_target(tmp / "second.db")
        assert run("init", db=first).code == 0 and run("init", db=second).code == 0
        source = tmp / "children.json"
        records = [{**c, "enrolled_on": "2024-09-01", "consent_on": "2024-09-01"} for c in children]
        source.write_text(json.dumps(records, ensure_ascii=False), encoding="utf-8")
        loaded = run("import", "children", str(source), db=first)
        assert loaded.code == 0, loaded.err
        assert count(first, "children") == len(children)
        exported = tmp / "children.csv"
        assert run("export", "children", "--reveal", "--out", str(exported), db=first).code == 0
        result = run("import", "children", str(exported), db=second)
        assert result.code == 0, result.err
        assert table_rows(second, "children") == table_rows(first, "children")
        # text that needs no neutralising (no quote before a trigger) went in exactly as written, trimmed
        stored = rows(first, "SELECT name, hobbies, address, family_notes FROM children ORDER BY id")
        for record, (name, hobbies, address, notes) in zip(children, stored, strict=True):
            assert name == record["name"]
            for given_text, kept in ((record["hobbies"], hobbies), (record["address"], address),
                                     (record["family_notes"], notes)):  # fmt: skip
                if not given_text.strip().startswith("'"):
                    assert kept == (given_text.strip() or None)


# ---- formulas ----------------------------------------------------------------------------------


@pytest.fixture
def formula_child(lbc):
    result = lbc("enroll", "公式", "--gender", "F", "--birth", "2016-06-01", "--hobbies", "=1+1",
                 "--address", "@home", "--note", "-2+3", "--enrolled-on", "2026-09-01")  # fmt: skip
    assert result.code == 0, result.err
    return int(result.out)


def test_formula_text_is_neutralised_in_csv_only(lbc, formula_child, tmp_path):
    [row] = csv_dicts(lbc("export", "children").out)
    assert (row["hobbies"], row["address"], row["family_notes"]) == ("'=1+1", "'@home", "'-2+3")
    [obj] = json.loads(lbc("export", "children", "--format", "json").out)
    assert (obj["hobbies"], obj["address"], obj["family_notes"]) == ("=1+1", "@home", "-2+3")
    [line] = lbc("export", "children", "--format", "jsonl").out.splitlines()
    assert json.loads(line)["hobbies"] == "=1+1"
    path = tmp_path / "c.xlsx"
    assert lbc("export", "children", "--format", "xlsx", "--slugs", "--out", str(path)).code == 0
    book = openpyxl.load_workbook(path)
    sheet = book.worksheets[0]
    header = [c.value for c in sheet[1]]
    cell = sheet.cell(row=2, column=header.index("hobbies") + 1)
    assert cell.value == "=1+1" and cell.data_type == "s"
    assert sheet.cell(row=2, column=header.index("family_notes") + 1).data_type == "s"
    book.close()


@pytest.mark.parametrize("fmt", FORMATS)
def test_formula_text_imports_back_unchanged(lbc, formula_child, fresh, run, tmp_path, fmt):
    path = tmp_path / f"c.{fmt}"
    assert lbc("export", "children", "--format", fmt, "--slugs", "--out", str(path)).code == 0
    target = fresh()
    result = run("import", "children", str(path), db=target)
    assert result.code == 0, result.err
    assert rows(target, "SELECT hobbies, address, family_notes FROM children") == [("=1+1", "@home", "-2+3")]


def test_quoted_formula_text_round_trips_through_csv(lbc, fresh, run, tmp_path):
    assert lbc("enroll", "引号", "--gender", "M", "--birth", "2016-06-01", "--hobbies", "'=A1",
               "--note", "''+x", "--enrolled-on", "2026-09-01").code == 0  # fmt: skip
    [row] = csv_dicts(lbc("export", "children").out)
    assert (row["hobbies"], row["family_notes"]) == ("''=A1", "'''+x")
    path = tmp_path / "c.csv"
    assert lbc("export", "children", "--out", str(path)).code == 0
    target = fresh()
    assert run("import", "children", str(path), db=target).code == 0
    assert rows(target, "SELECT hobbies, family_notes FROM children") == [("'=A1", "''+x")]


@pytest.mark.parametrize("fmt", ["json", "jsonl", "xlsx"])
def test_quoted_formula_text_round_trips_through_json_and_xlsx(lbc, fresh, run, tmp_path, fmt):
    assert lbc("enroll", "引号", "--gender", "M", "--birth", "2016-06-01", "--hobbies", "'=A1",
               "--enrolled-on", "2026-09-01").code == 0  # fmt: skip
    path = tmp_path / f"c.{fmt}"
    assert lbc("export", "children", "--format", fmt, "--slugs", "--out", str(path)).code == 0
    target = fresh()
    assert run("import", "children", str(path), db=target).code == 0
    assert rows(target, "SELECT hobbies FROM children") == [("'=A1",)]


def test_jsonl_round_trips_text_with_unicode_line_separators(lbc, fresh, run, tmp_path):
    assert lbc("enroll", "分隔", "--gender", "F", "--birth", "2016-06-01", "--note", "第一段\u2028第二段",
               "--hobbies", "画画", "--enrolled-on", "2026-09-01").code == 0  # fmt: skip
    assert lbc("child", "update", "分隔", "--note", "第一段\u2028第二段\u0085第三段").code == 0
    path = tmp_path / "c.jsonl"
    assert lbc("export", "children", "--format", "jsonl", "--reveal", "--out", str(path)).code == 0
    target = fresh()
    result = run("import", "children", str(path), db=target)
    assert result.code == 0, result.err
    assert rows(target, "SELECT family_notes, hobbies FROM children") == [("第一段\u2028第二段\u0085第三段", "画画")]


# ---- masking -----------------------------------------------------------------------------------

MASKED = {
    "id_number": "110***********0017",
    "guardian_phone": "138****5678",
    "father_phone": "139****1111",
    "mother_phone": "073******1234",
}
REVEALED = {
    "id_number": ID_NUMBER,
    "guardian_phone": "13812345678",
    "father_phone": "13900001111",
    "mother_phone": "0731-84561234",
}


def _exported(lbc, tmp_path, table: str, fmt: str, *extra: str) -> list[dict]:
    """One table exported in one format, read back as a list of {column: text}."""
    if fmt == "xlsx":
        path = tmp_path / f"{table}.xlsx"
        assert lbc("export", table, "--format", "xlsx", "--slugs", "--out", str(path), *extra).code == 0
        header, *body = xlsx_sheet(path)
        return [{h: ("" if v is None else str(v)) for h, v in zip(header, values, strict=True)} for values in body]
    result = lbc("export", table, "--format", fmt, *extra)
    assert result.code == 0, result.err
    if fmt == "csv":
        return csv_dicts(result.out)
    items = json.loads(result.out) if fmt == "json" else [json.loads(x) for x in result.out.splitlines()]
    return [{k: ("" if v is None else str(v)) for k, v in item.items()} for item in items]


@pytest.mark.parametrize("fmt", FORMATS)
def test_numbers_are_masked_in_every_format_unless_revealed(lbc, child, tmp_path, fmt):
    assert lbc("helper", "add", "周老师", "--role", "class-teacher", "--phone", "13698765432").code == 0
    [masked] = _exported(lbc, tmp_path, "children", fmt)
    assert {k: masked[k] for k in MASKED} == MASKED
    [shown] = _exported(lbc, tmp_path, "children", fmt, "--reveal")
    assert {k: shown[k] for k in REVEALED} == REVEALED
    assert _exported(lbc, tmp_path, "helpers", fmt)[0]["phone"] == "136****5432"
    assert _exported(lbc, tmp_path, "helpers", fmt, "--reveal")[0]["phone"] == "13698765432"


def test_a_masked_export_does_not_import_as_data(lbc, child, fresh, run, tmp_path):
    path = tmp_path / "masked.csv"
    assert lbc("export", "children", "--out", str(path)).code == 0
    target = fresh()
    result = run("import", "children", str(path), db=target)
    assert result.code == 1
    [line] = error_lines(result.err)  # said once for the file, not once a cell (SPEC section 11)
    assert line.startswith(f"{path}: id_number, guardian_phone, father_phone, mother_phone: the numbers are masked")
    assert "lbc export children --reveal --out full.csv" in line
    assert count(target, "children") == 0


# ---- encodings ---------------------------------------------------------------------------------


def test_bom_csv_starts_with_a_bom_and_imports_back(lbc, db, child, fresh, run, tmp_path):
    out = lbc("export", "children", "--bom", "--reveal")
    assert out.code == 0 and out.out.startswith("\ufeffid,uid,name,")
    path = tmp_path / "bom.csv"
    assert lbc("export", "children", "--bom", "--reveal", "--out", str(path)).code == 0
    assert path.read_bytes().startswith(b"\xef\xbb\xbfid,uid,")
    for encoding in (None, "utf-8", "utf-8-sig"):
        target = fresh()
        args = ["import", "children", str(path)] + (["--encoding", encoding] if encoding else [])
        result = run(*args, db=target)
        assert result.code == 0, (encoding, result.err)
        assert table_rows(target, "children") == table_rows(db, "children")


GBK_CSV = (
    "姓名,性别,出生日期,所在村,就学情况,类别,监护人,与儿童关系,监护人电话,建档日期\r\n"
    "王小红,女,2016年3月5日,李家村,小学,困难留守儿童、独居,王奶奶,祖父母,13812345678,2026-09-01\r\n"
    "赵小刚,男,2014/11/20,赵庄村,初中,,赵爷爷,外祖父母,,2026/09/02\r\n"
)
GBK_EXPECTED = [
    ("王小红", "F", "2016-03-05", "李家村", "primary", "hardship;lives-alone", "王奶奶", "grandparent", "13812345678",
     "2026-09-01"),
    ("赵小刚", "M", "2014-11-20", "赵庄村", "junior", "", "赵爷爷", "maternal-grandparent", None, "2026-09-02"),
]  # fmt: skip
GBK_SQL = (
    "SELECT name, gender, birth_date, village, schooling, flags, guardian_name, guardian_relation, guardian_phone, "
    "enrolled_on FROM children ORDER BY id"
)


def test_gbk_csv_with_chinese_headers_and_labels(lbc, db, tmp_path):
    path = tmp_path / "花名册.csv"
    path.write_bytes(GBK_CSV.encode("gbk"))
    refused = lbc("import", "children", str(path))
    assert refused.code == 1
    assert "gbk" in refused.err and "Traceback" not in refused.err
    assert count(db, "children") == 0 and count(db, "audit_log") == 0
    result = lbc("import", "children", str(path), "--encoding", "gbk")
    assert result.code == 0, result.err
    assert rows(db, GBK_SQL) == GBK_EXPECTED


def test_chinese_headers_and_labels_in_utf8_xlsx(lbc, db, tmp_path):
    path = tmp_path / "花名册.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    for line in GBK_CSV.splitlines():
        sheet.append(line.split(","))
    book.save(path)
    result = lbc("import", "children", str(path))
    assert result.code == 0, result.err
    assert rows(db, GBK_SQL) == GBK_EXPECTED


# ---- bad rows ----------------------------------------------------------------------------------


def test_every_bad_row_is_reported_and_nothing_written(lbc, db, tmp_path):
    assert lbc("enroll", "王一", "--gender", "M", "--birth", "2016-05-05", "--enrolled-on", "2026-09-01").code == 0
    before = snapshot(db)
    path = tmp_path / "bad.csv"
    lines = [
        "id,name,gender,birth_date,schooling,guardian_phone,id_number,family_notes,enrolled_on",
        ",李一,F,2015-03-04,primary,13812345678,,,2026-09-01",  # 2: good
        ",李二,F,2015-02-30,,,,,2026-09-01",  # 3: no such date
        ',李三,M,2099-01-01,,,,"two\nlines",2026-09-01',  # 4: a birth in the future; one row over two lines
        ",李四,M,2015-01-01,university,,,,2026-09-01",  # 5: unknown slug
        ",李五,M,2015-01-01,,12345,,,2026-09-01",  # 6: not a phone
        f",李六,M,2015-03-04,,,{ID_NUMBER_BAD_CHECK},,2026-09-01",  # 7: wrong check digit
        ",李七,F,2014-06-06,小学,,,,2026-09-01",  # 8: good
        ",李七,F,2014-06-06,,,,,2026-09-01",  # 9: same name and birth as row 8
        "1,李八,F,2014-06-07,,,,,2026-09-01",  # 10: id 1 is 王一's
        ",王一,M,2016-05-05,,,,,2026-09-01",  # 11: same name and birth as child 1
        ",李九,F,2016-01-01,,,,,2026-13-01",  # 12: no such month
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = lbc("import", "children", str(path))
    assert result.code == 1
    assert f"{path} has 9 problems; nothing was imported" in result.err
    got = error_lines(result.err)
    expected_starts = [
        f"{path}:3: birth_date: '2015-02-30' is not a date",
        f"{path}:4: birth_date: 2099-01-01 is after today",
        f"{path}:5: schooling: 'university' is not one of",
        f"{path}:6: guardian_phone: '*****' is not a phone number",
        f"{path}:7: id_number: '110***********0018' is not a valid id number (check digit should be 7)",
        f"{path}:9: name: duplicates row 8",
        f"{path}:10: id: id 1 is taken",
        f"{path}:11: name: duplicates child 1",
        f"{path}:12: enrolled_on: '2026-13-01' is not a date",
    ]
    assert len(got) == 9, got
    for line, start in zip(got, expected_starts, strict=True):
        assert line.startswith(start), (line, start)
    assert snapshot(db) == before


@pytest.fixture
def small_db(lbc, db):
    """One child (id 1) and one helper (id 1)."""
    assert lbc("enroll", "王一", "--gender", "M", "--birth", "2016-05-05", "--enrolled-on", "2026-09-01").code == 0
    assert lbc("helper", "add", "李老师", "--role", "班主任").code == 0
    return db


@pytest.mark.parametrize(
    ("table", "text", "expected"),
    [
        (
            "contacts",
            "child_id,helper_id,kind,date,with_whom\n1,1,家访,2026-10-01,guardian\n77,1,video-call,2026-10-02,parent\n",
            ":3: child_id: no child with id 77",
        ),
        (
            "pairs",
            "child_id,helper_id,start_date\n1,1,2026-09-01\n1,99,2026-09-01\n",
            ":3: helper_id: no helper with id 99",
        ),
        (
            "exams",
            "child_id,school_year,term,class_rank,class_size\n1,2025,1,3,40\n5,2025,1,3,40\n",
            ":3: child_id: no child with id 5",
        ),
        (
            "contacts",
            "child_id,kind,date\n1,home-visit,2026-10-01\n1,phone-call,2099-10-01\n",
            ":3: date: 2099-10-01 is after today",
        ),
        (
            "helpers",
            "name,role,phone\n张三,volunteer,\n李四,astronaut,\n",
            ":3: role: 'astronaut' is not one of",
        ),
    ],
)
def test_foreign_keys_and_rules_of_other_tables(lbc, small_db, tmp_path, table, text, expected):
    before = snapshot(small_db)
    path = tmp_path / f"{table}.csv"
    path.write_text(text, encoding="utf-8")
    result = lbc("import", table, str(path))
    assert result.code == 1
    [line] = error_lines(result.err)
    assert line.startswith(f"{path}{expected}"), line
    assert snapshot(small_db) == before


HEADER_HELP = "(use the headers lbc export children writes, or their labels in Chinese or English)"


def test_a_csv_header_naming_a_column_the_table_lacks_is_refused_as_one_error(lbc, db, tmp_path):
    """Before, every row was refused for it (`FILE:ROW: nickname: unknown column`, row by row), and a file of the header
    alone imported nothing with exit 0."""
    path = tmp_path / "extra.csv"
    path.write_text("name,gender,birth_date,nickname\n甲,F,2016-01-01,小甲\n乙,M,2016-01-02,\n", encoding="utf-8")
    result = lbc("import", "children", str(path))
    said = f"{path}:1: column 4 of the header, 'nickname', is not a column of the children table {HEADER_HELP}"
    assert (result.code, result.err) == (1, f"lbc: error: {said}\n")
    zh = lbc("--lang", "zh", "import", "children", str(path))
    said = f"{path}:1: 表头第 4 列“nickname”不是儿童表的列（列名请用 lbc export children 导出的表头或其中文、英文名称）"
    assert (zh.code, zh.err) == (1, f"lbc: 错误：{said}\n")

    path.write_text("name,gender,birth_date,nickname\n", encoding="utf-8")
    result = lbc("import", "children", str(path))
    said = f"{path}:1: column 4 of the header, 'nickname', is not a column of the children table {HEADER_HELP}\n"
    assert (result.code, result.err.split(": ", 2)[2]) == (1, said)
    assert snapshot(db) == {**dict.fromkeys(TABLES, 0), "audit_log": 0}


TWICE_ZH = "表头第 1 列和第 4 列都是“name”"


@pytest.mark.parametrize(
    ("header", "said", "zh"),
    [
        ("name,gender,birth_date,name", "columns 1 and 4 of the header both name 'name'", TWICE_ZH),
        ("name,gender,birth_date,姓名", "column 1 'name' and column 4 '姓名' of the header both mean name: delete or"
         " rename one", "表头第 1 列“name”和第 4 列“姓名”都是指 姓名/name：请删除或改名其中一列"),
        ("name,gender,,birth_date", "column 3 of the header is empty: name it, or delete the column",
         "表头第 3 列没有列名：请填上列名，或删除这一列"),
    ],
    ids=["twice", "twice-by-label", "empty"],
)  # fmt: skip
def test_a_csv_header_naming_a_column_twice_or_not_at_all_is_refused(lbc, db, tmp_path, header, said, zh):
    """A column named twice: before, the second one's cells were taken and the first one's silently lost."""
    path = tmp_path / "twice.csv"
    path.write_text(f"{header}\n甲,F,2016-01-01,乙\n", encoding="utf-8")
    result = lbc("import", "children", str(path))
    assert (result.code, result.err) == (1, f"lbc: error: {path}:1: {said}\n")
    result = lbc("--lang", "zh", "import", "children", str(path))
    assert (result.code, result.err) == (1, f"lbc: 错误：{path}:1: {zh}\n")
    assert count(db, "children") == 0


def test_an_unknown_key_in_one_json_object_is_that_rows_problem(lbc, db, tmp_path):
    path = tmp_path / "c.json"
    items = [
        {"name": "甲", "gender": "F", "birth_date": "2016-01-01"},
        {"name": "乙", "gender": "M", "birth_date": "2016-01-02", "nickname": "小乙"},
    ]
    path.write_text(json.dumps(items, ensure_ascii=False), encoding="utf-8")
    result = lbc("import", "children", str(path))
    assert result.code == 1
    assert error_lines(result.err) == [f"{path}:2: nickname: unknown column"]
    assert count(db, "children") == 0


def test_a_row_with_the_wrong_number_of_cells_refuses_the_file(lbc, db, tmp_path):
    path = tmp_path / "cells.csv"
    path.write_text("name,gender,birth_date\n甲,F,2016-01-01\n乙,M\n", encoding="utf-8")
    result = lbc("import", "children", str(path))
    assert result.code == 1
    assert f"{path}:3: -: 2 cells where the header has 3" in result.err
    assert count(db, "children") == 0 and count(db, "audit_log") == 0


def test_a_wrong_cell_count_is_reported_with_the_other_bad_rows(lbc, db, tmp_path):
    path = tmp_path / "cells.csv"
    path.write_text("name,gender,birth_date\n甲,Q,2016-01-01\n乙,M\n丙,F,2016-02-30\n", encoding="utf-8")
    result = lbc("import", "children", str(path))
    assert result.code == 1
    got = error_lines(result.err)
    assert [line.split(": ")[0] for line in got] == [f"{path}:2", f"{path}:3", f"{path}:4"]
    assert count(db, "children") == 0


@pytest.mark.parametrize(
    ("text", "row"),
    [
        ("child_id,school_year,term,class_rank\n1,2025,2,4\n1,2025,1,5\n", 3),  # term 1 of 2025 is in the database
        ("child_id,school_year,term,class_rank\n1,2024,2,4\n1,2024,2,5\n", 3),  # row 3 repeats row 2's term
    ],
    ids=["in-database", "in-file"],
)
def test_a_duplicate_exam_term_is_a_bad_row(lbc, small_db, tmp_path, text, row):
    assert lbc("exam", "add", "1", "--year", "2025", "--term", "1", "--rank", "3").code == 0
    before = snapshot(small_db)
    path = tmp_path / "exams.csv"
    path.write_text(text, encoding="utf-8")
    result = lbc("import", "exams", str(path))
    assert result.code == 1
    assert "internal error" not in result.err
    assert [line.split(": ")[0] for line in error_lines(result.err)] == [f"{path}:{row}"]
    assert snapshot(small_db) == before


def test_an_overlapping_pairing_is_a_bad_row_as_for_lbc_pair(lbc, small_db, tmp_path):
    assert lbc("pair", "1", "1", "--since", "2026-09-01").code == 0
    assert lbc("pair", "1", "1", "--since", "2026-10-01").code == 1  # the rule import should share
    before = snapshot(small_db)
    path = tmp_path / "pairs.csv"
    path.write_text("child_id,helper_id,start_date\n1,1,2026-10-01\n", encoding="utf-8")
    result = lbc("import", "pairs", str(path))
    assert result.code == 1
    assert [line.split(": ")[0] for line in error_lines(result.err)] == [f"{path}:2"]
    assert snapshot(small_db) == before


def test_more_than_fifty_bad_rows_are_capped_with_a_count(lbc, db, tmp_path):
    path = tmp_path / "many.csv"
    good = [f"好{i},F,2016-01-{i + 1:02d}" for i in range(5)]  # rows 2..6
    bad = [f"坏{i},X,2016-01-01" for i in range(60)]  # rows 7..66
    path.write_text("name,gender,birth_date\n" + "\n".join(good + bad) + "\n", encoding="utf-8")
    result = lbc("import", "children", str(path))
    assert result.code == 1
    assert f"{path} has 60 problems" in result.err
    got = error_lines(result.err)
    assert len(got) == 51
    assert [line.split(": ")[0] for line in got[:50]] == [f"{path}:{n}" for n in range(7, 57)]
    assert all(": gender: 'X' is not one of" in line for line in got[:50])
    assert got[50] == "... and 10 more"
    assert count(db, "children") == 0


def test_xlsx_bad_rows_use_the_sheets_row_numbers(lbc, db, tmp_path):
    path = tmp_path / "bad.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["name", "gender", "birth_date"])
    sheet.append(["甲", "F", "2016-01-01"])
    sheet.append([None, None, None])  # an empty row 3 is skipped but still counted
    sheet.append(["乙", "M", "2016-02-30"])
    book.save(path)
    result = lbc("import", "children", str(path))
    assert result.code == 1
    [line] = error_lines(result.err)
    assert line.startswith(f"{path}:4: birth_date: '2016-02-30' is not a date")
    assert count(db, "children") == 0


def test_a_file_that_is_no_workbook_is_one_line_exit_1(lbc, db, tmp_path):
    path = tmp_path / "名单.xlsx"
    path.write_bytes(bytes(range(256)) * 8)
    result = lbc("import", "children", str(path))
    assert result.code == 1
    assert result.err.strip().splitlines() == [f"lbc: error: {path} is not an Excel workbook (.xlsx)"]
    assert count(db, "children") == 0


OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the first bytes of an Excel 97-2003 workbook (.xls), or of WPS's .et
OLD_EXCEL = (
    "looks like an old Excel workbook (.xls, or WPS .et) or a workbook with a password, which an import cannot read: "
    "open it in Excel or WPS (remove the password), save it as .xlsx (Save As) and import that"
)


@pytest.mark.parametrize(
    ("name", "args"),
    [
        ("名单.xls", ()),
        ("名单.xls", ("--encoding", "gbk")),
        ("名单.et", ()),
        ("名单.xlsx", ()),
        ("名单.xls", ("-f", "json")),
    ],
    ids=["xls", "xls-gbk", "et", "named-xlsx", "xls-as-json"],
)
def test_an_old_excel_workbook_is_named_as_such_whatever_it_is_read_as(lbc, db, tmp_path, name, args):
    """Before, read as CSV: "the file is not UTF-8 (byte 0) ... try --encoding gbk"; with it, "not GBK". (Excel keeps a
    workbook with a password in the same kind of file.)"""
    path = tmp_path / name
    path.write_bytes(OLE2 + bytes(range(256)) * 8)
    result = lbc("import", "children", str(path), *args)
    assert (result.code, result.out, result.err) == (1, "", f"lbc: error: {path} {OLD_EXCEL}\n")
    zh = lbc("--lang", "zh", "import", "children", str(path), *args)
    said = "看起来是旧版 Excel 工作簿（.xls，或 WPS 的 .et）或设了密码的工作簿，导入读不了："
    said += "请在 Excel 或 WPS 中打开（有密码的先取消密码），另存为 .xlsx，再导入另存的文件"
    assert (zh.code, zh.err) == (1, f"lbc: 错误：{path} {said}\n")
    assert count(db, "children") == 0


@pytest.mark.parametrize(
    ("name", "args", "kind"),
    [
        ("名单.csv", (), "CSV"),
        ("名单.et", (), "CSV"),
        ("名单.json", (), "JSON"),
        ("名单", ("-f", "jsonl"), "JSON lines"),
    ],
    ids=["csv", "et", "json", "jsonl"],
)
def test_a_workbook_read_as_text_is_named_as_a_workbook(lbc, db, tmp_path, name, args, kind):
    """An xlsx named .csv or .et, or read with --format json: before, "the file is not UTF-8 (byte 2)"."""
    path = write_zip(tmp_path / name, roster_workbook())
    result = lbc("import", "children", str(path), *args)
    said = f"looks like an Excel workbook (.xlsx), not a {kind} file: rename it to end in .xlsx, or add --format xlsx"
    assert (result.code, result.out, result.err) == (1, "", f"lbc: error: {path} {said}\n")
    zh = lbc("--lang", "zh", "import", "children", str(path), *args)
    said = f"看起来是 Excel 工作簿（.xlsx），不是 {kind} 文件：请把文件名改成以 .xlsx 结尾，或加 --format xlsx"
    assert (zh.code, zh.err) == (1, f"lbc: 错误：{path} {said}\n")
    result = lbc("import", "children", str(path), "--format", "xlsx", "--dry-run")
    assert (result.code, result.err) == (0, "all 2 rows are good (--dry-run: nothing written)\n")


def test_an_old_excel_workbook_or_an_xlsx_on_stdin_is_named_as_such(lbc, db, tmp_path, monkeypatch):
    for data, said in [(OLE2 + bytes(504), OLD_EXCEL), (b"PK\x03\x04" + bytes(100), "looks like an Excel workbook "
                       "(.xlsx), not a CSV file: rename it to end in .xlsx, or add --format xlsx")]:  # fmt: skip
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))
        result = lbc("import", "children", "-")
        assert (result.code, result.err) == (1, f"lbc: error: <stdin> {said}\n")


def test_an_id_past_the_largest_a_server_holds_is_refused_by_its_row_in_one_problem(lbc, db, tmp_path):
    """2147483647 (2**31 - 1) fits a PostgreSQL INTEGER; one more does not, on a file either."""
    path = tmp_path / "big.csv"
    header = "id,name,gender,birth_date,village,enrolled_on,consent_on\n"
    largest = "2147483647,赵大,M,2015-01-01,李家村,2024-01-01,2024-01-01\n"
    path.write_text(header + largest + "2147483648,赵二,M,2015-01-02,李家村,2024-01-01,2024-01-01\n", encoding="utf-8")
    result = lbc("import", "children", str(path))
    assert result.code == 1
    assert result.err.splitlines() == [
        f"lbc: error: {path} has 1 problem; nothing was imported:",
        f"  {path}:3: id: must be at most 2147483647",
    ]
    assert rows(db, "SELECT count(*) FROM children") == [(0,)]
    path.write_text(header + largest, encoding="utf-8")
    assert lbc("import", "children", str(path)).code == 0
    assert rows(db, "SELECT id, name FROM children") == [(2147483647, "赵大")]
    # the next id: past a server's INTEGER (one line, nothing written); a file's ids go on
    enroll = lbc("enroll", "钱五", "--gender", "M", "--birth", "2015-01-01", "--consent-on", "2024-01-01")
    if is_url(db):
        assert (enroll.code, enroll.err) == (
            1,
            "lbc: error: a number is past what the database holds (the largest id is 2147483647)\n",
        )
        assert rows(db, "SELECT count(*) FROM children") == [(1,)]
    else:
        assert (enroll.code, enroll.out) == (0, "2147483648\n")
        assert "钱五" in lbc("child", "show", "2147483648").out


def test_invalid_json_names_its_line(lbc, db, tmp_path):
    path = tmp_path / "c.json"
    path.write_text(
        '[\n  {"name": "甲", "gender": "F", "birth_date": "2016-01-01"},\n  {"name" "乙"}\n]\n', encoding="utf-8"
    )
    result = lbc("import", "children", str(path))
    assert result.code == 1
    assert result.err.strip().splitlines() == [
        f"lbc: error: {path}:3: not valid JSON: line 3, column 11: not valid here (a quote, comma or bracket missing"
        " or extra?)"
    ]
    assert count(db, "children") == 0


def test_invalid_jsonl_names_its_line(lbc, db, tmp_path):
    path = tmp_path / "c.jsonl"
    path.write_text('{"name": "甲", "gender": "F", "birth_date": "2016-01-01"}\n{"name": \n', encoding="utf-8")
    result = lbc("import", "children", str(path))
    assert result.code == 1
    assert result.err.startswith(f"lbc: error: {path}:2: not valid JSON")
    assert count(db, "children") == 0


# ---- dry run -------------------------------------------------------------------------------------


def test_dry_run_checks_a_good_file_and_writes_nothing(lbc, db, tmp_path):
    path = tmp_path / "good.csv"
    path.write_text(
        "name,gender,birth_date,enrolled_on\n甲,F,2016-01-01,2026-09-01\n乙,男,2015-05-05,2026-09-01\n",
        encoding="utf-8",
    )
    before = snapshot(db)
    result = lbc("import", "children", str(path), "--dry-run")
    assert result.code == 0, result.err
    assert "all 2 rows are good" in result.err
    assert snapshot(db) == before
    assert lbc("import", "children", str(path)).code == 0
    assert rows(db, "SELECT name, gender FROM children ORDER BY id") == [("甲", "F"), ("乙", "M")]


def test_dry_run_still_reports_bad_rows(lbc, db, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("name,gender,birth_date\n甲,F,2016-01-01\n乙,M,someday\n", encoding="utf-8")
    result = lbc("import", "children", str(path), "--dry-run")
    assert result.code == 1
    [line] = error_lines(result.err)
    assert line.startswith(f"{path}:3: birth_date: 'someday' is not a date")


# ---- export filters and layouts ----------------------------------------------------------------


def test_children_filters_village_and_status(lbc, db):
    for name, village in (("甲", "李家村"), ("乙", "王庄村"), ("丙", "李家村")):
        result = lbc("enroll", name, "--gender", "F", "--birth", "2016-01-01", "--village", village,
                     "--enrolled-on", "2026-09-01")  # fmt: skip
        assert result.code == 0, result.err
    assert lbc("child", "exit", "丙", "--reason", "moved", "--date", "2026-10-01").code == 0
    village = csv_dicts(lbc("export", "children", "--village", "李家村").out)
    assert [r["name"] for r in village] == ["甲", "丙"]
    exited = csv_dicts(lbc("export", "children", "--status", "exited").out)
    assert [(r["name"], r["exit_reason"], r["exit_date"]) for r in exited] == [("丙", "moved", "2026-10-01")]
    both = csv_dicts(lbc("export", "children", "--village", "李家村", "--status", "active").out)
    assert [r["name"] for r in both] == ["甲"]
    assert lbc("export", "children", "--status", "已退出").out == lbc("export", "children", "--status", "exited").out


def test_contacts_from_to_bounds_are_inclusive(lbc, db):
    assert lbc("enroll", "甲", "--gender", "F", "--birth", "2016-01-01", "--enrolled-on", "2026-09-01").code == 0
    for day in ("2026-09-30", "2026-10-01", "2026-10-15", "2026-10-31", "2026-11-01"):
        result = lbc("log-contact", "甲", "--kind", "phone-call", "--date", day, "--note", day)
        assert result.code == 0, result.err
    got = csv_dicts(lbc("export", "contacts", "--from", "2026-10-01", "--to", "2026-10-31").out)
    assert [r["date"] for r in got] == ["2026-10-01", "2026-10-15", "2026-10-31"]
    lines = lbc("export", "contacts", "--from", "2026/10/16", "--format", "jsonl").out.splitlines()
    assert [json.loads(x)["date"] for x in lines] == ["2026-10-31", "2026-11-01"]
    assert lbc("export", "contacts", "--from", "2026-13-01").code == 2


@pytest.mark.parametrize(
    "args",
    [("pairs", "--from", "2026-01-01"), ("children", "--to", "2026-01-01"), ("helpers", "--status", "active")],
)
def test_filters_on_tables_they_do_not_fit_are_usage_errors(run, example_db, args):
    result = run("export", *args, db=example_db)
    assert result.code == 2 and "internal error" not in result.err


def test_registration_form_layout(lbc, child, tmp_path):
    result = lbc("export", "children", "--layout", "registration-form")
    assert result.code == 0, result.err
    header, row = list(csv.reader(io.StringIO(result.out)))
    assert header == REGISTRATION_HEADERS
    assert row == [
        str(child), "张小明", "男", "汉族", "2015-03-04", "110***********0017", "李家村", "3组", "李家村3组8号", "小学",
        "镇中心小学", "5", "2班", "是", "健康", "是", "广东东莞", "139****1111", "否", "", "073******1234",
        "张奶奶", "祖父母", "138****5678", "较好", "2026-09-01", "困难留守儿童、独居", "低保", "2026-09-01", "奶奶年迈",
    ]  # fmt: skip
    [shown] = json.loads(lbc("export", "children", "--layout", "registration-form", "--reveal", "--format", "json").out)
    assert list(shown) == REGISTRATION_HEADERS
    assert (shown["公民身份号码"], shown["监护人联系电话"], shown["母亲联系电话"]) == (
        ID_NUMBER,
        "13812345678",
        "0731-84561234",
    )
    path = tmp_path / "登记表.xlsx"
    assert lbc("export", "children", "--layout", "registration-form", "--format", "xlsx", "--out", str(path)).code == 0
    sheet = xlsx_sheet(path)
    assert sheet[0] == REGISTRATION_HEADERS and sheet[1][2] == "男" and sheet[1][5] == "110***********0017"
    assert lbc("export", "helpers", "--layout", "registration-form").code == 2


def test_scores_export_as_a_workbook(lbc, db, tmp_path):
    assert lbc("enroll", "甲", "--gender", "F", "--birth", "2014-01-01", "--enrolled-on", "2025-09-01").code == 0
    assert lbc("helper", "add", "志愿者", "--role", "volunteer").code == 0
    assert lbc("pair", "甲", "志愿者", "--since", "2025-09-01").code == 0
    assert lbc("exam", "add", "甲", "--year", "2025", "--term", "1", "--rank", "10", "--class-size", "40").code == 0
    assert lbc("exam", "add", "甲", "--year", "2025", "--term", "2", "--rank", "4", "--class-size", "40").code == 0
    path = tmp_path / "scores.xlsx"
    result = lbc("export", "scores", "--year", "2025", "--format", "xlsx", "--slugs", "--out", str(path))
    assert result.code == 0, result.err
    header, *body = xlsx_sheet(path)
    assert header == ["school_year", "kind", "id", "name", "role", "award", "score", "yuan"]
    # baseline is term 1's rank 10: 6 places up = 6, kept in the top 10 = 5, no violation = 2 -> 13
    assert body[0] == [2025, "helper", 1, "志愿者", "volunteer", None, 13, 13]
    # term-2 rank 4 is an excellence award (ranks 2..5), 10 -> 4 is progress of 6 >= 5 places
    assert sorted((r[1], r[2], r[3], r[5], r[7]) for r in body[1:]) == [
        ("child", 1, "甲", "excellence", 50),
        ("child", 1, "甲", "progress", 30),
    ]
    assert lbc("export", "scores", "--format", "xlsx", "--out", str(path)).code == 2  # --year is needed


# ---- a hostile workbook: refused for what it declares or unpacks, quickly, with nothing written ----------------------
#
# The bounds (lbc_cli/io.py), by hand: 1,048,576 rows (Excel's own sheet), 256 columns (the widest table, children,
# has 39 with id and uid; the registration form 30), 1,000 parts in the zip, 1 GiB (1024 MiB) unpacked in all, and
# no run of 65,536 bytes without a '<' in a part: a cell of at most 4,000 characters (validate.MAX_LONG_TEXT), each
# spelt as the longest character reference (10 bytes, `&#1114111;`), takes 40,000.

ROSTER = [["name", "gender", "birth_date", "enrolled_on", "consent_on"],
          ["甲", "F", "2016-01-01", "2024-01-01", "2024-01-01"],
          ["乙", "M", "2016-02-02", "2024-01-01", "2024-01-01"]]  # fmt: skip
SHEET = "xl/worksheets/sheet1.xml"
STRINGS = "xl/sharedStrings.xml"
MAIN_NS = b"http://schemas.openxmlformats.org/spreadsheetml/2006/main"


class TookTooLong(BaseException):  # not an Exception: lbc's own error handling must not swallow it
    pass


@contextmanager
def finishes_within(seconds: int):
    """The block must end before the alarm; a command still spinning is stopped there (its copy killed)."""

    def stop(_signum, _frame):
        raise TookTooLong(f"still running after {seconds} s")

    previous = signal.signal(signal.SIGALRM, stop)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def roster_workbook(rows_: list[list[str]] = ROSTER) -> dict[str, bytes]:
    """A workbook as Excel writes one, part by part: every text in the shared strings, the sheet's dimension."""
    from xml.sax.saxutils import escape

    package = "http://schemas.openxmlformats.org/package/2006"
    office = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    kinds = "application/vnd.openxmlformats-officedocument.spreadsheetml"
    strings = list(dict.fromkeys(value for row in rows_ for value in row))
    sheet_rows = "".join(
        f'<row r="{number}">'
        + "".join(
            f'<c r="{column}{number}" t="s"><v>{strings.index(value)}</v></c>'
            for column, value in zip("ABCDE", row, strict=True)
        )
        + "</row>"
        for number, row in enumerate(rows_, start=1)
    )
    shared = "".join(f"<si><t>{escape(value)}</t></si>" for value in strings)
    return {
        "[Content_Types].xml": (
            f'<Types xmlns="{package}/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/xl/workbook.xml" ContentType="{kinds}.sheet.main+xml"/>'
            f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{kinds}.worksheet+xml"/>'
            f'<Override PartName="/xl/sharedStrings.xml" ContentType="{kinds}.sharedStrings+xml"/></Types>'
        ).encode(),
        "_rels/.rels": (
            f'<Relationships xmlns="{package}/relationships">'
            f'<Relationship Id="rId1" Type="{office}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
        ).encode(),
        "xl/workbook.xml": (
            f'<workbook xmlns="{MAIN_NS.decode()}" xmlns:r="{office}">'
            '<sheets><sheet name="children" sheetId="1" r:id="rId1"/></sheets></workbook>'
        ).encode(),
        "xl/_rels/workbook.xml.rels": (
            f'<Relationships xmlns="{package}/relationships">'
            f'<Relationship Id="rId1" Type="{office}/worksheet" Target="worksheets/sheet1.xml"/>'
            f'<Relationship Id="rId2" Type="{office}/sharedStrings" Target="sharedStrings.xml"/></Relationships>'
        ).encode(),
        SHEET: (
            f'<worksheet xmlns="{MAIN_NS.decode()}"><dimension ref="A1:E{len(rows_)}"/>'
            f"<sheetData>{sheet_rows}</sheetData></worksheet>"
        ).encode(),
        STRINGS: f'<sst xmlns="{MAIN_NS.decode()}" count="{len(strings)}">{shared}</sst>'.encode(),
    }


def write_zip(path: Path, parts: dict[str, object]) -> Path:
    """Parts as bytes, or as an iterable of byte chunks streamed into the zip (a huge part never whole in memory)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in parts.items():
            if isinstance(content, bytes):
                archive.writestr(name, content)
                continue
            with archive.open(name, "w") as stream:
                for chunk in content:
                    stream.write(chunk)
    return path


def declared_size(path: Path, name: str, size: int) -> None:
    """Make the zip's headers (local header and central directory entry) declare ``name`` unpacks to ``size``."""
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as archive:
        local, entry = archive.getinfo(name).header_offset, archive.start_dir
    struct.pack_into("<I", data, local + 22, size)
    while data[entry : entry + 4] == b"PK\x01\x02":
        name_length, extra_length, comment_length = struct.unpack_from("<HHH", data, entry + 28)
        if data[entry + 46 : entry + 46 + name_length] == name.encode():
            struct.pack_into("<I", data, entry + 24, size)
            break
        entry += 46 + name_length + extra_length + comment_length
    else:
        raise AssertionError(f"{name} not in the central directory")
    path.write_bytes(bytes(data))


def hostile(lbc, db, path: Path, *args: str):
    before = snapshot(db)
    with finishes_within(20):
        result = lbc("import", "children", str(path), *args)
    assert snapshot(db) == before
    assert result.out == ""
    return result


@pytest.mark.parametrize("warned", ["at-open", "while-reading"])
def test_no_warning_of_openpyxl_reaches_the_user(lbc, db, tmp_path, warned):
    """openpyxl warns of what it leaves out: a stylesheet with no cell styles as it opens the workbook ("Workbook
    contains no stylesheet, using openpyxl's defaults"), an extension of the sheet (Excel's data validation lists)
    as it reads the rows ("Data Validation extension is not supported"). Each printed two English lines with
    openpyxl's install path after the import's own; under the tests' warnings-as-errors, it refused the file."""
    parts = roster_workbook()
    if warned == "at-open":
        parts["xl/styles.xml"] = b'<styleSheet xmlns="' + MAIN_NS + b'"/>'
    else:
        uri = b"{CCE6A557-97BC-4b89-ADB6-D9C93CAAB3DF}"  # Excel's x14 data validations
        parts[SHEET] = parts[SHEET].replace(b"</sheetData>", b'</sheetData><extLst><ext uri="' + uri + b'"/></extLst>')
    path = write_zip(tmp_path / "roster.xlsx", parts)

    result = hostile(lbc, db, path, "--dry-run")

    assert (result.code, result.err) == (0, "all 2 rows are good (--dry-run: nothing written)\n")


def test_an_xlsx_declaring_every_cell_of_a_sheet_is_read_as_the_cells_it_holds(lbc, db, tmp_path):
    """<dimension ref="A1:XFD1048576"/> and an empty cell in the sheet's last row, in a 2 KB file: openpyxl would
    pad the sheet to 1,048,576 rows of 16,384 cells each (259 s); the declaration is ignored, and the rows there
    are read as they are."""
    parts = roster_workbook()
    assert b'<dimension ref="A1:E3"/>' in parts[SHEET]
    parts[SHEET] = (
        parts[SHEET]
        .replace(b'<dimension ref="A1:E3"/>', b'<dimension ref="A1:XFD1048576"/>')
        .replace(b"</sheetData>", b'<row r="1048576"><c r="A1048576"/></row></sheetData>')
    )
    path = write_zip(tmp_path / "roster.xlsx", parts)
    assert path.stat().st_size < 10_000

    result = hostile(lbc, db, path, "--dry-run")

    assert result.code == 0, result.err
    assert result.err == "all 2 rows are good (--dry-run: nothing written)\n"


def test_an_xlsx_with_a_huge_cell_is_refused_before_it_is_unpacked(lbc, db, tmp_path):
    """50 MB of one character in a shared string (about 50 KB zipped; openpyxl loads every shared string when it
    opens a workbook): refused at the first 65,537 bytes without a '<', the rest never unpacked."""
    parts = roster_workbook([*ROSTER, ["HUGE", "F", "2016-03-03", "2024-01-01", "2024-01-01"]])
    head, tail = parts[STRINGS].split(b"<t>HUGE</t>")
    parts[STRINGS] = iter([head, b"<t>", *(b"A" * 2**20 for _ in range(50)), b"</t>", tail])
    path = write_zip(tmp_path / "roster.xlsx", parts)
    assert path.stat().st_size < 200_000

    result = hostile(lbc, db, path)

    assert result.code == 1
    assert result.err == (
        f"lbc: error: {path}: {STRINGS} holds a text of more than 65536 bytes, longer than any cell may be "
        "(at most 4000 characters)\n"
    )


def test_a_huge_cell_hidden_in_a_cdata_section_is_refused(lbc, db, tmp_path):
    """CDATA may hold '<' (so no run gives it away); Excel never writes one: the workbook is refused."""
    parts = roster_workbook([*ROSTER, ["HUGE", "F", "2016-03-03", "2024-01-01", "2024-01-01"]])
    parts[STRINGS] = parts[STRINGS].replace(b"<t>HUGE</t>", b"<t><![CDATA[" + b"A<" * 50_000 + b"]]></t>")
    path = write_zip(tmp_path / "roster.xlsx", parts)

    result = hostile(lbc, db, path)

    assert (result.code, result.err) == (1, f"lbc: error: {path} is not an Excel workbook (.xlsx)\n")


def inline_row(number: int, values: list[str]) -> bytes:
    """One row of a sheet as XML, its text in the cells (inline strings)."""
    cells = "".join(
        f'<c r="{column}{number}" t="inlineStr"><is><t>{value}</t></is></c>'
        for column, value in zip("ABCDE", values, strict=True)
    )
    return f'<row r="{number}">{cells}</row>'.encode()


def test_an_xlsx_past_excels_last_row_is_refused(lbc, db, tmp_path):
    parts = roster_workbook()
    rows_ = inline_row(1, ROSTER[0]) + inline_row(1048577, ROSTER[1])
    parts[SHEET] = b'<worksheet xmlns="' + MAIN_NS + b'"><sheetData>' + rows_ + b"</sheetData></worksheet>"
    path = write_zip(tmp_path / "roster.xlsx", parts)

    result = hostile(lbc, db, path)

    assert (result.code, result.err) == (
        1,
        f"lbc: error: {path} has more than 1048576 rows (an Excel sheet's own maximum)\n",
    )


def test_an_xlsx_with_a_cell_past_the_columns_an_import_reads_is_refused(lbc, db, tmp_path):
    """A cell in column XFD (16,384, Excel's last) of row 2: the row would be 16,384 cells wide."""
    parts = roster_workbook()
    far = b'<c r="XFD2" t="inlineStr"><is><t>x</t></is></c>'
    assert b'</row><row r="3">' in parts[SHEET]
    parts[SHEET] = parts[SHEET].replace(b'</row><row r="3">', far + b'</row><row r="3">')
    path = write_zip(tmp_path / "roster.xlsx", parts)

    result = hostile(lbc, db, path)

    assert (result.code, result.err) == (
        1,
        f"lbc: error: {path}:2: a cell in column 16384, past the 256 columns an import reads\n",
    )


def test_an_xlsx_of_too_many_parts_or_declaring_too_many_bytes_is_refused_unread(lbc, db, tmp_path):
    parts = roster_workbook()
    many = write_zip(tmp_path / "many.xlsx", {**parts, **{f"xl/media/x{i}.bin": b"" for i in range(1001 - len(parts))}})
    result = hostile(lbc, db, many)
    assert (result.code, result.err) == (
        1,
        f"lbc: error: {many} holds 1001 parts, more than the 1000 an import reads from a workbook\n",
    )
    zh = lbc("--lang", "zh", "import", "children", str(many))
    assert (zh.code, zh.err) == (1, f"lbc: 错误：{many} 含有 1001 个部件，超过导入读取工作簿的上限 1000 个\n")

    big = write_zip(tmp_path / "big.xlsx", parts)
    declared_size(big, SHEET, 2**31)  # 2 GiB, and the other parts' bytes
    unpacked = 2**31 + sum(len(content) for name, content in parts.items() if name != SHEET)
    result = hostile(lbc, db, big)
    assert (result.code, result.err) == (
        1,
        f"lbc: error: {big} unpacks to {math.ceil(unpacked / 2**20)} MiB, more than the 1024 MiB an import reads "
        "from a workbook\n",
    )


def test_a_part_that_unpacks_past_its_declared_size_is_not_a_workbook(lbc, db, tmp_path):
    """zipfile gives no more of a part than its header declares, and the part then fails its CRC check."""
    parts = roster_workbook()
    head, tail = parts[STRINGS].split(b"</sst>")
    parts[STRINGS] = iter([head, *(b"<si><t>x</t></si>" * 2**16 for _ in range(50)), b"</sst>", tail])
    path = write_zip(tmp_path / "roster.xlsx", parts)
    declared_size(path, STRINGS, len(head))

    result = hostile(lbc, db, path)

    assert (result.code, result.err) == (1, f"lbc: error: {path} is not an Excel workbook (.xlsx)\n")


class Opened(BaseException):  # not an Exception: lbc's own error handling must not swallow it
    pass


def unopened_workbook(*_args, **_kwargs):
    raise Opened("openpyxl opened the workbook")


@pytest.fixture
def unopened(monkeypatch):
    """openpyxl must not open the workbook: an import refused by the pre-scan stops before it."""
    monkeypatch.setattr(openpyxl, "load_workbook", unopened_workbook)


def many(piece: bytes, n: int, per_chunk: int = 100_000):
    """``piece`` ``n`` times, in chunks (never whole in memory)."""
    whole, rest = divmod(n, per_chunk)
    yield from (piece * per_chunk for _ in range(whole))
    yield piece * rest


def test_an_xlsx_of_more_shared_strings_than_a_county_holds_is_refused_before_openpyxl_opens_it(
    lbc, db, tmp_path, unopened
):
    """20,000,000 shared strings (340 MB unpacked, under the 1 GiB bound; 826 KB zipped): openpyxl would load them all
    when it opens the workbook (past 120 s and 1.6 GB). Refused at the 4,194,305th, as the part is unpacked."""
    parts = roster_workbook()
    head, tail = parts[STRINGS].split(b"</sst>")
    parts[STRINGS] = iter([head, *many(b"<si><t>a</t></si>", 20_000_000), b"</sst>", tail])
    path = write_zip(tmp_path / "roster.xlsx", parts)
    assert path.stat().st_size < 1_000_000

    began = time.monotonic()
    result = hostile(lbc, db, path, "--dry-run")

    assert time.monotonic() - began < 3  # about 0.2 s alone; the machine may be busy
    assert (result.code, result.err) == (
        1,
        f"lbc: error: {path}: {STRINGS} holds more than 4194304 shared strings, more than an import reads "
        "from a workbook\n",
    )
    zh = lbc("--lang", "zh", "import", "children", str(path), "--dry-run")
    said = f"lbc: 错误：{path}:{STRINGS} 含有超过 4194304 个共享字符串，超过导入读取工作簿的上限\n"
    assert (zh.code, zh.err) == (1, said)


def test_an_xlsx_row_of_more_cells_than_an_import_reads_is_refused_before_openpyxl_opens_it(
    lbc, db, tmp_path, unopened
):
    """One row of 2,000,000 cells (60 KB zipped): openpyxl builds the whole row before it is counted (11.7 s, 967 MB).
    Refused at the row's 257th cell."""
    parts = roster_workbook()
    cells = many(b"<c><v>1</v></c>", 2_000_000)
    parts[SHEET] = iter([b'<worksheet xmlns="' + MAIN_NS + b'"><sheetData><row r="1">', *cells, b"</row></sheetData>"
                         b"</worksheet>"])  # fmt: skip
    path = write_zip(tmp_path / "roster.xlsx", parts)
    assert path.stat().st_size < 100_000

    began = time.monotonic()
    result = hostile(lbc, db, path, "--dry-run")

    assert time.monotonic() - began < 3
    assert (result.code, result.err) == (
        1,
        f"lbc: error: {path}: {SHEET} has a row of more than 256 cells, past the 256 columns an import reads\n",
    )
    zh = lbc("--lang", "zh", "import", "children", str(path), "--dry-run")
    assert (zh.code, zh.err) == (1, f"lbc: 错误：{path}:{SHEET} 有一行超过 256 个单元格，超过导入读取的 256 列\n")


def test_an_xlsx_row_of_too_many_cells_between_others_is_refused_before_openpyxl_opens_it(lbc, db, tmp_path, unopened):
    """A row of 257 cells between rows of 5, all in one chunk of the part."""
    parts = roster_workbook()
    wide = b'<row r="3">' + b"<c><v>1</v></c>" * 257 + b"</row>"
    assert b'</row><row r="3">' in parts[SHEET]
    parts[SHEET] = parts[SHEET].replace(b'</row><row r="3">', b"</row>" + wide + b'<row r="3">')
    path = write_zip(tmp_path / "roster.xlsx", parts)

    result = hostile(lbc, db, path, "--dry-run")

    assert (result.code, result.err) == (
        1,
        f"lbc: error: {path}: {SHEET} has a row of more than 256 cells, past the 256 columns an import reads\n",
    )


def test_an_xlsx_of_more_rows_than_excel_holds_is_refused_before_openpyxl_opens_it(lbc, db, tmp_path, unopened):
    """3,000,000 empty rows (28 KB zipped): openpyxl read them for 6.5 s and 406 MB. Refused at row 1,048,577."""
    parts = roster_workbook()
    parts[SHEET] = iter([b'<worksheet xmlns="' + MAIN_NS + b'"><sheetData>', *many(b"<row/>", 3_000_000),
                         b"</sheetData></worksheet>"])  # fmt: skip
    path = write_zip(tmp_path / "roster.xlsx", parts)
    assert path.stat().st_size < 100_000

    began = time.monotonic()
    result = hostile(lbc, db, path, "--dry-run")

    assert time.monotonic() - began < 3
    assert (result.code, result.err) == (
        1,
        f"lbc: error: {path} has more than 1048576 rows (an Excel sheet's own maximum)\n",
    )


@pytest.mark.parametrize("chunk", [1, 2, 3, 5, 7, 64])
def test_the_counts_of_an_xlsx_hold_when_its_tags_are_cut_between_chunks(lbc, db, tmp_path, monkeypatch, chunk):
    """Each part unpacked a few bytes at a time, every tag cut somewhere: the roster's 12 shared strings, 3 rows and 5
    cells a row are counted exactly (at the bounds: read; one under: refused, before openpyxl opens it)."""
    from lbc_cli import io as lbc_io

    parts = roster_workbook()
    # the roster's texts, each once: 5 headers, 2 names, 2 genders, 2 birth dates, and one date for the 4 cells left
    assert parts[STRINGS].count(b"<si>") == 12
    parts[STRINGS] = parts[STRINGS].replace(b"<si>", b'<si xml:space="preserve">', 1)  # a tag with attributes too
    path = write_zip(tmp_path / "roster.xlsx", parts)
    monkeypatch.setattr(lbc_io, "_XLSX_CHUNK", chunk)
    bounds = {"XLSX_MAX_STRINGS": 12, "XLSX_MAX_ROWS": 3, "XLSX_MAX_COLUMNS": 5}
    for name, limit in bounds.items():
        monkeypatch.setattr(lbc_io, name, limit)
    result = hostile(lbc, db, path, "--dry-run")
    assert (result.code, result.err) == (0, "all 2 rows are good (--dry-run: nothing written)\n")

    said = {
        "XLSX_MAX_STRINGS": f"{path}: {STRINGS} holds more than 11 shared strings, more than an import reads from a "
        "workbook",
        "XLSX_MAX_ROWS": f"{path} has more than 2 rows (an Excel sheet's own maximum)",
        "XLSX_MAX_COLUMNS": f"{path}: {SHEET} has a row of more than 4 cells, past the 4 columns an import reads",
    }
    monkeypatch.setattr(openpyxl, "load_workbook", unopened_workbook)
    for name, limit in bounds.items():
        monkeypatch.setattr(lbc_io, name, limit - 1)
        result = hostile(lbc, db, path, "--dry-run")
        assert (result.code, result.err) == (1, f"lbc: error: {said[name]}\n"), name
        monkeypatch.setattr(lbc_io, name, limit)


# The parts openpyxl parses whole (content types, relationships, workbook, styles...: every part but the sheets and the
# shared strings, which it streams) hold at most 262,144 XML elements in all; a row, or a shared string, at most 4,096;
# a shared string at most 64 rich-text runs; the shared strings 12,582,912 elements in all. Each figure below was
# measured on the code before (openpyxl parsing it).
WHOLE_SAID = (
    "and the other parts an import reads whole (styles, names, relationships...) hold more than 262144 XML elements, "
    "far more than a workbook needs: copy the data into a new workbook and import that"
)
STYLES = "xl/styles.xml"
WORKBOOK = "xl/workbook.xml"
WORKBOOK_RELS = "xl/_rels/workbook.xml.rels"
CONTENT_TYPES = "[Content_Types].xml"


def around(part: bytes, before: bytes, piece: bytes, n: int) -> Iterator[bytes]:
    """``part`` with ``piece`` ``n`` times just before ``before``."""
    head, tail = part.split(before)
    return iter([head, *many(piece, n), before, tail])


@pytest.mark.parametrize(
    ("name", "make"),
    [
        # 3,000,000 cell formats (132 KB): 47 s, 2.3 GB
        (STYLES, lambda parts: iter([b'<styleSheet xmlns="' + MAIN_NS + b'"><cellXfs>', *many(b"<xf/>", 3_000_000),
                                     b"</cellXfs></styleSheet>"])),
        # fonts (77 KB): 18 s, 1.1 GB
        (STYLES, lambda parts: iter([b'<styleSheet xmlns="' + MAIN_NS + b'"><fonts>',
                                     *many(b'<font><b/><sz val="11"/></font>', 300_000), b"</fonts></styleSheet>"])),
        # number formats (5.1 MB): 6 s, 0.9 GB
        (STYLES, lambda parts: iter([b'<styleSheet xmlns="' + MAIN_NS + b'"><numFmts>',
                                     *many(b'<numFmt numFmtId="164" formatCode="0.00"/>', 300_000),
                                     b"</numFmts></styleSheet>"])),
        # 1,000,000 defined names (2.5 MB): 13 s, 0.87 GB
        (WORKBOOK, lambda parts: around(parts[WORKBOOK], b"</workbook>", b'<definedNames><definedName name="n">'
                                        b"children!$A$1</definedName></definedNames>", 300_000)),
        # 1,000,000 sheets: 20 s, 2.95 GB
        (WORKBOOK, lambda parts: around(parts[WORKBOOK], b"</sheets>", b"<sheet/>", 1_000_000)),
        # 1,000,000 relationships: 8.6 s, 0.9 GB
        (WORKBOOK_RELS, lambda parts: around(parts[WORKBOOK_RELS], b"</Relationships>", b"<Relationship/>", 1_000_000)),
        # 1,000,000 content-type overrides: 7 s, 0.86 GB
        (CONTENT_TYPES, lambda parts: around(parts[CONTENT_TYPES], b"</Types>", b"<Override/>", 1_000_000)),
        # what makes a sheet's rows its own is how openpyxl reads the part, not its tags: the stylesheet is parsed whole
        (STYLES, lambda parts: iter([b'<worksheet xmlns="' + MAIN_NS + b'"><sheetData>', *many(b"<row><c/></row>",
                                     300_000), b"</sheetData></worksheet>"])),
    ],
    ids=["styles-xf", "styles-fonts", "styles-numfmts", "workbook-names", "workbook-sheets", "rels", "content-types",
         "styles-of-rows"],
)  # fmt: skip
def test_an_xlsx_part_read_whole_of_more_elements_than_a_workbook_needs_is_refused_before_openpyxl_opens_it(
    lbc, db, tmp_path, unopened, name, make
):
    parts = roster_workbook()
    parts[name] = make(parts)
    path = write_zip(tmp_path / "roster.xlsx", parts)

    result = hostile(lbc, db, path, "--dry-run")  # each refused at its 262,145th element: in a second

    assert (result.code, result.err) == (1, f"lbc: error: {path}: {name} {WHOLE_SAID}\n")


def test_an_xlsx_part_read_whole_past_the_bound_is_refused_in_the_sessions_language(lbc, db, tmp_path, unopened):
    parts = roster_workbook()
    parts[STYLES] = iter([b'<styleSheet xmlns="' + MAIN_NS + b'"><cellXfs>', *many(b"<xf/>", 262_145),
                          b"</cellXfs></styleSheet>"])  # fmt: skip
    path = write_zip(tmp_path / "roster.xlsx", parts)
    result = lbc("--lang", "zh", "import", "children", str(path), "--dry-run")
    said = (
        f"{path}:{STYLES} 等导入整体读入的部件（样式、名称、关系等）共有超过 262144 个 XML 元素，远多于工作簿所需："
        "请把数据复制到新工作簿再导入"
    )
    assert (result.code, result.err) == (1, f"lbc: 错误：{said}\n")


def test_an_xlsx_shared_string_of_too_many_rich_text_runs_is_refused_before_openpyxl_opens_it(
    lbc, db, tmp_path, unopened
):
    """Shared strings of 1,000 rich-text runs each: 40,000 of them took openpyxl 221 s. Refused at the first string's
    65th run (here 100 of them: the bound is each string's)."""
    parts = roster_workbook()
    parts[STRINGS] = around(parts[STRINGS], b"</sst>", b"<si>" + b"<r><t>a</t></r>" * 1000 + b"</si>", 100)
    path = write_zip(tmp_path / "roster.xlsx", parts)

    result = hostile(lbc, db, path, "--dry-run")

    said = f"{path}: {STRINGS} has a shared string of more than 64 rich-text runs, more than an import reads"
    assert (result.code, result.err) == (1, f"lbc: error: {said}\n")
    zh = lbc("--lang", "zh", "import", "children", str(path), "--dry-run")
    said = f"{path}:{STRINGS} 有一个共享字符串超过 64 段富文本，超过导入读取的上限"
    assert (zh.code, zh.err) == (1, f"lbc: 错误：{said}\n")


def test_an_xlsx_row_of_too_many_elements_is_refused_before_openpyxl_opens_it(lbc, db, tmp_path, unopened):
    """One cell of 10,000,000 values (40 KB zipped): openpyxl builds a row whole before it clears it (9 s, 918 MB).
    Refused at the row's 4,097th element."""
    parts = roster_workbook()
    parts[SHEET] = iter([b'<worksheet xmlns="' + MAIN_NS + b'"><sheetData><row r="1"><c r="A1">',
                         *many(b"<v/>", 10_000_000), b"</c></row></sheetData></worksheet>"])  # fmt: skip
    path = write_zip(tmp_path / "roster.xlsx", parts)

    result = hostile(lbc, db, path, "--dry-run")

    said = f"{path}: {SHEET} has a row of more than 4096 XML elements, more than an import reads"
    assert (result.code, result.err) == (1, f"lbc: error: {said}\n")
    zh = lbc("--lang", "zh", "import", "children", str(path), "--dry-run")
    assert (zh.code, zh.err) == (1, f"lbc: 错误：{path}:{SHEET} 有一行超过 4096 个 XML 元素，超过导入读取的上限\n")


@pytest.mark.parametrize(
    ("name", "old", "new"),
    [
        # elements between two rows: openpyxl keeps them all (10,000,000 of them, 40 KB zipped: 9.6 s, 1.78 GB)
        (SHEET, b'</row><row r="2">', b"</row>" + b"<v/>" * 1000 + b'<row r="2">'),
        # a row begun inside a row: what the inner ones hold stays until the outer one ends
        (SHEET, b'</row><row r="2">', b'<row r="9"/><row r="2">'),
        # an element between two shared strings: kept, as every one there
        (STRINGS, b"</si><si>", b"</si><t/><si>"),
    ],
    ids=["between-rows", "row-in-a-row", "between-strings"],
)
def test_an_xlsx_with_elements_between_its_rows_or_strings_is_no_workbook(lbc, db, tmp_path, unopened, name, old, new):
    """openpyxl clears a sheet's rows and its shared strings as it reads them, and keeps everything else: Excel
    writes nothing between them, and a part that does is refused (as not a workbook) before openpyxl opens it."""
    parts = roster_workbook()
    assert old in parts[name]
    parts[name] = parts[name].replace(old, new, 1)
    path = write_zip(tmp_path / "roster.xlsx", parts)

    result = hostile(lbc, db, path, "--dry-run")

    assert (result.code, result.err) == (1, f"lbc: error: {path} is not an Excel workbook (.xlsx)\n")


def with_second_sheet(parts: dict, kind: str, target: str, content) -> dict:
    """``parts`` with a second sheet of ``kind`` (worksheet, chartsheet) at ``target``, holding ``content``."""
    office = b"http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    parts[WORKBOOK] = parts[WORKBOOK].replace(b"</sheets>", b'<sheet name="more" sheetId="2" r:id="rId3"/></sheets>')
    parts[WORKBOOK_RELS] = parts[WORKBOOK_RELS].replace(
        b"</Relationships>",
        b'<Relationship Id="rId3" Type="%s/%s" Target="%s"/>' % (office, kind.encode(), target.encode())
        + b"</Relationships>",
    )
    parts["xl/" + target] = content
    return parts


def test_an_xlsx_chartsheet_is_bounded_as_a_part_read_whole(lbc, db, tmp_path, unopened):
    """openpyxl parses a chartsheet whole, whatever its name, even when only reading: its elements count with the
    stylesheet's and the workbook's."""
    chart = iter([b'<chartsheet xmlns="' + MAIN_NS + b'">', *many(b"<x/>", 300_000), b"</chartsheet>"])
    parts = with_second_sheet(roster_workbook(), "chartsheet", "charts/c.xml", chart)
    path = write_zip(tmp_path / "roster.xlsx", parts)

    result = hostile(lbc, db, path, "--dry-run")

    assert (result.code, result.err) == (1, f"lbc: error: {path}: xl/charts/c.xml {WHOLE_SAID}\n")


def test_another_worksheet_is_not_bounded_as_the_one_read(lbc, db, tmp_path):
    """A second sheet of 300,000 merged cells: openpyxl opens it without reading it (an import reads the first)."""
    merged = iter([b'<worksheet xmlns="' + MAIN_NS + b'"><sheetData/><mergeCells>',
                   *many(b'<mergeCell ref="A1:B1"/>', 300_000), b"</mergeCells></worksheet>"])  # fmt: skip
    path = write_zip(tmp_path / "roster.xlsx", with_second_sheet(roster_workbook(), "worksheet", "more.xml", merged))

    result = hostile(lbc, db, path, "--dry-run")

    assert (result.code, result.err) == (0, "all 2 rows are good (--dry-run: nothing written)\n")


@pytest.mark.parametrize("chunk", [1, 2, 3, 5, 7, 64])
def test_the_element_counts_of_an_xlsx_hold_when_its_tags_are_cut_between_chunks(lbc, db, tmp_path, monkeypatch, chunk):
    """The roster as a person might save it (spaces between rows, an empty row, a merged cell, a shared string in three
    runs), each part unpacked a few bytes at a time: its elements are counted exactly. By hand: read whole, the
    content types 6 (Types, 2 Default, 3 Override), the relationships 2 and 3, the workbook 3 (workbook, sheets,
    sheet), and outside the rows and strings the sheet's 5 (worksheet, dimension, sheetData; mergeCells, mergeCell)
    and the strings' 1 (sst): 20. The widest row 10 (5 cells, each with its value). The rich string 3 runs. The
    shared strings 34 (sst, 12 strings of 2, the rich one of 9: si, 3 r, 3 t, rPr, b). At the bounds the workbook is
    read; one under, refused before openpyxl opens it."""
    from lbc_cli import io as lbc_io

    parts = roster_workbook()
    parts[SHEET] = (
        parts[SHEET]
        .replace(b"</row><row", b"</row>\n  <row")
        .replace(b"</sheetData>", b'\n  <row r="4"/>\n</sheetData><mergeCells count="1"><mergeCell ref="A1:A1"/>'
                                  b"</mergeCells>")
    )  # fmt: skip
    rich = b"<si><r><t>a</t></r><r><rPr><b/></rPr><t>b</t></r><r><t>c</t></r></si>"
    parts[STRINGS] = parts[STRINGS].replace(b"</sst>", rich + b"</sst>")
    path = write_zip(tmp_path / "roster.xlsx", parts)
    monkeypatch.setattr(lbc_io, "_XLSX_CHUNK", chunk)
    bounds = {"XLSX_MAX_ELEMENTS": 20, "XLSX_MAX_ROW_ELEMENTS": 10, "XLSX_MAX_RUNS": 3, "XLSX_MAX_STRING_ELEMENTS": 34}
    for name, limit in bounds.items():
        monkeypatch.setattr(lbc_io, name, limit, raising=False)
    result = hostile(lbc, db, path, "--dry-run")
    assert (result.code, result.err) == (0, "all 2 rows are good (--dry-run: nothing written)\n")

    said = {
        "XLSX_MAX_ELEMENTS": f"{path}: {STRINGS} and the other parts an import reads whole (styles, names, "
        "relationships...) hold more than 19 XML elements, far more than a workbook needs: copy the data into a new "
        "workbook and import that",
        "XLSX_MAX_ROW_ELEMENTS": f"{path}: {SHEET} has a row of more than 9 XML elements, more than an import reads",
        "XLSX_MAX_RUNS": f"{path}: {STRINGS} has a shared string of more than 2 rich-text runs, more than an import "
        "reads",
        "XLSX_MAX_STRING_ELEMENTS": f"{path}: {STRINGS} holds more than 33 XML elements, more than an import reads "
        "from a workbook",
    }
    monkeypatch.setattr(openpyxl, "load_workbook", unopened_workbook)
    for name, limit in bounds.items():
        monkeypatch.setattr(lbc_io, name, limit - 1)
        result = hostile(lbc, db, path, "--dry-run")
        assert (result.code, result.err) == (1, f"lbc: error: {said[name]}\n"), name
        monkeypatch.setattr(lbc_io, name, limit)


# ---- what an import reads of a file with no end: a line, or a whole file, up to a bound -------------------------

MIB = 1 << 20
SOURCES = ["/dev/zero", "pipe", "file"]  # a device with no end, a pipe of 3 GB, a 600 MB file (sparse: no disk used)


def import_under_a_memory_cap(db, tmp_path: Path, fmt: str, source: str, cap: int) -> tuple[subprocess.Popen, str]:
    """`lbc import children FILE --format FMT --dry-run` in a process of its own whose address space is capped at
    ``cap`` bytes (where it would grow, MemoryError instead), FILE being zeros from ``source``: the process and
    FILE as messages name it."""

    def capped() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))

    feed = None
    if source == "pipe":
        feed = subprocess.Popen(["head", "-c", "3000000000", "/dev/zero"], stdout=subprocess.PIPE)
        name = "-"
    elif source == "file":
        name = str(tmp_path / f"zeros.{fmt}")
        with open(name, "wb") as fh:
            fh.truncate(600 * MIB)
    else:
        name = source
    command = [sys.executable, "-m", "lbc_cli", "--db", str(db), "import", "children", name, "--format", fmt,
               "--dry-run"]  # fmt: skip
    environ = {**os.environ, "LBC_LANG": "en", "NO_COLOR": "1"}
    environ.pop("LBC_DB", None)
    try:
        done = subprocess.run(command, stdin=feed.stdout if feed else subprocess.DEVNULL, capture_output=True,
                              text=True, env=environ, preexec_fn=capped, timeout=120)  # fmt: skip
    finally:
        if feed is not None:
            feed.stdout.close()
            feed.kill()
            feed.wait()
    return done, "<stdin>" if name == "-" else name


@pytest.mark.sqlite_only("a process of its own under a memory cap, reading the SQLite file")
@pytest.mark.parametrize("source", SOURCES)
@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_a_line_that_never_ends_is_refused_past_a_mebibyte_in_flat_memory(db, tmp_path, fmt, source):
    """Zeros with no line break: read whole before (a 200 MB file of NULs reached 440 MB; /dev/zero 16 GB in 60 s;
    a 3 GB pipe, MemoryError). A line is read up to 1,048,576 characters (CSV) or bytes (JSON lines) and no further:
    the import stays within 400 MiB of address space."""
    done, name = import_under_a_memory_cap(db, tmp_path, fmt, source, 400 * MIB)
    unit = "characters" if fmt == "csv" else "bytes"
    assert (done.returncode, done.stderr) == (
        1,
        f"lbc: error: {name}:1: a line of more than 1048576 {unit}, longer than a row of data can be\n",
    )
    assert rows(db, "SELECT count(*) FROM children") == [(0,)]


@pytest.mark.sqlite_only("a process of its own under a memory cap, reading the SQLite file")
@pytest.mark.parametrize("source", SOURCES)
@pytest.mark.parametrize(("fmt", "bound"), [("json", 512), ("xlsx", 256)])
def test_a_json_or_xlsx_file_past_its_bound_is_refused_unread_or_at_the_bound(db, tmp_path, fmt, bound, source):
    """A JSON file is read whole and an xlsx file is opened from its end: /dev/zero grew to 23 GB before. A file past
    the bound (512 MiB of JSON, 256 MiB of workbook) is refused unread; a device or a pipe, which have no size, is
    read up to one byte past it: within the bound and 300 MiB more."""
    cap = (300 + (bound if source != "file" else 0)) * MIB
    done, name = import_under_a_memory_cap(db, tmp_path, fmt, source, cap)
    kind = "a JSON file" if fmt == "json" else "a workbook"
    assert (done.returncode, done.stderr) == (
        1,
        f"lbc: error: {name} is larger than the {bound} MiB an import reads from {kind}\n",
    )
    assert rows(db, "SELECT count(*) FROM children") == [(0,)]


def test_a_line_at_the_bound_is_read_and_one_past_it_is_refused_in_the_sessions_language(lbc, db, tmp_path):
    """1,048,576 characters of CSV with the line break are a line csv reads (and its own bound on a field, 131,072
    characters, refuses); one more is refused before csv sees it. The same for 1,048,576 bytes of JSON lines."""
    at, past = tmp_path / "at.csv", tmp_path / "past.csv"
    at.write_text("a" * (MIB - 1) + "\n")
    past.write_text("a" * MIB + "\n")
    result = lbc("import", "children", str(at))
    assert (result.code, result.err) == (
        1,
        f"lbc: error: {at}:1: not valid CSV: field larger than field limit (131072)\n",
    )
    result = lbc("--lang", "zh", "import", "children", str(past))
    assert (result.code, result.err) == (1, f"lbc: 错误：{past}:1: 这一行超过 1048576 个字符，比任何一行数据都长\n")

    at, past = tmp_path / "at.jsonl", tmp_path / "past.jsonl"
    first = '{"name": "甲", "gender": "F", "birth_date": "2016-01-01", "consent_on": "2024-01-01"}\n'
    second = '{"name": "乙", "gender": "M", "birth_date": "2016-02-02", "consent_on": "2024-01-01"}'
    at.write_text(first + second + " " * (MIB - len(second.encode()) - 1) + "\n")
    past.write_text(first + second + " " * (MIB - len(second.encode())) + "\n")
    result = lbc("import", "children", str(at), "--dry-run")
    assert (result.code, result.err) == (0, "all 2 rows are good (--dry-run: nothing written)\n")
    result = lbc("--lang", "zh", "import", "children", str(past), "--dry-run")
    assert (result.code, result.err) == (1, f"lbc: 错误：{past}:2: 这一行超过 1048576 字节，比任何一行数据都长\n")


def import_piped(db, head: bytes, row: bytes, n: int | None, cap: int, *args: str) -> subprocess.CompletedProcess:
    """`lbc import children - --dry-run ARGS` in a process of its own whose address space is capped at ``cap`` bytes,
    reading from a pipe ``head`` and then ``row`` ``n`` times (None: for ever)."""

    def capped() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))

    rows_ = "itertools.count()" if n is None else f"range({n} // 10_000)"
    writer = (
        "import itertools, sys\nout = sys.stdout.buffer\ntry:\n"
        f"    out.write({head!r})\n    for _ in {rows_}:\n        out.write({row!r} * 10_000)\n"
        "except BrokenPipeError:\n    pass\n"
    )
    feed = subprocess.Popen([sys.executable, "-c", writer], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    command = [sys.executable, "-m", "lbc_cli", "--db", str(db), "import", "children", "-", "--dry-run", *args]
    environ = {**os.environ, "LBC_LANG": "en", "NO_COLOR": "1"}
    environ.pop("LBC_DB", None)
    try:
        return subprocess.run(command, stdin=feed.stdout, capture_output=True, text=True, env=environ,
                              preexec_fn=capped, timeout=120)  # fmt: skip
    finally:
        feed.stdout.close()
        feed.kill()
        feed.wait()


@pytest.mark.sqlite_only("a process of its own under a memory cap, reading the SQLite file")
def test_an_import_of_many_bad_rows_stays_within_flat_memory(db):
    """400,000 rows, every one with a bad gender (12 MB): each is counted, the first 50 are kept. Before, every chunk of
    bad rows stayed in memory to the end, held by the exception its problem was raised as (lbc runs with the cycle
    collector off): 300,000 such rows took 197 MB, 1,500,000 took 790 MB. Now the import runs in 200 MiB of address
    space, as it does for 1,000 rows."""
    bad = "甲,Q,2016-01-01,李家村\n".encode()
    done = import_piped(db, b"name,gender,birth_date,village\n", bad, 400_000, 200 * MIB)
    said = done.stderr.splitlines()
    assert (done.returncode, said[0]) == (1, "lbc: error: <stdin> has 400000 problems; nothing was imported:")
    assert said[1:] == [f"  <stdin>:{n}: gender: 'Q' is not one of: F (女), M (男)" for n in range(2, 52)] + [
        "  ... and 399950 more"
    ]
    assert rows(db, "SELECT count(*) FROM children") == [(0,)]


# ---- a file with no end: its header, and the rows a file may hold -----------------------------------------------


class Endless(io.RawIOBase):
    """A stream with no end, as `yes` writes one: ``head``, then ``line`` for ever."""

    def __init__(self, head: bytes, line: bytes):
        self.pending = head
        self.lines = line * (65536 // len(line) + 1)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        if not self.pending:
            self.pending = self.lines
        n = min(len(buffer), len(self.pending))
        buffer[:n] = self.pending[:n]
        self.pending = self.pending[n:]
        return n


def endless_stdin(monkeypatch, head: bytes, line: bytes) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BufferedReader(Endless(head, line)), encoding="utf-8"))


def test_an_endless_csv_whose_header_names_no_column_is_refused_at_its_header(lbc, db, monkeypatch):
    """`yes 'aaaa,bbbb' | lbc import children -` reported the unknown column of every row, for ever."""
    endless_stdin(monkeypatch, b"", b"aaaa,bbbb\n")
    with finishes_within(20):
        result = lbc("import", "children", "-", "--dry-run")
    said = f"<stdin>:1: column 1 of the header, 'aaaa', is not a column of the children table {HEADER_HELP}"
    assert (result.code, result.out, result.err) == (1, "", f"lbc: error: {said}\n")


@pytest.mark.parametrize(
    ("fmt", "head", "line"),
    [
        ("csv", b"name,gender,birth_date,village\n", b",,,\n"),  # blank rows, skipped but counted
        ("csv", b"name,gender,birth_date,village\n", "甲,Q,2016-01-01,李家村\n".encode()),  # bad rows, counted
        ("jsonl", b"", b"{}\n"),  # objects lacking every required key
        ("jsonl", b"", b"\n"),  # blank lines
    ],
    ids=["csv-blank", "csv-bad", "jsonl-empty-objects", "jsonl-blank"],
)
def test_a_file_with_no_end_is_refused_past_the_rows_a_file_may_hold(lbc, db, monkeypatch, fmt, head, line):
    """`(echo name,gender,birth_date,village; yes ',,,') | lbc import children - --dry-run` ran until it was killed.
    The bound (10,000,000 rows) is made 20,000 here: the same code, refused in a second."""
    from lbc_cli import io as lbc_io

    monkeypatch.setattr(lbc_io, "FILE_MAX_ROWS", 20_000)
    endless_stdin(monkeypatch, head, line)
    with finishes_within(20):
        result = lbc("import", "children", "-", "--format", fmt, "--dry-run")
    said = "<stdin> has more than 20000 rows, more than an import reads from one file; split it and import each part"
    assert (result.code, result.out, result.err) == (1, "", f"lbc: error: {said}\n")
    zh = lbc("--lang", "zh", "import", "children", "-", "--format", fmt, "--dry-run")
    said = "<stdin> 超过 20000 行，超过导入读取一个文件的上限；请把它拆成几个文件分别导入"
    assert (zh.code, zh.err) == (1, f"lbc: 错误：{said}\n")


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_a_file_of_as_many_rows_as_the_bound_is_read_and_one_more_is_refused(lbc, db, tmp_path, monkeypatch, fmt):
    """Blank rows count: they are rows of the file all the same (the header does not)."""
    from lbc_cli import io as lbc_io

    monkeypatch.setattr(lbc_io, "FILE_MAX_ROWS", 3)
    if fmt == "csv":
        lines = ["name,gender,birth_date,consent_on", "甲,F,2016-01-01,2024-01-01", "", "乙,M,2016-02-02,2024-01-01"]
    else:
        lines = [json.dumps({"name": n, "gender": g, "birth_date": b, "consent_on": "2024-01-01"}, ensure_ascii=False)
                 for n, g, b in [("甲", "F", "2016-01-01"), ("乙", "M", "2016-02-02")]]  # fmt: skip
        lines.insert(1, "")
    path = tmp_path / f"children.{fmt}"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = lbc("import", "children", str(path), "--dry-run")
    assert (result.code, result.err) == (0, "all 2 rows are good (--dry-run: nothing written)\n")
    path.write_text("\n".join([*lines, lines[-1].replace("乙", "丙")]) + "\n", encoding="utf-8")
    result = lbc("import", "children", str(path), "--dry-run")
    said = f"{path} has more than 3 rows, more than an import reads from one file; split it and import each part"
    assert (result.code, result.err) == (1, f"lbc: error: {said}\n")
