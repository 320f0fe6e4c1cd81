"""Build the ports from ``Settings``: the one place a setting becomes a backend object."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from cityzen_connector.messaging import MessageBus, RetryPolicy, open_bus, system_clock
from cityzen_connector.settings import Settings
from cityzen_connector.store import (
    BlobStore,
    StateStore,
    SubmissionStatuses,
    open_blobs,
    open_store,
)

Clock = Callable[[], datetime]


# -- messaging and store (reliable delivery) ---------------------------------------------------
def bus_from_settings(settings: Settings, *, clock: Clock = system_clock) -> MessageBus:
    """The message bus; the queue_* knobs tune the embedded queue (Azure keeps its own)."""
    return open_bus(
        settings.queue_url,
        clock=clock,
        lock_duration=timedelta(seconds=settings.queue_lock_duration_seconds),
        max_delivery_count=settings.queue_max_delivery_count,
        duplicate_window=timedelta(seconds=settings.queue_duplicate_window_seconds),
        default_time_to_live=timedelta(days=settings.queue_time_to_live_days),
    )


def store_from_settings(settings: Settings, *, clock: Clock = system_clock) -> StateStore:
    return open_store(settings.store_url, clock=clock)


def blobs_from_settings(settings: Settings, *, clock: Clock = system_clock) -> BlobStore:
    return open_blobs(settings.blob_url, clock=clock)


def retention_from_settings(settings: Settings) -> timedelta:
    return timedelta(days=settings.retention_days)


def statuses_from_settings(
    settings: Settings, store: StateStore, *, clock: Clock = system_clock
) -> SubmissionStatuses:
    return SubmissionStatuses(store, clock=clock, retention=retention_from_settings(settings))


def retry_policy_from_settings(settings: Settings) -> RetryPolicy:
    return RetryPolicy(
        initial_delay=timedelta(seconds=settings.retry_initial_delay_seconds),
        max_delay=timedelta(seconds=settings.retry_max_delay_seconds),
        horizon=timedelta(hours=settings.retry_horizon_hours),
    )
