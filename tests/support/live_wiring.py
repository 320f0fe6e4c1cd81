"""A pytest plugin for the run that proves the live suite's wiring (tests/test_live_suite.py):
``-p tests.support.live_wiring`` hands msal an HTTP client answering for Entra ID in-process,
so the live tests reach the emulator served on 127.0.0.1 through the very code that reaches a
real organisation (settings from the environment, msal, requests, TLS)."""

from __future__ import annotations

import pytest

from tests.support.entra import FakeEntra


def pytest_configure(config: pytest.Config) -> None:
    # Imported here, once the conftests have loaded it as a plugin: imported before, pytest
    # could not rewrite its asserts.
    from tests.support.live import MSAL_HTTP_CLIENT  # noqa: PLC0415

    config.stash[MSAL_HTTP_CLIENT] = FakeEntra()
