"""Real local servers that answer as the platforms `lbc remind --send` posts to do: on 127.0.0.1 only, never
a real platform. ``platform`` (a fixture) is an HTTP server that records every request and answers each with
``answer`` (a function of the request: (status, body bytes)), by default 200 and ``{"errcode": 0}``.
"""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import NamedTuple

import pytest


class Request(NamedTuple):
    path: str  # with its query
    headers: dict
    body: bytes

    def json(self):
        return json.loads(self.body)


class FakePlatform:
    def __init__(self):
        self.requests: list[Request] = []
        self.answer = lambda request: (200, b'{"errcode": 0, "errmsg": "ok"}')
        self.connections = 0  # TCP connections accepted
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as the platforms do

            def setup(self):
                fake.connections += 1
                super().setup()

            def do_POST(self):  # noqa: N802 (http.server's name)
                length = int(self.headers.get("Content-Length") or 0)
                request = Request(self.path, dict(self.headers), self.rfile.read(length))
                fake.requests.append(request)
                status, body = fake.answer(request)
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path: str = "/hook") -> str:
        return f"http://127.0.0.1:{self.server.server_port}{path}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def platform():
    fake = FakePlatform()
    yield fake
    fake.close()
