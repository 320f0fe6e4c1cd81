"""Test doubles that are real objects: a clock the test moves by hand."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from cityzen_connector.messaging import ReceivedMessage


class FakeClock:
    """``clock()`` returns the current fake time; ``sleep`` and ``advance`` move it."""

    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
        self.slept: list[float] = []

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.advance(seconds)


def received(
    body: bytes,
    /,
    *,
    content_type: str | None = "application/json",
    properties: dict[str, object] | None = None,
    **props: object,
) -> ReceivedMessage:
    """A message as a receiver would hand it over, for code that only reads messages.
    ``properties`` holds application properties whose names are not identifiers (or are
    ``content_type``/``properties``), as generated property names can be."""
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
