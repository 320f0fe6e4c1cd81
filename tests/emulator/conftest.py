"""Fixtures: a fresh emulator per test (injected clock), served over real HTTP on 127.0.0.1.

One waitress server per session forwards to the current test's app, so every test gets a fresh
database without paying a server start each time.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import requests

from cityzen_connector.emulator import (
    BASE_PATH,
    EmulatorApp,
    EmulatorConfig,
    create_app,
    seed,
)
from cityzen_connector.testing import FakeClock
from tests.support.emulator import Switch

TOKEN = "test-token"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()  # 2026-03-02 09:00 UTC; moves only on advance()


@pytest.fixture
def config() -> EmulatorConfig:
    return EmulatorConfig(token=TOKEN, key_activation_seconds=2.0)


@pytest.fixture
def app(config: EmulatorConfig, clock: FakeClock) -> Iterator[EmulatorApp]:
    instance = create_app(config, clock=clock)
    seed(instance)
    yield instance
    instance.close()


@dataclass
class Api:
    """A requests session bound to the emulator's service root."""

    root: str
    session: requests.Session

    def url(self, path: str) -> str:
        return self.root + path

    def get(self, path: str, **kw: Any) -> requests.Response:
        return self.session.get(self.url(path), timeout=10, **kw)

    def post(self, path: str, body: Any = None, **kw: Any) -> requests.Response:
        return self.session.post(self.url(path), json=body, timeout=10, **kw)

    def patch(self, path: str, body: Any = None, **kw: Any) -> requests.Response:
        return self.session.patch(self.url(path), json=body, timeout=10, **kw)

    def delete(self, path: str, **kw: Any) -> requests.Response:
        return self.session.delete(self.url(path), timeout=10, **kw)


@pytest.fixture
def api(app: EmulatorApp, emulator_server: tuple[str, Switch]) -> Iterator[Api]:
    url, switch = emulator_server
    switch.target = app
    session = requests.Session()
    session.headers.update(
        {"Authorization": f"Bearer {TOKEN}", "OData-Version": "4.0", "Accept": "application/json"}
    )
    try:
        yield Api(url + BASE_PATH, session)
    finally:
        session.close()
        switch.target = None


def call(
    app: EmulatorApp,
    method: str,
    path: str,
    body: bytes | str | dict[str, Any] | None = None,
    *,
    query: str = "",
    headers: dict[str, str] | None = None,
    environ: dict[str, str | None] | None = None,
) -> tuple[int, dict[str, str], bytes]:
    """In-process WSGI call (what the client's WsgiTransport does); ``environ`` overrides the
    WSGI variables (None removes one)."""
    if isinstance(body, dict):
        data = json.dumps(body).encode()
    elif isinstance(body, str):
        data = body.encode()
    else:
        data = body or b""
    wsgi: dict[str, Any] = {
        "REQUEST_METHOD": method,
        "PATH_INFO": BASE_PATH + path,
        "QUERY_STRING": query,
        "CONTENT_TYPE": "application/json" if data else "",
        "CONTENT_LENGTH": str(len(data)),
        "wsgi.input": io.BytesIO(data),
        "wsgi.url_scheme": "http",
        "HTTP_HOST": "127.0.0.1:7072",
        "HTTP_AUTHORIZATION": f"Bearer {TOKEN}",
    }
    for name, value in (headers or {}).items():
        if name.lower() == "content-type":
            wsgi["CONTENT_TYPE"] = value
        else:
            wsgi["HTTP_" + name.upper().replace("-", "_")] = value
    for variable, setting in (environ or {}).items():
        if setting is None:
            wsgi.pop(variable, None)
        else:
            wsgi[variable] = setting
    captured: dict[str, Any] = {}

    def start_response(status: str, response_headers: list[tuple[str, str]]) -> None:
        captured["status"] = int(status.split(maxsplit=1)[0])
        captured["headers"] = {k.lower(): v for k, v in response_headers}

    payload = b"".join(app(wsgi, start_response))
    return captured["status"], captured["headers"], payload
