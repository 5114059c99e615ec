"""init, config, db path/backup/check, database safety, global options, exit codes and the audit log.

SPEC sections 2, 3, 5, 6 and 8. Every expected value is written out by hand from the spec.
"""

import csv
import gc
import io
import json
import os
import random
import shutil
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ON_PG, execute, is_url, new_target, restore_backup, rows, table_names

import lbc_cli.db as lbc_db

ROOT = Path(__file__).resolve().parent.parent

# SPEC section 5 and 6: every rule key with its default.
SPEC_DEFAULTS = {
    "rank_step": "1",
    "points_per_step": "1",
    "top_keep_rank": "10",
    "top_keep_points": "5",
    "no_violation_points": "2",
    "merit_student_points": "5",
    "yuan_per_point": "1",
    "first_place_yuan": "100",
    "excellence_max_rank": "5",
    "excellence_yuan": "50",
    "progress_min_ranks": "5",
    "progress_yuan": "30",
    "age_limit": "16",
    "video_call_days": "7",
    "parent_feedback_days": "30",
    "priority_visit_days": "30",
    "visit_days": "90",
    "review_days": "180",
}


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def snapshot(path: Path | str) -> tuple[bytes, bytes] | dict:
    """The file's bytes and its WAL's, once every connection lbc left behind has been closed
    (PostgreSQL: every table's rows)."""
    gc.collect()
    if is_url(path):
        return {name: rows(path, f'SELECT * FROM "{name}" ORDER BY 1') for name in table_names(path)}
    wal = Path(f"{path}-wal")
    return path.read_bytes(), wal.read_bytes() if wal.exists() else b""


def sidecars(path: Path) -> list[Path]:
    return [p for p in (Path(f"{path}-wal"), Path(f"{path}-shm"), Path(f"{path}-journal")) if p.exists()]


def enroll(lbc, name: str, birth: str = "2015-03-04", *extra: str) -> str:
    result = lbc("enroll", name, "--gender", "M", "--birth", birth, "--enrolled-on", "2024-09-01", *extra)
    assert result.code == 0, result.err
    return result.out.strip()


def csv_rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def cli(args: list[str], cwd: Path, *, env: dict | None = None, code: str | None = None) -> subprocess.CompletedProcess:
    """Run lbc in a fresh interpreter (`python -m lbc_cli ARGS`, or `python -c CODE ARGS`)."""
    full_env = {**os.environ, "COLUMNS": "200", "NO_COLOR": "1", **(env or {})}
    command = [sys.executable, "-c", code] if code else [sys.executable, "-m", "lbc_cli"]
    return subprocess.run(
        [*command, *args], cwd=cwd, env=full_env, capture_output=True, text=True, timeout=120, check=False
    )


# ---- init ------------------------------------------------------------------------------------


@pytest.mark.sqlite_only("the new file's mode 0600 and its WAL journal")
def test_init_creates_a_private_wal_database_with_a_schema_version(run, tmp_path):
    path = tmp_path / "township" / "lbc.db"
    result = run("init", db=path)
    assert result.code == 0, result.err
    assert result.out == ""
    assert path.is_file()
    assert mode(path) == 0o600
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    finally:
        conn.close()
    assert rows(path, "SELECT version FROM schema_version") == [(lbc_db.SCHEMA_VERSION,)]
    for sidecar in sidecars(path):
        assert mode(sidecar) & 0o077 == 0, sidecar


def test_init_twice_is_fine_and_keeps_the_data(run, lbc, db):
    enroll(lbc, "王小明")
    again = run("init", db=db)
    assert again.code == 0, again.err
    assert rows(db, "SELECT name FROM children") == [("王小明",)]
    assert rows(db, "SELECT version FROM schema_version") == [(lbc_db.SCHEMA_VERSION,)]
    assert is_url(db) or mode(db) == 0o600


def test_init_example_loads_the_demo_into_a_new_database(run, new_db):
    path = new_db("demo.db")
    result = run("init", "--example", db=path)
    assert result.code == 0, result.err
    assert rows(path, "SELECT COUNT(*) FROM children") == [(40,)]
    assert rows(path, "SELECT COUNT(*) FROM helpers") == [(12,)]
    assert rows(path, "SELECT COUNT(DISTINCT village) FROM children") == [(3,)]
    assert is_url(path) or mode(path) == 0o600
    check = run("db", "check", db=path)
    assert check.code == 0, check.err


def test_init_example_loads_into_an_initialised_empty_database(run, db):
    result = run("init", "--example", db=db)
    assert result.code == 0, result.err
    assert rows(db, "SELECT COUNT(*) FROM children") == [(40,)]
    assert rows(db, "SELECT COUNT(*) FROM helpers") == [(12,)]


def test_init_example_refuses_when_children_exist(run, lbc, db):
    enroll(lbc, "王小明")
    tables = ("children", "helpers", "pairings", "contacts", "exams", "audit_log")
    before = {t: rows(db, f"SELECT * FROM {t}") for t in tables}
    result = run("init", "--example", db=db)
    assert result.code == 1
    assert result.out == ""
    assert "already holds records" in result.err
    assert {t: rows(db, f"SELECT * FROM {t}") for t in tables} == before


def test_init_example_audit_rows_name_the_os_user(run, new_db, monkeypatch):
    for var in ("LOGNAME", "USER", "LNAME", "USERNAME"):
        monkeypatch.setenv(var, "cunguan")
    path = new_db("demo.db")
    assert run("init", "--example", db=path).code == 0
    users = rows(path, "SELECT DISTINCT os_user FROM audit_log")
    assert users == [("cunguan",)]


