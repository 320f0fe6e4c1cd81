"""Fixtures of the worker-policy tests: a fake clock and an in-memory bus it drives."""

from __future__ import annotations

from datetime import timedelta

import pytest

from cityzen_connector.messaging import MessageBus, open_bus
from cityzen_connector.testing import FakeClock

MAX_DELIVERIES = 5


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def bus(clock: FakeClock) -> MessageBus:
    """Lock 30 s, dead-letter after 5 deliveries (contract classes override this fixture)."""
    return open_bus(
        "memory://",
        clock=clock,
        sleep=clock.sleep,
        lock_duration=timedelta(seconds=30),
        max_delivery_count=MAX_DELIVERIES,
    )
