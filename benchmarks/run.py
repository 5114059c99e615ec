"""Time lbc's workloads at county scale against the plain tools that do the same job, and print the ratios.

    python benchmarks/run.py [--children N] [--runs R] [--data DIR] [--work DIR] [--only NAME ...]
                             [--db postgresql+psycopg://…] [--check] [--write-readme [--readme FILE]]

What it measures: each workload is timed as a whole process (start-up, imports, the work and the exit),
the way a person or cron meets it: wall time from spawn to exit, and peak resident memory from the
child's rusage (os.wait4). Every workload runs R times (the imports min(R, 3) times, sqlite-utils's
import of the contacts once), lbc and its baselines interleaved run by run so that a load on the machine
touches them alike (each process started after os.sync(), so that no run pays for the writes of the one
before), and the table shows the medians, the peak memory (the largest of the runs) and lbc's median
over each baseline's.

Why these baselines: they are the floor for the same job. The sqlite3 CLI imports the same CSV into
the same schema (foreign keys checked) with no validation; it exports the same table; it runs the very
SQL that `lbc remind` runs (captured from lbc itself). sqlite-utils is the everyday Python tool for
moving CSV in and out of SQLite. `python -c "import typer"` / `"import sqlmodel"` are what any command
built on those libraries pays before doing anything. A baseline tool that is not installed shows as
"n/a (not installed)". The targets are those of issue #8; the absolute times are meant for 100,000
children and are only judged at that size.

The data comes from benchmarks/gen.py (deterministic for a seed), generated into --data once and reused
while its stamp (N, seed, the generator's hash) matches. The databases are built in --work with lbc
itself (init, then import helpers, children, pairs, contacts and exams), and every run of a workload
that writes starts from a fresh copy of its template. With --db the same workloads run on a PostgreSQL
server too, each against itself on SQLite (its twins of the templates built the same way). Standard library
only (psycopg, lbc's PostgreSQL driver, for --db); run it with the Python of the virtual environment lbc is
installed in (lbc is the `lbc` script next to sys.executable).
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import os
import platform
import re
import shutil
import sqlite3
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path

HERE = Path(__file__).resolve().parent
GEN = HERE / "gen.py"
README = HERE / "README.md"
START_MARK, END_MARK = "<!-- results:start -->", "<!-- results:end -->"

SEED = 2025  # gen.py's default seed
FULL_SCALE = 100_000  # the absolute time targets are for this many children
SCHOOL_YEAR = 2025  # gen.py's school year: 1 Sep 2025 to 31 Aug 2026
AS_OF = "2026-08-31"  # its last day: every generated date is on or before it
SUMMARY_YEAR = 2026  # the calendar year of the school year's second term: as of AS_OF the summary
# covers Jan-Aug 2026 and assesses school year 2025 (the last one whose term 2 is over)
MEMORY_MIB = 150
IMPORT_RUNS = 3  # the imports run min(--runs, 3) times
# The county's template databases: base holds these tables (imported in this order), full adds the rest
BASE_TABLES = ("helpers", "children", "pairs")
FULL_TABLES = ("contacts", "exams")
SLOW_BASELINE_RUNS = 1  # sqlite-utils takes minutes over a county's contacts: one run of it is enough
TUNED = "tuned sqlite3"  # the tuned loader: staging, one INSERT … SELECT with uids, the indexes built after
IMPORT_CACHE_KIB = 32768  # the page cache lbc's import connection sets (importer.CACHE_KIB): the sqlite3 baseline's too
ENV = {**os.environ, "LBC_LANG": "en"}  # stable messages; --db is always given
ENV.pop("LBC_DB", None)
ENV.pop("LBC_TEMPLATES", None)

# Time spent in these methods of sqlite3's Connection and Cursor is the "query share" of a command.
SQLITE_METHODS = ("execute", "executemany", "executescript", "fetchone", "fetchmany", "fetchall", "commit")

# Run in a child Python (the venv's): lbc in-process under cProfile; writes {"code", "share"} as JSON.
PROFILE_SCRIPT = """
import contextlib, cProfile, json, pstats, sys
from lbc_cli.cli import main
result_path, out_path, methods, args = sys.argv[1], sys.argv[2], sys.argv[3].split(","), sys.argv[4:]
profiler = cProfile.Profile()
with open(out_path, "w", encoding="utf-8") as stream, contextlib.redirect_stdout(stream):
    code = profiler.runcall(main, args)
stats = pstats.Stats(profiler)
inside = 0.0
for (_file, _line, name), (_cc, _nc, tottime, _cumtime, _callers) in stats.stats.items():
    if "of 'sqlite3." in name and name.split("'")[1] in methods:
        inside += tottime
with open(result_path, "w") as result:
    json.dump({"code": code, "share": inside / stats.total_tt if stats.total_tt else 0.0}, result)
"""

# Run in a child Python: lbc in-process with SQLite's trace on every connection; writes the SELECT
# statements it ran, parameters bound (sqlite3 traces the expanded SQL), as one script for the CLI.
CAPTURE_SCRIPT = """
import contextlib, os, sqlite3, sys
statements = []
connect = sqlite3.connect
def traced(*args, **kwargs):  # every connection: SQLAlchemy's, and the bare ones of Database.reader
    connection = connect(*args, **kwargs)
    connection.set_trace_callback(statements.append)
    return connection
sqlite3.connect = sqlite3.dbapi2.connect = traced  # (SQLAlchemy connects through dbapi2)
import lbc_cli.parallel
lbc_cli.parallel.available = lambda: False  # no copy of the process: its statements would be traced in the copy
from lbc_cli.cli import main
sql_path, args = sys.argv[1], sys.argv[2:]
with open(os.devnull, "w") as sink, contextlib.redirect_stdout(sink):
    code = main(args)
if code:
    sys.exit(code)
selects = [s.strip() for s in statements if s.lstrip().upper().startswith("SELECT")]
with open(sql_path, "w", encoding="utf-8") as script:
    script.write("".join(s + ";\\n" for s in selects))
