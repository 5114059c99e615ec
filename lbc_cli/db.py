"""The database behind a --db target: SQLite file or SQLAlchemy URL, pragmas, sessions, upgrades, backup.

Opening is careful: a file that is not an SQLite database, or an lbc database of a newer schema, is
refused (exit 3) before anything is written to it. A new SQLite file is created mode 0600, and a
database of an older schema is copied aside before it is upgraded in place. A purge's erasure of the
bytes that a reader kept from finishing is finished by the next command that opens the file.
"""

import errno
import os
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from lbc_cli import i18n, last_contacts, validate
from lbc_cli.errors import DatabaseDamaged, DatabaseError, ExitCode, LbcError

if TYPE_CHECKING:
    from sqlalchemy.engine import URL, Engine
    from sqlmodel import Session

SCHEMA_VERSION = 7  # of the tables models.py defines (here, so that opening a file needs no SQLModel)
SQLITE_MAGIC = b"SQLite format 3\x00"


def _busy_timeout(raw: str | None) -> tuple[float, str | None]:
    """LBC_BUSY_TIMEOUT's seconds (default 10), and the raw value when it is none (then 10, until a database
    is opened: which refuses it, exit 2)."""
    if raw is None or raw == "":
        return 10.0, None
    try:
        seconds = float(raw)
    except ValueError:
        return 10.0, raw
    if not 0 <= seconds <= 3600:  # NaN and infinities fail this too
        return 10.0, raw
    return seconds, None


BUSY_TIMEOUT_S, BAD_BUSY_TIMEOUT = _busy_timeout(os.environ.get("LBC_BUSY_TIMEOUT"))
# PostgreSQL: the advisory lock every lbc writer holds for its transaction (SQLite's BEGIN IMMEDIATE)
PG_WRITE_LOCK = 0x6C6263  # "lbc"
# A purge's erasure not finished yet, on SQLite: kept in the file's header (PRAGMA user_version, which lbc uses
# for nothing else), so it is read for nothing when a command opens the file, is written in the purge's own
# transaction, and travels with a copy of the pages that may still hold the erased values. 0: nothing to finish.
ERASE_REWRITE = 1  # the purge committed: the file is still to be rewritten (VACUUM) and its WAL truncated
ERASE_CHECKPOINT = 2  # rewritten, but a reader kept the old pages in the WAL: a truncating checkpoint to do


def default_target() -> str:
    from platformdirs import user_data_dir

    return str(Path(user_data_dir("lbc", appauthor=False)) / "lbc.db")


def resolve_target(target: str | None) -> str:
    return target or os.environ.get("LBC_DB") or default_target()


def is_url(target: str) -> bool:
    return "://" in target


def _quiet_sqlalchemy_log() -> None:
    """SQLAlchemy logs what it cannot tidy up on the way out to stderr, through logging's last resort: a cursor it
    cannot close when SIGTERM or Ctrl-C lands inside a fetch ("Error closing cursor" and a traceback, after which
    the command says its one line). A command says its own error, and --debug its traceback."""
    import logging

    logger = logging.getLogger("sqlalchemy")
    if not logger.handlers:
        logger.addHandler(logging.NullHandler())


def connect_sqlite(target, **options) -> sqlite3.Connection:
    """Every sqlite3 connection lbc opens: the busy timeout, and a statement that stops when the process is
    asked to (a signal handled in Python waits for the statement in C to end: a recursive view can run for
    ever). SQLite asks ``errors.stop_requested`` every 100,000 steps of its machine, a few hundred times a
    second at most."""
    from lbc_cli import errors

    connection = sqlite3.connect(target, timeout=BUSY_TIMEOUT_S, **options)
    connection.set_progress_handler(errors.stop_requested, 100_000)
    return connection


