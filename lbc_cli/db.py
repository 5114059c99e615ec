"""The database behind a --db target: SQLite file or SQLAlchemy URL, pragmas, sessions, upgrades, backup.

Opening is careful: a file that is not an SQLite database, or an lbc database of a newer schema, is
refused (exit 3) before anything is written to it. A new SQLite file is created mode 0600, and a
database of an older schema is copied aside before it is upgraded in place.
"""

import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from lbc_cli import i18n
from lbc_cli.errors import DatabaseError, LbcError

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine
    from sqlmodel import Session

SQLITE_MAGIC = b"SQLite format 3\x00"
BUSY_TIMEOUT_S = float(os.environ.get("LBC_BUSY_TIMEOUT", "10"))


def default_target() -> str:
    from platformdirs import user_data_dir

    return str(Path(user_data_dir("lbc", appauthor=False)) / "lbc.db")


def resolve_target(target: str | None) -> str:
    return target or os.environ.get("LBC_DB") or default_target()


def is_url(target: str) -> bool:
    return "://" in target


def _private_file(path: Path) -> None:
    """Create an empty file readable by its owner only (children's data: never wider than 0600)."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    os.close(fd)


class Database:
    """One --db target. ``open()`` checks and upgrades it; ``session()`` is one transaction."""

    def __init__(self, target: str):
        self.target = target
        self.url_mode = is_url(target)
        self.path = None if self.url_mode else Path(target).expanduser()
        if self.url_mode and target.startswith("sqlite") and "memory" not in target:
            # sqlite:///FILE is a file like any other: same checks, same 0600, same WAL
            from sqlalchemy.engine import make_url

            database = make_url(target).database
            if database:
                self.path = Path(database).expanduser()
        self._engine: Engine | None = None
        self.upgraded_from: int | None = None
        self.created = False  # open() made the schema just now

    # ---- what it is ---------------------------------------------------------------------
    @property
    def display(self) -> str:
        if self.path is not None:
            return str(self.path)
        from sqlalchemy.engine import make_url

        return make_url(self.target).render_as_string(hide_password=True)

    @property
    def is_sqlite(self) -> bool:
        return self.path is not None or self.target.startswith("sqlite")

    # ---- engine -------------------------------------------------------------------------
    @property
    def engine(self) -> "Engine":
        if self._engine is None:
            self._engine = self._make_engine()
        return self._engine

    def _make_engine(self) -> "Engine":
        from sqlalchemy import create_engine, event

        if not self.is_sqlite:
            try:
                return create_engine(self.target, pool_pre_ping=True)
            except ModuleNotFoundError as exc:
                raise DatabaseError(i18n.t("db_driver", module=exc.name)) from exc
            except Exception as exc:  # a malformed URL
                raise DatabaseError(i18n.t("db_unavailable", target=self.display, why=type(exc).__name__)) from exc
        url = f"sqlite:///{self.path}" if self.path is not None else self.target
        engine = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_S})

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_conn, _record):
            # Let SQLAlchemy, not the driver, decide when transactions begin (see the "begin" hook).
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            cur.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
            cur.execute("PRAGMA foreign_keys = ON")
            cur.execute("PRAGMA synchronous = NORMAL")
            cur.close()

        @event.listens_for(engine, "begin")
        def _on_begin(conn):
            # A writer takes the write lock at the start, so two writers queue on the busy timeout
            # instead of one failing when it upgrades a read lock mid-transaction.
            write = conn.get_execution_options().get("lbc_write", False)
            conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

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
        except LbcError:
            raise
        except Exception as exc:
            raise translate(exc, self.display) from exc
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
                raise DatabaseError(i18n.t("db_unavailable", target=self.display, why=exc.strerror)) from exc
            return
        if path.is_dir():
            raise DatabaseError(i18n.t("db_is_dir", target=self.display))
        if not path.is_file():
            raise DatabaseError(i18n.t("not_a_db", target=self.display))
        try:
            with open(path, "rb") as fh:
                head = fh.read(16)
        except OSError as exc:
            raise DatabaseError(i18n.t("db_unavailable", target=self.display, why=exc.strerror)) from exc
        if not head and not create:
            raise DatabaseError(i18n.t("db_empty", target=self.display))
        if head and head != SQLITE_MAGIC:
            raise DatabaseError(i18n.t("not_a_db", target=self.display))

    def _tighten(self) -> None:
        """Children's data: a database file readable by others is made owner-only, with a warning."""
        assert self.path is not None
        info = self.path.stat()
        if info.st_mode & 0o077 and info.st_uid == os.getuid():
            os.chmod(self.path, 0o600)
            from lbc_cli import console

            console.warn(i18n.t("db_tightened", target=self.display))

    def _set_wal(self) -> None:
        """WAL lets cron read while a person writes. It is set outside any transaction, once: it persists."""
        raw = self.engine.raw_connection()
        try:
            cur = raw.cursor()
            if str(cur.execute("PRAGMA journal_mode").fetchone()[0]).lower() != "wal":
                cur.execute("PRAGMA journal_mode = WAL")
            cur.close()
        finally:
            raw.close()

    def _schema_version(self) -> int | None:
        """The stored schema version; None for an empty database. Not ours → DatabaseError."""
        from sqlalchemy import inspect, text

        with self.engine.connect() as conn:
            names = set(inspect(conn).get_table_names())
            if not names:
                return None
            if "schema_version" not in names:
                raise DatabaseError(i18n.t("not_a_db", target=self.display))
            version = conn.execute(text("SELECT MAX(version) FROM schema_version")).scalar()
            if version is None:
                raise DatabaseError(i18n.t("not_a_db", target=self.display))
            return int(version)

    def _create_schema(self) -> None:
        from sqlmodel import SQLModel

        from lbc_cli import models

        with self.engine.execution_options(lbc_write=True).begin() as conn:
            SQLModel.metadata.create_all(conn)
            conn.execute(models.SchemaVersion.__table__.insert(), [_version_row(models.SCHEMA_VERSION)])

    def _refuse_newer(self, version: int) -> None:
        from lbc_cli import models

        if version > models.SCHEMA_VERSION:
            raise DatabaseError(i18n.t("db_newer", found=version, supported=models.SCHEMA_VERSION))

    def _upgrade_if_needed(self, version: int) -> None:
        from lbc_cli import models

        if version == models.SCHEMA_VERSION:
            return
        backup = self.backup(self._upgrade_backup_path(version)) if self.path is not None else None
        with self.engine.execution_options(lbc_write=True).begin() as conn:
            for step in range(version, models.SCHEMA_VERSION):
                MIGRATIONS[step](conn)
            conn.execute(models.SchemaVersion.__table__.insert(), [_version_row(models.SCHEMA_VERSION)])
        self.upgraded_from = version
        from lbc_cli import console

        console.info(i18n.t("db_upgraded", old=version, new=models.SCHEMA_VERSION, backup=backup or "-"))

    def _upgrade_backup_path(self, version: int) -> Path:
        assert self.path is not None
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        return self.path.with_name(f"{self.path.stem}.v{version}-{stamp}.bak{self.path.suffix}")

    # ---- work ---------------------------------------------------------------------------
    @contextmanager
    def session(self, *, write: bool = False) -> Iterator["Session"]:
        """One transaction: committed when the block ends, rolled back on any error."""
        from sqlmodel import Session

        bind = self.engine.execution_options(lbc_write=True) if write else self.engine
        session = Session(bind=bind, expire_on_commit=False)
        try:
            yield session
            session.commit()
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

    def backup(self, dest: Path) -> Path:
        """An online, consistent copy (SQLite backup API) into a new 0600 file.

        The copy is made under a hidden temporary name and renamed into place only when complete,
        so a backup killed half-way never leaves a file that looks like a backup."""
        if self.path is None:
            raise LbcError(i18n.t("backup_pg"))
        dest = Path(dest).expanduser()
        if dest.exists():
            raise LbcError(i18n.t("backup_exists", file=dest))
        partial = dest.with_name(f".{dest.name}.partial-{os.getpid()}")
        try:
            _private_file(partial)
        except OSError as exc:
            raise LbcError(i18n.t("cannot_write", file=dest, why=exc.strerror)) from None
        try:
            src = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_S)
            try:
                out = sqlite3.connect(partial)
                try:
                    src.backup(out)
                    out.execute("PRAGMA journal_mode = DELETE")  # a backup is one file, whole by itself
                finally:
                    out.close()
            finally:
                src.close()
            os.replace(partial, dest)
        except (sqlite3.Error, OSError) as exc:
            partial.unlink(missing_ok=True)
            if isinstance(exc, OSError):
                raise LbcError(i18n.t("cannot_write", file=dest, why=exc.strerror)) from None
            raise translate(exc, self.display) from exc
        return dest

    def check(self) -> list[str]:
        """Problems found by SQLite's integrity and foreign-key checks (empty: sound)."""
        problems: list[str] = []
        if not self.is_sqlite:
            return problems
        with self.engine.connect() as conn:
            for (row,) in conn.exec_driver_sql("PRAGMA integrity_check"):
                if row != "ok":
                    problems.append(str(row))
            for table, rowid, parent, _fk in conn.exec_driver_sql("PRAGMA foreign_key_check"):
                problems.append(f"{table} row {rowid}: missing {parent} row")
        return problems

    def dispose(self) -> None:
        if self._engine is not None:
            self._engine.dispose()