"""


# A local platform for `remind --send` (remind_send): HTTP/1.1 on 127.0.0.1, keep-alive, every POST read whole and
# answered 200 as a robot answers; prints its port, then serves until it is terminated.
SINK_SCRIPT = """
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
class Sink(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # the answer's headers and body go out at once, not after a delayed ACK
    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        body = b'{"errcode": 0, "errmsg": "ok"}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *args):
        pass
server = ThreadingHTTPServer(("127.0.0.1", 0), Sink)
server.daemon_threads = True
print(server.server_port, flush=True)
server.serve_forever()
"""


# The floor under every database command: the lbc script's own start (the collector off, no teardown at the
# end: lbc_cli.entry) with Typer, SQLAlchemy, SQLModel and lbc's tables imported, and nothing done.
STARTUP_SCRIPT = "import gc, os; gc.disable(); import lbc_cli.cli.root, lbc_cli.store, lbc_cli.models; os._exit(0)"


class BenchError(Exception):
    """A step failed: the runner stops and says which command, and what it wrote on stderr."""


# ---- tools ----------------------------------------------------------------------------------------


def venv_script(name: str) -> str | None:
    """A console script of the running Python's environment, else one on PATH."""
    beside = Path(sys.executable).parent / name
    if beside.is_file() and os.access(beside, os.X_OK):
        return str(beside)
    return shutil.which(name)


@dataclass
class Tools:
    python: str = sys.executable
    lbc: str | None = field(default_factory=lambda: venv_script("lbc"))
    sqlite3: str | None = field(default_factory=lambda: shutil.which("sqlite3"))
    sqlite_utils: str | None = field(default_factory=lambda: venv_script("sqlite-utils"))

    def version(self, argv: list[str] | None) -> str:
        if argv is None or argv[0] is None:
            return "not installed"
        done = subprocess.run(argv, capture_output=True, text=True, env=ENV)
        words = (done.stdout or done.stderr).split()
        return next((w for w in words if w[:1].isdigit()), "?")


# ---- timing ---------------------------------------------------------------------------------------


@dataclass
class Command:
    """One process to time: argv (or a function of the run number), its stdin and stdout files, and an
    untimed step before each run (a fresh copy of a database). argv None: the tool is not installed."""

    label: str
    argv: Sequence[str] | Callable[[int], Sequence[str]] | None
    stdin: Path | None = None
    stdout: Path | None = None
    prepare: Callable[[], None] | None = None
    max_runs: int | None = None  # a baseline that takes minutes is timed this many times at most
    fresh_from: Path | None = None  # the template its database (after --db) is a fresh copy of (prepare)


@dataclass
class Timing:
    label: str
    seconds: list[float] = field(default_factory=list)
    peaks_kib: list[int] = field(default_factory=list)
    missing: bool = False

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)

    @property
    def peak_mib(self) -> float:
        return max(self.peaks_kib) / 1024


def run_once(command: Command, run: int, work: Path) -> tuple[float, int]:
    """Wall seconds and peak RSS (KiB) of one whole process; a non-zero exit stops the runner."""
    if command.prepare:
        command.prepare()
    # What earlier runs wrote (a copied database, an import's pages) goes to disk before the clock starts,
    # not in the background while the next process is timed.
    os.sync()
    argv = [str(a) for a in (command.argv(run) if callable(command.argv) else command.argv)]
    errors = work / "stderr.txt"
    with (
        open(command.stdin or os.devnull, "rb") as stdin,
        open(command.stdout or os.devnull, "wb") as stdout,
        open(errors, "wb") as stderr,
    ):
        began = time.perf_counter()
        process = subprocess.Popen(argv, stdin=stdin, stdout=stdout, stderr=stderr, env=ENV, cwd=work)
        _pid, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - began
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        message = errors.read_text(encoding="utf-8", errors="replace").strip()
        raise BenchError(f"exit {process.returncode}: {' '.join(argv)}\n{message}")
    return seconds, usage.ru_maxrss  # KiB on Linux


def measure(commands: list[Command], runs: int, work: Path) -> list[Timing]:
    """Every command `runs` times, interleaved run by run."""
    timings = [Timing(c.label, missing=c.argv is None) for c in commands]
    for run in range(runs):
        for command, timing in zip(commands, timings, strict=True):
            if timing.missing or (command.max_runs is not None and run >= command.max_runs):
                continue
            seconds, peak = run_once(command, run, work)
            timing.seconds.append(seconds)
            timing.peaks_kib.append(peak)
    return timings


# ---- targets --------------------------------------------------------------------------------------


@dataclass
class Result:
    name: str
    lbc: Timing
    baselines: list[Timing]
    query_share: float | None = None

    def baseline(self, label: str) -> Timing | None:
        return next((b for b in self.baselines if b.label == label and not b.missing), None)


@dataclass(frozen=True)
class Target:
    text: str

    def met(self, result: Result, n: int) -> bool | None:  # None: cannot be judged here
        raise NotImplementedError


@dataclass(frozen=True)
class Within(Target):
    seconds: float = 0.0

    def met(self, result: Result, n: int) -> bool | None:
        return result.lbc.median <= self.seconds if n == FULL_SCALE else None


@dataclass(frozen=True)
class Ratio(Target):
    label: str = ""
    limit: float = 0.0
    strict: bool = False

    def met(self, result: Result, n: int) -> bool | None:
        base = result.baseline(self.label)
        if base is None:
            return None
        ratio = result.lbc.median / base.median
        return ratio < self.limit if self.strict else ratio <= self.limit


@dataclass(frozen=True)
class Memory(Target):
    mib: float = MEMORY_MIB

    def met(self, result: Result, n: int) -> bool | None:
        return result.lbc.peak_mib <= self.mib


@dataclass(frozen=True)
class BaselineMemory(Target):
    label: str = ""
    mib: float = MEMORY_MIB

    def met(self, result: Result, n: int) -> bool | None:
        base = result.baseline(self.label)
        return None if base is None else base.peak_mib <= self.mib


def within(seconds: float) -> Within:
    return Within(f"≤ {seconds:g} s", seconds)


def times(label: str, limit: float) -> Ratio:
    return Ratio(f"≤ {limit:g}× {label}", label, limit)


def faster(label: str, factor: float = 1.0) -> Ratio:
    if factor == 1.0:
        return Ratio(f"faster than {label}", label, 1.0, strict=True)
    return Ratio(f"≥ {factor:g}× faster than {label}", label, 1 / factor)


MEMORY = Memory(f"≤ {MEMORY_MIB} MiB", MEMORY_MIB)


# ---- the county: data and databases --------------------------------------------------------------


def copy_db(source: Path, target: Path) -> None:
    """A whole copy: templates are checkpointed (no -wal), and stale -wal/-shm of the target go first."""
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    shutil.copy(source, target)


