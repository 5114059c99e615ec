"""Fuzzing on every CI run: thousands of hostile command lines and hundreds of hostile import files, in this process
(through ``lbc_cli.cli.main``, the entry point every process runs), against a copy of the demo database.

The command lines are drawn from the command tree itself (every command, argument and option lbc has, so a new
command is fuzzed from the day it is added), with values from pools of hostile text: empty, huge, control
characters, lone surrogates (what bytes that are not UTF-8 become), NUL, numbers past every limit, dates that are
no dates, formulas, SQL, paths to special files and to the database itself. The import files are drawn from the
tables' columns: wrong headers, wrong types, broken quoting, wrong encodings, nested JSON, broken workbooks.

The contract for every one (README "Exit codes", "Security and privacy"): an exit code of the spec, no traceback,
no "internal error", at most one error line, no raw control character, no full id number or phone on stderr, and a
refused command leaves every table as it was. A seed picks the draws (``LBC_FUZZ_SEED``; the default is fixed so a
failure can be run again) and ``LBC_FUZZ_SCALE`` scales the counts (default 1: 5,000 lines and 1,000 files).
"""

import csv
import io
import json
import os
import random
import re
import shutil
import sqlite3
import sys
import zipfile
from pathlib import Path

import openpyxl
import pytest
import typer
from conftest import ON_PG

from lbc_cli.cli import main
from lbc_cli.cli.root import app

pytestmark = pytest.mark.sqlite_only("the fuzzing runs on SQLite files in CI; PostgreSQL runs the rest of the suite")

ROOT = Path(__file__).resolve().parent.parent
SEED = int(os.environ.get("LBC_FUZZ_SEED", "20261206"))
SCALE = float(os.environ.get("LBC_FUZZ_SCALE", "1"))
LINES, LINE_BATCHES = int(5000 * SCALE), 10
FILES, FILE_BATCHES = int(1000 * SCALE), 4

ID_NUMBER = "410522201405060793"
PHONES = ("13812345678", "19791252460")
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
TABLES = ("children", "helpers", "pairs", "contacts", "exams")
DATA_TABLES = ("children", "helpers", "pairings", "contacts", "exams", "settings", "schedule_items", "audit_log")

HOSTILE = [
    "", " ", "\t", "-", "--", "-1", "0", "1", "2", "40", "99999999999999999999", "2147483648", "-2147483649",
    "1e309", "nan", "inf", "１２", "\u200b", "\ufeff", "a" * 5000, "张" * 3000, "𠮷", "\x1b[31mred", "a\r\nb",
    "\ud800", "\udcd5\udcc5", "\x00", "'=1+1", "=HYPERLINK(\"http://x\")", "@SUM(A1)", "../../etc/passwd",
    "/dev/null", "/", ".", "today", "2015-02-30", "9999-12-31", "0000-00-00", "1900-01-01", "2026年13月1日",
    "2026/1/1", "2026.02.29", "女", "F", "M", "video-call", "亲情视频", ID_NUMBER, PHONES[0], "+86 138 1234 5678",
    "%s%n", "{}", "{name}", "{0.__class__}", "null", "true", "[]", "DROP TABLE children;--", "' OR 1=1 --",
    "ＡＢＣ", "\u202e", "张三", "李家村", "zsf", "王小红", "all", "purged", "exited", "active", "csv", "json", "xlsx",
    "md", "html", "jsonl", "table", "text", "gbk", "utf-8", "mine", "theirs", "children", "registration-form",
    "key=value", "video_call_days", "visit_days=3", "2024", "2099", "13", "12", "2026-11", "2026-13", "-0",
    "*", "?", "~", "$HOME", "`id`", "$(id)", "|", ";", "&", "<", ">", "\\", '"', "'",
]  # fmt: skip
DATES = ["today", "2026-11-27", "2025-09-01", "2026/11/01", "2026年11月1日", "2015-02-30", "2999-01-01", "1899-12-31"]
SLUGS = [
    "F", "M", "女", "grandparent", "祖父母", "父亲", "奶奶", "problem", "独居", "primary", "小学", "healthy",
    "poor", "dibao", "volunteer", "志愿者", "class-teacher", "video-call", "亲情视频", "parent", "aged-out",
    "moved", "both", "father", "mother", "none",
]  # fmt: skip
VALUES_BY_METAVAR = {
    "DATE": DATES,
    "FORMAT": ["table", "csv", "json", "jsonl", "md", "xlsx", "html", "text", "docx", "CSV"],
    "SLUG": SLUGS,
    "KIND": ["video-call", "亲情视频", "home-visit", "aid", "mandatory-report"],
    "WHO": ["parent", "guardian", "child", "teacher", "父母"],
    "F|M": ["F", "M", "女", "男"],
    "N": ["0", "1", "5", "12", "1441", "-3"],
    "STATUS": ["active", "exited", "purged", "all"],
    "YYYY-MM": ["2026-11", "2026-02", "2026-13", "11"],
    "TABLE": list(TABLES) + ["scores", "audit_log", "children;"],
    "ENC": ["utf-8", "utf-8-sig", "gbk", "latin-1"],
    "mine|theirs": ["mine", "theirs"],
    "KEY=VALUE": ["rank_step=2", "yuan_per_point=0.5", "age_limit=99", "nokey=1"],
    "FIELD": ["guardian_phone", "监护人电话", "flags", "name", "village"],
    "LAYOUT": ["registration-form", "form"],
    "SCHOOL/CLASS": ["第一小学/3/二班", "第一小学/五年级/一班"],
}
REFS = ["1", "2", "3", "17", "40", "41", "0", "-1", "2147483648", "陈瑶", "zsf", "王小红", "林秀英", "韩雪"]


