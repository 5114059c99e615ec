"""The `lbc` command's entry point: one command per process, started and ended as cheaply as it can be.

`lbc --version` is answered before Typer or anything else is imported. Every other command runs with the
cycle collector off from the first import, and the process ends without Python's teardown (``finish``).
"""

import gc
import os
import sys


def run() -> None:
    for name in ("stdout", "stderr"):
        stream = getattr(sys, name)
        if stream is None:  # started with that descriptor closed (`lbc remind >&-`): it reads nothing
            stream = open(os.devnull, "w", encoding="utf-8")  # open until the process ends
        setattr(sys, name, ReaderMayLeave(stream, messages=name == "stderr"))
    if sys.argv[1:] == ["--version"]:
        from lbc_cli import __version__

        try:
            sys.stdout.write(f"lbc {__version__}\n")
            sys.stdout.flush()
        except OSError as exc:  # no room (`> /dev/full`): one line, exit 1, as for any command
            from lbc_cli.cli import no_room

            no_room(exc)
            finish(1)
        finish(0)
    # Reference counting frees what a command drops. The collector, left on, would rescan the thousands of
    # classes and tables SQLAlchemy and SQLModel define while they are imported (benchmarks/README.md,
    # "Start-up"). main() keeps it off for the command too (and on again only if it was on here).
    gc.disable()
    _stop_cleanly()
    from lbc_cli.errors import Stopped

    try:
        from lbc_cli.cli import main

        code = main()
    except Stopped as exc:  # before main() took over (while the libraries were imported)
        from lbc_cli import console, i18n

        console.error(i18n.t("interrupted"))
        code = 128 + exc.signum
    finish(code)


def _stop_cleanly() -> None:
    """SIGTERM, SIGHUP and SIGINT (`kill`, a closed terminal, a cron timeout, Ctrl-C) end the command with its
    transaction rolled back and its half-written file removed on the way out, not left behind: one line,
    exit 128 + the signal."""
    import signal

    from lbc_cli import errors
    from lbc_cli.errors import Stopped

    def stop(signum, _frame):
        errors.stop_signal = signum
        raise Stopped(signum)

    for signum in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
        signal.signal(signum, stop)


class ReaderMayLeave:
    """stdout or stderr, whose reader may go away (`lbc remind --fail-if-due | head -1`, `lbc … 2>&1 | true`):
    a write to a pipe with no reader is dropped and the descriptor pointed at /dev/null, so that the command
    goes on to its own end and exits with its own code (4 for something due), quietly, whichever library
    wrote (Rich's help, Click's messages, lbc's data). Everything else is the stream's own."""

    def __init__(self, stream, *, messages: bool = False):
        self._stream = stream
        # stderr: a message that finds no room (`2>/dev/full`, a cron log on a full disk) is lost, not the
        # command's exit code; stdout's data finding no room is an error of its own (exit 1)
        self._lost = OSError if messages else BrokenPipeError

    def write(self, text: str) -> int:
        try:
            return self._stream.write(text)
        except self._lost:
            self._reader_gone()
            return len(text)

    def flush(self) -> None:
        try:
            self._stream.flush()
        except self._lost:
            self._reader_gone()

    def _reader_gone(self) -> None:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, self._stream.fileno())
        os.close(devnull)
        try:
            self._stream.flush()  # what was waiting goes to /dev/null now
        except OSError:
            pass

    def __getattr__(self, name: str):
        return getattr(self._stream, name)


def finish(code: int) -> None:
    """Flush what the command wrote, then end the process at once with ``code``.

    Python's own exit frees every module, class and object one by one, for a process that is ending anyway
    (benchmarks/README.md, "Start-up"). Nothing is lost by skipping it: main() has closed every
    database connection, files written with --out are renamed into place inside the command, and lbc
    registers no exit handlers. A reader that went away (`lbc child list | head`) is no error; output that
    could not be written (a full disk) is, as it is during the command."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except BrokenPipeError:
            pass
        except OSError as exc:
            code = code or 1
            if stream is sys.stdout:
                from lbc_cli.cli import no_room

                try:
                    no_room(exc)
                except OSError:  # stderr cannot take it either: the exit code says it
                    pass
        except ValueError:  # the stream was closed
            pass
    os._exit(code)
