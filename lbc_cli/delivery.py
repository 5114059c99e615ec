"""Posting reminders to a channel (SPEC section 12): the platform's message format, its size and rate limits,
the HTTP or SMTP transport, the tries. `lbc remind --send` (``sending.py``) gives each channel a title and its
sections; this module turns them into messages and posts them, one connection a channel.

The styles, as each platform documents its group robot:
- ``wecom`` (企业微信群机器人): ``text`` messages (its Markdown cannot mention), content at most 2048 bytes of
  UTF-8, helpers mentioned by ``mentioned_mobile_list``; 20 messages a minute; answers ``{"errcode": 0}``.
- ``dingtalk`` (钉钉自定义机器人): ``text`` messages with ``at.atMobiles`` (the mobiles written as @mobile in the
  text too, so the mention shows), a body of at most 20000 bytes (errcode 460101 above it), signed in the URL
  (``timestamp`` in ms, ``sign`` = base64 HMAC-SHA256 of ``timestamp\\nsecret`` keyed by the secret); 20 a
  minute (errcode 130101 beyond); 310000 when the keyword or the signature does not match.
- ``feishu`` (飞书自定义机器人): ``text`` messages, a body of at most 20 KB, signed in the body (``timestamp`` in
  seconds, ``sign`` = base64 HMAC-SHA256 keyed by ``timestamp\\nsecret`` of nothing); 5 a second and 100 a
  minute (code 11232, or 9499 "too many request", beyond); 19021 bad signature, 19024 keyword missing; no
  mentions.
- ``json``: a plain POST of ``{"title", "text", "reminders"}`` for anything else, 256 KiB a message.
- ``email``: SMTP with implicit TLS (465, as QQ and 163 mail use) or STARTTLS (587), certificates verified, one
  plain text e-mail a message.
A channel with a custom keyword has it in every message (in the title line when the title lacks it).
"""

import re
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from typing import NamedTuple

from lbc_cli import i18n
from lbc_cli.errors import LbcError

TIMEOUT = 10.0  # seconds, each try
TRIES = 3
BACKOFF = 1.0  # seconds before the second try; doubled before each next one
RATE_WAIT = 60.0  # seconds before trying again when a platform says the robot sent too fast
MAX_ANSWER = 64 * 1024  # bytes of a webhook's answer read at most: more is no platform's answer
MAX_PASSWORD = 1024  # bytes of a password file's first line read at most

STYLES = ("json", "wecom", "dingtalk", "feishu", "email")

# The most a message may hold, in bytes, by style: of its body (wecom: of its text's UTF-8, as WeCom counts;
# email: of its text).
LIMITS = {"json": 256 * 1024, "wecom": 2048, "dingtalk": 20000, "feishu": 20000, "email": 256 * 1024}

# The platforms' rate limits: (messages, seconds) windows a robot may not exceed.
RATES = {"wecom": ((20, 60.0),), "dingtalk": ((20, 60.0),), "feishu": ((5, 1.0), (100, 60.0))}

# A reminder as data, as `remind --format csv` has it: a record given as a tuple holds these fields in this order.
RECORD_FIELDS = ("child_id", "name", "rule", "due_date", "days_overdue", "priority", "helpers")

# Bytes kept free in a Feishu body for the signature added when it is posted.
_SIGNING_ROOM = 96

# The platforms' answers that say "too fast" (tried again after RATE_WAIT) and "busy" (tried again).
_RATE_CODES = {"wecom": {45009}, "dingtalk": {130101}, "feishu": {11232}}
_BUSY_CODES = {"wecom": {-1}, "dingtalk": {-1}}

_MOBILE = re.compile(r"1[3-9][0-9]{9}")
_JSON_SPECIAL = re.compile(r'[\x00-\x1f"\\]')
_ADDRESS = re.compile(r"[^\s<>()\[\]:;,\"'@]+@(?=[A-Za-z0-9.-]+\.[A-Za-z]{2,})")


class Section(NamedTuple):
    """One group of a channel's reminders: one helper's (headed by the helper, whose mobile is mentioned where the
    platform can), the unpaired children's, or the plan's items."""

    heading: str
    lines: list[str]  # a reminder a line, as a person reads it, in the order given
    keys: list[tuple]  # each line's send log key: (child_id or None, rule, due_date)
    records: list  # each line's reminder as data (the json style's "reminders"): a dict, or RECORD_FIELDS' values
    mobiles: tuple[str, ...] = ()


class Message(NamedTuple):
    text: str  # as a person reads it (`--dry-run` prints it; mobiles masked)
    body: bytes  # what is posted (Feishu's and DingTalk's signature is added when it is posted)
    keys: frozenset  # the send log keys of the reminders it carries
    mobiles: tuple[str, ...] = ()  # the helpers it mentions (11-digit mainland mobiles)


