"""Every released schema version opens with every row intact (tests/fixtures/schema_vN.db).

Version 1 is the first release. When the schema changes, the new version's migration goes into
lbc_cli.db.MIGRATIONS and this folder keeps a fixture of each version before it.
"""

import shutil
import sqlite3
import subprocess
import sys
import time
from contextlib import closing
from pathlib import Path

import pytest
from conftest import execute, is_url, last_days_by_hand, rows

from lbc_cli.db import SCHEMA_VERSION

FIXTURES = Path(__file__).resolve().parent / "fixtures"
RELEASED = sorted(FIXTURES.glob("schema_v*.db"))


def test_a_fixture_exists_for_every_released_version():
    versions = sorted(int(p.stem.removeprefix("schema_v")) for p in RELEASED)
    assert versions == list(range(1, SCHEMA_VERSION + 1))


@pytest.mark.sqlite_only("the released schema fixtures are SQLite files")
@pytest.mark.parametrize("fixture", RELEASED, ids=lambda p: p.stem)
def test_each_released_database_opens_with_every_row(run, tmp_path, fixture):
    path = tmp_path / fixture.name
    shutil.copy(fixture, path)
    tables = ("children", "helpers", "pairings", "contacts")
    columns = {t: ", ".join(c for (_n, c, *_rest) in rows(path, f"PRAGMA table_info({t})")) for t in tables}
    # the columns the file had (a later schema adds its own); pinyin, worked out again by schema 6, aside
    derived = {"name_pinyin", "name_initials"}
    columns = {t: ", ".join(c for c in columns[t].split(", ") if c not in derived) for t in tables}
    before = {t: rows(path, f"SELECT {columns[t]} FROM {t} ORDER BY id") for t in tables}
    listed = run("child", "list", "--format", "csv", "--reveal", "--as-of", "2025-01-01", db=path)
    assert listed.code == 0, listed.err
    assert "张小明" in listed.out and "13800001234" in listed.out
    assert run("config", "get", "video_call_days", db=path).out == "10\n"
    assert run("db", "check", db=path).code == 0
    after = {t: rows(path, f"SELECT {columns[t]} FROM {t} ORDER BY id") for t in before}
    assert after == before
    version = sqlite3.connect(path).execute("SELECT MAX(version) FROM schema_version").fetchone()[0]
    assert version == SCHEMA_VERSION


def _schema(path) -> list[tuple]:
    """The tables, indexes and triggers of a SQLite file, as SQLite keeps their definitions (the white space
    aside: a column an upgrade adds, last, is spelt on the line before by SQLite's ADD COLUMN)."""
    with closing(sqlite3.connect(path)) as connection:
        found = connection.execute(
            "SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name"
        ).fetchall()
    return [(kind, name, sql and " ".join(sql.split())) for kind, name, sql in found]


@pytest.mark.sqlite_only("the released schema fixtures are SQLite files")
@pytest.mark.parametrize("fixture", RELEASED, ids=lambda p: p.stem)
def test_each_released_database_is_upgraded_to_the_schema_of_a_new_one(run, tmp_path, fixture):
    """Every table, index and trigger as `lbc init` makes them: schema 2's and 3's SQLite-only last_contacts
    gone (schema 4), schema 5's made from the contacts, each child's last days as worked out by hand."""
    path, new = tmp_path / fixture.name, tmp_path / "new.db"
    shutil.copy(fixture, path)
    assert run("db", "check", db=path).code == 0
    assert run("init", db=new).code == 0
    assert _schema(path) == _schema(new)
    made = {name for _type, name, _sql in _schema(path) if "last_contacts" in name}
    assert made == {
        "last_contacts",
        *("last_contacts_replacing", "last_contacts_added", "last_contacts_removed"),
        *("last_contacts_changed", "last_contacts_renumbered"),
    }
    kept = rows(path, "SELECT child_id, last_parent_call, last_feedback, last_visit FROM last_contacts")
    assert {child: tuple(days) for child, *days in kept if any(days)} == last_days_by_hand(path) != {}


@pytest.mark.sqlite_only("two processes upgrading one SQLite file")
def test_two_commands_starting_on_an_old_file_at_once_upgrade_it_once(tmp_path):
    """Both read schema 1, then wait for the write lock (held here): the first upgrades it, with one backup;
    the second finds it upgraded under the lock and does nothing more."""
    path = tmp_path / "village.db"
    shutil.copy(RELEASED[0], path)
    with closing(sqlite3.connect(path, isolation_level=None)) as holder:
        holder.execute("PRAGMA journal_mode = WAL")
        holder.execute("BEGIN IMMEDIATE")
        argv = [sys.executable, "-m", "lbc_cli", "--db", str(path), "child", "list", "--format", "csv"]
        started = [subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in range(2)]
        time.sleep(1.5)  # both are past their start-up, waiting on the lock
        holder.execute("COMMIT")
    done = [process.communicate(timeout=60) for process in started]
    assert [process.returncode for process in started] == [0, 0], done
    said = [err.decode() for _out, err in done]
    assert sum("upgraded the database from schema 1" in err for err in said) == 1, said
    assert rows(path, "SELECT version FROM schema_version ORDER BY version") == [(1,), (SCHEMA_VERSION,)]
    assert len(list(tmp_path.glob("village.v1-*.bak.db"))) == 1


def _pairings_child_index(target) -> str:
    if is_url(target):
        [(definition,)] = rows(target, "SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_pairings_child'")
        return definition[definition.index("(") :]
    return "(" + ", ".join(r[2] for r in rows(target, "PRAGMA index_info(ix_pairings_child)")) + ")"


def test_schema_1_is_upgraded_in_place_on_either_backend(run, lbc, db):
    """The real migrations from 1, on SQLite and on PostgreSQL: the pairings' child index widened, every row
    kept, the current schema recorded once."""
    child = lbc("enroll", "张小明", "--gender", "M", "--birth", "2014-03-10", "--enrolled-on", "2024-03-01").out.strip()
    assert lbc("helper", "add", "李妈妈", "--role", "loving-mother").code == 0
    assert lbc("pair", child, "李妈妈", "--since", "2024-03-01").code == 0
    assert lbc("log-contact", child, "--kind", "home-visit", "--date", "2024-04-02").code == 0
    fresh = _pairings_child_index(db)
    before = rows(db, "SELECT * FROM pairings ORDER BY id") + rows(db, "SELECT * FROM contacts ORDER BY id")
    execute(db, "DROP INDEX ix_pairings_child")  # schema 1, as it was released
    execute(db, "CREATE INDEX ix_pairings_child ON pairings (child_id, end_date)")
    execute(db, "UPDATE schema_version SET version = 1")
    assert _pairings_child_index(db) == "(child_id, end_date)"
    upgraded = run("child", "list", "--format", "csv", db=db)
    assert upgraded.code == 0, upgraded.err
    assert f"upgraded the database from schema 1 to {SCHEMA_VERSION}" in upgraded.err
    assert _pairings_child_index(db) == fresh == "(child_id, end_date, start_date, helper_id)"
    assert rows(db, "SELECT * FROM pairings ORDER BY id") + rows(db, "SELECT * FROM contacts ORDER BY id") == before
    assert rows(db, "SELECT version FROM schema_version ORDER BY version") == [(1,), (SCHEMA_VERSION,)]
