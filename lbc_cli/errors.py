"""The one error class a command raises on purpose, and the exit codes of SPEC section 2."""

from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0
    REFUSED = 1  # not found, ambiguous, validation failure, duplicate: nothing written
    USAGE = 2  # bad option or bad option value
    DATABASE = 3  # unavailable, locked past the timeout, not a database, newer schema
    DUE = 4  # only `remind --fail-if-due` with something due
    SEND_FAILED = 5  # `remind --send` with a channel that failed (SPEC section 12)


class Stopped(BaseException):
    """The process was asked to stop (SIGTERM, SIGHUP, SIGINT): raised where it runs, so that every ``finally``
    and ``with`` on the way out rolls back its transaction and removes its temporary files."""

    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum


# The signal the process was asked to stop by, once one came: a database statement running in C when it came
# is interrupted (db.connect_sqlite's progress handler), and the error that ends it is reported as the stop.
stop_signal: int | None = None


def stop_requested() -> bool:
    return stop_signal is not None


class LbcError(Exception):
    """A refusal the user should read: one line, an exit code, nothing written."""

    def __init__(self, message: str, code: int = ExitCode.REFUSED, details: list[str] | None = None):
        super().__init__(message)
        self.message = message
        self.code = int(code)
        self.details = details or []

    def __reduce__(self):
        # whole, whatever a subclass's arguments: a copy of the process hands its errors over (parallel)
        return _rebuilt, (type(self), self.args, self.__dict__)


def _rebuilt(cls: type, args: tuple, state: dict) -> LbcError:
    error = cls.__new__(cls)
    error.args = args
    error.__dict__.update(state)
    return error


class Invalid(LbcError):
    """A value that breaks a rule (phone, id number, date range...): names the field and the problem."""

    def __init__(self, field: str, problem: str, code: int = ExitCode.REFUSED):
        super().__init__(f"{field}: {problem}", code)
        self.field = field
        self.problem = problem


class DatabaseError(LbcError):
    def __init__(self, message: str):
        super().__init__(message, ExitCode.DATABASE)


class DatabaseDamaged(DatabaseError):
    """The file is damaged (SQLite says so, in ``why``): exit 3 for a command; ``db check`` reports it as its
    finding (exit 1) with SQLite's own lines in ``details``."""

    def __init__(self, message: str, target: str, why: str, details: list[str] | None = None):
        super().__init__(message)
        self.target = target
        self.why = why
        self.details = details or []
