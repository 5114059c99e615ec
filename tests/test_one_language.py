"""One language a session (SPEC section 11): every help screen, and a catalogue of wrong inputs, in --lang zh
without a word of English and in --lang en without a Chinese character.

What is not counted is small and says why (``_ALLOWED``): what the user types as it is (option names,
command names, slugs, format names, file paths, ``lbc``), names of programs and file kinds (CSV, SQLite,
WeCom...), and people's data (the example's, or what a command line gave); in English, the Chinese label
shown beside a slug as an accepted input (``home-visit (家访)``).
"""

import re

import pytest
from conftest import new_target

from lbc_cli import example, i18n

# Programs, file kinds, encodings and standards named as they are in either language (a user meets them so in
# the programs themselves), environment variables (typed as they are, like option names), the names of tables
# and folders a user types or finds (export TABLE, score --view, db check's last_contacts, db backup's backups),
# cron's shorthand schedules.
_NAMES = {
    "lbc", "CSV", "JSON", "JSONL", "xlsx", "Excel", "WPS", "Word", "docx", "HTML", "Markdown", "Mermaid", "PDF",
    "PostgreSQL", "SQLite", "SQLAlchemy", "URL", "UTF", "BOM", "GBK", "WeCom", "NUL", "UID", "ID", "pg_dump",
    "pg_restore", "openpyxl", "pip", "install", "LBC_DB", "LBC_LANG", "zh", "en",
    "children", "helpers", "pairs", "contacts", "exams", "exits", "scores", "awards", "last_contacts", "backups",
    "registration", "today", "md", "html", "csv", "json", "jsonl", "table", "text",
    "daily", "weekly", "monthly", "hourly",  # cron's @daily... (cron --at), typed as they are
}  # fmt: skip
# Chinese an English session shows as an accepted input: the grades --class reads (五年级, 初二), the genders
# --gender reads beside F and M (女/男), the Chinese way of writing a date a date option reads
_ACCEPTED_CHINESE = ("五年级", "初二", "(女/男)", "YYYY年MM月DD日")


def _walk():
    """Every command and group: (its words, the command)."""
    import typer

    from lbc_cli.cli.root import app

    found = []

    def walk(command, path):
        found.append((path, command))
        for name, sub in getattr(command, "commands", {}).items():
            walk(sub, [*path, name])

    walk(typer.main.get_command(app), [])
    return found


def _typed_words() -> set[str]:
    """What a user types as it is, in lower case: command names, option names, slugs, setting names."""
    from lbc_cli import settings

    words = {name.lower() for name in _NAMES}
    for path, command in _walk():
        words.update(path)
        for param in command.params:
            words.update(name.lstrip("-") for name in [*param.opts, *param.secondary_opts])
    words.update(slug for slugs in i18n.ENUMS.values() for slug in slugs)
    words.update(settings.SETTINGS)
    return {part.lower() for word in words for part in [word, *re.split(r"[^A-Za-z]+", word)] if part}


_TYPED = _typed_words()
_SLUG_LABELS = {labels[0] for slugs in i18n.ENUMS.values() for labels in slugs.values()}


def _english_words(text: str, given: list[str]) -> list[str]:
    """Words of two or more ASCII letters that are no typed word, path or name lbc may show in Chinese."""
    for arg in given:  # what the command line gave comes back as given (a name, a wrong value)
        text = text.replace(arg, " ")
    text = re.sub(r"\S*/\S*", " ", text)  # paths and URLs
    text = re.sub(r"-{1,2}[A-Za-z][\w-]*", " ", text)  # options
    bad = []
    for word in re.findall(r"[A-Za-z][\w-]*", text):
        if word.lower() in _TYPED:
            continue
        bad += [part for part in re.findall(r"[A-Za-z]{2,}", word) if part.lower() not in _TYPED]
    return bad


def _chinese(text: str, given: list[str]) -> list[str]:
    """Chinese characters an English session shows, but for the label beside a slug and what was given."""
    for arg in [*given, *_ACCEPTED_CHINESE]:
        text = text.replace(arg, " ")
    text = re.sub(r"\(([^()]*)\)", lambda m: " " if m[1] in _SLUG_LABELS else m[0], text)  # slug (label)
    return re.findall(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef“”]+", text)


@pytest.fixture(scope="module")
def example_db(tmp_path_factory):
    """The example's village: people's data in every table, so that every command has something to refuse."""
    target = new_target(tmp_path_factory.mktemp("one-language") / "example.db", keep=True)
    assert example.main([str(target)]) == 0
    return target


_HELPS = [path for path, _command in _walk()]

