"""The database file itself: a purge erases the bytes (SPEC section 10), the WAL and shm are as private as the
file (section 8), a damaged file is named as such, a full disk is said as such (section 2).

Expected values are written out by hand. Tests that read the SQLite file's bytes, change its modes or damage
it are ``sqlite_only``.
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
from conftest import ON_PG, rows, table_names

import lbc_cli.db as lbc_db

ROOT = Path(__file__).resolve().parent.parent

# The child whose data a purge must erase. Its id number, by hand: 11010520150317001 weighted by
# 7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2 sums to 7+9+0+5+0+20+4+0+6+15+0+27+10+35+0+0+2 = 140;
# 140 mod 11 = 8 -> check character '4'. The 17th digit, 1, is odd: a boy.
CHILD = {
    "name": "欧阳明轩",
    "name_pinyin": "ou yang ming xuan",
    "birth": "2015-03-17",
    "id_number": "110105201503170014",
    "guardian": "欧阳桂兰",
    "guardian_phone": "13811112222",
    "father_phone": "13533334444",
    "father_work": "东莞长安镇电子厂",
    "address": "李家村三组八号",
    "note": "父亲欠债外出躲避",
    "hobbies": "画画和下象棋",
}
# What a correction changed before the purge (the old values sit in the audit log and in freed space),
# and the free text of a pairing and of a contact.
NEW_PHONE = "13966667777"
NEW_ADDRESS = "李家村三组八号院东厢房"
PAIR_NOTE = "每周三放学后辅导作业"
CONTACT_NOTE = "奶奶腿伤住院需要照顾"
SECRETS = [
    *(CHILD[key] for key in ("name", "name_pinyin", "birth", "id_number", "guardian", "guardian_phone")),
    *(CHILD[key] for key in ("father_phone", "father_work", "address", "note", "hobbies")),
    NEW_PHONE,
    NEW_ADDRESS,
    PAIR_NOTE,
    CONTACT_NOTE,
]


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def example_copy(tmp_path: Path) -> Path:
    """A private copy of the committed demo database (40 children, their helpers, pairings and contacts)."""
    db = tmp_path / "example.db"
    shutil.copyfile(ROOT / "lbc.example.db", db)
    os.chmod(db, 0o600)
    return db


def on_disk(db: Path) -> bytes:
    """The bytes of the database file, its WAL and its shared-memory index, as they are on disk now."""
    return b"".join(Path(f"{db}{end}").read_bytes() for end in ("", "-wal", "-shm") if Path(f"{db}{end}").exists())


def found(db: Path) -> list[str]:
    """Which of the child's values are still somewhere in the file, its WAL or its shm."""
    data = on_disk(db)
    return [secret for secret in SECRETS if secret.encode("utf-8") in data]


def enrol_the_child(run, db) -> int:
    result = run(
        "enroll", CHILD["name"], "--gender", "M", "--birth", CHILD["birth"], "--village", "李家村",
        "--id-number", CHILD["id_number"], "--guardian", CHILD["guardian"], "--guardian-phone",
        CHILD["guardian_phone"], "--father-phone", CHILD["father_phone"], "--father-work", CHILD["father_work"],
        "--address", CHILD["address"], "--note", CHILD["note"], "--hobbies", CHILD["hobbies"],
        "--consent-on", "2024-09-01", "--enrolled-on", "2024-09-01", db=db,
    )  # fmt: skip
    assert result.code == 0, result.err
    return int(result.out)


@pytest.fixture
def secure_delete_off(monkeypatch):
    """Every SQLite connection of the test, lbc's own included, starts with secure delete off: SQLite's own
    default, which a build may change (Debian's is on). Returns the count of connections opened so."""
    real = sqlite3.connect
    opened = []

    def connect(*args, **kwargs):
        connection = real(*args, **kwargs)
        connection.execute("PRAGMA secure_delete = OFF")
        opened.append(connection)
        return connection

    monkeypatch.setattr(sqlite3, "connect", connect)
    monkeypatch.setattr(sqlite3.dbapi2, "connect", connect)  # the module SQLAlchemy connects through
    return opened


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


# ---- a purge erases the bytes (SPEC section 10) ----------------------------------------------------------------------


@pytest.mark.sqlite_only("the bytes of the SQLite file, its WAL and its shm")
def test_purge_leaves_no_byte_of_the_child_in_the_file_its_wal_or_its_shm(run, tmp_path, secure_delete_off):
    db = example_copy(tmp_path)
    # Another program keeps the database open (idle) all along: lbc's own closing never folds the WAL into
    # the file nor deletes it, so whatever the purge leaves in the WAL is there to be read.
    holder = sqlite3.connect(db)
    holder.execute("SELECT COUNT(*) FROM children").fetchone()
    try:
        child = enrol_the_child(run, db)
        corrected = run("child", "update", str(child), "--guardian-phone", NEW_PHONE, "--address", NEW_ADDRESS, db=db)
        assert corrected.code == 0, corrected.err
        assert run("helper", "add", "李老师", "--role", "class-teacher", db=db).code == 0
        paired = run("pair", str(child), "李老师", "--since", "2024-09-02", "--note", PAIR_NOTE, db=db)
        assert paired.code == 0, paired.err
        logged = run(
            "log-contact", str(child), "--kind", "home-visit", "--date", "2024-10-01", "--note", CONTACT_NOTE, db=db
        )
        assert logged.code == 0, logged.err
        # 300 children enrolled after this one, and 30 of them corrected: the child's rows share their pages
        # (table and indexes) with others', pages split and are rebuilt, and copies move about.
        imported = run("import", "children", many_children_csv(tmp_path / "more.csv", 300), db=db)
        assert imported.code == 0, imported.err
        for other in range(child + 1, child + 31):
            assert run("child", "update", str(other), "--address", "路口" * (other % 5 + 1), db=db).code == 0
        assert found(db) == SECRETS  # every value is there to be found before the purge
        assert len(secure_delete_off) > 10  # lbc's connections too started with secure delete off

        done = run("child", "purge", str(child), "--yes", db=db)
        assert done.code == 0, done.err
        assert found(db) == []
        assert "backup" in done.err  # backups made before still hold the child: said so
        assert rows(db, "SELECT name, id_number, guardian_phone FROM children WHERE id = ?", child) == [
            (f"#{child}", None, None)
        ]
        # the other children are all still there, whole
        assert rows(db, "SELECT COUNT(*) FROM children WHERE name LIKE '欧%'") == [(300,)]
        assert rows(db, "SELECT address FROM children WHERE id = ?", child + 300) == [("李家村299号路口",)]
        checked = run("db", "check", db=db)
        assert checked.code == 0, checked.err
    finally:
        holder.close()


