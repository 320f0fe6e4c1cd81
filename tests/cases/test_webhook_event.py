"""The shared event type is immutable: a retry must carry exactly what was first published."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

import pytest

from cityzen_connector.cases import WebhookEvent


def test_an_event_cannot_change_between_retries() -> None:
    event = WebhookEvent(
        id="msg_1",
        type="request.status_changed",
        timestamp=datetime(2026, 1, 1, tzinfo=UTC),
        data={"status": "resolved"},
    )
    with pytest.raises(dataclasses.FrozenInstanceError):
        event.id = "msg_2"  # type: ignore[misc]
