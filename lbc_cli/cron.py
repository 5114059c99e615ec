"""`lbc cron --print`: one crontab line that runs lbc as cron runs it (SPEC section 12).

cron gives a command no locale, PATH=/usr/bin:/bin, the home folder as its working folder and /bin/sh, and turns
every `%` not written `\\%` into a newline. So the line names this lbc and the database by absolute paths, sets
LBC_LANG to the session's language, makes its own folders (a missing folder would fail the shell before lbc
runs, and nothing would be logged), appends lbc's output to a log, and writes each `%` as `\\%`. The log and the
reminders hold children's data: the line starts with `umask 077`, so that what it creates is the owner's only.

The folders are beside the SQLite file, as `db backup`'s backups are (one place to look): `logs/` and, when no
channel is set, `reminders/`; for a database on a server, those of the user data folder.
"""

import os
import re
import shlex
import sys
from pathlib import Path
from typing import NamedTuple

from lbc_cli import i18n
from lbc_cli.errors import ExitCode, LbcError
from lbc_cli.sending import stored_channels

# Mondays at 08:00: a video call with the parents is due every week (video_call_days 7), and the send log keeps a
# reminder from being sent again for resend_days (7): each week's message carries the week's work.
DEFAULT_SCHEDULE = "0 8 * * 1"

MACROS = ("@hourly", "@daily", "@midnight", "@weekly", "@monthly", "@yearly", "@annually")
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_DAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")
# minute, hour, day of the month, month, day of the week: each field's numbers and the names it may take
_FIELDS = ((0, 59, ()), (0, 23, ()), (1, 31, ()), (1, 12, _MONTHS), (0, 7, _DAYS))
_ITEM = re.compile(r"(\*|(\d{1,2})(?:-(\d{1,2}))?)(?:/(\d{1,2}))?")
# What a path in the line may not hold: a control character (a newline would end the crontab line), or a
# backslash (cron reads `\%` itself, and some crons read `\\` too)
_UNWRITABLE = re.compile(r"[\x00-\x1f\x7f\\]")


class Line(NamedTuple):
    """The crontab line, and what to tell its reader on stderr."""

    text: str
    warnings: list[str]
    notes: list[str]


def schedule(at: str | None) -> str:
    """The schedule of ``--at`` (five cron fields, or an @-macro), fields joined by one space; the default when
    none is given. Anything else is a usage error (exit 2)."""
    if at is None:
        return DEFAULT_SCHEDULE
    text = at.strip(" \t")
    if text.lower() in MACROS:
        return text.lower()
    fields = re.split(r"[ \t]+", text)
    if len(fields) == 5 and all(_field_ok(f, *limits) for f, limits in zip(fields, _FIELDS, strict=True)):
        return " ".join(fields)
    why = i18n.t("cron_bad_schedule", value=at)
    raise LbcError(
        i18n.t("bad_param", name="--at", why=why) + i18n.t("clause_sep") + i18n.t("see_help", command="lbc cron"),
        ExitCode.USAGE,
    )


def _field_ok(text: str, low: int, high: int, names: tuple[str, ...]) -> bool:
    """One field: a name alone (jan, mon: every cron reads one; not all read ranges or lists of names), or a list
    of `*`, N or N-M, each with an optional /STEP, within the field's numbers."""
    if text.lower() in names:
        return True
    for item in text.split(","):
        found = _ITEM.fullmatch(item)
        if found is None:
            return False
        first, last, step = found[2], found[3], found[4]
        if first is not None:
            a = int(first)
            b = int(last) if last is not None else a
            if not low <= a <= b <= high or (step is not None and last is None):
                return False
        if step is not None and not 1 <= int(step) <= high:
            return False
    return True


