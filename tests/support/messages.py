"""Received messages built by hand, for code that only reads them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from cityzen_connector.messaging import MessageBus, ReceivedMessage, open_bus
from cityzen_connector.testing import FakeClock


def received(
    body: bytes,
    /,
    *,
    content_type: str | None = "application/json",
    properties: dict[str, object] | None = None,
    **props: object,
) -> ReceivedMessage:
    """A message as a receiver would hand it over. ``properties`` holds application properties
    whose names are not identifiers (or are ``content_type``/``properties``), as generated
    property names can be."""
    props = {**props, **(properties or {})}
    return ReceivedMessage(
        queue="q",
        body=body,
        message_id="m",
        sequence_number=1,
        delivery_count=1,
        enqueued_time=datetime(2026, 3, 1, tzinfo=UTC),
        lock_token="t",
        locked_until=None,
        content_type=content_type,
        application_properties=props,  # type: ignore[arg-type]
    )


MAX_DELIVERIES = 5


def policy_bus(clock: FakeClock) -> MessageBus:
    """The bus of the delivery-policy tests: in memory, lock 30 s, dead-letter after five
    deliveries, on the test's clock (contract classes use their own)."""
    return open_bus(
        "memory://",
        clock=clock,
        sleep=clock.sleep,
        lock_duration=timedelta(seconds=30),
        max_delivery_count=MAX_DELIVERIES,
    )
