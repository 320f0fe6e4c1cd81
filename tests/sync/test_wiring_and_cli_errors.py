"""worker_deps_from_settings wires every knob; the CLI fails cleanly on bad configuration."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from cityzen_connector.cli import main
from cityzen_connector.dataverse import WsgiTransport
from cityzen_connector.emulator import EmulatorApp
from cityzen_connector.mapping import MappingFileError
from cityzen_connector.settings import Settings
from cityzen_connector.wiring import worker_deps_from_settings

from .conftest import MAPPINGS, make_client
from .fakes import FakeClock


def test_worker_deps_follow_the_settings(app: EmulatorApp, clock: FakeClock) -> None:
    settings = Settings(
        queue_url="memory://", store_url="memory://", blob_url="memory://",
        mappings_dir=MAPPINGS, breaker_open_seconds=42, lookup_cache_ttl_seconds=7,
        retry_initial_delay_seconds=11, submissions_queue="demandes",
    )  # fmt: skip
    client = make_client(WsgiTransport(app), clock)
    deps = worker_deps_from_settings(settings, clock=clock, client=client)
    assert deps.queue == "demandes"
    assert deps.retry.initial_delay == timedelta(seconds=11)
    assert deps.breaker.trip("x", "y").until == clock() + timedelta(seconds=42)
    assert deps.processor.lookups._ttl == timedelta(seconds=7)
    assert deps.probe() == client.who_am_i()


def test_bad_mappings_fail_at_start_up_not_per_message(tmp_path: Path) -> None:
    (tmp_path / "broken.toml").write_text("[targets.x]\ntable = 1\n")
    settings = Settings(
        queue_url="memory://", store_url="memory://", blob_url="memory://",
        mappings_dir=tmp_path,
    )  # fmt: skip
    with pytest.raises(MappingFileError):
        worker_deps_from_settings(settings)


def test_cli_usage_errors(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["dataverse"])
    assert info.value.code == 2
    with pytest.raises(SystemExit):
        main(["sync", "drain", "--max", "many"])