def _private_file(path: Path) -> None:
    """Create an empty file readable by its owner only (children's data: never wider than 0600)."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    os.close(fd)


class Database:
    """One --db target. ``open()`` checks and upgrades it; ``session()`` is one transaction."""

    def __init__(self, target: str):
        if BAD_BUSY_TIMEOUT is not None:
            raise LbcError(i18n.t("bad_busy_timeout", value=BAD_BUSY_TIMEOUT[:40]), ExitCode.USAGE)
        self.target = target
        self.url_mode = is_url(target)
        self.path = None if self.url_mode else Path(target).expanduser()
        if self.url_mode:
            from sqlalchemy.engine import make_url

            if _stray_at(target):  # read as it stands, a password's end would be taken for the host (and shown)
                raise LbcError(i18n.t("db_url_raw_at"), ExitCode.USAGE)
            try:
                url = make_url(target)
            except Exception:  # SQLAlchemy's ArgumentError, or a ValueError for a port that is no number
                raise LbcError(i18n.t("bad_db_url", target=_url_shown(target)), ExitCode.USAGE) from None
            if url.get_backend_name() not in ("sqlite", "postgresql", "postgres"):
                raise LbcError(i18n.t("db_backend", target=_url_shown(target)), ExitCode.USAGE)
            if target.startswith("sqlite") and "memory" not in target and url.database:
                # sqlite:///FILE is a file like any other: same checks, same 0600, same WAL
                self.path = Path(url.database).expanduser()
        self._engine: Engine | None = None
        self.upgraded_from: int | None = None
        self.created = False  # open() made the schema just now
        self.committed = False  # a write transaction of this command's was committed
        self.erasure = 0  # SQLite: ERASE_REWRITE or ERASE_CHECKPOINT when open() found a purge's erasure to finish
        self.last_contacts_current = True  # open() found last_contacts' triggers as last_contacts.py makes them

    # ---- what it is ---------------------------------------------------------------------
    @property
    def display(self) -> str:
        if self.path is not None:
            return str(self.path)
        from sqlalchemy.engine import make_url

        return _url_shown(make_url(self.target).render_as_string(hide_password=True))

    @property
    def is_sqlite(self) -> bool:
        return self.path is not None or self.target.startswith("sqlite")

    @property
    def dialect(self) -> str:
        """The SQL dialect of what ``reader`` gives: "sqlite" or "postgresql"."""
        return "sqlite" if self.is_sqlite else "postgresql"

    # ---- engine -------------------------------------------------------------------------
    @property
    def engine(self) -> "Engine":
        if self._engine is None:
            self._engine = self._make_engine()
        return self._engine

    def _make_engine(self) -> "Engine":
        from sqlalchemy import create_engine, event
        from sqlalchemy.exc import NoSuchModuleError

        _quiet_sqlalchemy_log()

        if not self.is_sqlite:
            try:
                # no pool_pre_ping: each command opens its own connections and closes them when it ends,
                # so a ping would only add a round trip to every checkout
                engine = create_engine(_with_driver(self.target), hide_parameters=True)
            except ModuleNotFoundError as exc:
                import sys

                raise DatabaseError(i18n.t("db_driver", module=exc.name, python=sys.executable)) from exc
            except NoSuchModuleError:  # foo://...: no database lbc knows
                raise LbcError(i18n.t("bad_db_url", target=_url_shown(self.target)), ExitCode.USAGE) from None
            except Exception as exc:  # a malformed URL
                raise DatabaseError(
                    i18n.t(
                        "db_unavailable", target=self.display, why=i18n.db_problem("", ("网址有误", type(exc).__name__))
                    )
                ) from exc
            if engine.dialect.name == "postgresql":

                @event.listens_for(engine, "connect")
                def _on_pg_connect(dbapi_conn, _record):
                    # No JIT compilation for lbc's sessions: a county's queries (a scan of its children with a
                    # subplan of their times out) are estimated dear and run in milliseconds, and compiling each
                    # took longer than running it (benchmarks/README.md). Set outside a transaction, so that it
                    # lasts the session (the pattern of SQLAlchemy's documentation).
                    info = getattr(dbapi_conn, "info", None)  # psycopg 3's; psycopg2 has server_version itself
                    version = getattr(info, "server_version", None) or getattr(dbapi_conn, "server_version", 0)
                    if version < 110000:  # no JIT before PostgreSQL 11
                        return
                    autocommit = dbapi_conn.autocommit
                    dbapi_conn.autocommit = True
                    with dbapi_conn.cursor() as cursor:
                        cursor.execute("SET jit = off")
                    dbapi_conn.autocommit = autocommit

                @event.listens_for(engine, "begin")
                def _on_pg_begin(conn):
                    # Writers queue as on SQLite: one transaction-level lock, waited for up to the busy
                    # timeout, so a check-then-insert (duplicates, pairings) is never raced by another writer.
                    if conn.get_execution_options().get("lbc_write", False):
                        conn.exec_driver_sql(f"SET LOCAL lock_timeout = {max(1, int(BUSY_TIMEOUT_S * 1000))}")
                        conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({PG_WRITE_LOCK})")

            return engine
        url = f"sqlite:///{self.path}" if self.path is not None else self.target
        # hide_parameters: a statement's values (a child's name, phone) never reach an error's text
        engine = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_S}, hide_parameters=True)

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_conn, _record):
            # Let SQLAlchemy, not the driver, decide when transactions begin (see the "begin" hook).
            dbapi_conn.isolation_level = None
            from lbc_cli import errors

            dbapi_conn.set_progress_handler(errors.stop_requested, 100_000)  # as connect_sqlite's
            cur = dbapi_conn.cursor()
            cur.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
            cur.execute("PRAGMA foreign_keys = ON")
            cur.execute("PRAGMA synchronous = NORMAL")
            cur.close()

        @event.listens_for(engine, "begin")
        def _on_begin(conn):
            options = conn.get_execution_options()
            if options.get("lbc_erase", False):
                # What the transaction deletes or overwrites is zeroed in the pages it writes. Per connection,
                # and off by default in SQLite itself and in many builds (Python's on Windows and macOS).
                conn.exec_driver_sql("PRAGMA secure_delete = ON")
            # A writer takes the write lock at the start, so two writers queue on the busy timeout
            # instead of one failing when it upgrades a read lock mid-transaction.
            conn.exec_driver_sql("BEGIN IMMEDIATE" if options.get("lbc_write", False) else "BEGIN")

        return engine

    # ---- opening ------------------------------------------------------------------------
    def open(self, *, create: bool = False) -> "Database":
        """Check the target, create it if asked, upgrade an older schema. Raises DatabaseError (exit 3)."""
        if self.path is not None:
            self._check_file(create)
        try:
            version = self._schema_version()
            if version is None and not create:
                raise DatabaseError(i18n.t("no_db", target=self.display))
            if version is not None:
                self._refuse_newer(version)
            # Only now is the file known to be ours (or new): tighten it and switch it to WAL.
            if self.path is not None:
                self._tighten()
                self._set_wal()
            if version is None:
                self._create_schema()
                self.created = True
            else:
                self._upgrade_if_needed(version)
                if self.upgraded_from is None and not self.last_contacts_current:
                    self.rebuild_last_contacts()
        except LbcError:
            raise
        except Exception as exc:
            raise translate(exc, self.display) from exc
        if self.erasure:
            # A purge before this command could not finish erasing (a reader held the WAL, or it was stopped):
            # try now, without waiting on anyone; if it cannot yet, the next command tries again.
            self._finish_erasure(wait=False)
        return self

    def _check_file(self, create: bool) -> None:
        path = self.path
        assert path is not None
        if not path.exists():
            if not create:
                raise DatabaseError(i18n.t("no_db", target=self.display))
            try:
                _private_file(path)
            except OSError as exc:
                raise DatabaseError(
                    i18n.t("db_unavailable", target=self.display, why=i18n.db_problem(exc.strerror))
                ) from exc
            return
        if path.is_dir():
            raise DatabaseError(i18n.t("db_is_dir", target=self.display))
        if not path.is_file():
            raise DatabaseError(i18n.t("not_a_db", target=self.display))
        try:
            with open(path, "rb") as fh:
                head = fh.read(16)
        except OSError as exc:
            raise DatabaseError(
                i18n.t("db_unavailable", target=self.display, why=i18n.db_problem(exc.strerror))
            ) from exc
        if not head and not create:
            raise DatabaseError(i18n.t("db_empty", target=self.display))
        if head and head != SQLITE_MAGIC:
            raise DatabaseError(i18n.t("not_a_db", target=self.display))

    def _tighten(self) -> None:
        """Children's data: the database file, its WAL and its shm, readable by others, are made owner-only, with
        a warning. (SQLite gives a WAL and shm it creates the file's mode: a private file has private ones.)"""
        assert self.path is not None
        tightened = []
        for path in (self.path, Path(f"{self.path}-wal"), Path(f"{self.path}-shm")):
            try:
                info = path.stat()
            except FileNotFoundError:
                continue
            if info.st_mode & 0o077 and info.st_uid == os.getuid():
                os.chmod(path, 0o600)
                tightened.append(str(path))
        if tightened:
            from lbc_cli import console

            console.warn(i18n.t("db_tightened", target=", ".join(tightened)))

    def _set_wal(self) -> None:
        """WAL lets cron read while a person writes. It is set outside any transaction, once: it persists."""
        with self._bare() as connection:
            if str(connection.execute("PRAGMA journal_mode").fetchone()[0]).lower() != "wal":
                connection.execute("PRAGMA journal_mode = WAL")

    def _schema_version(self) -> int | None:
        """The stored schema version; None for an empty database. Not ours → DatabaseError.

        A SQLite file is asked on a bare sqlite3 connection: a command that reads it with ``reader`` then
        never imports SQLAlchemy."""
        if self.path is not None:
            with self._bare() as connection:
                listed = connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
                names = {name for (name,) in listed if not name.startswith("sqlite_")}
                version = self._stored_version(names, lambda: connection.execute(_VERSION_SQL).fetchone()[0])
                if version is not None:
                    mark = connection.execute("PRAGMA user_version").fetchone()[0]
                    self.erasure = mark if mark in (ERASE_REWRITE, ERASE_CHECKPOINT) else 0
                    stored = connection.execute(last_contacts.stored_sql("sqlite")).fetchall()
                    self.last_contacts_current = last_contacts.is_current(stored, "sqlite")
            return version
        from sqlalchemy import inspect, text

        with self.engine.connect() as conn:
            names = set(inspect(conn).get_table_names())
            version = self._stored_version(names, lambda: conn.execute(text(_VERSION_SQL)).scalar())
            if version is not None:
                stored = conn.exec_driver_sql(last_contacts.stored_sql(conn.dialect.name)).all()
                self.last_contacts_current = last_contacts.is_current(stored, conn.dialect.name)
            return version

    def rebuild_last_contacts(self) -> None:
        """Work last_contacts out again from the contacts, with its triggers (last_contacts.rebuild): at open,
        when the triggers the database holds are not the ones this lbc makes; and by ``db check --repair``."""
        with self.engine.execution_options(lbc_write=True).begin() as conn:
            last_contacts.rebuild(conn)
        self.last_contacts_current = True

    def _stored_version(self, names: set[str], read: Callable[[], int | None]) -> int | None:
        if not names:
            return None
        if "schema_version" not in names:
            raise DatabaseError(i18n.t("not_a_db", target=self.display))
        version = read()
        if version is None:
            raise DatabaseError(i18n.t("not_a_db", target=self.display))
        return int(version)

    @contextmanager
    def _bare(self) -> Iterator[sqlite3.Connection]:
        """A bare sqlite3 connection to the SQLite file, with lbc's busy timeout, closed after the block;
        in autocommit mode (``BEGIN`` where a transaction is wanted)."""
        assert self.path is not None
        connection = connect_sqlite(self.path, isolation_level=None)
        try:
            connection.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
            yield connection
        finally:
            connection.close()

    @contextmanager
    def reader(self) -> Iterator[Callable[[str, dict], Iterator[tuple]]]:
        """One read transaction: ``with db.reader() as rows: rows(sql, params)`` gives the rows of a SELECT with
        ``:name`` parameters, as tuples read as they are taken (each statement's rows taken before the next is
        run). A SQLite file is read on a bare sqlite3 connection (dates as ISO text), without SQLAlchemy; a
        server through an SQLAlchemy connection, a batch at a time (a server-side cursor), without the ORM:
        ``remind`` starts without importing SQLModel, or on a SQLite file SQLAlchemy (benchmarks/README.md)."""
        if self.path is None:
            from sqlalchemy.exc import SQLAlchemyError

            try:
                with self.engine.connect() as conn, conn.begin():
                    yield text_rows(conn)
            except SQLAlchemyError as exc:
                raise translate(exc, self.display) from exc
            return
        try:
            with self._bare() as connection:
                connection.execute("BEGIN")
                yield lambda sql, params: connection.execute(sql, params)
                connection.execute("COMMIT")
        except sqlite3.Error as exc:
            raise translate(exc, self.display) from exc

    @contextmanager
    def writer(self) -> Iterator[Callable[[str, list], None]]:
        """One write transaction for rows in bulk through the DB-API, without the ORM: ``with db.writer() as
        many: many(sql, rows)`` runs a statement with ``?`` (SQLite) or ``%s`` (PostgreSQL) placeholders once a
        row; committed when the block ends, rolled back on any error. A SQLite file is written on a bare sqlite3
        connection (foreign keys on, BEGIN IMMEDIATE: writers queue), without SQLAlchemy; a server through an
        SQLAlchemy connection that holds the write lock (`remind --send`'s send log)."""
        if self.path is None:
            from sqlalchemy.exc import SQLAlchemyError

            try:
                with self.engine.connect() as conn:
                    conn = conn.execution_options(lbc_write=True)
                    with conn.begin():
                        yield lambda sql, rows: conn.exec_driver_sql(sql, rows)
            except SQLAlchemyError as exc:
                raise translate(exc, self.display) from exc
            self.committed = True
            return
        try:
            with self._bare() as connection:
                connection.execute("PRAGMA foreign_keys = ON")
                connection.execute("PRAGMA synchronous = NORMAL")
                connection.execute("BEGIN IMMEDIATE")
                try:
                    yield connection.executemany
                except BaseException:
                    if connection.in_transaction:
                        connection.execute("ROLLBACK")
                    raise
                connection.execute("COMMIT")
        except sqlite3.Error as exc:
            raise translate(exc, self.display) from exc
        self.committed = True

    def _create_schema(self) -> None:
        from sqlmodel import SQLModel

        from lbc_cli import models

        with self.engine.execution_options(lbc_write=True).begin() as conn:
            SQLModel.metadata.create_all(conn)
            last_contacts.rebuild(conn)
            conn.execute(models.SchemaVersion.__table__.insert(), [_version_row(SCHEMA_VERSION)])

    def _refuse_newer(self, version: int) -> None:
        if version > SCHEMA_VERSION:
            raise DatabaseError(i18n.t("db_newer", found=version, supported=SCHEMA_VERSION))

    def _upgrade_if_needed(self, version: int) -> None:
        if version == SCHEMA_VERSION:
            return
        from sqlalchemy import text

        from lbc_cli import models

        with self.engine.execution_options(lbc_write=True).begin() as conn:
            # Under the write lock: another lbc started at the same moment may have upgraded it meanwhile
            # (then there is nothing to do, and no second backup to take, nor to take the first one's name).
            version = int(conn.execute(text(_VERSION_SQL)).scalar())
            if version >= SCHEMA_VERSION:
                return
            backup = self._upgrade_backup(version)  # read by its own connection, before any change here
            for step in range(version, SCHEMA_VERSION):
                MIGRATIONS[step](conn)
            conn.execute(models.SchemaVersion.__table__.insert(), [_version_row(SCHEMA_VERSION)])
        self.upgraded_from = version
        from lbc_cli import console

        console.info(i18n.t("db_upgraded", old=version, new=SCHEMA_VERSION, backup=backup or "-"))

    def _upgrade_backup_path(self, version: int) -> Path:
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        if self.path is None:
            return self.default_backup(f".v{version}-{stamp}")
        return self.path.with_name(f"{self.path.stem}.v{version}-{stamp}.bak{self.path.suffix}")

    def _upgrade_backup(self, version: int) -> Path | None:
        """The copy taken before an upgrade. PostgreSQL upgrades in one transaction, DDL and all, so
        without pg_dump it goes ahead with a warning: a failed upgrade leaves the database as it was."""
        if self.path is not None:
            return self.backup(self._upgrade_backup_path(version))
        if not self.is_postgresql or _pg_dump_program() is None:
            from lbc_cli import console

            console.warn(i18n.t("upgrade_no_backup"))
            return None
        return self.backup(self._upgrade_backup_path(version))

    @property
    def is_postgresql(self) -> bool:
        return not self.is_sqlite and self.target.split(":", 1)[0].split("+", 1)[0] in ("postgresql", "postgres")

    def default_backup(self, label: str) -> Path:
        """Where a backup goes when no file is named: a backups folder beside the SQLite file; for a
        database on a server, the backups folder of the user data folder (a pg_dump archive, .dump)."""
        if self.path is not None:
            folder = self.path.parent / "backups"
            name = f"{self.path.stem}{label}.db"
        else:
            from platformdirs import user_data_dir
            from sqlalchemy.engine import make_url

            folder = Path(user_data_dir("lbc", appauthor=False)) / "backups"
            name = f"{make_url(self.target).database or 'lbc'}{label}.dump"
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        return folder / name

    # ---- work ---------------------------------------------------------------------------
    @contextmanager
    def session(self, *, write: bool = False, erase: bool = False) -> Iterator["Session"]:
        """One transaction: committed when the block ends, rolled back on any error.

        ``erase``: a write that removes personal data (``child purge``). On SQLite it runs with secure delete on,
        and marks the file, in the same transaction, as holding an erasure to finish: ``erase()`` after it."""
        from sqlmodel import Session

        bind = self.engine.execution_options(lbc_write=True, lbc_erase=erase) if write or erase else self.engine
        session = Session(bind=bind, expire_on_commit=False)
        try:
            yield session
            if erase and self.path is not None:
                session.connection().exec_driver_sql(f"PRAGMA user_version = {ERASE_REWRITE}")
            session.commit()
            self.committed = self.committed or write or erase
        except LbcError:
            session.rollback()
            raise
        except Exception as exc:
            session.rollback()
            from sqlalchemy.exc import SQLAlchemyError

            if isinstance(exc, SQLAlchemyError | sqlite3.Error):
                raise translate(exc, self.display) from exc
            raise
        finally:
            session.close()

    def erase(self, tables: tuple[str, ...]) -> str | None:
        """After a purge committed (``session(erase=True)``), leave no copy of what it removed where lbc can reach.

        SQLite: the file is rewritten from its live rows (VACUUM: the free space in every page, the free pages and
        the stale copies that page splits leave, all written when secure delete may have been off, go) and the WAL
        is checkpointed and truncated. Returns None when that is done, else why it waits (a reader holds the WAL
        past the busy timeout): the next command that opens the file finishes it.
        PostgreSQL: ``tables`` are vacuumed, so the old row versions become free space; backups and WAL archives
        are beyond reach (the command says so)."""
        if self.path is not None:
            return self._finish_erasure(wait=True, rewrite=True)
        if self.is_postgresql:
            from sqlalchemy.exc import SQLAlchemyError

            try:
                with self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                    conn.exec_driver_sql("VACUUM " + ", ".join(tables))  # not in a transaction: VACUUM cannot be
            except SQLAlchemyError as exc:
                return _erase_failed(exc)
        return None

    def _finish_erasure(self, *, wait: bool, rewrite: bool = False) -> str | None:
        """The file rewritten if a purge left that to do (or ``rewrite``), then the WAL truncated; the mark in the
        header cleared when both are done. ``wait``: on other lbc writers and on readers, up to the busy timeout;
        otherwise not at all (a command opening the file is never held up: the next one tries again).
        Returns None when done, else why not."""
        try:
            with self._bare() as connection:
                if not wait:
                    connection.execute("PRAGMA busy_timeout = 0")
                connection.execute("PRAGMA secure_delete = ON")
                if rewrite or _erasure(connection) == ERASE_REWRITE:
                    connection.execute("VACUUM")
                    _mark_erasure(connection, ERASE_REWRITE, ERASE_CHECKPOINT)
                if _erasure(connection) == ERASE_CHECKPOINT:
                    busy, _frames, _copied = connection.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
                    if busy:
                        return i18n.t("erase_reader")
                    _mark_erasure(connection, ERASE_CHECKPOINT, 0)
                    connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # the header page just written, too
        except sqlite3.Error as exc:
            from lbc_cli.errors import Stopped, stop_signal

            if stop_signal is not None:  # asked to stop while it rewrote the file: the next command finishes it
                raise Stopped(stop_signal) from None
            return _erase_failed(exc)
        self.erasure = 0
        return None

    def backup(self, dest: Path) -> Path:
        """An online, consistent copy into a new 0600 file: SQLite's backup API, or for PostgreSQL a
        ``pg_dump --format=custom`` archive (restored with ``pg_restore``).

        The copy is made under a hidden temporary name and renamed into place only when complete,
        so a backup killed half-way never leaves a file that looks like a backup."""
        if self.path is None and not self.is_postgresql:
            raise LbcError(i18n.t("backup_unsupported"))
        if self.path is None and _pg_dump_program() is None:
            raise LbcError(i18n.t("backup_pg"))
        dest = Path(dest).expanduser()
        if dest.is_dir():
            raise LbcError(i18n.t("cannot_write", file=dest, why=os.strerror(21)))
        if os.path.lexists(dest):  # a file, or a link (dangling too): a backup is a new file, never put over one
            raise LbcError(i18n.t("backup_exists", file=dest))
        if not dest.parent.is_dir():  # as an export: a folder named is one that exists (the default is made)
            raise LbcError(i18n.t("cannot_write", file=dest, why=os.strerror(2)))
        from lbc_cli.io import sweep_leftovers

        sweep_leftovers(dest.parent)  # what a killed backup or export left here: whole copies, unmasked
        partial = dest.with_name(f".{dest.name}.partial-{os.getpid()}")
        try:
            _private_file(partial)
        except OSError as exc:
            raise _cannot_back_up(exc, dest) from None
        if self.path is None:
            try:
                self._pg_dump(partial, dest)
                os.replace(partial, dest)
            except OSError as exc:
                partial.unlink(missing_ok=True)
                raise _cannot_back_up(exc, dest) from None
            except BaseException:
                partial.unlink(missing_ok=True)
                raise
            return dest
        try:
            src = connect_sqlite(self.path)
            try:
                out = connect_sqlite(partial)
                try:
                    src.backup(out, pages=4096, progress=_between_steps)  # a signal is handled between steps
                    out.execute("PRAGMA journal_mode = DELETE")  # a backup is one file, whole by itself
                finally:
                    out.close()
            finally:
                src.close()
            os.replace(partial, dest)
        except BaseException as exc:  # an error, Ctrl-C or SIGTERM (errors.Stopped): no copy left behind
            for end in ("", "-journal", "-wal", "-shm"):  # the copy, and whatever SQLite may have left beside it
                Path(f"{partial}{end}").unlink(missing_ok=True)
            if isinstance(exc, OSError) or (isinstance(exc, sqlite3.Error) and _no_room(exc)):
                raise _cannot_back_up(exc, dest) from None
            if isinstance(exc, sqlite3.Error):
                raise translate(exc, self.display) from exc
            raise
        return dest

    def restore(self, source: Path, *, confirm: Callable[[], None]) -> Path:
        """Put back a backup made by ``backup`` (SPEC section 10); the copy of the database as it was before, taken
        first (as ``backup`` takes one).

        The file is checked before anything else: an lbc database (or on PostgreSQL a pg_dump archive of one),
        intact, not of a newer schema (an older one is upgraded when next opened); anything else is refused, exit 1,
        the database untouched. ``confirm`` is asked then. SQLite: the backup's pages are copied in with SQLite's
        online backup API, under the write lock, so another lbc or cron holding the file waits and then reads the
        restored data (the file is never replaced by another). PostgreSQL: ``pg_restore --clean`` of the archive,
        in one transaction."""
        source = Path(source).expanduser()
        if self.path is None and not self.is_postgresql:
            raise LbcError(i18n.t("restore_unsupported"))
        if self.path is None and _program("pg_restore") is None:
            raise LbcError(i18n.t("restore_no_pg_restore"))
        _check_restorable_file(source)
        if self.path is not None:
            from lbc_cli.io import same_file

            if same_file(str(source), str(self.path)):
                raise LbcError(i18n.t("restore_is_database", file=source))
            _check_sqlite_backup(source)
        else:
            archive_tables = _check_pg_archive(source)
        confirm()
        before = self.backup(self.default_backup("-before-restore-" + datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")))
        if self.path is not None:
            self._copy_in(source)
        else:
            self._pg_restore(source, archive_tables)
        return before

    def _copy_in(self, source: Path) -> None:
        """The pages of the SQLite file ``source`` copied over this database's, in one write transaction."""
        try:
            src = connect_sqlite(f"{source.resolve().as_uri()}?mode=ro", uri=True)
            try:
                dest = connect_sqlite(self.path)
                try:  # one step: the whole copy under one write lock, or none of it; a lock waited for no longer
                    src.backup(dest, pages=-1, progress=_waited_no_longer_than(BUSY_TIMEOUT_S))  # than the timeout
                finally:
                    dest.close()
            finally:
                src.close()
        except sqlite3.Error as exc:
            raise translate(exc, self.display) from exc
        self.last_contacts_current = False

    def _pg_restore(self, archive: Path, archive_tables: set[str]) -> None:
        """``pg_restore --clean`` of a pg_dump archive in one transaction; then the tables of lbc's schema that the
        archive did not hold (it is of an older schema) are dropped, so that its upgrade makes them anew."""
        import subprocess

        self._no_one_holding_the_tables()
        self.dispose()
        conninfo, env, password = _pg_client(self.target)
        command = [_program("pg_restore"), "--clean", "--if-exists", "--single-transaction", "--exit-on-error",
                   "--no-owner", "--no-privileges", f"--dbname={conninfo}", str(archive)]  # fmt: skip
        # A lock held by another session is waited for up to the busy timeout, as every lbc write waits; and
        # pg_restore dies with lbc (killed, it would go on restoring what the user saw stopped).
        env["PGOPTIONS"] = f"{env.get('PGOPTIONS', '')} -c lock_timeout={max(1, int(BUSY_TIMEOUT_S * 1000))}".strip()
        try:
            done = subprocess.run(command, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                                  errors="replace", check=False, preexec_fn=_dies_with_parent)  # fmt: skip
        except OSError as exc:
            raise LbcError(i18n.t("restore_failed", why=i18n.db_problem(exc.strerror))) from None
        why = _pg_client_problem(done, password)
        if why is not None:
            if "lock timeout" in why:  # another session held a table past the busy timeout: nothing restored
                raise DatabaseError(i18n.t("db_locked"))
            raise LbcError(i18n.t("restore_failed", why=i18n.db_problem(why, quote=False)))
        leftover = sorted(_lbc_tables("postgresql") - archive_tables)
        if leftover:
            with self.engine.begin() as conn:
                conn.exec_driver_sql("DROP TABLE IF EXISTS " + ", ".join(leftover) + " CASCADE")

    def _no_one_holding_the_tables(self) -> None:
        """Every lbc table taken for a moment as pg_restore --clean will take it (ACCESS EXCLUSIVE), waiting no
        longer than the busy timeout: a session holding one (a reader's open transaction too) makes the restore
        exit 3 before it starts, as pg_restore itself would wait for ever (its script sets lock_timeout to 0)."""
        from sqlalchemy import inspect

        with self.engine.begin() as conn:
            present = sorted(_lbc_tables("postgresql") & set(inspect(conn).get_table_names()))
            if not present:
                return
            conn.exec_driver_sql(f"SET LOCAL lock_timeout = {max(1, int(BUSY_TIMEOUT_S * 1000))}")
            try:
                conn.exec_driver_sql("LOCK TABLE " + ", ".join(present) + " IN ACCESS EXCLUSIVE MODE")
            except Exception as exc:
                if "lock timeout" in str(exc).lower():
                    raise DatabaseError(i18n.t("db_locked")) from None
                raise

    def _pg_dump(self, out: Path, dest: Path) -> None:
        """pg_dump's custom format into ``out``: one consistent snapshot, taken while others write.
        The password goes through the environment, never on a command line others can read."""
        import subprocess

        conninfo, env, password = _pg_client(self.target)
        try:
            done = subprocess.run(
                [_pg_dump_program(), "--format=custom", f"--file={out}", f"--dbname={conninfo}"],
                env=env,
                stdin=subprocess.DEVNULL,
                capture_output=True,
                text=True,
                errors="replace",
                check=False,
            )
        except OSError as exc:
            raise LbcError(i18n.t("backup_failed", why=i18n.db_problem(exc.strerror))) from None
        why = _pg_client_problem(done, password)
        if why is not None:
            if "no space left on device" in why.lower():  # the archive did not fit
                raise LbcError(i18n.t("backup_disk_full", file=dest))
            raise LbcError(i18n.t("backup_failed", why=why))

    def check(self) -> list[str]:
        """Problems found by the integrity and foreign-key checks (empty: sound). SQLite checks its file
        and its foreign keys; on a server, which enforces both itself, every foreign key is checked by
        query all the same (a constraint dropped or disabled by hand is found).

        A damaged SQLite file (SQLite finds it malformed, or a table of lbc's is gone) raises DatabaseDamaged
        with SQLite's own words. A purge's erasure still to finish is a problem too."""
        if not self.is_sqlite:
            return self._orphans() + self._last_contacts_differing()
        from sqlalchemy.exc import DBAPIError

        try:
            problems = self._check_sqlite()
            return problems + self._last_contacts_differing()
        except (DBAPIError, sqlite3.Error) as exc:
            raise translate(exc, self.display) from exc

    def _last_contacts_differing(self) -> list[str]:
        """last_contacts against the contacts (edited by hand, or kept by triggers that were not lbc's)."""
        with self.engine.connect() as conn:
            differing = conn.exec_driver_sql(last_contacts.disagreeing_sql()).scalar()
        return [i18n.t("check_last_contacts", n=differing)] if differing else []

    def _check_sqlite(self) -> list[str]:
        problems: list[str] = []
        with self.engine.connect() as conn:
            listed = conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE type = 'table'")
            missing = sorted(_lbc_tables(conn.dialect.name) - {name for (name,) in listed})
            lines = [f"no such table: {name}" for name in missing]  # as SQLite says it
            if not missing:
                lines = [f"no such column: {table}.{column}" for table, column in _missing_columns(conn)]
            if lines:
                raise DatabaseDamaged(
                    i18n.t("db_damaged", target=self.display, why=_damage(lines[0])), self.display, "; ".join(lines)
                )
            damage = [str(row) for (row,) in conn.exec_driver_sql("PRAGMA integrity_check") if row != "ok"]
            if damage:
                words = [line for line in damage if not line.startswith("***")] or damage
                why = _damage(words[0][:200])
                raise DatabaseDamaged(i18n.t("db_damaged", target=self.display, why=why), self.display, why, damage)
            for table, rowid, parent, _fk in conn.exec_driver_sql("PRAGMA foreign_key_check"):
                problems.append(f"{table} row {rowid}: missing {parent} row")
            problems += self._undecodable_text()
            problems += self._unreadable_values(conn)
            mark = conn.exec_driver_sql("PRAGMA user_version").scalar()
            if self.path is not None and mark in (ERASE_REWRITE, ERASE_CHECKPOINT):
                problems.append(i18n.t("check_erasure_pending"))
        return problems

    def _unreadable_values(self, conn) -> list[str]:
        """SQLite: the cells of lbc's tables holding what their column cannot (another program wrote it; SQLite
        keeps any value in any column): a date that is no date of lbc's years, a number that is no whole
        number, a yes/no that is neither. Each is named (up to 50), for the user to correct."""
        from sqlalchemy import Boolean, Date, Integer
        from sqlmodel import SQLModel

        from lbc_cli import models  # noqa: F401  (the tables)

        bad_date = (
            "typeof({c}) != 'text' OR {c} NOT GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'"
            " OR date({c}) IS NOT {c}"
            f" OR substr({{c}}, 1, 4) NOT BETWEEN '{validate.FIRST_YEAR}' AND '{validate.LAST_YEAR}'"
        )
        problems: list[str] = []
        for table in SQLModel.metadata.sorted_tables:
            for column in table.columns:
                kind = getattr(column.type, "impl_instance", column.type)
                if isinstance(kind, Date):
                    wrong = bad_date
                elif isinstance(kind, Boolean):
                    wrong = "{c} NOT IN (0, 1)"
                elif isinstance(kind, Integer) and not column.primary_key:
                    wrong = "typeof({c}) != 'integer'"
                else:
                    continue
                where = wrong.format(c=f'"{column.name}"')
                key = _row_key(table).name
                query = f'SELECT "{key}" FROM "{table.name}" WHERE "{column.name}" IS NOT NULL AND ({where}) LIMIT 50'
                for (row_id,) in conn.exec_driver_sql(query):
                    problems.append(i18n.t("check_bad_value", table=table.name, row=row_id, column=column.name))
                if len(problems) >= 50:
                    return problems
        return problems

    def _undecodable_text(self) -> list[str]:
        """SQLite: the cells of lbc's tables holding text that is not UTF-8 (another program wrote bytes SQLite
        was told were text). Every read of such a row fails, so each is named, for the user to correct."""
        from sqlalchemy import String
        from sqlmodel import SQLModel

        from lbc_cli import models  # noqa: F401  (the tables)

        problems: list[str] = []
        with self._bare() as connection:
            connection.text_factory = bytes
            for table in SQLModel.metadata.sorted_tables:
                texts = [c.name for c in table.columns if isinstance(getattr(c.type, "impl_instance", c.type), String)]
                if not texts:
                    continue
                listed = ", ".join(f'"{name}"' for name in texts)
                for row_id, *cells in connection.execute(f"SELECT id, {listed} FROM {table.name} ORDER BY id"):
                    for name, cell in zip(texts, cells, strict=True):
                        if isinstance(cell, bytes):
                            try:
                                cell.decode("utf-8")
                            except UnicodeDecodeError:
                                problems.append(i18n.t("check_not_utf8", table=table.name, row=row_id, column=name))
                    if len(problems) >= 50:
                        return problems
        return problems

    def _orphans(self) -> list[str]:
        from sqlalchemy import inspect, select
        from sqlmodel import SQLModel

        from lbc_cli import models  # noqa: F401  (the tables)

        problems: list[str] = []
        with self.engine.connect() as conn:
            present = set(inspect(conn).get_table_names())
            for table in SQLModel.metadata.sorted_tables:
                if table.name not in present:
                    problems.append(f"{table.name}: table missing")
                    continue
                for fk in table.foreign_keys:
                    parent = fk.column.table
                    if parent.name not in present:
                        continue
                    key = _row_key(table)
                    query = (
                        select(key)
                        .where(fk.parent.isnot(None), ~select(fk.column).where(fk.column == fk.parent).exists())
                        .order_by(key)
                        .limit(50)
                    )
                    for (row_id,) in conn.execute(query):
                        problems.append(f"{table.name} row {row_id}: missing {parent.name} row")
        return problems

    def dispose(self) -> None:
        if self._engine is not None:
            self._engine.dispose()


_VERSION_SQL = "SELECT MAX(version) FROM schema_version"


def _between_steps(_status, _remaining, _total) -> None:
    """The backup's progress callback: nothing to do, but a Python call where a signal's handler can run."""


def _waited_no_longer_than(seconds: float) -> Callable[[int, int, int], None]:
    """A backup's progress callback that gives up (as a busy timeout does: "database is locked") once the
    destination has been locked by another connection for ``seconds``: Python's backup retries a busy step for
    ever, and a callback that raises ends the backup with nothing copied."""
    import time

    started = time.monotonic()

    def waited(status, _remaining, _total) -> None:
        if status in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED) and time.monotonic() - started > seconds:
            raise sqlite3.OperationalError("database is locked")

    return waited


def _dies_with_parent() -> None:
    """In a child process before it runs its program (Linux): killed when lbc dies, however lbc dies."""
    import ctypes
    import signal

    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):  # not Linux: the child outlives a killed lbc, as before
        pass


def _stray_at(target: str) -> bool:
    """A server's URL with an @ (or a password's /, ? or #) not written %40: any @ but the one that ends the user
    and password, before the host. (A SQLite URL names a file, whose path may hold an @.)"""
    if target.lower().startswith("sqlite"):
        return False
    rest = target.split("://", 1)[1]
    ends = [at for at in (rest.find(mark) for mark in "/?#") if at >= 0]
    authority = rest[: min(ends, default=len(rest))]
    return authority.count("@") > 1 or "@" in rest[len(authority) :]


def _url_shown(target: str) -> str:
    """A URL as a message may show it: no password (``user:secret@host`` -> ``user:***@host``, and a
    ``?password=secret`` query as ``?password=***``)."""
    import re

    target = re.sub(r"(//[^/:@]*:)[^@/]*@", r"\1***@", target)
    return re.sub(r"(?i)([?&]password=)[^&]*", r"\1***", target)


def text_rows(executor) -> Callable[[str, dict], Iterator[tuple]]:
    """``rows(sql, params)`` for SQL text with ``:name`` parameters, run by ``executor`` (a SQLAlchemy connection
    or session); its rows read as they are taken, a batch at a time (on PostgreSQL a server-side cursor: a
    county's rows are never all in memory at once)."""
    from sqlalchemy import text

    batches = {"yield_per": 10_000}
    return lambda sql, params: iter(executor.execute(text(sql), params, execution_options=batches))


def _row_key(table):
    """The column naming a row of ``table`` in a check's finding: its id (last_contacts: the child's id)."""
    return next(iter(table.primary_key.columns))


def _missing_columns(conn) -> list[tuple[str, str]]:
    """SQLite: (table, column) of every column of lbc's schema a table of the file lacks (dropped by hand)."""
    from sqlmodel import SQLModel

    from lbc_cli import models  # noqa: F401  (the tables)

    missing = []
    for table in SQLModel.metadata.sorted_tables:
        present = {row[1] for row in conn.exec_driver_sql(f'PRAGMA table_info("{table.name}")')}
        missing += [(table.name, column.name) for column in table.columns if column.name not in present]
    return missing


def _lbc_tables(dialect: str) -> set[str]:
    """The names of the tables an lbc database of this schema holds."""
    from sqlmodel import SQLModel

    from lbc_cli import models  # noqa: F401  (the tables)

    return {table.name for table in SQLModel.metadata.sorted_tables}


def _with_driver(target: str) -> str:
    """postgresql:// (or postgres://) with no driver named means psycopg 3, the driver lbc's postgres extra installs
    (SQLAlchemy's own default is psycopg2, and it does not know postgres:// at all)."""
    scheme, sep, rest = target.partition("://")
    if scheme in ("postgresql", "postgres"):
        return f"postgresql+psycopg{sep}{rest}"
    return target


def url_without_password(target: str) -> tuple["URL", str | None]:
    """(the URL of ``target`` with no password in it, the password or None): libpq takes one from the URL's user
    part and from its ``password`` parameter, so both are taken out. For a URL that others may see: a crontab
    line, pg_dump's command line."""
    from sqlalchemy.engine import URL, make_url

    url = make_url(target)
    password = url.query.get("password", url.password)  # the parameter, where both are given, as the driver reads it
    if isinstance(password, tuple):  # given more than once: the last
        password = password[-1]
    query = {key: value for key, value in url.query.items() if key != "password"}
    plain = URL.create(url.drivername, url.username, None, url.host, url.port, url.database, query)
    return plain, None if password is None else str(password)


def _pg_client(target: str) -> tuple[str, dict, str | None]:
    """What pg_dump and pg_restore are run with for ``target``: (its connection string without the password, the
    environment, which carries the password, the password). Never on a command line others can read."""
    plain, password = url_without_password(target)
    env = dict(os.environ)
    if password is not None:
        env["PGPASSWORD"] = password
    return plain.set(drivername="postgresql").render_as_string(hide_password=False), env, password


def _pg_client_problem(done, password: str | None) -> str | None:
    """Why pg_dump or pg_restore (``done``: its finished process) failed: the last line it wrote to stderr (at most
    300 characters; its exit status without one), the password masked; None when it succeeded."""
    if done.returncode == 0:
        return None
    lines = [line.strip() for line in done.stderr.splitlines() if line.strip()]
    why = lines[-1][:300] if lines else f"exit status {done.returncode}"
    return why.replace(password, "***") if password else why


def _pg_dump_program() -> str | None:
    return _program("pg_dump")


def _program(name: str) -> str | None:
    import shutil

    return shutil.which(name)


# The tables every lbc database has held since schema 1: a file without them is no lbc database.
_FIRST_TABLES = {"schema_version", "children", "helpers", "pairings", "contacts", "exams", "settings", "audit_log"}


def _check_restorable_file(source: Path) -> None:
    """A backup to restore is a file that exists and can be read (not a folder, a device such as /dev/zero, nor a
    FIFO, which would hang the check)."""
    import stat

    try:
        info = os.stat(source)
    except FileNotFoundError:
        raise LbcError(i18n.t("restore_missing", file=source)) from None
    except OSError as exc:
        raise LbcError(i18n.t("cannot_read", file=source, why=i18n.db_problem(exc.strerror))) from None
    if stat.S_ISDIR(info.st_mode):
        raise LbcError(i18n.t("restore_not_lbc", file=source))
    if not stat.S_ISREG(info.st_mode):
        raise LbcError(i18n.t("restore_not_lbc", file=source))
    try:
        with open(source, "rb") as fh:
            fh.read(1)
    except OSError as exc:
        raise LbcError(i18n.t("cannot_read", file=source, why=i18n.db_problem(exc.strerror))) from None


def _check_sqlite_backup(source: Path) -> None:
    """An intact lbc database of this schema or an older one, read without writing to it; else refused (exit 1)."""
    with open(source, "rb") as fh:
        if fh.read(16) != SQLITE_MAGIC:
            raise LbcError(i18n.t("restore_not_lbc", file=source))
    try:
        connection = connect_sqlite(f"{source.resolve().as_uri()}?mode=ro", uri=True)
        try:
            damage = [str(row) for (row,) in connection.execute("PRAGMA integrity_check") if row != "ok"]
            damage += [f"{table} {row}: {parent}" for table, row, parent, _fk in connection.execute(
                "PRAGMA foreign_key_check")]  # fmt: skip
            if damage:
                raise LbcError(i18n.t("restore_damaged", file=source, why=_damage(damage[0][:200])))
            listed = connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
            if not _FIRST_TABLES <= {name for (name,) in listed}:
                raise LbcError(i18n.t("restore_not_lbc", file=source))
            version = connection.execute(_VERSION_SQL).fetchone()[0]
        finally:
            connection.close()
    except sqlite3.Error as exc:
        said = str(exc).lower()
        if "malformed" in said or "corrupt" in said:
            raise LbcError(i18n.t("restore_damaged", file=source, why=_damage(str(exc)[:200]))) from None
        raise LbcError(i18n.t("restore_not_lbc", file=source)) from None
    _check_restored_version(source, version)


def _check_restored_version(source: Path, version) -> None:
    if not isinstance(version, int) or version < 1:
        raise LbcError(i18n.t("restore_not_lbc", file=source))
    if version > SCHEMA_VERSION:
        raise LbcError(i18n.t("restore_newer", file=source, found=version, supported=SCHEMA_VERSION))


def _check_pg_archive(source: Path) -> set[str]:
    """A pg_dump archive (custom format) of an lbc database of this schema or an older one: pg_restore reads its
    table of contents and the rows of schema_version. The tables it holds."""
    import subprocess

    with open(source, "rb") as fh:
        if fh.read(5) != b"PGDMP":
            raise LbcError(i18n.t("restore_not_lbc", file=source))

    def pg_restore(*args: str) -> str:
        done = subprocess.run([_program("pg_restore"), *args, str(source)], stdin=subprocess.DEVNULL,
                              capture_output=True, text=True, errors="replace", check=False)  # fmt: skip
        if done.returncode != 0:
            lines = [line.strip() for line in done.stderr.splitlines() if line.strip()]
            raise LbcError(i18n.t("restore_damaged", file=source, why=_damage((lines[-1] if lines else "?")[:200])))
        return done.stdout

    tables = set()
    for line in pg_restore("--list").splitlines():
        words = line.split()
        if not line.startswith(";") and "TABLE" in words and "DATA" not in words:
            at = words.index("TABLE")
            if len(words) > at + 2:
                tables.add(words[at + 2])
    if not _FIRST_TABLES <= tables:
        raise LbcError(i18n.t("restore_not_lbc", file=source))
    versions, copying = [], False
    for line in pg_restore("--data-only", "--table=schema_version", "--file=-").splitlines():
        if line.startswith("COPY ") and "schema_version" in line:
            columns = [c.strip() for c in line[line.index("(") + 1 : line.index(")")].split(",")]
            copying = "version" in columns
            at = columns.index("version") if copying else 0
            continue
        if copying and line == "\\.":
            break
        if copying:
            cells = line.split("\t")
            versions.append(int(cells[at]) if len(cells) > at and cells[at].isdigit() else 0)
    _check_restored_version(source, max(versions) if versions else None)
    return tables


def sync_sequences(connection, table: str) -> None:
    """After rows were inserted with their own ids: on PostgreSQL move the table's id sequence past
    them, so the next insert does not collide, never back (an id deleted stays used: models.NEVER_REUSED_TABLES).
    SQLite needs nothing (it takes MAX(id) + 1, or, declared AUTOINCREMENT, follows the ids written)."""
    if connection.dialect.name != "postgresql":
        return
    from sqlalchemy import text

    sequence = f"pg_get_serial_sequence('{table}', 'id')"
    connection.execute(
        text(
            f"SELECT setval({sequence}, GREATEST(COALESCE((SELECT MAX(id) FROM {table}), 1),"
            f" COALESCE(pg_sequence_last_value({sequence}::regclass), 1)))"
        )
    )


def _version_row(version: int) -> dict:
    from lbc_cli import models

    return {"uid": models.new_uid(), "version": version, "applied_at": models.utc_now()}


def _to_schema_2(conn) -> None:
    """1 -> 2, for remind: the pairings' child index also holds the start date and the helper, so that each
    child's helpers in force are read from the index alone. (Schema 2 also added SQLite's last_contacts,
    which schema 4 dropped: it is not made here.)"""
    conn.exec_driver_sql("DROP INDEX IF EXISTS ix_pairings_child")
    conn.exec_driver_sql("CREATE INDEX ix_pairings_child ON pairings (child_id, end_date, start_date, helper_id)")


def _to_schema_3(conn) -> None:
    """2 -> 3: the schedule items `lbc init` seeded carry one uid whatever the language that made the file
    (before, a file made under LANG=C and a Chinese one held each item under two uids, and a merge of the two
    doubled the schedule). Each seeded item takes its language-free uid and the plan's own text (shown in the
    session's language); a second copy of one, left by such a merge, goes."""
    from sqlalchemy import text

    kept: dict[tuple[int, int], int] = {}
    for item_id, uid in conn.execute(text("SELECT id, uid FROM schedule_items ORDER BY id")).all():
        seeded = i18n.seeded_schedule_item(uid)
        if seeded is None:
            continue
        if seeded in kept:
            conn.execute(text("DELETE FROM schedule_items WHERE id = :id"), {"id": item_id})
        else:
            kept[seeded] = item_id
    for (month, position), item_id in kept.items():
        conn.execute(
            text("UPDATE schedule_items SET uid = :uid, text = :text WHERE id = :id"),
            {
                "uid": i18n.seeded_schedule_uid(month, position),
                "text": i18n.SCHEDULE[month][position - 1][0],
                "id": item_id,
            },
        )


def _to_schema_4(conn) -> None:
    """3 -> 4: SQLite's last_contacts (each child's last contacts of the kinds the reminder rules count, kept
    by triggers on contacts) goes, with its triggers: remind reads the last contacts from the contacts'
    covering index (conditions.last_contact), on both backends, so no second copy of them can go stale."""
    if conn.dialect.name == "sqlite":
        for trigger in ("last_contacts_added", "last_contacts_removed", "last_contacts_changed"):
            conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {trigger}")
        conn.exec_driver_sql("DROP TABLE IF EXISTS last_contacts")


def _to_schema_5(conn) -> None:
    """4 -> 5: last_contacts, each child's last day of each contact a reminder rule counts, derived from the
    contacts and kept by triggers (lbc_cli/last_contacts.py), on both backends: remind reads it instead of
    three seeks in the contacts a child."""
    last_contacts.rebuild(conn)


def _to_schema_6(conn) -> None:
    """5 -> 6: the corrections of SPEC section 10 (each part's own step)."""
    _to_schema_6_fix(conn)
    _to_schema_6_refuse(conn)
    _to_schema_6_time(conn)  # before names: inactive_on comes before name_variants in helpers
    _to_schema_6_names(conn)
    _to_schema_6_ids(conn)  # last: the tables' text as a new file has it, after the columns the others add


def _to_schema_6_fix(conn) -> None:
    """The audit log keeps the reason a correction was made for (``--reason``). On SQLite the table is made anew
    and its rows copied in, so that it reads as a new database's (an added column would stay in SQLite's text of
    the table as ALTER wrote it); on PostgreSQL the column is added."""
    from sqlalchemy import inspect

    from lbc_cli import models

    if "reason" in {column["name"] for column in inspect(conn).get_columns("audit_log")}:
        return  # a database set back to an older version by hand: its tables are already the new ones
    if conn.dialect.name != "sqlite":
        conn.exec_driver_sql("ALTER TABLE audit_log ADD COLUMN reason VARCHAR")
        return
    kept = "id, uid, at, os_user, command, table_name, row_id, action, old_values, new_values"
    conn.exec_driver_sql("DROP INDEX IF EXISTS ix_audit_row")
    conn.exec_driver_sql("ALTER TABLE audit_log RENAME TO audit_log_v5")
    models.AuditEntry.__table__.create(conn)
    conn.exec_driver_sql(f"INSERT INTO audit_log ({kept}) SELECT {kept} FROM audit_log_v5 ORDER BY id")
    conn.exec_driver_sql("DROP TABLE audit_log_v5")


def _to_schema_6_refuse(conn) -> None:
    """5 -> 6, purged children: a child whose personal data was erased (``lbc child purge``, an entry of action
    purge in the audit log) takes the status ``purged`` (it was ``exited``), which keeps it out of lists,
    exports and duplicate checks; its exit reason and date stay."""
    from sqlalchemy import text

    conn.execute(
        text(
            "UPDATE children SET status = 'purged' WHERE id IN"
            " (SELECT row_id FROM audit_log WHERE table_name = 'children' AND action = 'purge')"
        )
    )


def _to_schema_6_time(conn) -> None:
    """A child's times out of the programme as rows of their own (exits), one for each child exited now; a
    helper's inactive_on. A helper already inactive takes the day its last pairing ended, when every one has
    ended (else none: inactive since a day not known)."""
    from sqlalchemy import inspect, text

    from lbc_cli import models

    models.Exit.__table__.create(conn, checkfirst=True)  # (each step can run again on what it made)
    if "inactive_on" not in {column["name"] for column in inspect(conn).get_columns("helpers")}:
        conn.exec_driver_sql("ALTER TABLE helpers ADD COLUMN inactive_on DATE")
    exited = conn.execute(
        text(
            "SELECT id, exit_date, exit_reason FROM children WHERE status <> 'active' AND exit_date IS NOT NULL"
            " AND NOT EXISTS (SELECT 1 FROM exits WHERE exits.child_id = children.id) ORDER BY id"
        )
    ).all()
    rows = [
        {"uid": models.new_uid(), "child_id": child_id, "exit_date": day, "exit_reason": reason}
        for child_id, day, reason in exited
    ]
    if rows:
        conn.execute(
            text(
                "INSERT INTO exits (uid, child_id, exit_date, exit_reason)"
                " VALUES (:uid, :child_id, :exit_date, :exit_reason)"
            ),
            rows,
        )
    conn.execute(
        text(
            "UPDATE helpers SET inactive_on = (SELECT max(end_date) FROM pairings WHERE helper_id = helpers.id)"
            " WHERE active = false AND inactive_on IS NULL"
            " AND EXISTS (SELECT 1 FROM pairings WHERE helper_id = helpers.id)"
            " AND NOT EXISTS (SELECT 1 FROM pairings WHERE helper_id = helpers.id AND end_date IS NULL)"
        )
    )


def _to_schema_6_names(conn) -> None:
    """Names read as a person reads them (issue 20 item 9): every child's and helper's pinyin worked out again (the
    surname's own reading, the given name phrase by phrase), with name_variants, the keys of the other readings that
    a lookup by initials also finds. A purged child's name ("#id") keeps its empty keys."""
    from sqlalchemy import inspect, text

    from lbc_cli import pinyin

    for table in ("children", "helpers"):
        added = "name_variants" not in {c["name"] for c in inspect(conn).get_columns(table)}
        if added:  # (a file that has it already: a test's, its version set back)
            conn.exec_driver_sql(f"ALTER TABLE {table} ADD COLUMN name_variants VARCHAR NOT NULL DEFAULT ''")
            conn.exec_driver_sql(f"UPDATE {table} SET name_variants = ''")  # every row holds the column itself
        names = [name for (name,) in conn.execute(text(f"SELECT DISTINCT name FROM {table}")).all()]
        changed = [{"name": name, **pinyin.derived(name)} for name in names if name and not name.startswith("#")]
        if changed:
            conn.execute(
                text(
                    f"UPDATE {table} SET name_pinyin = :name_pinyin, name_initials = :name_initials,"
                    " name_variants = :name_variants WHERE name = :name"
                ),
                changed,
            )
        if added:
            _as_created(conn, table)


def _to_schema_6_ids(conn) -> None:
    """An id once given is never given again (models.NEVER_REUSED_TABLES: the tables lbc deletes rows of). SQLite
    gives a deleted highest id again unless the table is declared AUTOINCREMENT; the declaration changes only how
    the next id is chosen (the rows' layout is the same), so each table's text is put back as a new file declares
    it (``_as_created``) instead of copying millions of contacts, and sqlite_sequence (made by a table declared so,
    made and dropped) starts each table after the highest id it ever held: its rows' and the audit log's, so an
    id deleted before the upgrade is not given again either. PostgreSQL's sequences never go back: nothing to do."""
    from sqlalchemy import text

    from lbc_cli import models

    if conn.dialect.name != "sqlite":
        return
    conn.exec_driver_sql("CREATE TABLE lbc_sequence_maker (id INTEGER PRIMARY KEY AUTOINCREMENT)")
    conn.exec_driver_sql("DROP TABLE lbc_sequence_maker")
    for table in models.NEVER_REUSED_TABLES[:6]:  # schema 6's (channels came with schema 7, declared so)
        _declared_as_created(conn, table)
        highest = conn.execute(
            text(
                f"SELECT max(coalesce((SELECT max(id) FROM {table}), 0),"
                " coalesce((SELECT max(row_id) FROM audit_log WHERE table_name = :table), 0))"
            ),
            {"table": table},
        ).scalar()
        conn.execute(text("DELETE FROM sqlite_sequence WHERE name = :table"), {"table": table})
        if highest:
            conn.execute(
                text("INSERT INTO sqlite_sequence (name, seq) VALUES (:table, :seq)"), {"table": table, "seq": highest}
            )


def _to_schema_7(conn) -> None:
    """6 -> 7: the channels `lbc remind --send` posts to, and the send log of what each was sent (SPEC section 12)."""
    from lbc_cli import models

    models.Channel.__table__.create(conn, checkfirst=True)
    models.SentReminder.__table__.create(conn, checkfirst=True)


def _as_created(conn, table: str) -> None:
    """A table that gained its last column by ALTER TABLE, declared as `lbc init` declares it (no default: every row
    holds a value). SQLite keeps the table's CREATE text, ALTER TABLE's addition appended; the text is put back as a
    new file has it (its rows are laid out the same: the column is the last one), through writable_schema, the
    schema's version moved on so that every connection reads it again."""
    if conn.dialect.name != "sqlite":
        conn.exec_driver_sql(f"ALTER TABLE {table} ALTER COLUMN name_variants DROP DEFAULT")
        return
    _declared_as_created(conn, table)


def _declared_as_created(conn, table: str) -> None:
    """SQLite: the table's CREATE text put back as a new file has it (models.py), through writable_schema."""
    from sqlalchemy import text
    from sqlalchemy.schema import CreateTable

    from lbc_cli import models

    created = str(CreateTable(models.SQLModel.metadata.tables[table]).compile(dialect=conn.dialect)).strip()
    version = conn.exec_driver_sql("PRAGMA schema_version").scalar()
    conn.exec_driver_sql("PRAGMA writable_schema = ON")
    try:
        conn.execute(
            text("UPDATE sqlite_master SET sql = :sql WHERE type = 'table' AND name = :name"),
            {"sql": created, "name": table},
        )
        conn.exec_driver_sql(f"PRAGMA schema_version = {int(version) + 1}")
    finally:
        conn.exec_driver_sql("PRAGMA writable_schema = OFF")


# Schema version N -> function upgrading a connection from N to N+1. Version 1 is the first release.
MIGRATIONS: dict = {
    1: _to_schema_2, 2: _to_schema_3, 3: _to_schema_4, 4: _to_schema_5, 5: _to_schema_6, 6: _to_schema_7,
}  # fmt: skip


def _no_room(exc: BaseException) -> bool:
    """A write failed for want of room: a full disk, a quota, a file-size limit (SQLite says SQLITE_FULL)."""
    if isinstance(exc, OSError):
        return exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG)
    return "database or disk is full" in str(exc).lower()


