"""The command line's own contract: one-line usage errors in the user's language, exit codes, pipes."""

import os
import subprocess
import sys

import pytest
from conftest import new_target, rows


def one_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err
    return lines[0]


@pytest.mark.parametrize(
    ("args", "zh_words"),
    [
        (["enroll", "孙悟能", "--gender", "男", "--birth", "2015-03-04", "--flga", "独居"], "没有选项 --flga"),
        (["enroll", "--gender", "男", "--birth", "2015-03-04"], "缺少"),
        (["child", "exit", "1"], "缺少 --reason"),
        (["child", "shwo", "1"], "没有命令“shwo”"),
    ],
)
def test_click_usage_errors_are_one_line_in_chinese_exit_2(lbc, db, args, zh_words):
    before = rows(db, "SELECT count(*) FROM audit_log")
    result = lbc("--lang", "zh", *args)
    assert result.code == 2
    line = one_line(result.err)
    assert zh_words in line and "--help" in line
    assert result.out == ""
    assert rows(db, "SELECT count(*) FROM audit_log") == before


def test_unknown_language_is_a_usage_error(lbc):
    result = lbc("--lang", "fr", "child", "list")
    assert result.code == 2
    assert "zh or en" in one_line(result.err)


def test_grade_is_parsed_like_every_number(lbc, db):
    bad = lbc("enroll", "王小", "--gender", "F", "--birth", "2015-01-02", "--grade", "三")
    assert bad.code == 2 and "grade" in one_line(bad.err)
    too_big = lbc("enroll", "王小", "--gender", "F", "--birth", "2015-01-02", "--grade", "13")
    assert too_big.code == 1 and "12" in one_line(too_big.err)
    assert rows(db, "SELECT count(*) FROM children") == [(0,)]
    ok = lbc("enroll", "王小", "--gender", "F", "--birth", "2015-01-02", "--grade", "３", "--consent-on", "2024-01-01")
    assert ok.code == 0, ok.err
    assert rows(db, "SELECT grade FROM children") == [(3,)]


def test_a_refused_enrolment_prints_only_its_error(lbc):
    first = lbc("enroll", "李明", "--gender", "M", "--birth", "2016-05-01")
    assert first.code == 0 and "consent" in first.err  # under 14 without --consent-on: warned, after saving
    again = lbc("enroll", "李明", "--gender", "M", "--birth", "2016-05-01")
    assert again.code == 1
    assert "already registered" in one_line(again.err)


def test_chinese_errors_name_the_field_by_its_label(lbc):
    result = lbc("--lang", "zh", "enroll", "孙悟", "--gender", "男", "--birth", "2015-03-04", "--guardian-phone", "123")
    assert result.code == 1
    # the bad value is masked too: a phone number is personal data, even a wrong one
    assert one_line(result.err).startswith("lbc: 错误: 监护人电话(guardian_phone): “***”不是电话号码")


def test_show_formats_are_the_ones_it_accepts(lbc):
    lbc("enroll", "王芳", "--gender", "F", "--birth", "2015-01-02")
    refused = lbc("child", "show", "1", "--format", "csv")
    assert refused.code == 2 and "table, json, md" in one_line(refused.err)
    assert lbc("child", "show", "1", "--format", "md").out.startswith("## ")


def test_status_filter_names_all_among_its_choices(lbc):
    result = lbc("child", "list", "--status", "gone")
    assert result.code == 2 and "all" in one_line(result.err)
    assert lbc("child", "list", "--status", "全部").code == 0


def test_export_to_a_missing_folder_or_a_folder_is_refused(lbc, tmp_path):
    missing = lbc("export", "children", "--out", str(tmp_path / "nope" / "x.csv"))
    assert missing.code == 1 and "cannot write" in one_line(missing.err)
    folder = lbc("export", "children", "--out", str(tmp_path))
    assert folder.code == 1 and "cannot write" in one_line(folder.err)
    assert not (tmp_path / "nope").exists()
    assert not [name for name in os.listdir(tmp_path) if name.startswith(".lbc-")]  # no temp file left


@pytest.mark.sqlite_only("an empty file and a folder as the database file")
def test_empty_file_and_folder_as_database(run, tmp_path):
    empty = tmp_path / "empty.db"
    empty.touch()
    result = run("child", "list", db=empty)
    assert result.code == 3 and "empty file" in one_line(result.err)
    assert empty.read_bytes() == b""
    folder = run("child", "list", db=tmp_path)
    assert folder.code == 3 and "folder" in one_line(folder.err)


def test_a_closed_pipe_is_not_an_error(tmp_path):
    path = new_target(tmp_path / "demo.db")
    env = {**os.environ, "LBC_LANG": "en"}
    subprocess.run([sys.executable, "-m", "lbc_cli", "--db", str(path), "init", "--example"], env=env, check=True)
    proc = subprocess.Popen(
        [sys.executable, "-m", "lbc_cli", "--db", str(path), "export", "contacts"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )
    assert proc.stdout.readline().startswith(b"id,uid,child_id")
    proc.stdout.close()
    err = proc.stderr.read().decode()
    proc.stderr.close()
    assert proc.wait() == 0
    assert "Traceback" not in err and "Exception" not in err


@pytest.mark.parametrize(
    ("args", "built"),
    [
        (["enroll", "孙悟能"], ["enroll"]),
        (["log-contact", "1"], ["log-contact"]),
        (["import", "children", "x.csv"], ["import"]),
        (["child", "list"], ["child"]),
        (["db", "check"], ["db"]),
    ],
)
def test_a_command_is_run_from_an_app_holding_only_it(args, built):
    """Typer builds the options of every command it holds before running one: a one-row command gets an app with
    just its own command (or group); the root callback, and so the global options, stay."""
    from typer.main import get_command

    from lbc_cli.cli import _app_for, app

    pruned = get_command(_app_for(args))
    assert sorted(pruned.commands) == built
    assert {p.name for p in pruned.params} >= {"db", "lang", "version"}
    assert len(get_command(app).commands) > 15  # the whole app itself is untouched


@pytest.mark.parametrize("args", [[], ["--help"], ["chil", "list"], ["--version"]])
def test_no_command_or_a_typo_gets_the_whole_app_for_its_help_or_suggestion(args):
    from lbc_cli.cli import _app_for, app

    assert _app_for(args) is app