def checkpoint(db: Path) -> None:
    """Fold the WAL into the main file so that a copy of that one file is the whole database."""
    with sqlite3.connect(db) as connection:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    connection.close()


def progress(text: str) -> None:
    sys.stderr.write(text + "\n")
    sys.stderr.flush()


class Bench:
    """The data, the template databases and the tools of one session; each is made when first needed."""

    def __init__(self, args: argparse.Namespace):
        self.n: int = args.children
        self.seed: int = args.seed
        self.runs: int = args.runs
        self.import_runs = min(args.runs, IMPORT_RUNS)
        self.data: Path = (args.data or HERE / "data" / str(self.n)).resolve()
        self.work: Path = args.work.resolve()
        self.db_dir = self.work / "db"
        self.pg_url: str | None = args.db
        self.tools = Tools()
        if self.tools.lbc is None:
            raise BenchError(f"no lbc next to {sys.executable} nor on PATH: run this with lbc's virtualenv Python")

    @cached_property
    def pg(self) -> PgServer:
        return PgServer(self.pg_url)

    def _pg_build(self, name: str, source: str | None, tables: Sequence[str]) -> str:
        """The PostgreSQL twin of a template database, built by lbc the same way."""
        url = self.pg.create(name, source)
        if source is None:
            self.step(self.lbc(url, "init"))
        self._import_into(url, f"{name} (PostgreSQL)", tables)
        return name

    @cached_property
    def pg_empty(self) -> str:
        return self._pg_build("empty", None, ())

    @cached_property
    def pg_base(self) -> str:
        return self._pg_build("base", self.pg_empty, BASE_TABLES)

    @cached_property
    def pg_full(self) -> str:
        return self._pg_build("full", self.pg_base, FULL_TABLES)

    @cached_property
    def pg_one_row(self) -> str:
        self.pg.create("one_row", self.pg_full)
        return "one_row"

    def pg_twin(self, path: str) -> str:
        """The name on the PostgreSQL server of the database at ``path``: a template's twin (built when first
        asked for), or the name of a copy of one."""
        twins = {"empty.db": "pg_empty", "base.db": "pg_base", "full.db": "pg_full"}
        if Path(path).parent == self.db_dir and Path(path).name in twins:
            return getattr(self, twins[Path(path).name])
        if Path(path) == self.work / "one_row.db":
            return self.pg_one_row
        return Path(path).stem.replace(".", "_")

    def lbc(self, db: Path | str | None, *args: str) -> list[str]:
        return [self.tools.lbc, *(["--db", str(db)] if db else []), *args]

    def out(self, name: str) -> Path:
        return self.work / f"{name}.out"

    def sqlite3_cli(self, *args: str) -> list[str] | None:
        return [self.tools.sqlite3, "-batch", "-bail", "-init", os.devnull, *args] if self.tools.sqlite3 else None

    def sqlite_utils(self, *args: str) -> list[str] | None:
        return [self.tools.sqlite_utils, *args] if self.tools.sqlite_utils else None

    def step(self, argv: list[str]) -> float:
        """A step of building a template (not in the table); its seconds are for the progress log."""
        seconds, _peak = run_once(Command("step", argv), 0, self.work)
        return seconds

    # ---- data --------------------------------------------------------------------------------
    @cached_property
    def files(self) -> dict[str, Path]:
        stamp = {"children": self.n, "seed": self.seed, "gen": hashlib.sha256(GEN.read_bytes()).hexdigest()}
        stamp_file = self.data / "stamp.json"
        names = ("children", "helpers", "pairs", "contacts", "exams")
        files = {name: self.data / f"{name}.csv" for name in names}
        fresh = stamp_file.is_file() and json.loads(stamp_file.read_text()) == stamp
        if not (fresh and all(f.is_file() for f in files.values())):
            progress(f"generating {self.n} children (seed {self.seed}) into {self.data}")
            stamp_file.unlink(missing_ok=True)
            self.data.mkdir(parents=True, exist_ok=True)
            argv = [sys.executable, str(GEN), "--out", str(self.data), "--children", str(self.n)]
            done = subprocess.run([*argv, "--seed", str(self.seed)], capture_output=True, text=True)
            if done.returncode != 0:
                raise BenchError(f"exit {done.returncode}: {' '.join(argv)}\n{done.stderr.strip()}")
            stamp_file.write_text(json.dumps(stamp))
        return files

    @cached_property
    def township(self) -> str:
        """The first township of the data: its first child's village up to the first 乡 or 镇."""
        with open(self.files["children"], encoding="utf-8", newline="") as stream:
            village = next(csv.DictReader(stream))["village"]
        match = re.match(r".*?[乡镇]", village)
        if not match:
            raise BenchError(f"no township (…乡 or …镇) at the start of village {village!r}")
        return match.group(0)

    # ---- template databases, built with lbc ------------------------------------------------------
    def _build(self, name: str, source: Path | None, tables: Sequence[str]) -> Path:
        db = self.db_dir / f"{name}.db"
        self.db_dir.mkdir(parents=True, exist_ok=True)
        if source is None:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{db}{suffix}").unlink(missing_ok=True)
            self.step(self.lbc(db, "init"))
        else:
            copy_db(source, db)
        self._import_into(db, f"{name}.db", tables)
        checkpoint(db)
        return db

    def _import_into(self, target, label: str, tables: tuple[str, ...]) -> None:
        """lbc imports each of ``tables`` from the county's files into ``target``, in order."""
        for table in tables:
            seconds = self.step(self.lbc(target, "import", table, str(self.files[table])))
            progress(f"  {label}: imported {table} in {seconds:.1f} s")

    @cached_property
    def empty_db(self) -> Path:
        return self._build("empty", None, ())

    @cached_property
    def base_db(self) -> Path:
        """helpers, children and pairs: the template for importing contacts."""
        return self._build("base", self.empty_db, BASE_TABLES)

    @cached_property
    def full_db(self) -> Path:
        return self._build("full", self.base_db, FULL_TABLES)

    @cached_property
    def active_child(self) -> tuple[int, str]:
        """(id, village) of the first child in the programme, for the one-row commands."""
        with sqlite3.connect(f"file:{self.full_db}?mode=ro", uri=True) as connection:
            row = connection.execute("SELECT id, village FROM children WHERE status = 'active' ORDER BY id").fetchone()
        connection.close()
        return row

    @cached_property
    def one_row_db(self) -> Path:
        """A copy of the county for the one-row writes (one a session: a row more or less changes nothing)."""
        db = self.work / "one_row.db"
        copy_db(self.full_db, db)
        return db

    # ---- baselines' inputs -------------------------------------------------------------------
    def sqlite3_import_script(self, table: str, template: Path) -> Path:
        """.import of the CSV into a TEMP table of the CSV's columns, then one INSERT … SELECT into the
        real table: empty fields become NULL where the column allows it (as lbc reads them), the NOT NULL
        columns lbc derives and the CSV does not carry get ''; foreign keys, synchronous and page cache as
        lbc's import sets them."""
        source = self.files[table]
        with open(source, encoding="utf-8", newline="") as stream:
            columns = next(csv.reader(stream))
        target = {"pairs": "pairings"}.get(table, table)
        with sqlite3.connect(f"file:{template}?mode=ro", uri=True) as connection:
            info = connection.execute(f"PRAGMA table_info({target})").fetchall()
            triggers = connection.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = ?", (target,)
            ).fetchall()
        connection.close()
        not_null = {name for _cid, name, _type, notnull, default, _pk in info if notnull and default is None}
        derived = [name for _cid, name, *_ in info if name in not_null and name not in columns]
        values = [c if c in not_null else f"NULLIF({c}, '')" for c in columns] + ["''"] * len(derived)
        script = self.work / f"import_{table}.sqlite3.sql"
        # a database of an older schema may still have triggers on the table: the baseline drops them
        aside = "".join(f"DROP TRIGGER {name};\n" for (name,) in triggers)
        script.write_text(
            aside + "PRAGMA foreign_keys = ON;\n"
            "PRAGMA synchronous = NORMAL;\n"
            f"PRAGMA cache_size = -{IMPORT_CACHE_KIB};\n"
            f"CREATE TEMP TABLE staging AS SELECT {', '.join(columns)} FROM main.{target} WHERE 0;\n"
            f'.import --csv --skip 1 --schema temp "{source}" staging\n'
            "BEGIN;\n"
            f"INSERT INTO main.{target} ({', '.join(columns + derived)})\n"
            f"SELECT {', '.join(values)} FROM temp.staging;\n"
            "COMMIT;\n",
            encoding="utf-8",
        )
        return script

    def tuned_import_script(self, table: str, template: Path) -> Path:
        """The tuned sqlite3 loader doing lbc's import work: the CSV `.import`ed into a TEMP staging table, then in
        one transaction the table's plain indexes dropped, one INSERT … SELECT into lbc's own table (foreign keys on)
        where each row keeps the file's uid or, where it has none, gets a time-ordered one as lbc makes them (UUID
        version 7 made in SQL), and the indexes built again; for the contacts, the table derived from them
        (last_contacts, schema 5) filled once by lbc's own statement, as lbc does after a bulk load. Empty fields
        become NULL as in the plain script; the names' pinyin is '' (lbc works it out)."""
        source = self.files[table]
        with open(source, encoding="utf-8", newline="") as stream:
            columns = next(csv.reader(stream))
        target = {"pairs": "pairings"}.get(table, table)
        with sqlite3.connect(f"file:{template}?mode=ro", uri=True) as connection:
            info = connection.execute(f"PRAGMA table_info({target})").fetchall()
            triggers = connection.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = ?", (target,)
            ).fetchall()
            indexes = connection.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL",
                (target,),
            ).fetchall()
            derived_tables = connection.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'last_contacts'"
            ).fetchall()
        connection.close()
        after = ""
        if target == "contacts" and derived_tables:
            from lbc_cli import last_contacts  # the code under test: its fill, as its own import runs it

            after = f"DELETE FROM {last_contacts.TABLE};\n{last_contacts.fill()};\n"
        not_null = {name for _cid, name, _type, notnull, default, _pk in info if notnull and default is None}
        derived = [name for _cid, name, *_ in info if name in not_null and name not in columns and name != "uid"]
        made = (  # a version 7 uid: the millisecond, the staging row number as the counter, random bits
            "printf('%08x-%04x-7%03x-%04x-%012x', clock.ms >> 16, clock.ms & 65535, (staging.rowid >> 14) & 4095,"
            " 32768 | (staging.rowid & 16383), random() & 281474976710655)"
        )
        values = [
            f"COALESCE(NULLIF(uid, ''), {made})" if c == "uid" else c if c in not_null else f"NULLIF({c}, '')"
            for c in columns
        ] + ["''"] * len(derived)
        if "uid" not in columns:
            derived.append("uid")
            values.append(made)
        script = self.work / f"import_{table}.tuned.sql"
        script.write_text(
            "".join(f"DROP TRIGGER {name};\n" for (name,) in triggers) + "PRAGMA foreign_keys = ON;\n"
            "PRAGMA synchronous = NORMAL;\n"
            f"PRAGMA cache_size = -{IMPORT_CACHE_KIB};\n"
            f"CREATE TEMP TABLE staging AS SELECT {', '.join(columns)} FROM main.{target} WHERE 0;\n"
            f'.import --csv --skip 1 --schema temp "{source}" staging\n'
            "CREATE TEMP TABLE clock AS SELECT CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER) AS ms;\n"
            "BEGIN;\n"
            + "".join(f"DROP INDEX {name};\n" for name, _sql in indexes)
            + f"INSERT INTO main.{target} ({', '.join(columns + derived)})\n"
            f"SELECT {', '.join(values)} FROM temp.staging, temp.clock ORDER BY staging.rowid;\n"
            + "".join(f"{sql};\n" for _name, sql in indexes)
            + after
            + "COMMIT;\n",
            encoding="utf-8",
        )
        return script

    def captured_sql(self, name: str, lbc_args: list[str]) -> Path:
        """The SELECTs lbc runs for a command (captured from lbc itself), as a script for the sqlite3 CLI."""
        script = self.work / f"{name}.sql"
        argv = [sys.executable, "-c", CAPTURE_SCRIPT, str(script), *lbc_args]
        done = subprocess.run(argv, capture_output=True, text=True, env=ENV, cwd=self.work)
        if done.returncode != 0:
            raise BenchError(f"exit {done.returncode}: capturing the SQL of lbc {' '.join(lbc_args)}\n{done.stderr}")
        return script

    def query_share(self, name: str, lbc_args: list[str]) -> float:
        """The share of the command's in-process time spent inside sqlite3's execute and fetch methods."""
        result = self.work / f"{name}.profile.json"
        out = self.work / f"{name}.profile.out"
        argv = [sys.executable, "-c", PROFILE_SCRIPT, str(result), str(out), ",".join(SQLITE_METHODS), *lbc_args]
        done = subprocess.run(argv, capture_output=True, text=True, env=ENV, cwd=self.work)
        measured = json.loads(result.read_text()) if done.returncode == 0 else {"code": done.returncode}
        if measured["code"] != 0:
            raise BenchError(f"exit {measured['code']}: profiling lbc {' '.join(lbc_args)}\n{done.stderr}")
        return measured["share"]


