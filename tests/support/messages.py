"""Received messages built by hand, for code that only reads them."""

from __future__ import annotations

from datetime import UTC, datetime

from cityzen_connector.messaging import ReceivedMessage


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
