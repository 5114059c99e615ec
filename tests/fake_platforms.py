"""Real local servers that answer as the platforms `lbc remind --send` posts to do: on 127.0.0.1 only, never
a real platform.

``platform`` (a fixture) is an HTTP server that records every request and answers each with ``answer`` (a
function of the request: (status, body bytes)). By default it accepts everything as the platforms say so:
``{"errcode": 0, "errmsg": "ok"}`` (WeCom, DingTalk, json), ``{"code": 0, "msg": "success"}`` to a Feishu body.
``platform.expect(style, secret=..., keyword=...)`` makes it answer as that platform does: it checks DingTalk's
signature (in the URL) and Feishu's (in the body), the custom keyword and the size limit, and answers their error
bodies when they are wrong. ``platform.answers`` (a list of (status, body)) are given first, one a request;
``platform.hang = n`` holds the next n requests without an answer (past the client's timeout);
``platform.close_after = True`` closes each connection after its answer without saying so.

``smtp_server`` (a fixture) makes SMTP servers (aiosmtpd) with implicit TLS or STARTTLS and a login, their
certificate from a test CA (trustme) that SSL_CERT_FILE names for the test.
"""

import base64
import hashlib
import hmac
import json
import socket
import ssl
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import NamedTuple
from urllib.parse import parse_qsl, unquote, urlsplit

import pytest

OK = (200, b'{"errcode":0,"errmsg":"ok"}')
FEISHU_OK = (200, b'{"code":0,"msg":"success","data":{},"Extra":null,"StatusCode":0,"StatusMessage":"success"}')

# What each platform answers when a robot posts too fast (as their robots' answers are documented and reported).
RATE_LIMITED = {
    "wecom": (200, b'{"errcode":45009,"errmsg":"api freq out of limit"}'),
    "dingtalk": (200, b'{"errcode":130101,"errmsg":"send too fast, exceed 20 times per minute"}'),
    "feishu": (200, b'{"code":11232,"data":{},"msg":"frequency limited psm[lark.oapi.app_platform_runtime]"}'),
}


class Request(NamedTuple):
    path: str  # with its query
    headers: dict
    body: bytes

    def json(self):
        return json.loads(self.body)

    def query(self) -> dict:
        return dict(parse_qsl(urlsplit(self.path).query))

    def text(self) -> str:
        """The text a person reads in the group (any style)."""
        data = self.json()
        if "msg_type" in data:
            return data["content"]["text"]
        if "msgtype" in data:
            return data[data["msgtype"]].get("content") or data[data["msgtype"]].get("text", "")
        return data["text"]


def dingtalk_sign(secret: str, timestamp: str) -> str:
    """DingTalk's signature: base64 of HMAC-SHA256 keyed by the secret, of "timestamp\\nsecret"."""
    digest = hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def feishu_sign(secret: str, timestamp: str) -> str:
    """Feishu's signature: base64 of HMAC-SHA256 keyed by "timestamp\\nsecret", of nothing."""
    return base64.b64encode(hmac.new(f"{timestamp}\n{secret}".encode(), b"", hashlib.sha256).digest()).decode()


