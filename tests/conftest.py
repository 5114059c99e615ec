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


@pytest.fixture
def db(tmp_path, run) -> Path:
    """A fresh, initialised database file."""
    path = tmp_path / "lbc.db"
    result = run("init", db=path)
    assert result.code == 0, result.err
    return path


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
