"""A copy of the process (lbc_cli.parallel.forked) hands its items over in order, its errors as raised,
and is always waited for; an import checked by a copy writes and reports exactly what one checked in
place does."""

import errno
import json
import os
import pickle
import sys
import threading
import time

import pytest
from conftest import rows

from lbc_cli import parallel
from lbc_cli.errors import ExitCode, Invalid, LbcError

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="the copy is made on Linux only")


def _pids(n: int):
    for i in range(n):
        yield i, os.getpid()


def test_the_items_come_in_order_from_another_process():
    with parallel.forked(lambda: _pids(2500)) as items:
        got = list(items)
    assert [i for i, _pid in got] == list(range(2500))
    assert {pid for _i, pid in got} != {os.getpid()} and len({pid for _i, pid in got}) == 1


def _failing(error: BaseException):
    yield "first"
    raise error


@pytest.mark.parametrize(
    "error",
    [Invalid("guardian_phone", "'999' is not a phone number", ExitCode.USAGE), LbcError("a file", details=["a"])],
)
def test_an_error_in_the_copy_is_raised_here_whole(error):
    with parallel.forked(lambda: _failing(error)) as items:
        assert next(items) == "first"
        with pytest.raises(parallel.CopyFailed) as failed:
            next(items)
    got = failed.value.error
    assert type(got) is type(error)
    notes = got.__notes__  # where the copy raised it, for --debug
    assert len(notes) == 1 and "Traceback" in notes[0] and "in _failing" in notes[0]
    del got.__notes__
    assert (str(got), got.code, got.details, vars(got)) == (str(error), error.code, error.details, vars(error))


class _Unpicklable(Exception):
    def __reduce__(self):
        raise TypeError("not this one")


def _dying():
    yield 1
    os._exit(9)


@pytest.mark.parametrize("produce", [lambda: _failing(_Unpicklable()), _dying], ids=["unpicklable", "died"])
def test_a_copy_whose_error_cannot_be_handed_over_fails_with_none(produce):
    with parallel.forked(produce) as items:
        assert next(items) in ("first", 1)
        with pytest.raises(parallel.CopyFailed) as failed:
            next(items)
    assert failed.value.error is None


def _cut_short(pipe, message: tuple) -> None:
    """The copy killed while it hands an item over: the length says more than follows."""
    data = pickle.dumps(message)
    pipe.write(parallel._LENGTH.pack(len(data)))
    pipe.write(data[: len(data) // 2])
    pipe.flush()
    os._exit(9)


def test_a_copy_that_dies_while_it_hands_an_item_over_fails_with_none(monkeypatch):
    monkeypatch.setattr(parallel, "_send", _cut_short)
    with parallel.forked(lambda: _pids(3)) as items:
        with pytest.raises(parallel.CopyFailed) as failed:
            next(items)
    assert failed.value.error is None


def test_no_copy_where_the_system_makes_no_more_processes(monkeypatch):
    def refused():
        raise BlockingIOError(errno.EAGAIN, "Resource temporarily unavailable")

    monkeypatch.setattr(os, "fork", refused)
    with parallel.forked(lambda: _pids(1)) as items:
        assert items is None


def _endless(started):
    started.write_text(str(os.getpid()))
    while True:
        yield "more"


def test_leaving_early_kills_the_copy_and_waits_for_it(tmp_path):
    started = tmp_path / "pid"
    with parallel.forked(lambda: _endless(started)) as items:
        assert next(items) == "more"
    with pytest.raises(ProcessLookupError):  # killed and reaped
        os.kill(int(started.read_text()), 0)


def test_no_copy_while_another_thread_runs():
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        with parallel.forked(lambda: _pids(1)) as items:
            assert items is None
    finally:
        stop.set()
        other.join()
    with parallel.forked(lambda: _pids(1)) as items:
        assert items is not None and list(items)[0][1] != os.getpid()


# ---- an import checked by a copy -------------------------------------------------------------

GOOD = [f"童{i},{'MF'[i % 2]},2016-01-{i % 28 + 1:02d},李家村,2024-09-01,2024-09-01\n" for i in range(2500)]
HEADER = "name,gender,birth_date,village,enrolled_on,consent_on\n"


def _fresh(run, new_db, name: str):
    target = new_db(name)
    assert run("--lang", "en", "init", db=target).code == 0
    return target


def _import(run, db, path, monkeypatch, *, copy: bool):
    forks = []
    fork = os.fork
    monkeypatch.setattr(os, "fork", lambda: forks.append(1) or fork())
    if not copy:
        monkeypatch.setattr(parallel, "available", lambda: False)
    result = run("--lang", "en", "import", "children", str(path), db=db)
    monkeypatch.undo()
    assert len(forks) == copy
    return result


def _as_jsonl(lines: list[str]) -> str:
    keys = HEADER.strip().split(",")
    return "".join(json.dumps(dict(zip(keys, line.strip().split(","), strict=True))) + "\n" for line in lines)


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])  # a CSV file's rows go in blocks, the others one by one
def test_an_import_checked_by_a_copy_writes_what_one_checked_in_place_does(run, new_db, tmp_path, monkeypatch, fmt):
    path = tmp_path / f"children.{fmt}"
    path.write_text(HEADER + "".join(GOOD) if fmt == "csv" else _as_jsonl(GOOD), encoding="utf-8")
    tables = []
    for copy in (True, False):
        db = _fresh(run, new_db, f"{copy}.db")
        result = _import(run, db, path, monkeypatch, copy=copy)
        assert (result.code, result.err) == (0, "imported 2500 rows into children\n")
        tables.append(rows(db, "SELECT id, name, name_pinyin, name_initials, gender, birth_date FROM children"))
    assert tables[0] == tables[1]
    assert len(tables[0]) == 2500
    assert tables[0][1][:5] == (2, "童1", "tong 1", "t1", "F")  # the pinyin is made by the writing process
    assert str(tables[0][1][5]) == "2016-01-02"


def test_an_import_checked_by_a_copy_reports_what_one_checked_in_place_does(run, new_db, tmp_path, monkeypatch):
    """Bad rows found by the checks (in the copy) and rows the database refuses (here: a uid taken) are
    reported together in file order."""
    uid = "7433da3c-d8a9-4456-b951-6754238508e6"
    lines = ["uid," + HEADER, *("," + line for line in GOOD)]
    lines[3] = f"{uid}," + GOOD[2]
    lines[1500] = f"{uid}," + GOOD[1499]  # the same uid again: the database refuses it
    lines[2000] = "," + GOOD[1999].replace(",李家村", ",").replace("2016-", "2099-")  # born in the future
    path = tmp_path / "children.csv"
    path.write_text("".join(lines), encoding="utf-8")
    outcomes = []
    for copy in (True, False):
        db = _fresh(run, new_db, f"{copy}.db")
        started = time.monotonic()
        result = _import(run, db, path, monkeypatch, copy=copy)
        outcomes.append((result.code, result.err, rows(db, "SELECT count(*) FROM children")))
        assert time.monotonic() - started < 60
    assert outcomes[0] == outcomes[1]
    code, err, count = outcomes[0]
    assert (code, count) == (1, [(0,)])
    assert [line.split(": ")[0].strip() for line in err.splitlines()[1:]] == [f"{path}:1501", f"{path}:2001"]