# ---- opening a database: missing, not a database, not ours, newer, older -------------------


@pytest.mark.parametrize(
    "args",
    [
        ["child", "list"],
        ["helper", "list"],
        ["helper", "add", "张老师", "--role", "other"],
        ["enroll", "王小明", "--gender", "M", "--birth", "2015-03-04"],
        ["config", "list"],
        ["config", "get", "age_limit"],
        ["db", "check"],
    ],
)
def test_a_missing_database_exits_3_with_one_line_and_is_not_created(run, new_db, args):
    path = new_db("nowhere/lbc.db")  # PostgreSQL: an empty database, where lbc has not been set up
    result = run(*args, db=path)
    assert result.code == 3
    assert result.out == ""
    assert len(result.err.strip().splitlines()) == 1, result.err
    assert "lbc init" in result.err
    assert "Traceback" not in result.err
    if is_url(path):
        assert table_names(path) == []
    else:
        assert not path.exists()
        assert not path.parent.exists()


@pytest.mark.skipif(not ON_PG, reason="PostgreSQL only: a server's refusals")
@pytest.mark.parametrize("problem", ["no-database", "no-server", "no-role"])
def test_a_server_that_refuses_exits_3_in_one_line_without_the_password(run, db, problem):
    from sqlalchemy.engine import make_url

    url = make_url(db).set(password="s3cret-pw")
    if problem == "no-database":
        url = url.set(database="lbc_no_such_database")
    elif problem == "no-server":
        url = url.set(port=1)
    else:
        url = url.set(username="lbc_no_such_role")
    result = run("child", "list", db=url.render_as_string(hide_password=False))
    assert result.code == 3, result.err
    assert result.out == ""
    [line] = result.err.splitlines()
    assert line.startswith("lbc: error: cannot open the database ")
    assert "s3cret-pw" not in line and "***" in line
    why = {"no-database": "no such database", "no-server": "connection refused", "no-role": "no such database or role"}
    assert why[problem] in line, line


@pytest.mark.skipif(not ON_PG, reason="PostgreSQL only: a URL with no driver")
@pytest.mark.parametrize("scheme", ["postgresql", "postgres"])
def test_a_postgresql_url_without_a_driver_uses_psycopg(run, lbc, db, scheme):
    enroll(lbc, "王小明")
    result = run("child", "list", "--format", "csv", db=scheme + "://" + str(db).split("://", 1)[1])
    assert result.code == 0, result.err
    assert "王小明" in result.out


@pytest.mark.sqlite_only("a database file not created in an existing folder")
def test_a_missing_database_is_not_created_beside_an_existing_folder(run, tmp_path):
    path = tmp_path / "lbc.db"
    result = run("helper", "list", db=path)
    assert result.code == 3
    assert list(tmp_path.iterdir()) == []


@pytest.mark.sqlite_only("a missing database file")
def test_backup_of_a_missing_database_exits_3_and_writes_nothing(run, tmp_path):
    result = run("db", "backup", str(tmp_path / "copy.db"), db=tmp_path / "lbc.db")
    assert result.code == 3
    assert list(tmp_path.iterdir()) == []


NOT_SQLITE = {
    "text": b"hello world, not sqlite",
    "random": random.Random(20230901).randbytes(5000),
    "sqlite-magic-then-garbage": b"SQLite format 3\x00" + random.Random(7).randbytes(4080),
}


@pytest.mark.sqlite_only("a file that is not an SQLite database")
@pytest.mark.parametrize("content", NOT_SQLITE.values(), ids=NOT_SQLITE.keys())
@pytest.mark.parametrize("args", [["child", "list"], ["init"], ["helper", "add", "张老师", "--role", "other"]])
def test_a_file_that_is_not_a_database_exits_3_and_is_left_untouched(run, tmp_path, content, args):
    path = tmp_path / "notes.db"
    path.write_bytes(content)
    os.chmod(path, 0o600)
    result = run(*args, db=path)
    assert result.code == 3
    assert result.out == ""
    assert len(result.err.strip().splitlines()) == 1, result.err
    assert "not an lbc database" in result.err
    assert "Traceback" not in result.err
    assert snapshot(path) == (content, b"")
    assert sidecars(path) == []


@pytest.mark.parametrize(
    "kind",
    [
        "text",
        "random",
        "sqlite-magic-then-garbage",
        "foreign-sqlite",
    ],
)
@pytest.mark.sqlite_only("a refused file's mode")
def test_a_refused_file_keeps_its_mode(run, tmp_path, kind):
    path = tmp_path / "other.db"
    if kind == "foreign-sqlite":
        _foreign_database(path)
    else:
        path.write_bytes(NOT_SQLITE[kind])
    os.chmod(path, 0o644)
    result = run("child", "list", db=path)
    assert result.code == 3
    assert mode(path) == 0o644
    assert "0600" not in result.err


def _foreign_database(path: Path | str) -> Path | str:
    path = new_target(path)
    execute(path, "CREATE TABLE recipes (id INTEGER PRIMARY KEY, title TEXT)")
    execute(path, "INSERT INTO recipes (id, title) VALUES (1, '红烧肉')")
    return path


@pytest.mark.parametrize("args", [["child", "list"], ["init"]])
def test_a_sqlite_database_of_another_program_exits_3(run, tmp_path, args):
    path = _foreign_database(tmp_path / "recipes.db")
    result = run(*args, db=path)
    assert result.code == 3
    assert "not an lbc database" in result.err
    assert table_names(path) == ["recipes"]
    assert rows(path, "SELECT title FROM recipes") == [("红烧肉",)]