class Outcome(NamedTuple):
    """What one channel's sending came to."""

    sent: int  # messages the platform accepted
    total: int  # messages made
    delivered: set  # keys every message of which was accepted
    error: str | None  # why the channel stopped: one line, secrets masked (None: every message accepted)


class Failed(Exception):
    """A message the platform did not accept: its one line (secrets masked). ``retry``: a later try may do better
    (a timeout, a refused connection, a 5xx, a rate limit); ``wait``: the least seconds before it."""

    def __init__(self, message: str, *, retry: bool = False, wait: float = 0.0):
        super().__init__(message)
        self.retry = retry
        self.wait = wait


# --- messages -----------------------------------------------------------------------------------------------


def messages(channel, title: str, sections: list[Section]) -> list[Message]:
    """The messages of ``sections`` for ``channel``'s style, each within its size limit: the title first (with
    the channel's keyword), then each section's heading and lines; whole lines, a section that does not fit going
    on in the next message under its heading again. Linear in the lines, one encoding a message."""
    return _Maker(channel, title).made(sections)


def mentionable(mobiles) -> tuple[str, ...]:
    """The 11-digit mainland mobiles among ``mobiles`` (spaces, dashes and a +86 prefix allowed), once each."""
    found: list[str] = []
    for mobile in mobiles or ():
        digits = re.sub(r"[\s()-]", "", str(mobile or ""))
        if digits.startswith("+86"):
            digits = digits[3:]
        elif len(digits) == 13 and digits.startswith("86"):
            digits = digits[2:]
        if _MOBILE.fullmatch(digits) and digits not in found:
            found.append(digits)
    return tuple(found)


def _json_size(text: str) -> int:
    """Bytes of ``text`` inside a JSON string (ensure_ascii off), without the quotes."""
    if _JSON_SPECIAL.search(text) is None:
        return len(text.encode())
    import json

    return len(json.dumps(text, ensure_ascii=False).encode()) - 2


def _raw_size(text: str) -> int:
    return len(text.encode())