class FakePlatform:
    def __init__(self, tls: ssl.SSLContext | None = None):
        self.requests: list[Request] = []
        self.answer = self._accepting
        self.answers: list[tuple[int, bytes]] = []
        self.hang = 0
        self.close_after = False
        self.connections = 0  # TCP connections accepted
        self.style: str | None = None
        self.secret: str | None = None
        self.keyword: str | None = None
        self.released = threading.Event()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as the platforms do
            disable_nagle_algorithm = True  # an answer is not held for the client's delayed acknowledgement

            def setup(self):
                fake.connections += 1
                super().setup()

            def do_POST(self):  # noqa: N802 (http.server's name)
                length = int(self.headers.get("Content-Length") or 0)
                request = Request(self.path, dict(self.headers), self.rfile.read(length))
                fake.requests.append(request)
                if fake.hang:
                    fake.hang -= 1
                    fake.released.wait(30)
                    self.close_connection = True
                    return
                status, body = fake.answers.pop(0) if fake.answers else fake.answer(request)
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                if fake.close_after:
                    self.close_connection = True  # closed without a "Connection: close" said first

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.scheme = "http"
        if tls is not None:
            self.server.socket = tls.wrap_socket(self.server.socket, server_side=True)
            self.scheme = "https"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path: str = "/hook") -> str:
        return f"{self.scheme}://127.0.0.1:{self.server.server_port}{path}"

    def expect(self, style: str, *, secret: str | None = None, keyword: str | None = None) -> None:
        """Answer as ``style``'s platform does, checking the signature made with ``secret`` and ``keyword``."""
        self.style, self.secret, self.keyword = style, secret, keyword
        self.answer = self._as_platform

    def close(self) -> None:
        self.released.set()
        self.server.shutdown()
        self.server.server_close()

    def _accepting(self, request: Request) -> tuple[int, bytes]:
        try:
            feishu = b'"msg_type"' in request.body and "msg_type" in request.json()
        except ValueError:
            feishu = False
        return FEISHU_OK if feishu else OK

    def _as_platform(self, request: Request) -> tuple[int, bytes]:
        return {"wecom": self._wecom, "dingtalk": self._dingtalk, "feishu": self._feishu}.get(
            self.style, self._accepting
        )(request)

    def _wecom(self, request: Request) -> tuple[int, bytes]:
        data = request.json()
        if data.get("msgtype") != "text" or not isinstance(data.get("text", {}).get("content"), str):
            return 200, b'{"errcode":40008,"errmsg":"invalid message type"}'
        if len(data["text"]["content"].encode()) > 2048:
            return 200, b'{"errcode":40058,"errmsg":"text.content exceed max length 2048"}'
        return OK

    def _dingtalk(self, request: Request) -> tuple[int, bytes]:
        if len(request.body) > 20000:
            return 200, b'{"errcode":460101,"errmsg":"message too long, exceed 20000 bytes"}'
        if self.secret is not None:
            query = request.query()
            stamp, sign = query.get("timestamp", ""), query.get("sign", "")
            if not stamp.isdigit() or abs(int(stamp) - time.time() * 1000) > 3600 * 1000:
                return 200, b'{"errcode":310000,"errmsg":"invalid timestamp"}'
            if unquote(sign) != dingtalk_sign(self.secret, stamp) and sign != dingtalk_sign(self.secret, stamp):
                return 200, b'{"errcode":310000,"errmsg":"sign not match, more: [https://ding-doc.dingtalk.com]"}'
        data = request.json()
        if data.get("msgtype") not in ("text", "markdown"):
            return 200, b'{"errcode":40035,"errmsg":"invalid parameter"}'
        if self.keyword is not None and self.keyword not in request.text():
            return 200, b'{"errcode":310000,"errmsg":"keywords not in content"}'
        return OK

    def _feishu(self, request: Request) -> tuple[int, bytes]:
        if len(request.body) > 20 * 1024:
            return 400, b'{"code":9499,"msg":"Bad Request","data":{}}'
        data = request.json()
        if self.secret is not None:
            stamp, sign = str(data.get("timestamp", "")), data.get("sign", "")
            fresh = stamp.isdigit() and abs(int(stamp) - time.time()) <= 3600
            if not fresh or sign != feishu_sign(self.secret, stamp):
                return 200, (
                    b'{"code":19021,"data":{},"msg":"sign match fail or timestamp is not within one hour '
                    b'from current time"}'
                )
        if data.get("msg_type") != "text":
            return 400, b'{"code":9499,"msg":"Bad Request","data":{}}'
        if self.keyword is not None and self.keyword not in data["content"]["text"]:
            return 200, b'{"code":19024,"data":{},"msg":"Key Words Not Found"}'
        return FEISHU_OK


@pytest.fixture
def platform():
    fake = FakePlatform()
    yield fake
    fake.close()


# --- TLS and SMTP -------------------------------------------------------------------------------------------


@pytest.fixture
def test_ca(tmp_path, monkeypatch):
    """A certificate authority of the test's own, trusted (SSL_CERT_FILE) by ssl.create_default_context() for
    the test, and a server context with its certificate for 127.0.0.1."""
    trustme = pytest.importorskip("trustme")
    ca = trustme.CA()
    pem = tmp_path / "test-ca.pem"
    ca.cert_pem.write_to_path(str(pem))
    monkeypatch.setenv("SSL_CERT_FILE", str(pem))
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1", "localhost").configure_cert(server)
    return server


@pytest.fixture
def tls_platform(test_ca):
    fake = FakePlatform(tls=test_ca)
    yield fake
    fake.close()


