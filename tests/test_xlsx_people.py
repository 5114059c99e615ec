"""Exports for people (SPEC section 11, issue 21 items 2 and 3): `lbc export TABLE --labels` in every format, a
workbook made for people (labels by default, `--slugs` for codes), the registration form numbered 1...n, and
`--bom` on every command that writes CSV.

Expected values are worked out by hand: a column's width is its widest text (a Chinese character counting two)
plus 2, at most 50. Tests named test_roundtrip_labels_* read labelled files back with `lbc import`: they need the
import side of issue 21 (an import reading label headers in either language)."""

import csv
import io
import json
import os
import shutil
import subprocess
import sys
import typing
from datetime import datetime
from pathlib import Path

import openpyxl
import pytest
from conftest import ON_PG, copy_db, rows

from lbc_cli import i18n, models, output, tables, validate
from lbc_cli import io as lbc_io

ROOT = Path(__file__).resolve().parent.parent
ID_NUMBER = "110105201503040017"  # a valid check digit (tests/test_export.py works it out)
HOBBIES = "画画" * 30  # 60 wide characters: 120 digits wide, more than a column may be
CHILD_COLUMNS = models.export_columns(models.Child)
TABLES = ("children", "helpers", "pairs", "contacts", "exams", "exits")


def ok(result):
    assert result.code == 0, result.err
    return result


def _csv(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text)))


def _book(path: Path):
    return openpyxl.load_workbook(path)


@pytest.fixture
def child(lbc):
    """张小明 (1): every coded field filled, a boarder, two flags, a long hobby, a formula-like note."""
    result = lbc(
        "enroll", "张小明", "--gender", "M", "--birth", "2015-03-04", "--id-number", ID_NUMBER,
        "--village", "李家村", "--group", "3组", "--address", "李家村3组8号", "--schooling", "primary",
        "--boarding", "--health", "healthy", "--guardian", "张奶奶", "--guardian-relation", "grandparent",
        "--guardian-phone", "13812345678", "--guardian-rating", "good", "--away", "father",
        "--father-phone", "13900001111", "--mother-phone", "0731-84561234", "--flag", "hardship", "--flag", "独居",
        "--assistance", "dibao", "--hobbies", HOBBIES, "--note", "=SUM(A1:A9)", "--enrolled-on", "2026-09-01",
    )  # fmt: skip
    assert result.code == 0, result.err
    return int(result.out)


