"""Shared fixtures: a temp database and an in-process `lbc` runner with stdout and stderr apart.

The backend under test is SQLite (a file per test) unless ``LBC_TEST_PG`` names a PostgreSQL server
(``postgresql+psycopg://USER@HOST:PORT/DBNAME``, a role that may CREATE DATABASE; ``.ci/pg start``
makes one): then every database a test uses is a PostgreSQL database of its own, made from a
template (``CREATE DATABASE ... TEMPLATE``) and dropped when the test ends. A database is then
named by its URL where it is a file path on SQLite; ``copy_db``, ``new_target``, ``new_db``,
``rows`` and ``execute`` take and give either. Tests about the SQLite file itself are marked
``sqlite_only("why")`` and skipped on PostgreSQL with that reason.
"""

import itertools
import os
import sqlite3
import subprocess
import time
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from lbc_cli import i18n
from lbc_cli.cli import main

# the commands imported here: their help texts in the language of the run, not in that of the first test
from lbc_cli.cli.root import app  # noqa: F401

PG_URL = os.environ.get("LBC_TEST_PG") or None
ON_PG = PG_URL is not None
BACKEND = "postgresql" if ON_PG else "sqlite"


@dataclass
class Result:
    code: int
    out: str
    err: str


@pytest.fixture(autouse=True)
def _english(monkeypatch):
    """Tests read English messages unless they ask for --lang zh."""
    monkeypatch.setenv("LBC_LANG", "en")
    monkeypatch.delenv("LBC_DB", raising=False)
    monkeypatch.delenv("LBC_TEMPLATES", raising=False)
    i18n.set_lang("en")
    yield
    i18n.set_lang("en")


@pytest.fixture
def run(capsys):
    """run("child", "list", db=path) -> Result(code, out, err); db=None leaves --db off."""

    def invoke(*args: str, db: Path | str | None = None) -> Result:
        argv = [str(a) for a in args]
        if db is not None:
            argv = ["--db", str(db), *argv]
        capsys.readouterr()
        code = main(argv)
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    return invoke


# ---- the backend: SQLite files, or databases on a PostgreSQL server -----------------------------------------------


def is_url(target) -> bool:
    return "://" in str(target)


class _Postgres:
    """The server of LBC_TEST_PG: creates and drops this run's databases, and reads them for ``rows``.

    Every database is named ``lbc_<pid>_<n>``, numbers spelt in letters (a test that looks for a phone's digits
    in a message naming the database must not find them there); those made while a test runs are dropped
    when it ends, those made by session- and module-scoped fixtures (templates) when the run ends."""

    def __init__(self, url: str):
        import psycopg
        from sqlalchemy.engine import make_url

        self.url = make_url(url)
        if self.url.drivername == "postgresql":
            self.url = self.url.set(drivername="postgresql+psycopg")
        self.admin = psycopg.connect(self.conninfo(self.url.database), autocommit=True)
        self.prefix = f"lbc_{_letters(os.getpid())}_"
        self.numbers = itertools.count()
        self.scopes: list[list[str]] = [[]]  # the run's databases, then the running test's
        self.readers: dict[str, object] = {}  # database name -> the connection rows() reads with
        # a small template is copied fastest file by file (PostgreSQL 15's default logs every page)
        self.strategy = " STRATEGY FILE_COPY" if self.admin.info.server_version >= 150000 else ""

    def conninfo(self, name: str) -> str:
        return self.url.set(drivername="postgresql", database=name).render_as_string(hide_password=False)

    def target(self, name: str) -> str:
        return self.url.set(database=name).render_as_string(hide_password=False)

    @staticmethod
    def name_of(target) -> str:
        from sqlalchemy.engine import make_url

        return make_url(str(target)).database

    def reader(self, target):
        import psycopg

        name = self.name_of(target)
        conn = self.readers.get(name)
        if conn is None or conn.closed:
            conn = self.readers[name] = psycopg.connect(self.conninfo(name), autocommit=True)
        return conn

    def _release(self, name: str) -> None:
        """No session may stay on a database that is copied or dropped: ours closed, others ended."""
        conn = self.readers.pop(name, None)
        if conn is not None:
            conn.close()
        # client sessions of our role only (an autovacuum worker is the server's: CREATE and DROP DATABASE end it)
        self.admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()"
            " AND backend_type = 'client backend' AND usename = current_user",
            (name,),
        )

    def create(self, template: str = "template0", *, keep: bool = False, name: str | None = None) -> str:
        """A new database (a copy of ``template``); ``name``: made again under the name of one dropped."""
        import psycopg

        fresh = name is None
        name = name or f"{self.prefix}{_letters(next(self.numbers))}"
        for attempt in range(100):
            if template != "template0":
                self._release(template)
            try:
                self.admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"{self.strategy}')
                break
            except psycopg.errors.ObjectInUse:  # a terminated session not gone yet
                if attempt == 99:
                    raise
                time.sleep(0.02)
        if fresh:
            (self.scopes[0] if keep else self.scopes[-1]).append(name)
        return self.target(name)

    def drop(self, names: list[str]) -> None:
        import psycopg

        for name in names:
            # not WITH (FORCE): that needs the right to end the server's own autovacuum workers, which a
            # plain DROP ends by itself
            for attempt in range(100):
                self._release(name)
                try:
                    self.admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
                    break
                except psycopg.errors.ObjectInUse:
                    if attempt == 99:
                        raise
                    time.sleep(0.02)