class _Maker:
    """Packs sections into one style's messages. A message is made from pieces (section, heading, mobiles, first
    line, end) whose sizes are added up as it goes; each message's real size is checked once when it is encoded,
    and one found over the limit (the json style's records are estimated) is split in two."""

    def __init__(self, channel, title: str):
        import json

        self.json = json
        self.channel = channel
        self.style = channel.style
        if self.style not in LIMITS:
            raise LbcError(i18n.t("channel_style_unknown", name=channel.name, style=self.style))
        self.title = title
        keyword = (getattr(channel, "keyword", None) or "").strip()
        self.head = title if not keyword or keyword in title else f"{keyword} {title}"
        self.limit = LIMITS[self.style] - (_SIGNING_ROOM if self.style == "feishu" else 0)
        self.raw = self.style in ("wecom", "email")  # the limit counts the text itself, not its JSON
        self.size_of = _raw_size if self.raw else _json_size
        self.newline = 1 if self.raw else 2  # "\n" in the text, or escaped in JSON
        self.per_record = None
        self.base = self.size_of(self.head) + (0 if self.raw else len(self._body(self.head, "", (), [])))

    def made(self, sections: Iterable[Section]) -> list[Message]:
        made = list(self.each(sections))
        if self.style == "email" and len(made) > 1:  # "(2/3)" in each subject
            count = len(made)
            made = [
                message._replace(body=_email(self.channel, f"{self.head} ({number}/{count})", message.text))
                for number, message in enumerate(made, 1)
            ]
        return made

    def each(self, sections: Iterable[Section]) -> Iterator[Message]:
        """The messages one by one, each made when the one before it is taken (a county's are not all held)."""
        current: list[tuple] = []
        size = self.base
        limit = self.limit
        for section in sections:
            if not section.lines:
                continue
            section, heading, mobiles, head_cost, costs = self._prepared(section)
            if costs is None:  # a line too long for any message: cut into parts, each carrying its key
                section, costs = self._cut(section, max(limit - self.base - head_cost, 64))
            size += head_cost
            first = 0
            for index, cost in enumerate(costs):
                if size + cost > limit and (index > first or current):
                    if index > first:
                        current.append((section, heading, mobiles, first, index))
                    yield from self._encoded(current)
                    current, size, first = [], self.base + head_cost, index
                size += cost
            current.append((section, heading, mobiles, first, len(costs)))
        if current:
            yield from self._encoded(current)

    def _prepared(self, section: Section):
        """The section's heading as this style shows it, its mentions, the cost of its heading and of each line
        (None when a line would not fit even alone)."""
        mobiles = mentionable(section.mobiles) if self.style in ("wecom", "dingtalk") else ()
        heading = section.heading
        if self.style == "dingtalk" and mobiles:  # the @mobile in the text makes DingTalk show the mention
            heading = " ".join(([heading] if heading else []) + ["@" + mobile for mobile in mobiles])
        size_of, newline = self.size_of, self.newline
        per = self.per = newline
        if self.style == "json":
            if self.per_record is None:  # the records' size, estimated once from the first few (with room)
                sample = _as_objects(section.records[:64])
                encoded = len(self.json.dumps(sample, ensure_ascii=False).encode())
                self.per_record = encoded * 5 // (4 * max(len(sample), 1)) + 2
            per = self.per = newline + self.per_record
        joined = "".join(section.lines)
        if self.style == "json" and _JSON_SPECIAL.search(joined) is None:
            # a line's bytes from its characters at the section's rate (encoding each line costs more; the
            # message's real size is checked when it is encoded)
            rate = len(joined.encode()) / max(len(joined), 1)
            costs = [len(line) * rate + per for line in section.lines]
        elif size_of is _raw_size or _JSON_SPECIAL.search(joined) is None:
            costs = [len(line.encode()) + per for line in section.lines]
        else:
            costs = [size_of(line) + per for line in section.lines]
        head_cost = (size_of(heading) + newline if heading else 0) + (0 if self.raw else 16 * len(mobiles))
        if max(costs) > self.limit - self.base - head_cost:
            costs = None
        return section, heading, mobiles, head_cost, costs

    def _cut(self, section: Section, room: int):
        lines, keys, records = [], [], []
        given = section.records if len(section.records) == len(section.lines) else [{}] * len(section.lines)
        for line, key, record in zip(section.lines, section.keys, given, strict=True):
            part = ""
            for char in line:
                if self.size_of(part + char) + self.per > room - 8:
                    lines.append(part)
                    keys.append(key)
                    records.append(record)
                    part = ""
                part += char
            lines.append(part)
            keys.append(key)
            records.append(record)
        section = section._replace(lines=lines, keys=keys, records=records)
        return section, [self.size_of(line) + self.per for line in lines]

    def _encoded(self, chunk: list[tuple]) -> list[Message]:
        parts = [self.head]
        keys: set = set()
        mobiles: list[str] = []
        records: list[dict] = []
        for section, heading, section_mobiles, first, end in chunk:
            if heading:
                parts.append(heading)
            parts.extend(section.lines[first:end])
            keys.update(section.keys[first:end])
            if self.style == "json":
                records.extend(section.records[first:end])
            for mobile in section_mobiles:
                if mobile not in mobiles:
                    mobiles.append(mobile)
        text = "\n".join(parts)
        body = self._body(self.head, text, tuple(mobiles), records)
        size = len(text.encode()) if self.raw else len(body)
        lines = sum(end - first for _, _, _, first, end in chunk)
        if size > self.limit and lines > 1:  # an estimate too low: split the chunk in two
            halves = _halved(chunk)
            return [message for half in halves for message in self._encoded(half)]
        if self.style == "dingtalk" and mobiles:  # as a person reads it: a mention, not a whole mobile
            from lbc_cli.validate import mask

            for mobile in mobiles:
                text = text.replace("@" + mobile, "@" + mask(mobile))
        return [Message(text, body, frozenset(keys), tuple(mobiles))]

    def _body(self, head: str, text: str, mobiles: tuple, records: list) -> bytes:
        dumps = self.json.dumps
        style = self.style
        if style == "json":
            body = {"title": self.title, "text": text, "reminders": _as_objects(records)}
            return dumps(body, ensure_ascii=False).encode()
        if style == "wecom":
            content = {"content": text}
            if mobiles:
                content["mentioned_mobile_list"] = list(mobiles)
            return dumps({"msgtype": "text", "text": content}, ensure_ascii=False).encode()
        if style == "dingtalk":
            at = {"atMobiles": list(mobiles), "isAtAll": False}
            return dumps({"msgtype": "text", "text": {"content": text}, "at": at}, ensure_ascii=False).encode()
        if style == "feishu":
            return dumps({"msg_type": "text", "content": {"text": text}}, ensure_ascii=False).encode()
        return _email(self.channel, head, text)


def _as_objects(records: list) -> list[dict]:
    """The json style's reminders as objects: a record given as a tuple named by RECORD_FIELDS."""
    return [record if type(record) is dict else dict(zip(RECORD_FIELDS, record, strict=True)) for record in records]


def _halved(chunk: list[tuple]) -> tuple[list[tuple], list[tuple]]:
    total = sum(end - first for _, _, _, first, end in chunk)
    half = total // 2
    left: list[tuple] = []
    right: list[tuple] = []
    for section, heading, mobiles, first, end in chunk:
        if half <= 0:
            right.append((section, heading, mobiles, first, end))
        elif end - first <= half:
            left.append((section, heading, mobiles, first, end))
            half -= end - first
        else:
            left.append((section, heading, mobiles, first, first + half))
            right.append((section, heading, mobiles, first + half, end))
            half = 0
    return left, right


def _recipients(channel) -> list[str]:
    return [address.strip() for address in (channel.email_to or "").split(",") if address.strip()]


