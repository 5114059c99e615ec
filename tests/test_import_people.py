"""lbc import of files made for people (SPEC section 11): headers and values as labels in Chinese or English, in every
format, each round trip exact; the registration form read back; and the errors: every problem of a row, a header's
problem in one line, each column named as the file names it, a masked export recognised as one."""

import csv
import io
import json
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest
from conftest import new_target, rows
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lbc_cli import i18n, importer
from lbc_cli.cli import main

TABLES = ["children", "helpers", "pairs", "contacts", "exams", "exits"]  # the order an import must follow
FORMATS = ["csv", "json", "jsonl", "xlsx"]
ID_NUMBER = "110105201503040017"  # worked by hand in test_import.py


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
        assert run("init", db=path).code == 0
        return path

    return make


def error_lines(err: str) -> list[str]:
    return [line.strip() for line in err.splitlines() if line.startswith("  ")]


def count(target, table: str) -> int:
    return rows(target, f"SELECT count(*) FROM {'pairings' if table == 'pairs' else table}")[0][0]


# ---- labelled files, made by hand as `lbc export --labels` writes them ----------------------------------------------


def labelled(table: str, slug_rows: list[dict], lang: str) -> list[dict]:
    """Rows of a slug export as a labelled export has them: headers i18n.field(column), enum values i18n.label, sets
    joined as i18n.labels joins them, yes/no as words; all in ``lang``."""
    spec = importer.TABLES[table][1]
    out = []
    with i18n.using(lang):
        for row in slug_rows:
            item = {}
            for column, value in row.items():
                kind, enum = spec.get(column, ("text", None))
                if kind == "slug" and value:
                    value = i18n.label(enum, value)
                elif kind == "slugs":
                    value = i18n.labels(enum, value)
                elif kind == "bool":
                    value = i18n.t("yes") if value in ("1", "true", "True") else i18n.t("no")
                item[i18n.field(column)] = value
            out.append(item)
    return out


def write(path: Path, items: list[dict], fmt: str, table: str) -> None:
    """``items`` (text cells) as a file of ``fmt``; a workbook as people's sheets hold them: real dates, numbers as
    numbers (money with two decimals), id numbers and phones as text."""
    if fmt == "csv":
        with path.open("w", encoding="utf-8-sig", newline="") as handle:
            writer = csv.DictWriter(handle, list(items[0]))
            writer.writeheader()
            writer.writerows(items)
    elif fmt == "json":
        path.write_text(json.dumps(items, ensure_ascii=False), encoding="utf-8")
    elif fmt == "jsonl":
        path.write_text("".join(json.dumps(i, ensure_ascii=False) + "\n" for i in items), encoding="utf-8")
    else:
        book = openpyxl.Workbook()
        sheet = book.active
        sheet.title = table
        sheet.append(list(items[0]))
        for cell in sheet[1]:
            cell.font = openpyxl.styles.Font(bold=True)
        sheet.freeze_panes = "A2"
        for item in items:
            sheet.append([_cell(value) for value in item.values()])
        for row in sheet.iter_rows(min_row=2):
            for cell in row:
                if isinstance(cell.value, date):
                    cell.number_format = "yyyy-mm-dd"
                elif isinstance(cell.value, float):
                    cell.number_format = "0.00"
        book.save(path)


def _cell(value):
    """A cell's text as a person's workbook holds it: a date as a date, a count or a score as a number, the rest text
    (an id number or a phone is all digits, and stays text)."""
    if not isinstance(value, str) or value == "":
        return value or None
    if len(value) == 10 and value[4] == "-" and value[7] == "-":
        return date.fromisoformat(value)
    if value.isdigit() and len(value) <= 6:
        return int(value)
    try:
        number = float(value)
    except ValueError:
        return value
    return round(number, 2) if "." in value else value


def slug_export(run, target, table: str) -> str:
    result = run("export", table, "--reveal", db=target)
    assert result.code == 0, result.err
    return result.out