def _cannot_back_up(exc: BaseException, dest: Path) -> LbcError:
    """Why a backup could not be written, as one line: a full disk said as such (exit 1 either way)."""
    if _no_room(exc):
        return LbcError(i18n.t("backup_disk_full", file=dest))
    return LbcError(i18n.t("cannot_write", file=dest, why=getattr(exc, "strerror", None) or exc))


def _erase_failed(exc: BaseException) -> str:
    """Why the erasure after a purge could not be done: a full disk (VACUUM needs room for a copy of the file
    and its WAL), or the database's own words."""
    said = str(getattr(exc, "orig", exc)).strip()
    if _no_room(getattr(exc, "orig", exc)) or "no space left on device" in said.lower():
        return i18n.t("erase_no_room")
    return said.splitlines()[0][:200] if said else type(exc).__name__


def _erasure(connection: sqlite3.Connection) -> int:
    return connection.execute("PRAGMA user_version").fetchone()[0]


def _mark_erasure(connection: sqlite3.Connection, was: int, now: int) -> None:
    """The erasure's mark moved on from ``was`` to ``now``, unless another purge moved it meanwhile."""
    connection.execute("BEGIN IMMEDIATE")  # outside the try: a BEGIN that failed has nothing to roll back
    try:
        if _erasure(connection) == was:
            connection.execute(f"PRAGMA user_version = {now}")
        connection.execute("COMMIT")
    except BaseException:
        connection.execute("ROLLBACK")
        raise


