"""Channels (SPEC section 12): where `lbc remind --send` posts the reminders, a group robot's webhook or an
e-mail address over SMTP, each with its scope. Adding checks every option before anything is written; the
webhook's key, the signing secret and the addresses are masked in every output, message, error and in the
audit log (``masked_webhook``, ``masked_secret``, ``masked_address``: every part of lbc shows them so).

A channel is a local setting of this database: it is neither exported nor merged.
"""

import os
import re
from collections.abc import Callable
from typing import NamedTuple
from urllib.parse import urlsplit

from lbc_cli import i18n, validate
from lbc_cli.errors import ExitCode, Invalid, LbcError

WEBHOOK_STYLES = ("json", "wecom", "dingtalk", "feishu")
SIGNED_STYLES = ("dingtalk", "feishu")  # the robots with a signing secret and a custom keyword
MAX_NAME = 40
MAX_URL = 2000
MAX_SECRET = 200
MAX_KEYWORD = 40
MAX_ADDRESSES = 50
TLS_PORT = 465  # implicit TLS, as QQ and 163 mail take it
STARTTLS_PORT = 587

# ---- masking: one definition for every part ------------------------------------------------------------------

# The words of a webhook's path and the names of its query that lbc shows as they are (any case): every other
# segment or name is masked whatever its letters, since a key may be all lowercase (/api/v1/webhooks/<token>).
KNOWN_PATH_WORDS = frozenset(
    """cgi-bin webhook webhooks send robot open-apis bot v1 v2 v3 v4 hook hooks api apis services service
    incoming notify notification notifications message messages im chat json post callback trigger""".split()
)
KNOWN_QUERY_NAMES = frozenset("key access_token token timestamp sign msg_type type".split())


def masked_secret(text: str | None) -> str:
    """A secret as lbc shows it: its first four characters and ``…****`` (a short one all stars), so that two can
    be told apart and neither read."""
    if not text:
        return ""
    text = str(text)
    return text[:4] + "…****" if len(text) >= 12 else "****"


def masked_webhook(url: str | None) -> str:
    """A webhook as lbc shows it: scheme, host, port and the known words of its path (``KNOWN_PATH_WORDS``) as they
    are, every other path segment (Feishu's hook id, any token), each query value and every name not known masked,
    a user and password in it and a fragment hidden:
    ``https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=693a…****``."""
    if not url:
        return ""
    text = _printable(str(url).strip())
    try:
        parts = urlsplit(text)
        host = parts.hostname or ""
        port = parts.port
    except ValueError:
        return masked_secret(text)
    if not parts.scheme or not host:
        return masked_secret(text)
    shown = f"{parts.scheme}://"
    if "@" in parts.netloc:
        shown += "****@"
    shown += f"[{host}]" if ":" in host else host
    if port is not None:
        shown += f":{port}"
    segments = parts.path.split("/")
    shown += "/".join(s if not s or s.lower() in KNOWN_PATH_WORDS else masked_secret(s) for s in segments)
    if parts.query:
        pairs = []
        for pair in parts.query.split("&"):
            key, equals, value = pair.partition("=")
            if not equals:
                pairs.append(masked_secret(key))
            else:
                pairs.append(f"{key if key.lower() in KNOWN_QUERY_NAMES else '****'}={masked_secret(value)}")
        shown += "?" + "&".join(pairs)
    if parts.fragment:
        shown += "#****"
    return shown if len(shown) <= 120 else shown[:119] + "…"


def masked_address(address: str | None) -> str:
    """An e-mail address as lbc shows it: the first two characters of its name and the whole domain
    (``zh***@qq.com``), enough to tell the recipients apart."""
    if not address:
        return ""
    text = _printable(str(address).strip())
    name, at, domain = text.rpartition("@")
    if not at:
        return masked_secret(text)
    return f"{name[:2] if len(name) > 2 else name[:1]}***@{domain[:80]}"


def masked_addresses(joined: str | None) -> str:
    """Addresses joined by ',' (as stored), each masked, joined as the session lists things."""
    return i18n.t("list_sep").join(masked_address(a) for a in (joined or "").split(",") if a)


def _printable(text: str) -> str:
    """A value as a message line may hold it: control characters as '?' (a message stays one line)."""
    return re.sub(r"[\x00-\x1f\x7f-\x9f]", "?", text)


# ---- checking what `channel add` was given -------------------------------------------------------------------


