"""Every answer the host gives itself is a problem+json document, as the API's; path tricks never
reach a function under another name."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from cityzen_connector.localhost import LocalHost, LocalHostConfig
from cityzen_connector.testing import FakeClock

from .localhost_support import MemoryBus
from .wire import RawResponse, exchange

GUID = "0f8fad5b-d9cb-469f-a165-70867728950e"


@pytest.fixture
def host(
    sample_app: Path, bus: MemoryBus, config: LocalHostConfig, clock: FakeClock
) -> Iterator[LocalHost]:
    with LocalHost(sample_app, bus, config, clock=clock, monotonic=clock) as running:
        yield running


def _get(host: LocalHost, target: str, *headers: str, method: str = "GET") -> RawResponse:
    lines = [f"{method} {target} HTTP/1.1", "Host: x", *headers, "Connection: close", "", ""]
    return exchange(host, "\r\n".join(lines).encode("latin-1"))


def test_a_missing_or_wrong_key_is_an_unauthorized_problem(host: LocalHost) -> None:
    missing = _get(host, f"/api/items/{GUID}").problem("unauthorized")
    assert missing["instance"] == f"/api/items/{GUID}"
    _get(host, "/api/admin-ping", f"x-functions-key: {host.function_key}").problem("unauthorized")
    # The key given in the query never comes back in the problem.
    wrong = _get(host, f"/api/items/{GUID}?code=not-the-key").problem("unauthorized")
    assert "not-the-key" not in json.dumps(wrong)


def test_no_route_and_a_wrong_method_are_problems(host: LocalHost) -> None:
    assert _get(host, "/api/nothing-here").problem("not_found")["instance"] == "/api/nothing-here"
    _get(host, "/hello/world").problem("not_found")  # outside the route prefix
    wrong_method = _get(host, "/api/hello/world", method="DELETE")
    wrong_method.problem("method_not_allowed")
    assert wrong_method.headers["allow"] == "GET"


def test_a_body_over_the_cap_is_a_payload_too_large_problem(
    host: LocalHost, config: LocalHostConfig
) -> None:
    too_big = config.max_body_bytes + 1
    declared = _get(host, "/api/async-echo", f"Content-Length: {too_big}", method="POST")
    declared.problem("payload_too_large")


def test_undecodable_urls_are_malformed_request_problems(host: LocalHost) -> None:
    _get(host, "/api/hello/x?a=%ff").problem("malformed_request")
    _get(host, "/api/hello/%ff%fe").problem("malformed_request")
    _get(host, "/api/files/%c0%ae%c0%ae/x").problem("malformed_request")  # overlong "."


def test_headers_past_32_kb_are_a_headers_too_large_problem(host: LocalHost) -> None:
    # Kestrel's MaxRequestHeadersTotalSize, the limit the Functions host runs with.
    _get(host, "/api/hello/x", "X-Big: " + "a" * 33_000).problem("headers_too_large")
    assert _get(host, "/api/hello/x", "X-Big: " + "a" * 30_000).status == 200


def test_a_transfer_coding_the_host_cannot_decode_is_a_not_implemented_problem(
    host: LocalHost,
) -> None:
    # RFC 9112 section 6.1: an unknown transfer coding is answered 501.
    response = _get(host, "/api/async-echo", "Transfer-Encoding: gzip, chunked", method="POST")
    response.problem("not_implemented")


def test_a_failing_function_is_an_internal_error_problem_without_details(
    host: LocalHost,
) -> None:
    problem = _get(host, "/api/boom").problem("internal_error")
    assert "secret" not in json.dumps(problem)


@pytest.mark.parametrize(
    "target",
    [
        "/api/files/%2e%2e/admin-ping",
        "/api/files/%2E%2E/admin-ping",
        "/api/files/.%2e/admin-ping",
        "/api/files/%2e./admin-ping",
        "/api/files/a/%2e%2e",
        "/api/files/%2e/x",
        "/api/files/../admin-ping",
        "/api/files/./x",
        "/api/%2e%2e/api/admin-ping",
    ],
)
def test_dot_segments_name_no_route_even_with_the_master_key(host: LocalHost, target: str) -> None:
    # Kestrel would resolve them; the local host never lets one reach a function (a catch-all
    # serving files would get "..") nor turns it into another route's 401: it answers 404.
    response = _get(host, target, f"x-functions-key: {host.master_key}")
    response.problem("not_found")


def test_an_encoded_slash_stays_inside_its_segment(host: LocalHost) -> None:
    # As Kestrel: every escape is decoded except %2F, which would change the path's segments
    # (https://github.com/dotnet/aspnetcore/issues/30655).
    _get(host, "/api/items%2fspecial").problem("not_found")
    response = _get(host, "/api/files/a%2Fb/c%20d")
    assert json.loads(response.body)["path"] == "a%2Fb/c d"


def test_a_double_encoded_path_is_decoded_once(host: LocalHost) -> None:
    response = _get(host, "/api/files/%252e%252e/x")
    assert json.loads(response.body)["path"] == "%2e%2e/x"


def test_control_characters_in_the_path_are_refused(host: LocalHost) -> None:
    _get(host, "/api/files/a%00b").problem("malformed_request")
    _get(host, "/api/files/a%0d%0ab").problem("malformed_request")
    _get(host, "/api/hello/a%7f").problem("malformed_request")


def test_empty_segments_name_no_route(host: LocalHost) -> None:
    _get(host, "/api//hello/world").problem("not_found")
    _get(host, "//api/hello/world").problem("not_found")
