"""lbc merge: the rows of another lbc database (a village's file) brought into this one, by uid.

Every row carries a uid (SPEC section 8) so that files can be combined. A row of OTHER whose uid is
not here is new: it is added, keeping its id when that id is free here and taking one past both
databases' largest otherwise; the child and helper ids of its pairings, contacts and exams follow
through the map built while the children and helpers were merged. A row whose uid is here is the
same row: identical, or a conflict when a field differs. A row under another uid that is plainly the
same thing is matched too, so that a merge never makes a duplicate: a child with the same id number
(or the same name and birth date, unless their id numbers differ), a helper with the same name and
phone, an exam of the same child, year and term, a pairing of the same child and helper in force at
the same time, a setting of the same key.

OTHER's rows are checked as ``lbc import`` checks a file's rows (importer.row_checks), read as text so
that no value another tool wrote there can upset the reading: a row whose values do not parse is bad
(unless it is a child erased here: nothing of it is taken); a row that breaks a rule across its fields
is bad when the merge would write it (new, or taken with --prefer theirs), not when it is the same as
a row here or kept as this database has it. Every bad row is named and nothing is merged.

A conflict is settled by ``prefer``: "theirs" takes OTHER's values, "mine" keeps these; a child whose
personal data was erased here (``lbc child purge``) stays erased whatever OTHER holds. Everything
runs in one write transaction on this database, table by table in chunks; the caller rolls it back
for a dry run or while a conflict is unsettled, so a dry run reports exactly what the merge would do,
and a merge killed half-way leaves the database as it was. OTHER is only read (an SQLite file is
opened read-only): it is never upgraded, tightened or switched to WAL.
"""

import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

from lbc_cli import i18n
from lbc_cli.db import SCHEMA_VERSION, Database, connect_sqlite, sync_sequences, translate
from lbc_cli.errors import DatabaseError, LbcError
from lbc_cli.validate import PURGED

# Rows of OTHER read, and rows of this database looked up, at a time (an IN list stays far below
# SQLite's bound-parameter limit).
CHUNK = 400
DELETED_IDS = "SELECT DISTINCT row_id FROM audit_log WHERE table_name = :table AND action = 'delete'"

# The merge order: a row's foreign keys point to rows of tables merged before it.
ORDER = ("helpers", "children", "exits", "pairings", "contacts", "exams", "schedule_items", "settings")

# Foreign key columns -> the table whose id map they go through.
FOREIGN = {
    "pairings": {"child_id": "children", "helper_id": "helpers"},
    "contacts": {"child_id": "children", "helper_id": "helpers"},
    "exams": {"child_id": "children"},
    "exits": {"child_id": "children"},
}

# What makes a row under another uid the same record (i18n keys of the reasons).
WHY = {
    "id": "merge_why_id_number",
    "nb": "merge_why_name_birth",
    "np": "merge_why_name_phone",
    "pair": "merge_why_overlap",
    "exam": "merge_why_term",
    "exit": "merge_why_exit",
}


# ---- OTHER: opened for reading only ---------------------------------------------------------