@pytest.mark.parametrize(
    ("fmt", "lang", "session"), [(f, lang, s) for f in FORMATS for lang, s in (("zh", "en"), ("en", "zh"))]
)
def test_labelled_files_of_every_table_round_trip_exactly(run, example_db, fresh, tmp_path, fmt, lang, session):
    """Headers and values as labels of ``lang``, read in a session of the other language: exported again, every
    table is the slug export it was made from, byte for byte."""
    target = fresh()
    before = {table: slug_export(run, example_db, table) for table in TABLES}
    for table in TABLES:
        path = tmp_path / f"{table}.{fmt}"
        items = labelled(table, list(csv.DictReader(io.StringIO(before[table]))), lang)
        if lang == "zh":
            assert "编号" in items[0] and "id" not in items[0]
        write(path, items, fmt, table)
        result = run("--lang", session, "import", table, str(path), db=target)
        assert result.code == 0, f"{table}: {result.err}"
    for table in TABLES:
        assert slug_export(run, target, table) == before[table], table


def test_a_labelled_child_reads_its_words_in_either_language(lbc, db, tmp_path):
    """Headers and words of both languages in one file, read in a Chinese session as in an English one."""
    path = tmp_path / "people.csv"
    path.write_text(
        "姓名,性别,出生日期,类别标记,寄宿,与儿童关系,Guardian phone,schooling\n"
        "甲,女,2016-01-01,困难留守儿童、独居,是,祖父母,13812345678,primary\n"
        '乙,male,2016-02-02,"hardship, lives alone",no,grandparent,,小学\n',
        encoding="utf-8",
    )
    for lang in ("zh", "en"):
        result = lbc("--lang", lang, "import", "children", str(path), "--dry-run")
        assert result.code == 0, result.err
    assert lbc("import", "children", str(path)).code == 0
    got = rows(db, "SELECT name, gender, flags, boarding, guardian_relation, guardian_phone, schooling FROM children")
    assert sorted((*r[:3], bool(r[3]), *r[4:]) for r in got) == [
        ("乙", "M", "hardship;lives-alone", False, "grandparent", None, "primary"),
        ("甲", "F", "hardship;lives-alone", True, "grandparent", "13812345678", "primary"),
    ]


# ---- the registration form -----------------------------------------------------------------------------------------


def form(run, target, fmt: str, *extra: str) -> list[dict]:
    result = run(
        "--lang", "zh", "export", "children", "--layout", "registration-form", "--format", fmt, *extra, db=target
    )
    assert result.code == 0, result.err
    return result


def form_rows(run, target) -> list[dict]:
    """The form of a database as JSON rows, less its row numbers (a database's own)."""
    items = json.loads(form(run, target, "json", "--reveal").out)
    return [{k: v for k, v in item.items() if k != "序号"} for item in items]


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_revealed_registration_form_imports_back_as_new_children(run, example_db, fresh, tmp_path, fmt):
    path = tmp_path / f"登记表.{fmt}"
    assert form(run, example_db, fmt, "--reveal", "--out", str(path)).code == 0
    target = fresh()
    result = run("--lang", "zh", "import", "children", str(path), db=target)
    assert result.code == 0, result.err
    assert form_rows(run, target) == form_rows(run, example_db)
    # the same form again: every child is one the database has (the usual duplicate rules)
    again = run("--lang", "zh", "import", "children", str(path), db=target)
    first = 1 if fmt in ("json", "jsonl") else 2  # an object's number, or a sheet's row under its header
    assert again.code == 1
    assert error_lines(again.err)[0] == f"{path}:{first}: 姓名: 与已有档案（编号 1）重复（加 --force 仍然导入）"
    assert count(target, "children") == len(form_rows(run, example_db))


