"""Fixtures of the CLI tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from cityzen_connector.cli import main
from cityzen_connector.emulator import ServiceBusMessage
from cityzen_connector.mapping import load_mappings
from cityzen_connector.testing import FakeClock
from tests.support.emulator import Switch, provisioned_emulator
from tests.support.paths import MAPPINGS

from .agent import Emulator


@pytest.fixture
def emulator(
    emulator_server: tuple[str, Switch], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Emulator]:
    url, switch = emulator_server
    posted: list[ServiceBusMessage] = []
    # Provisioned, as `cityzen run` leaves it: register-events needs the submission id column
    # and the conversation table's message filter.
    app = provisioned_emulator(load_mappings(MAPPINGS), FakeClock(), sink=posted.append)
    switch.target = app
    monkeypatch.setenv("CITYZEN_DATAVERSE_URL", url)
    monkeypatch.setenv("CITYZEN_QUEUE_URL", f"sqlite:///{tmp_path}/queue.db")
    monkeypatch.setenv("CITYZEN_STORE_URL", f"sqlite:///{tmp_path}/state.db")
    assert main(["dataverse", "register-events"]) == 0
    try:
        yield Emulator(url, app, posted)
    finally:
        switch.target = None
        app.close()
