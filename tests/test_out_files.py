"""Files that are what their names say (issue 21, outside testers' findings): ``--format`` against ``--out``'s
extension, binary formats (docx, xlsx) refused on a terminal even with ``--out -``, and option errors that name
the option once."""

import os
import pty
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.mark.parametrize(
    ("argv", "file", "named", "fmt"),
    [
        (["report", "plan", "--format", "md"], "p2.docx", "docx", "md"),
        (["report", "plan", "--format", "docx"], "p3.md", "md", "docx"),
        (["report", "plan", "--format", "html"], "p3.docx", "docx", "html"),
        (["export", "children", "-f", "xlsx"], "x.csv", "csv", "xlsx"),
        (["export", "children", "-f", "csv"], "x.xlsx", "xlsx", "csv"),
        (["export", "children", "-f", "json"], "x.jsonl", "jsonl", "json"),
        (["report", "summary", "--format", "md"], "s.html", "html", "md"),
    ],
)
def test_format_and_a_file_named_as_another_format_is_a_usage_error(lbc, tmp_path, argv, file, named, fmt):
    target = tmp_path / file
    result = lbc("--lang", "zh", *argv, "--out", str(target))
    assert result.code == 2
    assert result.err.strip() == (
        f"lbc: 错误：--out：“{target}”的扩展名表示 {named}，与 --format {fmt} 不符；"
        f"请改用 .{fmt} 文件名，或去掉 --format"
    )
    assert not target.exists()
    en = lbc(*argv, "--out", str(target))
    assert en.code == 2
    assert f"'{target}' is named as {named} but --format says {fmt}" in en.err
    assert not target.exists()


def test_format_with_an_extension_lbc_does_not_know_or_the_same_format_is_written(lbc, tmp_path):
    assert lbc("report", "plan", "--format", "md", "--out", str(tmp_path / "p.txt")).code == 0
    assert (tmp_path / "p.txt").read_text(encoding="utf-8").startswith("#")
    assert lbc("report", "plan", "--format", "md", "--out", str(tmp_path / "p.markdown")).code == 0
    assert lbc("export", "children", "-f", "xlsx", "--out", str(tmp_path / "x.xlsx")).code == 0
    assert (tmp_path / "x.xlsx").read_bytes()[:2] == b"PK"


def _on_a_terminal(db, *argv) -> tuple[int, bytes, str]:
    """lbc run with stdout a terminal (a pty): its exit code, what reached the terminal, its stderr."""
    leader, follower = pty.openpty()
    env = {**os.environ, "PYTHONPATH": ROOT, "NO_COLOR": "1"}
    proc = subprocess.run(
        [sys.executable, "-m", "lbc_cli", "--db", str(db), *argv],
        stdout=follower, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, env=env, cwd=ROOT, timeout=120,
    )  # fmt: skip
    os.close(follower)
    screen = b""
    try:
        while chunk := os.read(leader, 65536):
            screen += chunk
    except OSError:  # the terminal closed: everything has been read
        pass
    os.close(leader)
    return proc.returncode, screen, proc.stderr.decode("utf-8")


@pytest.mark.parametrize(
    ("argv", "fmt"),
    [
        (["report", "plan", "--format", "docx", "--out", "-"], "docx"),
        (["report", "plan", "--format", "docx"], "docx"),
        (["export", "children", "-f", "xlsx", "--out", "-"], "xlsx"),
        (["export", "children", "-f", "xlsx"], "xlsx"),
    ],
)
def test_binary_format_to_a_terminal_is_refused_even_with_out_dash(db, argv, fmt):
    code, screen, err = _on_a_terminal(db, "--lang", "zh", *argv)
    assert code == 2
    assert b"PK" not in screen
    assert f"lbc: 错误：{fmt} 需要 --out 文件" in err
    code, screen, err = _on_a_terminal(db, "--lang", "en", *argv)
    assert code == 2
    assert f"lbc: error: {fmt} needs --out FILE (or stdout redirected to a file)" in err