def _letters(number: int) -> str:
    """0 -> 'a', 25 -> 'z', 26 -> 'ba': a number with no digit in it."""
    out = ""
    while True:
        number, digit = divmod(number, 26)
        out = chr(ord("a") + digit) + out
        if not number:
            return out


_PG = _Postgres(PG_URL) if ON_PG else None


def pytest_report_header(config):
    if _PG is not None:
        return f"lbc backend: postgresql ({_PG.url.render_as_string(hide_password=True)})"
    return "lbc backend: sqlite"


def pytest_collection_modifyitems(config, items):
    if not ON_PG:
        return
    for item in items:
        marker = item.get_closest_marker("sqlite_only")
        if marker is not None:
            why = marker.args[0] if marker.args else marker.kwargs.get("reason", "a test of the SQLite file")
            item.add_marker(pytest.mark.skip(reason=f"SQLite only: {why}"))


def pytest_sessionfinish(session, exitstatus):
    if _PG is not None:
        for scope in reversed(_PG.scopes):
            _PG.drop(scope)
        _PG.admin.close()


@pytest.fixture(autouse=True)
def _test_databases():
    """PostgreSQL: the databases a test made are dropped when it ends."""
    if _PG is None:
        yield
        return
    _PG.scopes.append([])
    try:
        yield
    finally:
        _PG.drop(_PG.scopes.pop())


def copy_db(source: Path | str, target: Path | str, *, keep: bool = False) -> Path | str:
    """A private copy of a template database; use the copy it returns.

    SQLite: the file ``target`` (SQLite's backup API: its WAL included), mode 0600. PostgreSQL: a new
    database made from ``source`` (``keep``: kept to the end of the run, not of the test), or when
    ``target`` is a database already, that database made again as a copy."""
    if is_url(source):
        if is_url(target):
            _PG.drop([_PG.name_of(target)])
            return _PG.create(_PG.name_of(source), name=_PG.name_of(target))
        return _PG.create(_PG.name_of(source), keep=keep)
    target.touch(mode=0o600)  # lbc warns about, and tightens, a database others can read
    src, dst = sqlite3.connect(source), sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        src.close()
        dst.close()
    return target


def new_target(path: Path, *, keep: bool = False) -> Path | str:
    """Where a new database goes: the file ``path`` on SQLite (not created); a new empty PostgreSQL database."""
    if _PG is None:
        return path
    return _PG.create(keep=keep)


@pytest.fixture
def new_db(tmp_path):
    """new_db(name="new.db") -> a target no database is at yet: tmp_path / name, or an empty PostgreSQL database."""

    def make(name: str = "new.db") -> Path | str:
        return new_target(tmp_path / name)

    return make


@pytest.fixture(scope="session")
def _initialised(tmp_path_factory) -> Path | str:
    """One `lbc init` (English) for the whole run; each test gets its own copy."""
    target = new_target(tmp_path_factory.mktemp("template") / "lbc.db", keep=True)
    assert main(["--db", str(target), "--lang", "en", "init"]) == 0
    return target


@pytest.fixture
def db(tmp_path, _initialised) -> Path | str:
    """A fresh, initialised database (a file on SQLite, a URL on PostgreSQL)."""
    return copy_db(_initialised, tmp_path / "lbc.db")


@pytest.fixture
def lbc(run, db):
    """run() bound to the fresh database."""

    def invoke(*args: str) -> Result:
        return run(*args, db=db)

    return invoke