def line(db, at: str) -> Line:
    """The crontab line for ``db`` (an opened Database) at the schedule ``at`` (see ``schedule``): this lbc and the
    database by absolute paths, the session's language, `remind --send` when a channel is set, else the reminders
    written to a dated Markdown file. Refused (exit 1) when a path cannot be written in a crontab line."""
    command, pythonpath = _this_lbc()
    target, stem, folder, hidden_password = _database(db)
    logs = folder / "logs"
    log = logs / f"{stem}-cron.log"
    for path in (command[0], pythonpath or "", target, str(log)):
        _writable(path)

    channels = sorted(stored_channels(db), key=lambda channel: channel.name)
    warnings: list[str] = []
    notes: list[str] = []
    if hidden_password:
        notes.append(i18n.t("cron_pgpass"))
    folders = [str(logs)]
    if channels:
        work = "remind --send"
        notes.append(
            i18n.t("cron_sends", n=len(channels), names=i18n.t("list_sep").join(channel.name for channel in channels))
        )
    else:
        reminders = folder / "reminders"
        folders.append(str(reminders))
        work = f"remind --format md --out {shlex.quote(f'{reminders}/{stem}-')}$(date +%Y-%m-%d){shlex.quote('.md')}"
        notes.append(i18n.t("cron_no_channel", folder=str(reminders)))
    warnings += _password_warnings(channels)

    env = f"LBC_LANG={i18n.lang()}"
    if pythonpath:
        env += f" PYTHONPATH={shlex.quote(pythonpath)}"
    lbc = " ".join(shlex.quote(word) for word in command)
    shell = (
        f"umask 077; mkdir -p {' '.join(shlex.quote(f) for f in folders)} && "
        f"{{ date '+%Y-%m-%d %H:%M:%S'; {env} {lbc} --db {shlex.quote(target)} {work}; }} "
        f">> {shlex.quote(str(log))} 2>&1"
    )
    notes.append(i18n.t("cron_install", log=str(log)))
    return Line(f"{at} {shell.replace('%', chr(92) + '%')}", warnings, notes)


def _password_warnings(channels) -> list[str]:
    """An e-mail channel cron cannot send by: no password file (cron has no LBC_SMTP_PASSWORD), or one that
    cannot be used."""
    from lbc_cli.delivery import password_file_problem

    warnings = []
    for channel in channels:
        name, password_file = channel.name, channel.password_file
        if channel.style != "email":
            continue
        if not password_file:
            warnings.append(i18n.t("cron_no_password_file", name=name))
            continue
        problem = password_file_problem(password_file)
        if problem:
            warnings.append(i18n.t("cron_channel_problem", name=name, why=i18n.t(problem, file=password_file)))
    return warnings


def _this_lbc() -> tuple[list[str], str | None]:
    """The words that start this lbc from any folder, and the PYTHONPATH it needs there (None: none).

    The console script that is running (`./.venv/bin/lbc` made absolute); else (`python -m lbc_cli`, or lbc run
    inside another Python program) this interpreter with `-m lbc_cli`. When lbc_cli was found only through this
    session's PYTHONPATH or working folder (a source checkout), cron's lbc needs that folder too."""
    main = sys.modules.get("__main__")
    spec = getattr(main, "__spec__", None)
    argv0 = sys.argv[0] if sys.argv else ""
    if (spec is None or spec.name != "lbc_cli.__main__") and Path(argv0).name == "lbc" and os.access(argv0, os.X_OK):
        command = [os.path.abspath(argv0)]
        session_paths = []
    else:
        command = [os.path.abspath(sys.executable), "-m", "lbc_cli"]
        try:
            session_paths = [os.getcwd()]  # `python -m` looks in the working folder first
        except OSError:  # the working folder was removed
            session_paths = []
    session_paths += [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
    package_root = Path(__file__).resolve().parent.parent
    for path in session_paths:
        try:
            if Path(path).resolve() == package_root:
                return command, str(package_root)
        except OSError:
            continue
    return command, None


def _database(db) -> tuple[str, str, Path, bool]:
    """The database as the line names it: (--db's value, the stem of the log's and files' names, the folder of
    logs/ and reminders/, whether a password was left out). A SQLite file by its absolute path; a server's URL
    without its password (cron's lbc reads it from ~/.pgpass)."""
    if db.path is not None:
        path = Path(os.path.abspath(db.path))
        return str(path), path.stem, path.parent, False
    from platformdirs import user_data_dir

    from lbc_cli.db import url_without_password

    url, password = url_without_password(db.target)
    folder = Path(os.path.abspath(user_data_dir("lbc", appauthor=False)))
    return url.render_as_string(hide_password=False), url.database or "lbc", folder, password is not None


def _writable(path: str) -> None:
    """A path the line can hold; refused (exit 1) when it holds a control character or a backslash."""
    if _UNWRITABLE.search(path):
        shown = "".join(ch if ch.isprintable() and ch != "\\" else f"\\x{ord(ch):02x}" for ch in path)
        raise LbcError(i18n.t("cron_bad_path", path=shown))
