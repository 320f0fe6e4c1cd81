"""The HTTP edge over raw 127.0.0.1 sockets: broken framing is answered at once, with a problem
and a closed connection, never with silence; a request that takes too long to arrive gets 408."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from cityzen_connector.localhost import LocalHost, LocalHostConfig
from cityzen_connector.testing import FakeClock

from .localhost_support import MemoryBus
from .wire import answer_once_time_passes, connect, exchange, read_until_closed, tls_client_hello

READ_TIMEOUT = 30.0


@pytest.fixture
def monotonic() -> FakeClock:
    """The host's own monotonic clock: the read timeout runs on it, apart from the wall clock."""
    return FakeClock()


@pytest.fixture
def host(
    sample_app: Path,
    bus: MemoryBus,
    config: LocalHostConfig,
    clock: FakeClock,
    monotonic: FakeClock,
) -> Iterator[LocalHost]:
    edge_config = replace(config, read_timeout_seconds=READ_TIMEOUT)
    with LocalHost(sample_app, bus, edge_config, clock=clock, monotonic=monotonic) as running:
        yield running


CHUNKED_POST = b"POST /api/async-echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"


def test_a_chunk_size_of_two_to_the_64_is_refused_with_413_at_once(host: LocalHost) -> None:
    # Three bytes of a "16 EB" chunk, and our side stays open: the answer cannot wait for more.
    response = exchange(host, CHUNKED_POST + b"ffffffffffffffff\r\nabc")
    response.problem("payload_too_large")


def test_chunks_adding_up_past_the_cap_are_refused_at_the_size_line(
    host: LocalHost, config: LocalHostConfig
) -> None:
    half = config.max_body_bytes // 2 + 1
    first = f"{half:x}\r\n".encode() + b"a" * half + b"\r\n"
    # The second size line alone overflows the cap: refused before its data comes.
    response = exchange(host, CHUNKED_POST + first + f"{half:x}\r\n".encode())
    response.problem("payload_too_large")


@pytest.mark.parametrize(
    "request_bytes",
    [
        pytest.param(tls_client_hello(), id="tls-client-hello"),
        pytest.param(b"GET /api/hello/x HTTP/1.1\nHost: x\n\n", id="bare-lf-request"),
        pytest.param(b"GET /api/hello/x HTTP/1.1\r\nHost: x\nX-A: b\r\n\r\n", id="bare-lf-header"),
        pytest.param(b"GET /api/hello/x HTTP/1.1\r\nHost: x\rX-A: b\r\n\r\n", id="bare-cr-header"),
        pytest.param(b"GET /api/hello/x HTTP/1.1\r\nX-A: a\x00b\r\n\r\n", id="nul-in-header"),
        pytest.param(b"GET /api/hello/x\r\n\r\n", id="no-http-version"),
        pytest.param(b"GET /api/hello/x HTTP/9.9\r\n", id="unknown-version-line-only"),
        pytest.param(b"GET  /api/hello/x HTTP/1.1\r\n", id="double-space"),
        pytest.param(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", id="http2-preface"),
        pytest.param(bytes(range(1, 32)), id="binary"),
        pytest.param(b"\x80\x2e\x01\x03\x01", id="sslv2-hello"),
        pytest.param(
            b"POST /api/async-echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
            b"Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
            id="content-length-and-chunked",
        ),
        pytest.param(
            b"POST /api/async-echo HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n",
            id="chunked-in-http-1.0",
        ),
        pytest.param(CHUNKED_POST + b"0" * 5000, id="endless-chunk-size-line"),
        pytest.param(CHUNKED_POST + b"3\r\nabcXY", id="chunk-not-ended-by-crlf"),
    ],
)
def test_framing_garbage_gets_400_and_a_closed_connection(
    host: LocalHost, request_bytes: bytes
) -> None:
    response = exchange(host, request_bytes)
    response.problem("malformed_request")
    # The host still serves the next, well-formed client.
    assert exchange(host, b"GET /api/hello/ok HTTP/1.1\r\nConnection: close\r\n\r\n").status == 200


def test_a_tls_client_is_told_to_use_http(host: LocalHost) -> None:
    detail = exchange(host, tls_client_hello()).problem("malformed_request")["detail"]
    assert "http://" in detail


def test_requests_still_arriving_after_the_read_timeout_are_cut_with_408(
    host: LocalHost, monotonic: FakeClock
) -> None:
    with connect(host) as dribbled_body, connect(host) as endless_head:
        dribbled_body.sendall(
            b"POST /api/async-echo HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n"
            b"Expect: 100-continue\r\n\r\n"
        )
        # The interim answer proves the host holds the request (and started its clock).
        assert dribbled_body.recv(64).startswith(b"HTTP/1.1 100 Continue")
        for byte in b"abc":
            dribbled_body.sendall(bytes([byte]))
        endless_head.sendall(b"GET /api/hello/x HTTP/1.1\r\nHost: x\r\nX-Slow: a")
        body_answer = answer_once_time_passes(dribbled_body, monotonic, READ_TIMEOUT / 4)
        head_answer = answer_once_time_passes(endless_head, monotonic, READ_TIMEOUT / 4)
    for answer in (body_answer, head_answer):
        answer.problem("request_timeout")
        assert answer.headers["connection"] == "close"


def test_a_slow_request_within_the_read_timeout_is_served(
    host: LocalHost, monotonic: FakeClock
) -> None:
    with connect(host) as sock:
        sock.sendall(
            b"POST /api/async-echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n"
            b"Connection: close\r\n\r\na"
        )
        monotonic.advance(READ_TIMEOUT - 1)
        sock.sendall(b"bc")
        response = read_until_closed(sock)
    assert (response.status, response.body) == (201, b"abc")