# ---- PostgreSQL (--db) ----------------------------------------------------------------------------


class PgServer:
    """The PostgreSQL server of --db: the runner's databases on it (NAME_bench_TEMPLATE, …), made and dropped
    through psycopg (lbc's own driver for PostgreSQL) on the URL's database."""

    def __init__(self, url: str):
        try:
            import psycopg
        except ImportError:
            raise BenchError("--db postgresql…: psycopg is not installed (pip install '.[postgres]')") from None
        match = re.fullmatch(r"(postgresql)(?:\+psycopg)?(://(?:[^@/]*@)?[^/]*)/([^?]+)(\?.*)?", url)
        if not match:
            raise BenchError(f"--db: not a PostgreSQL URL (postgresql+psycopg://USER@HOST:PORT/DATABASE): {url}")
        self.base, self.prefix, self.query = match.group(2), match.group(3), match.group(4) or ""
        self.psycopg = psycopg
        try:
            self.admin = psycopg.connect(self.conninfo(self.prefix), autocommit=True)
        except psycopg.Error as exc:
            raise BenchError(f"--db: cannot connect: {exc}".strip()) from None
        self.version = self.admin.execute("SHOW server_version").fetchone()[0]
        # a copy of a county's database is made fastest file by file (PostgreSQL 15's default logs every page)
        self.strategy = " STRATEGY FILE_COPY" if self.admin.info.server_version >= 150000 else ""

    def conninfo(self, database: str) -> str:
        return f"postgresql{self.base}/{database}{self.query}"

    def url(self, name: str) -> str:
        """lbc's --db for the runner's database ``name``."""
        return f"postgresql+psycopg{self.base}/{self.prefix}_bench_{name}{self.query}"

    def _execute(self, sql: str) -> None:
        for attempt in range(100):  # a session of the last run may not have gone yet
            try:
                self.admin.execute(sql)
                return
            except self.psycopg.errors.ObjectInUse:
                if attempt == 99:
                    raise
                time.sleep(0.05)

    def create(self, name: str, template: str | None = None) -> str:
        """A new, empty database ``name`` (or a copy of the runner's database ``template``), the old one dropped."""
        self.drop(name)
        source = f'"{self.prefix}_bench_{template}"{self.strategy}' if template else "template0"
        self._execute(f'CREATE DATABASE "{self.prefix}_bench_{name}" TEMPLATE {source}')
        return self.url(name)

    def drop(self, name: str) -> None:
        self._execute(f'DROP DATABASE IF EXISTS "{self.prefix}_bench_{name}"')