# Help is written when the commands are imported, in the language of that moment: each language's screens
# are drawn by a process of its own.
_DRAW_EVERY_HELP = """
import contextlib, io, json, sys
from lbc_cli.cli import main
screens = {}
for path in json.loads(sys.argv[2]):
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["--lang", sys.argv[1], *path, "--help"])
    screens[" ".join(path)] = [code, out.getvalue(), err.getvalue()]
print(json.dumps(screens))
"""


@pytest.fixture(scope="module")
def help_screens():
    import json
    import os
    import subprocess
    import sys

    env = {**os.environ, "COLUMNS": "200"}
    env.pop("LBC_LANG", None)
    screens = {}
    for lang in ("zh", "en"):
        done = subprocess.run(
            [sys.executable, "-c", _DRAW_EVERY_HELP, lang, json.dumps(_HELPS)],
            capture_output=True,
            text=True,
            env=env,
            check=True,
        )
        screens[lang] = json.loads(done.stdout)
    return screens


@pytest.mark.parametrize("path", _HELPS, ids=[" ".join(p) or "lbc" for p in _HELPS])
def test_every_help_screen_is_in_one_language(help_screens, path):
    (zh_code, zh_out, zh_err), (en_code, en_out, en_err) = (help_screens[lang][" ".join(path)] for lang in ("zh", "en"))
    assert zh_code == en_code == 0, zh_err + en_err
    assert _english_words(zh_out + zh_err, []) == [], zh_out
    assert _chinese(en_out + en_err, []) == [], en_out
    assert "Usage" not in zh_out and "用法：" in zh_out
    for typers in ("<bool>", "<str>", "<int", "<path>", "<list", "{", "<=x", "Show this message"):
        assert typers not in zh_out and typers not in en_out, (path, typers)
    # Found from outside: a list of choices in Chinese (no space to wrap at) was cut short with "…"
    assert not re.search(r"[\w）)]…(?!…)", zh_out + en_out), (path, zh_out + en_out)


# (what is wrong, the command line): at least one of each kind of error per family of commands
WRONG = [
    ("missing command", ["child"]),
    ("missing command", ["helper"]),
    ("missing command", ["contact"]),
    ("missing command", ["schedule"]),
    ("missing command", ["config"]),
    ("missing command", ["db"]),
    ("missing command", ["report"]),
    ("no such command", ["child", "shwo", "1"]),
    ("not an integer", ["exam", "add", "1", "--year", "2025-2026", "--term", "1", "--rank", "3"]),
    ("not an integer", ["schedule", "add", "三月", "开会"]),
    ("not an integer", ["enroll", "王小", "--gender", "F", "--birth", "2015-01-02", "--grade", "三"]),
    ("out of range", ["schedule", "add", "13", "开会"]),
    ("out of range", ["exam", "add", "1", "--year", "1800", "--term", "1", "--rank", "3"]),
    ("out of range", ["score", "--year", "3000"]),
    ("bad date", ["enroll", "王小", "--gender", "F", "--birth", "2015-13-02"]),
    ("bad date", ["log-contact", "1", "--kind", "home-visit", "--date", "2026-02-30"]),
    ("bad date", ["audit", "--since", "昨天"]),
    ("bad date", ["child", "exit", "1", "--reason", "moved", "--date", "someday"]),
    ("bad choice", ["child", "list", "--format", "docs"]),
    ("bad choice", ["enroll", "王小", "--gender", "X", "--birth", "2015-01-02"]),
    ("bad choice", ["export", "children", "--status", "gone"]),
    ("bad choice", ["log-contact", "1", "--kind", "letter"]),
    ("bad choice", ["helper", "add", "张老师", "--role", "boss"]),
    ("bad choice", ["--lang", "fr"]),
    ("missing argument", ["exam", "add"]),
    ("missing argument", ["child", "show"]),
    ("missing argument", ["pair", "end"]),
    ("missing argument", ["schedule", "add"]),
    ("missing argument", ["config", "set", "rank_step"]),
    ("missing argument", ["export"]),
    ("missing option", ["child", "exit", "1"]),
    ("missing option", ["exam", "add", "1", "--year", "2025"]),
    ("missing option value", ["child", "list", "--format"]),
    ("missing option value", ["audit", "--since"]),
    ("missing option value", ["report", "month", "--month"]),
    ("option takes no value", ["child", "list", "--reveal=yes"]),
    ("no such option", ["child", "list", "--statu", "active"]),
    ("no such option", ["helper", "list", "--bogus"]),
    ("no such option", ["report", "plan", "--yaer", "2026"]),
    ("no such option", ["db", "check", "--fast"]),
    ("extra argument", ["child", "list", "李家村"]),
    ("extra argument", ["helper", "list", "extra"]),
    ("extra argument", ["audit", "everything"]),
    ("extra argument", ["schedule", "list", "3"]),
    ("bad field value", ["child", "update", "1", "--guardian-phone", "123"]),
    ("bad field value", ["helper", "add", "张老师", "--role", "volunteer", "--phone", "12"]),
    ("not found", ["child", "show", "不存在的人"]),
    ("not found", ["config", "get", "nosuch"]),
    ("warning", ["enroll", "王小明", "--gender", "M", "--birth", "2018-01-02"]),
    ("pair usage", ["pair", "1"]),
]


