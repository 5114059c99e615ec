"""Every released schema version opens with every row intact (tests/fixtures/schema_vN.db).

Version 1 is the first release. When the schema changes, the new version's migration goes into
lbc_cli.db.MIGRATIONS and this folder keeps a fixture of each version before it.
"""

import shutil
import sqlite3
from pathlib import Path

import pytest
from conftest import rows

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
    before = {t: rows(path, f"SELECT * FROM {t} ORDER BY id") for t in ("children", "helpers", "pairings", "contacts")}
    listed = run("child", "list", "--format", "csv", "--reveal", "--as-of", "2025-01-01", db=path)
    assert listed.code == 0, listed.err
    assert "张小明" in listed.out and "13800001234" in listed.out
    assert run("config", "get", "video_call_days", db=path).out == "10\n"
    assert run("db", "check", db=path).code == 0
    after = {t: rows(path, f"SELECT * FROM {t} ORDER BY id") for t in before}
    assert after == before
    version = sqlite3.connect(path).execute("SELECT MAX(version) FROM schema_version").fetchone()[0]
    assert version == SCHEMA_VERSION