# ---- a workbook made for people -------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_workbook_is_a_sheet_made_for_people(run, db, child, tmp_path, lang):
    path = tmp_path / "名单.xlsx"
    ok(run("--lang", lang, "export", "children", "--out", str(path), db=db))  # xlsx from the name, labels by default
    book = _book(path)
    sheet = book.worksheets[0]
    assert len(book.worksheets) == 1 and sheet.title == {"zh": "儿童", "en": "children"}[lang]
    header = [c.value for c in sheet[1]]
    with i18n.using(lang):
        assert header == [i18n.field(c) for c in CHILD_COLUMNS]
    at = {name: header.index(label) for name, label in zip(CHILD_COLUMNS, header, strict=True)}
    assert (header[at["name"]], header[at["birth_date"]], header[at["guardian_relation"]]) == {
        "zh": ("姓名", "出生日期", "与儿童关系"),
        "en": ("name", "birth date", "guardian relation"),
    }[lang]
    assert all(c.font.b for c in sheet[1])  # a bold header
    assert sheet.freeze_panes == "A2"  # frozen above the first row of data
    assert sheet.print_title_rows == "$1:$1"  # and printed at the top of every page
    assert sheet.auto_filter.ref == "A1:AK2"  # 37 columns (A..Z, AA..AK), the header and one child
    assert sheet.max_row == 2
    cells = sheet[2]
    value = {name: cells[i].value for name, i in at.items()}
    zh = lang == "zh"
    assert value["name"] == "张小明" and value["id"] == child
    assert value["gender"] == ("男" if zh else "male")
    assert value["schooling"] == ("小学" if zh else "primary")
    assert value["guardian_relation"] == ("祖父母" if zh else "grandparent")
    assert value["guardian_rating"] == ("较好" if zh else "good")
    assert value["flags"] == ("困难留守儿童、独居" if zh else "hardship, lives alone")
    assert value["assistance"] == ("低保" if zh else "dibao")
    assert (value["boarding"], value["mother_away"]) == (("是", "否") if zh else ("yes", "no"))
    assert value["status"] == ("在册" if zh else "active")
    # dates are dates, shown yyyy-mm-dd
    birth = cells[at["birth_date"]]
    assert birth.is_date and birth.number_format == "yyyy-mm-dd" and birth.value == datetime(2015, 3, 4)
    assert cells[at["enrolled_on"]].is_date and cells[at["enrolled_on"]].value == datetime(2026, 9, 1)
    # id numbers and phones: text cells (masked unless --reveal), never a number Excel would show as 1.1E+17
    for name, shown in [
        ("id_number", "110***********0017"),
        ("guardian_phone", "138****5678"),
        ("father_phone", "139****1111"),
        ("mother_phone", "073******1234"),
    ]:
        cell = cells[at[name]]
        assert (cell.value, cell.data_type, cell.number_format) == (shown, "s", "@"), name
    # a formula-like text stays a text
    note = cells[at["family_notes"]]
    assert (note.value, note.data_type) == ("=SUM(A1:A9)", "s")
    # widths: the widest text of a column, a Chinese character counting two, plus 2, at most 50
    width = {name: sheet.column_dimensions[cells[i].column_letter].width for name, i in at.items()}
    assert width["name"] == 8  # 张小明: 6 (姓名 and "name": 4)
    assert width["address"] == 14  # 李家村3组8号: 李家村 6, 3 1, 组 2, 8 1, 号 2: 12
    assert width["id_number"] == 20  # 18 characters
    assert width["birth_date"] == 12  # a date is 10 wide; 出生日期 8, "birth date" 10
    assert width["hobbies"] == 50  # 120 wide, cut to 50
    assert width["uid"] == 38  # a uid's 36 characters
    assert width["id"] == (6 if zh else 4)  # 编号 4 wide, "id" 2 (the id 1: 1)
    book.close()


def test_a_text_excel_would_take_for_an_error_or_a_formula_stays_a_text(lbc, tmp_path):
    ok(lbc("enroll", "甲", "--gender", "F", "--birth", "2016-01-01", "--note", "#N/A", "--hobbies", "=1+1"))
    path = tmp_path / "c.xlsx"
    ok(lbc("export", "children", "--out", str(path)))
    sheet = _book(path).worksheets[0]
    cells = {h.value: c for h, c in zip(sheet[1], sheet[2], strict=True)}
    assert (cells["family notes"].value, cells["family notes"].data_type) == ("#N/A", "s")
    assert (cells["hobbies"].value, cells["hobbies"].data_type) == ("=1+1", "s")


def test_slugs_keep_the_codes_in_a_sheet_still_made_for_people(lbc, child, tmp_path):
    path = tmp_path / "c.xlsx"
    ok(lbc("export", "children", "--format", "xlsx", "--slugs", "--reveal", "--out", str(path)))
    sheet = _book(path).worksheets[0]
    assert sheet.title == "children"
    header = [c.value for c in sheet[1]]
    assert header == CHILD_COLUMNS and all(c.font.b for c in sheet[1])
    value = {name: cell for name, cell in zip(header, sheet[2], strict=True)}
    assert (value["gender"].value, value["flags"].value, value["boarding"].value) == ("M", "hardship;lives-alone", 1)
    assert value["birth_date"].is_date and value["birth_date"].number_format == "yyyy-mm-dd"
    assert (value["id_number"].value, value["id_number"].number_format) == (ID_NUMBER, "@")
    assert (value["mother_phone"].value, value["mother_phone"].number_format) == ("0731-84561234", "@")
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref == "A1:AK2"