def is_driver_error(exc: BaseException) -> bool:
    """An error raised by a database driver (sqlite3, or one SQLAlchemy wraps); SQLAlchemy is never imported
    just to ask."""
    import sys

    if isinstance(exc, sqlite3.Error):
        return True
    return "sqlalchemy.exc" in sys.modules and isinstance(exc, sys.modules["sqlalchemy.exc"].DBAPIError)


def known_problem(exc: BaseException, target: str) -> LbcError | None:
    """A database driver error whose cause is known from its text, as the one-line refusal a user reads: a full
    disk (exit 1, nothing written), a damaged file, a file that is no database, the lock waited for in vain (3).
    None for any other error."""
    if isinstance(getattr(exc, "orig", exc), UnicodeDecodeError):
        return DatabaseError(i18n.t("not_a_db", target=target))  # damaged text in the schema or a row
    said = str(getattr(exc, "orig", exc)).strip()
    text = said.lower()
    # SQLITE_FULL (a full disk, a quota, or the file's page limit); PostgreSQL's "could not extend file ...:
    # No space left on device" (disk_full, 53100)
    if "database or disk is full" in text or "no space left on device" in text:
        return LbcError(i18n.t("disk_full", target=target), ExitCode.REFUSED)
    # SQLITE_CORRUPT; a table of lbc's schema dropped behind its back (SQLite's own words, which name only tables)
    if "malformed" in text or text.startswith(("no such table:", "no such column:")):
        why = _damage(said.splitlines()[0][:200])
        return DatabaseDamaged(i18n.t("db_damaged", target=target, why=why), target, why)
    if "locked" in text or "busy" in text or "lock timeout" in text:  # the last: PostgreSQL's lock_timeout
        return DatabaseError(i18n.t("db_locked"))
    if "not a database" in text or "file is encrypted" in text:
        return DatabaseError(i18n.t("not_a_db", target=target))
    if "could not decode to utf-8" in text:  # a cell another program wrote as text that is not UTF-8
        column = said.split("'")[1] if said.count("'") >= 2 else ""
        column = column if column.isidentifier() else "-"  # an expression's text (an export's printf) names none
        return DatabaseError(i18n.t("db_not_utf8", target=target, column=column))
    if "readonly database" in text or "read-only file system" in text:
        return DatabaseError(i18n.t("db_read_only", target=target))
    if "disk i/o error" in text or "unable to open database file" in text:
        return DatabaseError(i18n.t("db_io", target=target, why=i18n.db_problem(_why_io(target))))
    return None


