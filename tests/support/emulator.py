"""One emulator server per test session, serving whichever emulator app a test installs: a
real HTTP endpoint on 127.0.0.1 without a server start per test."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from cityzen_connector.emulator import EmulatorApp, serve


class Switch:
    """The WSGI app the shared server runs: forwards to the app the test installed."""

    def __init__(self) -> None:
        self.target: EmulatorApp | None = None

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        assert self.target is not None
        return self.target(environ, start_response)


@pytest.fixture(scope="session")
def emulator_server() -> Iterator[tuple[str, Switch]]:
    """(base URL, switch) of the session's emulator server."""
    switch = Switch()
    handle = serve(switch, "127.0.0.1", 0)
    try:
        yield handle.url, switch
    finally:
        handle.stop()
