"""Random and hostile requests straight into the WSGI gateway: never a 5xx from the host, and
every error it answers is a problem+json document."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cityzen_connector.localhost._http import HttpGateway, build_routes
from cityzen_connector.localhost._invoke import Invoker
from cityzen_connector.localhost._keys import HostKeys
from cityzen_connector.localhost._loader import load_app

SAMPLE_APP = Path(__file__).parent / "sample_app"
KEYS = HostKeys(function_key="f" * 40, master_key="m" * 40)
# Handlers that fail on purpose; every other 5xx would be the host's fault.
FAILING_ROUTES = ("/api/boom", "/api/not-a-response")


INVOKER = Invoker(str(SAMPLE_APP))
_APP = load_app(SAMPLE_APP)
GATEWAY = HttpGateway(
    build_routes(_APP.functions, _APP.host_json.route_prefix), KEYS, INVOKER, max_body_bytes=4096
)


@pytest.fixture(scope="module", autouse=True)
def running_invoker() -> Iterator[None]:
    """The event loop thread for ``async def`` handlers, for this module's tests."""
    INVOKER.start()
    yield
    INVOKER.stop()


SEGMENT = st.text(
    alphabet=st.characters(codec="latin-1", exclude_characters="/?#"), min_size=0, max_size=12
)
PATHS = st.one_of(
    st.lists(SEGMENT, max_size=5).map(lambda parts: "/" + "/".join(parts)),
    st.sampled_from(
        ["/api/items/special", "/api/hello/abc", "/api/files/a/b", "/api/async-echo"]
    ).flatmap(
        lambda p: st.lists(SEGMENT, max_size=2).map(lambda extra: p + "/".join(["", *extra]))
    ),
)


def _call(gateway: HttpGateway, environ: dict[str, Any]) -> tuple[str, dict[str, str], bytes]:
    seen: dict[str, Any] = {}

    def start_response(status: str, headers: list[tuple[str, str]]) -> None:
        seen["status"], seen["headers"] = status, dict(headers)

    body = b"".join(gateway(environ, start_response))
    return seen["status"], seen["headers"], body


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    method=st.sampled_from(["GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "BREW", "get"]),
    path=PATHS,
    query=st.text(alphabet=st.characters(codec="latin-1"), max_size=40),
    content_length=st.one_of(st.none(), st.integers(-5, 10_000).map(str), st.text(max_size=5)),
    body=st.binary(max_size=5000),
    key=st.sampled_from([None, "f" * 40, "m" * 40, "wrong", ""]),
)
def test_random_requests_never_make_the_host_fail(
    method: str, path: str, query: str, content_length: str | None, body: bytes, key: str | None
) -> None:
    environ: dict[str, Any] = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "7071",
        "HTTP_HOST": "127.0.0.1:7071",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(body),
    }
    if content_length is not None:
        environ["CONTENT_LENGTH"] = content_length
    if key is not None:
        environ["HTTP_X_FUNCTIONS_KEY"] = key
    status, headers, payload = _call(GATEWAY, environ)
    code = int(status.split()[0])
    if code >= 500:
        assert path.rstrip("/").lower() in FAILING_ROUTES, (status, path)
    assert int(headers["Content-Length"]) == len(payload)
    assert b"Traceback" not in payload
    if code >= 400:  # the sample app answers only 2xx: every error is the host's own
        assert headers["Content-Type"] == "application/problem+json", (status, path)
        assert json.loads(payload)["status"] == code
