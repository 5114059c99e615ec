"""Fault tolerance (SPEC sections 2 and 8; README "Data and safety", "Import and export", "Exit codes").

1. Concurrency: writer processes and readers at once; every command succeeds or exits 3 past the busy timeout,
   and no write is lost.
2. Crash safety: an import, an update and a backup are killed (SIGKILL) at random points; the database always
   opens, passes `lbc db check`, and holds all or none of each command's work.
3. Hostile input: generated files for every import format, generated option values and generated files as
   `--db`: never a traceback, never a half-written change, always one clear line.

The tests at the end pin the bugs these tests found (each failed on the code they were written against); a bug
still open is marked `xfail(strict=True)`. The process-heavy tests are marked `slow`; the whole module is sized to
run in about two minutes on two cores.
"""

import csv
import gc
import hashlib
import io
import json
import os
import random
import re
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
import zipfile
from datetime import date
from pathlib import Path

import openpyxl
import pytest
from conftest import copy_db, new_target, rows, table_names, write_lock_held
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import lbc_cli.db as lbc_db
from lbc_cli.cli import main

TABLES = ["children", "helpers", "pairs", "contacts", "exams"]
FORMATS = ["csv", "json", "jsonl", "xlsx"]
IMPORT_COLUMNS = {
    "children": ["name", "gender", "birth_date", "id_number", "village", "grade", "flags", "guardian_phone",
                 "boarding", "enrolled_on", "status", "id", "uid"],
    "helpers": ["name", "role", "phone", "organization", "village", "active", "id", "uid"],
    "pairs": ["child_id", "helper_id", "start_date", "end_date", "note", "id", "uid"],
    "contacts": ["child_id", "helper_id", "kind", "date", "with_whom", "minutes", "note", "follow_up_date",
                 "no_answer", "id", "uid"],
    "exams": ["child_id", "school_year", "term", "class_rank", "class_size", "total_score", "merit_student",
              "serious_violation", "id", "uid"],
}  # fmt: skip

# A message is read on a terminal: besides the newline and a tab, no control character (no ESC, no NUL).
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
# The cap of an import's bad-row list (importer.MAX_REPORTED) plus its "... and N more" line.
MAX_DETAIL_LINES = 51
MAX_LINE = 1000

FUZZ = settings(
    max_examples=30,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)


# ---- helpers -----------------------------------------------------------------------------------------------------


def env(**extra: str) -> dict[str, str]:
    values = {k: v for k, v in os.environ.items() if k not in ("LBC_DB", "LBC_TEMPLATES", "LBC_BUSY_TIMEOUT")}
    values.update({"LBC_LANG": "en", "NO_COLOR": "1"}, **extra)
    return values


def lbc_process(args: list, cwd: Path, **extra: str) -> subprocess.CompletedProcess:
    """`python -m lbc_cli ARGS` in a process of its own, as a person or cron runs it."""
    command = [sys.executable, "-m", "lbc_cli", *map(str, args)]
    return subprocess.run(command, cwd=cwd, env=env(**extra), capture_output=True, text=True, timeout=120)


