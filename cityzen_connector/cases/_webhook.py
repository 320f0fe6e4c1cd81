"""What the portal is told, and the port that carries it out.

A :class:`WebhookEvent` is one Standard Webhooks message before signing: ``id`` becomes the
``webhook-id`` header and stays the same on every retry (receivers deduplicate on it),
``timestamp`` becomes ``webhook-timestamp``, and ``type``/``timestamp``/``data`` form the JSON
body (https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md,
"Payload structure"). ``data`` carries no personal data: request id, ticket, status and labels.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from cityzen_connector._types import JsonValue

__all__ = ["WebhookEvent", "WebhookOutbox"]


@dataclass(frozen=True, slots=True)
class WebhookEvent:
    """One event for the portal (``type`` such as ``request.status_changed``)."""

    id: str
    type: str
    timestamp: datetime
    data: Mapping[str, JsonValue]
    # Whose case it is, for the outbox that notifies by the citizen's preferences
    # (``cityzen_connector.citizens``); never in the body, never queued.
    contact_id: uuid.UUID | None = field(default=None, compare=False)


class WebhookOutbox(Protocol):
    """Queues an event for delivery to every configured endpoint; delivery (signing, back-off,
    dead letters) happens elsewhere, so publishing never waits on the portal."""

    def publish(self, event: WebhookEvent) -> None: ...