@pytest.mark.sqlite_only("a reader holding the SQLite WAL")
def test_purge_while_a_reader_holds_the_wal_warns_and_the_next_command_erases(
    run, tmp_path, secure_delete_off, monkeypatch
):
    monkeypatch.setattr(lbc_db, "BUSY_TIMEOUT_S", 0.2)
    db = example_copy(tmp_path)
    holder = sqlite3.connect(db)  # idle all along, as in the test above
    holder.execute("SELECT COUNT(*) FROM children").fetchone()
    reader = sqlite3.connect(db, isolation_level=None)
    try:
        child = enrol_the_child(run, db)
        reader.execute("BEGIN")
        assert reader.execute("SELECT name FROM children WHERE id = ?", (child,)).fetchone() == (CHILD["name"],)

        done = run("child", "purge", str(child), "--yes", db=db)
        assert done.code == 0, done.err
        assert "warning:" in done.err and "next" in done.err, done.err
        assert rows(db, "SELECT name FROM children WHERE id = ?", child) == [(f"#{child}",)]  # the purge is in
        assert CHILD["name"] in found(db)  # the reader's snapshot still needs the old pages
        pending = run("db", "check", db=db)
        assert pending.code == 1
        assert "erase" in pending.err and "pending" in pending.err, pending.err

        reader.execute("ROLLBACK")
        reader.close()
        after = run("child", "list", "--format", "csv", db=db)  # any command that opens the database
        assert after.code == 0, after.err
        assert f"#{child}" not in after.out  # a purged child is left out of lists
        assert found(db) == []
        assert run("db", "check", db=db).code == 0
    finally:
        reader.close()
        holder.close()


@pytest.mark.sqlite_only("the bytes of the SQLite file")
def test_a_purge_stopped_before_it_erased_the_bytes_is_finished_by_the_next_command(
    run, tmp_path, secure_delete_off, monkeypatch
):
    db = example_copy(tmp_path)
    holder = sqlite3.connect(db)
    holder.execute("SELECT COUNT(*) FROM children").fetchone()
    try:
        child = enrol_the_child(run, db)
        assert run("child", "update", str(child), "--guardian-phone", NEW_PHONE, db=db).code == 0
        with monkeypatch.context() as patch:  # as if the process were killed right after the purge committed
            patch.setattr(lbc_db.Database, "erase", lambda self, tables: None)
            assert run("child", "purge", str(child), "--yes", db=db).code == 0
        assert CHILD["name"] in found(db) and CHILD["guardian_phone"] in found(db)
        after = run("child", "list", "--format", "csv", db=db)  # the next command, whichever it is
        assert after.code == 0, after.err
        assert found(db) == []
        assert run("db", "check", db=db).code == 0
    finally:
        holder.close()


@pytest.mark.skipif(not ON_PG, reason="PostgreSQL only: VACUUM of the touched tables")
def test_purge_on_postgresql_vacuums_the_touched_tables_and_says_backups_keep_old_values(lbc, db):
    child = enrol_the_child(lambda *args, db: lbc(*args), db)
    before = dict(rows(db, "SELECT relname, vacuum_count FROM pg_stat_user_tables"))
    done = lbc("child", "purge", str(child), "--yes")
    assert done.code == 0, done.err
    assert "WAL archives" in done.err and "backups" in done.err
    after = dict(rows(db, "SELECT relname, vacuum_count FROM pg_stat_user_tables"))
    for table in ("children", "contacts", "pairings", "audit_log"):
        assert after[table] == before[table] + 1, table
    assert rows(db, "SELECT name FROM children WHERE id = ?", child) == [(f"#{child}",)]


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
    assert "lbc db backup" in first and "-wal and -shm" in first
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
    assert "lbc db backup" in line
    assert "Traceback" not in result.err


DAMAGE_COMMANDS = [
    ["child", "list"],
    ["remind", "--as-of", "2026-01-01"],
    ["export", "contacts", "--format", "csv"],
    ["report", "summary", "--year", "2025", "--format", "json"],
    ["score", "--year", "2025"],
    ["audit"],
    ["log-contact", "1", "--kind", "phone-call", "--date", "2026-03-01"],  # child 1 enrolled 2025-09-19
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
    "command", [["log-contact", "1", "--kind", "phone-call", "--date", "2026-03-01"], ["export", "contacts"]]
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