def start(args: list, cwd: Path) -> subprocess.Popen:
    command = [sys.executable, "-m", "lbc_cli", *map(str, args)]
    return subprocess.Popen(command, cwd=cwd, env=env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def kill(proc: subprocess.Popen) -> int:
    """SIGKILL (no handler runs, nothing is rolled back in Python) and reap; the status the process ended with."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGKILL)
    return proc.wait(timeout=30)


def snapshot(path: Path | str) -> dict[str, tuple[int, str]]:
    """Every table (the audit log and settings included): its row count and a digest of all its rows."""
    shot = {}
    for name in table_names(path):
        digest, n = hashlib.sha256(), 0
        for row in rows(path, f'SELECT * FROM "{name}" ORDER BY 1'):  # id, or last_contacts' child_id
            digest.update(repr(row).encode("utf-8", "surrogatepass"))
            n += 1
        shot[name] = (n, digest.hexdigest())
    return shot


def count(path: Path, table: str) -> int:
    return rows(path, f"SELECT count(*) FROM {table}")[0][0]


def check_outcome(result, before: dict, db: Path) -> None:
    """The contract for any input: a known exit code, no traceback; a refusal is one `lbc: error:` line (an import
    adds its indented bad-row list), no raw control character, not an 'internal error', no data printed and nothing
    changed."""
    assert result.code in (0, 1, 2, 3), (result.code, result.err)
    assert "Traceback" not in result.err, result.err
    assert not _CONTROL.search(result.err), repr(result.err)
    lines = result.err.split("\n")
    errors = [line for line in lines if line.startswith("lbc: error: ")]
    if result.code == 0:
        assert errors == [], result.err
        return
    assert len(errors) == 1, result.err
    assert "internal error" not in result.err, result.err
    assert result.out == "", result.out
    others = [line for line in lines if line and not line.startswith(("lbc: error: ", "  ", "warning: "))]
    assert others == [], result.err
    assert len([line for line in lines if line]) <= 1 + MAX_DETAIL_LINES, result.err
    assert all(len(line) <= MAX_LINE for line in lines), result.err[:3000]
    assert snapshot(db) == before


# (enrolled before the contact: a contact is dated in the child's time in the programme)
SEED = [
    ["enroll", "张三", "--gender", "M", "--birth", "2015-03-04", "--consent-on", "2024-01-01", "--village", "李家村",
     "--enrolled-on", "2024-01-01"],
    ["enroll", "李四", "--gender", "F", "--birth", "2016-05-06", "--consent-on", "2024-01-01", "--village", "李家村",
     "--enrolled-on", "2024-01-01"],
    ["enroll", "王五", "--gender", "F", "--birth", "2014-07-08", "--consent-on", "2024-01-01", "--village", "王家村",
     "--enrolled-on", "2024-01-01"],
    ["helper", "add", "李妈妈", "--role", "loving-mother"],
    ["helper", "add", "王老师", "--role", "class-teacher"],
    ["pair", "1", "1", "--since", "2024-01-01"],
    ["log-contact", "1", "--kind", "video-call", "--date", "2024-05-01", "--helper", "1"],
    ["exam", "add", "1", "--year", "2023", "--term", "1", "--rank", "3", "--class-size", "40"],
]  # fmt: skip


@pytest.fixture(scope="module")
def seeded_template(tmp_path_factory) -> Path:
    """Three children, two helpers, a pairing, a contact and an exam: things for the inputs to refer to."""
    path = new_target(tmp_path_factory.mktemp("seeded") / "lbc.db", keep=True)
    for args in [["init"], *SEED]:
        assert main(["--db", str(path), "--lang", "en", *args]) == 0, args
    return path


@pytest.fixture
def seeded(seeded_template, tmp_path) -> Path:
    """A private copy of the seeded database for one test."""
    return copy_db(seeded_template, tmp_path / "lbc.db")


def sound(run, db: Path) -> None:
    """The database opens and passes SQLite's integrity and foreign-key checks."""
    opened = run("child", "list", "--format", "csv", db=db)
    assert opened.code == 0, opened.err
    checked = run("db", "check", db=db)
    assert checked.code == 0, checked.err


# ---- 1. concurrency ----------------------------------------------------------------------------------------------

# Writers and readers are Python processes that call lbc's main() again and again, as the test asks (a
# process per command would take minutes). That alone once corrupted the database: main() left each command's
# connections open, and the next command's Database._check_file read the file through its own descriptor; closing
# it dropped the process's POSIX locks, so another process checkpointed and deleted the WAL under them.
PRELUDE = """
import json, os, sys, time
from lbc_cli.cli import main

def lbc(*argv):
    return main(["--db", DB, *argv])
"""

# One writer: N calls of enroll, log-contact and (every tenth) an import of IMPORT_ROWS contacts. It prints the id
# of each successful enroll or log-contact, then a JSON line of [kind, exit code] per call.
WRITER = (
    PRELUDE
    + """
DB, tag, batch, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
calls = []
for i in range(n):
    if i % 10 == 9:
        calls.append(["import", lbc("import", "contacts", batch)])
    elif i % 2:
        code = lbc("log-contact", "1", "--kind", "video-call", "--date", "2024-05-01", "--note", f"w{tag}-{i}")
        calls.append(["contact", code])
    else:
        birth = f"2015-{1 + i % 12:02d}-{1 + i // 12:02d}"
        code = lbc("enroll", f"并发{tag}号{i}", "--gender", "F", "--birth", birth, "--consent-on", "2024-01-01",
                   "--village", f"村{tag}")
        calls.append(["child", code])
sys.stdout.write(json.dumps(calls) + "\\n")
"""
)

# One reader: remind and the year's summary in a loop until the writers are done; a JSON line of exit codes.
READER = (
    PRELUDE
    + """
DB, stop = sys.argv[1], sys.argv[2]
codes = []
while not codes or not os.path.exists(stop):
    codes.append(lbc("remind", "--as-of", "2024-06-01"))
    codes.append(lbc("report", "summary", "--year", "2024", "--as-of", "2024-06-01"))
    time.sleep(0.1)
sys.stderr.write(json.dumps(codes) + "\\n")
"""
)

IMPORT_ROWS = 5


def run_writers(db: Path, folder: Path, writers: int, writes: int, readers: int) -> dict:
    """Start the readers and writers at once, wait for the writers, stop the readers; what each of them said."""
    batch = folder / "batch.csv"
    lines = "".join(f"2,phone-call,2024-05-02,批量{i}\n" for i in range(IMPORT_ROWS))
    batch.write_text("child_id,kind,date,note\n" + lines, encoding="utf-8")
    stop = folder / "stop"
    gc.collect()  # no connection of this process stays open beside them (conftest's `db` ran main() here)

    def spawn(code: str, args: list[str], name: str):
        out, err = folder / f"{name}.out", folder / f"{name}.err"
        with open(out, "wb") as fo, open(err, "wb") as fe:
            proc = subprocess.Popen(
                [sys.executable, "-c", code, *args],
                cwd=folder,
                env=env(LBC_BUSY_TIMEOUT="30"),
                stdout=fo,
                stderr=fe,
            )
        return proc, out, err

    reading = [spawn(READER, [str(db), str(stop)], f"reader{r}") for r in range(readers)]
    writing = [spawn(WRITER, [str(db), str(w), str(batch), str(writes)], f"writer{w}") for w in range(writers)]
    try:
        for proc, _out, _err in writing:
            proc.wait(timeout=300)
    finally:
        stop.touch()
        for proc, _out, _err in reading:
            proc.wait(timeout=120)
        for proc, _out, _err in writing + reading:
            kill(proc)
    said = {"writers": [], "readers": []}
    for proc, out, err in writing:
        said["writers"].append((proc.returncode, out.read_text("utf-8"), err.read_text("utf-8")))
    for proc, _out, err in reading:
        said["readers"].append((proc.returncode, err.read_text("utf-8")))
    return said


def check_writers(said: dict, db: Path, before: dict, writes: int) -> None:
    """Each call succeeded or exited 3 on the busy timeout with one clear line; the database holds exactly the
    successful writes, each audited once, and each printed id is a distinct stored row."""
    succeeded = {"child": 0, "contact": 0, "import": 0}
    printed = {"child": [], "contact": []}
    for status, out, err in said["writers"]:
        assert status == 0, err[-3000:]
        assert "Traceback" not in err
        *id_lines, last = out.splitlines()
        calls = json.loads(last)
        assert len(calls) == writes
        for kind, code in calls:
            assert code in (0, 3), (kind, code, err[-3000:])
            succeeded[kind] += code == 0
        failures = [code for _kind, code in calls if code]
        errors = [line for line in err.splitlines() if line.startswith("lbc: error: ")]
        assert len(errors) == len(failures), err[-3000:]
        assert all("busy" in line for line in errors), errors[:5]
        # stdout: one id per successful enroll or log-contact, in call order
        shown = [kind for kind, code in calls if code == 0 and kind != "import"]
        assert len(id_lines) == len(shown)
        for kind, line in zip(shown, id_lines, strict=True):
            printed[kind].append(int(line))
    for status, err in said["readers"]:
        assert status == 0, err[-3000:]
        assert "Traceback" not in err
        codes = json.loads(err.splitlines()[-1])
        assert codes and set(codes) == {0}, err[-3000:]

    assert count(db, "children") - before["children"] == succeeded["child"]
    assert count(db, "contacts") - before["contacts"] == succeeded["contact"] + IMPORT_ROWS * succeeded["import"]
    assert count(db, "audit_log") - before["audit_log"] == sum(succeeded.values())
    new_children = {r[0] for r in rows(db, "SELECT id FROM children")} - before["children ids"]
    new_contacts = {r[0] for r in rows(db, "SELECT id FROM contacts")} - before["contacts ids"]
    imported = {r[0] for r in rows(db, "SELECT id FROM contacts WHERE note LIKE '批量%'")}
    assert len(imported) == IMPORT_ROWS * succeeded["import"]
    for kind, stored in (("child", new_children), ("contact", new_contacts - imported)):
        assert len(printed[kind]) == len(set(printed[kind])) == len(stored)
        assert set(printed[kind]) == stored


def state_of(db: Path) -> dict:
    state = {table: count(db, table) for table in ("children", "contacts", "audit_log")}
    for table in ("children", "contacts"):
        state[f"{table} ids"] = {r[0] for r in rows(db, f"SELECT id FROM {table}")}
    return state


@pytest.mark.slow
def test_eight_writers_and_two_readers_at_once_lose_no_write(run, seeded, tmp_path):
    before = state_of(seeded)
    said = run_writers(seeded, tmp_path, writers=8, writes=50, readers=2)
    check_writers(said, seeded, before, writes=50)
    # with a 30 s busy timeout nobody waits that long: every write succeeded
    assert count(seeded, "children") - before["children"] == 8 * 25
    assert count(seeded, "contacts") - before["contacts"] == 8 * (20 + 5 * IMPORT_ROWS)
    sound(run, seeded)


SAME_CHILD = """
import sys, time
from lbc_cli.cli import main

db, go = sys.argv[1], float(sys.argv[2])
time.sleep(max(0.0, go - time.time()))
sys.exit(main(["--db", db, "enroll", "赵六", "--gender", "M", "--birth", "2015-06-01", "--consent-on", "2024-01-01"]))
"""


@pytest.mark.slow
def test_the_same_child_enrolled_by_four_processes_at_once_is_registered_once(db, tmp_path):
    gc.collect()
    go = time.time() + 2.5  # all four are up by then and race for the write lock
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", SAME_CHILD, str(db), str(go)],
            cwd=tmp_path,
            env=env(LBC_BUSY_TIMEOUT="30"),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(4)
    ]
    results = [(*p.communicate(timeout=120), p.returncode) for p in procs]
    assert sorted(code for _out, _err, code in results) == [0, 1, 1, 1], results
    for _out, err, code in results:
        assert "Traceback" not in err
        assert err.count("lbc: error: ") == (code != 0)
    assert rows(db, "SELECT count(*) FROM children WHERE name = '赵六'") == [(1,)]


