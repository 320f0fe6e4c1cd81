"""The message envelope: versioned JSON every CityZen message carries.

Body (``application/json``, UTF-8)::

    {"schema": "cityzen.submission/v1", "correlation_id": "…", "payload": {…}}

The schema, version and attempt count are also set as application properties, so that the
CLI and Service Bus Explorer can show them without reading the body. Messages carry references
to attachments (blob names), never their bytes (claim check).
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from cityzen_connector.messaging._errors import InvalidMessage
from cityzen_connector.messaging._limits import MAX_MESSAGE_BYTES, check_size
from cityzen_connector.messaging._port import OutgoingMessage, PropertyValue, ReceivedMessage

SUBMISSION_V1 = "cityzen.submission/v1"
CASE_EVENT_V1 = "cityzen.case-event/v1"
# Which versions of each schema this build understands.
KNOWN_SCHEMAS: Mapping[str, frozenset[int]] = {
    "cityzen.submission": frozenset({1}),
    "cityzen.case-event": frozenset({1}),
}
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


def parse_schema_id(schema_id: str) -> tuple[str, int]:
    """``cityzen.submission/v1`` → ``("cityzen.submission", 1)``; unknown ones are refused."""
    match = _SCHEMA_ID.match(schema_id) if isinstance(schema_id, str) else None
    if match is None:
        raise InvalidMessage("UnknownSchema", "schema must look like name/vN")
    name, version = match["name"], int(match["version"])
    if version not in KNOWN_SCHEMAS.get(name, frozenset()):
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


def decode(message: ReceivedMessage) -> Envelope:
    """Read a received message; every refusal is an ``InvalidMessage`` with a stable reason."""
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
    name, version = parse_schema_id(schema_id)  # type: ignore[arg-type]
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