# ---- workloads ------------------------------------------------------------------------------------


@dataclass
class Plan:
    """What a workload runs: lbc first, then its baselines; its targets; and the untimed extras."""

    commands: list[Command]
    targets: list[Target]
    runs: int
    profile: list[str] | None = None  # lbc's arguments for the query-share run
    scratch: list[Path] = field(default_factory=list)  # databases to delete afterwards
    scratch_pg: list[str] = field(default_factory=list)  # and those on the PostgreSQL server
    stop: list[Callable[[], None]] = field(default_factory=list)  # servers to stop afterwards


def fresh(template: Path, copy: Path) -> Callable[[], None]:
    return lambda: copy_db(template, copy)


def import_plan(b: Bench, table: str, template: Path, targets: list[Target], slow: int | None = None) -> Plan:
    """lbc import, the sqlite3 CLI's .import into the same schema, and sqlite-utils insert (at most ``slow``
    times; None: every run), each on a fresh copy of the template."""
    copies = {label: b.work / f"import_{table}.{label}.db" for label in ("lbc", "sqlite3", TUNED, "sqlite-utils")}
    csv_file = b.files[table]
    script = b.sqlite3_import_script(table, template) if b.tools.sqlite3 else None
    tuned = b.tuned_import_script(table, template) if b.tools.sqlite3 else None
    # sqlite-utils: children go to a new table (it cannot fill lbc's derived name_pinyin and
    # name_initials); contacts go into lbc's own table, empty fields as NULL (foreign keys unchecked).
    su_args = (
        ["children_su", str(csv_file), "--csv"]
        if table == "children"
        else [table, str(csv_file), "--csv", "--empty-null"]
    )
    commands = [
        Command(
            "lbc",
            b.lbc(copies["lbc"], "import", table, str(csv_file)),
            prepare=fresh(template, copies["lbc"]),
            fresh_from=template,
        ),
        Command(
            "sqlite3", b.sqlite3_cli(str(copies["sqlite3"])), stdin=script, prepare=fresh(template, copies["sqlite3"])
        ),
        Command(TUNED, b.sqlite3_cli(str(copies[TUNED])), stdin=tuned, prepare=fresh(template, copies[TUNED])),
        Command(
            "sqlite-utils",
            b.sqlite_utils("insert", str(copies["sqlite-utils"]), *su_args),
            prepare=fresh(template, copies["sqlite-utils"]),
            max_runs=slow,
        ),
    ]
    scratch = [Path(f"{c}{s}") for c in copies.values() for s in ("", "-wal", "-shm")]
    return Plan(commands, targets, b.import_runs, scratch=scratch)


def import_children(b: Bench) -> Plan:
    # sqlite-utils's 20-odd seconds vary by a third from run to run here: timed as often as lbc
    targets = [times("sqlite3", 5), times(TUNED, 2), faster("sqlite-utils", 5), MEMORY]
    return import_plan(b, "children", b.empty_db, targets)


def import_contacts(b: Bench) -> Plan:
    targets = [times("sqlite3", 3), times(TUNED, 1.5), faster("sqlite-utils", 5), MEMORY]
    return import_plan(b, "contacts", b.base_db, targets, slow=SLOW_BASELINE_RUNS)