def _commands() -> list[tuple[list[str], object]]:
    """Every command of the tree, as (its words, its Click command)."""
    found = []

    def walk(command, words):
        if hasattr(command, "commands"):
            for name, sub in command.commands.items():
                walk(sub, [*words, name])
        else:
            found.append((words, command))

    walk(typer.main.get_command(app), [])
    return found


COMMANDS = _commands()


class Fuzzer:
    """Draws command lines and import files; knows the folder of this run (the database, files to point at)."""

    def __init__(self, folder: Path, rng: random.Random):
        self.folder = folder
        self.rng = rng
        self.db = folder / "demo.db"
        self.files: list[str] = []
        self.outs = 0

    # ---- values ------------------------------------------------------------------------------------------------

    def hostile(self) -> str:
        value = self.rng.choice(HOSTILE)
        if self.rng.random() < 0.1:
            value = value + self.rng.choice(HOSTILE)
        return value

    def out_path(self) -> str:
        self.outs += 1
        return self.rng.choice(
            [
                str(self.folder / "out" / f"o{self.outs}.txt"),
                str(self.folder / "out" / f"o{self.outs}.csv"),
                str(self.db),
                f"{self.db}-wal",
                str(self.folder / "link-to-db"),
                str(self.folder / "out"),
                "/dev/null",
                str(self.folder / "nodir" / ".." / ".." / "x"),
                "-",
            ]
        )

    def value_for(self, param) -> str:
        rng = self.rng
        if rng.random() < 0.3:
            return self.hostile()
        name = param.name or ""
        metavar = (param.metavar or "").strip()
        if name == "out":
            return self.out_path()
        if name == "templates":
            return rng.choice([str(self.folder / "templates"), str(self.folder / "missing"), str(self.db)])
        if name in ("file", "other"):
            return rng.choice([*self.files, str(self.db), str(self.folder / "other.db"), "-", str(self.folder)])
        if name in ("ref", "child", "helper", "children") or metavar in ("CHILD", "HELPER"):
            return rng.choice(REFS)
        if name == "key":
            return rng.choice(["video_call_days", "age_limit", "target_archive_rate", "nokey", "VISIT-DAYS"])
        if name in ("month", "item_id"):
            return rng.choice(["1", "3", "12", "13", "0", "-1", "2147483648"])
        if metavar in VALUES_BY_METAVAR:
            return rng.choice(VALUES_BY_METAVAR[metavar])
        if name in ("year", "rank", "term", "class_size", "within", "minutes", "grade"):
            return rng.choice(["2024", "2025", "1", "2", "3", "0", "-5", "50", "3651", "99999999999"])
        if name == "value":
            return rng.choice(["7", "0", "-1", "1.5", "abc", "100000000000"])
        return rng.choice(["张三", "李家村", "新的备注", "第一小学", "广东东莞", PHONES[0], ID_NUMBER, "三班", "一"])

    # ---- a command line ----------------------------------------------------------------------------------------

    def command_line(self) -> list[str]:
        rng = self.rng
        words, command = rng.choice(COMMANDS)
        argv = list(words)
        params = [p for p in command.params if p.name != "help"]
        for param in params:
            if param.param_type_name == "argument" and rng.random() < 0.92:
                argv.append(self.value_for(param))
        options = [p for p in params if p.param_type_name == "option" and p.name != "example"]
        for param in rng.sample(options, k=min(len(options), rng.choice([0, 1, 1, 2, 2, 3, 4]))):
            name = rng.choice(param.opts)
            if param.is_flag:
                argv.append(name)
            else:
                argv += [name, self.value_for(param)]
        if argv[:2] == ["child", "purge"] and rng.random() < 0.7:
            argv.append("--yes")
        extra = rng.random()
        if extra < 0.04:
            argv.append("--no-such-option")
        elif extra < 0.07:
            argv.insert(rng.randrange(len(argv) + 1), rng.choice(["--lang", "--debug"]))
            if argv.count("--lang") and argv[-1] == "--lang":
                argv.append(rng.choice(["zh", "en", "fr", ""]))
        elif extra < 0.09:
            argv.append(rng.choice(["--format", "--as-of", "--out"]))  # an option without its value
        elif extra < 0.11:
            argv = ["--lang", "zh", *argv]
        return argv

    # ---- an import file ----------------------------------------------------------------------------------------

    def cell(self) -> object:
        rng = self.rng
        roll = rng.random()
        if roll < 0.45:
            return rng.choice(
                ["张三", "F", "M", "2015-03-04", "2024-09-01", "1", "2", "3", "40", "video-call", "parent", "active",
                 "volunteer", "primary", PHONES[0], ID_NUMBER, "李家村", "2024", "0", ""]
            )  # fmt: skip
        if roll < 0.85:
            return self.hostile()
        return rng.choice([None, True, False, 0, -1, 2**70, 1.5, float("nan"), [], {}, {"a": [1]}, [[[]]]])

    def header(self, table: str) -> list[str]:
        from lbc_cli import i18n, importer

        spec = importer.TABLES[table][1]
        columns = [*spec, "id", "uid"]
        chosen = self.rng.sample(columns, k=self.rng.randint(1, min(len(columns), 8)))
        named = []
        for column in chosen:
            roll = self.rng.random()
            if roll < 0.15 and column in i18n.FIELDS:
                named.append(i18n.FIELDS[column][0])  # its Chinese label
            elif roll < 0.22:
                named.append(self.hostile()[:30])
            else:
                named.append(column)
        return named

    def import_file(self, index: int) -> tuple[str, Path, list[str]]:
        rng = self.rng
        table = rng.choice([*TABLES, *TABLES, "nosuch"])
        header = self.header(table if table != "nosuch" else "children")
        rows = [[self.cell() for _ in header] for _ in range(rng.choice([0, 1, 1, 2, 3, 5, 12]))]
        fmt = rng.choice(["csv", "csv", "csv", "json", "json", "jsonl", "jsonl", "xlsx", "bytes"])
        options: list[str] = []
        if rng.random() < 0.5:
            options.append("--dry-run")
        if rng.random() < 0.1:
            options.append("--force")
        path = self.folder / "in" / f"f{index}.{fmt if fmt != 'bytes' else rng.choice(['csv', 'json', 'xlsx'])}"
        if fmt == "csv":
            text = io.StringIO()
            writer = csv.writer(text)
            writer.writerow(header)
            writer.writerows([["" if v is None else str(v) for v in row] for row in rows])
            data = text.getvalue()
            if rng.random() < 0.2:
                data += rng.choice(['"', '"a', "\x00", "\r", "a,b,c,d,e,f,g,h,i\n", '\n"x\n'])
            encoding = rng.choice(["utf-8", "utf-8", "utf-8-sig", "gbk"])
            content = (
                data.encode(encoding, errors="replace")
                if encoding == "gbk"
                else data.encode(encoding, errors="surrogatepass")
            )
            if rng.random() < 0.3:
                options += ["--encoding", rng.choice(["utf-8", "gbk", "utf-8-sig"])]
        elif fmt in ("json", "jsonl"):
            records = [dict(zip(header, row, strict=True)) for row in rows]
            if rng.random() < 0.1:
                records = rng.choice([{}, [1, 2], "x", None, [[{}]], 5])
            if fmt == "json":
                text = json.dumps(records, ensure_ascii=rng.random() < 0.3, allow_nan=True)
            else:
                items = records if isinstance(records, list) else [records]
                text = "\n".join(json.dumps(r, ensure_ascii=False, allow_nan=True) for r in items)
                if rng.random() < 0.2:
                    text += rng.choice(["\n\n", "\n{", "\n[]", "\nnull"])
            content = text.encode("utf-8", errors="surrogatepass")
        elif fmt == "xlsx":
            book = openpyxl.Workbook()
            sheet = book.active
            for row in [header, *rows]:
                sheet.append([_xlsx_cell(v) for v in row])
            buffer = io.BytesIO()
            book.save(buffer)
            content = buffer.getvalue()
            if rng.random() < 0.15:  # damaged: cut short, or a member replaced
                content = content[: rng.randrange(len(content))] if rng.random() < 0.5 else _broken_zip(rng)
        else:
            content = rng.randbytes(rng.randrange(0, 600))
        path.write_bytes(content)
        if rng.random() < 0.1:
            options += ["--format", rng.choice(["csv", "json", "jsonl", "xlsx", "txt"])]
        return table, path, options