def _sender(channel) -> str:
    return channel.from_address or channel.smtp_user or "lbc@localhost"


def _email(channel, subject: str, text: str) -> bytes:
    from email import policy
    from email.message import EmailMessage
    from email.utils import formatdate, make_msgid, parseaddr

    sender = _sender(channel)
    domain = parseaddr(sender)[1].rpartition("@")[2] or "localhost"  # not socket.getfqdn(): a DNS look-up
    mail = EmailMessage(policy=policy.SMTP)
    mail["Subject"] = subject
    mail["From"] = sender
    mail["To"] = ", ".join(_recipients(channel))
    mail["Date"] = formatdate(localtime=True)
    mail["Message-ID"] = make_msgid(domain=domain)  # without it and Date, spam filters score a mail down
    mail.set_content(text, charset="utf-8")
    return mail.as_bytes()


# --- sending ------------------------------------------------------------------------------------------------


def send(
    channel,
    title: str,
    sections: list[Section],
    *,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
    accepted: set | None = None,
    note: Callable[[str], None] | None = None,
) -> Outcome:
    """Post ``channel`` its messages, one connection for all, paced to the platform's rate limit, each tried
    ``TRIES`` times while a try can do better; the first that fails stops the channel (the rest are sent next
    time). A key is delivered when every message carrying it was accepted. ``accepted``: a set the keys of each
    message are added to as it is accepted, so that a caller stopped by a signal midway knows what went.
    ``note`` takes the lines said on the way (a platform asking to slow down; default: stderr)."""
    # each message made as the one before it was accepted (e-mail numbers its subjects: made first)
    made = messages(channel, title, sections) if channel.style == "email" else _Maker(channel, title).each(sections)
    return _sent(channel, made, sleep, clock, note, accepted)


def _slowed(channel, note):
    """What to say when the platform asked ``channel`` to slow down: the wait and the time of the next try."""
    if note is None:
        from lbc_cli import console

        note = console.info

    def said(seconds: float) -> None:
        at = time.strftime("%H:%M:%S", time.localtime(time.time() + seconds))
        note(i18n.t("channel_slowed", name=channel.name, seconds=f"{seconds:g}", at=at))

    return said


def _sent(channel, made: Iterable[Message], sleep, clock, note=None, accepted: set | None = None) -> Outcome:
    pace = _Pace(RATES.get(channel.style, ()), sleep, clock)
    slowed = _slowed(channel, note)
    accepted = set() if accepted is None else accepted
    failed: set = set()
    sent = total = 0
    error = None
    with _poster(channel) as post:
        made = iter(made)
        for message in made:
            total += 1
            try:
                _tried(lambda m=message: post(m), sleep, pace, slowed)
            except Failed as exc:
                error = str(exc)
                failed |= message.keys
                for later in made:  # the rest, not posted: a key in one of them is not delivered
                    total += 1
                    failed |= later.keys
                break
            sent += 1
            accepted |= message.keys
    return Outcome(sent, total, accepted - failed, error)


def send_test(
    channel, *, sleep: Callable[[float], None] = time.sleep, note: Callable[[str], None] | None = None
) -> None:
    """A short message to ``channel`` in its style (its keyword included) saying it works; LbcError (one line)
    when it was not accepted."""
    text = i18n.t("channel_test_message", name=channel.name)
    maker = _Maker(channel, text)
    made = maker.made([])
    if not made:
        made = [Message(maker.head, maker._body(maker.head, maker.head, (), []), frozenset())]
    outcome = _sent(channel, made, sleep, time.monotonic, note)
    if outcome.error:
        raise LbcError(outcome.error)


def password_file_problem(path: str) -> str | None:
    """Why the SMTP password file ``path`` cannot be used (a message key of i18n), or None: it must be a regular
    file of this user's, readable, of mode 0600 (no one else may read or write it), its first line a password:
    not empty, at most MAX_PASSWORD bytes of UTF-8 without NUL. `lbc channel add` checks it and every send checks
    it again."""
    return _password_file(path)[0]


def _password_file(path: str) -> tuple[str | None, str | None]:
    """(why the file cannot be used, or None; its password): only the first MAX_PASSWORD bytes are read, so a
    huge file (a wrong name, a disk image) costs nothing."""
    import os
    import stat

    try:
        info = os.stat(path)
    except OSError:
        return "password_file_missing", None
    if not stat.S_ISREG(info.st_mode):
        return "password_file_not_file", None
    if info.st_mode & 0o077 or (hasattr(os, "getuid") and info.st_uid != os.getuid()):
        return "password_file_open", None
    try:
        with open(path, "rb") as file:
            head = file.read(MAX_PASSWORD + 2)
    except OSError:
        return "password_file_unreadable", None
    line = head.split(b"\n", 1)[0]
    if line.endswith(b"\r"):
        line = line[:-1]
    if b"\0" in line:
        return "password_file_not_text", None
    if len(line) > MAX_PASSWORD:
        return "password_file_too_long", None
    try:
        password = line.decode("utf-8")
    except UnicodeDecodeError:
        return "password_file_not_text", None
    if not password.strip():
        return "password_file_empty", None
    return None, password