def export_contacts(b: Bench) -> Plan:
    db = b.full_db
    commands = [
        Command("lbc", b.lbc(db, "export", "contacts"), stdout=b.out("export_contacts.lbc")),
        Command(
            "sqlite3",
            b.sqlite3_cli("-csv", "-header", str(db), "SELECT * FROM contacts"),
            stdout=b.out("export_contacts.sqlite3"),
        ),
        Command(
            "sqlite-utils",
            b.sqlite_utils("rows", str(db), "contacts", "--csv"),
            stdout=b.out("export_contacts.sqlite-utils"),
        ),
    ]
    return Plan(commands, [times("sqlite3", 2.5), faster("sqlite-utils"), MEMORY], b.runs)


def remind_plan(b: Bench, name: str, extra: list[str], limit: float) -> Plan:
    """lbc remind, and the sqlite3 CLI running the SELECTs lbc runs for it."""
    args = ["--db", str(b.full_db), "remind", "--as-of", AS_OF, "--format", "csv", *extra]
    script = b.captured_sql(name, args) if b.tools.sqlite3 else None
    commands = [
        Command("lbc", [b.tools.lbc, *args], stdout=b.out(f"{name}.lbc")),
        Command("sqlite3", b.sqlite3_cli(str(b.full_db)), stdin=script, stdout=b.out(f"{name}.sqlite3")),
        startup(b),
    ]
    return Plan(commands, [within(limit)], b.runs)


def remind_county(b: Bench) -> Plan:
    return remind_plan(b, "remind_county", [], 1.5)  # issue 19: the house wins over the 1 s of a forked copy


def remind_township(b: Bench) -> Plan:
    return remind_plan(b, "remind_township", ["--village", b.township], 0.6)


def remind_send(b: Bench) -> Plan:
    """The county's reminders sent to one json channel (a local server, keep-alive, answering 200), every run
    from a fresh copy of the county with the channel in it (an empty send log: everything is sent and logged),
    against `remind --format csv` of the same county in the same runs."""
    server = subprocess.Popen([b.tools.python, "-c", SINK_SCRIPT], stdout=subprocess.PIPE, text=True, env=ENV)

    def stop() -> None:
        server.terminate()
        server.wait()

    template, copy = b.work / "remind_send.template.db", b.work / "remind_send.db"
    try:
        port = int(server.stdout.readline())
        copy_db(b.full_db, template)
        with sqlite3.connect(template) as connection:
            connection.execute(
                "INSERT INTO channels (uid, name, style, webhook, villages, helper_ids, created_at) VALUES"
                " ('00000000-0000-7000-8000-000000000001', 'county', 'json', ?, '', '', '2026-08-31T00:00:00+00:00')",
                (f"http://127.0.0.1:{port}/hook?key=benchmark",),
            )
        connection.close()
        checkpoint(template)
    except BaseException:
        stop()
        raise

    csv_label = "lbc remind --format csv"
    commands = [
        Command("lbc", b.lbc(copy, "remind", "--as-of", AS_OF, "--send"), prepare=fresh(template, copy)),
        Command(
            csv_label, b.lbc(b.full_db, "remind", "--as-of", AS_OF, "--format", "csv"), stdout=b.out("remind_send.csv")
        ),
    ]
    scratch = [Path(f"{path}{tail}") for path in (template, copy) for tail in ("", "-wal", "-shm")]
    return Plan(commands, [times(csv_label, 5)], b.runs, scratch=scratch, stop=[stop])


def alone(b: Bench, name: str, args: list[str], limit: float) -> Plan:
    """A read-only command no other tool does: an absolute target, its query share, and the start-up floor."""
    full = ["--db", str(b.full_db), *args]
    commands = [Command("lbc", [b.tools.lbc, *full], stdout=b.out(name)), startup(b)]
    return Plan(commands, [within(limit)], b.runs, profile=full)


def score(b: Bench) -> Plan:
    return alone(b, "score", ["score", "--year", str(SCHOOL_YEAR), "--as-of", AS_OF], 1.5)


def report_summary(b: Bench) -> Plan:
    return alone(b, "report_summary", ["report", "summary", "--year", str(SUMMARY_YEAR), "--as-of", AS_OF], 2.5)


def report_summary_docx(b: Bench) -> Plan:
    """The summary as a Word document (--out FILE) against the same report as Markdown: the document is the
    Markdown's tokens written as XML: it takes the Markdown's time, a parse of it and the writing (measured 3.4x)."""
    args = ["--db", str(b.full_db), "report", "summary", "--year", str(SUMMARY_YEAR), "--as-of", AS_OF]
    target = b.out("report_summary_docx.docx")
    commands = [
        Command("lbc", [b.tools.lbc, *args, "--format", "docx", "--out", str(target)]),
        Command("lbc (Markdown)", [b.tools.lbc, *args], stdout=b.out("report_summary_docx.md")),
    ]
    return Plan(commands, [times("lbc (Markdown)", 4)], b.runs, profile=args)


def child_list(b: Bench) -> Plan:
    return alone(b, "child_list", ["child", "list", "--format", "csv", "--as-of", AS_OF], 2.0)


def export_children_xlsx(b: Bench) -> Plan:
    """A county's children as a workbook for people (issue 21): labels, widths, styled cells, written cell by
    cell through openpyxl's own XML writer (benchmarks/README.md, "Issue 21: xlsx", says what it costs)."""
    out = b.work / "export_children.xlsx"
    return alone(b, "export_children_xlsx", ["export", "children", "--out", str(out)], XLSX_LIMIT)


XLSX_LIMIT = 60.0  # seconds for N = 100,000 children (37 columns): see benchmarks/README.md


def startup(b: Bench) -> Command:
    """Not a target's baseline: what any lbc database command costs before it opens the database."""
    return Command("lbc start-up", [b.tools.python, "-c", STARTUP_SCRIPT])


def import_typer(b: Bench) -> Command:
    return Command("python -c 'import typer'", [b.tools.python, "-c", "import typer"])


def import_sqlmodel(b: Bench) -> Command:
    return Command("python -c 'import sqlmodel'", [b.tools.python, "-c", "import sqlmodel"])


def help_(b: Bench) -> Plan:
    return Plan(
        [Command("lbc", b.lbc(None, "--help")), import_typer(b)], [times("python -c 'import typer'", 2)], b.runs
    )