@pytest.mark.sqlite_only("the file's bytes")
@pytest.mark.parametrize("args", [["child", "list"], ["init"]])
def test_a_sqlite_database_of_another_program_is_left_byte_for_byte_untouched(run, tmp_path, args):
    path = tmp_path / "recipes.db"
    _foreign_database(path)
    os.chmod(path, 0o600)
    before = snapshot(path)
    result = run(*args, db=path)
    assert result.code == 3
    assert snapshot(path) == before


def _stamp_newer(path: Path | str) -> None:
    execute(
        path,
        "INSERT INTO schema_version (uid, version, applied_at) VALUES ('future', 999, '2030-01-01T00:00:00+00:00')",
    )


@pytest.mark.parametrize(
    "args", [["child", "list"], ["init"], ["helper", "add", "张老师", "--role", "other"], ["config", "list"]]
)
def test_a_database_of_a_newer_schema_exits_3_and_is_left_untouched(run, lbc, db, args):
    enroll(lbc, "王小明")
    _stamp_newer(db)
    before = snapshot(db)
    result = run(*args, db=db)
    assert result.code == 3
    assert result.out == ""
    assert "999" in result.err
    assert "Traceback" not in result.err
    assert snapshot(db) == before
    assert rows(db, "SELECT COUNT(*) FROM helpers") == [(0,)]
    assert rows(db, "SELECT MAX(version) FROM schema_version") == [(999,)]


def _columns(path: Path | str, table: str) -> list[str]:
    if is_url(path):
        sql = "SELECT column_name FROM information_schema.columns WHERE table_name = ? ORDER BY ordinal_position"
        return [name for (name,) in rows(path, sql, table)]
    return [r[1] for r in rows(path, f"PRAGMA table_info({table})")]


@pytest.mark.parametrize("args", [["child", "list", "--format", "csv"], ["init"]])
def test_an_older_schema_is_backed_up_then_upgraded(run, lbc, db, tmp_path, monkeypatch, args):
    enroll(lbc, "王小明")
    enroll(lbc, "李小红", "2014-06-01")
    assert lbc("helper", "add", "张老师", "--role", "班主任").code == 0
    children = rows(db, "SELECT * FROM children ORDER BY id")
    helpers = rows(db, "SELECT * FROM helpers ORDER BY id")
    audit = rows(db, "SELECT * FROM audit_log ORDER BY id")
    assert len(children) == 2
    backups = tmp_path / "data" / "lbc" / "backups"  # PostgreSQL's: in the user data folder
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    gc.collect()
    before = set(tmp_path.iterdir())

    def add_nickname(conn) -> None:
        conn.exec_driver_sql("ALTER TABLE children ADD COLUMN nickname TEXT")

    now = lbc_db.SCHEMA_VERSION  # the version of the database made above; one more is made up here
    monkeypatch.setattr(lbc_db, "SCHEMA_VERSION", now + 1)
    monkeypatch.setattr(lbc_db, "MIGRATIONS", {now: add_nickname})
    result = run(*args, db=db)
    assert result.code == 0, result.err
    gc.collect()

    if is_url(db):
        [backup] = backups.iterdir()
        copy = restore_backup(backup)
    else:
        own = {db.name, f"{db.name}-wal", f"{db.name}-shm", f"{db.name}-journal"}
        new_files = [p for p in set(tmp_path.iterdir()) - before if p.name not in own]
        assert len(new_files) == 1, new_files
        copy = backup = new_files[0]
        assert backup.parent == db.parent
    assert backup.name in result.err
    assert mode(backup) == 0o600
    assert rows(copy, "SELECT version FROM schema_version") == [(now,)]
    assert "nickname" not in _columns(copy, "children")
    assert rows(copy, "SELECT * FROM children ORDER BY id") == children
    assert rows(copy, "SELECT * FROM helpers ORDER BY id") == helpers

    assert rows(db, "SELECT version FROM schema_version ORDER BY version") == [(now,), (now + 1,)]
    assert _columns(db, "children")[-1] == "nickname"
    assert [r[:-1] for r in rows(db, "SELECT * FROM children ORDER BY id")] == children
    assert rows(db, "SELECT nickname FROM children") == [(None,), (None,)]
    assert rows(db, "SELECT * FROM helpers ORDER BY id") == helpers
    assert rows(db, "SELECT * FROM audit_log ORDER BY id")[: len(audit)] == audit

    # Upgraded once: the next command neither upgrades nor backs up again.
    again = run("child", "list", db=db)
    assert again.code == 0, again.err
    gc.collect()
    if is_url(db):
        assert list(backups.iterdir()) == [backup]
    else:
        assert [p for p in set(tmp_path.iterdir()) - before if p.name not in own] == [backup]
    assert rows(db, "SELECT COUNT(*) FROM schema_version") == [(2,)]


@pytest.mark.sqlite_only("the database file's mode")
def test_an_existing_database_readable_by_others_is_tightened_with_a_warning(lbc, db):
    enroll(lbc, "王小明")
    os.chmod(db, 0o644)
    result = lbc("child", "list", "--format", "csv")
    assert result.code == 0, result.err
    assert mode(db) == 0o600
    assert "0600" in result.err
    assert "王小明" in result.out
    assert "0600" not in result.out


def test_a_private_database_gives_no_permission_warning(lbc, db):
    result = lbc("child", "list")
    assert result.code == 0, result.err
    assert result.err == ""


# ---- config ----------------------------------------------------------------------------------


