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
        (["child", "exit", "1"], "缺少选项 --reason"),
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
    line = one_line(result.err)  # by its label alone (SPEC section 11: no English in a Chinese session)
    assert "监护人电话：“***”不是电话号码" in line and "guardian_phone" not in line


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


# ---- the global options, taken once from anywhere before '--' -----------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ["--db", "DB", "--lang", "zh", "--debug", "helper", "list"],
        ["helper", "list", "--db", "DB", "--lang", "zh", "--debug"],
        ["helper", "--db=DB", "list", "--lang=zh", "--debug"],
        ["--lang", "en", "helper", "--debug", "list", "--db", "elsewhere.db", "--db", "DB", "--lang", "zh"],
    ],
)
def test_global_options_are_taken_from_anywhere_the_last_of_each_counting(args):
    from lbc_cli.cli import GlobalOptions, take_global_options

    assert take_global_options(args) == (GlobalOptions(db="DB", lang="zh", debug=True), ["helper", "list"])


def test_global_options_after_a_double_dash_are_the_commands_arguments():
    from lbc_cli.cli import GlobalOptions, take_global_options

    args = ["helper", "add", "--db", "DB", "--", "--lang", "zh", "--debug", "--db=x"]
    expected = ["helper", "add", "--", "--lang", "zh", "--debug", "--db=x"]
    assert take_global_options(args) == (GlobalOptions(db="DB"), expected)
    # an option that needs a value and ends the line is left for Click to refuse
    assert take_global_options(["helper", "list", "--lang"]) == (GlobalOptions(), ["helper", "list", "--lang"])


def test_global_options_work_before_and_after_the_command(run, db, tmp_path):
    assert run("--db", db, "helper", "add", "韩雪", "--role", "volunteer").code == 0
    assert run("helper", "add", "张老师", "--role", "volunteer", "--db", db).code == 0
    assert run("helper", "add", f"--db={db}", "--lang=zh", "--", "--debug").code == 2  # --role is missing
    after_dashes = run("helper", "add", "--role", "volunteer", f"--db={db}", "--", "--lang")
    assert after_dashes.code == 0, after_dashes.err
    listed = run("helper", "list", "--lang", "zh", "--db", db)
    assert listed.code == 0, listed.err
    assert listed.out.split()[:3] == ["编号", "姓名", "角色"]  # --lang zh, given after the command
    assert rows(db, "SELECT name FROM helpers ORDER BY id") == [("韩雪",), ("张老师",), ("--lang",)]
    other = new_target(tmp_path / "other.db")
    assert run("--db", db, "helper", "list", "--db", other).code == 3  # the last --db: not made yet


@pytest.mark.parametrize(
    ("args", "code"),
    [
        ([], 2),  # no command: the help, as a usage error
        (["--help"], 0),
        (["-h"], 0),
        (["child", "update", "--help"], 0),
        (["--version"], 0),
        (["--debug", "--version"], 0),
        (["nosuch"], 2),
        (["child"], 2),
        (["--lang", "fr", "child", "list"], 2),
        (["--db=", "child", "list"], 2),
        (["child", "list", "--lang"], 2),
    ],
)
def test_exit_codes_of_the_command_line_itself(run, args, code):
    assert run(*args).code == code


# ---- help: lbc's words in the session's language, drawn by lbc's own command classes --------------------------

ZH_HELP_WORDS = ["╭─ 参数 ", "╭─ 选项 ", "[必填]", "显示本帮助并退出"]
EN_HELP_WORDS = ["╭─ Arguments ", "╭─ Options ", "[required]", "Show this help and exit"]


