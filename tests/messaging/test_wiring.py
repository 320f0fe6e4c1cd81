"""Every reliable-delivery setting reaches the backend it tunes."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from cityzen_connector.messaging import OutgoingMessage
from cityzen_connector.settings import Settings
from cityzen_connector.sync.pipeline import DeliveryPolicy
from cityzen_connector.wiring import (
    blobs_from_settings,
    bus_from_settings,
    delivery_retry_from_settings,
    statuses_from_settings,
    store_from_settings,
)

from .fakes import FakeClock


def _settings(tmp_path: Path, **values: object) -> Settings:
    return Settings(
        queue_url=f"sqlite:///{tmp_path}/q.db",
        store_url=f"sqlite:///{tmp_path}/s.db",
        blob_url=f"file://{tmp_path}/b",
        **values,  # type: ignore[arg-type]
    )


def test_queue_knobs_tune_the_embedded_queue(tmp_path: Path) -> None:
    clock = FakeClock()
    bus = bus_from_settings(
        _settings(
            tmp_path,
            queue_lock_duration_seconds=5,
            queue_max_delivery_count=2,
            queue_duplicate_window_seconds=20,
            queue_time_to_live_days=1,
        ),
        clock=clock,
    )
    bus.send("q", [OutgoingMessage(body=b"{}", message_id="a")])
    [first] = bus.receive("q")
    clock.advance(6)  # lock of 5 s has expired
    [second] = bus.receive("q")
    assert second.delivery_count == 2
    bus.abandon(second)  # second delivery of at most two: dead-lettered
    assert bus.peek("q", sub_queue="deadletter")[0].dead_letter_reason == "MaxDeliveryCountExceeded"
    clock.advance(21)  # past the 20 s duplicate window: the same id is accepted again
    bus.send("q", [OutgoingMessage(body=b"{}", message_id="a")])
    assert bus.stats("q").active == 1
    clock.advance(86401)  # past the one-day time-to-live
    assert bus.receive("q") == []
    assert bus.stats("q").dead_letter == 2
    assert first.message_id == "a"
    bus.close()


def test_retry_policy_comes_from_settings(tmp_path: Path) -> None:
    policy = delivery_retry_from_settings(
        _settings(
            tmp_path,
            retry_initial_delay_seconds=10,
            retry_max_delay_seconds=40,
            retry_horizon_hours=2,
        )
    )
    assert policy == DeliveryPolicy(
        timedelta(seconds=10), timedelta(seconds=40), timedelta(hours=2)
    )
    assert delivery_retry_from_settings(Settings()) == DeliveryPolicy()


def test_store_blobs_and_status_retention_come_from_settings(tmp_path: Path) -> None:
    clock = FakeClock()
    settings = _settings(tmp_path, retention_days=2)
    store = store_from_settings(settings, clock=clock)
    statuses = statuses_from_settings(settings, store, clock=clock)
    statuses.mark_failed("sub-1", reason="x")
    clock.advance(2 * 86400 + 1)
    assert statuses.get("sub-1") is None
    ref = blobs_from_settings(settings, clock=clock).put(b"x", media_type="text/plain")
    assert (tmp_path / "b" / ref.name).read_bytes() == b"x"
    assert (tmp_path / "s.db").exists()
    store.close()