def test_a_registration_form_goes_into_another_villages_database(lbc, run, db, tmp_path):
    """A child enrolled here first: the form's children come after it, with ids of this database's own."""
    assert lbc("enroll", "本村的", "--gender", "F", "--birth", "2016-05-05", "--village", "本村").code == 0
    path = tmp_path / "form.csv"
    path.write_text(
        "序号,姓名,性别,出生日期,公民身份号码,所在村,是否寄宿,父亲是否外出务工,母亲是否外出务工,与儿童关系,类别,已获救助情况,建档日期\n"
        f"7,张小明,男,2015-03-04,{ID_NUMBER},李家村,是,是,否,祖父母,困难留守儿童、独居,低保,2026-09-01\n",
        encoding="utf-8-sig",
    )
    result = lbc("--lang", "zh", "import", "children", str(path))
    assert result.code == 0, result.err
    got = rows(db, "SELECT id, name, gender, id_number, village, flags, assistance, guardian_relation FROM children"
                   " ORDER BY id")  # fmt: skip
    assert [tuple(r) for r in got] == [
        (1, "本村的", "F", None, "本村", "", "", None),
        (2, "张小明", "M", ID_NUMBER, "李家村", "hardship;lives-alone", "dibao", "grandparent"),
    ]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_masked_registration_form_is_recognised_once(run, example_db, fresh, tmp_path, lang):
    path = tmp_path / "form.csv"
    assert form(run, example_db, "csv", "--out", str(path)).code == 0  # masked: the default
    target = fresh()
    result = run("--lang", lang, "import", "children", str(path), db=target)
    hint = {
        "zh": f"{path}: 公民身份号码、父亲联系电话、母亲联系电话、监护人联系电话是打了星号的（如 138****1234），"
        "看起来是默认导出的文件（身份证号和电话被遮住），不能导回；请用 lbc export children --layout registration-form"
        " --reveal --out 完整名单.csv 导出完整号码后再导入",
        "en": f"{path}: 公民身份号码, 父亲联系电话, 母亲联系电话, 监护人联系电话: "
        "the numbers are masked (like 138****1234): this looks like a default export, which hides id numbers and "
        "phones and cannot be imported back; export with "
        "lbc export children --layout registration-form --reveal --out full.csv and import that file",
    }[lang]
    assert (result.code, error_lines(result.err)) == (1, [hint])
    assert count(target, "children") == 0


# ---- errors --------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_masked_export_is_said_once_with_the_command_to_reveal(run, example_db, fresh, tmp_path, lang):
    """Before: one line a cell (`"511***********0024" is not a valid id number`), no hint."""
    path = tmp_path / "children.json"
    assert run("export", "children", "--format", "json", "--out", str(path), db=example_db).code == 0
    target = fresh()
    result = run("--lang", lang, "import", "children", str(path), db=target)
    columns = "id_number、guardian_phone、father_phone、mother_phone"  # as the file names them, in its order
    if lang == "en":
        columns = columns.replace("、", ", ")
    command = {
        "zh": "lbc export children --reveal --out 完整名单.json",
        "en": "lbc export children --reveal --out full.json",
    }
    mark = {"zh": "是打了星号的（如 138****1234）", "en": ": the numbers are masked (like 138****1234)"}[lang]
    said = {"zh": "有 1 处错误", "en": "has 1 problem;"}[lang]
    lines = error_lines(result.err)
    assert result.code == 1 and said in result.err and len(lines) == 1, result.err
    assert lines[0].startswith(f"{path}: {columns}{mark}") and command[lang] in lines[0]
    assert count(target, "children") == 0


def test_a_masked_phone_among_other_problems_is_said_once_and_the_others_each(lbc, db, tmp_path):
    path = tmp_path / "helpers.csv"
    path.write_text(
        "姓名,角色,电话\n甲,volunteer,138****1234\n乙,nobody,139****5678\n丙,volunteer,12\n", encoding="utf-8"
    )
    result = lbc("--lang", "zh", "import", "helpers", str(path))
    lines = error_lines(result.err)
    assert result.code == 1
    assert (
        lines[0].startswith(f"{path}: 电话是打了星号的")
        and "lbc export helpers --reveal --out 完整名单.csv" in lines[0]
    )
    assert lines[1].startswith(f"{path}:3: 角色: ") and lines[2].startswith(f"{path}:4: 电话: ")
    assert len(lines) == 3 and "3 处错误" in result.err
    assert count(db, "helpers") == 0


