"""The embedded queue honours the whole bus contract, on a file and in memory."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from cityzen_connector.messaging import (
    MessageBus,
    OutgoingMessage,
    UnsupportedBusUrlError,
    open_bus,
)
from cityzen_connector.testing import FakeClock
from tests.support.private import loosen, modes, not_private, permissive_umask

from .contract import LOCK_SECONDS, MAX_DELIVERIES, BusContract


def _options(clock: FakeClock) -> dict[str, object]:
    return {
        "sleep": clock.sleep,
        "lock_duration": timedelta(seconds=LOCK_SECONDS),
        "max_delivery_count": MAX_DELIVERIES,
        "duplicate_window": timedelta(minutes=10),
    }


class TestSqliteFileBus(BusContract):
    @pytest.fixture
    def make_bus(self, clock: FakeClock, tmp_path: Path) -> Iterator[Callable[[], MessageBus]]:
        opened: list[MessageBus] = []

        def make() -> MessageBus:
            bus = open_bus(f"sqlite:///{tmp_path}/q/queue.db", clock=clock, **_options(clock))
            opened.append(bus)
            return bus

        yield make
        for bus in opened:
            bus.close()

    def test_two_handles_on_one_file_share_the_queue(
        self, make_bus: Callable[[], MessageBus]
    ) -> None:
        producer, consumer = make_bus(), make_bus()
        producer.send("q", [OutgoingMessage(body=b"{}", message_id="1")])
        [got] = consumer.receive("q")
        assert producer.receive("q") == []  # locked by the other handle
        consumer.complete(got)
        assert producer.stats("q").active == 0

    def test_expired_ids_are_swept_and_never_block_a_resend(
        self, make_bus: Callable[[], MessageBus], clock: FakeClock, tmp_path: Path
    ) -> None:
        first, second = make_bus(), make_bus()
        first.send("q", [OutgoingMessage(body=b"{}", message_id=f"old-{i}") for i in range(5)])
        second.send("q", [OutgoingMessage(body=b"{}", message_id="warm-up")])  # its sweep: now
        clock.advance(11 * 60)  # past the 10 min window
        # The other handle, which does not sweep this time: an expired id is accepted again.
        second.send("q", [OutgoingMessage(body=b"{}", message_id="old-1")])
        second.send("q", [OutgoingMessage(body=b"{}", message_id="old-1")])  # within: dropped
        assert [m.message_id for m in second.peek("q")][-2:] == ["warm-up", "old-1"]
        assert second.stats("q").active == 7
        for i in range(70):  # enough sends for a sweep
            first.send("q", [OutgoingMessage(body=b"{}", message_id=f"new-{i}")])
        with sqlite3.connect(tmp_path / "q" / "queue.db") as db:
            ids = {row[0] for row in db.execute("SELECT message_id FROM seen_ids")}
        assert not ids & {"old-0", "old-2", "old-3", "old-4"}
        assert {"old-1", "new-0", "new-69"} <= ids  # warm-up: swept too, it expired


def test_the_queue_file_is_private_whatever_the_umask(tmp_path: Path) -> None:
    with permissive_umask():
        bus = open_bus(f"sqlite:///{tmp_path}/data/queue.db")
        bus.send("q", [OutgoingMessage(body=b'{"name": "a citizen"}', message_id="m1")])
    assert not_private(tmp_path / "data") == {}
    assert set(modes(tmp_path / "data")) == {".", "queue.db", "queue.db-wal", "queue.db-shm"}
    bus.close()


def test_a_queue_file_left_open_to_others_is_closed_at_open(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with permissive_umask():
        sqlite3.connect(tmp_path / "queue.db").close()
    loosen(tmp_path / "queue.db")
    with caplog.at_level(logging.WARNING, logger="cityzen_connector"):
        bus = open_bus(f"sqlite:///{tmp_path}/queue.db")
    assert modes(tmp_path)["queue.db"] == "0o600"
    assert f"{tmp_path / 'queue.db'} was open to other users (mode 644)" in caplog.text
    bus.close()


class TestMemoryBus(BusContract):
    @pytest.fixture
    def make_bus(self, clock: FakeClock) -> Callable[[], MessageBus]:
        return lambda: open_bus("memory://", clock=clock, **_options(clock))


def test_named_memory_buses_are_shared_and_anonymous_ones_are_not() -> None:
    a, b = open_bus("memory://shared-test"), open_bus("memory://shared-test")
    assert a is b
    assert open_bus("memory://") is not open_bus("memory://")


@pytest.mark.parametrize("url", ["redis://x", "sqlite:///", "", "Endpoint=http://x"])
def test_unknown_urls_are_refused(url: str) -> None:
    with pytest.raises(UnsupportedBusUrlError):
        open_bus(url)


def test_connection_string_secret_is_not_echoed_in_errors() -> None:
    with pytest.raises(UnsupportedBusUrlError) as info:
        open_bus("weird://host;SharedAccessKey=TOPSECRET")
    assert "TOPSECRET" not in str(info.value)


def test_unknown_options_are_refused() -> None:
    with pytest.raises(TypeError, match="lock_duraton"):
        open_bus("memory://", lock_duraton=timedelta(seconds=1))


def test_waiting_ends_even_when_the_clock_does_not_move() -> None:
    clock = FakeClock()
    slept: list[float] = []
    bus = open_bus("memory://", clock=clock, sleep=slept.append, poll_interval=0.5)
    assert bus.receive("q", max_wait_seconds=2.0) == []
    assert sum(slept) == pytest.approx(2.0)