def test_config_list_has_every_rule_key_with_the_spec_default(lbc):
    result = lbc("config", "list", "--format", "csv")
    assert result.code == 0, result.err
    table = csv_rows(result.out)
    assert table[0][:3] == ["key", "value", "default"]
    listed = {r[0]: (r[1], r[2]) for r in table[1:]}
    for key, default in SPEC_DEFAULTS.items():
        assert listed.get(key) == (default, default), key


def test_config_list_json_has_the_same_keys(lbc):
    result = lbc("config", "list", "--format", "json")
    assert result.code == 0, result.err
    listed = {item["key"]: item for item in json.loads(result.out)}
    assert set(SPEC_DEFAULTS) <= set(listed)
    assert listed["video_call_days"]["value"] == 7
    assert listed["review_days"]["default"] == 180


def test_config_get_prints_each_default(lbc):
    for key, default in SPEC_DEFAULTS.items():
        result = lbc("config", "get", key)
        assert (result.code, result.out) == (0, default + "\n"), key


def test_config_set_succeeds(lbc):
    result = lbc("config", "set", "video_call_days", "14")
    assert "internal error" not in result.err
    assert result.code == 0


def test_config_set_stores_the_value_and_audits_it(lbc, db):
    lbc("config", "set", "video_call_days", "14")  # exit code: see test_config_set_succeeds
    assert lbc("config", "get", "video_call_days").out == "14\n"
    assert rows(db, "SELECT key, value FROM settings") == [("video_call_days", "14")]
    listed = {r[0]: (r[1], r[2]) for r in csv_rows(lbc("config", "list", "--format", "csv").out)[1:]}
    assert listed["video_call_days"] == ("14", "7")
    [(command, table, action, old, new)] = rows(
        db, "SELECT command, table_name, action, old_values, new_values FROM audit_log WHERE table_name = 'settings'"
    )
    assert (command, table, action, old) == ("lbc config set", "settings", "insert", None)
    assert (json.loads(new)["key"], json.loads(new)["value"]) == ("video_call_days", "14")

    lbc("config", "set", "video_call_days", "10")
    assert lbc("config", "get", "video_call_days").out == "10\n"
    audit = rows(db, "SELECT action, old_values, new_values FROM audit_log WHERE table_name = 'settings' ORDER BY id")
    action, old, new = audit[-1]
    assert (action, json.loads(old), json.loads(new)) == ("update", {"value": "14"}, {"value": "10"})


def test_config_set_a_money_value_with_decimals(lbc):
    lbc("config", "set", "yuan_per_point", "1.5")
    assert lbc("config", "get", "yuan_per_point").out == "1.5\n"


def test_config_set_negative_interval_is_refused_with_exit_1(lbc, db):
    result = lbc("config", "set", "video_call_days", "-3")
    assert rows(db, "SELECT COUNT(*) FROM settings") == [(0,)]
    assert result.code == 1
    assert "video_call_days" in result.err


@pytest.mark.parametrize(
    ("args", "problem", "code"),
    [
        # a value out of range is refused (1); one that is not a number at all is a usage error (2)
        (["video_call_days", "--", "-3"], "at least 1", 1),
        (["video_call_days", "0"], "at least 1", 1),
        (["review_days", "--", "-180"], "at least 1", 1),
        (["video_call_days", "abc"], "not a whole number", 2),
        (["video_call_days", "7.5"], "not a whole number", 2),
        (["video_call_days", ""], "not a whole number", 2),
        (["yuan_per_point", "abc"], "not a number", 2),
        (["first_place_yuan", "一百"], "not a number", 2),
    ],
)
def test_config_set_bad_values_are_refused_and_nothing_is_written(lbc, db, args, problem, code):
    result = lbc("config", "set", *args)
    assert result.code == code
    assert args[0] in result.err
    assert problem in result.err
    assert rows(db, "SELECT COUNT(*) FROM settings") == [(0,)]
    assert rows(db, "SELECT COUNT(*) FROM audit_log") == [(0,)]
    assert lbc("config", "get", args[0]).out == SPEC_DEFAULTS[args[0]] + "\n"


def test_config_set_unknown_key_is_refused_and_nothing_is_written(lbc, db):
    result = lbc("config", "set", "holiday_days", "3")
    assert result.code == 1
    assert rows(db, "SELECT COUNT(*) FROM settings") == [(0,)]
    assert rows(db, "SELECT COUNT(*) FROM audit_log") == [(0,)]


@pytest.mark.parametrize("args", [["set", "holiday_days", "3"], ["get", "holiday_days"]])
def test_config_unknown_key_message_names_the_key(lbc, args):
    result = lbc("config", *args)
    assert result.code == 1
    assert "internal error" not in result.err
    assert "holiday_days" in result.err


def test_age_limit_change_applies_to_enrolment(lbc, db):
    # Born 2010-02-01: 15 on 2025-06-01, under the default age_limit 16.
    assert lbc("enroll", "王小明", "--gender", "M", "--birth", "2010-02-01", "--enrolled-on", "2025-06-01").code == 0
    lbc("config", "set", "age_limit", "14")
    assert lbc("config", "get", "age_limit").out == "14\n"
    result = lbc("enroll", "李小红", "--gender", "F", "--birth", "2010-03-01", "--enrolled-on", "2025-06-01")
    assert result.code == 1
    assert "14" in result.err
    assert result.out == ""
    assert rows(db, "SELECT name FROM children") == [("王小明",)]
    # 13 on 2025-06-01: still a left-behind child under age_limit 14.
    assert lbc("enroll", "陈小刚", "--gender", "M", "--birth", "2012-01-01", "--enrolled-on", "2025-06-01").code == 0


# ---- db path ---------------------------------------------------------------------------------