@pytest.mark.parametrize(("kind", "args"), WRONG, ids=[f"{k}: {' '.join(a)}" for k, a in WRONG])
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_wrong_inputs_are_refused_in_one_language(run, example_db, monkeypatch, kind, args, lang):
    monkeypatch.setenv("LBC_LANG", lang)  # the session's language, also where --lang names none lbc speaks
    result = run("--lang", lang, *args, db=example_db)
    said = result.out + result.err if result.code else result.err
    assert result.code != 0 or kind == "warning", (kind, result)
    assert said.strip(), (kind, result)  # never an empty message
    assert "Traceback" not in said
    if lang == "zh":
        assert _english_words(said, args) == [], said
    else:
        assert _chinese(said, args) == [], said
    if kind not in ("warning", "not found", "bad field value"):
        assert result.code == 2, (kind, result)


@pytest.mark.parametrize(
    ("args", "zh", "en"),
    [
        (
            ["exam", "add", "1", "--year", "2025-2026", "--term", "1", "--rank", "3"],
            "--year 的值无效：“2025-2026”不是整数",
            "bad value for --year: '2025-2026' is not a whole number",
        ),
        (
            ["schedule", "add", "13", "开会"],
            "月份 的值无效：“13”超出范围：应不大于 12",
            "'13' is out of range: at most 12",
        ),
        (["child"], "缺少命令；可用的命令：list, show,", "missing command; the commands are: list, show,"),
        (["child", "list", "x"], "多余的参数：x", "unexpected extra argument(s): x"),
        (["child", "list", "--format"], "选项 --format 需要一个值", "option --format needs a value"),
        (["child", "list", "--statu"], "没有选项 --statu", "did you mean --status?"),
    ],
)
def test_the_parsers_errors_are_lbcs_words(run, example_db, args, zh, en):
    chinese, english = run("--lang", "zh", *args, db=example_db), run("--lang", "en", *args, db=example_db)
    assert chinese.code == english.code == 2
    assert zh in chinese.err and en in english.err
    assert "Input should" not in chinese.err + english.err


def test_english_help_reads_like_the_chinese(help_screens):
    """Arguments by name in the usage line, kinds of value as words, no metavar on a flag, ranges as a dash."""
    zh, en = help_screens["zh"]["pair end"][1], help_screens["en"]["pair end"][1]
    assert "Usage: lbc pair end [OPTIONS] CHILD HELPER" in en and "用法：lbc pair end [选项] 儿童 帮扶人" in zh
    assert re.search(r"CHILD +TEXT +child: ", en), en
    assert re.search(r"--help +-h +Show this help and exit", en), en
    zh, en = help_screens["zh"]["exam add"][1], help_screens["en"]["exam add"][1]
    assert "INTEGER [1900–2199]" in en and "<整数> [1900–2199]" in zh


def test_no_command_is_the_help_and_no_empty_error():
    import os
    import subprocess
    import sys

    env = {**os.environ, "COLUMNS": "200"}
    env.pop("LBC_LANG", None)
    for lang, usage in (("zh", "用法：lbc [选项] 命令 [参数]..."), ("en", "Usage: lbc [OPTIONS] COMMAND [ARGS]...")):
        done = subprocess.run(
            [sys.executable, "-m", "lbc_cli", "--lang", lang], capture_output=True, text=True, env=env
        )
        assert done.returncode == 2  # a usage error, as Click has it: the help on stdout, no empty line on stderr
        assert usage in done.stdout and done.stderr == ""
        assert (_english_words if lang == "zh" else _chinese)(done.stdout, []) == [], done.stdout