@pytest.fixture
def locked(seeded):
    """The seeded database with its write lock held by another connection, as by another lbc writing."""
    with write_lock_held(seeded):
        yield seeded


def test_a_writer_past_the_busy_timeout_exits_3_in_one_line_and_writes_nothing(locked, tmp_path):
    before = snapshot(locked)
    began = time.monotonic()
    args = ["--db", locked, "log-contact", "1", "--kind", "video-call", "--date", "2024-05-03"]
    result = lbc_process(args, tmp_path, LBC_BUSY_TIMEOUT="0.2")
    elapsed = time.monotonic() - began
    assert result.returncode == 3, result.stderr
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    [line] = result.stderr.splitlines()
    assert line.startswith("lbc: error: ") and "busy" in line
    assert elapsed < 8  # LBC_BUSY_TIMEOUT was honoured (the default is 10 s)
    assert snapshot(locked) == before


@pytest.mark.parametrize(
    "args",
    [
        ["enroll", "钱七", "--gender", "M", "--birth", "2015-01-01", "--consent-on", "2024-01-01"],
        ["log-contact", "1", "--kind", "home-visit", "--date", "2024-05-03"],
        ["child", "update", "1", "--village", "新村", "--grade", "3"],
        ["child", "exit", "2", "--reason", "moved"],
        ["helper", "add", "孙老师", "--role", "class-teacher"],
        ["pair", "2", "2", "--since", "2024-02-01"],
        ["config", "set", "visit_days", "60"],
        ["import", "contacts", "BATCH"],
    ],
    ids=lambda args: " ".join(args[:2]),
)
def test_every_writer_past_the_busy_timeout_exits_3_and_writes_nothing(run, locked, tmp_path, monkeypatch, args):
    batch = tmp_path / "batch.csv"
    batch.write_text("child_id,kind,date\n1,phone-call,2024-05-02\n2,phone-call,2024-05-02\n", encoding="utf-8")
    args = [str(batch) if a == "BATCH" else a for a in args]
    monkeypatch.setattr(lbc_db, "BUSY_TIMEOUT_S", 0.2)
    before = snapshot(locked)
    result = run(*args, db=locked)
    assert result.code == 3, result.err
    assert result.out == ""
    [line] = result.err.splitlines()
    assert line.startswith("lbc: error: ") and "busy" in line
    assert snapshot(locked) == before