def test_db_path_prints_the_db_option_and_creates_nothing(run, tmp_path):
    target = tmp_path / "county" / "village.db"
    result = run("db", "path", db=target)
    assert (result.code, result.out) == (0, f"{target}\n")
    assert list(tmp_path.iterdir()) == []


def test_db_path_shows_a_url_without_its_password(run, monkeypatch):
    url = "postgresql+psycopg://lbc:s3cret@db.example.org:5432/county"
    monkeypatch.setenv("LBC_DB", url)
    result = run("db", "path")
    assert (result.code, result.out) == (0, "postgresql+psycopg://lbc:***@db.example.org:5432/county\n")
    assert "s3cret" not in result.err


def test_db_path_uses_lbc_db_from_the_environment(run, tmp_path, monkeypatch):
    monkeypatch.setenv("LBC_DB", str(tmp_path / "from-env.db"))
    result = run("db", "path")
    assert (result.code, result.out) == (0, f"{tmp_path / 'from-env.db'}\n")
    assert list(tmp_path.iterdir()) == []


def test_db_option_wins_over_lbc_db(run, tmp_path, monkeypatch):
    monkeypatch.setenv("LBC_DB", str(tmp_path / "from-env.db"))
    result = run("db", "path", db=tmp_path / "given.db")
    assert result.out == f"{tmp_path / 'given.db'}\n"


def test_db_path_default_is_lbc_db_in_the_xdg_data_dir(run, tmp_path, monkeypatch):
    data_home = tmp_path / "xdg-data"
    monkeypatch.setenv("XDG_DATA_HOME", str(data_home))
    result = run("db", "path")
    assert result.code == 0, result.err
    printed = Path(result.out.strip())
    assert printed.name == "lbc.db"
    assert printed.is_relative_to(data_home)
    assert list(tmp_path.iterdir()) == []


def test_db_path_default_is_under_home_without_xdg(run, tmp_path, monkeypatch):
    home = tmp_path / "home"
    monkeypatch.delenv("XDG_DATA_HOME", raising=False)
    monkeypatch.setenv("HOME", str(home))
    result = run("db", "path")
    assert result.code == 0, result.err
    printed = Path(result.out.strip())
    assert printed.name == "lbc.db"
    assert printed.is_relative_to(home)
    assert list(tmp_path.iterdir()) == []


# ---- db backup -------------------------------------------------------------------------------


def test_db_backup_to_a_file_is_a_private_lbc_copy(run, lbc, db, tmp_path):
    enroll(lbc, "王小明")
    enroll(lbc, "李小红", "2014-06-01", "--village", "李家村")
    target = tmp_path / "copies" / "before-import.db"
    target.parent.mkdir()
    result = lbc("db", "backup", str(target))
    assert result.code == 0, result.err
    assert result.out == f"{target}\n"
    assert mode(target) == 0o600
    restored = restore_backup(target)  # PostgreSQL: a pg_dump archive, restored with pg_restore
    assert rows(restored, "SELECT * FROM children ORDER BY id") == rows(db, "SELECT * FROM children ORDER BY id")
    assert rows(restored, "SELECT version FROM schema_version") == [(lbc_db.SCHEMA_VERSION,)]
    original = run("child", "list", "--format", "csv", db=db)
    copy = run("child", "list", "--format", "csv", db=restored)
    assert copy.code == 0, copy.err
    assert copy.out == original.out
    assert "李小红" in copy.out


def test_db_backup_refuses_to_overwrite_a_file(lbc, tmp_path):
    enroll(lbc, "王小明")
    target = tmp_path / "keep.db"
    target.write_bytes(b"keep me")
    result = lbc("db", "backup", str(target))
    assert result.code == 1
    assert result.out == ""
    assert str(target) in result.err
    assert target.read_bytes() == b"keep me"


def test_db_backup_without_a_file_prints_where_it_wrote(lbc, db, tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))  # where PostgreSQL's backups go
    enroll(lbc, "王小明")
    result = lbc("db", "backup")
    assert result.code == 0, result.err
    written = Path(result.out.strip())
    assert len(result.out.strip().splitlines()) == 1
    assert written.is_file()
    if is_url(db):
        assert written.parent == tmp_path / "data" / "lbc" / "backups"
    else:
        assert written.resolve() != db.resolve()
        assert written.parent == db.parent / "backups"
    assert mode(written) == 0o600
    assert rows(restore_backup(written), "SELECT name FROM children") == [("王小明",)]


