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