@pytest.mark.parametrize(
    "args",
    [["remind", "--as-of", "2024-06-01"], ["child", "list"], ["report", "summary", "--year", "2024"]],
    ids=lambda args: args[0],
)
def test_readers_are_not_blocked_by_a_writer(run, locked, monkeypatch, args):
    monkeypatch.setattr(lbc_db, "BUSY_TIMEOUT_S", 0.2)
    result = run(*args, db=locked)
    assert result.code == 0, result.err


# ---- 2. crash safety ---------------------------------------------------------------------------------------------

KILLS = 12


def timed(args: list, cwd: Path) -> float:
    began = time.monotonic()
    result = lbc_process(args, cwd)
    assert result.returncode == 0, result.stderr
    return time.monotonic() - began


@pytest.mark.slow
def test_a_killed_import_leaves_all_or_none_of_its_rows(run, seeded, tmp_path):
    db, n = seeded, 4000
    big = tmp_path / "big.csv"
    with open(big, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["child_id", "helper_id", "kind", "date", "minutes", "note"])
        for i in range(n):
            writer.writerow(
                [1 + i % 3, 1 + i % 2, "phone-call", f"2024-{1 + i % 12:02d}-{1 + i % 28:02d}", 10, f"第{i}次"]
            )
    args = ["--db", db, "import", "contacts", big]
    before = count(db, "contacts")
    duration = timed(args, tmp_path)  # a whole run first: how long it takes, and that it works
    assert count(db, "contacts") == before + n
    rng = random.Random(20250101)
    outcomes = []
    for _ in range(KILLS):
        contacts, audit = count(db, "contacts"), count(db, "audit_log")
        proc = start(args, tmp_path)
        time.sleep(rng.uniform(0.3, 1.1) * duration)
        status = kill(proc)
        sound(run, db)
        after = count(db, "contacts")
        assert after in (contacts, contacts + n), (status, contacts, after)
        # the import's audit row is there exactly when its rows are
        assert count(db, "audit_log") - audit == (after != contacts)
        outcomes.append((status, after != contacts))
    assert any(status == -signal.SIGKILL for status, _ in outcomes), outcomes  # some kills hit a running import


UPDATE_A = {"village": "甲村", "school": "甲小学", "grade": 2, "class_name": "一班", "guardian_name": "张爷爷",
            "guardian_phone": "13800001111"}  # fmt: skip
UPDATE_B = {"village": "乙村", "school": "乙小学", "grade": 5, "class_name": "三班", "guardian_name": "张奶奶",
            "guardian_phone": "13900002222"}  # fmt: skip
OPTION = {"village": "--village", "school": "--school", "grade": "--grade", "class_name": "--class",
          "guardian_name": "--guardian", "guardian_phone": "--guardian-phone"}  # fmt: skip


def child_state(db: Path) -> dict:
    [values] = rows(db, f"SELECT {', '.join(UPDATE_A)} FROM children WHERE id = 1")
    return dict(zip(UPDATE_A, values, strict=True))


def update_args(db: Path, values: dict) -> list[str]:
    args = ["--db", str(db), "child", "update", "1"]
    for key, value in values.items():
        args += [OPTION[key], str(value)]
    return args


@pytest.mark.slow
def test_a_killed_update_changes_all_of_the_fields_or_none(run, seeded, tmp_path):
    db = seeded
    duration = timed(update_args(db, UPDATE_A), tmp_path)
    assert child_state(db) == UPDATE_A
    rng = random.Random(20250202)
    outcomes = []
    for _ in range(KILLS):
        current, audit = child_state(db), count(db, "audit_log")
        target = UPDATE_B if current == UPDATE_A else UPDATE_A
        proc = start(update_args(db, target), tmp_path)
        time.sleep(rng.uniform(0.3, 1.1) * duration)
        status = kill(proc)
        sound(run, db)
        after = child_state(db)
        assert after in (current, target), (status, after)
        assert count(db, "audit_log") - audit == (after != current)
        outcomes.append((status, after != current))
    assert any(status == -signal.SIGKILL for status, _ in outcomes), outcomes


@pytest.fixture(scope="module")
def big_db(tmp_path_factory) -> Path:
    """An lbc database of some 15 MB (60,000 contacts), so that a backup takes a measurable time."""
    path = tmp_path_factory.mktemp("big") / "big.db"
    assert main(["--db", str(path), "--lang", "en", "init"]) == 0
    enroll = ["enroll", "张三", "--gender", "M", "--birth", "2015-03-04", "--consent-on", "2024-01-01"]
    assert main(["--db", str(path), "--lang", "en", *enroll]) == 0
    gc.collect()  # close what main() left open
    conn = sqlite3.connect(path)
    with conn:
        conn.executemany(
            "INSERT INTO contacts (uid, child_id, kind, date, note, no_answer) VALUES (?, 1, 'video-call', ?, ?, 0)",
            [(str(uuid.uuid4()), f"2024-{1 + i % 12:02d}-01", f"记录{i}" * 30) for i in range(60000)],
        )
    conn.close()
    return path


def good_backup(run, copy: Path, contacts: int) -> bool:
    return run("db", "check", db=copy).code == 0 and count(copy, "contacts") == contacts