class Given(NamedTuple):
    """The options of `lbc channel add` as typed (None: not given)."""

    name: str
    webhook: str | None = None
    style: str | None = None
    sign_secret: str | None = None
    keyword: str | None = None
    email: str | None = None
    smtp: str | None = None
    smtp_user: str | None = None
    from_address: str | None = None
    tls: bool = False
    starttls: bool = False
    password_file: str | None = None
    villages: tuple[str, ...] = ()
    helpers: tuple[str, ...] = ()


_ADDRESS_RE = re.compile(r"[A-Za-z0-9._%+'-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9-]+)+")
_HOST_RE = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?")
_ADDRESS_SEP_RE = re.compile(r"[,，;；、\s]+")


def _usage(option: str, key: str, **kwargs) -> Invalid:
    return Invalid(option, i18n.t(key, **kwargs), ExitCode.USAGE)


def check_name(name: str | None) -> str:
    """A channel's name: not empty, one line, at most ``MAX_NAME`` characters."""
    if name is not None and re.search(r"[\x00-\x1f\x7f-\x9f]", str(name)):  # a tab too: a name is one word
        raise _usage("channel", "control_chars")
    try:
        return validate.parse_text(name, "channel", required=True, limit=MAX_NAME)
    except Invalid as exc:
        exc.code = int(ExitCode.USAGE)
        raise


def check_webhook(url: str) -> str:
    """A webhook URL lbc can post to: http or https, a host, no spaces or control characters, ASCII (a character
    beyond it is written percent-encoded), at most ``MAX_URL`` characters. The error shows it masked."""
    text = str(url).strip()
    shown = masked_webhook(text) or "-"
    if not text:
        raise _usage("--webhook", "channel_url_empty")
    if len(text) > MAX_URL:
        raise _usage("--webhook", "channel_url_long", url=shown, n=MAX_URL)
    if re.search(r"[\x00-\x20\x7f-\x9f]", text) or re.search(r"\s", text):
        raise _usage("--webhook", "channel_url_chars", url=shown)
    if not text.isascii():
        raise _usage("--webhook", "channel_url_ascii", url=shown)
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError:
        raise _usage("--webhook", "channel_url_bad", url=shown) from None
    if parts.scheme.lower() not in ("http", "https"):
        raise _usage("--webhook", "channel_url_scheme", url=shown)
    if not parts.hostname:
        raise _usage("--webhook", "channel_url_host", url=shown)
    if parts.username is not None or parts.password is not None:  # never sent: a robot's key is in its URL
        raise _usage("--webhook", "channel_url_userinfo", url=shown)
    if port == 0:
        raise _usage("--webhook", "channel_url_bad", url=shown)
    return text


# The robots' own hosts: a webhook to one of them is of its style whatever --style says
PLATFORM_HOSTS = {
    "qyapi.weixin.qq.com": "wecom",
    "oapi.dingtalk.com": "dingtalk",
    "open.feishu.cn": "feishu",
    "open.larksuite.com": "feishu",
}


def platform_style(url: str) -> str | None:
    """The style of a webhook to a known platform's host (qyapi.weixin.qq.com: wecom...), else None."""
    try:
        host = (urlsplit(str(url).strip()).hostname or "").lower().rstrip(".")
    except ValueError:
        return None
    return PLATFORM_HOSTS.get(host)


def check_style(style: str | None, url: str | None = None) -> str:
    """The style's slug from its slug or label (企业微信, 钉钉, 飞书). Not given: the style of the platform whose
    host ``url`` names, else json. Given, it must be that platform's (a WeCom URL posted as JSON fails with a
    platform's error code at every send): a clash is a usage error. A known platform's host over plain http is
    refused too (its key would travel unencrypted)."""
    known = platform_style(url) if url is not None else None
    if known is not None and urlsplit(str(url).strip()).scheme.lower() != "https":
        raise _usage("--webhook", "channel_platform_http", url=masked_webhook(url))
    if style is None:
        return known or "json"
    try:
        slug = validate.parse_slug("channel_style", style, "--style")
    except Invalid as exc:
        exc.code = int(ExitCode.USAGE)
        raise
    if known is not None and slug != known:
        raise _usage(
            "--style",
            "channel_style_clash",
            style=i18n.label("channel_style", slug),
            host=urlsplit(str(url).strip()).hostname,
            platform=i18n.label("channel_style", known),
        )
    return slug


