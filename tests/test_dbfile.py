"""The database file itself: the WAL and shm are as private as the file (SPEC section 8).

Expected values are written out by hand. Tests that change the SQLite file's modes are ``sqlite_only``.
"""

import os
import sqlite3
import stat
from pathlib import Path

import pytest

import lbc_cli.db as lbc_db


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


# ---- the WAL and the shm are as private as the file (section 8) ------------------------------------------------------


@pytest.mark.sqlite_only("the modes of the SQLite file, its WAL and its shm")
@pytest.mark.parametrize("file_mode", [0o644, 0o600], ids=["file-644", "file-600"])
def test_a_wal_and_shm_readable_by_others_are_tightened_with_the_file(run, db, file_mode):
    # Another program has the database open and has written to it: its WAL (not empty, so SQLite leaves its
    # mode alone) and its shm stay in being.
    holder = sqlite3.connect(db)
    for change in ("+ 1", "- 1"):  # a change and its undoing: pages written, nothing changed in the end
        with holder:
            holder.execute(f"UPDATE schema_version SET version = version {change}")
    try:
        wal, shm = Path(f"{db}-wal"), Path(f"{db}-shm")
        assert wal.stat().st_size > 0 and shm.exists()
        for path, wanted in ((db, file_mode), (wal, 0o644), (shm, 0o644)):
            os.chmod(path, wanted)
        result = run("child", "list", db=db)
        assert result.code == 0, result.err
        assert (mode(db), mode(wal), mode(shm)) == (0o600, 0o600, 0o600)
        assert "0600" in result.err and "lbc.db-wal" in result.err and "lbc.db-shm" in result.err
        again = run("child", "list", db=db)
        assert again.err == ""  # tightened once: no warning the next time
    finally:
        holder.close()


@pytest.mark.sqlite_only("the modes of the WAL and shm SQLite creates")
def test_the_wal_and_shm_lbc_creates_are_0600_whatever_the_umask(run, new_db, monkeypatch):
    seen: dict[str, int] = {}
    real_dispose = lbc_db.Database.dispose

    def dispose(self):  # just before lbc closes its connections, while the WAL and shm are still there
        for end in ("-wal", "-shm"):
            path = Path(f"{self.path}{end}")
            if path.exists():
                seen[end] = mode(path)
        real_dispose(self)

    monkeypatch.setattr(lbc_db.Database, "dispose", dispose)
    old = os.umask(0)
    try:
        target = new_db()
        assert run("init", db=target).code == 0
        enrolled = run(
            "enroll", "王小明", "--gender", "M", "--birth", "2015-03-04", "--consent-on", "2024-01-01", db=target
        )
        assert enrolled.code == 0, enrolled.err
    finally:
        os.umask(old)
    assert seen == {"-wal": 0o600, "-shm": 0o600}
    assert mode(Path(target)) == 0o600