@pytest.mark.slow
@pytest.mark.sqlite_only("lbc's own online backup of the SQLite file (PostgreSQL: pg_dump)")
def test_a_killed_backup_leaves_the_database_as_it_was(run, big_db, tmp_path):
    gc.collect()
    before = snapshot(big_db)
    duration = timed(["--db", big_db, "db", "backup", tmp_path / "first.db"], tmp_path)
    assert good_backup(run, tmp_path / "first.db", before["contacts"][0])
    rng = random.Random(20250303)
    for i in range(6):
        dest = tmp_path / f"killed{i}.db"
        proc = start(["--db", big_db, "db", "backup", dest], tmp_path)
        time.sleep(rng.uniform(0.3, 1.1) * duration)
        status = kill(proc)
        sound(run, big_db)
        assert snapshot(big_db) == before
        if status == 0:  # it finished before the kill: a whole copy
            assert good_backup(run, dest, before["contacts"][0])


@pytest.mark.slow
@pytest.mark.sqlite_only("lbc's own online backup of the SQLite file (PostgreSQL: pg_dump)")
def test_a_killed_backup_leaves_no_file_that_looks_like_a_backup(run, big_db, tmp_path):
    gc.collect()
    contacts = count(big_db, "contacts")
    rng = random.Random(20250404)
    leftovers, interrupted = [], 0
    for i in range(5):
        dest = tmp_path / f"killed{i}.db"
        proc = start(["--db", big_db, "db", "backup", dest], tmp_path)
        # the copy has begun once a file of that name (or a temporary one named after it) is there
        while not any(dest.name in p.name for p in tmp_path.iterdir()) and proc.poll() is None:
            time.sleep(0.0005)
        time.sleep(rng.uniform(0, 0.01))  # somewhere in the copy (60,000 rows take far longer)
        status = kill(proc)
        if dest.exists() and not good_backup(run, dest, contacts):
            leftovers.append((status, dest.name, dest.stat().st_size))
        interrupted += status == -signal.SIGKILL and not dest.exists()
    assert leftovers == []
    assert interrupted  # some kills did land in the middle of a copy


# ---- 3. hostile input --------------------------------------------------------------------------------------------

ANY_TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=40)  # surrogates cannot be encoded
PRINTABLE = st.text(st.characters(exclude_categories=("Cs", "Cc")), max_size=20)

# JSON values of every type where a string is expected: nested objects and lists, null, numbers, booleans.
JSON_SCALAR = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),  # of any size: beyond 64 bits one reached SQLite (test_an_id_beyond_64_bits_is_a_bad_row)
    st.floats(allow_nan=True, allow_infinity=True),
    ANY_TEXT,
    st.sampled_from(["2024-05-01", "F", "M", "video-call", "loving-mother", "1", "0", "13800001234", "2024"]),
)
JSON_VALUE = st.recursive(
    JSON_SCALAR, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(PRINTABLE, inner, max_size=3), max_leaves=6
)


def table_and_columns():
    def columns(table):
        return st.tuples(st.just(table), st.lists(st.sampled_from(IMPORT_COLUMNS[table]), min_size=1, unique=True))

    return st.sampled_from(TABLES).flatmap(columns)


@pytest.fixture
def fuzz_import(run, seeded):
    """import TABLE FILE of these bytes (a new temp folder each time): the result, checked against the contract."""

    def invoke(table: str, name: str, content: bytes, *options: str):
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / name
            path.write_bytes(content)
            before = snapshot(seeded)
            result = run("import", table, path, *options, db=seeded)
            check_outcome(result, before, seeded)
            return result

    return invoke


@FUZZ
@given(content=st.binary(max_size=3000), fmt=st.sampled_from(FORMATS), table=st.sampled_from(TABLES))
def test_random_bytes_as_any_import_file(fuzz_import, content, fmt, table):
    fuzz_import(table, f"in.{fmt}", content)


QUOTING = st.sampled_from(['"', '"a', 'a"b', '""', '"x\n', "\x00", "'=1+1", " ", "\ufeff"])


@FUZZ
@given(
    spec=table_and_columns(),
    cells=st.lists(st.lists(ANY_TEXT | QUOTING, max_size=12), max_size=6),
    tail=st.sampled_from(["", "\n", "\x00", '"', '\n"', "\r", "\x00\x00\n"]),
    encoding=st.sampled_from(["utf-8", "gbk", "utf-8-sig"]),
)
def test_random_unicode_csv_with_quoting_errors_and_nul(fuzz_import, spec, cells, tail, encoding):
    table, columns = spec
    text = "\n".join([",".join(columns)] + [",".join(row) for row in cells]) + tail
    data = text.encode("gbk", errors="replace") if encoding == "gbk" else text.encode("utf-8")
    fuzz_import(table, "in.csv", data, "--encoding", encoding)


@FUZZ
@given(
    spec=table_and_columns(),
    data=st.data(),
    fmt=st.sampled_from(["json", "jsonl"]),
    shape=st.sampled_from(["records", "records", "records", "anything", "scalar"]),
)
def test_json_with_wrong_types(fuzz_import, spec, data, fmt, shape):
    table, columns = spec
    if shape == "records":
        items = data.draw(st.lists(st.fixed_dictionaries({c: JSON_VALUE for c in columns}), max_size=4))
    elif shape == "anything":
        items = data.draw(st.lists(st.dictionaries(PRINTABLE, JSON_VALUE, max_size=3) | JSON_VALUE, max_size=4))
    else:
        items = data.draw(JSON_SCALAR)
    if fmt == "json":
        content = json.dumps(items, ensure_ascii=False)
    else:
        content = "\n".join(json.dumps(item, ensure_ascii=False) for item in (items if shape != "scalar" else [items]))
    fuzz_import(table, f"in.{fmt}", content.encode("utf-8"))