def check_addresses(text: str, option: str) -> list[str]:
    """E-mail addresses separated by ',' '，' ';' '；' '、' or spaces, each checked; the error shows it masked."""
    found = [part for part in _ADDRESS_SEP_RE.split(str(text).strip()) if part]
    if not found:
        raise _usage(option, "required")
    if len(found) > MAX_ADDRESSES:
        raise _usage(option, "channel_too_many_addresses", n=MAX_ADDRESSES)
    unique: list[str] = []
    for address in found:
        if len(address) > 254 or not _ADDRESS_RE.fullmatch(address):
            raise _usage(option, "channel_bad_address", address=masked_address(address))
        if address.lower() not in (a.lower() for a in unique):
            unique.append(address)
    return unique


def check_smtp(text: str, starttls: bool) -> tuple[str, int]:
    """``HOST[:PORT]``: a host name or address, a port 1–65535 (465 by default, 587 with STARTTLS). A Chinese
    input method's full-width colon and digits (smtp.qq.com：４６５) are read as ASCII ones."""
    import unicodedata

    raw = unicodedata.normalize("NFKC", str(text)).strip()
    host, colon, port_text = raw.rpartition(":") if ":" in raw else (raw, "", "")
    if not colon:
        host = raw
    if not host or len(host) > 253 or not _HOST_RE.fullmatch(host):
        shown = "****@" + raw.rpartition("@")[2] if "@" in raw else raw  # a user:password before the host: masked
        raise _usage("--smtp", "channel_bad_smtp", value=_printable(shown[:80]), form=i18n.help_name("HOST[:PORT]"))
    if not colon:
        return host, STARTTLS_PORT if starttls else TLS_PORT
    if not port_text.isascii() or not port_text.isdigit() or not 1 <= int(port_text) <= 65535 or len(port_text) > 5:
        raise _usage("--smtp", "channel_bad_port", value=_printable(port_text[:20]))
    return host, int(port_text)


def _check_secret(secret: str) -> str:
    text = str(secret).strip()
    if not text:
        raise _usage("--sign-secret", "empty")
    if len(text) > MAX_SECRET:
        raise _usage("--sign-secret", "too_long", n=MAX_SECRET)
    if not text.isascii() or not text.isprintable() or " " in text:
        raise _usage("--sign-secret", "channel_secret_chars")
    return text


def _checked_villages(villages) -> list[str]:
    kept: list[str] = []
    for village in villages:
        text = validate.parse_text(village, "--village", required=True, limit=validate.MAX_TEXT)
        if ";" in text:
            raise _usage("--village", "channel_village_separator", village=text)
        if text not in kept:
            kept.append(text)
    return kept


def _fields(given: Given) -> dict:
    """The channel's columns from ``given``, every rule checked that needs no database: a usage error (exit 2)
    naming the option, secrets masked."""
    values: dict = {"name": check_name(given.name)}
    webhook_options = {"--style": given.style, "--sign-secret": given.sign_secret, "--keyword": given.keyword}
    email_options = {
        "--smtp": given.smtp,
        "--smtp-user": given.smtp_user,
        "--from": given.from_address,
        "--tls": given.tls or None,
        "--starttls": given.starttls or None,
        "--password-file": given.password_file,
    }
    if (given.webhook is None) == (given.email is None):
        raise LbcError(i18n.t("channel_webhook_or_email"), ExitCode.USAGE)
    if given.webhook is not None:
        stray = next((option for option, value in email_options.items() if value is not None), None)
        if stray:
            raise _usage(stray, "channel_email_only")
        values["webhook"] = check_webhook(given.webhook)
        style = values["style"] = check_style(given.style, values["webhook"])
        for option, value in (("--sign-secret", given.sign_secret), ("--keyword", given.keyword)):
            if value is not None and style not in SIGNED_STYLES:
                raise _usage(option, "channel_signed_only", style=i18n.label("channel_style", style))
        if given.sign_secret is not None:
            values["sign_secret"] = _check_secret(given.sign_secret)
        if given.keyword is not None:
            try:
                values["keyword"] = validate.parse_text(given.keyword, "--keyword", required=True, limit=MAX_KEYWORD)
            except Invalid as exc:
                exc.code = int(ExitCode.USAGE)
                raise
        return values
    stray = next((option for option, value in webhook_options.items() if value is not None), None)
    if stray:
        raise _usage(stray, "channel_webhook_only")
    values["style"] = "email"
    values["email_to"] = ",".join(check_addresses(given.email, "--email"))
    if given.tls and given.starttls:
        raise _usage("--tls", "channel_tls_or_starttls")
    if given.smtp is None:
        raise _usage("--smtp", "channel_smtp_needed", form=i18n.help_name("HOST[:PORT]"))
    values["smtp_host"], values["smtp_port"] = check_smtp(given.smtp, given.starttls)
    values["smtp_security"] = "starttls" if given.starttls else "tls"
    sender = check_addresses(given.from_address, "--from") if given.from_address is not None else None
    if sender is not None and len(sender) > 1:
        raise _usage("--from", "channel_one_sender")
    user = None
    if given.smtp_user is not None:
        try:
            user = validate.parse_text(given.smtp_user, "--smtp-user", required=True, limit=254)
        except Invalid as exc:
            exc.code = int(ExitCode.USAGE)
            raise
    if sender is None and user is None:
        raise _usage("--from", "channel_sender_needed")
    if sender is None:
        sender = check_addresses(user, "--smtp-user")  # the login is the address mail comes from
    values["from_address"] = sender[0]
    values["smtp_user"] = user or sender[0]
    if given.password_file is not None:
        path = os.path.abspath(os.path.expanduser(str(given.password_file).strip()))
        from lbc_cli.delivery import password_file_problem

        problem = password_file_problem(path)
        if problem:
            raise LbcError(i18n.t(problem, name=values["name"], file=path), ExitCode.USAGE)
        values["password_file"] = path
    return values