def version(b: Bench) -> Plan:
    return Plan(
        [Command("lbc", b.lbc(None, "--version")), import_typer(b)], [times("python -c 'import typer'", 2)], b.runs
    )


def enroll(b: Bench) -> Plan:
    db = b.one_row_db
    _child, village = b.active_child

    def argv(run: int) -> list[str]:
        return b.lbc(
            db, "enroll", f"基准测试{run}", "--gender", "F", "--birth", "2015-03-04", "--village", village, "--force"
        )

    lbc = Command("lbc", argv)
    return Plan([lbc, import_sqlmodel(b)], [times("python -c 'import sqlmodel'", 1.25)], b.runs)


def log_contact(b: Bench) -> Plan:
    db = b.one_row_db
    child, _village = b.active_child
    lbc = Command("lbc", b.lbc(db, "log-contact", str(child), "--kind", "phone-call", "--date", AS_OF))
    return Plan([lbc, import_sqlmodel(b)], [times("python -c 'import sqlmodel'", 1.25)], b.runs)


# name -> (what lbc runs, plan)
WORKLOADS: dict[str, tuple[str, Callable[[Bench], Plan]]] = {
    "import_children": ("lbc import children children.csv (N rows, validated)", import_children),
    "import_contacts": ("lbc import contacts contacts.csv (10N rows, validated, foreign keys)", import_contacts),
    "export_contacts": ("lbc export contacts > file (CSV)", export_contacts),
    "remind_county": (f"lbc remind --as-of {AS_OF} --format csv", remind_county),
    "remind_township": (f"lbc remind --as-of {AS_OF} --format csv --village TOWNSHIP", remind_township),
    "remind_send": (f"lbc remind --as-of {AS_OF} --send (one json channel, a local server)", remind_send),
    "score": (f"lbc score --year {SCHOOL_YEAR} --as-of {AS_OF}", score),
    "report_summary": (f"lbc report summary --year {SUMMARY_YEAR} --as-of {AS_OF}", report_summary),
    "report_summary_docx": (
        f"lbc report summary --year {SUMMARY_YEAR} --as-of {AS_OF} --format docx --out FILE",
        report_summary_docx,
    ),
    "child_list": (f"lbc child list --format csv --as-of {AS_OF}", child_list),
    "export_children_xlsx": ("lbc export children --out FILE.xlsx (labels, a sheet for people)", export_children_xlsx),
    "help": ("lbc --help", help_),
    "version": ("lbc --version", version),
    "enroll": ("lbc enroll NAME --gender F --birth 2015-03-04 --village V --force", enroll),
    "log_contact": (f"lbc log-contact ID --kind phone-call --date {AS_OF}", log_contact),
}


# The workloads that run on PostgreSQL too (--db), and those of them whose peak memory is judged on both backends.
PG_WORKLOADS = (
    "import_children", "import_contacts", "export_contacts", "remind_county", "remind_township", "score",
    "report_summary", "child_list", "enroll", "log_contact",
)  # fmt: skip
BULK = ("import_children", "import_contacts", "export_contacts", "remind_county", "child_list")
ON_SQLITE = "lbc on SQLite"


def on_postgresql(b: Bench, name: str, plan: Plan) -> Plan:
    """The same lbc command on the PostgreSQL twin of its database, against itself on SQLite in the same runs."""
    sqlite = plan.commands[0]

    def swap(argv: Sequence[str]) -> list[str]:
        argv = [str(a) for a in argv]
        at = argv.index("--db") + 1
        return [*argv[:at], b.pg.url(b.pg_twin(argv[at])), *argv[at + 1 :]]

    argv = (lambda run: swap(sqlite.argv(run))) if callable(sqlite.argv) else swap(sqlite.argv)
    prepare, scratch_pg = None, []
    if sqlite.fresh_from is not None:
        fixed = sqlite.argv if not callable(sqlite.argv) else sqlite.argv(0)
        copy = b.pg_twin(str(fixed[list(map(str, fixed)).index("--db") + 1]))
        template = b.pg_twin(str(sqlite.fresh_from))

        def prepare() -> None:
            b.pg.create(copy, template)

        scratch_pg.append(copy)
    stdout = sqlite.stdout.with_suffix(".pg") if sqlite.stdout else None
    pg = Command("lbc on PostgreSQL", argv, stdout=stdout, prepare=prepare)
    sqlite.label = ON_SQLITE
    targets = [times(ON_SQLITE, 2)]
    if name in BULK:
        targets += [MEMORY, BaselineMemory(f"≤ {MEMORY_MIB} MiB on SQLite", ON_SQLITE)]
    return Plan([pg, sqlite], targets, plan.runs, scratch=plan.scratch, scratch_pg=scratch_pg)


GROUPS = {"imports": ("import_children", "import_contacts")}  # --only NAME for several workloads


def run_workload(b: Bench, name: str) -> tuple[Result, list[Target]]:
    plan = WORKLOADS[name][1](b)
    if b.pg_url:
        plan = on_postgresql(b, name, plan)
    progress(f"{name}: {plan.runs} run(s) of {', '.join(c.label for c in plan.commands if c.argv is not None)}")
    try:
        timings = measure(plan.commands, plan.runs, b.work)
    except BenchError as exc:
        raise BenchError(f"{name}: {exc}") from None
    finally:
        for stop in plan.stop:
            stop()
    result = Result(name, timings[0], timings[1:])
    if plan.profile:
        result.query_share = b.query_share(name, plan.profile)
    for path in plan.scratch:
        path.unlink(missing_ok=True)
    for database in plan.scratch_pg:
        b.pg.drop(database)
    return result, plan.targets


# ---- the report -----------------------------------------------------------------------------------


def seconds_text(value: float) -> str:
    return f"{value:.3f}"


def verdict(result: Result, targets: list[Target], n: int) -> str:
    """yes / no (the missed targets); the targets that cannot be judged here are named apart."""
    missed, unjudged = [], []
    for target in targets:
        met = target.met(result, n)
        if met is None:
            unjudged.append(target.text)
        elif not met:
            missed.append(target.text)
    judged = len(targets) - len(unjudged)
    text = ("no: " + "; ".join(missed)) if missed else ("yes" if judged else "—")
    if unjudged:
        text += f" (not judged: {'; '.join(unjudged)})"
    return text


def missed_any(results: list[tuple[Result, list[Target]]], n: int) -> bool:
    return any(t.met(r, n) is False for r, targets in results for t in targets)