@settings(FUZZ, max_examples=12)
@given(
    fmt=st.sampled_from(["csv", "json", "jsonl"]),
    size=st.integers(100_000, 300_000),
    char=st.sampled_from(["a", "张", "𠮷", "'", "\x00", " ", "1"]),
    column=st.sampled_from(
        ["name", "village", "family_notes", "guardian_phone", "id_number", "grade", "birth_date", "flags", "gender"]
    ),
)
def test_huge_fields(fuzz_import, fmt, size, char, column):
    record = {"name": f"巨大{uuid.uuid4().hex[:8]}", "gender": "F", "birth_date": "2015-03-04"}
    record[column] = char * size
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerows([list(record), list(record.values())])
        content = buffer.getvalue()
    elif fmt == "json":
        content = json.dumps([record], ensure_ascii=False)
    else:
        content = json.dumps(record, ensure_ascii=False) + "\n"
    result = fuzz_import("children", f"in.{fmt}", content.encode("utf-8"))
    if char.strip():
        assert result.code == 1  # no field of a child may be that long
    assert len(result.err) < 2000  # the huge value is not quoted back whole


XLSX_CELL = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**30), 10**30),
    st.floats(allow_nan=False, allow_infinity=False, min_value=-1e15, max_value=1e15),
    st.dates(min_value=date(1900, 3, 1), max_value=date(2100, 1, 1)),
    PRINTABLE,  # openpyxl refuses to write control characters
    st.sampled_from(["2024-05-01", "F", "video-call", "1", "13800001234"]),
)


@FUZZ
@given(spec=table_and_columns(), data=st.data())
def test_xlsx_with_wrong_types(fuzz_import, spec, data):
    table, columns = spec
    values = data.draw(st.lists(st.lists(XLSX_CELL, min_size=len(columns), max_size=len(columns)), max_size=4))
    book = openpyxl.Workbook()
    sheet = book.active
    for row in [columns, *values]:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    fuzz_import(table, "in.xlsx", buffer.getvalue())


WORKBOOK_PARTS = ["[Content_Types].xml", "_rels/.rels", "xl/workbook.xml", "xl/_rels/workbook.xml.rels",
                  "xl/worksheets/sheet1.xml", "xl/styles.xml", "docProps/app.xml", "hello.txt"]  # fmt: skip


@FUZZ
@given(
    members=st.dictionaries(
        st.sampled_from(WORKBOOK_PARTS), st.binary(max_size=300) | PRINTABLE.map(str.encode), max_size=5
    ),
    table=st.sampled_from(TABLES),
)
def test_a_zip_that_is_not_a_workbook(fuzz_import, members, table):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    result = fuzz_import(table, "in.xlsx", buffer.getvalue())
    assert result.code == 1
    assert "not an Excel workbook" in result.err


def option_value():
    values = ANY_TEXT | st.sampled_from(["", " ", "-1", "99", "1e3", "2015-02-30", "today", "女", "F", "\x00", "１２"])
    # a value that is itself a global option would change the command line, not test a value
    return values.filter(lambda v: v.partition("=")[0].strip() not in ("--db", "--lang", "--debug"))


ENROLL_OPTIONS = [
    *("--birth", "--gender", "--guardian-phone", "--grade", "--flag", "--id-number", "--enrolled-on"),
    *("--consent-on", "--schooling", "--guardian-relation", "--village", "--note", "--assistance"),
]


@FUZZ
@given(name=option_value(), options=st.dictionaries(st.sampled_from(ENROLL_OPTIONS), option_value(), max_size=5))
def test_random_enroll_options(run, seeded, name, options):
    argv = ["enroll", name, "--gender", "F", "--birth", "2015-03-04"]
    for option, value in options.items():
        argv += [option, value]
    before = snapshot(seeded)
    check_outcome(run(*argv, db=seeded), before, seeded)


COMMANDS = {
    ("log-contact", "1"): ["--kind", "--date", "--helper", "--with", "--minutes", "--note", "--follow-up"],
    ("child", "update", "2"): ["--name", "--grade", "--birth", "--guardian-phone", "--add-flag", "--clear", "--gender"],
    ("child", "show"): [],
    ("child", "exit", "3"): ["--reason", "--date"],
    ("helper", "add", "新帮扶人"): ["--role", "--phone", "--village"],
    ("pair", "3", "2"): ["--since"],
    ("exam", "add", "2"): ["--year", "--term", "--rank", "--class-size", "--total"],
    ("config", "set", "visit_days"): [],
    ("child", "list"): ["--village", "--flag", "--status", "--format", "--as-of"],
    ("remind",): ["--as-of", "--format"],
    ("contact", "list"): ["--child", "--kind", "--from", "--to", "--format"],
    ("report", "summary"): ["--year", "--from", "--to", "--as-of", "--format"],
    ("score",): ["--year", "--view", "--set", "--as-of"],
}
TAKES_ARGUMENT = {("child", "show"), ("config", "set", "visit_days")}


@FUZZ
@given(command=st.sampled_from(sorted(COMMANDS)), data=st.data(), positional=option_value())
def test_random_option_values_of_other_commands(run, seeded, command, data, positional):
    options = COMMANDS[command]
    chosen = data.draw(st.dictionaries(st.sampled_from(options), option_value(), max_size=4)) if options else {}
    argv = [*command, *([positional] if command in TAKES_ARGUMENT else [])]
    for option, value in chosen.items():
        argv += [option, value]
    before = snapshot(seeded)
    check_outcome(run(*argv, db=seeded), before, seeded)


