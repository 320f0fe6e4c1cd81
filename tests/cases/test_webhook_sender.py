"""The real webhook sender over real sockets: exact bytes, no redirect followed, connections
kept for the next delivery, and no answer reported as a value."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from cityzen_connector.cases import NoReply, RequestsWebhookSender, WebhookReply


class _Portal(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, status: int, headers: dict[str, str], body: bytes) -> None:
        self.seen: list[tuple[int, str, dict[str, str], bytes]] = []
        self.answer = (status, headers, body)
        super().__init__(("127.0.0.1", 0), _Handler)


class _Handler(BaseHTTPRequestHandler):
    server: _Portal
    protocol_version = "HTTP/1.1"

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.server.seen.append((self.client_address[1], self.path, dict(self.headers), body))
        status, headers, reply = self.server.answer
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)

    def log_message(self, format: str, *args: Any) -> None:
        pass


def _portal(status: int = 200, headers: dict[str, str] | None = None, body: bytes = b"ok") -> Any:
    server = _Portal(status, headers or {}, body)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@pytest.fixture
def portals() -> Iterator[list[_Portal]]:
    started: list[_Portal] = []
    yield started
    for server in started:
        server.shutdown()
        server.server_close()


def test_exact_bytes_and_headers_go_out_and_a_short_reply_keeps_the_connection(
    portals: list[_Portal],
) -> None:
    portals.append(portal := _portal(body=b'{"ok":true}'))
    url = f"http://127.0.0.1:{portal.server_address[1]}/hooks"
    sender = RequestsWebhookSender()
    body = '{"type":"a.b","data":{"label":"Résolue"}}'.encode()
    headers = {"webhook-id": "evt_1", "content-type": "application/json"}
    assert sender.post(url, body, headers, timeout=5) == WebhookReply(200)
    assert sender.post(url, body, headers, timeout=5) == WebhookReply(200)
    (port_1, path, sent, received), (port_2, *_) = portal.seen
    assert received == body
    assert path == "/hooks"
    assert sent["webhook-id"] == "evt_1"
    assert sent["User-Agent"] == "CityZen-Webhooks/1"
    assert port_1 == port_2  # one connection for both deliveries
    sender.close()


def test_a_redirect_is_reported_not_followed(portals: list[_Portal]) -> None:
    portals.append(portal := _portal(307, {"Location": "/elsewhere"}))
    url = f"http://127.0.0.1:{portal.server_address[1]}/hooks"
    reply = RequestsWebhookSender().post(url, b"{}", {}, timeout=5)
    assert reply == WebhookReply(307)
    assert [path for _, path, _, _ in portal.seen] == ["/hooks"]


def test_retry_after_is_passed_on(portals: list[_Portal]) -> None:
    portals.append(portal := _portal(429, {"Retry-After": "120"}, b"slow down"))
    url = f"http://127.0.0.1:{portal.server_address[1]}/"
    assert RequestsWebhookSender().post(url, b"{}", {}, timeout=5) == WebhookReply(429, "120")


def test_no_answer_is_a_value_naming_its_kind_never_the_url() -> None:
    with socket.socket() as silent:  # accepts connections (backlog), never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        port = silent.getsockname()[1]
        slow = RequestsWebhookSender().post(
            f"http://127.0.0.1:{port}/?token=t", b"{}", {}, timeout=0.2
        )
    assert slow == NoReply("timeout")
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]  # bound, not listening: refused
        refused = RequestsWebhookSender().post(f"http://127.0.0.1:{port}/", b"{}", {}, timeout=5)
    assert refused == NoReply("connection")