def table(results: list[tuple[Result, list[Target]]], n: int) -> str:
    lines = [
        "| workload | lbc median s | peak MiB | baseline(s) median s (peak MiB) | ratio(s) | target | met? |",
        "|---|---:|---:|---|---|---|---|",
    ]
    for result, targets in results:
        bases, ratios = [], []
        for base in result.baselines:
            if base.missing:
                bases.append(f"{base.label}: n/a (not installed)")
                continue
            bases.append(f"{base.label}: {seconds_text(base.median)} ({base.peak_mib:.0f})")
            ratios.append(f"{result.lbc.median / base.median:.2f}× {base.label}")
        if result.query_share is not None:
            bases.append(f"— (query share {result.query_share:.0%})")
        cells = [
            f"`{result.name}`",
            seconds_text(result.lbc.median),
            f"{result.lbc.peak_mib:.0f}",
            "<br>".join(bases) or "—",
            "<br>".join(ratios) or "—",
            "; ".join(t.text for t in targets),
            verdict(result, targets, n),
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    ram = "?"
    try:
        cpuinfo = Path("/proc/cpuinfo").read_text()
        cpu = next(
            (line.split(":", 1)[1].strip() for line in cpuinfo.splitlines() if line.startswith("model name")), cpu
        )
        kib = int(re.search(r"MemTotal:\s+(\d+) kB", Path("/proc/meminfo").read_text()).group(1))
        ram = f"{kib / 1024 / 1024:.1f} GiB RAM"
    except (OSError, AttributeError, ValueError):
        pass
    load = f", load {os.getloadavg()[0]:.1f}" if hasattr(os, "getloadavg") else ""
    return f"{platform.platform()}; {cpu}; {os.cpu_count()} cores; {ram}{load}"


def header(b: Bench, names: list[str]) -> str:
    tools = b.tools
    software = (
        f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version} (lbc's), "
        f"sqlite3 CLI {tools.version([tools.sqlite3, '--version'])}, "
        f"sqlite-utils {tools.version([tools.sqlite_utils, '--version'])}, "
        f"lbc {tools.version([tools.lbc, '--version'])}"
    )
    runs = f"{b.runs} run{'s' if b.runs > 1 else ''} of each workload"
    if b.import_runs != b.runs:
        runs += f" ({b.import_runs} of the imports)"
    scale = "" if b.n == FULL_SCALE else f"; absolute time targets are for {FULL_SCALE:,} children, not judged"
    lines = [
        f"- machine: {machine()}",
        f"- date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        f"- software: {software}",
        f"- data: N = {b.n:,} children, {10 * b.n:,} contacts (gen.py seed {b.seed}); {runs}; "
        f"whole-process medians, peak = largest RSS of the runs{scale}",
    ]
    if b.pg_url:
        lines.append(
            f"- PostgreSQL {b.pg.version} (psycopg {b.pg.psycopg.__version__}): lbc on PostgreSQL against lbc on"
            " SQLite, run by run; peak memory is lbc's process, not the server's"
        )
    if len(names) < (len(PG_WORKLOADS) if b.pg_url else len(WORKLOADS)):
        lines.append(f"- workloads: {', '.join(names)} only")
    return "\n".join(lines)


def write_readme(path: Path, block: str) -> None:
    text = path.read_text(encoding="utf-8")
    start, end = text.find(START_MARK), text.find(END_MARK)
    if start < 0 or end < start:
        raise BenchError(f"{path}: no {START_MARK} … {END_MARK} block to replace")
    text = text[: start + len(START_MARK)] + "\n" + block + "\n" + text[end:]
    path.write_text(text, encoding="utf-8")


# ---- main -----------------------------------------------------------------------------------------


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Time lbc's workloads as whole processes against sqlite3, sqlite-utils and bare imports.",
        epilog="workloads:\n" + "\n".join(f"  {name:16} {what}" for name, (what, _plan) in WORKLOADS.items()),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--children", type=int, default=FULL_SCALE, metavar="N", help="county size N (default 100000)")
    parser.add_argument("--seed", type=int, default=SEED, metavar="S", help=f"gen.py seed (default {SEED})")
    parser.add_argument(
        "--runs",
        type=int,
        default=5,
        metavar="R",
        help=f"runs of each workload (default 5; imports min(R, {IMPORT_RUNS}))",
    )
    parser.add_argument(
        "--data", type=Path, metavar="DIR", help="folder of the generated CSV files (default benchmarks/data/N)"
    )
    parser.add_argument(
        "--work", type=Path, default=HERE / "out", metavar="DIR", help="scratch folder (default benchmarks/out)"
    )
    parser.add_argument(
        "--only",
        nargs="+",
        choices=[*WORKLOADS, *GROUPS],
        metavar="NAME",
        help="run these workloads only (imports: both imports)",
    )
    parser.add_argument(
        "--db",
        metavar="URL",
        help="a PostgreSQL server (postgresql+psycopg://USER@HOST:PORT/DATABASE): each database workload runs on it "
        "and on SQLite, side by side",
    )
    parser.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    parser.add_argument("--write-readme", action="store_true", help="put the results in the README's results block")
    parser.add_argument(
        "--readme", type=Path, default=README, metavar="FILE", help="the README to write (default benchmarks/README.md)"
    )
    args = parser.parse_args(argv)
    if args.db is not None and not args.db.startswith("postgresql"):
        parser.error("--db takes a PostgreSQL URL (postgresql+psycopg://…); SQLite is always measured")
    if args.children < 1 or args.runs < 1:
        parser.error("--children and --runs must be at least 1")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    names = [w for name in args.only or list(WORKLOADS) for w in GROUPS.get(name, (name,))]
    if args.db:
        names = [name for name in names if name in PG_WORKLOADS]
    names = list(dict.fromkeys(names))
    try:
        args.work.mkdir(parents=True, exist_ok=True)
        bench = Bench(args)
        results = [run_workload(bench, name) for name in names]
        report = header(bench, names) + "\n\n" + table(results, bench.n)
        sys.stdout.write(report + "\n")
        if args.write_readme:
            write_readme(args.readme, report)
            progress(f"results written to {args.readme}")
    except BenchError as exc:
        sys.stderr.write(f"run.py: {exc}\n")
        return 2
    return 1 if args.check and missed_any(results, bench.n) else 0


if __name__ == "__main__":
    sys.exit(main())
