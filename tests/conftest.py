"""Shared fixtures: a temp database and an in-process `lbc` runner with stdout and stderr apart."""

import sqlite3
from dataclasses import dataclass
from pathlib import Path

import pytest

from lbc_cli import i18n
from lbc_cli.cli import main


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


def copy_db(source: Path, target: Path) -> Path:
    """A private copy of a template database (SQLite's backup API: its WAL included), mode 0600."""
    target.touch(mode=0o600)  # lbc warns about, and tightens, a database others can read
    src, dst = sqlite3.connect(source), sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        src.close()
        dst.close()
    return target


@pytest.fixture(scope="session")
def _initialised(tmp_path_factory) -> Path:
    """One `lbc init` (English) for the whole run; each test gets its own copy."""
    path = tmp_path_factory.mktemp("template") / "lbc.db"
    assert main(["--db", str(path), "--lang", "en", "init"]) == 0
    return path


@pytest.fixture
def db(tmp_path, _initialised) -> Path:
    """A fresh, initialised database file."""
    return copy_db(_initialised, tmp_path / "lbc.db")


@pytest.fixture
def lbc(run, db):
    """run() bound to the fresh database."""

    def invoke(*args: str) -> Result:
        return run(*args, db=db)

    return invoke


def rows(path: Path, sql: str, *params) -> list[tuple]:
    """Read the database directly, not through lbc."""
    conn = sqlite3.connect(path)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()
