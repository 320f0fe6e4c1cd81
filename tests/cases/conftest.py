"""Fixtures of the cases tests: captured-style service endpoint messages, the shipped
vocabulary, a history over memory backends."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from cityzen_connector.cases import (
    CaseHistory,
    CaseSchema,
    QueueWebhookOutbox,
    WebhookEvent,
    event_from_body,
)
from cityzen_connector.mapping import MappingSet, load_mappings
from cityzen_connector.messaging import MessageBus, open_bus
from cityzen_connector.store import StateStore, open_store
from cityzen_connector.testing import FakeClock

FIXTURES = Path(__file__).resolve().parent / "fixtures"
MAPPINGS = Path(__file__).resolve().parents[2] / "mappings"
WEBHOOKS = "webhooks"
# The ids the fixtures share.
CASE = "5d0f6a7e-2b17-f111-8d3a-000d3ab5c7e1"
PHONE_CASE = "a3e4b9c0-0c2a-f111-8d3a-000d3ab5c7e1"
CONTACT = "0b6e1f24-1f16-f111-8d3a-000d3ab5c7e1"
SUBMISSION = "3f2b8c1e-6d4a-4e2f-9b7c-1a2b3c4d5e6f"
# Personal data the fixtures carry (names, phone, e-mail, address): never in a log or record.
PERSONAL = (
    "Jeanne",
    "Martin",
    "Durand",
    "06 12 34 56 78",
    "+33612345678",
    "jeanne.martin",
    "Lilas",
)


def raw(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def document(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(raw(name))
    return loaded


@pytest.fixture(scope="session")
def mappings() -> MappingSet:
    return load_mappings(MAPPINGS)


@pytest.fixture(scope="session")
def schema(mappings: MappingSet) -> CaseSchema:
    return CaseSchema.from_mappings(mappings)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def store(clock: FakeClock) -> StateStore:
    return open_store("memory://", clock=clock)


@pytest.fixture
def bus(clock: FakeClock) -> MessageBus:
    return open_bus("memory://", clock=clock)


@pytest.fixture
def history(
    store: StateStore, bus: MessageBus, mappings: MappingSet, clock: FakeClock
) -> CaseHistory:
    outbox = QueueWebhookOutbox(bus, WEBHOOKS)
    return CaseHistory(store, outbox, mappings.statuses, clock=clock, retention=timedelta(days=400))


Published = Callable[[], list[WebhookEvent]]


@pytest.fixture
def published(bus: MessageBus) -> Published:
    """Every webhook event waiting in the outbox, in order."""

    def read() -> list[WebhookEvent]:
        return [
            event_from_body(m.message_id, m.body) for m in bus.peek(WEBHOOKS, max_messages=1000)
        ]

    return read