def _xlsx_cell(value):
    if isinstance(value, list | dict):
        return json.dumps(value)
    if isinstance(value, str):
        value = CONTROL.sub("", value).encode("utf-8", "replace").decode("utf-8")
        value = "".join(ch for ch in value if not "\ud800" <= ch <= "\udfff")
        return value[:30000]
    if isinstance(value, int) and abs(value) > 2**53:
        return str(value)
    if isinstance(value, float) and value != value:
        return "nan"
    return value


def _broken_zip(rng: random.Random) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in rng.sample(["[Content_Types].xml", "xl/workbook.xml", "xl/worksheets/sheet1.xml", "x"], k=2):
            archive.writestr(name, rng.randbytes(50))
    return buffer.getvalue()


# ---- the run ---------------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def arena(tmp_path_factory):
    """A folder with a copy of the demo database, another lbc file to merge, templates, and files to point at."""
    if ON_PG:
        pytest.skip("the fuzzing runs on SQLite")
    folder = tmp_path_factory.mktemp("fuzz")
    shutil.copy(ROOT / "lbc.example.db", folder / "demo.db")
    os.chmod(folder / "demo.db", 0o600)
    shutil.copy(ROOT / "lbc.example.db", folder / "other.db")
    os.chmod(folder / "other.db", 0o600)
    (folder / "link-to-db").symlink_to("demo.db")
    for name in ("out", "in", "templates/en", "templates/zh"):
        (folder / name).mkdir(parents=True)
    for lang in ("en", "zh"):
        (folder / "templates" / lang / "month.md.j2").write_text(
            "{{ cycler.__init__.__globals__.os.popen('id').read() }}\n", encoding="utf-8"
        )
        (folder / "templates" / lang / "plan.md.j2").write_text("{{ nosuch.value }} {% for %}\n", encoding="utf-8")
    (folder / "in" / "roster.csv").write_text("name,gender,birth_date\n新生,F,2016-05-06\n", encoding="utf-8")
    (folder / "in" / "empty.csv").write_bytes(b"")
    fuzzer = Fuzzer(folder, random.Random(SEED))
    fuzzer.files = [str(folder / "in" / "roster.csv"), str(folder / "in" / "empty.csv")]
    assert main(["--db", str(folder / "demo.db"), "child", "list", "--format", "csv"]) == 0  # opened once
    return fuzzer


