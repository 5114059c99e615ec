"""Posting reminders to a channel (SPEC section 12): the platform's message format, its size and rate limits,
the HTTP or SMTP transport, the tries. `lbc remind --send` (``sending.py``) gives each channel a title and its
sections; this module turns them into messages and posts them, one connection a channel.

Only the json style is here so far; wecom, dingtalk, feishu and email follow the same three functions.
"""

import json
import time
from collections.abc import Callable
from typing import NamedTuple

from lbc_cli import i18n
from lbc_cli.errors import LbcError

TIMEOUT = 10.0  # seconds, each try
TRIES = 3
BACKOFF = 1.0  # seconds before the second try; doubled before each next one

# The most a message may hold, in bytes of its body, by style.
LIMITS = {"json": 256 * 1024}


class Section(NamedTuple):
    """One group of a channel's reminders: one helper's (headed by the helper, whose mobile is mentioned where the
    platform can), the unpaired children's, or the plan's items."""

    heading: str
    lines: list[str]  # a reminder a line, as a person reads it, in the order given
    keys: list[tuple]  # each line's send log key: (child_id or None, rule, due_date)
    records: list[dict]  # each line's reminder as data (the json style's "reminders")
    mobiles: tuple[str, ...] = ()


class Message(NamedTuple):
    text: str  # as a person reads it (`--dry-run` prints it)
    body: bytes  # what is posted
    keys: frozenset  # the send log keys of the reminders it carries


class Outcome(NamedTuple):
    """What one channel's sending came to."""

    sent: int  # messages the platform accepted
    total: int  # messages made
    delivered: set  # keys every message of which was accepted
    error: str | None  # why the channel stopped: one line, secrets masked (None: every message accepted)


class Failed(Exception):
    """A message the platform did not accept after every try: its one line (secrets masked)."""


def messages(channel, title: str, sections: list[Section]) -> list[Message]:
    """The messages of ``sections`` for ``channel``'s style, each within its size limit: whole lines, a section
    that does not fit going on in the next message under its heading again."""
    limit = LIMITS[channel.style]
    made: list[Message] = []
    lines: list[str] = [title]
    records: list[dict] = []
    keys: set = set()
    size = len(title.encode()) + 64

    def close() -> None:
        nonlocal lines, records, keys, size
        text = "\n".join(lines)
        body = json.dumps({"title": title, "text": text, "reminders": records}, ensure_ascii=False).encode()
        made.append(Message(text, body, frozenset(keys)))
        lines, records, keys, size = [title], [], set(), len(title.encode()) + 64

    for section in sections:
        lines.append(section.heading)
        size += 2 * len(section.heading.encode())
        for line, key, record in zip(section.lines, section.keys, section.records, strict=True):
            cost = 2 * len(line.encode()) + len(json.dumps(record, ensure_ascii=False).encode()) + 8
            if size + cost > limit and records:
                close()
                lines.append(section.heading)
                size += 2 * len(section.heading.encode())
            lines.append(line)
            records.append(record)
            keys.add(key)
            size += cost
    if records or len(lines) > 1:
        close()
    return made


def send(
    channel,
    title: str,
    sections: list[Section],
    *,
    sleep: Callable[[float], None] = time.sleep,
) -> Outcome:
    """Post ``channel`` its messages, one connection for all, each tried ``TRIES`` times; the first that fails
    stops the channel (the rest are sent next time)."""
    made = messages(channel, title, sections)
    accepted: set = set()
    failed: set = set()
    sent = 0
    error = None
    with _Poster(channel) as post:
        for message in made:
            try:
                _tried(lambda m=message: post(m.body), sleep)
            except Failed as exc:
                error = str(exc)
                failed |= message.keys
                for later in made[sent + 1 :]:
                    failed |= later.keys
                break
            sent += 1
            accepted |= message.keys
    return Outcome(sent, len(made), accepted - failed, error)


def send_test(channel) -> None:
    """A short message to ``channel`` saying it works; LbcError (one line) when it was not accepted."""
    text = i18n.t("channel_test_message", name=channel.name)
    section = Section("", [], [], [])
    try:
        with _Poster(channel) as post:
            body = json.dumps({"title": text, "text": text, "reminders": []}, ensure_ascii=False).encode()
            _tried(lambda: post(body), time.sleep)
    except Failed as exc:
        raise LbcError(str(exc)) from None
    del section


def password_file_problem(path: str) -> str | None:
    """Why the SMTP password file ``path`` cannot be used (a message key of i18n), or None: it must be a regular
    file of this user's, readable, and of mode 0600 (no one else may read or write it), as `lbc channel add`
    checks it and every send checks it again."""
    import os
    import stat

    try:
        info = os.stat(path)
    except OSError:
        return "password_file_missing"
    if not stat.S_ISREG(info.st_mode):
        return "password_file_not_file"
    if info.st_mode & 0o077 or (hasattr(os, "getuid") and info.st_uid != os.getuid()):
        return "password_file_open"
    if not os.access(path, os.R_OK):
        return "password_file_unreadable"
    return None


def smtp_password(channel) -> str | None:
    """The SMTP password of ``channel``: LBC_SMTP_PASSWORD, else the first line of its password file (checked by
    ``password_file_problem``: Failed when it is not fit), else None (a server that needs no login)."""
    import os

    if os.environ.get("LBC_SMTP_PASSWORD"):
        return os.environ["LBC_SMTP_PASSWORD"]
    if not channel.password_file:
        return None
    problem = password_file_problem(channel.password_file)
    if problem:
        raise Failed(i18n.t(problem, name=channel.name, file=channel.password_file))
    with open(channel.password_file, encoding="utf-8") as file:
        return file.readline().rstrip("\r\n")


def _tried(attempt: Callable[[], None], sleep: Callable[[float], None]) -> None:
    wait = BACKOFF
    for left in range(TRIES - 1, -1, -1):
        try:
            attempt()
            return
        except Failed:
            if not left:
                raise
            sleep(wait)
            wait *= 2


class _Poster:
    """One HTTP(S) connection to a webhook's host, kept open across posts; ``post(body)`` raises Failed."""

    def __init__(self, channel):
        from urllib.parse import urlsplit

        self.channel = channel
        self.url = urlsplit(channel.webhook)
        self.connection = None

    def __enter__(self):
        return self.post

    def __exit__(self, *exc) -> None:
        if self.connection is not None:
            self.connection.close()

    def _connect(self):
        import http.client

        if self.connection is None:
            kind = http.client.HTTPSConnection if self.url.scheme == "https" else http.client.HTTPConnection
            self.connection = kind(self.url.hostname, self.url.port, timeout=TIMEOUT)
        return self.connection

    def post(self, body: bytes) -> None:
        import http.client

        path = self.url.path or "/"
        if self.url.query:
            path += "?" + self.url.query
        name, host = self.channel.name, self.url.hostname
        try:
            connection = self._connect()
            connection.request("POST", path, body, {"Content-Type": "application/json; charset=utf-8"})
            response = connection.getresponse()
            answer = response.read()
        except TimeoutError:
            self._drop()
            raise Failed(i18n.t("channel_timeout", name=name, host=host, seconds=int(TIMEOUT))) from None
        except (OSError, http.client.HTTPException) as exc:
            self._drop()
            raise Failed(i18n.t("channel_unreachable", name=name, host=host, why=type(exc).__name__)) from None
        if not 200 <= response.status < 300:
            raise Failed(i18n.t("channel_http_status", name=name, host=host, status=response.status))
        del answer

    def _drop(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None