class Source(Database):
    """The database merged from. Unlike ``Database.open()``, nothing here writes to it: an older
    schema is refused rather than upgraded, and an SQLite file is opened read-only."""

    def _make_engine(self):
        if self.path is None:
            return super()._make_engine()
        from sqlalchemy import create_engine, event
        from sqlalchemy.pool import NullPool

        uri = self._read_only_uri()

        def connect():
            return connect_sqlite(uri, uri=True, check_same_thread=False)

        engine = create_engine("sqlite://", creator=connect, poolclass=NullPool, hide_parameters=True)

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_conn, _record):
            dbapi_conn.isolation_level = None  # SQLAlchemy's "begin" below starts the one read transaction

        @event.listens_for(engine, "begin")
        def _on_begin(conn):
            conn.exec_driver_sql("BEGIN")

        return engine

    def _read_only_uri(self) -> str:
        """The file opened read-only. A file no program has open (no -wal or -journal beside it: a village's
        file sent on a USB stick) is read as immutable, so that nothing is made beside it (no -wal, no -shm at
        the sender's 0644) and a read-only medium serves; a file in use is read as SQLite shares it."""
        assert self.path is not None
        path = self.path.resolve()
        in_use = any(Path(f"{path}{tail}").exists() for tail in ("-wal", "-journal"))
        return f"file:{quote(str(path))}?mode=ro" + ("" if in_use else "&immutable=1")

    @contextmanager
    def _bare(self) -> Iterator[sqlite3.Connection]:
        """The file, read-only (``Database._bare`` would open it to write)."""
        connection = connect_sqlite(self._read_only_uri(), uri=True, isolation_level=None)
        try:
            yield connection
        finally:
            connection.close()

    def open(self, *, create: bool = False) -> "Source":

        if self.path is not None:
            if not self.path.exists():
                raise DatabaseError(i18n.t("merge_missing", file=self.display))
            if self.path.is_file() and self.path.stat().st_size == 0:
                raise DatabaseError(i18n.t("not_a_db", target=self.display))
            self._check_file(False)
        try:
            version = self._schema_version()
        except LbcError:
            raise
        except Exception as exc:
            raise translate(exc, self.display) from exc
        if version is None:
            raise DatabaseError(i18n.t("not_a_db", target=self.display))
        self._refuse_newer(version)
        if version < SCHEMA_VERSION:
            raise DatabaseError(i18n.t("merge_older", other=self.display, found=version, supported=SCHEMA_VERSION))
        self._refuse_stand_ins()
        return self

    def _refuse_stand_ins(self) -> None:
        """Each table merged from must be a table: a view standing in for one (a recursive query that never
        ends, rows made up on the fly) is no village's register."""
        from sqlalchemy import inspect

        with self.translated(), self.engine.connect() as conn:
            present = set(inspect(conn).get_table_names())
        missing = sorted(set(ORDER) - present)
        if missing:
            raise DatabaseError(i18n.t("merge_not_tables", other=self.display, tables=", ".join(missing)))

    @contextmanager
    def reading(self):
        """One read transaction over the whole merge: every table read from the same snapshot."""
        engine = self.engine
        if not self.is_sqlite:
            engine = engine.execution_options(isolation_level="REPEATABLE READ", postgresql_readonly=True)
        with self.translated():
            conn = engine.connect()
        try:
            with self.translated():
                conn.begin()
            yield conn
        finally:
            conn.close()

    @contextmanager
    def translated(self):
        """A driver error while reading OTHER, as the one-line refusal naming OTHER."""
        try:
            yield
        except LbcError:
            raise
        except Exception as exc:
            from sqlalchemy.exc import SQLAlchemyError

            if isinstance(exc, SQLAlchemyError | sqlite3.Error):
                raise translate(exc, self.display) from exc
            raise


def open_source(target: Database, other: str, *, opened: list) -> Source:
    """The database named by ``other``, opened read-only to be merged into ``target`` (merging one into itself is
    refused before it is read); put in ``opened`` first, so that its connections are closed however this ends."""
    source = Source(other)
    opened.append(source)
    if same_database(target, source):
        raise LbcError(i18n.t("merge_same", other=source.display))
    source.open()
    return source


def same_database(a: Database, b: Database) -> bool:
    """Whether two targets are one database (merging one into itself is refused before it is read)."""
    if a.path is not None and b.path is not None:
        try:
            return os.path.samefile(a.path, b.path)
        except OSError:
            return False
    return a.path is None and b.path is None and a.display == b.display


# ---- what a merge found -----------------------------------------------------------------------


@dataclass
class Tally:
    table: str
    added: int = 0
    identical: int = 0
    conflicts: int = 0
    overwritten: int = 0

    def row(self) -> dict:
        return {
            "table": self.table,
            "added": self.added,
            "identical": self.identical,
            "conflicts": self.conflicts,
            "overwritten": self.overwritten,
        }