def _damage(said: str) -> str:
    """What SQLite's check or pg_restore found wrong with a file, in the session's words."""
    return i18n.db_problem(said, ("文件内容有误", ""))


def _why_io(target: str) -> str:
    """Why SQLite could not read or write beside a file, as far as the folder tells: full, or read-only."""
    folder = os.path.dirname(os.path.abspath(target)) or "."
    try:
        space = os.statvfs(folder)
    except OSError as exc:
        return exc.strerror or "?"
    if space.f_bavail == 0 or space.f_favail == 0:
        return os.strerror(28)  # No space left on device
    if space.f_flag & os.ST_RDONLY:
        return os.strerror(30)  # Read-only file system
    if not os.access(folder, os.W_OK):
        return os.strerror(13)  # Permission denied
    return "I/O error"


def translate(exc: BaseException, target: str) -> LbcError:
    """A database driver error as the one-line refusal a user reads (no SQL, no parameters, no data)."""
    known = known_problem(exc, target)
    if known is not None:
        return known
    text = str(getattr(exc, "orig", exc)).lower()
    from sqlalchemy.exc import DBAPIError, OperationalError

    if isinstance(exc, OperationalError) or isinstance(exc, sqlite3.OperationalError):
        kind = type(getattr(exc, "orig", exc)).__name__  # a server's own text may quote the connection string
        why = i18n.db_problem(text, ("无法连接（加 --debug 查看详情）", kind), quote=False)
        return DatabaseError(i18n.t("db_unavailable", target=target, why=why))
    import re

    option = re.search(r'invalid connection option "([^"]{1,60})"', text)  # libpq's, of a URL's ?name=
    if option is not None:
        return LbcError(i18n.t("db_url_option", target=target, name=option[1]), ExitCode.USAGE)
    if "out of range" in text or "reached maximum value of sequence" in text:  # PostgreSQL's INTEGER ids
        return LbcError(i18n.t("out_of_range", largest=validate.MAX_ID))
    if "nul (0x00)" in text:  # PostgreSQL's refusal of a NUL in text (from a file lbc did not write)
        return LbcError(i18n.t("nul_text"), code=ExitCode.USAGE)
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return DatabaseError(i18n.t("db_unavailable", target=target, why=i18n.db_problem("connection lost")))
    return LbcError(i18n.t("internal", kind=type(exc).__name__))