class Mail(NamedTuple):
    sender: str
    recipients: list[str]
    content: bytes  # the message as received (headers and body)

    def parsed(self):
        from email import message_from_bytes, policy

        return message_from_bytes(self.content, policy=policy.default)


class FakeSmtp:
    """An SMTP server on 127.0.0.1: ``security`` "tls" (implicit, as on 465) or "starttls"; a login of ``user``
    with ``password`` required when a user is given. ``mails`` holds what it accepted, ``logins`` each try."""

    def __init__(self, security: str, tls: ssl.SSLContext, user: str | None, password: str | None):
        from aiosmtpd.controller import Controller
        from aiosmtpd.smtp import AuthResult

        self.mails: list[Mail] = []
        self.logins: list[tuple[str, str]] = []
        self.connections = 0
        fake = self

        class Handler:
            async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
                fake.mails.append(Mail(envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content))
                return "250 OK"

        def authenticator(server, session, envelope, mechanism, auth_data):
            login = auth_data.login.decode() if isinstance(auth_data.login, bytes) else str(auth_data.login)
            secret = auth_data.password.decode() if isinstance(auth_data.password, bytes) else str(auth_data.password)
            fake.logins.append((login, secret))
            return AuthResult(success=(login, secret) == (user, password), handled=False)

        with socket.socket() as probe:  # aiosmtpd's controller needs its port before it starts
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        options = {"authenticator": authenticator, "auth_required": user is not None, "auth_require_tls": True}
        options["auth_exclude_mechanism"] = ["LOGIN"]  # one mechanism: a try is one login

        class ImplicitTls(Controller):
            def factory(self):
                server = super().factory()
                server._auth_require_tls = False  # the whole connection is TLS (aiosmtpd knows only STARTTLS)
                return server

        if security == "tls":
            self.controller = ImplicitTls(Handler(), hostname="127.0.0.1", port=self.port, ssl_context=tls, **options)
        else:
            self.controller = Controller(
                Handler(), hostname="127.0.0.1", port=self.port, tls_context=tls, require_starttls=True, **options
            )
        self.controller.start()

    def close(self) -> None:
        self.controller.stop()


@pytest.fixture
def smtp_server(test_ca):
    """``smtp_server(security, user=..., password=...)`` starts a FakeSmtp; all are stopped after the test."""
    made: list[FakeSmtp] = []

    def start(security: str = "tls", *, user: str | None = "helper@example.org", password: str | None = "authcode"):
        server = FakeSmtp(security, test_ca, user, password)
        made.append(server)
        return server

    yield start
    for server in made:
        server.close()


# --- raw servers: what a platform should not do ---------------------------------------------------------------


class RawServer:
    """A TCP server on 127.0.0.1 that hands each connection to ``serve(connection)`` in a thread of its own (and
    closes it after): an answer of 200 MB, one dripped a byte at a time, a connection closed unanswered, an SMTP
    server without STARTTLS. ``connections`` counts those accepted."""

    def __init__(self, serve):
        self.serve = serve
        self.socket = socket.create_server(("127.0.0.1", 0))
        self.port = self.socket.getsockname()[1]
        self.connections = 0
        self.stopped = threading.Event()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self.stopped.is_set():
            try:
                connection, _ = self.socket.accept()
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._serve, args=(connection,), daemon=True).start()

    def _serve(self, connection) -> None:
        try:
            self.serve(connection)
        except OSError:
            pass
        finally:
            connection.close()

    def url(self, path: str = "/hook", scheme: str = "http") -> str:
        return f"{scheme}://127.0.0.1:{self.port}{path}"

    def close(self) -> None:
        self.stopped.set()
        try:  # on Linux, closing a socket does not wake an accept() blocked on it in another thread
            self.socket.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.socket.close()


def read_request(connection) -> bytes:
    """An HTTP request's head and body, as far as its Content-Length says."""
    data = b""
    while b"\r\n\r\n" not in data:
        part = connection.recv(65536)
        if not part:
            return data
        data += part
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    while len(body) < length:
        part = connection.recv(65536)
        if not part:
            break
        body += part
    return head + b"\r\n\r\n" + body


@pytest.fixture
def raw_server():
    """``raw_server(serve)`` starts a RawServer; all are closed after the test."""
    made: list[RawServer] = []

    def start(serve) -> RawServer:
        server = RawServer(serve)
        made.append(server)
        return server

    yield start
    for server in made:
        server.close()
