"""The function modules' dependency container: lazy, built once, injectable."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from cityzen_connector.messaging import open_bus
from cityzen_connector.settings import Settings
from functions import _deps


@pytest.fixture
def restore() -> Iterator[None]:
    previous = _deps.install(None)
    yield
    _deps.install(previous)


def local_settings(tmp_path: Path) -> Settings:
    return Settings(
        data_dir=tmp_path,
        queue_url=f"sqlite:///{tmp_path / 'queue.db'}",
        store_url=f"sqlite:///{tmp_path / 'state.db'}",
        blob_url=f"file://{tmp_path / 'blobs'}",
    )


def test_nothing_is_opened_until_first_use_then_reused(tmp_path: Path) -> None:
    deps = _deps.Dependencies(local_settings(tmp_path))
    assert list(tmp_path.iterdir()) == []  # cold start: no file, no connection
    bus = deps.bus
    assert deps.bus is bus
    assert (tmp_path / "queue.db").exists()
    assert not (tmp_path / "state.db").exists()
    assert deps.statuses.get("nope") is None  # opens the store on demand
    assert (tmp_path / "state.db").exists()
    deps.close()


def test_given_ports_are_used_and_not_closed(tmp_path: Path) -> None:
    bus = open_bus("memory://")
    deps = _deps.Dependencies(local_settings(tmp_path), bus=bus)
    assert deps.bus is bus
    deps.store  # noqa: B018 - opened by the container
    deps.close()
    assert bus.stats("submissions").active == 0  # still usable: not ours to close
    assert not (tmp_path / "queue.db").exists()


def test_current_reads_the_environment_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, restore: None
) -> None:
    monkeypatch.setenv("CITYZEN_SUBMISSIONS_QUEUE", "demandes")
    first = _deps.current()
    assert first.settings.submissions_queue == "demandes"
    monkeypatch.setenv("CITYZEN_SUBMISSIONS_QUEUE", "other")
    assert _deps.current() is first
    assert _deps.settings().submissions_queue == "demandes"


def test_install_replaces_and_returns_the_previous(tmp_path: Path, restore: None) -> None:
    mine = _deps.Dependencies(local_settings(tmp_path))
    assert _deps.install(mine) is None
    assert _deps.current() is mine
    assert _deps.install(None) is mine


def test_telemetry_is_left_alone_without_a_connection_string() -> None:
    assert _deps.configure_telemetry({}) is False
    assert _deps.configure_telemetry({"APPLICATIONINSIGHTS_CONNECTION_STRING": " "}) is False


def test_a_malformed_connection_string_is_logged_and_the_app_still_loads(
    caplog: pytest.LogCaptureFixture,
) -> None:
    env = {"APPLICATIONINSIGHTS_CONNECTION_STRING": "IngestionEndpoint=https://x/"}
    assert _deps.configure_telemetry(env) is False
    assert "telemetry not exported" in caplog.text
    assert "InstrumentationKey" in caplog.text