def test_money_has_two_places_and_the_payroll_its_labels(lbc, tmp_path):
    """The demo's payroll of 2025: a helper's score and yuan, a pupil's award (worked out in tests/test_import.py's
    test_scores_export_as_a_workbook: helper 13 points, 13 yuan; pupil progress 30 and excellence 50)."""
    assert lbc("enroll", "甲", "--gender", "F", "--birth", "2014-01-01", "--enrolled-on", "2025-09-01").code == 0
    assert lbc("helper", "add", "志愿者", "--role", "volunteer").code == 0
    assert lbc("pair", "甲", "志愿者", "--since", "2025-09-01").code == 0
    assert lbc("exam", "add", "甲", "--year", "2025", "--term", "1", "--rank", "10", "--class-size", "40").code == 0
    assert lbc("exam", "add", "甲", "--year", "2025", "--term", "2", "--rank", "4", "--class-size", "40").code == 0
    path = tmp_path / "scores.xlsx"
    ok(lbc("--lang", "zh", "export", "scores", "--year", "2025", "--out", str(path)))
    sheet = _book(path).worksheets[0]
    assert sheet.title == "考核奖励"
    header, *body = [[c.value for c in row] for row in sheet.iter_rows()]
    assert header == ["学年", "发放对象", "编号", "姓名", "角色", "奖项", "考核分", "奖金（元）"]
    assert body[0] == [2025, "帮扶人", 1, "志愿者", "牵手扶助志愿者", None, 13, 13]
    assert sorted((r[1], r[5], r[7]) for r in body[1:]) == [("儿童", "优秀奖", 50), ("儿童", "越位进步奖", 30)]
    yuan = [row[7] for row in sheet.iter_rows(min_row=2)]
    assert all(c.number_format == "0.00" and c.data_type == "n" for c in yuan)
    assert sheet.cell(row=2, column=7).number_format == "0.00"  # the score (two places too)
    english = _csv(ok(lbc("export", "scores", "--year", "2025", "--labels")).out)
    assert list(english[0]) == ["school year", "paid to", "id", "name", "role", "award", "score", "yuan"]
    assert (english[0]["paid to"], english[0]["role"], english[0]["yuan"]) == ("helper", "volunteer", "13.00")


def test_xlsx_out_dash_writes_the_workbook_to_stdout(db, child, tmp_path):
    if ON_PG:
        pytest.skip("a process of its own reads the database file")
    env = {k: v for k, v in os.environ.items() if k not in ("LBC_DB", "LBC_TEMPLATES")}
    env.update(LBC_LANG="zh", PYTHONPATH=str(ROOT))
    done = subprocess.run(
        [sys.executable, "-m", "lbc_cli", "--db", str(db), "export", "children", "-f", "xlsx", "--out", "-"],
        env=env,
        capture_output=True,
        timeout=120,
    )
    assert done.returncode == 0 and done.stderr == b"", done.stderr
    assert done.stdout[:2] == b"PK"  # a zip: the workbook's bytes, nothing else
    sheet = openpyxl.load_workbook(io.BytesIO(done.stdout)).worksheets[0]
    assert sheet.title == "儿童" and sheet["C1"].value == "姓名" and sheet["C2"].value == "张小明"


def test_a_sheet_name_is_one_excel_takes():
    assert lbc_io.sheet_title("儿童") == "儿童"
    assert lbc_io.sheet_title("a/b\\c?d*e[f]g:h") == "a_b_c_d_e_f_g_h"  # none of / \ ? * [ ] :
    assert lbc_io.sheet_title("'引号'") == "引号"  # no apostrophe at either end
    assert lbc_io.sheet_title("名" * 40) == "名" * 31  # at most 31 characters
    assert lbc_io.sheet_title("::") == "__" and lbc_io.sheet_title("''") == "Sheet1"
    for table in (*TABLES, "scores"):
        for lang in ("zh", "en"):
            with i18n.using(lang):
                name = tables.sheet_name(table, labels=True)
            assert lbc_io.sheet_title(name) == name and name  # every table's sheet name as it is
    assert lbc_io.sheet_title(tables.REGISTRATION_SHEET) == "农村留守儿童基本情况登记表"


def test_the_widths_count_a_wide_character_twice():
    assert [lbc_io.display_width(v) for v in ("abc", "张三", "Ａ1", "李家村3组8号", None, 12345)] == [3, 4, 3, 12, 0, 5]
    assert lbc_io.display_width("第一行\n第二行更长") == 10  # the longest line


