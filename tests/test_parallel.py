"""A copy of the process (lbc_cli.parallel.forked) hands its items over in order, its errors as raised,
and is always waited for."""

import os
import sys
import threading

import pytest

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
