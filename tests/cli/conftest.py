"""Fixtures of the CLI tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from cityzen_connector.cli import main
from cityzen_connector.emulator import EmulatorConfig, ServiceBusMessage, create_app, seed
from tests.support.emulator import Switch, conversation_table

from .agent import Emulator


@pytest.fixture
def emulator(
    emulator_server: tuple[str, Switch], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Emulator]:
    url, switch = emulator_server
    posted: list[ServiceBusMessage] = []
    app = create_app(EmulatorConfig(), sink=posted.append)
    seed(app)
    conversation_table(app)  # provisioned: register-events needs its message filter
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
