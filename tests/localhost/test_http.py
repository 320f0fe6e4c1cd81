"""HTTP triggers over real 127.0.0.1 sockets: auth levels, keys, routes, errors, body cap."""

from __future__ import annotations

import logging
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from cityzen_connector.localhost import LocalHost, LocalHostConfig
from cityzen_connector.testing import FakeClock

from .localhost_support import MemoryBus

GUID = "0f8fad5b-d9cb-469f-a165-70867728950e"
TIMEOUT = 5


@pytest.fixture
def host(
    sample_app: Path, bus: MemoryBus, config: LocalHostConfig, clock: FakeClock
) -> Iterator[LocalHost]:
    with LocalHost(sample_app, bus, config, clock=clock, monotonic=clock) as running:
        yield running


def _get(host: LocalHost, path: str, **kwargs: object) -> requests.Response:
    return requests.get(host.url + path, timeout=TIMEOUT, **kwargs)  # type: ignore[arg-type]


def test_anonymous_route_with_a_constrained_parameter(host: LocalHost) -> None:
    response = _get(host, "/api/hello/world")
    assert response.status_code == 200
    assert response.text == "hello world"
    assert response.headers["Content-Type"] == "text/plain; charset=utf-8"
    # The alpha constraint refuses digits: no route, 404.
    assert _get(host, "/api/hello/w0rld").status_code == 404


def test_function_level_route_needs_a_key(host: LocalHost) -> None:
    url = f"/api/items/{GUID}"
    assert _get(host, url).status_code == 401
    assert _get(host, url, params={"code": "wrong"}).status_code == 401
    assert _get(host, url, headers={"x-functions-key": "wrong"}).status_code == 401
    by_header = _get(host, url, headers={"x-functions-key": host.function_key})
    by_query = _get(host, url, params={"code": host.function_key})
    by_master = _get(host, url, params={"code": host.master_key})
    assert (by_header.status_code, by_query.status_code, by_master.status_code) == (200, 200, 200)


def test_admin_route_takes_only_the_master_key(host: LocalHost) -> None:
    assert _get(host, "/api/admin-ping", params={"code": host.function_key}).status_code == 401
    response = _get(host, "/api/admin-ping", headers={"x-functions-key": host.master_key})
    assert response.status_code == 200
    assert response.text == "pong"
    assert response.headers["X-Admin"] == "yes"


def test_request_reaches_the_function_complete(host: LocalHost) -> None:
    url = f"{host.url}/api/items/{GUID}?code={host.function_key}&tag=a&tag=b&empty="
    response = requests.post(
        url,
        data=b"x" * 1000,
        headers={"X-Sample": "header value", "Content-Type": "application/octet-stream"},
        timeout=TIMEOUT,
    )
    assert response.status_code == 200
    echo = response.json()
    assert echo["method"] == "POST"
    assert echo["route"] == {"id": GUID}
    assert echo["params"]["tag"] == "a,b"
    assert echo["params"]["empty"] == ""
    assert echo["header"] == "header value"
    assert echo["body_length"] == 1000
    assert echo["url"] == url


def test_literal_route_wins_over_a_parameter(host: LocalHost) -> None:
    assert _get(host, "/api/items/special").text == "special"


def test_unknown_route_is_404_and_wrong_method_is_405_with_allow(host: LocalHost) -> None:
    assert _get(host, "/api/nothing-here").status_code == 404
    assert _get(host, "/hello/world").status_code == 404  # the route prefix is required
    response = requests.delete(f"{host.url}/api/hello/world", timeout=TIMEOUT)
    assert response.status_code == 405
    assert response.headers["Allow"] == "GET"


def test_handler_exception_is_500_without_traceback(
    host: LocalHost, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR, logger="cityzen_connector.localhost"):
        response = _get(host, "/api/boom")
    assert response.status_code == 500
    assert "secret" not in response.text
    assert "Traceback" not in response.text
    assert "RuntimeError" not in response.text
    # ...but the server log has it, for the developer.
    assert any("boom" in r.getMessage() and r.exc_info for r in caplog.records)


def test_a_non_response_return_value_is_500(host: LocalHost) -> None:
    assert _get(host, "/api/not-a-response").status_code == 500


def test_async_handler_and_binary_body(host: LocalHost) -> None:
    payload = bytes(range(256)) * 10
    response = requests.post(f"{host.url}/api/async-echo", data=payload, timeout=TIMEOUT)
    assert response.status_code == 201
    assert response.content == payload
    assert response.headers["Content-Type"].startswith("application/octet-stream")


def test_catch_all_route_and_context_argument(host: LocalHost) -> None:
    response = _get(host, "/api/files/a/b/c%20d.txt")
    assert response.json() == {"path": "a/b/c d.txt", "function": "files"}


def test_body_over_the_cap_is_413_and_a_body_at_the_cap_passes(
    host: LocalHost, config: LocalHostConfig
) -> None:
    too_big = b"x" * (config.max_body_bytes + 1)
    response = requests.post(f"{host.url}/api/async-echo", data=too_big, timeout=TIMEOUT)
    assert response.status_code == 413
    at_cap = b"x" * config.max_body_bytes
    response = requests.post(f"{host.url}/api/async-echo", data=at_cap, timeout=TIMEOUT)
    assert response.status_code == 201


def test_chunked_body_over_the_cap_is_refused(host: LocalHost, config: LocalHostConfig) -> None:
    def chunks() -> Iterator[bytes]:
        for _ in range(config.max_body_bytes // 1024 + 2):
            yield b"y" * 1024

    response = requests.post(f"{host.url}/api/async-echo", data=chunks(), timeout=TIMEOUT)
    assert response.status_code == 413


def _raw(host: LocalHost, request: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", int(host.url.rsplit(":", 1)[1])), TIMEOUT) as sock:
        sock.sendall(request)
        received = b""
        while chunk := sock.recv(65536):
            received += chunk
        return received


def test_hostile_raw_requests_get_4xx_not_5xx(host: LocalHost) -> None:
    bad_length = _raw(
        host,
        b"POST /api/async-echo HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n"
        b"Connection: close\r\n\r\n",
    )
    assert bad_length.split(b" ")[1].startswith(b"4")
    bad_utf8 = _raw(
        host, b"GET /api/hello/\xff\xfe HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    )
    assert bad_utf8.split(b" ")[1] == b"400"
    bad_query = _raw(
        host, b"GET /api/hello/x?a=%ff HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    )
    assert bad_query.split(b" ")[1] == b"400"


def test_head_request_gets_headers_only(host: LocalHost, sample_app: Path) -> None:
    response = requests.head(f"{host.url}/api/boom", timeout=TIMEOUT)
    assert response.status_code == 500
    assert response.content == b""


def test_endpoints_list_urls_with_auth_levels(host: LocalHost) -> None:
    endpoints = {e.function: e for e in host.endpoints()}
    assert endpoints["item"].url == f"{host.url}/api/items/{{id:guid}}"
    assert endpoints["item"].auth_level == "function"
    assert endpoints["hello"].methods == ("GET",)
    assert "submissions_worker" not in endpoints


def test_oversized_headers_are_refused_not_crashing(host: LocalHost) -> None:
    response = requests.get(
        f"{host.url}/api/hello/x", headers={"X-Big": "a" * 300_000}, timeout=TIMEOUT
    )
    assert 400 <= response.status_code < 500
    assert _get(host, "/api/hello/stillalive").status_code == 200