@pytest.mark.skipif(not ON_PG, reason="PostgreSQL only: pg_dump")
def test_db_backup_without_pg_dump_says_what_to_install(lbc, tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    result = lbc("db", "backup", str(tmp_path / "copy.dump"))
    assert result.code == 1
    [line] = result.err.splitlines()
    assert "pg_dump" in line
    assert list(tmp_path.iterdir()) == []


def test_pg_dump_and_pg_restore_get_the_password_through_the_environment_never_their_command_line():
    """Found from outside: the connection string given to pg_dump and pg_restore (``--dbname=…``, which `ps`
    shows every user of the machine) kept the URL's password; it goes through PGPASSWORD alone."""
    for url, password in [
        ("postgresql+psycopg://lbc:s3cret@db.example.org:5432/county", "s3cret"),
        ("postgresql+psycopg://lbc:p%40ss@db.example.org/county", "p@ss"),
        ("postgresql://clerk@db.example.org/county", None),
    ]:
        conninfo, env, given = lbc_db._pg_client(url)
        assert conninfo.startswith("postgresql://") and "@db.example.org" in conninfo
        assert ":" not in conninfo.removeprefix("postgresql://").split("@")[0], conninfo
        assert given == password and env.get("PGPASSWORD") == password
        if password:
            assert password not in conninfo and "p%40ss" not in conninfo


@pytest.mark.skipif(not ON_PG, reason="PostgreSQL only: pg_dump")
def test_db_backup_runs_pg_dump_without_the_password_in_its_arguments(run, db, tmp_path, monkeypatch):
    """The same, end to end: a pg_dump that notes its arguments, then runs the real one."""
    real = shutil.which("pg_dump")
    assert real is not None
    noted = tmp_path / "arguments.txt"
    wrapper = tmp_path / "bin" / "pg_dump"
    wrapper.parent.mkdir()
    wrapper.write_text(f'#!/bin/sh\nprintf "%s\\n" "$@" > "{noted}"\nexec "{real}" "$@"\n')
    wrapper.chmod(0o755)
    monkeypatch.setenv("PATH", f"{wrapper.parent}{os.pathsep}{os.environ['PATH']}")
    scheme, rest = str(db).split("://", 1)
    user, host = rest.split("@", 1)
    with_password = f"{scheme}://{user.split(':')[0]}:s3cret-word@{host}"  # the test server trusts: ignored there
    done = run("db", "backup", str(tmp_path / "county.dump"), db=with_password)
    assert done.code == 0, done.err
    arguments = noted.read_text()
    assert "--dbname=" in arguments and "s3cret-word" not in arguments


# ---- db check --------------------------------------------------------------------------------


def test_db_check_on_a_sound_database_exits_0(lbc):
    enroll(lbc, "王小明")
    result = lbc("db", "check")
    assert result.code == 0, result.err
    assert result.out == ""


def test_db_check_finds_a_dangling_foreign_key(lbc, db):
    enroll(lbc, "王小明")
    columns = "uid, child_id, kind, date, no_answer"
    insert = f"INSERT INTO contacts ({columns}) VALUES ('orphan', 42, 'video-call', '2025-01-01', ?)"
    if is_url(db):  # the server enforces foreign keys: only a constraint dropped by hand lets an orphan in
        execute(db, "ALTER TABLE contacts DROP CONSTRAINT contacts_child_id_fkey")
        execute(db, insert, False)
    else:
        conn = sqlite3.connect(db)
        conn.execute("PRAGMA foreign_keys = OFF")
        conn.execute(insert, (0,))
        conn.commit()
        conn.close()
    result = lbc("db", "check")
    assert result.code == 1
    assert "contacts" in result.err
    assert "children" in result.err
    assert "Traceback" not in result.err


# ---- global options --------------------------------------------------------------------------


def test_db_option_works_anywhere_on_the_line(run, lbc, db):
    enroll(lbc, "王小明")
    enroll(lbc, "李小红", "2014-06-01")
    first = run("--db", str(db), "child", "list", "--format", "csv")
    last = run("child", "list", "--format", "csv", "--db", str(db))
    middle = run("child", "--db", str(db), "list", "--format", "csv")
    equals = run("child", "list", f"--db={db}", "--format", "csv")
    assert first.code == last.code == middle.code == equals.code == 0
    assert "李小红" in first.out and "王小明" in first.out
    assert last.out == middle.out == equals.out == first.out


def test_lang_zh_gives_chinese_messages(run, tmp_path):
    english = run("child", "list", db=tmp_path / "missing.db")
    assert english.code == 3
    assert "no database" in english.err
    for args in (["--lang", "zh", "child", "list"], ["child", "list", "--lang", "zh"], ["child", "list", "--lang=zh"]):
        result = run(*args, db=tmp_path / "missing.db")
        assert result.code == 3
        assert "不存在" in result.err, args
        assert "no database" not in result.err


def test_lbc_lang_environment_gives_chinese_messages(run, tmp_path, monkeypatch):
    monkeypatch.setenv("LBC_LANG", "zh")
    result = run("child", "list", db=tmp_path / "missing.db")
    assert result.code == 3
    assert "不存在" in result.err
    overridden = run("--lang", "en", "child", "list", db=tmp_path / "missing.db")
    assert "no database" in overridden.err


def test_version(run):
    result = run("--version")
    assert (result.code, result.out) == (0, "lbc 0.1.0\n")


def test_python_m_lbc_cli_help(tmp_path):
    result = cli(["--help"], tmp_path)
    assert result.returncode == 0, result.stderr
    for word in ("Usage", "init", "enroll", "child", "helper", "config", "db", "--db", "--lang"):
        assert word in result.stdout
    assert list(tmp_path.iterdir()) == []


def test_lbc_script_help(tmp_path):
    result = subprocess.run(
        [installed_script(), "--help"],
        cwd=tmp_path,
        env={**os.environ, "COLUMNS": "200"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "enroll" in result.stdout


def installed_script() -> str:
    script = Path(sys.executable).parent / "lbc"
    found = str(script) if script.exists() else shutil.which("lbc")
    assert found, "the lbc entry point is not installed"
    return found


def example_copy(tmp_path: Path) -> Path:
    """A private copy of the committed demo database, for the installed script to run on."""
    db = tmp_path / "example.db"
    shutil.copyfile(ROOT / "lbc.example.db", db)
    os.chmod(db, 0o600)
    return db


@pytest.mark.sqlite_only("runs the installed script on a copy of the committed SQLite example")
def test_lbc_script_ends_fast_without_losing_output_or_exit_code(run, tmp_path):
    # The script ends with os._exit after flushing (entry.finish): every byte must still arrive, through a
    # pipe as cron and `| head` read it, and the command's exit code must be the process's.
    db = example_copy(tmp_path)
    args = ["child", "list", "--format", "csv", "--as-of", "2026-11-27"]
    expected = run(*args, db=db)
    [(active,)] = rows(db, "SELECT count(*) FROM children WHERE status = 'active'")
    assert expected.code == 0 and expected.out.count("\n") == 1 + active  # the header and the roster
    env = {**os.environ, "LBC_LANG": "en"}
    done = subprocess.run([installed_script(), "--db", str(db), *args], capture_output=True, env=env, timeout=60)
    assert (done.returncode, done.stdout.decode("utf-8"), done.stderr) == (0, expected.out, b"")
    missing = subprocess.run(
        [installed_script(), "--db", str(tmp_path / "none.db"), "child", "list"], capture_output=True, env=env
    )
    assert missing.returncode == 3
    assert b"lbc init" in missing.stderr and missing.stdout == b""
    assert not (tmp_path / "none.db").exists()


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full (Linux)")
@pytest.mark.parametrize(
    "args",
    [
        ["child", "list", "--as-of", "2026-11-27"],  # a few lines: they fail at the script's last flush
        ["remind", "--as-of", "2026-11-27", "--format", "csv"],  # more than a buffer: they fail in the command
        ["--help"],
    ],
)
def test_output_that_finds_no_room_is_one_line_and_exit_1(tmp_path, args):
    # The disk fills while lbc writes: said once on stderr (no "internal error"), exit 1. Buffered as a user's
    # lbc is (no PYTHONUNBUFFERED): what is still in the buffer must not fail, and be reported, a second time.
    db = example_copy(tmp_path)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"} | {"LBC_LANG": "en"}
    with open("/dev/full", "w") as full:
        done = subprocess.run(
            [installed_script(), "--db", str(db), *args], stdout=full, stderr=subprocess.PIPE, env=env, timeout=60
        )
    assert done.returncode == 1
    assert done.stderr.decode() == "lbc: error: cannot write the output: No space left on device\n"


def test_lbc_script_started_with_stdout_closed_runs_and_keeps_its_exit_code(tmp_path):
    # `lbc remind --fail-if-due >&-` in a cron line: nothing to print to, and no traceback for it
    db = example_copy(tmp_path)
    env = {**os.environ, "LBC_LANG": "en"}
    done = subprocess.run(
        [installed_script(), "--db", str(db), "remind", "--as-of", "2026-11-27", "--fail-if-due"],
        stdin=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=env,
        timeout=60,
        preexec_fn=lambda: os.close(1),  # (in the child: its stdout closed before lbc starts)
    )
    assert (done.returncode, done.stderr) == (4, b"")


def test_help_in_chinese(tmp_path):
    by_env = cli(["--help"], tmp_path, env={"LBC_LANG": "zh"})
    assert by_env.returncode == 0, by_env.stderr
    assert "关爱工作台账" in by_env.stdout
    assert "登记一名留守儿童" in by_env.stdout
    by_option = cli(["--lang", "zh", "--help"], tmp_path, env={"LBC_LANG": "en"})
    assert by_option.returncode == 0, by_option.stderr
    assert "关爱工作台账" in by_option.stdout
    english = cli(["--help"], tmp_path, env={"LBC_LANG": "en"})
    assert "关爱工作台账" not in english.stdout
    assert "register one left-behind child" in english.stdout


HELP_IMPORTS = """
import json, sys
from lbc_cli.cli import main
codes = [main(['--help']), main(['helper', 'add', '--help'])]
heavy = sorted(m for m in ('sqlmodel', 'jinja2', 'pypinyin', 'openpyxl', 'sqlalchemy') if m in sys.modules)
# Typer's help imports these for Markdown help and rich tracebacks, which lbc does not use
unused = sorted(m for m in ('markdown_it', 'pygments') if m in sys.modules)
# used after all, they are the real ones
from rich.markdown import Markdown
from rich.traceback import Traceback
made = type(Markdown('# title')).__module__, Traceback.from_exception.__qualname__
gc_on = __import__('gc').isenabled()
with open(sys.argv[1], 'w') as fh:
    json.dump({'codes': codes, 'heavy': heavy, 'unused': unused, 'made': made, 'gc': gc_on}, fh)
"""

VERSION_IMPORTS = """
import json, sys
from lbc_cli import entry
sys.argv = ['lbc', '--version']
def finish(code):  # the process's own end (os._exit), as SystemExit here: the report is written after it
    sys.stdout.flush()
    raise SystemExit(code)
entry.finish = finish
try:
    entry.run()
except SystemExit as exc:
    code = exc.code
with open(REPORT, 'w') as fh:
    json.dump({'code': code, 'typer': 'typer' in sys.modules}, fh)
"""


def test_version_answers_before_typer_is_imported(tmp_path):
    report = tmp_path / "report.json"
    result = cli([], tmp_path, code=VERSION_IMPORTS.replace("REPORT", repr(str(report))))
    assert result.returncode == 0, result.stderr
    from lbc_cli import __version__

    assert result.stdout == f"lbc {__version__}\n"
    assert json.loads(report.read_text()) == {"code": 0, "typer": False}


def test_help_does_not_import_the_heavy_libraries(tmp_path):
    report = tmp_path / "report.json"
    result = cli([str(report)], tmp_path, code=HELP_IMPORTS)
    assert result.returncode == 0, result.stderr
    assert "Usage" in result.stdout
    assert json.loads(report.read_text()) == {
        "codes": [0, 0],
        "heavy": [],
        "unused": [],
        "made": ["rich.markdown", "Traceback.from_exception"],
        "gc": True,  # paused for a command, on again after it
    }


# ---- exit codes ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ["helper", "list", "--bogus"],
        ["child", "list", "--colour", "red"],
        ["frobnicate"],
        ["helper", "list", "--format", "xml"],
        ["config", "get"],
    ],
)
def test_usage_errors_exit_2(lbc, args):
    result = lbc(*args)
    assert result.code == 2
    assert result.out == ""
    assert "Traceback" not in result.err


INJECT_FAULT = """
import sys
from lbc_cli import store

def boom(**kwargs):
    raise RuntimeError('injected fault')

store.list_helpers = boom
from lbc_cli.cli import main
sys.exit(main(sys.argv[1:]))
"""


def test_internal_error_traceback_only_with_debug(db, tmp_path):
    quiet = cli(["--db", str(db), "helper", "list"], tmp_path, code=INJECT_FAULT)
    assert quiet.returncode == 1
    assert "Traceback" not in quiet.stderr
    assert "injected fault" not in quiet.stderr
    assert "RuntimeError" in quiet.stderr
    assert len(quiet.stderr.strip().splitlines()) == 1
    loud = cli(["--db", str(db), "helper", "list", "--debug"], tmp_path, code=INJECT_FAULT)
    assert loud.returncode != 0
    assert "Traceback" in loud.stderr
    assert "RuntimeError: injected fault" in loud.stderr


# ---- the audit log ---------------------------------------------------------------------------


@pytest.fixture
def os_user(monkeypatch) -> str:
    for var in ("LOGNAME", "USER", "LNAME", "USERNAME"):
        monkeypatch.setenv(var, "cunguan")
    return "cunguan"


def _audit(db) -> list[tuple]:
    return rows(db, "SELECT at, os_user, command, table_name, row_id, action, old_values, new_values FROM audit_log")


def test_audit_log_records_enroll_and_update(lbc, db, os_user):
    child_id = enroll(lbc, "王小明", "2015-03-04", "--village", "李家村", "--guardian-phone", "13812345678")
    assert child_id == "1"
    [(at, user, _command, table, row_id, action, old, new)] = _audit(db)
    assert at.endswith("+00:00")
    assert (user, table, row_id, action, old) == ("cunguan", "children", 1, "insert", None)
    inserted = json.loads(new)
    assert (inserted["name"], inserted["birth_date"], inserted["village"], inserted["enrolled_on"]) == (
        "王小明",
        "2015-03-04",
        "李家村",
        "2024-09-01",
    )

    assert lbc("child", "update", "王小明", "--village", "王庄村").code == 0
    at, user, command, table, row_id, action, old, new = _audit(db)[-1]
    assert (user, command, table, row_id, action) == ("cunguan", "lbc child update", "children", 1, "update")
    assert (json.loads(old), json.loads(new)) == ({"village": "李家村"}, {"village": "王庄村"})


def test_audit_command_of_enroll_holds_no_arguments(lbc, db):
    enroll(lbc, "王小明")
    assert rows(db, "SELECT command FROM audit_log") == [("lbc enroll",)]


def test_audit_command_of_group_commands_holds_no_arguments(lbc, db):
    assert lbc("helper", "add", "张老师", "--role", "班主任", "--phone", "13800001234").code == 0
    assert lbc("helper", "update", "张老师", "--village", "王庄村").code == 0
    # Options first, then the name: also the bare command.
    assert lbc("enroll", "--gender", "M", "--birth", "2015-03-04", "王小明").code == 0
    commands = [c for (c,) in rows(db, "SELECT command FROM audit_log ORDER BY id")]
    assert commands == ["lbc helper add", "lbc helper update", "lbc enroll"]


def test_refused_commands_leave_no_audit_rows(lbc, db):
    enroll(lbc, "王小明")
    before = _audit(db)
    assert lbc("enroll", "王小明", "--gender", "M", "--birth", "2015-03-04", "--enrolled-on", "2024-09-01").code == 1
    assert lbc("helper", "add", "张老师", "--role", "班主任", "--phone", "12").code == 1
    assert lbc("child", "update", "王五", "--village", "王庄村").code == 1
    assert _audit(db) == before


def test_init_says_created_for_a_new_database_on_either_backend(run, new_db):
    target = new_db()
    first = run("init", db=target)
    assert first.code == 0, first.err
    assert first.err.startswith("created the database"), first.err
    again = run("init", db=target)
    assert again.code == 0 and f"up to date (schema {lbc_db.SCHEMA_VERSION})" in again.err, again.err


def test_a_password_given_as_the_urls_password_parameter_stays_off_pg_dumps_command_line_too():
    """libpq also takes a password from the URL's ``password`` parameter: it goes through PGPASSWORD as well, and
    a crontab line names the server without it."""
    conninfo, env, given = lbc_db._pg_client(
        "postgresql+psycopg://lbc@db.example.org/county?password=q1&sslmode=require"
    )
    assert "q1" not in conninfo and "password" not in conninfo and "sslmode=require" in conninfo
    assert given == "q1" and env["PGPASSWORD"] == "q1"
    plain, password = lbc_db.url_without_password("postgresql+psycopg://lbc:s3cret@db.example.org/county?password=x")
    assert password == "x" and plain.password is None and "password" not in plain.query  # the driver's: the parameter


def test_a_password_given_in_both_places_reaches_pg_dump_as_the_driver_reads_it():
    """Found from outside: with a password in the user part and in ``?password=``, lbc connected with the
    parameter's and pg_dump was given the other (and failed to log in)."""
    _conninfo, env, given = lbc_db._pg_client("postgresql+psycopg://lbc:WRONG@db.example.org/county?password=right")
    assert given == "right" and env["PGPASSWORD"] == "right"