def smtp_password(channel) -> str | None:
    """The SMTP password of ``channel``: LBC_SMTP_PASSWORD, else the first line of its password file (checked by
    ``password_file_problem``: Failed when it is not fit), else None (a server that needs no login)."""
    import os

    if os.environ.get("LBC_SMTP_PASSWORD"):
        return os.environ["LBC_SMTP_PASSWORD"]
    if not channel.password_file:
        return None
    problem, password = _password_file(channel.password_file)
    if problem:
        raise Failed(i18n.t(problem, name=channel.name, file=channel.password_file))
    return password


def _tried(attempt: Callable[[], None], sleep: Callable[[float], None], pace=None, slowed=None) -> None:
    """``attempt`` tried up to TRIES times while a try can do better, backing off between; ``slowed(seconds)``
    is told when the platform asked to slow down (a wait of a minute or more is not to be silent)."""
    wait = BACKOFF
    for left in range(TRIES - 1, -1, -1):
        if pace is not None:
            pace()
        try:
            attempt()
            return
        except Failed as exc:
            if not left or not exc.retry:
                raise
            seconds = max(wait, exc.wait)
            if exc.wait and slowed is not None:
                slowed(seconds)
            sleep(seconds)
            wait *= 2


class _Pace:
    """A sliding window a rate limit: before a post, wait until each window (n messages in s seconds) has room.
    Every try counts, as the platforms count requests."""

    def __init__(self, windows, sleep, clock):
        self.windows = windows
        self.sleep = sleep
        self.clock = clock
        self.times: deque = deque(maxlen=max((n for n, _ in windows), default=1))

    def __call__(self) -> None:
        if not self.windows:
            return
        now = self.clock()
        if self.times:
            now = max(now, self.times[-1])  # a clock that a fake sleep does not move
        wait = 0.0
        for count, seconds in self.windows:
            if len(self.times) >= count:
                wait = max(wait, self.times[-count] + seconds - now)
        if wait > 0:
            self.sleep(wait)
            now += wait
        self.times.append(now)


# --- the transports -----------------------------------------------------------------------------------------


def _poster(channel):
    return _Smtp(channel) if channel.style == "email" else _Http(channel)


def _secrets(channel) -> list[str]:
    """What must never be shown of ``channel``: its webhook's key (query values, long path segments), the signing
    secret, an SMTP password in the environment."""
    import os
    from urllib.parse import parse_qsl, urlsplit

    found = [channel.sign_secret or "", os.environ.get("LBC_SMTP_PASSWORD", "")]
    if channel.webhook:
        url = urlsplit(channel.webhook)
        found += [value for _, value in parse_qsl(url.query)]
        found += [segment for segment in url.path.split("/") if len(segment) >= 12]
        found += [url.password or ""]
    return sorted({secret for secret in found if len(secret) >= 4}, key=len, reverse=True)


def _said(text: str, secrets: list[str]) -> str:
    """A platform's message as one short line: no link or hint after it, secrets and addresses' local parts
    masked."""
    text = " ".join(str(text or "").split())
    for cut in (", hint:", " hint:", ", more", " more:", " more info", " http"):
        if cut in text:
            text = text[: text.index(cut)]
    for secret in secrets:
        text = text.replace(secret, "***")
    text = _ADDRESS.sub(lambda match: match.group(0)[:1] + "***@", text)
    from lbc_cli.validate import mask_in_text

    text = mask_in_text(text)
    return text[:80].rstrip(" ,.;:") or "-"