def test_option_errors_name_the_option_once(lbc):
    for lang, word in (("zh", "错误："), ("en", "error: ")):
        bom = lbc("--lang", lang, "export", "children", "-f", "json", "--bom")
        labels = lbc("--lang", lang, "export", "children", "--labels", "--slugs")
        assert (bom.code, labels.code) == (2, 2)
        assert bom.err.count("--bom") == 1 and bom.err.startswith(f"lbc: {word}--bom")
        assert labels.err.count("--labels") == 1 and labels.err.startswith(f"lbc: {word}--labels")
    zh = lbc("--lang", "zh", "export", "children", "-f", "json", "--bom").err.strip()
    assert zh == "lbc: 错误：--bom：只用于 CSV（给 Excel/WPS 打开）；json 格式不加 BOM"
    en = lbc("export", "children", "--labels", "--slugs").err.strip()
    assert en == (
        "lbc: error: --labels: not with --slugs: the one writes headers and values for people, "
        "the other column names and codes"
    )


def test_registration_form_of_another_table_says_it_is_for_children_only(lbc, tmp_path):
    zh = lbc("--lang", "zh", "export", "helpers", "--layout", "registration-form", "--out", str(tmp_path / "h.csv"))
    assert zh.code == 2
    assert zh.err.strip() == "lbc: 错误：登记表（--layout registration-form）只用于 export children，不用于 helpers"
    en = lbc("export", "helpers", "--layout", "registration-form")
    assert en.code == 2
    assert "the registration form (--layout registration-form) is for export children only, not helpers" in en.err
    assert not (tmp_path / "h.csv").exists()


# ---- a workbook's widths and print set-up (issue 21, testers' finding 5) -------------------------------------------


def _shown_width(value) -> int:
    """A cell's width by hand: a date ten, a CJK character (U+3000 to U+9FFF, U+FF00 to U+FFEF) two, else one."""
    if value is None:
        return 0
    if hasattr(value, "year"):
        return 10
    return max((sum(2 if "\u3000" <= ch <= "\u9fff" or "\uff00" <= ch <= "\uffef" else 1 for ch in line)
                for line in str(value).splitlines()), default=0)  # fmt: skip


@pytest.fixture
def example(run, tmp_path):
    from conftest import new_target

    target = new_target(tmp_path / "example.db")
    assert run("init", "--example", db=target).code == 0
    return target


def test_xlsx_columns_are_as_wide_as_their_values(run, example, tmp_path):
    # a streamed export's widths come from its first 10,000 rows (they were 1,000): here every row
    openpyxl = pytest.importorskip("openpyxl")
    book = tmp_path / "c.xlsx"
    assert run("--lang", "zh", "export", "children", "--out", str(book), db=example).code == 0
    sheet = openpyxl.load_workbook(book).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 41  # the example's 40 children and the header
    header = list(rows[0])
    flags = header.index("类别标记")
    widest = max(_shown_width(row[flags]) for row in rows)
    assert widest > _shown_width(rows[1][flags])  # a later row is wider than the first: the case in question
    letter = openpyxl.utils.get_column_letter(flags + 1)
    assert sheet.column_dimensions[letter].width == min(widest + 2, 50)
    for number, name in enumerate(header, 1):
        expected = min(max(_shown_width(row[number - 1]) for row in rows) + 2, 50)
        assert sheet.column_dimensions[openpyxl.utils.get_column_letter(number)].width == expected, name
    # 37 columns: printed landscape; not squeezed onto one page's width (only the form is)
    assert sheet.page_setup.orientation == "landscape"
    assert not sheet.sheet_properties.pageSetUpPr.fitToPage


def test_the_registration_form_prints_landscape_one_page_wide_and_a_narrow_sheet_portrait(run, example, tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    form, helpers = tmp_path / "form.xlsx", tmp_path / "h.xlsx"
    assert run("export", "children", "--layout", "registration-form", "--out", str(form), db=example).code == 0
    assert run("export", "helpers", "--out", str(helpers), db=example).code == 0
    sheet = openpyxl.load_workbook(form).worksheets[0]
    assert sheet.max_column == 30
    setup = sheet.page_setup
    assert (setup.orientation, setup.fitToWidth, setup.fitToHeight) == ("landscape", 1, 0)
    assert sheet.sheet_properties.pageSetUpPr.fitToPage is True
    narrow = openpyxl.load_workbook(helpers).worksheets[0]
    assert narrow.max_column <= 10
    assert narrow.page_setup.orientation != "landscape"
