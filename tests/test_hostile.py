"""Tried from outside (issue 18): files lbc must never destroy, no code from data, no personal data out, a one-line
error for every bad input, and the programs around lbc (a shell's pipe, Excel, a Markdown renderer) served right.

Each test here failed on the code the issue was filed against. Those that need a process of their own (bytes that
are not UTF-8, a closed stdin, signals, a pipe that closes) run `python -m lbc_cli`; the rest run in this process.
"""

import csv
import hashlib
import io
import json
import os
import re
import signal
import stat
import subprocess
import sys
import threading
import time
import tomllib
from pathlib import Path

import openpyxl
import pytest
from conftest import ON_PG, copy_db, is_url, rows

from lbc_cli import console, render, reports

ROOT = Path(__file__).resolve().parent.parent
ID_NUMBER = "410522201405060793"  # a made-up but well-formed id number (check digit right)
PHONE = "13812345678"


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def env(**extra: str) -> dict[str, str]:
    values = {k: v for k, v in os.environ.items() if k not in ("LBC_DB", "LBC_TEMPLATES", "NO_COLOR")}
    values.update({"LBC_LANG": "en"}, **extra)
    return values


def lbc_process(args: list, *, stdin=None, **kwargs) -> subprocess.CompletedProcess:
    """`python -m lbc_cli ARGS` in a process of its own; arguments may be bytes (not UTF-8)."""
    command = [sys.executable, "-m", "lbc_cli", *(a if isinstance(a, bytes) else str(a) for a in args)]
    return subprocess.run(command, env=env(), capture_output=True, stdin=stdin, timeout=120, **kwargs)


@pytest.fixture
def demo(tmp_path, run):
    """A database with the demo's children, helpers, contacts and exams (a file on SQLite)."""
    target = copy_db(ROOT / "lbc.example.db", tmp_path / "demo.db") if not ON_PG else None
    if target is None:
        from conftest import new_target

        target = new_target(tmp_path / "demo.db")
        assert run("init", "--example", db=target).code == 0
    assert run("child", "list", "--format", "csv", db=target).code == 0  # opened (and upgraded) once
    return target


def one_error_line(err: str) -> str:
    lines = [line for line in err.splitlines() if line]
    assert len(lines) == 1, err
    assert lines[0].startswith(("lbc: error: ", "lbc: 错误：")), err
    assert "Traceback" not in err and "internal error" not in err, err
    return lines[0]


# ---- 1, 2: --out never destroys the database, a device, a FIFO or a symlink -----------------------------------

OUT_COMMANDS = [
    ["export", "children"],
    ["export", "contacts", "--format", "json"],
    ["export", "children", "--format", "xlsx"],
    ["remind", "--as-of", "2026-11-27"],
    ["report", "month", "--month", "2026-11"],
]


@pytest.mark.sqlite_only("the database as a file that --out could name")
@pytest.mark.parametrize("command", OUT_COMMANDS, ids=lambda c: " ".join(c[:2]))
@pytest.mark.parametrize("which", ["itself", "-wal", "-shm", "symlink", "hard link"])
def test_out_naming_the_database_or_its_journal_is_refused_and_nothing_is_written(run, demo, command, which):
    db = Path(demo)
    if which == "itself":
        out = db
    elif which == "symlink":
        out = db.with_name("link.db")
        out.symlink_to(db.name)
    elif which == "hard link":
        out = db.with_name("hard.db")
        os.link(db, out)
    else:
        out = Path(f"{db}{which}")
    before = digest(db)
    result = run(*command, "--out", str(out), db=db)
    assert result.code == 1, result.err
    assert "database in use" in one_error_line(result.err)
    assert digest(db) == before
    assert run("db", "check", db=db).code == 0
    assert not [p for p in db.parent.iterdir() if p.name.startswith(".lbc-")]


def test_out_to_a_symlink_replaces_its_target_and_keeps_the_link(run, demo, tmp_path):
    target = tmp_path / "real.csv"
    target.write_text("old\n")
    link = tmp_path / "link.csv"
    link.symlink_to(target.name)
    result = run("export", "helpers", "--out", str(link), db=demo)
    assert result.code == 0, result.err
    assert link.is_symlink() and os.readlink(link) == target.name
    assert target.read_text(encoding="utf-8").startswith("id,uid,name,role")
    assert stat.S_IMODE(target.stat().st_mode) == 0o600


