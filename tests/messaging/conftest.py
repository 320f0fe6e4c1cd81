"""Fixtures of the worker-policy tests: a fake clock and an in-memory bus it drives."""

from __future__ import annotations

import pytest

from cityzen_connector.messaging import MessageBus
from cityzen_connector.testing import FakeClock
from tests.support.messages import policy_bus


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def bus(clock: FakeClock) -> MessageBus:
    return policy_bus(clock)