def _as_sqlite(value):
    """A PostgreSQL value as SQLite returns it: dates as ISO text, booleans 0/1, whole numbers int."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, date) and not isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def _pg_sql(sql: str, params: tuple) -> tuple[str, tuple | None]:
    """SQLite's ``?`` placeholders as psycopg's ``%s`` (a literal % doubled)."""
    if not params:
        return sql, None
    return sql.replace("%", "%%").replace("?", "%s"), params


def rows(target: Path | str, sql: str, *params) -> list[tuple]:
    """Read the database directly, not through lbc (``?`` placeholders; values as SQLite gives them)."""
    if is_url(target):
        cursor = _PG.reader(target).execute(*_pg_sql(sql, params))
        return [tuple(_as_sqlite(v) for v in row) for row in cursor.fetchall()]
    conn = sqlite3.connect(target)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def last_days_by_hand(target: Path | str) -> dict[int, tuple]:
    """Each child with a contact that counts for a reminder rule and reached someone -> its last day of a call
    with a parent, of feedback, of a home visit (None: none), worked out here from the contacts (remind's
    facts should hold the same: ``last_days_in_facts``)."""
    last: dict[int, list] = {}
    found = rows(target, "SELECT child_id, kind, date, with_whom FROM contacts WHERE no_answer = ?", False)
    for child, kind, day, whom in found:
        column = {"parent-feedback": 1, "home-visit": 2}.get(kind)
        if kind in ("video-call", "phone-call"):
            column = 0 if whom == "parent" else -1
        if column is None:
            continue
        days = last.setdefault(child, [None, None, None])
        if column >= 0 and (days[column] is None or day > days[column]):
            days[column] = day
    return {child: tuple(days) for child, days in last.items() if any(days)}


def last_days_in_facts(target: Path | str, as_of: date = date(2030, 1, 1)) -> dict[int, tuple]:
    """``last_days_by_hand``'s days as remind's facts give them on ``as_of`` (each child in the programme with
    any), ISO text: read through a session (SQLAlchemy, either backend) and, on a SQLite file, on the bare
    sqlite3 connection remind reads it with, which must give the same facts."""
    from lbc_cli import reminder_facts, store
    from lbc_cli.db import Database

    database = Database(str(target)).open()
    try:
        with database.session() as session:
            found = store.reminder_facts(session=session, as_of=as_of)
        if database.path is not None:
            with database.reader() as read:
                assert reminder_facts.facts(read, "sqlite", as_of) == found
    finally:
        database.dispose()
    days = {f.id: (f.last_parent_call, f.last_feedback, f.last_visit) for f in found}
    return {child: tuple(d and d.isoformat() for d in last) for child, last in days.items() if any(last)}


def execute(target: Path | str, sql: str, *params) -> None:
    """Change the database directly, behind lbc's back (one statement, committed)."""
    if is_url(target):
        _PG.reader(target).execute(*_pg_sql(sql, params))
        return
    conn = sqlite3.connect(target)
    try:
        with conn:
            conn.execute(sql, params)
    finally:
        conn.close()


def table_names(target: Path | str) -> list[str]:
    """The database's tables, by name."""
    if is_url(target):
        sql = "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name"
    else:
        sql = "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"
    return [name for (name,) in rows(target, sql)]


def restore_backup(backup: Path) -> Path | str:
    """A backup `lbc db backup` wrote, as a database to read: the SQLite file itself, or on PostgreSQL a new
    database that pg_restore filled from the pg_dump archive."""
    if _PG is None:
        return backup
    target = _PG.create()
    conninfo = _PG.conninfo(_PG.name_of(target))
    subprocess.run(
        ["pg_restore", "--exit-on-error", "--no-owner", f"--dbname={conninfo}", str(backup)],
        check=True,
        capture_output=True,
    )
    return target


@contextmanager
def write_lock_held(target: Path | str):
    """The database's write lock held by another connection, as by another lbc writing."""
    if is_url(target):
        import psycopg

        from lbc_cli.db import PG_WRITE_LOCK

        holder = psycopg.connect(_PG.conninfo(_PG.name_of(target)))
        holder.execute("SELECT pg_advisory_xact_lock(%s)", (PG_WRITE_LOCK,))
        try:
            yield
        finally:
            holder.rollback()
            holder.close()
        return
    holder = sqlite3.connect(target, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        yield
    finally:
        holder.execute("ROLLBACK")
        holder.close()