def test_warnings_name_the_field_by_its_label(run, example_db):
    chinese = run("--lang", "zh", "enroll", "钱小", "--gender", "M", "--birth", "2019-01-02", db=example_db)
    english = run("--lang", "en", "enroll", "钱大", "--gender", "M", "--birth", "2019-01-02", db=example_db)
    assert chinese.code == english.code == 0
    assert "监护人同意日期：" in chinese.err and "consent_on" not in chinese.err
    assert "consent on: " in english.err and "consent_on" not in english.err


def test_people_tables_have_no_column_named_by_its_code(run, example_db):
    for args in (["pair", "list"], ["contact", "list"], ["remind", "--format", "table"]):
        for fmt in ([], ["--format", "md"]):
            command = [*args, *fmt] if "--format" not in args else args
            heads = run("--lang", "zh", *command, db=example_db).out.splitlines()[:3]
            assert not any(_english_words(line, []) for line in heads), heads


def test_the_audit_log_for_people_speaks_labels_and_local_time(run, example_db, monkeypatch):
    import getpass
    import time

    monkeypatch.setenv("TZ", "Asia/Shanghai")
    time.tzset()
    try:
        assert run("child", "update", "1", "--guardian-relation", "parent", db=example_db).code == 0
        chinese = run("--lang", "zh", "audit", "--child", "1", db=example_db).out
        english = run("--lang", "en", "audit", "--child", "1", db=example_db).out
        data = run("audit", "--child", "1", "--format", "csv", db=example_db).out
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()
    last = chinese.splitlines()[-1]
    assert "修改" in last and "与儿童关系：祖父母 → 父母一方" in last
    assert re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \+08:00", last), last
    user = [getpass.getuser()]  # who made the change: the machine's account, people's data
    assert _english_words(chinese, user) == [], chinese
    assert "changed" in english.splitlines()[-1] and "guardian relation: grandparent → parent at home" in english
    assert _chinese(english, []) == [], english
    # data keeps codes and ISO times in UTC
    row = data.splitlines()[-1]
    assert ",update," in row and "guardian_relation: grandparent → parent" in row
    assert re.search(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?\+00:00", row), row


def test_plan_and_helper_help_in_english_hold_no_chinese(run, example_db, help_screens):
    plan = run("--lang", "en", "report", "plan", db=example_db)
    assert plan.code == 0 and "a merit student earns" in plan.out
    prose = "\n".join(line for line in plan.out.splitlines() if not line.startswith("Villages:"))  # people's data
    assert _chinese(prose, []) == [], prose
    for path in ("", "helper"):
        assert "帮扶人" not in help_screens["en"][path][1]


def _truncated(tmp_path, run):
    """The first 100 bytes of a database: SQLite calls it malformed."""
    whole, cut = tmp_path / "whole.db", tmp_path / "trunc.db"
    assert run("init", db=str(whole)).code == 0
    cut.write_bytes(whole.read_bytes()[:100])
    return cut


def test_a_damaged_file_is_named_in_lbcs_words(run, tmp_path, example_db):
    cut = _truncated(tmp_path, run)
    for lang, words in (("zh", "文件不完整或已损坏"), ("en", "the file is incomplete or corrupted")):
        opened = run("--lang", lang, "child", "list", db=str(cut))
        restored = opened  # a SQLite file is no backup of a PostgreSQL database: restored only into SQLite
        if str(example_db).endswith(".db"):
            restored = run("--lang", lang, "db", "restore", str(cut), "--yes", db=example_db)
        for result in (opened, restored):
            assert result.code != 0 and words in result.err, result
            assert "`" not in result.err
        if lang == "zh":
            assert _english_words(opened.err + restored.err, [str(cut)]) == [], opened.err + restored.err
            assert "malformed" not in opened.err + restored.err
        else:
            assert _chinese(opened.err + restored.err, []) == []


def test_a_refused_connection_is_named_in_lbcs_words(run):
    pytest.importorskip("psycopg")
    url = "postgresql+psycopg://u:p@127.0.0.1:1/x"
    chinese, english = (run("--lang", lang, "child", "list", db=url) for lang in ("zh", "en"))
    assert chinese.code == english.code == 3
    assert "连接被拒绝（数据库服务器是否在运行？）" in chinese.err and "connection refused" not in chinese.err
    assert "connection refused (is the server running?)" in english.err


@pytest.mark.parametrize(
    ("args", "zh", "en"),
    [
        (["enroll", "钱三", "--gender", "F", "--birth", "2099-01-01"], "出生日期：", "birth date: "),
        (["exam", "add", "1", "--year", "2025", "--term", "1", "--rank", "0"], "班级名次：", "class rank: "),
        (
            ["exam", "add", "1", "--year", "2025", "--term", "1", "--rank", "2", "--total", "-5"],
            "总分：",
            "total score: ",
        ),
        (["child", "update", "1", "--guardian-phone", "12"], "监护人电话：", "guardian phone: "),
        (["child", "update", "1", "--id-number", "123"], "身份证号：", "id number: "),
        (["child", "update", "1", "--consent-on", "2099-01-01"], "监护人同意日期：", "consent on: "),
    ],
)
def test_validation_errors_name_the_field_by_its_label_in_both_languages(run, example_db, args, zh, en):
    chinese, english = run("--lang", "zh", *args, db=example_db), run("--lang", "en", *args, db=example_db)
    assert chinese.code == english.code != 0
    assert chinese.err.startswith("lbc: 错误：" + zh) and english.err.startswith("lbc: error: " + en), english.err
    assert "_" not in english.err.split(": ")[1]


def test_merge_conflicts_speak_labels(run, example_db, tmp_path):
    import shutil

    if not str(example_db).endswith(".db"):
        pytest.skip("a copy of a SQLite file is the other village")
    other = tmp_path / "other.db"
    shutil.copy(example_db, other)
    assert run("child", "update", "1", "--guardian-relation", "grandparent", db=example_db).code == 0
    assert run("child", "update", "1", "--guardian-relation", "parent", db=str(other)).code == 0
    chinese = run("--lang", "zh", "merge", str(other), "--dry-run", db=example_db)
    english = run("--lang", "en", "merge", str(other), "--dry-run", db=example_db)
    assert chinese.code == english.code == 1
    assert "儿童 " in chinese.err and "与儿童关系：本库 祖父母，对方 父母一方" in chinese.err, chinese.err
    assert re.search(r"（[^（）]+，\d{4}-\d\d-\d\d）：", chinese.err), chinese.err
    assert "grandparent" not in chinese.err and ";" not in chinese.err
    assert "guardian relation: here grandparent" in english.err and "1 conflict left" in english.err, english.err
    assert "guardian_relation" not in english.err


@pytest.mark.parametrize(
    ("args", "zh", "en"),
    [
        (["report", "month", "--month", "2025"], "（格式如 2026-03）", "(written like 2026-03)"),
        (["pair", "1"], "缺少参数 帮扶人", "missing argument HELPER"),
        (["enroll", "钱四", "--gender", "Q", "--birth", "2015-01-01"], "F（女）、M（男）", "F (女), M (男)"),
    ],
)
def test_leftovers_in_lbcs_words(run, example_db, args, zh, en):
    chinese, english = run("--lang", "zh", *args, db=example_db), run("--lang", "en", *args, db=example_db)
    assert chinese.code == english.code == 2
    assert zh in chinese.err and en in english.err, (chinese.err, english.err)
    assert "`" not in chinese.err + english.err


def test_an_import_header_names_the_table_by_its_label(run, example_db, tmp_path):
    path = tmp_path / "c.csv"
    path.write_text("name,gender,birth_date,nickname\n甲,F,2016-01-01,小甲\n", encoding="utf-8")
    chinese = run("--lang", "zh", "import", "children", str(path), db=example_db)
    assert chinese.code == 1 and "不是儿童表的列" in chinese.err and "children 的列" not in chinese.err


def test_db_check_help_says_last_contacts_in_words(help_screens):
    zh = help_screens["zh"]["db check"][1]
    assert "last_contacts" not in zh and "最近联系" in zh


def test_zh_remind_and_documents_use_full_width_punctuation(run, example_db):
    remind = run("--lang", "zh", "remind", db=example_db).out
    items = [line for line in remind.splitlines() if line.startswith("  [")]
    assert items and all(re.search(r"）：.+，\d{4}-\d\d-\d\d，", line) for line in items), items[:3]
    heads = [line for line in remind.splitlines() if " · " in line]
    assert heads and not any("(" in line for line in heads), heads
    for kind in ("plan", "summary", "month"):
        text = run("--lang", "zh", "report", kind, db=example_db).out
        prose = re.sub(r"```.*?```", "", text, flags=re.S)  # Mermaid keeps its own syntax
        for items in i18n.SCHEDULE.values():  # the seeded schedule's text is stored data, the same in every file
            for zh, _en in items:
                prose = prose.replace(zh, "")
        assert not re.search(r"[\u4e00-\u9fff][,:;()]|[,:;()][\u4e00-\u9fff]", prose), kind
    card = run("--lang", "zh", "report", "child", "1", db=example_db).out
    assert card.splitlines()[0].startswith("# 农村留守儿童信息档案：")
    assert re.search(r"\d{4}-\d\d-\d\d（\d+ 周岁）", card)