# ---- --labels in every format ------------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_labels_in_csv_json_and_jsonl(run, db, child, lang):
    zh = lang == "zh"
    [row] = _csv(ok(run("--lang", lang, "export", "children", "--labels", db=db)).out)
    with i18n.using(lang):
        assert list(row) == [i18n.field(c) for c in CHILD_COLUMNS]
    name, gender, flags = ("姓名", "性别", "类别标记") if zh else ("name", "gender", "flags")
    assert (row[name], row[gender], row[flags]) == (
        ("张小明", "男", "困难留守儿童、独居") if zh else ("张小明", "male", "hardship, lives alone")
    )
    id_number = "身份证号" if zh else "id number"
    assert row[id_number] == "110***********0017"  # masked, by the column the label names
    note = "家庭情况" if zh else "family notes"
    assert row[note] == "'=SUM(A1:A9)"  # CSV's formula guard, as ever
    text = ok(run("--lang", lang, "export", "children", "--labels", "--format", "json", db=db)).out
    assert text.startswith("[")  # no BOM
    [item] = json.loads(text)
    assert item[gender] == ("男" if zh else "male") and item[note] == "=SUM(A1:A9)"
    assert item["出生日期" if zh else "birth date"] == "2015-03-04" and item["编号" if zh else "id"] == child
    assert item["寄宿" if zh else "boarding"] == ("是" if zh else "yes")
    [line] = ok(run("--lang", lang, "export", "children", "--labels", "--format", "jsonl", db=db)).out.splitlines()
    assert json.loads(line) == item


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_labelled_export_carries_everything_a_slug_export_does(run, lang, tmp_path):
    """Every table of the demo, as JSON with labels and with slugs: each label read back as the slug it stands for
    (the field labels as columns, validate's parsers for the values, as an import reads them) gives the slug export."""
    demo = copy_db(ROOT / "lbc.example.db", tmp_path / "demo.db")
    for table in (*TABLES, "scores"):
        extra = ["--year", "2025"] if table == "scores" else ["--status", "all"] if table != "helpers" else []
        plain = json.loads(ok(run("--lang", lang, "export", table, *extra, "-f", "json", "--reveal", db=demo)).out)
        shown = json.loads(
            ok(run("--lang", lang, "export", table, *extra, "-f", "json", "--reveal", "--labels", db=demo)).out
        )
        assert len(plain) == len(shown) and plain, table
        enums = tables.EXPORT_ENUMS[table]
        with i18n.using(lang):
            columns = {i18n.field(c): c for c in plain[0]}
            if table == "scores":
                columns[i18n.t("payee_header")] = "kind"
            for before, after in zip(plain, shown, strict=True):
                back = {}
                for head, value in after.items():
                    column = columns[head]
                    enum = enums.get(column)
                    if enum and value:
                        parse = validate.parse_slug_set if enum in ("flag", "assistance") else validate.parse_slug
                        value = parse(enum, value, column)
                    elif value in (i18n.t("yes"), i18n.t("no")):
                        value = int(validate.parse_bool(value, column))
                    back[column] = value
                assert back == before, table


def test_every_label_of_an_exported_enum_is_read_back_as_its_slug():
    """Within each enum an export labels, no two slugs share a label in either language, and each label (and the
    labels of a set, as ``i18n.labels`` joins them) is read back as its slug: what makes --labels exact."""
    enums = {enum for table in tables.EXPORT_ENUMS.values() for enum in table.values()}
    for enum in enums:
        for lang in ("zh", "en"):
            with i18n.using(lang):
                shown = {slug: i18n.label(enum, slug) for slug in i18n.ENUMS[enum]}
                assert len(set(shown.values())) == len(shown), (enum, lang)
                for slug, label in shown.items():
                    assert validate.parse_slug(enum, label, enum) == slug
                if enum in ("flag", "assistance"):
                    every = ";".join(i18n.ENUMS[enum])
                    assert validate.parse_slug_set(enum, i18n.labels(enum, every), enum) == every


def test_the_field_labels_of_an_exported_table_are_distinct():
    for name, model in models.TABLES.items():
        for lang in ("zh", "en"):
            with i18n.using(lang):
                heads = [i18n.field(c) for c in models.export_columns(model)]
            assert len(set(heads)) == len(heads), (name, lang)