def fingerprint(db: Path) -> tuple:
    """Every data table's row count and largest id: what a refused command must leave as it was."""
    connection = sqlite3.connect(db)
    try:
        return tuple(connection.execute(f"SELECT count(*), max(id) FROM {t}").fetchone() for t in DATA_TABLES)
    finally:
        connection.close()


def check(argv: list[str], code: int, out: str, err: str, before: tuple, db: Path) -> None:
    shown = repr(argv)[:400]
    assert code in (0, 1, 2, 3, 4, 130), (shown, code, err[-500:])
    assert "internal error" not in err and "内部错误" not in err, (shown, err[-1500:])
    if "--debug" not in argv:  # which shows a traceback on purpose
        assert "Traceback" not in err, (shown, err[-1500:])
        assert not CONTROL.search(err), (shown, repr(err[-500:]))
    assert err.count("lbc: error: ") + err.count("lbc: 错误：") <= 1, (shown, err[-1000:])
    assert ID_NUMBER not in err and not any(phone in err for phone in PHONES), (shown, err[-500:])
    if code not in (0, 4):
        assert fingerprint(db) == before, (shown, err[-500:])


@pytest.fixture
def quiet_stdin(monkeypatch, arena):
    """stdin as an empty pipe would be (`lbc import children -` reads nothing; purge cannot ask), and the
    arena as the working folder: a relative path drawn (`db backup today`) lands there."""
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b""), encoding="utf-8"))
    monkeypatch.chdir(arena.folder)


