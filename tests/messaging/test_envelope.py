"""The envelope: what goes on the wire, and every way a received body is refused."""

from __future__ import annotations

import json

import pytest

from cityzen_connector.messaging import (
    InvalidMessage,
    MessageTooLargeError,
    OutgoingMessage,
    ReceivedMessage,
    decode,
    encode,
)
from tests.support.messages import received

# The bus knows no schema of ours: any ``name/vN`` travels, each consumer names what it reads.
SCHEMA = "app.thing/v1"
EVENT = "app.event/v1"
ACCEPT = (SCHEMA,)


def as_received(message: OutgoingMessage) -> ReceivedMessage:
    return received(
        message.body, content_type=message.content_type, **message.application_properties
    )


def test_encode_sets_body_headers_and_properties() -> None:
    message = encode(SCHEMA, {"theme": "voirie", "photos": ["ab" * 16]}, correlation_id="sub-1")
    assert json.loads(message.body) == {
        "schema": "app.thing/v1",
        "correlation_id": "sub-1",
        "payload": {"theme": "voirie", "photos": ["ab" * 16]},
    }
    assert message.content_type == "application/json"
    assert message.correlation_id == "sub-1"
    assert message.subject == SCHEMA
    props = message.application_properties
    assert (props["cityzen-schema"], props["cityzen-version"], props["cityzen-attempt"]) == (
        "app.thing",
        1,
        1,
    )
    assert message.message_id  # a fresh id when none is given
    assert encode(SCHEMA, {}, correlation_id="x", message_id="fixed").message_id == "fixed"


def test_round_trip_keeps_unicode_and_any_accepted_schema() -> None:
    payload = {"name": "Zoé Lefèvre", "note": "rue de l’Église ✓"}
    received_event = as_received(encode(EVENT, payload, correlation_id="c-1"))
    envelope = decode(received_event, accept=(SCHEMA, EVENT))
    assert (envelope.schema, envelope.version, envelope.schema_id) == ("app.event", 1, EVENT)
    assert envelope.payload == payload
    assert envelope.correlation_id == "c-1"
    assert envelope.attempt == 1


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"not json", "InvalidJson"),
        (b"\xff\xfe{}", "InvalidJson"),
        (b"[" * 100_000 + b"]" * 100_000, "InvalidJson"),
        (b"[1, 2]", "InvalidEnvelope"),
        (
            b'{"schema": "app.thing/v2", "correlation_id": "c", "payload": {}}',
            "UnknownSchema",
        ),
        (b'{"schema": "evil.thing/v1", "correlation_id": "c", "payload": {}}', "UnknownSchema"),
        (b'{"schema": 7, "correlation_id": "c", "payload": {}}', "UnknownSchema"),
        (b'{"correlation_id": "c", "payload": {}}', "UnknownSchema"),
        (b'{"schema": "app.thing/v1", "payload": {}}', "InvalidEnvelope"),
        (
            b'{"schema": "app.thing/v1", "correlation_id": "c", "payload": "x"}',
            "InvalidEnvelope",
        ),
        (b"x" * (256 * 1024 + 1), "MessageTooLarge"),
    ],
)
def test_bad_bodies_are_refused_with_a_stable_reason(body: bytes, reason: str) -> None:
    with pytest.raises(InvalidMessage) as info:
        decode(received(body), accept=ACCEPT)
    assert info.value.reason == reason
    assert "Zoé" not in str(info.value)


def test_error_never_quotes_the_body() -> None:
    with pytest.raises(InvalidMessage) as info:
        decode(received(b'{"schema": "app.thing/v1", "secret": "jean@example.fr"}'), accept=ACCEPT)
    assert "jean@example.fr" not in str(info.value)


def test_wrong_content_type_is_refused() -> None:
    with pytest.raises(InvalidMessage, match="InvalidContentType"):
        decode(received(b"{}", content_type="text/xml"), accept=ACCEPT)
    ok = encode(SCHEMA, {}, correlation_id="c")
    plain = received(ok.body, content_type="application/json; charset=utf-8")
    assert decode(plain, accept=ACCEPT).payload == {}


def test_encode_refuses_malformed_schema_ids_bad_ids_nan_and_oversized() -> None:
    for malformed in ("app.thing", "App.Thing/v1", "app.thing/v0", "app thing/v1", ""):
        with pytest.raises(InvalidMessage, match="UnknownSchema"):
            encode(malformed, {}, correlation_id="c")
    with pytest.raises(InvalidMessage, match="correlation_id"):
        encode(SCHEMA, {}, correlation_id="")
    with pytest.raises(InvalidMessage, match="correlation_id"):
        encode(SCHEMA, {}, correlation_id="c" * 129)
    with pytest.raises(ValueError, match="JSON"):
        encode(SCHEMA, {"x": float("nan")}, correlation_id="c")
    with pytest.raises(MessageTooLargeError):
        encode(SCHEMA, {"photo": "A" * (256 * 1024)}, correlation_id="c")


def test_a_hostile_attempt_property_falls_back_to_one() -> None:
    ok = encode(SCHEMA, {}, correlation_id="c")
    assert decode(received(ok.body, **{"cityzen-attempt": "lots"}), accept=ACCEPT).attempt == 1
    assert decode(received(ok.body, **{"cityzen-attempt": -4}), accept=ACCEPT).attempt == 1