@dataclass
class Conflict:
    """A row of OTHER that is a row here with other values."""

    table: str
    uid: str  # OTHER's uid (a setting: its key)
    who: str  # the record, as a person tells it apart: name, village, birth date...
    diffs: list[tuple[str, Any, Any]]  # (field, here, theirs)
    mine_uid: str | None = None  # the row here, when it was matched by content under another uid
    why: str | None = None  # i18n key: what made it the same record
    blocked: str | None = None  # i18n key: why --prefer theirs could not settle it
    settled: bool = False
    erased: bool = False  # the child's personal data was erased here (lbc child purge): it stays erased
    statuses: tuple = (None, None)  # a child's status here and theirs: a purged one's birth date is its year alone

    def line(self) -> str:
        """One line naming the row and every field that differs, phone and id numbers masked."""
        row = f"{self.uid} {self.who}" if self.who else self.uid
        if self.erased:  # OTHER's values are the personal data erased here: the fields are named, not shown
            fields = i18n.field_list(name for name, _mine, _theirs in self.diffs)
            return i18n.t("merge_erased", table=i18n.label("table", self.table), row=row, fields=fields)
        diffs = ("；" if i18n.lang() == "zh" else "; ").join(
            i18n.t(
                "merge_diff",
                field=i18n.field(name),
                mine=_shown(name, _birth_shown(name, mine, self.statuses[0])),
                theirs=_shown(name, _birth_shown(name, theirs, self.statuses[1])),
            )
            for name, mine, theirs in self.diffs
        )
        table = i18n.label("table", self.table)
        if self.mine_uid is not None and self.why is not None:
            text = i18n.t(
                "merge_duplicate", table=table, row=row, mine=self.mine_uid, why=i18n.t(self.why), diffs=diffs
            )
        else:
            text = i18n.t("merge_conflict", table=table, row=row, diffs=diffs)
        if self.blocked:
            text += " " + i18n.t(self.blocked)
        return text


@dataclass
class Outcome:
    tallies: dict[str, Tally] = field(default_factory=dict)
    conflicts: list[Conflict] = field(default_factory=list)
    problems: Any = None  # importer.Problems: OTHER's bad rows

    @property
    def unsettled(self) -> list[Conflict]:
        return [c for c in self.conflicts if not c.settled]

    def total(self, what: str) -> int:
        return sum(getattr(t, what) for t in self.tallies.values())

    def rows(self) -> list[dict]:
        return [self.tallies[name].row() for name in ORDER if name in self.tallies]


def _aside(name: str, *notes: str) -> str:
    """A record as a person tells it apart: 高嘉一（李家村，2018-07-23）, or in English 高嘉一 (李家村, 2018-07-23)."""
    if i18n.lang() == "zh":
        return f"{name}（{'，'.join(notes)}）"
    return f"{name} ({', '.join(notes)})"


def _birth_shown(column: str, value: Any, status: str | None) -> Any:
    """A birth date as a message shows it: a purged child's year alone (``validate.birth_shown``)."""
    from lbc_cli import validate

    return validate.birth_shown(value, status) if column == "birth_date" else value


def _shown(column: str, value: Any) -> str:
    from lbc_cli import io, validate

    if value is None or value == "":
        return i18n.t("none")
    if isinstance(value, bool):
        return i18n.t("yes") if value else i18n.t("no")
    if isinstance(value, date | datetime):
        return value.isoformat()
    text = str(value)
    if column in i18n.VALUE_ENUMS:  # a slug by its label (grandparent -> 祖父母)
        return i18n.labels(i18n.VALUE_ENUMS[column], text)
    if column in io.SENSITIVE:
        return validate.mask(text)
    return text if len(text) <= 40 else text[:39] + "…"


# ---- the merge ------------------------------------------------------------------------------


def merge(
    other: Source,
    connection,
    session,
    *,
    prefer: str | None,
    today: date,
    force: bool = False,
    progress=None,
) -> Outcome:
    """Bring every row of OTHER (read through ``connection``) into the session's database. Writes as
    it goes, inside the session's transaction: the caller commits, or rolls back (dry run, unsettled,
    a bad row of OTHER). ``today`` is the day the import's checks take as today."""
    merger = _Merger(other, connection, session, prefer, force, today, progress or (lambda: None))
    for name in ORDER:
        merger.merge_table(name)
    merger.audit_additions(other.display)
    return merger.outcome


def _overlap(a: dict, b: dict) -> bool:
    """Two pairings of one child and helper in force at the same time (the rule `lbc pair` keeps)."""
    return (a["end_date"] is None or b["start_date"] < a["end_date"]) and (
        b["end_date"] is None or a["start_date"] < b["end_date"]
    )


def _integer(text: str) -> int | None:
    try:
        return int(text)
    except (TypeError, ValueError):
        return None


