"""The message envelope: versioned JSON every CityZen message carries.

Body (``application/json``, UTF-8)::

    {"schema": "cityzen.submission/v1", "correlation_id": "…", "payload": {…}}

The bus knows no schema: producers name theirs (``name/vN``), consumers say which they accept.

The schema, version and attempt count are also set as application properties, so that the
CLI and Service Bus Explorer can show them without reading the body. Messages carry references
to attachments (blob names), never their bytes (claim check).
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from cityzen_connector.messaging._errors import InvalidMessage
from cityzen_connector.messaging._limits import MAX_MESSAGE_BYTES, MAX_MESSAGE_ID, check_size
from cityzen_connector.messaging._port import OutgoingMessage, PropertyValue, ReceivedMessage

CONTENT_TYPE = "application/json"

# Application property names (Service Bus allows any string key).
PROP_SCHEMA = "cityzen-schema"
PROP_VERSION = "cityzen-version"
PROP_ATTEMPT = "cityzen-attempt"
PROP_FIRST_ENQUEUED = "cityzen-first-enqueued"
PROP_ORIGIN_ID = "cityzen-origin-id"

_SCHEMA_ID = re.compile(r"^(?P<name>[a-z][a-z0-9.-]{0,63})/v(?P<version>[1-9][0-9]{0,3})$")
_MAX_CORRELATION = 128  # Service Bus CorrelationId is at most 128 characters.


@dataclass(frozen=True)
class Envelope:
    schema: str
    version: int
    correlation_id: str
    payload: Mapping[str, Any]
    message_id: str = ""
    attempt: int = 1
    properties: Mapping[str, PropertyValue] = field(default_factory=dict)

    @property
    def schema_id(self) -> str:
        return f"{self.schema}/v{self.version}"


def parse_schema_id(schema_id: str, accept: Collection[str] | None = None) -> tuple[str, int]:
    """``app.thing/v1`` → ``("app.thing", 1)``. Malformed ids are refused, and so is any id
    outside ``accept`` when given: the bus carries any schema, each consumer names the ones
    (and versions) it understands."""
    match = _SCHEMA_ID.match(schema_id) if isinstance(schema_id, str) else None
    if match is None:
        raise InvalidMessage("UnknownSchema", "schema must look like name/vN")
    name, version = match["name"], int(match["version"])
    if accept is not None and schema_id not in accept:
        raise InvalidMessage("UnknownSchema", f"schema {name}/v{version} is not understood")
    return name, version


def encode(
    schema_id: str,
    payload: Mapping[str, Any],
    *,
    correlation_id: str,
    message_id: str | None = None,
    attempt: int = 1,
    first_enqueued: datetime | None = None,
    scheduled_enqueue_time: datetime | None = None,
) -> OutgoingMessage:
    """Build the message; refuses unknown schemas, non-JSON payloads and oversized results."""
    name, version = parse_schema_id(schema_id)
    if not correlation_id or len(correlation_id) > _MAX_CORRELATION:
        raise InvalidMessage("InvalidEnvelope", "correlation_id must be 1-128 characters")
    body = json.dumps(
        {"schema": schema_id, "correlation_id": correlation_id, "payload": dict(payload)},
        ensure_ascii=False,
        allow_nan=False,
        separators=(",", ":"),
    ).encode()
    message_id = message_id or str(uuid.uuid4())
    properties: dict[str, PropertyValue] = {
        PROP_SCHEMA: name,
        PROP_VERSION: version,
        PROP_ATTEMPT: attempt,
        PROP_ORIGIN_ID: message_id,
    }
    if first_enqueued is not None:
        properties[PROP_FIRST_ENQUEUED] = first_enqueued.astimezone(UTC).isoformat()
    message = OutgoingMessage(
        body=body,
        message_id=message_id,
        content_type=CONTENT_TYPE,
        correlation_id=correlation_id,
        subject=schema_id,
        application_properties=properties,
        scheduled_enqueue_time=scheduled_enqueue_time,
    )
    check_size(message)
    return message


def decode(message: ReceivedMessage, *, accept: Collection[str]) -> Envelope:
    """Read a received message whose schema id is one of ``accept``; every refusal is an
    ``InvalidMessage`` with a stable reason."""
    if len(message.body) > MAX_MESSAGE_BYTES:
        raise InvalidMessage("MessageTooLarge", f"body of {len(message.body)} bytes")
    content_type = (message.content_type or CONTENT_TYPE).split(";")[0].strip().lower()
    if content_type != CONTENT_TYPE:
        raise InvalidMessage("InvalidContentType", f"content type {content_type[:64]!r}")
    try:
        document = json.loads(message.body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise InvalidMessage("InvalidJson", "the body is not UTF-8 JSON") from exc
    if not isinstance(document, dict):
        raise InvalidMessage("InvalidEnvelope", "the body is not a JSON object")
    schema_id, correlation_id, payload = (
        document.get("schema"),
        document.get("correlation_id"),
        document.get("payload"),
    )
    name, version = parse_schema_id(schema_id, accept)  # type: ignore[arg-type]
    if not isinstance(correlation_id, str) or not correlation_id:
        raise InvalidMessage("InvalidEnvelope", "correlation_id is missing")
    if not isinstance(payload, dict):
        raise InvalidMessage("InvalidEnvelope", "payload is not a JSON object")
    attempt = message.application_properties.get(PROP_ATTEMPT, 1)
    return Envelope(
        schema=name,
        version=version,
        correlation_id=correlation_id,
        payload=payload,
        message_id=message.message_id,
        attempt=attempt if isinstance(attempt, int) and attempt >= 1 else 1,
        properties=dict(message.application_properties),
    )


def attempt_of(message: ReceivedMessage) -> int:
    """Which attempt this message is (1 for the first delivery of a new message)."""
    value = message.application_properties.get(PROP_ATTEMPT, 1)
    return value if isinstance(value, int) and value >= 1 else 1


def first_enqueued(message: ReceivedMessage) -> datetime:
    """When the first attempt of this message was enqueued (the horizon counts from there)."""
    value = message.application_properties.get(PROP_FIRST_ENQUEUED)
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            parsed = None
        if parsed is not None and parsed.tzinfo is not None:
            return parsed
    return message.enqueued_time


def origin_id(message: ReceivedMessage) -> str:
    value = message.application_properties.get(PROP_ORIGIN_ID)
    return value if isinstance(value, str) and value else message.message_id


def copy_of(
    message: ReceivedMessage,
    *,
    message_id: str,
    properties: dict[str, str | int | float | bool],
    scheduled_enqueue_time: datetime | None = None,
    drop: tuple[str, ...] = (),
) -> OutgoingMessage:
    """A new message with the same body and headers, some properties set or dropped."""
    kept = {k: v for k, v in message.application_properties.items() if k not in drop}
    return OutgoingMessage(
        body=message.body,
        message_id=message_id[:MAX_MESSAGE_ID],
        content_type=message.content_type or "application/json",
        correlation_id=message.correlation_id,
        subject=message.subject,
        application_properties={**kept, **properties},
        scheduled_enqueue_time=scheduled_enqueue_time,
    )