def test_labels_and_slugs_at_once_is_a_usage_error_in_the_sessions_language(run, db):
    said = run("--lang", "zh", "export", "children", "--labels", "--slugs", db=db)
    assert said.code == 2 and said.out == ""
    assert said.err.strip() == (
        "lbc: 错误：--labels：不能与 --slugs 同时使用（前者写中文表头和名称，后者写列名和代码）"
    )
    said = run("--lang", "en", "export", "children", "-f", "xlsx", "--labels", "--slugs", "--out", "x.xlsx", db=db)
    assert said.code == 2 and "--labels: not with --slugs" in said.err
    assert not Path("x.xlsx").exists()
    said = run("--lang", "zh", "export", "children", "--layout", "registration-form", "--slugs", db=db)
    assert said.code == 2 and "登记表" in said.err and "--slugs" in said.err


# ---- the registration form ------------------------------------------------------------------------------------------

FORM_HEADERS = [
    "序号", "姓名", "性别", "民族", "出生日期", "公民身份号码", "所在村", "村民组", "家庭住址", "就学情况",
    "就读学校", "年级", "班级", "是否寄宿", "健康状况", "父亲是否外出务工", "父亲务工地点", "父亲联系电话",
    "母亲是否外出务工", "母亲务工地点", "母亲联系电话", "监护人姓名", "与儿童关系", "监护人联系电话", "监护情况",
    "委托照护确认日期", "类别", "已获救助情况", "建档日期", "备注",
]  # fmt: skip


@pytest.fixture
def three(lbc):
    """甲 (1), 乙 (2), 丙 (3) enrolled; 乙 moved away."""
    for name, birth in (("甲", "2015-01-01"), ("乙", "2015-02-02"), ("丙", "2015-03-03")):
        ok(lbc("enroll", name, "--gender", "F", "--birth", birth, "--enrolled-on", "2026-09-01"))
    ok(lbc("child", "exit", "乙", "--reason", "moved", "--date", "2026-09-15"))
    return lbc


def test_the_form_numbers_its_rows_and_holds_the_children_in_the_programme(three):
    form = _csv(ok(three("export", "children", "--layout", "registration-form")).out)
    assert [(r["序号"], r["姓名"]) for r in form] == [("1", "甲"), ("2", "丙")]  # 丙's id is 3: numbered 2
    everyone = _csv(ok(three("export", "children", "--layout", "registration-form", "--status", "all")).out)
    assert [(r["序号"], r["姓名"]) for r in everyone] == [("1", "甲"), ("2", "乙"), ("3", "丙")]
    left = _csv(ok(three("export", "children", "--layout", "registration-form", "--status", "exited")).out)
    assert [(r["序号"], r["姓名"]) for r in left] == [("1", "乙")]
    assert three("export", "children", "--layout", "registration-form", "--status", "gone").code == 2
    # the plain export keeps every child but a purged one, as before
    assert [r["id"] for r in _csv(ok(three("export", "children")).out)] == ["1", "2", "3"]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_form_keeps_its_chinese_headers_in_every_language_and_format(run, db, child, tmp_path, lang):
    [row] = _csv(ok(run("--lang", lang, "export", "children", "--layout", "registration-form", db=db)).out)
    assert list(row) == FORM_HEADERS == tables.REGISTRATION_HEADERS
    assert (row["序号"], row["性别"], row["是否寄宿"], row["类别"]) == ("1", "男", "是", "困难留守儿童、独居")
    [item] = json.loads(
        ok(run("--lang", lang, "export", "children", "--layout", "registration-form", "-f", "json", db=db)).out
    )
    assert list(item) == FORM_HEADERS and item["序号"] == 1
    path = tmp_path / "登记表.xlsx"
    ok(run("--lang", lang, "export", "children", "--layout", "registration-form", "--out", str(path), db=db))
    sheet = _book(path).worksheets[0]
    assert sheet.title == "农村留守儿童基本情况登记表"
    assert [c.value for c in sheet[1]] == FORM_HEADERS and all(c.font.b for c in sheet[1])
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref == "A1:AD2"  # 30 columns
    cells = {h: c for h, c in zip(FORM_HEADERS, sheet[2], strict=True)}
    assert cells["序号"].value == 1 and cells["出生日期"].is_date and cells["建档日期"].is_date
    for header in ("公民身份号码", "父亲联系电话", "母亲联系电话", "监护人联系电话"):
        assert cells[header].number_format == "@" and cells[header].data_type == "s", header
    assert cells["公民身份号码"].value == "110***********0017"
    assert sheet.column_dimensions["F"].width == 20  # 公民身份号码: 12 wide; the number 18