def _jsonable(values: dict) -> dict:
    return {k: v.isoformat() if isinstance(v, date | datetime) else v for k, v in values.items()}


class _Merger:
    def __init__(self, other: Source, source, session, prefer: str | None, force: bool, today: date, progress):
        from lbc_cli import importer, store

        self.other = other
        self.source = source
        self.session = session
        self.target = session.connection()
        self.prefer = prefer
        self.force = force
        self.progress = progress
        self.outcome = Outcome(problems=importer.Problems(other.display))
        self.added_uids: dict[str, set[str]] = {}  # each table's uids added by this merge
        age_limit = self.age_limit = int(store.rule_values(session=session)["age_limit"])
        self.checks = {name: importer.row_checks(name, today=today, age_limit=age_limit) for name in ORDER}
        # OTHER's id -> this database's id, for the tables others point to; OTHER's ids of their bad rows
        self.ids: dict[str, dict[int, int]] = {"children": {}, "helpers": {}}
        self.refused: dict[str, set[int]] = {"children": set(), "helpers": set()}
        self.read = 0  # rows of OTHER read so far: bad rows are named in the order they were read
        self.erased = self._erased_children()
        self._names: dict[tuple[str, int], str] = {}
        self._times: dict = {}  # contacts: child id -> programme.Times here, a chunk's children at a time
        self._posts: dict = {}  # pairings: helper id -> (active, inactive_on) here

    # ---- reading -------------------------------------------------------------------------

    def _erased_children(self) -> set[int]:
        """Children whose personal data was erased here (PIPL §47): a merge must not bring it back."""
        from sqlalchemy import select

        from lbc_cli.models import AuditEntry

        query = select(AuditEntry.row_id).where(AuditEntry.table_name == "children", AuditEntry.action == "purge")
        return {row_id for (row_id,) in self.target.execute(query)}

    def _rows(self, table, condition) -> list[dict]:
        """Rows here, in id order: of two rows a row of OTHER could be, it is matched with the older."""
        from sqlalchemy import select

        columns = [c.name for c in table.columns]
        result = self.target.execute(select(table).where(condition).order_by(table.c.id))
        return [dict(zip(columns, row, strict=True)) for row in result]

    def _theirs(self, table):
        """OTHER's rows in id order, CHUNK at a time, as dicts: of a table import checks, every column
        but the derived ones as text (see _as_text), else as the columns' types read them."""
        from sqlalchemy import select

        from lbc_cli.models import DERIVED

        if self.checks[table.name] is None:
            selected = list(table.columns)
        else:
            selected = [self._as_text(c) for c in table.columns if c.name not in DERIVED]
        columns = [c.name for c in selected]
        with self.other.translated():
            query = select(*selected).order_by(table.c.id)
            result = self.source.execution_options(yield_per=CHUNK).execute(query)
            parts = result.partitions()
        while True:
            with self.other.translated():
                part = next(parts, None)
            if part is None:
                return
            yield [dict(zip(columns, row, strict=True)) for row in part]

    def _as_text(self, column):
        """A column of OTHER read as text, whatever a cell holds (SQLite keeps any value in any column:
        '2026-13-45' or a number in a date column would upset the date type's own reading). PostgreSQL's
        dates are spelt ISO whatever the server's DateStyle."""
        from sqlalchemy import Date, String, cast, func

        if not self.other.is_sqlite and isinstance(column.type, Date):
            return func.to_char(column, "YYYY-MM-DD").label(column.name)
        return cast(column, String).label(column.name)

    def _checked(self, name: str, table, chunk: list[dict]) -> list[tuple[dict, tuple | None]]:
        """OTHER's rows of a chunk, checked: for each row to merge (values, None or the problem of a rule it
        breaks and where it was read), its child and helper ids as they are here. A row whose values do not
        parse is named and left out, and so is a row of a child or helper left out (not named: its parent
        is); a child erased here is matched whatever OTHER holds."""
        checks = self.checks[name]
        if checks is None:
            return [(self._mapped(name, row), None) for row in chunk]
        checked = checks.check(chunk)
        bad = [row["uid"] for row, cells, _rules in checked if cells is not None and row["uid"] is not None]
        erased = set()
        if name == "children" and bad and self.erased:
            erased = {r["uid"] for r in self._rows(table, table.c.uid.in_(bad)) if r["id"] in self.erased}
        out = []
        for position, (raw, (row, cells, rules)) in enumerate(zip(chunk, checked, strict=True), start=self.read):
            if cells is not None and row["uid"] not in erased:
                self._bad(name, position, cells, row, raw["id"])
                continue
            mapped = self._mapped(name, row)
            if mapped is not None:
                out.append((mapped, None if rules is None else (position, rules)))
        self.read += len(chunk)
        return out

    def _bad(self, name: str, position: int, problem: tuple[str, str], row: dict, raw_id: str | None = None) -> None:
        """One bad row of OTHER (the ``position``-th read), named by its uid (by its id when the uid is bad)
        and left out. ``raw_id``: its id as OTHER holds it (digits: an integer primary key)."""
        their_id = row["id"] if row["id"] is not None else _integer(raw_id)
        if name in self.refused and their_id is not None:
            self.refused[name].add(their_id)
        if row["uid"] is not None:
            who = i18n.t("merge_row_uid", uid=row["uid"])
        else:
            who = i18n.t("merge_row_id", id=raw_id)
        column, text = problem
        label = i18n.field(column) if i18n.lang() == "zh" else column
        self.outcome.problems.add(position, label, text, f"{self.other.display}: {name} {who}")

    # ---- one table -----------------------------------------------------------------------

    def merge_table(self, name: str) -> None:
        from sqlalchemy import func, select, text

        from lbc_cli.models import DERIVED, SQLModel

        table = SQLModel.metadata.tables[name]
        compared = [c.name for c in table.columns if c.name not in ("id", "uid") and c.name not in DERIVED]
        tally = self.outcome.tallies[name] = Tally(name)
        mine_max = self.target.execute(select(func.max(table.c.id))).scalar() or 0
        # the ids deleted here: never given again (models.NEVER_REUSED_TABLES), a row of theirs that holds one
        # takes a new id as one whose id is taken does
        self.gone = {
            row_id for (row_id,) in self.target.execute(text(DELETED_IDS), {"table": name}) if row_id is not None
        }
        mine_max = max(mine_max, *self.gone) if self.gone else mine_max
        with self.other.translated():
            their_max = self.source.execute(select(func.max(table.c.id))).scalar() or 0
        self.next_id = max(mine_max, their_max) + 1  # a new id collides with neither side's
        for chunk in self._theirs(table):
            self._merge_chunk(name, table, compared, chunk, tally)
        if tally.added:
            sync_sequences(self.target, name)

    def _merge_chunk(self, name: str, table, compared: list[str], chunk: list[dict], tally: Tally) -> None:
        from sqlalchemy import select

        checked = self._checked(name, table, chunk)
        rows = [row for row, _rules in checked]
        broken = {id(row): rules for row, rules in checked if rules is not None}
        if not rows:
            return
        self._programme_rules(name, rows, broken)
        if name in ("pairings", "contacts") and self.erased:
            for row in rows:
                if row["child_id"] in self.erased:
                    row["note"] = None  # as the purge left every note about the child
        by_uid = {r["uid"]: r for r in self._rows(table, table.c.uid.in_([r["uid"] for r in rows]))}
        held = self.target.execute(select(table.c.id).where(table.c.id.in_([r["id"] for r in rows])))
        ids_here = {i for (i,) in held}
        index = self._index(name, table, rows, by_uid)
        inserts: list[dict] = []
        for row in rows:
            self.progress()
            mine = None if name == "settings" else by_uid.get(row["uid"])
            why = None
            if mine is None:
                mine, why = self._same_record(name, row, index)
            if mine is None and id(row) in broken:  # a new row: written if it were good
                self._bad(name, *broken[id(row)], row)
                continue
            if mine is None and name != "settings" and row["uid"] in self.added_uids.setdefault(name, set()):
                self._bad(name, self.read, ("uid", i18n.t("merge_uid_repeated")), row)  # OTHER holds it twice
                continue
            if mine is None:
                values = dict(row)
                if name != "settings":
                    self.added_uids[name].add(values["uid"])
                if values["id"] in ids_here or values["id"] in self.gone:
                    values["id"] = self.next_id
                    self.next_id += 1
                if name == "settings" and values["uid"] in by_uid:
                    from lbc_cli.models import new_uid

                    values["uid"] = new_uid()
                self._derive(name, values)
                inserts.append(values)
                self._remember(name, values, index)
                if name in self.ids:
                    self.ids[name][row["id"]] = values["id"]
                tally.added += 1
                continue
            if name in self.ids:
                self.ids[name][row["id"]] = mine["id"]
            diffs = [(c, mine[c], row[c]) for c in compared if mine[c] != row[c]]
            if not diffs:
                tally.identical += 1
                continue
            tally.conflicts += 1
            conflict = Conflict(
                table=name,
                uid=row["key"] if name == "settings" else row["uid"],
                who=self._who(name, mine),
                diffs=diffs,
                mine_uid=mine["uid"] if why in WHY else None,
                why=WHY.get(why),
                statuses=(mine.get("status"), row.get("status")) if name == "children" else (None, None),
            )
            if name == "children" and mine["id"] in self.erased:
                conflict.erased = conflict.settled = True
            elif self.prefer == "mine":
                conflict.settled = True
            elif self.prefer == "theirs" and id(row) in broken:
                self._bad(name, *broken[id(row)], row)
                continue
            elif self.prefer == "theirs":
                changes = {c: theirs for c, _mine, theirs in diffs}
                refused = self._programme_problem(name, {**mine, **changes})
                if refused is not None:
                    self._bad(name, self.read, refused, row)
                    continue
                conflict.blocked = self._blocked(name, mine, changes, index)
                if conflict.blocked is None:
                    self._overwrite(name, table, mine, changes, index)
                    conflict.settled = True
                    tally.overwritten += 1
            self.outcome.conflicts.append(conflict)
        if inserts:
            self.target.execute(table.insert(), inserts)

    def _programme_rules(self, name: str, rows: list[dict], broken: dict) -> None:
        """The rules of a child's time in the programme and a helper's days in post (programme.py), as this
        database holds them once the children, helpers and exits are merged: a row that breaks one is bad
        when the merge would write it, as a row breaking a rule across its fields is (``broken``)."""
        from lbc_cli import db, programme

        if name in ("contacts", "pairings"):
            self._times = programme.times_of(db.text_rows(self.target), {r["child_id"] for r in rows})
        if name == "pairings":
            self._posts = self._helper_posts({r["helper_id"] for r in rows})
        elif name == "exits":
            self._exit_rules(rows, broken)
            return
        elif name != "contacts":
            return
        for row in rows:
            if id(row) not in broken:
                problem = self._programme_problem(name, row)
                if problem is not None:
                    broken[id(row)] = (self.read, problem)

    def _exit_rules(self, rows: list[dict], broken: dict) -> None:
        """A time out that this database's rows contradict (``store.time_out_problem``, as `import exits`
        refuses it): bad, when the merge would write it."""
        from sqlalchemy import select

        from lbc_cli import store
        from lbc_cli.models import Child

        ids = {r["child_id"] for r in rows}
        births = dict(self.target.execute(select(Child.id, Child.birth_date).where(Child.id.in_(ids))).all())
        for row in rows:
            if id(row) in broken:
                continue
            child_id = row["child_id"]
            problem = store.time_out_problem(
                child_id, _day(births.get(child_id)), _day(row["exit_date"]), _day(row["reentered_on"]),
                row.get("exit_reason"), self.age_limit, session=self.target,
            )  # fmt: skip
            if problem is not None:
                broken[id(row)] = (self.read, problem)

    def _helper_posts(self, helper_ids) -> dict:
        from sqlalchemy import select

        from lbc_cli.models import Helper

        query = select(Helper.id, Helper.active, Helper.inactive_on, Helper.name).where(Helper.id.in_(helper_ids))
        return {row[0]: (bool(row[1]), row[2], row[3]) for row in self.target.execute(query)}

    def _programme_problem(self, name: str, row: dict) -> tuple[str, str] | None:
        """(column, problem) of a contact dated outside its child's time in the programme, or of a pairing in
        force on a day its helper is inactive; None for any other row."""
        from lbc_cli import db, programme

        if name in ("contacts", "pairings"):
            if row["child_id"] not in self._times:
                self._times.update(programme.times_of(db.text_rows(self.target), [row["child_id"]]))
            known = self._times.get(row["child_id"])
        if name == "contacts":
            problem = known and programme.contact_date_problem(known, row["date"])
            return ("date", problem) if problem else None
        if name == "pairings":
            start, end = _day(row["start_date"]), _day(row["end_date"])
            problem = known and programme.pairing_dates_problem(known, start, end)
            if problem:
                return ("start_date", problem)
            if row["helper_id"] not in self._posts:
                self._posts.update(self._helper_posts([row["helper_id"]]))
            post = self._posts.get(row["helper_id"])
            if post is None:
                return None
            active, inactive_on, helper_name = post
            problem = programme.pairing_problem(row["helper_id"], active, _day(inactive_on), end, start, helper_name)
            return ("helper_id", problem) if problem else None
        return None

    def _mapped(self, name: str, row: dict) -> dict | None:
        """OTHER's row with its child and helper ids as they are here; None for a row of a child or helper
        left out as bad."""
        for column, parent in FOREIGN.get(name, {}).items():
            if row[column] is not None:
                try:
                    row[column] = self.ids[parent][row[column]]
                except KeyError:
                    if row[column] in self.refused[parent]:
                        return None
                    raise LbcError(i18n.t("merge_damaged", table=name, uid=row["uid"])) from None
        return row

    @staticmethod
    def _derive(name: str, values: dict) -> None:
        if name in ("children", "helpers"):
            from lbc_cli import pinyin

            values.update(pinyin.derived(values["name"]))

    # ---- the same record under another uid -----------------------------------------------

    def _keys(self, name: str, row: dict) -> list[tuple]:
        """The index keys a row is found by; an empty list for tables matched by uid alone."""
        if name == "children" and not self.force:
            # a purged child's name (#id) and birth date (1 January) are not its own: no one's namesake
            keys = [] if row["status"] == PURGED else [("nb", row["name"], row["birth_date"])]
            if row["id_number"]:
                keys.insert(0, ("id", row["id_number"]))
            return keys
        if name == "helpers" and not self.force and row["phone"]:
            return [("np", row["name"], row["phone"])]
        if name == "pairings":
            return [("pair", row["child_id"], row["helper_id"])]
        if name == "exams":
            return [("exam", row["child_id"], row["school_year"], row["term"])]
        if name == "exits":
            return [("exit", row["child_id"], row["exit_date"])]
        if name == "settings":
            return [("key", row["key"])]
        return []

    def _index(self, name: str, table, rows: list[dict], by_uid: dict) -> dict[tuple, list[dict]]:
        """The rows here that a row of the chunk could be the same record as, by key."""
        from sqlalchemy import or_

        c = table.c
        if name == "children" and not self.force:
            numbers = {r["id_number"] for r in rows if r["id_number"]}
            condition = or_(c.name.in_({r["name"] for r in rows}), c.id_number.in_(numbers))
        elif name == "helpers" and not self.force:
            named = {r["name"] for r in rows if r["phone"]}
            if not named:
                return {}
            condition = c.name.in_(named)
        elif name in ("pairings", "exams", "exits"):
            condition = c.child_id.in_({r["child_id"] for r in rows})
        elif name == "settings":
            condition = c.key.in_({r["key"] for r in rows})
        else:
            return {}
        index: dict[tuple, list[dict]] = {}
        known = {r["id"]: r for r in by_uid.values()}  # one dict per row here, whichever query found it
        for found in self._rows(table, condition):
            self._remember(name, known.setdefault(found["id"], found), index)
        return index

    def _remember(self, name: str, row: dict, index: dict) -> None:
        for key in self._keys(name, row):
            index.setdefault(key, []).append(row)

    def _forget(self, name: str, row: dict, index: dict) -> None:
        for key in self._keys(name, row):
            index[key] = [r for r in index.get(key, []) if r is not row]

    def _same_record(self, name: str, row: dict, index: dict) -> tuple[dict | None, str | None]:
        for key in self._keys(name, row):
            for mine in index.get(key, []):
                if key[0] == "nb" and row["id_number"] and mine["id_number"] and row["id_number"] != mine["id_number"]:
                    continue  # namesakes born the same day, told apart by their id numbers
                if key[0] == "pair" and not _overlap(mine, row):
                    continue
                return mine, key[0]
        return None, None

    def _blocked(self, name: str, mine: dict, changes: dict, index: dict) -> str | None:
        """Why taking theirs would break a rule of this database (None: it would not)."""
        after = {**mine, **changes}
        if name == "exams":
            key = ("exam", after["child_id"], after["school_year"], after["term"])
            if any(r["id"] != mine["id"] for r in index.get(key, [])):
                return "merge_blocked_exam"
        if name == "pairings":
            key = ("pair", after["child_id"], after["helper_id"])
            if any(r["id"] != mine["id"] and _overlap(r, after) for r in index.get(key, [])):
                return "merge_blocked_overlap"
        return None

    # ---- writing -------------------------------------------------------------------------

    def _overwrite(self, name: str, table, mine: dict, changes: dict, index: dict) -> None:
        from sqlalchemy import update

        from lbc_cli import store

        old = {c: mine[c] for c in changes}
        values = dict(changes)
        if "name" in values:
            self._derive(name, values)
        self.target.execute(update(table).where(table.c.id == mine["id"]).values(**values))
        store.audit(self.session, name, mine["id"], "update", _jsonable(old), _jsonable(changes))
        self._forget(name, mine, index)
        mine.update(values)
        self._remember(name, mine, index)

    def audit_additions(self, source_name: str) -> None:
        """One audit entry per table rows were added to (as an import writes one per file)."""
        from lbc_cli import store

        for name in ORDER:
            tally = self.outcome.tallies.get(name)
            if tally is not None and tally.added:
                store.audit(self.session, name, None, "merge", None, {"rows": tally.added, "source": source_name})

    # ---- naming a record -----------------------------------------------------------------

    def _name(self, table: str, row_id: int | None) -> str:
        if row_id is None:
            return "-"
        key = (table, row_id)
        if key not in self._names:
            from sqlalchemy import select

            from lbc_cli.models import SQLModel

            t = SQLModel.metadata.tables[table]
            self._names[key] = self.target.execute(select(t.c.name).where(t.c.id == row_id)).scalar() or "-"
        return self._names[key]

    def _who(self, name: str, mine: dict) -> str:
        if name == "children":
            from lbc_cli import validate

            born = validate.birth_shown(mine["birth_date"].isoformat(), mine["status"])  # a purged child's year
            return _aside(mine["name"], mine["village"] or "-", born)
        if name == "helpers":
            return _aside(mine["name"], i18n.label("role", mine["role"]))
        if name == "pairings":
            return f"{self._name('children', mine['child_id'])} – {self._name('helpers', mine['helper_id'])}"
        if name == "contacts":
            child = self._name("children", mine["child_id"])
            return _aside(child, mine["date"].isoformat(), i18n.label("kind", mine["kind"]))
        if name == "exams":
            child = self._name("children", mine["child_id"])
            return _aside(child, i18n.t("merge_term", year=mine["school_year"], term=mine["term"]))
        if name == "exits":
            return _aside(self._name("children", mine["child_id"]), mine["exit_date"].isoformat())
        if name == "schedule_items":
            return i18n.t("merge_month", month=mine["month"])
        return ""  # a setting: its key names it


# ---- the whole command's work ----------------------------------------------------------------


class _RolledBack(Exception):
    """Ends the write transaction without committing it (a dry run, or a conflict left unsettled)."""


def run(
    target: Database,
    source: Source,
    *,
    prefer: str | None,
    today: date,
    force: bool = False,
    dry_run: bool = False,
    progress=None,
) -> Outcome:
    """Merge ``source`` into ``target`` in one write transaction: committed only when it is not a dry
    run, OTHER holds no bad row and no conflict is left unsettled."""
    outcome = None
    try:
        with target.session(write=True) as session:
            session.connection()  # this database's write lock first: a busy database is told as itself
            with source.reading() as connection:
                outcome = merge(source, connection, session, prefer=prefer, today=today, force=force, progress=progress)
            if dry_run or outcome.unsettled or outcome.problems.count:
                raise _RolledBack
    except _RolledBack:
        pass
    assert outcome is not None
    return outcome


def _day(value):
    """A date as ``date`` (a row read as text holds it as text)."""
    from lbc_cli import programme

    return programme._day(value)