def test_out_to_a_fifo_is_written_in_place_for_its_reader(run, demo, tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got = {}

    def read() -> None:
        with open(fifo, "rb") as reader:
            got["data"] = reader.read()

    reader = threading.Thread(target=read)
    reader.start()
    result = run("export", "helpers", "--out", str(fifo), db=demo)
    reader.join(timeout=30)
    assert result.code == 0, result.err
    assert stat.S_ISFIFO(fifo.stat().st_mode)
    lines = got["data"].decode("utf-8").splitlines()
    assert lines[0].startswith("id,uid,name,role") and len(lines) == 13  # the demo's 12 helpers


def _device(path: Path, minor: int) -> Path:
    """A character device like /dev/null (minor 3) or /dev/full (minor 7) of the test's own: never the real one."""
    try:
        os.mknod(path, stat.S_IFCHR | 0o666, os.makedev(1, minor))
    except PermissionError:
        pytest.skip("making a device needs root")
    return path


def test_out_to_a_null_device_writes_into_it_and_leaves_it_a_device(run, demo, tmp_path):
    null = _device(tmp_path / "null", 3)
    result = run("export", "children", "--out", str(null), db=demo)
    assert result.code == 0, result.err
    assert stat.S_ISCHR(null.stat().st_mode)


def test_out_to_a_full_device_is_no_room_in_one_line_and_it_stays_a_device(run, demo, tmp_path):
    full = _device(tmp_path / "full", 7)
    result = run("export", "children", "--out", str(full), db=demo)
    assert result.code == 1
    assert "cannot write the output" in one_error_line(result.err)
    assert stat.S_ISCHR(full.stat().st_mode)


def test_out_to_a_directory_is_refused(run, demo, tmp_path):
    folder = tmp_path / "folder"
    folder.mkdir()
    result = run("export", "children", "--out", str(folder), db=demo)
    assert result.code == 1
    assert "Is a directory" in one_error_line(result.err)
    assert list(folder.iterdir()) == []


def test_out_through_a_missing_folder_is_a_path_that_cannot_be_written(run, demo, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = run("report", "month", "--month", "2026-11", "--out", "nodir/../../x", db=demo)
    assert result.code == 1
    assert "cannot write nodir/../../x" in one_error_line(result.err)
    assert not (tmp_path.parent / "x").exists()
    assert not list(tmp_path.parent.glob(".lbc-*"))


def test_xlsx_out_dash_is_the_workbook_on_stdout(demo):
    if ON_PG:
        pytest.skip("a process of its own reads the demo file")
    done = lbc_process(["--db", demo, "export", "children", "--format", "xlsx", "--out", "-"])
    assert done.returncode == 0, done.stderr
    sheet = openpyxl.load_workbook(io.BytesIO(done.stdout)).worksheets[0]
    assert sheet.max_row == 41  # a header and the demo's 40 children
    assert done.stderr == b""


# ---- 3: what a killed or stopped lbc left behind ----------------------------------------------------------------


def _dead_pid() -> int:
    pid = 4_000_000
    while True:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return pid
        except PermissionError:
            pass
        pid -= 1


def test_a_dead_processs_leftovers_are_removed_when_the_folder_is_next_written(run, demo, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    dead, alive = _dead_pid(), os.getppid()
    left = [out / f".lbc-{dead}-a1b2c3d4.tmp", out / f".village.db.partial-{dead}"]
    running = [out / f".lbc-{alive}-a1b2c3d4.tmp", out / f".village.db.partial-{alive}"]
    for path in left + running:  # as lbc makes them: 0600, a backup's bytes those of a SQLite file
        path.write_bytes(b"SQLite format 3\x00" + f"{ID_NUMBER},{PHONE}\n".encode())
        os.chmod(path, 0o600)
    assert run("export", "helpers", "--out", str(out / "helpers.csv"), db=demo).code == 0
    assert [p.exists() for p in left] == [False, False]
    assert [p.exists() for p in running] == [True, True]  # a live process's work in progress is its own


def test_a_stopped_export_leaves_no_temporary_file(run, demo, tmp_path, monkeypatch):
    """SIGTERM's handler raises Stopped where the command is: the half-written copy is removed on the way out."""
    from lbc_cli import output
    from lbc_cli.errors import Stopped

    def stopped_half_way(table, stream, progress):
        stream.write("id,uid,name\r\n1,x,张三\r\n")
        raise Stopped(signal.SIGTERM)

    monkeypatch.setitem(output.FORMATS, "json", output.Format(stopped_half_way))
    result = run("export", "children", "--format", "json", "--out", str(tmp_path / "c.json"), db=demo)
    assert result.code == 128 + signal.SIGTERM
    assert "interrupted" in result.err
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        p.name for p in tmp_path.iterdir() if not p.name.startswith(".lbc-") and p.name != "c.json"
    )
    assert not (tmp_path / "c.json").exists()


# An xlsx export's sheet goes first to a temporary file of openpyxl's (`openpyxl.XXXX`, the rows unmasked with
# --reveal); it lives in a folder of lbc's own in the temporary folder, named for its process, 0700.
XLSX_FOLDER = re.compile(r"lbc-xlsx-(\d+)-[a-z0-9_]+")


def _xlsx_process(args: list, temp: Path, **kwargs) -> subprocess.Popen:
    """`python -m lbc_cli ARGS` with TMPDIR pointing at ``temp``."""
    command = [sys.executable, "-m", "lbc_cli", *map(str, args)]
    return subprocess.Popen(command, env=env(TMPDIR=str(temp), NO_COLOR="1"), stderr=subprocess.PIPE, **kwargs)


def test_an_xlsx_exports_temporary_file_is_in_a_private_folder_of_its_own_gone_when_it_ends(
    run, demo, tmp_path, monkeypatch
):
    import tempfile

    from openpyxl.worksheet import _writer

    temp = tmp_path / "tmp"
    temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    made = []
    original = _writer.create_temporary_file

    def watched(suffix=""):
        path = Path(original(suffix))
        made.append((path, stat.S_IMODE(path.parent.stat().st_mode)))
        return str(path)

    monkeypatch.setattr(_writer, "create_temporary_file", watched)
    out = tmp_path / "children.xlsx"
    result = run("export", "children", "--format", "xlsx", "--reveal", "--out", str(out), db=demo)
    assert result.code == 0, result.err
    [(path, mode)] = made
    assert path.name.startswith("openpyxl.") and path.parent.parent == temp
    assert XLSX_FOLDER.fullmatch(path.parent.name).group(1) == str(os.getpid())
    assert mode == 0o700
    assert list(temp.iterdir()) == []
    assert tempfile.tempdir == str(temp)  # as it was


def test_a_dead_xlsx_writers_folder_is_removed_by_the_next_xlsx_write(run, demo, tmp_path, monkeypatch):
    import tempfile

    temp = tmp_path / "tmp"
    temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    dead = temp / f"lbc-xlsx-{_dead_pid()}-a1b2c3d4"
    alive = temp / f"lbc-xlsx-{os.getppid()}-a1b2c3d4"
    for folder in (dead, alive):
        folder.mkdir(mode=0o700)
        (folder / "openpyxl.x1y2z3").write_text(f"{ID_NUMBER},{PHONE}\n")
    other = temp / "openpyxl.abcdefgh"  # not lbc's: left alone
    other.write_text("x")
    assert run("export", "helpers", "--format", "csv", "--out", str(tmp_path / "h.csv"), db=demo).code == 0
    assert dead.exists()  # only an xlsx write looks
    assert run("export", "helpers", "--format", "xlsx", "--out", str(tmp_path / "h.xlsx"), db=demo).code == 0
    assert not dead.exists()
    assert (alive / "openpyxl.x1y2z3").exists() and other.exists()  # a live process's work is its own


def test_an_xlsx_export_that_cannot_be_written_says_one_line_and_leaves_nothing(demo, tmp_path):
    """--out to a full device: the one line, no "Exception ignored in: <function ZipFile.__del__>" and traceback
    after it, and no copy of the rows left in the temporary folder."""
    if ON_PG:
        pytest.skip("a process of its own reads the demo file")
    full = _device(tmp_path / "full", 7)
    temp = tmp_path / "tmp"
    temp.mkdir()
    proc = _xlsx_process(["--db", demo, "export", "children", "--format", "xlsx", "--reveal", "--out", full], temp)
    _, err = proc.communicate(timeout=120)
    assert (proc.returncode, err.decode()) == (1, "lbc: error: cannot write the output: No space left on device\n")
    assert list(temp.iterdir()) == []


def test_an_xlsx_export_whose_reader_has_gone_leaves_nothing(demo, tmp_path):
    """`lbc export children --format xlsx --reveal | head -c 10`: the reader goes; so does the temporary file."""
    if ON_PG:
        pytest.skip("a process of its own reads the demo file")
    temp = tmp_path / "tmp"
    temp.mkdir()
    read_end, write_end = os.pipe()
    os.close(read_end)  # gone before the first byte
    proc = _xlsx_process(["--db", demo, "export", "children", "--format", "xlsx", "--reveal"], temp, stdout=write_end)
    os.close(write_end)
    _, err = proc.communicate(timeout=120)
    assert (proc.returncode, err) == (0, b"")
    assert list(temp.iterdir()) == []


def test_what_sqlalchemy_logs_on_the_way_out_is_not_printed(demo):
    """SIGTERM landing inside a fetch: SQLAlchemy cannot close the cursor and logs "Error closing cursor" with a
    traceback, which logging's last resort printed to stderr before the command's one line. (A process of its own:
    pytest's logging plugin holds a handler of its own.)"""
    if ON_PG:
        pytest.skip("a process of its own reads the demo file")
    script = (
        "import logging, sys\n"
        "from lbc_cli.cli import main\n"
        "code = main(['--db', sys.argv[1], 'export', 'helpers', '--format', 'json'])\n"
        "logging.getLogger('sqlalchemy.pool.impl.QueuePool').error('Error closing cursor')\n"
        "sys.exit(code)\n"
    )
    done = subprocess.run([sys.executable, "-c", script, str(demo)], env=env(), capture_output=True, timeout=120)
    assert (done.returncode, done.stderr) == (0, b"")


@pytest.fixture(scope="module")
def contacts_db(tmp_path_factory) -> Path:
    """A SQLite file with 40,000 contacts: an xlsx export of them takes a few seconds."""
    import sqlite3
    import uuid

    from lbc_cli.cli import main

    path = tmp_path_factory.mktemp("contacts") / "contacts.db"
    assert main(["--db", str(path), "--lang", "en", "init"]) == 0
    enroll = [
        "enroll",
        "张三",
        "--gender",
        "M",
        "--birth",
        "2015-03-04",
        "--consent-on",
        "2024-01-01",
        "--enrolled-on",
        "2024-01-01",
    ]
    assert main(["--db", str(path), "--lang", "en", *enroll]) == 0
    conn = sqlite3.connect(path)
    with conn:
        conn.executemany(
            "INSERT INTO contacts (uid, child_id, kind, date, note, no_answer) VALUES (?, 1, 'video-call', ?, ?, 0)",
            [(str(uuid.uuid4()), f"2024-{1 + i % 12:02d}-01", f"记录{i} {PHONE}") for i in range(40_000)],
        )
    conn.close()
    return path


@pytest.mark.sqlite_only("a process of its own exports a SQLite file")
@pytest.mark.parametrize("how", [signal.SIGTERM, signal.SIGHUP, signal.SIGKILL], ids=lambda how: how.name)
def test_an_xlsx_export_stopped_half_way_leaves_no_copy_in_the_temporary_folder(run, contacts_db, tmp_path, how):
    """Stopped once openpyxl's temporary file is there: SIGTERM and SIGHUP end it as Ctrl-C does, its folder removed
    on the way out; SIGKILL leaves the folder, which the next xlsx write removes (its process is gone)."""
    temp = tmp_path / "tmp"
    temp.mkdir()
    out = tmp_path / "contacts.xlsx"
    args = ["--db", contacts_db, "export", "contacts", "--format", "xlsx", "--reveal", "--out", out]
    proc = _xlsx_process(args, temp)
    deadline = time.monotonic() + 60
    while not list(temp.rglob("openpyxl.*")) and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.005)
    assert list(temp.rglob("openpyxl.*")), "no temporary file was seen"
    proc.send_signal(how)
    _, err = proc.communicate(timeout=60)
    assert not out.exists()
    assert list(temp.glob("openpyxl.*")) == []
    if how != signal.SIGKILL:
        assert (proc.returncode, err.decode()) == (128 + how, "lbc: error: interrupted; nothing was written\n")
        assert list(temp.iterdir()) == []
        return
    [left] = temp.iterdir()
    assert XLSX_FOLDER.fullmatch(left.name).group(1) == str(proc.pid)
    again = _xlsx_process(["--db", contacts_db, "export", "helpers", "--format", "xlsx", "--out", out], temp)
    _, err = again.communicate(timeout=60)
    assert (again.returncode, err) == (0, f"exported 0 rows to {out}\n".encode())
    assert list(temp.iterdir()) == []


def test_sigterm_ends_a_command_in_one_line_with_nothing_written(run, db, tmp_path):
    """A real process waiting on its input (an import from a pipe) is stopped: one line, exit 143, nothing kept."""
    if is_url(db):
        pytest.skip("the process reads a SQLite file")
    command = [sys.executable, "-m", "lbc_cli", "--db", str(db), "import", "children", "-"]
    proc = subprocess.Popen(command, env=env(), stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdin.write("name,gender,birth_date\n张三,M,2015-01-01\n".encode())
    proc.stdin.flush()
    time.sleep(1.5)  # started, and reading its input
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 128 + signal.SIGTERM, err
    assert err.decode().strip() == "lbc: error: interrupted; nothing was written"
    assert rows(db, "SELECT count(*) FROM children") == [(0,)]


# ---- 4: a copy of the process dies with its parent --------------------------------------------------------------


def _children_of(pid: int) -> set[int]:
    found = set()
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found.update(int(p) for p in (task / "children").read_text().split())
        except OSError:
            pass
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.sqlite_only("the copy checks a file's rows while the process that made it writes to SQLite")
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the copy is made on Linux only")
@pytest.mark.parametrize("how", [signal.SIGKILL, signal.SIGTERM])
def test_killing_an_import_kills_the_copy_checking_its_file(db, tmp_path, how):
    """The copy reads and checks the file: a workbook is parsed whole before its first row is handed over, seconds
    with no write that would tell the copy its parent is gone."""
    big = tmp_path / "big.xlsx"
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("children")
    sheet.append(["name", "gender", "birth_date", "village", "guardian_phone"])
    for i in range(60_000):
        sheet.append([f"儿童{i}", "FM"[i % 2], f"201{i % 10}-0{1 + i % 9}-1{i % 9}", f"村{i % 50}", PHONE])
    book.save(big)
    command = [sys.executable, "-m", "lbc_cli", "--db", str(db), "import", "children", str(big), "--dry-run"]
    proc = subprocess.Popen(command, env=env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    copies: set[int] = set()
    deadline = time.monotonic() + 60
    while not copies and time.monotonic() < deadline and proc.poll() is None:
        copies = _children_of(proc.pid)
        time.sleep(0.01)
    assert copies, "the import made no copy of itself"
    proc.send_signal(how)
    proc.wait(timeout=30)
    deadline = time.monotonic() + 2
    while any(map(_alive, copies)) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert not any(map(_alive, copies)), "the copy outlived the import"


@pytest.mark.sqlite_only("the copy checks a file's rows while the process that made it writes to SQLite")
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the copy is made on Linux only")
@pytest.mark.parametrize(
    ("lang", "said"),
    [
        ("en", "lbc: error: the check of {file} stopped (killed, or out of memory); nothing was written"),
        ("zh", "lbc: 错误：检查 {file} 的进程中途停止（被终止或内存不足），未写入任何数据"),
    ],
)
def test_a_copy_killed_while_it_checks_the_file_is_said_as_such_and_nothing_is_written(db, tmp_path, lang, said):
    """The copy checking an import's file is killed (SIGKILL, as the OOM killer does): not 'internal error (import)'
    but what happened, in one line, exit 1, and none of the rows the import had begun to write is kept."""
    big = tmp_path / "big.csv"
    with open(big, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["name", "gender", "birth_date", "village", "consent_on"])
        for i in range(200_000):
            born = f"201{i % 10}-0{1 + i % 9}-1{i % 9}"
            writer.writerow([f"儿童{i}", "FM"[i % 2], born, f"村{i % 50}", "2024-01-01"])
    command = [sys.executable, "-m", "lbc_cli", "--db", str(db), "import", "children", str(big)]
    proc = subprocess.Popen(command, env=env(LBC_LANG=lang, NO_COLOR="1"), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)  # fmt: skip
    copies: set[int] = set()
    deadline = time.monotonic() + 60
    while not copies and time.monotonic() < deadline and proc.poll() is None:
        copies = _children_of(proc.pid)
        time.sleep(0.005)
    assert copies, "the import made no copy of itself"
    for pid in copies:
        os.kill(pid, signal.SIGKILL)
    out, err = proc.communicate(timeout=60)
    assert (proc.returncode, err.decode(), out) == (1, said.format(file=big) + "\n", b"")
    assert rows(db, "SELECT count(*) FROM children") == [(0,)]
    assert rows(db, "SELECT count(*) FROM audit_log WHERE action = 'import'") == [(0,)]


def test_a_copy_out_of_memory_while_it_checks_the_file_is_said_as_such(run, db, tmp_path, monkeypatch):
    """MemoryError in the copy is handed over, and said as the same stop, not as an internal error."""
    from lbc_cli import importer, parallel

    if not parallel.available():
        pytest.skip("no copy of the process is made here")

    def out_of_memory(_rows, _loader):
        raise MemoryError
        yield

    monkeypatch.setattr(importer, "_checked", out_of_memory)
    path = tmp_path / "children.csv"
    path.write_text("name,gender,birth_date\n张三,M,2015-01-01\n", encoding="utf-8")
    result = run("import", "children", str(path), db=db)
    assert (result.code, result.err) == (
        1,
        f"lbc: error: the check of {path} stopped (killed, or out of memory); nothing was written\n",
    )
    assert rows(db, "SELECT count(*) FROM children") == [(0,)]


# ---- 5, 6: templates run no code; people's text is text in every Markdown renderer ------------------------------

EXPLOITS = [
    "{{ cycler.__init__.__globals__.os.popen('id').read() }}",
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{{ lipsum.__globals__['os'].popen('id').read() }}",
    "{% set x = joiner.__init__.__globals__ %}{{ x }}",
]


@pytest.mark.parametrize("payload", EXPLOITS)
def test_a_user_template_cannot_run_code(run, demo, tmp_path, payload):
    folder = tmp_path / "templates" / "en"
    folder.mkdir(parents=True)
    (folder / "month.md.j2").write_text(payload + "\n", encoding="utf-8")
    marker = tmp_path / "ran"
    (folder / "plan.md.j2").write_text(
        "{{ cycler.__init__.__globals__.os.system('touch " + str(marker) + "') }}\n", encoding="utf-8"
    )
    month = run("report", "month", "--month", "2026-11", "--templates", str(tmp_path / "templates"), db=demo)
    plan = run("report", "plan", "--year", "2026", "--templates", str(tmp_path / "templates"), db=demo)
    for result in (month, plan):
        assert result.code == 1
        assert "unsafe" in one_error_line(result.err)
        assert "uid=" not in result.out and "<class" not in result.out
    assert not marker.exists()


def test_packaged_templates_are_rendered_in_the_sandbox_too():
    from jinja2.sandbox import SandboxedEnvironment

    assert isinstance(reports.environment(None), SandboxedEnvironment)


HOSTILE_TEXT = [
    "![p](http://x.example/t.png)",
    "[点我](http://evil.example/)",
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "**粗体** _斜_ `代码` ~~删~~",
    "a | b | c",
    "# 标题",
    "- 列表",
    "1. 第一",
    "http://bare.example/ www.bare.example a@b.example",
    "请访问 evil.com 或 t.cn/AbCd 领取补助 //evil.com xn--fiqs8s.com bit.ly/abc",
    "见 javascript:alert(document.cookie) 和 data:text/html;base64,PHNjcmlwdD4=",
    "小明 ##",
    "&lt;不是标签&gt; \\ 反斜杠 $x$ ^上^",
    "正常的文字:张三(李家村)",
]


def _rendered_text(markdown: str) -> tuple[str, str]:
    """(the HTML markdown-it makes of ``markdown``, the text a reader sees of it)."""
    from html.parser import HTMLParser

    from markdown_it import MarkdownIt

    renderer = MarkdownIt("commonmark", {"html": True, "linkify": True})  # linkify: bare domains become links
    html = renderer.enable(["table", "strikethrough", "linkify"]).render(markdown)

    class Text(HTMLParser):
        def __init__(self):
            super().__init__(convert_charrefs=True)
            self.parts = []

        def handle_data(self, data):
            self.parts.append(data)

    parser = Text()
    parser.feed(html)
    return html, "".join(parser.parts)


@pytest.mark.parametrize("text", HOSTILE_TEXT)
def test_a_persons_text_is_the_same_text_through_a_markdown_renderer(text):
    escaped = render.md_text(text)
    for where in (escaped, f"| x |\n|---|\n| {escaped} |", f"- {escaped}"):
        html, shown = _rendered_text(where)
        assert "<a " not in html and "<img" not in html and "<script" not in html and "<em>" not in html, html
        assert "<strong>" not in html and "<code>" not in html and "<h1>" not in html and "<ol>" not in html, html
        assert text in shown, (where, shown)


def _hostile_child(run, db) -> str:
    note = " ".join(HOSTILE_TEXT[:4])
    child = run(
        "enroll", "张[三](http://x.example)", "--gender", "M", "--birth", "2015-03-04", "--village", "<b>东村</b>",
        "--guardian", "![g](http://x.example/g.png)", "--guardian-relation", "grandparent", "--note", note,
        db=db,
    )  # fmt: skip
    assert child.code == 0, child.err
    return child.out.strip()


def test_a_childs_card_as_html_holds_no_link_image_or_script_from_its_text(run, db):
    child = _hostile_child(run, db)
    html = run("report", "child", child, "--format", "html", db=db)
    assert html.code == 0, html.err
    body = html.out.split("<body>", 1)[1]
    assert "<img" not in body and "<a " not in body and "<script" not in body and "<b>" not in body
    _html, shown = _rendered_text(run("report", "child", child, db=db).out)
    assert "张[三](http://x.example)" in shown and "<script>alert(1)</script>" in shown
    data = json.loads(run("report", "child", child, "--format", "json", db=db).out)
    assert data["child"]["family_notes"] == " ".join(HOSTILE_TEXT[:4])  # the context keeps the text as typed


def test_a_list_as_markdown_escapes_each_cell(run, db):
    _hostile_child(run, db)
    markdown = run("child", "list", "--format", "md", db=db).out
    html, shown = _rendered_text(markdown)
    assert "<a " not in html and "<img" not in html
    assert "张[三](http://x.example)" in shown and "<b>东村</b>" in shown


def test_pandoc_shows_a_note_as_text(run, db):
    import shutil

    if shutil.which("pandoc") is None:
        pytest.skip("pandoc is not installed")
    child = _hostile_child(run, db)
    assert run("child", "update", child, "--note", " ".join(HOSTILE_TEXT), db=db).code == 0
    markdown = run("report", "child", child, db=db).out
    for reader in ("markdown", "markdown+autolink_bare_uris", "gfm", "commonmark_x", "markdown_github"):
        html = subprocess.run(["pandoc", "-f", reader, "-t", "html"], input=markdown, capture_output=True, text=True)
        assert html.returncode == 0, html.stderr
        assert "<script" not in html.stdout and "<img" not in html.stdout and "<a " not in html.stdout, reader


# ---- 8: no full id number or phone in any message or debug line ------------------------------------------------


def test_an_id_number_looked_up_as_a_child_is_masked_in_the_message(run, db):
    for lang in ("en", "zh"):
        result = run("--lang", lang, "child", "show", ID_NUMBER, db=db)
        assert result.code == 1
        line = one_error_line(result.err)
        assert ID_NUMBER not in line and "410***********0793" in line


def test_a_phone_in_a_shifted_import_column_is_masked(run, db, tmp_path):
    shifted = tmp_path / "shifted.csv"
    shifted.write_text(f"name,gender,birth_date\n张三,{PHONE},2015-01-01\n王五,19791252460,2015-01-01\n")
    result = run("import", "children", str(shifted), db=db)
    assert result.code == 1
    assert PHONE not in result.err and "19791252460" not in result.err
    assert "138****5678" in result.err and "197****2460" in result.err


@pytest.mark.sqlite_only("a trigger that refuses every new child, made with SQLite's own syntax")
def test_debug_shows_no_full_phone_or_id_number_of_a_failed_statement(run, db):
    import sqlite3

    with sqlite3.connect(db) as connection:
        connection.execute("CREATE TRIGGER refuse BEFORE INSERT ON children BEGIN SELECT RAISE(ABORT, 'no'); END")
    result = run(
        "--debug", "enroll", "张三", "--gender", "M", "--birth", "2014-05-06", "--id-number", ID_NUMBER,
        "--guardian-phone", PHONE, db=db,
    )  # fmt: skip
    assert result.code == 1
    assert "Traceback" in result.err  # --debug shows one
    assert ID_NUMBER not in result.err and PHONE not in result.err


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        (f"no child '{ID_NUMBER}'", "no child '410***********0793'"),
        ("41052219800101123X and 41052219800101123x", "410***********123X and 410***********123x"),
        ("+86 138 1234 5678", "+86 138****5678"),
        ("138-1234-5678", "138****5678"),
        ("0371-12345678", "037******5678"),
        ("table13812345678 and 410522201405060793html", "table138****5678 and 410***********0793html"),
        ("uid 0192f0a1-1234-7abc-8def-123456789012 on 2026-11-27, row 12345", None),
        ("１３９１２３４５６７８", "１３９****５６７８"),
        ("138－0000－1234 138\u30000000\u30001234 138\u00a00000\u00a01234", "138****1234 138****1234 138****1234"),
        ("431099 20180723 4822 and 431099-20180723-4822", "431***********4822 and 431***********4822"),
        ("2026-11-27 2026-11-28", None),
        ("video_call_days = 4105222014050607931", "video_call_days = 410************7931"),
    ],
)
def test_messages_mask_whatever_looks_like_a_phone_or_an_id_number(text, shown):
    assert console.clean(text) == (text if shown is None else shown)


# ---- 10: the distribution's name is no other project's --------------------------------------------------------


def test_the_distribution_has_a_name_of_its_own_and_installs_by_path():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert project["name"] not in ("lbc", "lbc-cli")  # "lbc" on the public index is another project
    assert project["scripts"] == {"lbc": "lbc_cli.entry:run"}
    for path in (ROOT / "README.md", ROOT / "lbc_cli" / "i18n.py"):
        text = path.read_text(encoding="utf-8")
        assert "install 'lbc[" not in text and "install lbc" not in text, path


def test_the_missing_driver_message_installs_psycopg_not_a_package_named_lbc():
    from lbc_cli import i18n

    for lang in ("zh", "en"):
        with i18n.using(lang):
            said = i18n.t("db_driver", module="psycopg", python="/x/bin/python")
        assert "/x/bin/python -m pip install 'psycopg[binary]>=3.1'" in said
        assert "'.[postgres]'" in said and "lbc[" not in said


# ---- 11: every bad input is one line with the right exit code ---------------------------------------------------


def test_an_argument_that_is_not_utf8_is_a_usage_error_naming_it(db):
    if is_url(db):
        pytest.skip("the process reads a SQLite file")
    for args, named in (
        (["enroll", b"\xd5\xc5", "--gender", "F", "--birth", "2015-01-01"], "argument 2"),
        (["child", "list", "--village", b"\xc0\xee\xbc\xd2\xb4\xe5"], "--village"),
    ):
        done = lbc_process(["--db", db, *args])
        assert done.returncode == 2, done.stderr
        line = one_error_line(done.stderr.decode("utf-8"))
        assert named in line and "UTF-8" in line
    assert rows(db, "SELECT count(*) FROM children") == [(0,)]


@pytest.mark.parametrize(
    ("args", "code", "says"),
    [
        (["remind", "--within", "3000000"], 2, "--within"),
        (["remind", "--within", "3651"], 2, "--within"),
        (["--db", "://", "child", "list"], 2, "not a database target"),
        (["--db", "postgresql://u:secret@h:port/x", "child", "list"], 2, "u:***@h"),
        (["--db", "nosuch://x", "child", "list"], 2, "no database lbc works with"),
        (["--db", "mysql://u:secret@h/x", "child", "list"], 2, "no database lbc works with"),
        (["--db", "", "child", "list"], 2, "--db is empty"),
        (["report", "month", "--month", "9999-11"], 2, "is not a month"),
        (["report", "month", "--month", "0001-02"], 2, "is not a month"),
    ],
)
def test_values_that_do_not_parse_are_usage_errors(run, db, args, code, says):
    result = run(*args, db=None if "--db" in args else db)
    assert result.code == code
    line = one_error_line(result.err)
    assert says in line and "secret" not in line


def test_a_lone_surrogate_in_a_json_string_is_a_bad_row(run, db, tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('[{"name": "A\\udc80B", "gender": "F", "birth_date": "2015-01-01"}]', encoding="utf-8")
    result = run("import", "children", str(bad), db=db)
    assert result.code == 1
    assert f"{bad}:1: name: holds a lone UTF-16 surrogate" in result.err
    assert "internal error" not in result.err
    assert rows(db, "SELECT count(*) FROM children") == [(0,)]


@pytest.mark.parametrize("dry_run", [False, True])
@pytest.mark.parametrize(
    ("suffix", "content"),
    [
        ("csv", "name,gender,birth_date,status\n王五,F,2015-01-01,\n"),
        ("json", '[{"name": "王五", "gender": "F", "birth_date": "2015-01-01", "status": ""}]'),
        ("jsonl", '{"name": "王五", "gender": "F", "birth_date": "2015-01-01", "status": null}\n'),
    ],
)
def test_an_empty_status_cell_means_active(run, db, tmp_path, suffix, content, dry_run):
    path = tmp_path / f"roster.{suffix}"
    path.write_text(content, encoding="utf-8")
    result = run("import", "children", str(path), *(["--dry-run"] if dry_run else []), db=db)
    assert result.code == 0, result.err
    assert rows(db, "SELECT name, status FROM children") == ([] if dry_run else [("王五", "active")])


def test_a_closed_stdin_is_said_as_such(db):
    if is_url(db):
        pytest.skip("the process reads a SQLite file")
    before = rows(db, "SELECT count(*) FROM children")
    for args, says in (
        (["import", "children", "-"], "standard input is closed"),
        (["child", "purge", "1"], None),
    ):
        command = [sys.executable, "-m", "lbc_cli", "--db", str(db), *args]
        done = subprocess.run(
            ["/bin/sh", "-c", 'exec "$@" <&-', "sh", *command], env=env(), capture_output=True, timeout=60
        )
        assert done.returncode == 1, done.stderr
        line = one_error_line(done.stderr.decode())
        assert says is None or says in line
    assert rows(db, "SELECT count(*) FROM children") == before


# ---- 16: a reader that goes away is no error, for --help too ----------------------------------------------------


@pytest.mark.parametrize("args", [["--help"], ["child", "--help"], ["export", "--help"], ["-h"]])
def test_a_closed_pipe_after_help_exits_0_under_pipefail(args):
    command = " ".join([sys.executable, "-m", "lbc_cli", *args])
    done = subprocess.run(
        ["bash", "-c", f"set -o pipefail; {command} | head -c 1 >/dev/null"], env=env(COLUMNS="200"), timeout=60
    )
    assert done.returncode == 0


# ---- 17: --bom is for CSV, and every CSV has it ----------------------------------------------------------------

CSV_COMMANDS = [
    ["remind", "--as-of", "2026-11-27"],
    ["child", "list"],
    ["score", "--year", "2025", "--view", "children"],
    ["contact", "list"],
    ["pair", "list"],
    ["exam", "list"],
    ["helper", "list"],
    ["audit"],
    ["export", "children"],
]


@pytest.mark.parametrize("command", CSV_COMMANDS, ids=lambda c: " ".join(c[:2]))
def test_every_command_that_writes_csv_takes_bom(run, demo, command):
    result = run(*command, "--format", "csv", "--bom", db=demo)
    assert result.code == 0, result.err
    assert result.out.startswith("\ufeff") and not result.out.startswith("\ufeff\ufeff")
    assert next(csv.reader(io.StringIO(result.out[1:])))[0] in ("child_id", "id", "at")


@pytest.mark.parametrize("fmt", ["json", "jsonl", "table", "md"])
@pytest.mark.parametrize("command", [["export", "children"], ["child", "list"], ["remind"]], ids=" ".join)
def test_bom_with_another_format_is_a_usage_error(run, demo, command, fmt):
    if command[0] == "export" and fmt in ("table", "md"):
        fmt = "xlsx"
    result = run(*command, "--format", fmt, "--bom", db=demo)
    assert result.code == 2
    assert "--bom: for CSV only" in one_error_line(result.err)
    assert result.out == ""


# ---- 18: the seeded schedule is one set of rows in every language ---------------------------------------------


def test_merging_a_file_made_in_english_with_a_chinese_one_adds_no_schedule_item(run, new_db):
    made_zh, made_en = new_db("zh.db"), new_db("en.db")
    assert run("--lang", "zh", "init", db=made_zh).code == 0
    assert run("--lang", "en", "init", db=made_en).code == 0
    merged = run("merge", str(made_en), "--format", "json", db=made_zh)
    assert merged.code == 0, merged.err
    tally = {row["table"]: row for row in json.loads(merged.out)}
    assert (tally["schedule_items"]["added"], tally["schedule_items"]["identical"]) == (0, 13)
    assert rows(made_zh, "SELECT count(*) FROM schedule_items") == [(13,)]


@pytest.mark.sqlite_only("a schema 2 file, as the release before this one left it")
def test_an_older_files_doubled_schedule_is_recognised_when_it_is_upgraded(run, tmp_path):
    import shutil
    import sqlite3

    from lbc_cli import i18n

    path = tmp_path / "old.db"
    shutil.copy(ROOT / "tests" / "fixtures" / "schema_v2.db", path)
    with sqlite3.connect(path) as connection:  # as a merge of an English and a Chinese file left it
        stored = connection.execute("SELECT uid, month, position FROM schedule_items").fetchall()
        assert all(uid == i18n.seeded_schedule_uid(m, p, "en") for uid, m, p in stored)
        for _uid, month, position in stored:
            connection.execute(
                "INSERT INTO schedule_items (uid, month, position, text) VALUES (?, ?, ?, ?)",
                (i18n.seeded_schedule_uid(month, position, "zh"), month, position, "中文"),
            )
    listed = run("--lang", "zh", "schedule", "list", "--month", "3", "--format", "json", db=path)
    assert listed.code == 0, listed.err
    assert [item["text"] for item in json.loads(listed.out)] == [text for text, _en in i18n.SCHEDULE[3]]
    kept = rows(path, "SELECT uid, month, position FROM schedule_items ORDER BY id")
    assert len(kept) == 13
    assert all(uid == i18n.seeded_schedule_uid(month, position) for uid, month, position in kept)


# ---- 19: NO_COLOR counts only when it is not empty -------------------------------------------------------------


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize(("value", "colour"), [(None, True), ("", True), ("1", False), ("0", False)])
def test_no_color_set_to_the_empty_string_does_not_count(monkeypatch, value, colour):
    monkeypatch.delenv("TERM", raising=False)
    if value is None:
        monkeypatch.delenv("NO_COLOR", raising=False)
    else:
        monkeypatch.setenv("NO_COLOR", value)
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    console.warn("x")
    assert ("\x1b[" in terminal.getvalue()) is colour


# ---- found from outside, after the first round ------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/dev/stdout", "/proc/self/fd/1", "/dev/fd/1"])
def test_out_to_the_shells_own_descriptor_writes_into_it_as_opened(demo, tmp_path, path):
    """`--out /dev/stdout >> log.txt`: the shell's file, opened for appending, keeps what it held."""
    if ON_PG:
        pytest.skip("a process of its own reads the demo file")
    log = tmp_path / "log.txt"
    log.write_text("precious\n")
    with open(log, "ab") as appended:
        done = subprocess.run(
            [sys.executable, "-m", "lbc_cli", "--db", str(demo), "export", "helpers", "--out", path],
            env=env(), stdout=appended, stderr=subprocess.PIPE, timeout=60,
        )  # fmt: skip
    assert done.returncode == 0, done.stderr
    lines = log.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "precious" and lines[1].startswith("id,uid,name,role") and len(lines) == 14
    piped = subprocess.run(
        f"{sys.executable} -m lbc_cli --db {demo} export helpers --out {path} | wc -l",
        shell=True, env=env(), capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert piped.stdout.strip() == "13", piped.stderr


def test_reminders_and_cards_as_markdown_escape_names_and_the_plan(run, db):
    helper = run("helper", "add", "李老师[点我](http://evil.example/)", "--role", "班主任", db=db)
    child = run(
        "enroll", "张![p](http://evil.example/t.png)", "--gender", "M", "--birth", "2015-03-04",
        "--enrolled-on", "2026-09-01", "--consent-on", "2026-09-01", db=db,
    )  # fmt: skip
    assert helper.code == child.code == 0, (helper.err, child.err)
    assert run("pair", child.out.strip(), helper.out.strip(), "--since", "2026-09-01", db=db).code == 0
    assert run("schedule", "add", "11", "<script>alert(1)</script>", db=db).code == 0
    for lang in ("zh", "en"):
        reminders = run("--lang", lang, "remind", "--as-of", "2026-11-27", "--format", "md", db=db)
        cards = [run("--lang", lang, kind, "show", "1", "--format", "md", db=db) for kind in ("child", "helper")]
        for result in (reminders, *cards):
            assert result.code == 0, result.err
            html, shown = _rendered_text(result.out)
            assert "<a " not in html and "<img" not in html and "<script" not in html, html
        assert "张![p](http://evil.example/t.png)" in _rendered_text(reminders.out)[1]
        assert "<script>alert(1)</script>" in _rendered_text(reminders.out)[1]


def test_the_sweep_takes_only_lbcs_own_leftovers(run, demo, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    dead = _dead_pid()
    ours = out / f".lbc-{dead}-a1b2c3d4.tmp"
    ours.write_text("x")
    os.chmod(ours, 0o600)
    someone_elses = [out / f".report.md.partial-{dead}", out / f".lbc-{dead}-notes.tmp"]  # 0644: made by hand
    for path in someone_elses:
        path.write_text("mine")
        os.chmod(path, 0o644)
    precious = tmp_path / "precious.txt"
    precious.write_text("keep")
    link = out / f".lbc-{dead}-deadbeef.tmp"
    link.symlink_to(precious)
    assert run("export", "helpers", "--out", str(out / "helpers.csv"), db=demo).code == 0
    assert not ours.exists()
    assert all(path.exists() for path in someone_elses)
    assert link.is_symlink() and precious.read_text() == "keep"


@pytest.mark.sqlite_only("text that is not UTF-8, written into the SQLite file by another program")
def test_text_that_is_not_utf8_is_named_not_an_unavailable_database(run, demo):
    import sqlite3

    with sqlite3.connect(demo) as connection:
        connection.execute("UPDATE children SET name = CAST(x'eda080' AS TEXT) WHERE id = 2")
    listed = run("child", "list", db=demo)
    assert listed.code == 3
    assert "not UTF-8 in column name" in one_error_line(listed.err)
    checked = run("db", "check", db=demo)
    assert checked.code == 1
    assert "children row 2: name is not UTF-8 text" in checked.err


@pytest.mark.parametrize("args", [["--version"], ["nosuch"], ["remind", "--fail-if-due", "--as-of", "2026-11-27"]])
def test_a_reader_that_goes_away_leaves_the_exit_code_as_it_is(demo, args):
    if ON_PG:
        pytest.skip("a process of its own reads the demo file")
    expected = {"--version": 0, "nosuch": 2, "remind": 4}[args[0]]
    command = " ".join([sys.executable, "-m", "lbc_cli", "--db", str(demo), *args])
    done = subprocess.run(
        ["bash", "-c", f"{command} 2>&1 | true; exit ${{PIPESTATUS[0]}}"], env=env(), capture_output=True, timeout=60
    )
    assert done.returncode == expected
    assert done.stderr == b""


def test_version_with_its_output_closed_or_full(tmp_path):
    closed = subprocess.run(
        ["/bin/sh", "-c", f"exec {sys.executable} -m lbc_cli --version >&-"], env=env(), capture_output=True
    )
    assert (closed.returncode, closed.stderr) == (0, b"")
    full = _device(tmp_path / "full", 7)
    done = subprocess.run(
        ["/bin/sh", "-c", f"exec {sys.executable} -m lbc_cli --version > {full}"], env=env(), capture_output=True
    )
    assert done.returncode == 1
    assert done.stderr.decode().strip() == "lbc: error: cannot write the output: No space left on device"


@pytest.mark.sqlite_only("the database's own files named as a backup")
@pytest.mark.parametrize(("name", "code"), [("-wal", 1), ("-shm", 1), ("", 1), ("-", 2), (".", 2)])
def test_a_backup_onto_the_database_or_no_file_is_refused(run, demo, name, code):
    target = "-" if name == "-" else ("." if name == "." else f"{demo}{name}")
    before = digest(Path(demo))
    result = run("db", "backup", target, db=demo)
    assert result.code == code
    one_error_line(result.err)
    assert digest(Path(demo)) == before
    assert not Path("-").exists()


def test_the_format_is_taken_from_the_out_files_extension(run, demo, tmp_path):
    assert run("export", "children", "--out", str(tmp_path / "名单.xlsx"), db=demo).code == 0
    assert openpyxl.load_workbook(tmp_path / "名单.xlsx").worksheets[0].max_row == 41
    assert run("export", "helpers", "--out", str(tmp_path / "h.json"), db=demo).code == 0
    assert len(json.loads((tmp_path / "h.json").read_text(encoding="utf-8"))) == 12
    assert run("remind", "--as-of", "2026-11-27", "--out", str(tmp_path / "r.csv"), "--bom", db=demo).code == 0
    assert (tmp_path / "r.csv").read_text(encoding="utf-8").startswith("\ufeffchild_id,name,rule")
    assert run("report", "plan", "--year", "2026", "--out", str(tmp_path / "p.html"), db=demo).code == 0
    assert (tmp_path / "p.html").read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    # --format naming another format than the extension: refused (issue 21), nothing written
    explicit = run("export", "helpers", "--format", "csv", "--out", str(tmp_path / "h2.json"), db=demo)
    assert explicit.code == 2 and not (tmp_path / "h2.json").exists()
    explicit = run("export", "helpers", "--format", "csv", "--out", str(tmp_path / "h2.txt"), db=demo)
    assert explicit.code == 0 and (tmp_path / "h2.txt").read_text(encoding="utf-8").startswith("id,uid")


@pytest.mark.sqlite_only("a village's file merged from, as a file")
def test_merging_a_village_file_leaves_nothing_beside_it(run, db, tmp_path):
    import shutil

    village = tmp_path / "village" / "v.db"
    village.parent.mkdir()
    shutil.copy(ROOT / "lbc.example.db", village)
    os.chmod(village, 0o644)
    result = run("merge", str(village), "--dry-run", db=db)
    assert result.code == 0, result.err
    assert sorted(p.name for p in village.parent.iterdir()) == ["v.db"]


@pytest.mark.parametrize("name", ["张\u202e三", "张\u200b三", "张\u2028三", "张\x85三", "张\x9b三"])
def test_invisible_characters_in_a_name_are_refused(run, db, name):
    result = run("enroll", name, "--gender", "M", "--birth", "2015-03-04", db=db)
    assert result.code == 1
    assert "control characters" in one_error_line(result.err)
    assert rows(db, "SELECT count(*) FROM children") == [(0,)]


def test_a_password_in_a_urls_query_is_not_shown(run):
    result = run("--db", "postgresql://u:x@h/x?password=qq&sslmode=disable", "db", "path")
    assert result.code == 0
    assert "qq" not in result.out and "password=***" in result.out and "u:***@h" in result.out


@pytest.mark.parametrize(
    "url",
    [
        "postgresql+psycopg://lbc:p@ssSECRET@127.0.0.1:5/lbc",  # an @ in the password
        "postgresql+psycopg://lbc@127.0.0.1:5/lbc?sslmode=disable&password=x@SECRET",  # in a parameter
        "postgresql+psycopg://lbc:p/wSECRET@127.0.0.1:5/lbc",  # a / in the password
        "postgresql+psycopg://lbc:p#wSECRET@127.0.0.1:5/lbc",
    ],
    ids=["at in password", "at in parameter", "slash in password", "hash in password"],
)
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_url_with_a_raw_at_is_refused_before_any_part_of_its_password_is_shown_or_looked_up(run, url, lang):
    """Found from outside: read as it stands, such a URL took the password's end for the host, showed it in `db path`
    and every message, and looked it up as a host name (asking the DNS server for it). It is refused (exit 2)
    with how to write it, before anything is opened, and nothing of the password is said."""
    for command in (["db", "path"], ["remind"], ["cron", "--print"]):
        result = run("--lang", lang, "--db", url, *command)
        assert result.code == 2, (command, result.err)
        line = one_error_line(result.err)
        assert "%40" in line and "SECRET" not in line and "ssSECRET" not in result.out


def test_a_sqlite_url_whose_file_path_holds_an_at_is_a_file_as_before(run, tmp_path):
    target = tmp_path / "村@李家.db"
    result = run("--db", f"sqlite:///{target}", "db", "path")
    assert (result.code, result.out) == (0, f"{target}\n")


@pytest.mark.skipif(not ON_PG, reason="PostgreSQL only: libpq's connection parameters")
def test_an_unknown_connection_parameter_is_a_usage_error_naming_it_not_an_internal_error(run, db):
    """Found from outside: a mistyped parameter (`?sslmod=`, `?bogus=1`) was an internal error (ProgrammingError)."""
    result = run("--db", f"{db}?bogus=1", "remind")
    assert result.code == 2
    assert "bogus" in one_error_line(result.err) and "internal" not in result.err


@pytest.fixture
def small_disk(tmp_path):
    """A 1 MB file system of the test's own (tmpfs; needs root, skipped without)."""
    folder = tmp_path / "disk"
    folder.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(folder)], capture_output=True).returncode:
        pytest.skip("mounting a tmpfs needs root")
    yield folder
    subprocess.run(["umount", "-l", str(folder)], capture_output=True)


@pytest.mark.sqlite_only("a SQLite file on a full or read-only disk")
def test_a_database_on_a_full_or_read_only_disk_is_named_as_such(run, small_disk):
    import shutil

    db = small_disk / "f.db"
    shutil.copy(ROOT / "lbc.example.db", db)
    fill = os.open(small_disk / "fill", os.O_WRONLY | os.O_CREAT, 0o600)  # every block taken: no room for a -shm
    try:
        while os.write(fill, b"\0" * 4096):
            pass
    except OSError:
        pass
    finally:
        os.close(fill)
    full = run("child", "list", db=db)
    assert full.code == 3
    assert "No space left on device" in one_error_line(full.err)
    (small_disk / "fill").unlink()
    assert subprocess.run(["mount", "-o", "remount,ro", str(small_disk)], capture_output=True).returncode == 0
    read_only = run("helper", "add", "新帮扶人", "--role", "volunteer", db=db)
    assert read_only.code == 3
    assert "read-only" in one_error_line(read_only.err).lower()


# ---- found from outside, the second round ------------------------------------------------------------------------


@pytest.mark.sqlite_only("the database as a file a descriptor is opened on")
@pytest.mark.parametrize(
    "shell",
    [
        "{lbc} export children --out /dev/fd/3 3<>{db}",
        "{lbc} remind --as-of 2026-11-27 --out /dev/stdout 1<>{db}",
        "{lbc} export helpers --out /dev/stdout >> {db}",
        "{lbc} child list >> {db}",
        "{lbc} nosuch-command-but-stderr-is-the-database 2>> {db}",
    ],
)
def test_a_descriptor_opened_on_the_database_is_never_written(demo, shell):
    db = Path(demo)
    before = digest(db)
    lbc = f"{sys.executable} -m lbc_cli --db {db}"
    done = subprocess.run(["bash", "-c", shell.format(lbc=lbc, db=db)], env=env(), capture_output=True, timeout=60)
    assert done.returncode in (1, 2)
    assert digest(db) == before


@pytest.mark.sqlite_only("another lbc file whose table is a view that never ends")
def test_merging_a_file_whose_tables_are_views_is_refused_at_once(run, db, tmp_path):
    import shutil
    import sqlite3

    other = tmp_path / "other.db"
    shutil.copy(ROOT / "lbc.example.db", other)
    with sqlite3.connect(other) as connection:
        connection.executescript(
            "ALTER TABLE contacts RENAME TO c0; CREATE VIEW contacts AS WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL"
            " SELECT x + 1 FROM c) SELECT x AS id, 'u' || x AS uid, 1 AS child_id, 1 AS helper_id, 'video-call'"
            " AS kind, '2026-01-01' AS date, 'parent' AS with_whom, 1 AS minutes, 'n' AS note,"
            " NULL AS follow_up_date, 0 AS no_answer FROM c"
        )
    result = run("merge", str(other), "--dry-run", db=db)
    assert result.code == 3
    assert "contacts not tables" in one_error_line(result.err)


def test_a_statement_running_when_the_process_is_stopped_ends_at_once(tmp_path):
    """A signal's handler runs in Python, after a statement in C ends: SQLite is asked to stop it."""
    import sqlite3

    path = tmp_path / "v.db"
    with sqlite3.connect(path) as connection:
        connection.execute(
            "CREATE VIEW v AS WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT x FROM c"
        )
    code = (
        "from lbc_cli import entry, errors\n"
        "entry._stop_cleanly()\n"
        "from lbc_cli.db import connect_sqlite\n"
        f"connection = connect_sqlite({str(path)!r})\n"
        "try:\n"
        "    connection.execute('SELECT count(*) FROM v').fetchall()\n"
        "except Exception as exc:\n"
        "    print(type(exc).__name__, exc, errors.stop_signal)\n"
    )
    proc = subprocess.Popen([sys.executable, "-c", code], env=env(), stdout=subprocess.PIPE, text=True)
    time.sleep(1.5)  # running the statement
    proc.send_signal(signal.SIGTERM)
    out, _err = proc.communicate(timeout=10)
    assert out.strip() == f"OperationalError interrupted {int(signal.SIGTERM)}"


def test_the_sweep_leaves_what_only_looks_like_lbcs(run, demo, tmp_path, monkeypatch):
    dead = _dead_pid()
    mine = tmp_path / f"lbc-xlsx-{dead}-abcd_fgh"  # a folder of someone's, named like lbc's
    (mine / "drafts").mkdir(parents=True)
    (mine / "drafts" / "plan.md").write_text("x")
    os.chmod(mine, 0o700)
    notes = tmp_path / f".notes.txt.partial-{dead}"  # 0600 like lbc's partial backups, but no backup's bytes
    notes.write_text("my notes")
    os.chmod(notes, 0o600)
    left = tmp_path / f"lbc-xlsx-{dead}-a1b2c3d4"  # what a killed xlsx export left: lbc's, removed
    left.mkdir(mode=0o700)
    (left / "openpyxl.x1y2z3").write_text(f"{ID_NUMBER}")
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", None)
    assert run("export", "helpers", "--format", "xlsx", "--out", str(tmp_path / "h.xlsx"), db=demo).code == 0
    assert run("db", "backup", str(tmp_path / "b.db"), db=demo).code == 0
    assert (mine / "drafts" / "plan.md").exists() and notes.exists()
    assert not left.exists()


def test_a_reference_of_thousands_of_digits_is_no_such_child_in_a_short_line(run, db):
    result = run("child", "show", "1" * 4301, db=db)
    assert result.code == 1
    line = one_error_line(result.err)
    assert "no child" in line and len(line) < 200


@pytest.mark.parametrize("value", ["abc", "nan", "1e309", "-1", "99999"])
def test_a_busy_timeout_that_is_no_number_of_seconds_is_a_usage_error(monkeypatch, db, value):
    if is_url(db):
        pytest.skip("the process reads a SQLite file")
    done = subprocess.run(
        [sys.executable, "-m", "lbc_cli", "--db", str(db), "child", "list"],
        env=env(LBC_BUSY_TIMEOUT=value), capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 2
    assert "LBC_BUSY_TIMEOUT" in one_error_line(done.stderr)


@pytest.mark.sqlite_only("values another program wrote into the SQLite file, of any type")
@pytest.mark.parametrize(
    ("change", "named"),
    [
        ("UPDATE children SET birth_date = '13800001234' WHERE id = 3", "children row 3: birth_date"),
        ("UPDATE children SET birth_date = 13800001234 WHERE id = 3", "children row 3: birth_date"),
        ("UPDATE contacts SET date = '2026-13-45' WHERE id = 5", "contacts row 5: date"),
        ("UPDATE contacts SET follow_up_date = 'x' WHERE id = 5", "contacts row 5: follow_up_date"),
        ("UPDATE children SET reviewed_on = '9999-12-31' WHERE id = 3", "children row 3: reviewed_on"),
        ("UPDATE children SET boarding = 7 WHERE id = 3", "children row 3: boarding"),
        ("UPDATE exams SET class_rank = 'x' WHERE id = 2", "exams row 2: class_rank"),
    ],
)
def test_a_value_no_column_can_hold_is_named_not_an_internal_error(run, demo, change, named):
    import sqlite3

    with sqlite3.connect(demo) as connection:
        connection.execute(change)
    for command in (["child", "list"], ["remind", "--as-of", "2026-11-27"], ["child", "show", "3"],
                    ["contact", "list"], ["report", "month", "--month", "2026-11"]):  # fmt: skip
        result = run(*command, db=demo)
        assert result.code in (0, 3), (command, result.err)
        if result.code == 3:
            assert "holds a value lbc cannot read" in one_error_line(result.err)
    checked = run("db", "check", db=demo)
    assert checked.code == 1
    assert named in checked.err


@pytest.mark.sqlite_only("another lbc file whose helpers table lost its unique uid")
def test_a_uid_the_other_file_holds_twice_is_a_bad_row(run, db, tmp_path):
    import shutil
    import sqlite3
    import uuid

    other = tmp_path / "other.db"
    shutil.copy(ROOT / "lbc.example.db", other)
    twice = str(uuid.uuid4())
    with sqlite3.connect(other) as connection:
        connection.executescript(
            "PRAGMA foreign_keys = OFF; CREATE TABLE h2 AS SELECT * FROM helpers; DROP TABLE helpers;"
            " CREATE TABLE helpers AS SELECT * FROM h2; DROP TABLE h2;"
        )
        connection.execute(
            "INSERT INTO helpers SELECT id + 100, ?, name || '甲', role, phone, organization, village, active,"
            " name_pinyin, name_initials, inactive_on, name_variants FROM helpers WHERE id IN (1, 2)",
            (twice,),
        )
    result = run("merge", str(other), "--dry-run", db=db)
    assert result.code == 1
    assert f"helpers uid {twice}: uid: this uid is in the other file twice" in result.err
    assert "internal error" not in result.err


def test_a_purge_stopped_after_it_was_saved_says_so(run, db, monkeypatch):
    from lbc_cli.db import Database
    from lbc_cli.errors import Stopped

    child = run("enroll", "张三", "--gender", "M", "--birth", "2015-03-04", db=db).out.strip()

    def stopped(self, tables):
        raise Stopped(signal.SIGTERM)

    monkeypatch.setattr(Database, "erase", stopped)
    result = run("child", "purge", child, "--yes", db=db)
    assert result.code == 128 + signal.SIGTERM
    assert result.err.splitlines()[-1] == "lbc: error: interrupted; its change had been saved before"
    assert rows(db, "SELECT name FROM children") == [(f"#{child}",)]


def test_a_stderr_that_finds_no_room_leaves_the_exit_code_as_it_is(demo, tmp_path):
    if ON_PG:
        pytest.skip("a process of its own reads the demo file")
    full = _device(tmp_path / "full", 7)
    for args, expected in (
        (["--db", demo, "child", "list", "--format", "bogus"], 2),
        (["--db", str(tmp_path / "none.db"), "child", "list"], 3),
        (["--db", demo, "export", "helpers", "--out", str(tmp_path / "h.csv")], 0),
    ):
        command = " ".join([sys.executable, "-m", "lbc_cli", *map(str, args)])
        done = subprocess.run(["bash", "-c", f"{command} 2>{full}"], env=env(), capture_output=True, timeout=60)
        assert done.returncode == expected, args


@pytest.mark.parametrize(
    ("command", "out"),
    [
        (["remind"], "r.xlsx"),
        (["report", "plan"], "p.odt"),  # (a report writes .docx since issue 21)
        (["report", "month"], "m.pdf"),
        (["export", "children"], "c.md"),
    ],
)
def test_an_out_file_named_for_a_format_the_command_cannot_write_is_refused(run, demo, tmp_path, command, out):
    result = run(*command, "--out", str(tmp_path / out), db=demo)
    assert result.code == 2
    assert "cannot write what that extension names" in one_error_line(result.err)
    assert not (tmp_path / out).exists()


@pytest.mark.sqlite_only("a backup is a SQLite file here")
def test_a_backup_onto_a_link_a_folder_or_into_no_folder_is_refused(run, demo, tmp_path):
    dangling = tmp_path / "dangling.db"
    dangling.symlink_to("nowhere.db")
    folder = tmp_path / "folder"
    folder.mkdir()
    for target, says in (
        (dangling, "already exists"),
        (folder, "Is a directory"),
        (tmp_path / "a" / "b.db", "No such"),
    ):
        result = run("db", "backup", str(target), db=demo)
        assert result.code == 1
        assert says in one_error_line(result.err)
    assert dangling.is_symlink() and not (tmp_path / "a").exists()


@pytest.mark.sqlite_only("a column dropped from the SQLite file by hand")
def test_a_dropped_column_is_damage(run, demo):
    import sqlite3

    with sqlite3.connect(demo) as connection:
        connection.execute("ALTER TABLE children DROP COLUMN hobbies")
    shown = run("child", "show", "3", db=demo)
    assert shown.code == 3 and "no such column" in one_error_line(shown.err)
    checked = run("db", "check", db=demo)
    assert checked.code == 1 and "no such column: children.hobbies" in one_error_line(checked.err)


def test_ctrl_c_says_it_was_interrupted(db):
    if is_url(db):
        pytest.skip("the process reads a SQLite file")
    command = [sys.executable, "-m", "lbc_cli", "--db", str(db), "import", "children", "-"]
    proc = subprocess.Popen(command, env=env(), stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    time.sleep(1.5)
    proc.send_signal(signal.SIGINT)
    _out, err = proc.communicate(timeout=30)
    assert proc.returncode == 128 + signal.SIGINT
    assert err.decode().strip() == "lbc: error: interrupted; nothing was written"


@pytest.mark.parametrize("suffix", ["json", "jsonl"])
def test_a_json_number_of_thousands_of_digits_is_a_bad_file_not_an_internal_error(run, db, tmp_path, suffix):
    record = '{"name": "a", "gender": "F", "birth_date": "2015-01-01", "grade": ' + "9" * 5000 + "}"
    path = tmp_path / f"big.{suffix}"
    path.write_text(f"[{record}]" if suffix == "json" else record + "\n", encoding="utf-8")
    result = run("import", "children", str(path), db=db)
    assert result.code == 1
    assert "a number too long" in one_error_line(result.err)