class _Http:
    """One HTTP(S) connection to a webhook's host, kept open across posts (opened again once when the server
    closed it between two); ``post(message)`` signs the message as the style wants and raises Failed."""

    def __init__(self, channel):
        from urllib.parse import urlsplit

        self.channel = channel
        self.url = urlsplit(channel.webhook or "")
        self.host = self.url.hostname or ""
        self.connection = None
        self.used = False
        self.secrets = _secrets(channel)
        self.watch = _Watch(lambda: self.connection.last_sock if self.connection is not None else None)

    def __enter__(self):
        return self.post

    def __exit__(self, *exc) -> None:
        self.watch.stop()
        self._drop()

    def _connect(self):
        if self.connection is None:
            if self.url.scheme == "https":
                import ssl

                self.connection = _connection(True)(
                    self.host, self.url.port, timeout=TIMEOUT, context=ssl.create_default_context()
                )
            else:
                self.connection = _connection(False)(self.host, self.url.port, timeout=TIMEOUT)
            self.connection.watch = self.watch
            self.used = False
        return self.connection

    def _signed(self, body: bytes) -> tuple[str, bytes]:
        import base64
        import hashlib
        import hmac

        path = self.url.path or "/"
        if self.url.query:
            path += "?" + self.url.query
        secret = self.channel.sign_secret
        if not secret:
            return path, body
        if self.channel.style == "dingtalk":
            from urllib.parse import quote

            stamp = str(int(time.time() * 1000))
            digest = hmac.new(secret.encode(), f"{stamp}\n{secret}".encode(), hashlib.sha256).digest()
            sign = quote(base64.b64encode(digest).decode(), safe="")
            return f"{path}{'&' if '?' in path else '?'}timestamp={stamp}&sign={sign}", body
        if self.channel.style == "feishu":
            stamp = str(int(time.time()))
            digest = hmac.new(f"{stamp}\n{secret}".encode(), b"", hashlib.sha256).digest()
            sign = base64.b64encode(digest).decode()
            return path, b'{"timestamp":"%s","sign":"%s",%s' % (stamp.encode(), sign.encode(), body[1:])
        return path, body

    def post(self, message: Message) -> None:
        path, body = self._signed(message.body)
        status, answer = self._exchange(path, body)
        self._judged(status, answer)

    def _exchange(self, path: str, body: bytes) -> tuple[int, bytes]:
        """One try: connect (when not connected), post, read the answer (at most MAX_ANSWER bytes), all within
        TIMEOUT (``_Watch``)."""
        import http.client

        name, host = self.channel.name, self.host
        headers = {"Content-Type": "application/json; charset=utf-8"}
        watch = self.watch
        for again in (True, False):
            reused = self.connection is not None and self.used
            watch.start()
            try:
                connection = self._connect()
                connection.request("POST", path, body, headers)
                response = connection.getresponse()
                length = response.length
                if length is not None and length > MAX_ANSWER:
                    answer = None  # too large by its Content-Length: not read
                elif length is not None:
                    answer = response.read()
                else:  # chunked, or up to the close: no more than the cap read
                    answer = response.read(MAX_ANSWER + 1)
            except (OSError, http.client.HTTPException) as exc:
                late = watch.end()
                self._drop()
                closed = isinstance(exc, (ConnectionError, http.client.BadStatusLine))
                if reused and again and closed and not late:  # the server closed the kept connection between
                    continue  # two posts: open it again
                raise _failed(exc, late, name, host) from None
            if watch.end():  # the deadline ended the try as the answer came: not to be trusted whole
                self._drop()
                raise Failed(i18n.t("channel_timeout", name=name, host=host, seconds=_seconds()), retry=True)
            if answer is None or len(answer) > MAX_ANSWER:  # no platform answers so much: not tried again
                self._drop()
                raise Failed(i18n.t("channel_answer_too_large", name=name, host=host, kib=MAX_ANSWER // 1024))
            self.used = True
            return response.status, answer
        raise AssertionError("unreachable")  # pragma: no cover

    def _judged(self, status: int, answer: bytes) -> None:
        style, name, host = self.channel.style, self.channel.name, self.host
        good = 200 <= status < 300
        code, said = _answer_code(style, answer) if style != "json" else (None, "")
        if code is None:
            if good and style == "json":
                return
            if good:
                raise Failed(i18n.t("channel_unexpected_answer", name=name, host=host, status=status))
            rate = status == 429
            raise Failed(
                i18n.t("channel_http_status", name=name, host=host, status=status),
                retry=rate or status >= 500,
                wait=RATE_WAIT if rate else 0.0,
            )
        if code == 0 and good:
            return
        rate = code in _RATE_CODES.get(style, ()) or (
            style == "feishu" and code == 9499 and ("too many" in said.lower() or "frequen" in said.lower())
        )
        busy = code in _BUSY_CODES.get(style, ()) or (code == 0 and status >= 500)
        line = i18n.t("channel_refused", name=name, host=host, code=code, said=_said(said, self.secrets))
        raise Failed(line, retry=rate or busy, wait=RATE_WAIT if rate else 0.0)

    def _drop(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None


def _connection(https: bool):
    """http.client's connection class with Nagle's algorithm off: http.client writes a request's headers and its
    body in two sends, and the body would otherwise wait for the server's delayed acknowledgement (some 40 ms a
    post, most of the time of a county's hundreds). Connecting takes no more than what is left of the try
    (``watch``, the _Watch set on it)."""
    import http.client
    import socket

    base = http.client.HTTPSConnection if https else http.client.HTTPConnection

    class Connection(base):
        watch = None
        # the socket of the last connect, kept for the deadline: an answer read up to the close (no length, or
        # `Connection: close`) is read through a socket http.client has already let go of (``sock`` None)
        last_sock = None

        def connect(self):
            if self.watch is not None:
                self.timeout = self.watch.left()
            super().connect()
            self.last_sock = self.sock
            self.sock.settimeout(TIMEOUT)
            if self.watch is not None and self.watch.late:
                raise TimeoutError
            self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    return Connection


class _Watch:
    """The deadline of a try: connecting, posting and the whole answer within TIMEOUT in all. A socket's timeout
    bounds each read alone (a server dripping its answer a byte at a time would hold a try for ever), so a thread
    of the channel's own, started at its first try, shuts the try's socket down when the deadline passes: the
    read or write the try is in ends, and ``late`` says why. A try costs a clock reading and two turns of a lock,
    no thread of its own (a county posts some 550 messages)."""

    def __init__(self, socket_of: Callable[[], object]):
        import threading

        self.socket_of = socket_of
        self.lock = threading.Lock()
        self.deadline: float | None = None
        self.late = False
        self.stopped = threading.Event()
        self.thread = None

    def start(self) -> None:
        with self.lock:
            self.deadline = time.monotonic() + TIMEOUT
            self.late = False
        if self.thread is None:
            import threading

            self.thread = threading.Thread(target=self._run, name="lbc-deadline", daemon=True)
            self.thread.start()

    def left(self) -> float:
        """Seconds left to the try (at least a millisecond: a socket timeout of 0 would mean non-blocking)."""
        deadline = self.deadline
        return TIMEOUT if deadline is None else max(deadline - time.monotonic(), 0.001)

    def end(self) -> bool:
        """The try is over: True when the deadline ended it."""
        with self.lock:
            self.deadline = None
            return self.late

    def stop(self) -> None:
        self.stopped.set()

    def _run(self) -> None:
        import socket

        while True:
            with self.lock:
                now = time.monotonic()
                deadline = self.deadline
                if deadline is not None and now >= deadline:
                    self.deadline = deadline = None
                    self.late = True
                    sock = self.socket_of()
                    if sock is not None:
                        try:  # the plain socket's shutdown, under TLS too: the other thread's read ends
                            socket.socket.shutdown(sock, socket.SHUT_RDWR)
                        except OSError:
                            pass
                wait = TIMEOUT if deadline is None else deadline - now
            if self.stopped.wait(wait):
                return


def _failed(exc: BaseException, late: bool, name: str, host: str) -> Failed:
    """A try's network fault as one line in the session's language: the deadline, the certificate, or what
    happened to the connection in words (never an exception's class name)."""
    import ssl

    if late or isinstance(exc, TimeoutError):
        return Failed(i18n.t("channel_timeout", name=name, host=host, seconds=_seconds()), retry=True)
    if isinstance(exc, ssl.SSLCertVerificationError):
        return Failed(i18n.t("channel_certificate", name=name, host=host))
    return Failed(i18n.t("channel_unreachable", name=name, host=host, why=i18n.t(_why(exc))), retry=True)


def _why(exc: BaseException) -> str:
    """The i18n key of what happened to a connection."""
    import http.client
    import smtplib
    import socket
    import ssl

    if isinstance(exc, socket.gaierror):
        return "net_unresolved"
    if isinstance(exc, ConnectionRefusedError):
        return "net_refused"
    if isinstance(exc, ssl.SSLError) and not isinstance(exc, (ssl.SSLEOFError, ssl.SSLZeroReturnError)):
        return "net_tls"
    if isinstance(exc, (http.client.RemoteDisconnected, smtplib.SMTPServerDisconnected, ssl.SSLError)):
        return "net_closed"
    if isinstance(exc, (http.client.IncompleteRead, BrokenPipeError, ConnectionAbortedError)):
        return "net_closed"
    if isinstance(exc, ConnectionResetError):
        return "net_reset"
    if isinstance(exc, http.client.HTTPException):
        return "net_not_http"
    if isinstance(exc, OSError) and exc.errno in (101, 113):  # ENETUNREACH, EHOSTUNREACH
        return "net_no_route"
    return "net_error"


def _seconds() -> str:
    return f"{TIMEOUT:g}"


def _answer_code(style: str, answer: bytes) -> tuple[int | None, str]:
    """The platform's code and message in its answer (None: no answer of the platform's shape)."""
    import json

    try:
        data = json.loads(answer)
    except ValueError:
        return None, ""
    if not isinstance(data, dict):
        return None, ""
    fields = (("errcode", "errmsg"),)
    if style == "feishu":  # its answer, its older fields
        fields = (("code", "msg"), ("StatusCode", "StatusMessage"), *fields)
    for code, said in fields:
        if code in data:
            try:
                return int(data[code]), str(data.get(said) or "")
            except (TypeError, ValueError):
                return None, ""
    return None, ""


class _Smtp:
    """One SMTP connection for all of a channel's e-mails: implicit TLS or STARTTLS, the certificate verified,
    a login when the channel names a user; ``post(message)`` raises Failed."""

    def __init__(self, channel):
        self.channel = channel
        self.smtp = None
        self.used = False
        self.secrets = _secrets(channel)
        self.security = channel.smtp_security or ("starttls" if channel.smtp_port in (25, 587) else "tls")
        self.port = channel.smtp_port or (587 if self.security == "starttls" else 465)
        from email.utils import parseaddr

        self.envelope = parseaddr(_sender(channel))[1] or _sender(channel)
        self.pending = None  # the connection being opened (its socket is the deadline's to shut)
        self.watch = _Watch(lambda: getattr(self.smtp or self.pending, "sock", None))

    def __enter__(self):
        return self.post

    def __exit__(self, *exc) -> None:
        self.watch.stop()
        if self.smtp is not None:
            try:
                self.smtp.quit()
            except Exception:  # noqa: BLE001 (closing: nothing left to tell)
                self.smtp.close()
            self.smtp = None

    def _connect(self):
        import smtplib
        import ssl

        context = ssl.create_default_context()
        channel = self.channel
        if self.security == "starttls":
            smtp = smtplib.SMTP(timeout=self.watch.left())
        else:
            smtp = _smtp_tls()(timeout=self.watch.left(), context=context)
        smtp._host = channel.smtp_host  # the name its certificate is checked against (set when init connects)
        self.pending = smtp
        try:
            smtp.connect(channel.smtp_host, self.port)
            smtp.sock.settimeout(TIMEOUT)
            if self.security == "starttls":
                smtp.starttls(context=context)
            if channel.smtp_user:
                try:
                    password = smtp_password(channel)
                except Failed as exc:  # the password file is not fit: said for this channel
                    raise Failed(i18n.t("channel_problem", name=channel.name, problem=str(exc))) from None
                if password is None:
                    raise Failed(i18n.t("channel_no_password", name=channel.name))
                self.secrets = sorted({*self.secrets, password} - {""}, key=len, reverse=True)
                smtp.login(channel.smtp_user, password)
        except BaseException:
            smtp.close()
            raise
        finally:
            self.pending = None
        self.smtp = smtp
        self.used = False
        return smtp

    def post(self, message: Message) -> None:
        import smtplib

        name, host = self.channel.name, self.channel.smtp_host
        watch = self.watch
        for again in (True, False):
            reused = self.smtp is not None and self.used
            watch.start()
            try:
                smtp = self.smtp or self._connect()
                smtp.sendmail(self.envelope, _recipients(self.channel), message.body)
            except Failed:
                watch.end()
                raise
            except smtplib.SMTPNotSupportedError as exc:  # the server lacks STARTTLS, or a login
                watch.end()
                self._drop()
                key = "channel_no_starttls" if "STARTTLS" in str(exc).upper() else "channel_no_auth"
                raise Failed(i18n.t(key, name=name, host=host)) from None
            except (OSError, smtplib.SMTPException) as exc:
                late = watch.end()
                self._drop()
                closed = isinstance(exc, smtplib.SMTPServerDisconnected)
                if reused and again and closed and not late:  # closed between two mails: open it again
                    continue
                if late or closed or not isinstance(exc, smtplib.SMTPException):  # (SMTPException is an OSError)
                    raise _failed(exc, late, name, host) from None
                raise self._failed(exc) from None
            if watch.end():  # the deadline ended the try as the server accepted: not to be trusted
                self._drop()
                raise Failed(i18n.t("channel_timeout", name=name, host=host, seconds=_seconds()), retry=True)
            self.used = True
            return

    def _failed(self, exc) -> Failed:
        """An SMTP server's refusal as one line."""
        import smtplib

        name, host = self.channel.name, self.channel.smtp_host
        if isinstance(exc, smtplib.SMTPAuthenticationError):
            return Failed(i18n.t("channel_smtp_login", name=name, host=host, code=exc.smtp_code))
        if isinstance(exc, smtplib.SMTPRecipientsRefused):
            code, said = next(iter(exc.recipients.values()), (0, b""))
            return Failed(self._refused(code, said))
        if isinstance(exc, smtplib.SMTPResponseException):
            return Failed(self._refused(exc.smtp_code, exc.smtp_error), retry=400 <= exc.smtp_code < 500)
        # an SMTP fault with no code
        return Failed(i18n.t("channel_unreachable", name=name, host=host, why=i18n.t("net_error")), retry=True)

    def _refused(self, code, said) -> str:
        if isinstance(said, bytes):
            said = said.decode("utf-8", "replace")
        name, host = self.channel.name, self.channel.smtp_host
        return i18n.t("channel_refused", name=name, host=host, code=code, said=_said(said, self.secrets))

    def _drop(self) -> None:
        if self.smtp is not None:
            self.smtp.close()
            self.smtp = None


def _smtp_tls():
    """smtplib's implicit-TLS client, its plain socket kept as ``sock`` while the handshake runs (so the try's
    deadline can end a handshake that drips too)."""
    import smtplib

    class Tls(smtplib.SMTP_SSL):
        def _get_socket(self, host, port, timeout):
            self.sock = smtplib.SMTP._get_socket(self, host, port, timeout)
            return self.context.wrap_socket(self.sock, server_hostname=self._host)

    return Tls