@pytest.mark.parametrize(
    "argv, named",
    [
        (["child", "show", "\x00"], "argument 3"),  # after --db is taken: child, show, then the child
        (["child", "update", "2", "--name", "王\x00五"], "--name"),
        (["contact", "list", "--child", "a\x00"], "--child"),
    ],
)
def test_a_nul_in_an_argument_is_a_usage_error_naming_it_and_nothing_is_done(run, seeded, argv, named):
    """No shell can pass a NUL and PostgreSQL cannot store one: refused up front, alike on both backends."""
    before = snapshot(seeded)
    result = run(*argv, db=seeded)
    assert (result.code, result.out) == (2, "")
    assert result.err == f"lbc: error: {named}: contains control characters (NUL)\n"
    assert snapshot(seeded) == before


@pytest.fixture(scope="module")
def lbc_bytes(tmp_path_factory) -> bytes:
    """The bytes of a small lbc database, checkpointed into one file."""
    folder = tmp_path_factory.mktemp("template")
    assert main(["--db", str(folder / "t.db"), "--lang", "en", "init"]) == 0
    gc.collect()
    source, copy = sqlite3.connect(folder / "t.db"), sqlite3.connect(folder / "copy.db")
    source.backup(copy)
    copy.execute("PRAGMA journal_mode = DELETE")
    source.close()
    copy.close()
    return (folder / "copy.db").read_bytes()


DB_COMMANDS = [["child", "list"], ["db", "check"], ["init"], ["remind"], ["helper", "add", "某人", "--role", "other"]]


@pytest.mark.sqlite_only("random bytes as the database file")
@FUZZ
@given(content=st.binary(max_size=4096), command=st.sampled_from(DB_COMMANDS))
def test_random_bytes_as_the_database(run, content, command):
    assume(not content.startswith(lbc_db.SQLITE_MAGIC))
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "random.db"
        path.write_bytes(content)
        result = run(*command, db=path)
        assert "Traceback" not in result.err
        if content == b"" and command == ["init"]:
            assert result.code == 0, result.err  # an empty file is made a database
            return
        assert result.code == 3, result.err
        [line] = result.err.splitlines()
        assert line.startswith("lbc: error: ")
        assert path.read_bytes() == content  # left untouched, no -wal or -shm beside it
        assert [p.name for p in Path(folder).iterdir()] == ["random.db"]


@pytest.mark.sqlite_only("a corrupted SQLite file as the database")
@FUZZ
@given(
    tail=st.binary(max_size=4096),
    flips=st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 255)), max_size=8),
    cut=st.one_of(st.none(), st.integers(16, 10**6)),
    command=st.sampled_from(DB_COMMANDS),
    from_lbc=st.booleans(),
)
def test_a_corrupted_sqlite_file_as_the_database(run, lbc_bytes, tail, flips, cut, command, from_lbc):
    content = bytearray(lbc_bytes if from_lbc else lbc_db.SQLITE_MAGIC + tail)
    for offset, value in flips:
        if len(content) > 16:
            content[16 + offset % (len(content) - 16)] = value
    if cut is not None:
        content = content[: max(16, cut % (len(content) + 1))]
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "corrupt.db"
        path.write_bytes(bytes(content))
        result = run(*command, db=path)
        # damaged text in the schema: test_a_database_with_damaged_text_is_refused_cleanly
        assume("(UnicodeDecodeError)" not in result.err)
        assert result.code in (0, 1, 3), result.err
        assert "Traceback" not in result.err
        if result.code:
            errors = [line for line in result.err.splitlines() if line.startswith("lbc: error: ")]
            assert len(errors) == 1, result.err
            assert "internal error" not in result.err, result.err
        if "left untouched" in result.err:
            assert path.read_bytes() == bytes(content)


# ---- the bugs these tests found, pinned ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ["enroll", "孙八", "--gender", "F\nlbc: error: forged", "--birth", "2015-03-04"],
        ["enroll", "孙八", "--gender", "F", "--birth", "2015-03-04\r\nsecond line"],
        ["log-contact", "1", "--kind", "video-call\nsecond line"],
        ["child", "list", "--format", "\x1b[2Jcsv"],
        ["import", "children", "in.csv", "--encoding", "\x1b[2Jgbk"],
        ["child", "show", "\x1b[2J张三"],
        ["config", "set", "\x1b[2Jvisit_days", "1"],
        ["export", "\x1b[2Jchildren"],
        ["child", "list", "--village\x1b[2J"],
        ["enroll", "孙八", "--gender", "F", "--birth", "2015-03-04", "--id-number", "\x1b[2J1101052015030400\x00"],
        ["enroll", "孙八", "--gender", "F", "--birth", "2015-03-04", "--id-number", "1" * 5000],
    ],
    ids=["gender", "birth", "kind", "format", "encoding", "child", "config", "export", "option", "id-ctl", "id-long"],
)
def test_a_quoted_value_never_breaks_the_line_or_reaches_the_terminal_raw(run, seeded, args):
    before = snapshot(seeded)
    result = run(*args, db=seeded)
    assert result.code in (1, 2)
    [line] = result.err.splitlines()
    assert not _CONTROL.search(line), repr(line)
    assert len(line) < 400
    assert snapshot(seeded) == before


def test_a_bad_encoding_is_reported_as_a_bad_encoding(run, seeded, tmp_path):
    path = tmp_path / "in.csv"
    path.write_text("name,gender,birth_date\n", encoding="utf-8")
    before = snapshot(seeded)
    result = run("import", "children", path, "--encoding", "latin1", db=seeded)
    check_outcome(result, before, seeded)
    assert result.code == 2
    assert result.err.startswith("lbc: error: --encoding: "), result.err


