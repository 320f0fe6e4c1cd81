"""Raw HTTP/1.1 over a 127.0.0.1 socket, for the requests no client library will send."""

from __future__ import annotations

import contextlib
import json
import select
import socket
import ssl
from dataclasses import dataclass
from typing import Any

from cityzen_connector.localhost import LocalHost
from cityzen_connector.models import CATALOGUE, PROBLEM_CONTENT_TYPE, ProblemCode
from cityzen_connector.testing import FakeClock

# Long enough for a loaded CI machine; a host that stays silent fails the test after it.
TIMEOUT = 5.0


@dataclass(frozen=True)
class RawResponse:
    status: int
    headers: dict[str, str]
    body: bytes

    def problem(self, code: str) -> dict[str, Any]:
        """The problem+json body, checked against the catalogue entry of ``code``."""
        assert self.headers["content-type"] == PROBLEM_CONTENT_TYPE, self
        document: dict[str, Any] = json.loads(self.body)
        entry = CATALOGUE[ProblemCode(code)]
        assert (document["code"], document["status"]) == (code, entry.status)
        assert self.status == entry.status
        assert document["messages"] == {"fr": entry.fr, "en": entry.en}
        assert document["type"] == f"tag:cityzen.fr,2026:problem:{code}"
        return document


def connect(host: LocalHost) -> socket.socket:
    return socket.create_connection(("127.0.0.1", int(host.url.rsplit(":", 1)[1])), TIMEOUT)


def read_until_closed(sock: socket.socket) -> RawResponse:
    """Everything the host sends until it closes the connection (a timeout if it never does)."""
    received = b""
    while chunk := sock.recv(65536):
        received += chunk
    head, _, body = received.partition(b"\r\n\r\n")
    status_line, *lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in lines:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return RawResponse(int(status_line.split(" ")[1]), headers, body)


def exchange(host: LocalHost, data: bytes) -> RawResponse:
    """Send ``data`` (our side stays open) and read the answer up to the host's close."""
    with connect(host) as sock:
        sock.sendall(data)
        return read_until_closed(sock)


def answer_once_time_passes(sock: socket.socket, clock: FakeClock, step: float) -> RawResponse:
    """Move the host's monotonic clock on, ``step`` at a time, until the host answers.

    The host looks at its clock each time its socket loop wakes (at least once a second), so
    the answer comes at the first wake after the clock passed the deadline.
    """
    for _ in range(int(2 * TIMEOUT / 0.05)):
        clock.advance(step)
        readable, _, _ = select.select([sock], [], [], 0.05)
        if readable:
            return read_until_closed(sock)
    raise AssertionError("the host never answered")


def tls_client_hello() -> bytes:
    """The first flight a browser sends to an https:// URL: a genuine TLS ClientHello."""
    context = ssl.create_default_context()
    incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
    tls = context.wrap_bio(incoming, outgoing, server_hostname="localhost")
    with contextlib.suppress(ssl.SSLWantReadError):  # it waits for the ServerHello
        tls.do_handshake()
    return outgoing.read()
