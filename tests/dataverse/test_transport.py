"""Transports: any WSGI app in-process, and requests against a real server on 127.0.0.1."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from cityzen_connector.dataverse import (
    DataverseClient,
    DataverseConfig,
    DataverseConnectionError,
    Headers,
    HttpRequest,
    InvalidRequestError,
    RequestsTransport,
    StaticTokenProvider,
    WsgiTransport,
)
from cityzen_connector.testing import FakeClock


def echo_app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
    seen = {
        "method": environ["REQUEST_METHOD"],
        "path": environ["PATH_INFO"],
        "query": environ["QUERY_STRING"],
        "content_type": environ.get("CONTENT_TYPE"),
        "auth": environ.get("HTTP_AUTHORIZATION"),
        "odata": environ.get("HTTP_ODATA_VERSION"),
        "host": environ["SERVER_NAME"],
        "port": environ["SERVER_PORT"],
        "body": body.decode(),
    }
    start_response("201 Created", [("Content-Type", "application/json"), ("X-Test", "1")])
    return [json.dumps(seen).encode()]


def test_wsgi_transport_builds_a_pep3333_environ() -> None:
    transport = WsgiTransport(echo_app)
    request = HttpRequest(
        "POST",
        "http://127.0.0.1:7072/api/data/v9.2/contacts(cz_key='a%20b')?$filter=x%20eq%201",
        Headers(
            {
                "Content-Type": "application/json",
                "Authorization": "Bearer t",
                "OData-Version": "4.0",
            }
        ),
        b'{"a": "\xc3\xa9"}',
    )
    response = transport.send(request, timeout=1)
    assert response.status == 201
    assert response.headers["x-test"] == "1"
    seen = json.loads(response.body)
    assert seen == {
        "method": "POST",
        "path": "/api/data/v9.2/contacts(cz_key='a b')",
        "query": "$filter=x%20eq%201",
        "content_type": "application/json",
        "auth": "Bearer t",
        "odata": "4.0",
        "host": "127.0.0.1",
        "port": "7072",
        "body": '{"a": "é"}',
    }


def test_wsgi_app_crash_becomes_a_connection_error() -> None:
    def crashing(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        raise RuntimeError("boom")

    with pytest.raises(DataverseConnectionError) as caught:
        WsgiTransport(crashing).send(HttpRequest("GET", "http://x/"), timeout=1)
    assert isinstance(caught.value.__cause__, RuntimeError)


def test_a_reply_cut_short_is_a_connection_error() -> None:
    """A body shorter than its Content-Length: the server closed the connection mid-reply, as
    the emulator's dropped connection does after the write. Over HTTP urllib3 enforces
    Content-Length and requests raises; in-process too, or a lost reply to a PATCH (even one
    refused with 412) reads as an empty 200, as if it were done."""

    def cut(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        start_response("412 Precondition Failed", [("Content-Length", "1024")])
        return [b'{"error"']

    with pytest.raises(DataverseConnectionError, match="cut short"):
        WsgiTransport(cut).send(HttpRequest("PATCH", "http://x/contacts(1)"), timeout=1)


def test_client_runs_over_a_wsgi_app() -> None:
    def who(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        assert environ["PATH_INFO"] == "/api/data/v9.2/WhoAmI"
        ids = {k: f"00000000-0000-0000-0000-00000000000{i}" for i, k in
               enumerate(["UserId", "BusinessUnitId", "OrganizationId"])}  # fmt: skip
        start_response("200 OK", [("Content-Type", "application/json")])
        return [json.dumps(ids).encode()]

    client = DataverseClient(
        DataverseConfig("http://127.0.0.1:7072"), WsgiTransport(who), StaticTokenProvider("t"),
        clock=FakeClock(),
    )  # fmt: skip
    assert str(client.who_am_i().organization_id).endswith("2")


class _Handler(BaseHTTPRequestHandler):
    cookies_seen: list[str | None] = []  # noqa: RUF012 - per-test server state

    def do_GET(self) -> None:
        type(self).cookies_seen.append(self.headers.get("Cookie"))
        body = b'{"value": []}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Set-Cookie", "ARRAffinity=abc; Path=/; HttpOnly")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def server() -> Iterator[str]:
    _Handler.cookies_seen = []
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


def test_requests_transport_never_sends_the_affinity_cookie_back(server: str) -> None:
    transport = RequestsTransport()
    for _ in range(2):
        response = transport.send(HttpRequest("GET", server + "/x"), timeout=5)
        assert response.status == 200
    transport.close()
    assert _Handler.cookies_seen == [None, None]


def test_connection_refused_is_a_typed_connection_error() -> None:
    with socket.socket() as probe:  # a port nobody listens on any more
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(DataverseConnectionError) as caught:
        RequestsTransport().send(HttpRequest("GET", f"http://127.0.0.1:{port}/"), timeout=2)
    assert caught.value.is_transient
    assert caught.value.__cause__ is not None


def test_read_timeout_is_a_typed_connection_error() -> None:
    with socket.socket() as silent:  # accepts the connection, never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(1)
        url = f"http://127.0.0.1:{silent.getsockname()[1]}/"
        with pytest.raises(DataverseConnectionError, match="timed out"):
            RequestsTransport().send(HttpRequest("GET", url), timeout=0.2)


def test_invalid_url_is_refused() -> None:
    with pytest.raises(InvalidRequestError):
        RequestsTransport().send(HttpRequest("GET", "not a url"), timeout=1)


def test_headers_are_case_insensitive_and_immutable() -> None:
    headers = Headers({"OData-EntityId": "x"})
    assert headers["odata-entityid"] == "x"
    assert "ODATA-ENTITYID" in headers
    assert headers.merged({"odata-entityid": "y"})["OData-EntityId"] == "y"
    assert headers["OData-EntityId"] == "x"
    assert headers == {"odata-entityid": "x"}