# ---- the channels in the database ----------------------------------------------------------------------------


def audited(channel) -> dict:
    """A channel's values as the audit log keeps them: the webhook, the signing secret and the addresses masked
    (the log is read by whoever may read the database, and kept)."""
    values = {c.name: getattr(channel, c.name) for c in channel.__table__.columns}
    values = {k: v.isoformat() if hasattr(v, "isoformat") else v for k, v in values.items()}
    values["webhook"] = masked_webhook(channel.webhook) or None
    values["sign_secret"] = masked_secret(channel.sign_secret) or None
    values["email_to"] = ",".join(masked_address(a) for a in (channel.email_to or "").split(",") if a) or None
    values["from_address"] = masked_address(channel.from_address) or None
    if channel.smtp_user and "@" in channel.smtp_user:
        values["smtp_user"] = masked_address(channel.smtp_user)
    return values


def add(db, given: Given) -> tuple[object, list[str]]:
    """Add a channel: every option checked first (usage errors, exit 2), then its name unused and its helpers
    found (exit 1); nothing written unless all is well. Returns the channel and the warnings (a village of its
    scope where no child lives)."""
    from lbc_cli import store
    from lbc_cli.models import Channel, Helper

    values = _fields(given)
    villages = _checked_villages(given.villages)
    warnings: list[str] = []
    with db.session(write=True) as session:
        if _find(session, values["name"]) is not None:
            raise LbcError(i18n.t("channel_exists", name=values["name"]))
        helper_ids: list[int] = []
        for ref in given.helpers:
            helper = store.resolve(Helper, ref, session=session)
            if helper.id not in helper_ids:
                helper_ids.append(helper.id)
        for village in villages:
            if not _children_in(village, session=session):
                hint = store.village_hint(village, session=session, prefix=True)
                warnings.append(hint or i18n.t("channel_village_empty", village=village))
        if values["style"] == "dingtalk" and not values.get("sign_secret") and not values.get("keyword"):
            warnings.append(i18n.t("channel_dingtalk_unsecured"))
        channel = Channel(**values, villages=";".join(villages), helper_ids=";".join(map(str, helper_ids)))
        session.add(channel)
        session.flush()
        store.audit(session, Channel.__tablename__, channel.id, "insert", None, audited(channel))
    return channel, warnings


def scoped_to_helper(helper_id: int, *, session) -> list[str]:
    """The names of the channels whose scope names the helper ``helper_id`` (`helper delete` refuses them: a
    scope that silently widened or named a missing helper would post other children's reminders)."""
    from sqlalchemy import select

    from lbc_cli.models import Channel

    found = session.execute(select(Channel.name, Channel.helper_ids).where(Channel.helper_ids != "")).all()
    return sorted(name for name, ids in found if str(helper_id) in ids.split(";"))


def _children_in(village: str, *, session) -> bool:
    """Whether a child is recorded in ``village`` or, read as a township, in a village whose name starts with it
    (as `remind --village` reads it)."""
    from sqlalchemy import exists, select

    from lbc_cli.models import Child

    return bool(session.execute(select(exists().where(Child.village.startswith(village, autoescape=True)))).scalar())


def _find(session, name: str):
    from sqlalchemy import select

    from lbc_cli.models import Channel

    return session.execute(select(Channel).where(Channel.name == name)).scalars().first()