@pytest.mark.parametrize(
    "args",
    [
        ["score", "--year", "0"],
        ["score", "--year", "99999999999"],
        ["export", "scores", "--year", "0"],
        ["report", "summary", "--year", "1"],
        ["report", "summary", "--year", "10000"],
        ["report", "summary", "--as-of", "0001-01-01"],
        ["report", "month", "--as-of", "9999-12-31"],
        ["remind", "--as-of", "9999-12-31"],
    ],
    ids=["score-0", "score-huge", "export-scores-0", "summary-1", "summary-10000", "summary-as-of-1", "month-9999",
         "remind-9999"],
)  # fmt: skip
def test_a_year_at_the_edge_of_the_calendar_is_refused_cleanly(run, seeded, args):
    before = snapshot(seeded)
    result = run(*args, db=seeded)
    assert result.code in (1, 2), result.err
    check_outcome(result, before, seeded)


# 2**31 - 1 = 2147483647 is the largest id a PostgreSQL INTEGER holds; any number past it names no row.
@pytest.mark.parametrize(
    "args, message",
    [
        (["child", "show", "2147483648"], "no child '2147483648'"),
        (
            ["child", "show", "99999999999999999999"],
            "no child '999*************9999'",
        ),  # as long as an id number: masked
        (["helper", "show", "3000000000"], "no helper '3000000000'"),
        (["pair", "1", "2147483648"], "no helper '2147483648'"),
        (["contact", "list", "--child", "9223372036854775808"], "no child '922************5808'"),
        (["child", "show", "²"], "no child '²'"),  # a digit to str.isdigit, not to int()
        (["schedule", "remove", "2147483648"], "no schedule item 2147483648"),
    ],
)
def test_a_number_past_the_largest_id_is_no_such_row_on_either_backend(run, seeded, args, message):
    before = snapshot(seeded)
    result = run(*args, db=seeded)
    assert (result.code, result.err) == (1, f"lbc: error: {message}\n")
    assert snapshot(seeded) == before


@pytest.mark.sqlite_only("damaged bytes in the SQLite file")
@pytest.mark.parametrize("command", DB_COMMANDS, ids=lambda command: " ".join(command[:2]))
def test_a_database_with_damaged_text_is_refused_cleanly(run, lbc_bytes, tmp_path, command):
    at = lbc_bytes.index(b"tablechildrenchildren") + len(b"tablechildre")  # the name of the children table
    content = lbc_bytes[:at] + b"\xff" + lbc_bytes[at + 1 :]
    path = tmp_path / "damaged.db"
    path.write_bytes(content)
    result = run(*command, db=path)
    assert "internal error" not in result.err, result.err
    assert result.code in (1, 3)
    [line] = result.err.splitlines()
    assert line.startswith("lbc: error: ")
    assert path.read_bytes() == content


def test_an_unknown_header_with_control_characters_is_not_echoed_raw(run, seeded, tmp_path):
    path = tmp_path / "in.csv"
    path.write_text('name,gender,birth_date,"evil\x1b[2J\nlbc: error: forged"\n赵九,F,2015-03-04,x\n', encoding="utf-8")
    before = snapshot(seeded)
    result = run("import", "children", path, db=seeded)
    assert result.code == 1
    check_outcome(result, before, seeded)


@pytest.mark.parametrize("fmt", ["json", "jsonl", "xlsx"])
def test_an_id_beyond_64_bits_is_a_bad_row(run, seeded, tmp_path, fmt):
    record = {"id": 2**64, "name": "周十", "role": "volunteer"}
    path = tmp_path / f"in.{fmt}"
    if fmt == "json":
        path.write_text(json.dumps([record]), encoding="utf-8")
    elif fmt == "jsonl":
        path.write_text(json.dumps(record) + "\n", encoding="utf-8")
    else:
        book = openpyxl.Workbook()
        book.active.append(list(record))
        book.active.append([1e20, record["name"], record["role"]])
        book.save(path)
    before = snapshot(seeded)
    result = run("import", "helpers", path, db=seeded)
    check_outcome(result, before, seeded)
    assert result.code == 1
    assert f"in.{fmt}:" in result.err and ": id: " in result.err, result.err


@pytest.mark.parametrize("fmt", ["json", "jsonl"])
def test_deeply_nested_json_is_refused_as_not_valid_json(run, seeded, tmp_path, fmt):
    path = tmp_path / f"in.{fmt}"
    path.write_text("[" * 100_000 + "]" * 100_000 if fmt == "json" else '{"a":' * 100_000 + "1" + "}" * 100_000)
    before = snapshot(seeded)
    result = run("import", "contacts", path, db=seeded)
    check_outcome(result, before, seeded)
    assert "JSON" in result.err


def broken_workbook(path: Path, part: str) -> None:
    """A real workbook whose `part` is cut in half."""
    book = openpyxl.Workbook()
    book.active.append(["name", "gender", "birth_date"])
    book.active.append(["吴十一", "F", "2015-03-04"])
    buffer = io.BytesIO()
    book.save(buffer)
    with zipfile.ZipFile(buffer) as source, zipfile.ZipFile(path, "w") as target:
        for name in source.namelist():
            content = source.read(name)
            target.writestr(name, content[: len(content) // 2] if name == part else content)


def test_an_xlsx_with_a_broken_workbook_part_is_refused_as_not_a_workbook(run, seeded, tmp_path):
    path = tmp_path / "in.xlsx"
    broken_workbook(path, "xl/workbook.xml")
    before = snapshot(seeded)
    result = run("import", "children", path, db=seeded)
    check_outcome(result, before, seeded)
    assert result.code == 1
    assert "not an Excel workbook" in result.err


def test_an_xlsx_with_a_broken_sheet_is_refused_as_not_a_workbook(run, seeded, tmp_path):
    path = tmp_path / "in.xlsx"
    broken_workbook(path, "xl/worksheets/sheet1.xml")
    before = snapshot(seeded)
    result = run("import", "children", path, db=seeded)
    check_outcome(result, before, seeded)
    assert "not an Excel workbook" in result.err
