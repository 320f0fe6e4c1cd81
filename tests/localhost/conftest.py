"""Fixtures for the local host tests: the sample app, a memory bus, a fake clock, a config."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from cityzen_connector.localhost import LocalHost, LocalHostConfig
from cityzen_connector.testing import FakeClock

from .localhost_support import MemoryBus

SAMPLE_APP = Path(__file__).parent / "sample_app"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def bus(clock: FakeClock) -> MemoryBus:
    return MemoryBus(clock)


@pytest.fixture
def config(tmp_path: Path) -> LocalHostConfig:
    return LocalHostConfig(
        port=0,
        key_file=tmp_path / "keys" / "host-keys.json",
        state_dir=tmp_path / "state",
        poll_interval_seconds=0.02,
        max_body_bytes=64 * 1024,
        http_threads=4,
        stop_timeout_seconds=5,
    )


@pytest.fixture
def sample_app() -> Path:
    return SAMPLE_APP


@pytest.fixture
def make_host(
    bus: MemoryBus, config: LocalHostConfig, clock: FakeClock
) -> Iterator[Callable[..., LocalHost]]:
    """Builds hosts on the sample app and stops each one at teardown, whatever happened."""
    hosts: list[LocalHost] = []

    def make(app_dir: Path = SAMPLE_APP, host_config: LocalHostConfig | None = None) -> LocalHost:
        host = LocalHost(app_dir, bus, host_config or config, clock=clock, monotonic=clock)
        hosts.append(host)
        return host

    yield make
    for host in hosts:
        host.stop()


@pytest.fixture(autouse=True)
def no_thread_left_behind() -> Iterator[None]:
    """Every test must leave the threads it found, and no others."""
    before = set(threading.enumerate())
    yield
    left = [t for t in threading.enumerate() if t not in before and t.is_alive()]
    assert left == [], f"threads left running: {[t.name for t in left]}"