@pytest.mark.parametrize("batch", range(LINE_BATCHES))
def test_hostile_command_lines(arena, capsysbinary, quiet_stdin, batch):
    """Random command lines: read as bytes, since a workbook or a Word document goes to stdout as bytes."""
    capsys = capsysbinary
    rng = random.Random(SEED * 1000 + batch)
    arena.rng = rng
    codes: dict[int, int] = {}
    for _ in range(LINES // LINE_BATCHES):
        argv = arena.command_line()
        if "--db" not in argv:
            argv = ["--db", str(arena.db), *argv]
        before = fingerprint(arena.db)
        capsys.readouterr()
        code = main(argv)
        captured = capsys.readouterr()
        out, err = captured.out.decode("utf-8", "replace"), captured.err.decode("utf-8")
        check(argv, code, out, err, before, arena.db)
        codes[code] = codes.get(code, 0) + 1
        for leftover in (arena.folder / "out").iterdir():
            if leftover.is_file():
                leftover.unlink()
    assert set(codes) & {0} and set(codes) & {1, 2}, codes  # both kinds of outcome were reached


@pytest.mark.parametrize("batch", range(FILE_BATCHES))
def test_hostile_import_files(arena, capsys, quiet_stdin, batch):
    rng = random.Random(SEED * 2000 + batch)
    arena.rng = rng
    codes: dict[int, int] = {}
    for index in range(FILES // FILE_BATCHES):
        table, path, options = arena.import_file(batch * 10_000 + index)
        argv = ["--db", str(arena.db), "import", table, str(path), *options]
        before = fingerprint(arena.db)
        capsys.readouterr()
        code = main(argv)
        captured = capsys.readouterr()
        check(argv, code, captured.out, captured.err, before, arena.db)
        if "--dry-run" in options:
            assert fingerprint(arena.db) == before, argv
        codes[code] = codes.get(code, 0) + 1
        path.unlink()
    assert codes.get(1, 0) > 0, codes