@pytest.mark.parametrize("command", [["child", "update"], ["pair", "end"], ["export"]])
def test_help_speaks_the_sessions_language(run, command):
    chinese = run("--lang", "zh", *command, "--help")
    english = run(*command, "--help", "--lang", "en")
    assert chinese.code == english.code == 0
    for zh, en in zip(ZH_HELP_WORDS, EN_HELP_WORDS, strict=True):
        assert zh in chinese.out and en not in chinese.out
        assert en in english.out and zh not in english.out
    for group in [[], ["pair"], ["db"]]:
        assert "╭─ 命令 " in run("--lang", "zh", *group, "--help").out
        assert "╭─ Commands " in run("--lang", "en", *group, "--help").out
    assert "[默认：table]" in run("--lang", "zh", "child", "list", "--help").out
    assert "[default: table]" in run("--lang", "en", "child", "list", "--help").out


def _every_command():
    import typer

    from lbc_cli.cli.root import app

    found = []

    def walk(command, path):
        found.append((path, command))
        for name, sub in getattr(command, "commands", {}).items():
            walk(sub, [*path, name])

    walk(typer.main.get_command(app), [])
    return found


def test_every_command_and_group_is_one_of_lbcs():
    from lbc_cli.cli.command_classes import LbcCommand, LbcGroup

    commands = _every_command()
    assert len(commands) > 40
    assert [path for path, command in commands if not isinstance(command, LbcCommand | LbcGroup)] == []


def test_english_help_is_lbcs_own_screen_like_the_chinese(capsys, monkeypatch):
    """lbc draws every help screen itself, in both languages alike: no Typer metavar (<bool>, <str>), no
    braces in the usage line, ranges as 1900–2199, the help option in lbc's words."""
    monkeypatch.setenv("COLUMNS", "100")
    for path, command in _every_command():
        ctx = None
        for name, part in _chain(path):
            ctx = part.make_context(name, [], parent=ctx, resilient_parsing=True)
        capsys.readouterr()
        command.format_help(ctx, None)
        ours = capsys.readouterr().out
        assert "Usage: lbc" in ours, path
        for typers in ("<bool>", "<str>", "<int", "<path>", "<list", "{", "<=x", "Show this message"):
            assert typers not in ours, (path, typers)


def _chain(path):
    import typer

    from lbc_cli.cli.root import app

    command = typer.main.get_command(app)
    chain = [("lbc", command)]
    for name in path:
        command = command.commands[name]
        chain.append((name, command))
    return chain


REAL_MODULES = """
import sys, types
from lbc_cli.cli import main
codes = [main(["--lang", "zh", "--help"]), main(["--lang", "zh", "child", "update", "--help"]), main(["-h"])]
assert codes == [0, 0, 0], codes
stand_ins = [
    name
    for name, module in sys.modules.items()
    if isinstance(module, types.ModuleType) and module.__spec__ is None and name != "__main__"
]
assert stand_ins == [], stand_ins
"""

LEFT_ALONE = """
from typer import rich_utils
from typer._click.core import Command
words = {name: getattr(rich_utils, name) for name in dir(rich_utils) if name.isupper()}
help_option = Command.get_help_option
from lbc_cli.cli import main
codes = [main(["--lang", "zh", "--help"]), main(["--lang", "zh", "child", "update", "--help"])]
assert codes == [0, 0], codes
assert {name: getattr(rich_utils, name) for name in dir(rich_utils) if name.isupper()} == words
assert Command.get_help_option is help_option
"""


NO_RICH_WITHOUT_HELP = """
import sys
from lbc_cli.cli import main
assert main(["--db", "elsewhere.db", "db", "path"]) == 0
assert "rich" not in sys.modules  # the help screens' drawing, Rich's console and panels, are imported for help only
"""


@pytest.mark.parametrize(
    ("script", "says"),
    [(REAL_MODULES, "显示本帮助并退出"), (LEFT_ALONE, "显示本帮助并退出"), (NO_RICH_WITHOUT_HELP, "elsewhere.db")],
    ids=["real modules", "Typer and Click as they are", "no Rich without help"],
)
def test_help_leaves_typer_click_and_the_modules_as_they_are(script, says):
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert says in done.stdout
