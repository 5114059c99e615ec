"""Work on the second core: a copy of this process (``os.fork``) that hands its results back through a pipe.

lbc's one use of a second core, behind one function (``forked``): an import's copy that checks the
file's rows while this process writes them (importer.py). Python runs one thread at a time, so work that
is Python through and through (checking a county's rows) gains nothing from a thread. A copy of the
process can do it while this one goes on: it starts with everything already loaded and built here, so it
pays no start-up, and each result comes back pickled. A copy is made only on Linux and only while no
other thread runs (a fork copies the calling thread alone: a lock another thread held would stay held in
the copy). Elsewhere ``forked`` gives None and the caller does the work in place.

The copy must never touch a database connection it inherited (the import's copy reads no database). It
ends with ``os._exit``, so nothing inherited is flushed or closed twice.
"""

import os
import pickle
import signal
import struct
import sys
import threading
import traceback
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

_LENGTH = struct.Struct("<Q")


class CopyFailed(Exception):
    """The copy raised ``error`` (None: it died, or what it raised could not be handed over)."""

    def __init__(self, error: BaseException | None):
        super().__init__(repr(error))
        self.error = error


def available() -> bool:
    return sys.platform == "linux" and threading.active_count() == 1  # (Linux always has os.fork)


@contextmanager
def forked(produce: Callable[[], Iterable[Any]]) -> Iterator[Iterator[Any] | None]:
    """``with forked(f) as items:`` the items of ``f()``, made by a copy of this process, as they come;
    None where no copy can be made. Iterating raises ``CopyFailed`` when the copy fails. Leaving the
    block before the last item kills the copy; the copy is always waited for."""
    if not available():
        yield None
        return
    read_end, write_end = os.pipe()
    parent = os.getpid()
    try:
        pid = os.fork()
    except OSError:  # no room for another process (a process limit, memory): the work is done in place
        os.close(read_end)
        os.close(write_end)
        yield None
        return
    if pid == 0:  # the copy: it never returns from here
        code = 1
        try:
            _die_with(parent)
            os.close(read_end)
            with os.fdopen(write_end, "wb") as pipe:
                try:
                    for item in produce():
                        _send(pipe, ("item", item))
                    _send(pipe, ("end", None))
                except BaseException as exc:  # handed over, to be raised there, with where it was raised
                    exc.add_note(traceback.format_exc())
                    _send(pipe, ("error", _portable(exc)))
            code = 0
        except BaseException:  # the pipe is gone: the process that asked has stopped waiting
            pass
        finally:
            os._exit(code)
    os.close(write_end)
    pipe = os.fdopen(read_end, "rb")
    state = {"ended": False}

    def items() -> Iterator[Any]:
        while True:
            header = pipe.read(_LENGTH.size)
            if len(header) < _LENGTH.size:
                raise CopyFailed(None)
            size = _LENGTH.unpack(header)[0]
            data = pipe.read(size)
            if len(data) < size:  # the copy died while it handed an item over (killed, out of memory)
                raise CopyFailed(None)
            try:
                kind, payload = pickle.loads(data)
            except Exception:  # what it handed over does not unpickle here
                raise CopyFailed(None) from None
            if kind == "end":
                state["ended"] = True
                return
            if kind == "error":
                raise CopyFailed(payload)
            yield payload

    try:
        yield items()
    finally:
        pipe.close()
        if not state["ended"]:
            os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)


def _die_with(parent: int) -> None:
    """The copy is killed when the process that made it dies (SIGKILL, SIGTERM, a crash): it must never run on
    alone under init, at full speed, holding a copy of the data. Linux's parent-death signal, set at once, and
    then a look at whether the parent died before it was set."""
    import ctypes

    pr_set_pdeathsig = 1
    try:
        ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):  # no prctl (not Linux): the pipe breaking ends it when it next writes
        pass
    if os.getppid() != parent:
        os._exit(1)


def _send(pipe, message: tuple) -> None:
    data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    pipe.write(_LENGTH.pack(len(data)))
    pipe.write(data)
    pipe.flush()  # each item as soon as it is made


def _portable(exc: BaseException) -> BaseException | None:
    """``exc`` if it survives pickling, else None."""
    try:
        return pickle.loads(pickle.dumps(exc, protocol=pickle.HIGHEST_PROTOCOL))
    except Exception:
        return None