def test_every_problem_of_a_row_is_reported_named_as_the_header_names_it(lbc, db, tmp_path):
    path = tmp_path / "c.csv"
    path.write_text("姓名,gender,出生日期,监护人电话\n甲,Q,2016-02-30,12345\n乙,F,2016-01-01,\n", encoding="utf-8")
    result = lbc("import", "children", str(path))
    lines = error_lines(result.err)
    assert result.code == 1 and [line.split(": ")[:2] for line in lines] == [
        [f"{path}:2", "gender"],
        [f"{path}:2", "出生日期"],
        [f"{path}:2", "监护人电话"],
    ]
    assert "3 problems" in result.err
    zh = lbc("--lang", "zh", "import", "children", str(path))
    assert [line.split(": ")[1] for line in error_lines(zh.err)] == ["gender", "出生日期", "监护人电话"]
    assert count(db, "children") == 0


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_column_the_file_lacks_is_named_by_its_label(lbc, db, tmp_path, lang):
    path = tmp_path / "c.jsonl"
    path.write_text('{"name": "甲", "birth_date": "2016-01-01"}\n', encoding="utf-8")
    result = lbc("--lang", lang, "import", "children", str(path))
    said = {"zh": f"{path}:1: 性别: 必须填写", "en": f"{path}:1: gender: is required"}[lang]
    assert (result.code, error_lines(result.err)) == (1, [said])


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_header_lacking_a_required_column_is_one_line(lbc, db, tmp_path, fmt, lang):
    path = tmp_path / f"c.{fmt}"
    write(path, [{"姓名": f"孩子{i}", "出生日期": "2016-01-01"} for i in range(5)], fmt, "children")
    result = lbc("--lang", lang, "import", "children", str(path))
    said = {
        "zh": f"lbc: 错误：{path}:1: 表头缺少必填的列：性别（儿童表的每一行都要填）\n",
        "en": f"lbc: error: {path}:1: the header lacks a column every row of the children table needs: gender\n",
    }[lang]
    assert (result.code, result.err) == (1, said)
    assert count(db, "children") == 0


def test_a_sheet_with_an_unknown_or_a_twice_named_column_is_one_line(lbc, db, tmp_path):
    path = tmp_path / "c.xlsx"
    write(
        path,
        [{"姓名": f"孩子{i}", "性别": "女", "出生日期": "2016-01-01", "昵称": "小"} for i in range(5)],
        "xlsx",
        "c",
    )
    result = lbc("import", "children", str(path))
    assert (
        result.code == 1 and result.err.count("\n") == 1 and f"{path}:1: column 4 of the header, '昵称'" in result.err
    )
    book = openpyxl.Workbook()
    book.active.append(["name", "gender", "出生日期", "birth date"])
    book.active.append(["甲", "F", date(2016, 1, 1), date(2016, 1, 2)])
    book.save(path)
    result = lbc("import", "children", str(path))
    assert (result.code, result.err) == (
        1,
        f"lbc: error: {path}:1: column 3 '出生日期' and column 4 'birth date' of the header both mean birth date/"
        "birth_date: delete or rename one\n",
    )
    assert count(db, "children") == 0


def test_an_unknown_key_of_every_json_object_is_said_once(lbc, db, tmp_path):
    path = tmp_path / "c.json"
    items = [{"name": f"孩子{i}", "gender": "F", "birth_date": "2016-01-01", "nickname": "小"} for i in range(5)]
    path.write_text(json.dumps(items, ensure_ascii=False), encoding="utf-8")
    result = lbc("import", "children", str(path))
    assert (result.code, error_lines(result.err)) == (1, [f"{path}:1: nickname: unknown column"])
    assert count(db, "children") == 0


def test_a_workbook_of_real_dates_numbers_and_text_cells_imports(lbc, db, tmp_path):
    """As people's sheets hold them: a date as a date, a rank as a number, a phone as text or as a number."""
    assert lbc("enroll", "甲", "--gender", "F", "--birth", "2014-01-01", "--enrolled-on", "2025-09-01").code == 0
    path = tmp_path / "exams.xlsx"
    head = [i18n.FIELDS[c][0] for c in ("child_id", "school_year", "term", "class_rank", "class_size", "total_score")]
    book = openpyxl.Workbook()
    book.active.append(head)
    book.active.append([1, 2025, 1, 3, 40, 271.50])
    book.save(path)
    result = lbc("--lang", "zh", "import", "exams", str(path))
    assert result.code == 0, result.err
    assert [
        tuple(r) for r in rows(db, "SELECT child_id, school_year, term, class_rank, class_size, total_score FROM exams")
    ] == [(1, 2025, 1, 3, 40, 271.5)]