def test_the_forms_headers_are_documented_in_the_readme():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "、".join(FORM_HEADERS) in readme


# ---- --bom ------------------------------------------------------------------------------------------------------


def _commands():
    import typer.main

    from lbc_cli.cli.root import app

    def walk(command, path):
        if hasattr(command, "commands"):
            for name, sub in command.commands.items():
                yield from walk(sub, (*path, name))
        else:
            yield path, command

    yield from walk(typer.main.get_command(app), ())


def _choices(command) -> tuple:
    hints = typing.get_type_hints(command.callback.__wrapped__, include_extras=True)
    if "fmt" not in hints:
        return ()
    return next((m for m in getattr(hints["fmt"], "__metadata__", ()) if isinstance(m, output.Choices)), ())


def test_every_command_that_writes_csv_takes_bom_and_no_other_does():
    seen = []
    for path, command in _commands():
        options = {o for p in command.params for o in getattr(p, "opts", ())}
        writes_csv = "csv" in _choices(command) and path != ("import",)  # import reads CSV
        assert ("--bom" in options) == writes_csv, path
        seen += [path] if writes_csv else []
    assert len(seen) >= 13 and ("export",) in seen and ("remind",) in seen and ("child", "list") in seen


# Each command writing CSV, with what it needs to run
BOM_COMMANDS = [
    ("child", "list"), ("child", "duplicates"), ("helper", "list"), ("pair", "list"), ("contact", "list"),
    ("schedule", "list"), ("exam", "list"), ("score", "--year", "2025", "--view", "children"), ("audit",),
    ("config", "list"), ("remind", "--as-of", "2026-12-01"), ("export", "contacts"), ("merge", "OTHER"),
]  # fmt: skip


@pytest.mark.parametrize("args", BOM_COMMANDS, ids=lambda a: " ".join(a[:2]))
def test_bom_starts_the_csv_of_every_command_and_refuses_any_other_format(run, tmp_path, args):
    demo = copy_db(ROOT / "lbc.example.db", tmp_path / "demo.db")
    if "OTHER" in args:
        other = copy_db(ROOT / "lbc.example.db", tmp_path / "other.db")
        args = tuple(str(other) if a == "OTHER" else a for a in args)
        args = (*args, "--dry-run")
    done = run(*args, "--format", "csv", "--bom", db=demo)
    assert done.code == 0, done.err
    assert done.out.startswith("\ufeff") and done.out.count("\ufeff") == 1
    plain = run(*args, "--format", "csv", db=demo)
    assert done.out == "\ufeff" + plain.out  # the same CSV after the BOM
    for lang, said in (("zh", "--bom：只用于 CSV"), ("en", "--bom: for CSV only")):
        refused = run("--lang", lang, *args, "--format", "json", "--bom", db=demo)
        assert refused.code == 2 and refused.out == "" and said in refused.err, (lang, refused.err)
        assert "\ufeff" not in refused.out


def test_bom_with_a_file_or_the_default_format(lbc, child, tmp_path):
    path = tmp_path / "c.csv"
    ok(lbc("export", "children", "--labels", "--bom", "--out", str(path)))
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and raw[3:].decode("utf-8").startswith("id,uid,name,gender")
    assert lbc("export", "children", "--bom", "--out", str(tmp_path / "c.xlsx")).code == 2  # xlsx by the name
    assert lbc("export", "children", "--bom", "--format", "jsonl").code == 2
    assert lbc("child", "list", "--bom").code == 2  # a table for people: no BOM
    assert not (tmp_path / "c.xlsx").exists()