def sync_sequences(connection, table: str) -> None:
    """After rows were inserted with their own ids: on PostgreSQL move the table's id sequence past
    them, so the next insert does not collide. SQLite needs nothing (it takes MAX(id) + 1)."""
    if connection.dialect.name != "postgresql":
        return
    from sqlalchemy import text

    connection.execute(
        text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), COALESCE((SELECT MAX(id) FROM {table}), 1))")
    )


def _version_row(version: int) -> dict:
    from lbc_cli import models

    return {"uid": models.new_uid(), "version": version, "applied_at": models.utc_now()}


# Schema version N -> function upgrading a connection from N to N+1. Version 1 is the first release.
MIGRATIONS: dict = {}


def translate(exc: BaseException, target: str) -> LbcError:
    """A database driver error as the one-line refusal a user reads (no SQL, no parameters, no data)."""
    if isinstance(getattr(exc, "orig", exc), UnicodeDecodeError):
        return DatabaseError(i18n.t("not_a_db", target=target))  # damaged text in the schema or a row
    text = str(getattr(exc, "orig", exc)).lower()
    if "locked" in text or "busy" in text:
        return DatabaseError(i18n.t("db_locked"))
    if "not a database" in text or "malformed" in text or "file is encrypted" in text:
        return DatabaseError(i18n.t("not_a_db", target=target))
    from sqlalchemy.exc import DBAPIError, OperationalError

    if isinstance(exc, OperationalError) or isinstance(exc, sqlite3.OperationalError):
        return DatabaseError(i18n.t("db_unavailable", target=target, why=type(getattr(exc, "orig", exc)).__name__))
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return DatabaseError(i18n.t("db_unavailable", target=target, why="connection lost"))
    return LbcError(i18n.t("internal", kind=type(exc).__name__))