_STYLES = st.sampled_from(["slug", "zh", "en", "EN"])


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(headers=st.lists(_STYLES, min_size=40, max_size=40), values=st.lists(_STYLES, min_size=40, max_size=40))
def test_any_mix_of_slugs_and_labels_reads_as_the_slugs_do(run, example_db, fresh, tmp_path_factory, headers, values):
    """Each column's header and each column's values as a slug, a Chinese label, an English label or that in capitals:
    the children imported are the ones the slug file gives."""
    before = slug_export(run, example_db, "children")
    items = list(csv.DictReader(io.StringIO(before)))[:6]
    spec = importer.TABLES["children"][1]
    mixed = []
    for item in items:
        row = {}
        for position, (column, value) in enumerate(item.items()):
            kind, enum = spec.get(column, ("text", None))
            style = values[position]
            if style != "slug" and kind in ("slug", "slugs") and value:
                with i18n.using("zh" if style == "zh" else "en"):
                    value = i18n.labels(enum, value) if kind == "slugs" else i18n.label(enum, value)
                value = value.upper() if style == "EN" else value
            header = headers[position]
            if header != "slug":
                zh, en = i18n.FIELDS[column]
                header = zh if header == "zh" else en.upper() if header == "EN" else en
            else:
                header = column
            row[header] = value
        mixed.append(row)
    path = tmp_path_factory.mktemp("mix") / "mixed.csv"
    write(path, mixed, "csv", "children")
    target = fresh()
    result = run("import", "children", str(path), db=target)
    assert result.code == 0, result.err
    expected = "".join(before.splitlines(keepends=True)[:7])
    assert slug_export(run, target, "children") == expected


# ---- what outside testers found (issue 21, second round) -----------------------------------------------------------


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_an_empty_file_is_refused_and_a_bare_header_imports_nothing(lbc, db, tmp_path, lang):
    """Not a byte: refused (exit 1), never "imported 0 rows"; a header with no rows imports 0 rows."""
    for suffix in ("csv", "json", "jsonl"):
        path = tmp_path / f"zero.{suffix}"
        path.write_bytes(b"")
        result = lbc("--lang", lang, "import", "children", str(path))
        said = {
            "zh": f"lbc: 错误：{path} 是空文件（连表头都没有），没有可导入的内容\n",
            "en": f"lbc: error: {path} is empty (not even a header): nothing to import\n",
        }[lang]
        assert (result.code, result.err) == (1, said)
    path = tmp_path / "head.csv"
    path.write_text("姓名,性别,出生日期\n", encoding="utf-8")
    result = lbc("--lang", lang, "import", "children", str(path))
    assert result.code == 0 and result.err.strip().endswith(
        {"zh": "已导入 0 行到 儿童", "en": "imported 0 rows into children"}[lang]
    )


def test_one_row_is_said_in_the_singular(lbc, db, tmp_path):
    path = tmp_path / "one.csv"
    path.write_text("name,gender,birth_date\n甲,F,2016-01-01\n", encoding="utf-8")
    assert (
        lbc("--lang", "en", "import", "children", str(path), "--dry-run")
        .err.strip()
        .endswith("the 1 row is good (--dry-run: nothing written)")
    )
    assert lbc("--lang", "en", "import", "children", str(path)).err.strip().endswith("imported 1 row into children")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_two_headers_of_one_column_are_each_named_as_the_file_names_them(lbc, db, tmp_path, lang):
    path = tmp_path / "c.csv"
    path.write_text("姓名,性别,出生日期,家庭情况,备注\n甲,女,2016-01-01,,\n", encoding="utf-8")
    result = lbc("--lang", lang, "import", "children", str(path))
    said = {
        "zh": f"lbc: 错误：{path}:1: 表头第 4 列“家庭情况”和第 5 列“备注”都是指 家庭情况/family_notes："
        "请删除或改名其中一列\n",
        "en": f"lbc: error: {path}:1: column 4 '家庭情况' and column 5 '备注' of the header both mean family notes/"
        "family_notes: delete or rename one\n",
    }[lang]
    assert (result.code, result.err) == (1, said)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_json_errors_are_worded_in_the_session_language(lbc, db, tmp_path, lang):
    path = tmp_path / "c.json"
    path.write_text('[{"name":"a"},3]', encoding="utf-8")
    result = lbc("--lang", lang, "import", "children", str(path))
    said = {
        "zh": f"{path}:2: JSON 格式错误：这一项不是对象（{{...}}）",
        "en": f"{path}:2: not valid JSON: this item is not an object ({{...}})",
    }
    assert result.code == 1 and said[lang] in result.err
    path = tmp_path / "c.jsonl"
    path.write_text('{"name": "a"}\n{x}\n', encoding="utf-8")
    result = lbc("--lang", lang, "import", "children", str(path))
    said = {
        "zh": f"{path}:2: JSON 格式错误：第 2 行第 2 列附近格式不对",
        "en": f"{path}:2: not valid JSON: line 2, column 2: not valid",
    }
    assert result.code == 1 and said[lang] in result.err and "Expecting" not in result.err