# ---- LibreOffice opens it ---------------------------------------------------------------------------------------


def test_libreoffice_converts_the_workbook_to_pdf(lbc, child, tmp_path):
    soffice = shutil.which("soffice") or ("/usr/bin/soffice" if os.path.exists("/usr/bin/soffice") else None)
    if soffice is None:
        pytest.skip("LibreOffice (soffice) is not installed: the workbook is not converted to PDF here")
    path = tmp_path / "children.xlsx"
    ok(lbc("--lang", "zh", "export", "children", "--out", str(path)))
    profile = tmp_path / "profile"  # a profile of its own: no clash with another soffice running
    done = subprocess.run(
        [soffice, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--convert-to", "pdf",
         "--outdir", str(tmp_path), str(path)],
        capture_output=True, timeout=180,
    )  # fmt: skip
    pdf = tmp_path / "children.pdf"
    assert done.returncode == 0 and pdf.exists() and pdf.read_bytes().startswith(b"%PDF"), done.stderr
    pdftotext = shutil.which("pdftotext")
    if pdftotext is not None:
        text = subprocess.run([pdftotext, str(pdf), "-"], capture_output=True, timeout=60, text=True).stdout
        assert "2015-03-04" in text  # a date cell shown yyyy-mm-dd


# ---- round trips through `lbc import`: these need the import side of issue 21 (label headers read) ---------------


@pytest.mark.parametrize("fmt", ["csv", "json", "jsonl", "xlsx"])
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_roundtrip_labels_every_table_in_every_format(run, fresh_db, tmp_path, lang, fmt):
    """Every table of the demo exported with labels (--reveal) and imported into an empty database: exported again
    with slugs, the same bytes as the demo's own slug export."""
    demo = copy_db(ROOT / "lbc.example.db", tmp_path / "demo.db")
    target = fresh_db()
    for table in ("helpers", "children", "pairs", "contacts", "exams", "exits"):
        path = tmp_path / f"{table}.{fmt}"
        ok(run("--lang", lang, "export", table, "--reveal", "--labels", "--format", fmt, "--out", str(path), db=demo))
        ok(run("--lang", lang, "import", table, str(path), db=target))
    for table in ("helpers", "children", "pairs", "contacts", "exams", "exits"):
        before = ok(run("export", table, "--reveal", db=demo)).out
        assert ok(run("export", table, "--reveal", db=target)).out == before, table


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_roundtrip_labels_registration_form_into_an_empty_database(run, fresh_db, db, child, tmp_path, fmt):
    """A revealed form, imported as new children: every field the form holds comes back (SPEC section 11)."""
    path = tmp_path / f"form.{fmt}"
    ok(run("export", "children", "--layout", "registration-form", "--reveal", "--out", str(path), db=db))
    target = fresh_db()
    ok(run("import", "children", str(path), db=target))
    held = [c for _h, c, _e in tables.REGISTRATION_FORM if c]
    query = f"SELECT {', '.join(held)} FROM children ORDER BY id"
    assert rows(target, query) == rows(db, query)


@pytest.fixture
def fresh_db(run, new_db):
    """fresh_db() -> a new, initialised, empty database."""
    made = []

    def make():
        target = new_db(f"fresh-{len(made)}.db")
        made.append(target)
        ok(run("init", db=target))
        return target

    return make


def test_a_labelled_csv_export_does_not_load_openpyxl(db, child):
    """openpyxl is imported by the workbook's writer alone: a CSV export, labelled or not, goes without it."""
    if ON_PG:
        pytest.skip("a process of its own reads the database file")
    code = (
        "import sys; from lbc_cli.cli import main; "
        f"code = main(['--db', {str(db)!r}, 'export', 'children', '--labels']); "
        "sys.stderr.write(repr((code, 'openpyxl' in sys.modules)))"
    )
    env = {k: v for k, v in os.environ.items() if k not in ("LBC_DB", "LBC_TEMPLATES")}
    done = subprocess.run(
        [sys.executable, "-c", code], env={**env, "PYTHONPATH": str(ROOT)}, capture_output=True, timeout=120
    )
    assert done.stderr.decode().endswith("(0, False)"), done.stderr
