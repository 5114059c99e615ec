"""The database file itself: the WAL and shm are as private as the file (SPEC section 8), a damaged file is
named as such, a full disk is said as such (section 2).

Expected values are written out by hand. Tests that change the SQLite file's modes, damage it or fill its
disk are ``sqlite_only``.
"""

import csv
import gc
import os
import random
import shutil
import sqlite3
import stat
import subprocess
from pathlib import Path

import pytest
from conftest import rows, table_names

import lbc_cli.db as lbc_db

ROOT = Path(__file__).resolve().parent.parent


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def example_copy(tmp_path: Path) -> Path:
    """A private copy of the committed demo database (40 children, their helpers, pairings and contacts)."""
    db = tmp_path / "example.db"
    shutil.copyfile(ROOT / "lbc.example.db", db)
    os.chmod(db, 0o600)
    return db


def many_children_csv(path: Path, n: int, start: int = 0) -> Path:
    """n children to import, each with an address and a phone: rows that fill and split pages."""
    with open(path, "w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh)
        out.writerow(
            ["name", "gender", "birth_date", "village", "address", "guardian_phone", "consent_on", "enrolled_on"]
        )
        for i in range(start, start + n):
            name = "欧" + chr(0x4E00 + 7 * i) + chr(0x4E00 + 13 * i)
            out.writerow(
                [name, "F", "2016-02-03", "李家村", f"李家村{i}号路口", f"1390000{i:04d}", "2024-09-01", "2024-09-01"]
            )
    return path


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


# ---- a damaged file is named as such ---------------------------------------------------------------------------------


def damaged_page(tmp_path: Path, seed: int) -> tuple[Path, int]:
    """The demo database with one page (not the first) overwritten with random bytes."""
    db = example_copy(tmp_path)
    chooser = random.Random(seed)
    pages = db.stat().st_size // 4096
    page = chooser.randrange(2, pages + 1)
    with open(db, "r+b") as fh:
        fh.seek((page - 1) * 4096)
        fh.write(chooser.randbytes(4096))
    return db, page


def sqlite_says(db: Path) -> list[str]:
    """What SQLite's own integrity check says of the file (its rows, or the error it raises)."""
    connection = sqlite3.connect(db)
    try:
        return [line for (line,) in connection.execute("PRAGMA integrity_check")]
    except sqlite3.DatabaseError as exc:
        return [str(exc)]
    finally:
        connection.close()


DAMAGE_SEEDS = [0, 1, 2, 5]  # pages 51, 19, 9 and 81 of the demo database's 81


@pytest.mark.sqlite_only("damaged bytes in the SQLite file")
@pytest.mark.parametrize("seed", DAMAGE_SEEDS)
def test_db_check_on_a_file_with_a_damaged_page_says_damaged_and_how_to_restore(run, tmp_path, seed):
    db, _page = damaged_page(tmp_path, seed)
    sqlite_words = sqlite_says(db)
    assert sqlite_words != ["ok"]  # the damage is real
    before = db.read_bytes()
    result = run("db", "check", db=db)
    assert result.code == 1
    assert result.out == ""
    first, *details = result.err.splitlines()
    assert first.startswith("lbc: error: ") and "damaged" in first
    assert "internal error" not in result.err and "Traceback" not in result.err
    assert sqlite_words[0] in result.err  # SQLite's own words
    assert "lbc db restore" in first and "lbc db backup" in first
    assert len(details) <= 20
    assert db.read_bytes() == before


@pytest.mark.sqlite_only("a table dropped behind lbc's back in the SQLite file")
def test_db_check_on_a_file_missing_a_table_says_damaged(run, tmp_path):
    db = example_copy(tmp_path)
    connection = sqlite3.connect(db)
    connection.execute("DROP TABLE contacts")
    connection.commit()
    connection.close()
    result = run("db", "check", db=db)
    assert result.code == 1
    [line] = result.err.splitlines()
    assert line.startswith("lbc: error: ") and "damaged" in line
    assert "no such table: contacts" in line
    assert "lbc db restore" in line
    assert "Traceback" not in result.err


DAMAGE_COMMANDS = [
    ["child", "list"],
    ["remind", "--as-of", "2026-01-01"],
    ["export", "contacts", "--format", "csv"],
    ["report", "summary", "--year", "2025", "--format", "json"],
    ["score", "--year", "2025"],
    ["audit"],
    ["log-contact", "1", "--kind", "phone-call", "--date", "2025-03-01"],
]


@pytest.mark.sqlite_only("damaged bytes in the SQLite file")
@pytest.mark.parametrize("seed", DAMAGE_SEEDS)
@pytest.mark.parametrize("command", DAMAGE_COMMANDS, ids=lambda command: " ".join(command[:2]))
def test_other_commands_on_a_damaged_file_exit_3_saying_damaged(run, tmp_path, seed, command):
    db, _page = damaged_page(tmp_path, seed)
    result = run(*command, db=db)
    assert "internal error" not in result.err and "Traceback" not in result.err, result.err
    assert result.code in (0, 3), result.err  # a command that never reads the damaged page does its work
    if result.code == 3:
        [line] = result.err.splitlines()
        assert "is damaged" in line and "database disk image is malformed" in line, line
        assert "lbc db check" in line


@pytest.mark.sqlite_only("a table dropped behind lbc's back in the SQLite file")
@pytest.mark.parametrize(
    "command", [["log-contact", "1", "--kind", "phone-call", "--date", "2025-03-01"], ["export", "contacts"]]
)
def test_a_command_on_a_file_missing_a_table_exits_3_saying_damaged(run, tmp_path, command):
    db = example_copy(tmp_path)
    connection = sqlite3.connect(db)
    connection.execute("DROP TABLE contacts")
    connection.commit()
    connection.close()
    result = run(*command, db=db)
    assert result.code == 3
    [line] = result.err.splitlines()
    assert "is damaged" in line and "no such table: contacts" in line, line


# ---- a full disk is said as such (section 2) -------------------------------------------------------------------------


@pytest.mark.sqlite_only("SQLite's page limit stands in for a full disk")
def test_an_import_that_finds_the_disk_full_says_so_exits_1_and_writes_nothing(run, db, tmp_path, monkeypatch):
    real = sqlite3.connect

    def connect(*args, **kwargs):  # the file may not grow by a page: what a full disk does to SQLite
        connection = real(*args, **kwargs)
        (pages,) = connection.execute("PRAGMA page_count").fetchone()
        connection.execute(f"PRAGMA max_page_count = {pages}")
        return connection

    source = many_children_csv(tmp_path / "children.csv", 300)
    before = {name: rows(db, f'SELECT * FROM "{name}" ORDER BY 1') for name in table_names(db)}
    monkeypatch.setattr(sqlite3, "connect", connect)
    monkeypatch.setattr(sqlite3.dbapi2, "connect", connect)
    result = run("import", "children", source, db=db)
    monkeypatch.undo()
    assert result.code == 1
    assert result.out == ""
    [line] = result.err.splitlines()
    assert line.startswith("lbc: error: ") and "disk is full" in line, line
    assert "cannot open" not in line
    gc.collect()
    assert {name: rows(db, f'SELECT * FROM "{name}" ORDER BY 1') for name in table_names(db)} == before


class _FillsTheDisk(sqlite3.Connection):
    """A source connection whose backup writes a little, then finds the disk full (as SQLite says it)."""

    def backup(self, target, **kwargs):
        target.execute("CREATE TABLE half_written (x)")
        target.execute("INSERT INTO half_written VALUES (randomblob(8000))")
        target.commit()
        raise sqlite3.OperationalError("database or disk is full")


@pytest.mark.sqlite_only("SQLite's backup API")
def test_a_backup_that_finds_the_disk_full_says_so_and_leaves_no_file(run, tmp_path, monkeypatch):
    db = example_copy(tmp_path)
    real = sqlite3.connect

    def connect(path, *args, **kwargs):
        if Path(path) == db:
            kwargs["factory"] = _FillsTheDisk
        return real(path, *args, **kwargs)

    folder = tmp_path / "copies"
    folder.mkdir()
    before = db.read_bytes()
    monkeypatch.setattr(sqlite3, "connect", connect)
    result = run("db", "backup", str(folder / "copy.db"), db=db)
    monkeypatch.undo()
    assert result.code == 1
    assert result.out == ""
    [line] = result.err.splitlines()
    assert "disk is full" in line and "copy.db" in line, line
    assert list(folder.iterdir()) == []  # neither the backup nor its partial copy
    gc.collect()
    assert db.read_bytes() == before


@pytest.mark.sqlite_only("a backup of the SQLite file onto a small file system")
def test_a_backup_onto_a_file_system_too_small_says_the_disk_is_full(run, tmp_path):
    db = example_copy(tmp_path)
    folder = tmp_path / "small"
    folder.mkdir()
    size = 64 * 1024  # the demo database is some 330 KB
    assert db.stat().st_size > 2 * size
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size},mode=0700", "tmpfs", str(folder)], capture_output=True
    )
    if mounted.returncode != 0:
        pytest.skip("cannot mount a small tmpfs here (needs root)")
    try:
        result = run("db", "backup", str(folder / "copy.db"), db=db)
        assert result.code == 1
        [line] = result.err.splitlines()
        assert "disk is full" in line and "copy.db" in line, line
        assert list(folder.iterdir()) == []
    finally:
        subprocess.run(["umount", str(folder)], check=True)