def _sheet(path, rows, titles=("儿童",), first=None):
    book = openpyxl.Workbook()
    if first is not None:
        book.active.title = first
        book.active.append([first])
        sheet = book.create_sheet(titles[0])
    else:
        sheet = book.active
        sheet.title = titles[0]
    for row in rows:
        sheet.append(row)
    book.save(path)
    return sheet


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_formula_with_no_value_a_number_id_a_date_serial_and_a_time_are_said(lbc, db, tmp_path, lang):
    path = tmp_path / "c.xlsx"
    _sheet(
        path,
        [
            ["姓名", "性别", "出生日期", "年级", "身份证号"],
            ["甲", "女", datetime(2016, 1, 1, 13, 5), "=1+2", None],
            ['=B2&"x"', "女", 42500, None, 110105201605050017],
            ["丙", "女", datetime(2016, 1, 1), None, None],
        ],
    )
    result = lbc("--lang", lang, "import", "children", str(path), "--dry-run")
    said = {
        "zh": [
            f"{path}:2: 出生日期: “2016-01-01 13:05”不是日期（可用 2026-09-01、2026/09/01、2026.09.01、"
            "2026年9月1日 或 today）",
            f"{path}:2: 年级: 单元格是公式“=1+2”，没有计算结果；请在 WPS/Excel 中打开后保存，或改为数值",
            f'{path}:3: 姓名: 单元格是公式“=B2&"x"”，没有计算结果；请在 WPS/Excel 中打开后保存，或改为数值',
            f"{path}:3: 出生日期: “42500”像是 Excel 的日期序号（即 2016-05-10）：请把单元格格式设为日期",
            f"{path}:3: 身份证号: 单元格是数字，已丢掉末几位（Excel 只保留 15 位）；请把这一列设为文本后重新填写号码",
        ],
        "en": [
            f"{path}:2: 出生日期: '2016-01-01 13:05' is not a date (use YYYY-MM-DD, YYYY/MM/DD, YYYY.MM.DD,"
            " YYYY年MM月DD日 or today)",
            f"{path}:2: 年级: the cell holds the formula '=1+2' with no value saved; open and save the file in"
            " WPS/Excel, or type the value",
            f"{path}:3: 姓名: the cell holds the formula '=B2&\"x\"' with no value saved; open and save the file in"
            " WPS/Excel, or type the value",
            f"{path}:3: 出生日期: '42500' looks like an Excel date serial number (2016-05-10): format the cell"
            " as a date",
            f"{path}:3: 身份证号: the cell is a number and has lost its last digits (Excel keeps 15); format the"
            " column as text and type the numbers again",
        ],
    }[lang]
    assert (result.code, error_lines(result.err)) == (1, said)
    assert count(db, "children") == 0


def test_a_formula_with_its_value_saved_imports_the_value(lbc, db, tmp_path):
    """A file Excel or WPS saved holds each formula's value: that is read (data_only)."""
    path = tmp_path / "c.xlsx"
    _sheet(path, [["姓名", "性别", "出生日期", "年级"], ["甲", "女", date(2016, 1, 1), "=1+2"]])
    import zipfile

    with zipfile.ZipFile(path) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    sheet = next(name for name in parts if name.startswith("xl/worksheets/sheet"))
    parts[sheet] = (
        parts[sheet]
        .replace(b"<f>1+2</f><v></v>", b"<f>1+2</f><v>3</v>")
        .replace(b"<f>1+2</f>", b"<f>1+2</f><v>3</v>")
        .replace(b"<v>3</v><v>3</v>", b"<v>3</v>")
    )
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    assert lbc("import", "children", str(path)).code == 0
    assert rows(db, "SELECT grade FROM children") == [("3",)] or rows(db, "SELECT grade FROM children") == [(3,)]