def _found(session, name: str):
    """The channel named ``name``, else an error (exit 1) naming the close ones, or saying how to list them."""
    from sqlalchemy import select

    from lbc_cli import store
    from lbc_cli.models import Channel

    text = str(name).strip()
    channel = _find(session, text) if text else None
    if channel is not None:
        return channel
    names = list(session.execute(select(Channel.name).order_by(Channel.name)).scalars())
    folded = text.casefold()
    close = [
        n for n in names if n.casefold() == folded or (folded and folded in n.casefold()) or store.one_apart(n, text)
    ]
    shown = _printable(text if len(text) <= 40 else text[:39] + "…")
    if close:
        raise LbcError(i18n.t("channel_not_found_close", name=shown, matches=i18n.t("list_sep").join(close[:3])))
    raise LbcError(i18n.t("channel_not_found", name=shown))


class Listed(NamedTuple):
    """A channel as `channel list` shows it: every secret masked, its scope's helpers by name."""

    name: str
    style: str
    where: str
    security: str
    scope: str
    created_at: object


def listing(db) -> list[Listed]:
    """Every channel in order of name, as people may see it."""
    from sqlalchemy import select

    from lbc_cli.models import Channel, Helper

    with db.session() as session:
        channels = list(session.execute(select(Channel).order_by(Channel.name)).scalars())
        ids = {int(i) for c in channels for i in c.helper_ids.split(";") if i}
        names = dict(session.execute(select(Helper.id, Helper.name).where(Helper.id.in_(ids))).all()) if ids else {}
    return [Listed(c.name, c.style, where(c), security(c), scope(c, names), c.created_at) for c in channels]


def where(channel) -> str:
    """Where a channel posts, masked: its webhook, or its addresses and mail server."""
    if channel.style == "email":
        return i18n.t(
            "channel_where_email",
            to=masked_addresses(channel.email_to),
            server=f"{channel.smtp_host}:{channel.smtp_port}",
        )
    return masked_webhook(channel.webhook)


def security(channel) -> str:
    """A channel's security settings as people read them: the signing secret (set, masked) and the keyword; an
    e-mail channel's TLS and where its password comes from."""
    parts = []
    if channel.style == "email":
        parts.append(i18n.t("channel_starttls" if channel.smtp_security == "starttls" else "channel_tls"))
        if channel.password_file:
            parts.append(i18n.t("channel_password_file", file=channel.password_file))
    else:
        if channel.sign_secret:
            parts.append(i18n.t("channel_signed", secret=masked_secret(channel.sign_secret)))
        if channel.keyword:
            parts.append(i18n.t("channel_keyword", keyword=channel.keyword))
    return i18n.t("clause_sep").join(parts)  # '' when none: a dash for people, an empty cell in data


def scope(channel, helper_names: dict) -> str:
    """A channel's scope: its villages, its helpers by name; everything when it has none."""
    sep = i18n.t("list_sep")
    parts = []
    villages = [v for v in channel.villages.split(";") if v]
    if villages:
        parts.append(i18n.t("channel_scope_villages", villages=sep.join(villages)))
    helpers = [int(i) for i in channel.helper_ids.split(";") if i]
    if helpers:
        named = sep.join(helper_names.get(h) or f"#{h}" for h in helpers)
        parts.append(i18n.t("channel_scope_helpers", helpers=named))
    return i18n.t("clause_sep").join(parts) if parts else i18n.t("channel_scope_all")


def remove(db, name: str, *, confirm: Callable[[object], None]) -> tuple[object, int]:
    """Remove a channel and its send log in one transaction; ``confirm`` is asked with the channel found, before
    anything changes. Returns the channel and how many send log rows went with it."""
    from sqlalchemy import delete

    from lbc_cli import store
    from lbc_cli.models import Channel, SentReminder

    with db.session(write=True) as session:
        channel = _found(session, name)
        confirm(channel)
        gone = session.execute(delete(SentReminder).where(SentReminder.channel_id == channel.id)).rowcount or 0
        old = audited(channel)
        session.delete(channel)
        session.flush()
        store.audit(session, Channel.__tablename__, channel.id, "delete", old, None)
    return channel, gone


def send_test(db, name: str) -> object:
    """Send ``name`` a test message (``delivery.send_test``): an error (exit 1, one line, secrets masked) when the
    platform did not take it. Returns the channel."""
    from lbc_cli import delivery

    with db.session() as session:
        channel = _found(session, name)
    delivery.send_test(channel)
    return channel