def test_the_tables_sheet_and_a_title_row_above_the_header(lbc, db, tmp_path):
    """The sheet named after the table (not the first, 说明), and a merged title above the header: rows numbered as
    the sheet numbers them."""
    path = tmp_path / "c.xlsx"
    sheet = _sheet(
        path,
        [
            ["李家村留守儿童名单"],
            ["姓名", "性别", "出生日期", "年级"],
            ["甲", "女", date(2016, 1, 1), 3],
            ["乙", "男", "x", 3],
        ],
        first="说明",
    )
    sheet.merge_cells("A1:D1")
    result = lbc("--lang", "zh", "import", "children", str(path))
    assert (result.code, error_lines(result.err)) == (
        1,
        [f"{path}:4: 出生日期: “x”不是日期（可用 2026-09-01、2026/09/01、2026.09.01、2026年9月1日 或 today）"],
    )
    _sheet(
        path,
        [["李家村留守儿童名单"], ["姓名", "性别", "出生日期"], ["甲", "女", date(2016, 1, 1)]],
        titles=("children",),
    )
    assert lbc("import", "children", str(path)).code == 0
    assert rows(db, "SELECT name FROM children") == [("甲",)]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_problem_of_an_exam_row_is_reported(lbc, db, tmp_path, lang):
    """Each cell's problem and each rule of the good fields: one pass shows the whole file. Today's school year is
    worked from the clock (the rule: it starts on 1 September; ten years back are taken)."""
    assert lbc("enroll", "甲", "--gender", "F", "--birth", "2014-01-01", "--enrolled-on", "2020-09-01").code == 0
    today = date.today()
    current = today.year if today.month >= 9 else today.year - 1
    path = tmp_path / "e.csv"
    lines = [
        "儿童编号,学年,学期,班级名次,班级人数",
        f"1,{current + 5},5,0,40",
        f"1,{current - 2},3,0,40",
        f"1,{current + 4},1,0,40",
        f"99,{current - 2},1,50,40",
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = lbc("--lang", lang, "import", "exams", str(path), "--dry-run")
    low = current - 10
    said = {
        "zh": [
            f"{path}:2: 学年: 学年 {current + 5} 不在 {low}–{current} 之间（学年从 9 月 1 日算起）",
            f"{path}:2: 学期: 应不大于 2",
            f"{path}:2: 班级名次: 应不小于 1",
            f"{path}:3: 学期: 应不大于 2",
            f"{path}:3: 班级名次: 应不小于 1",
            f"{path}:4: 学年: 学年 {current + 4} 不在 {low}–{current} 之间（学年从 9 月 1 日算起）",
            f"{path}:4: 班级名次: 应不小于 1",
            f"{path}:5: 儿童编号: 没有编号为 99 的儿童",
            f"{path}:5: 班级名次: 名次 50 大于班级人数 40",
        ],
    }
    lines = error_lines(result.err)
    assert result.code == 1 and len(lines) == 9 and count(db, "exams") == 0
    if lang == "zh":
        assert lines == said["zh"]
    else:
        assert [line.split(": ")[1] for line in lines] == [
            "学年", "学期", "班级名次", "学期", "班级名次", "学年", "班级名次", "儿童编号", "班级名次",
        ]  # fmt: skip


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_child_row_reports_its_bad_cells_and_the_rules_of_its_good_fields(lbc, db, tmp_path, lang):
    """Enrolled before the birth, an id number whose birth date is not the file's 出生日期 (named as the column, not
    --birth), a bad phone: all three of one row."""
    path = tmp_path / "c.csv"
    path.write_text(
        "姓名,性别,出生日期,建档日期,身份证号,监护人电话\n甲,女,2016-02-02,2015-01-01,110105201605050013,123\n",
        encoding="utf-8",
    )
    result = lbc("--lang", lang, "import", "children", str(path), "--dry-run")
    said = {
        "zh": [
            f"{path}:2: 建档日期: 2015-01-01 早于出生日期 2016-02-02",
            f"{path}:2: 身份证号: “110***********0013”不是有效的身份证号（其中的出生日期 2016-05-05 与“出生日期”列的"
            " 2016-02-02 不符）",
            f"{path}:2: 监护人电话: “***”不是电话号码（11 位手机号，可带 +86；或 0区号-号码 的座机）",
        ],
        "en": [
            f"{path}:2: 建档日期: 2015-01-01 is before the birth date 2016-02-02",
            f"{path}:2: 身份证号: '110***********0013' is not a valid id number (its birth date 2016-05-05 does not"
            " match 2016-02-02 in column '出生日期')",
            f"{path}:2: 监护人电话: '***' is not a phone number (11-digit mobile, optional +86, or landline"
            " 0AREA-NUMBER)",
        ],
    }[lang]
    assert (result.code, error_lines(result.err)) == (1, said)
