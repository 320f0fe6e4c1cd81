"""The case-events queue worker: a case change recorded once, anything else completed and
counted, a message it cannot read parked with its reason — and the body never in a log."""

from __future__ import annotations

import logging
import uuid
from datetime import UTC, datetime

import pytest

from cityzen_connector.cases import (
    MAX_EVENT_BYTES,
    PROP_REJECTED_REASON,
    CaseEventPorts,
    CaseHistory,
    CaseSchema,
    handle_case_event,
)
from cityzen_connector.messaging import MessageBus, OutgoingMessage, ReceivedMessage
from cityzen_connector.testing import FakeClock
from tests.cases.conftest import CASE, PERSONAL, Published, raw

QUEUE = "case-events"


@pytest.fixture
def ports(
    bus: MessageBus, history: CaseHistory, schema: CaseSchema, clock: FakeClock
) -> CaseEventPorts:
    return CaseEventPorts(bus=bus, queue=QUEUE, history=history, schema=schema, clock=clock)


def deliver(
    ports: CaseEventPorts, body: bytes, *, content_type: str = "application/json"
) -> ReceivedMessage:
    ports.bus.send(
        QUEUE,
        [OutgoingMessage(body=body, message_id=uuid.uuid4().hex, content_type=content_type)],
    )
    [message] = ports.bus.receive(QUEUE)
    return message


def test_a_case_change_is_recorded_once_however_often_it_is_delivered(
    ports: CaseEventPorts, published: Published
) -> None:
    first = handle_case_event(deliver(ports, raw("incident_create.json")), ports)
    again = handle_case_event(deliver(ports, raw("incident_create.json")), ports)
    assert (first.action, first.reason, first.case_id) == ("recorded", "current", CASE)
    assert again.action == "duplicate"
    assert [e.data["status"] for e in published()] == ["received"]
    assert ports.counts == {"recorded:current": 1, "duplicate": 1}


@pytest.mark.parametrize(
    ("fixture", "reason"),
    [("contact_update.json", "other_table"), ("incident_update_title.json", "status_untouched")],
)
def test_other_messages_are_completed_counted_and_not_stored(
    fixture: str, reason: str, ports: CaseEventPorts, published: Published
) -> None:
    result = handle_case_event(deliver(ports, raw(fixture)), ports)
    assert (result.action, result.reason) == ("ignored", reason)
    assert ports.history.get(uuid.UUID(CASE)) is None
    assert published() == []
    assert ports.bus.peek(f"{QUEUE}-rejected") == []
    assert ports.counts == {f"ignored:{reason}": 1}


@pytest.mark.parametrize(
    ("body", "content_type", "reason"),
    [
        (raw("truncated.json"), "application/json", "malformed: not JSON"),
        (raw("malformed_statecode.json"), "application/json", "malformed: InputParameters.Target"),
        (b"\x00\x01binary", "application/msbin1", "unsupported_format: the service endpoint"),
        (b"<RemoteExecutionContext/>", "application/xml", "unsupported_format"),
        (b'{"x":"' + b"a" * MAX_EVENT_BYTES + b'"}', "application/json", "oversized: "),
    ],
)
def test_an_unreadable_message_is_parked_with_its_reason(
    body: bytes, content_type: str, reason: str, ports: CaseEventPorts, clock: FakeClock
) -> None:
    message = deliver(ports, body, content_type=content_type)
    result = handle_case_event(message, ports)
    assert result.action == "rejected"
    [parked] = ports.bus.peek(f"{QUEUE}-rejected")
    assert parked.message_id == message.message_id
    assert str(parked.application_properties[PROP_REJECTED_REASON]).startswith(reason)
    assert parked.application_properties["cityzen-rejected-at"] == clock().isoformat()
    assert parked.body == body  # nothing lost: the message can be replayed once fixed


def test_a_message_too_large_to_park_whole_is_parked_without_its_body(
    ports: CaseEventPorts,
) -> None:
    body = b"x" * (250 * 1024)
    message = ReceivedMessage(
        queue=QUEUE,
        body=body,
        message_id="too-big",
        sequence_number=1,
        delivery_count=1,
        enqueued_time=datetime(2026, 3, 2, tzinfo=UTC),
        lock_token="",
        locked_until=None,
        content_type="application/json",
        application_properties={"padding": "p" * 8000},
    )
    assert handle_case_event(message, ports).action == "rejected"
    [parked] = ports.bus.peek(f"{QUEUE}-rejected")
    assert parked.body == b""
    assert parked.application_properties["cityzen-body-dropped-bytes"] == len(body)
    assert str(parked.application_properties[PROP_REJECTED_REASON]).startswith("oversized")


def test_logs_name_ids_and_decisions_never_personal_data(
    ports: CaseEventPorts, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG):
        for name in (
            "incident_create.json",
            "incident_create_phone.json",
            "contact_update.json",
            "incident_update_title.json",
            "malformed_statecode.json",
            "truncated.json",
        ):
            handle_case_event(deliver(ports, raw(name)), ports)
    assert "recorded (current) case " + CASE in caplog.text
    assert "ignored (other_table)" in caplog.text
    assert "rejected (malformed)" in caplog.text
    for text in PERSONAL:
        assert text not in caplog.text
    for record in caplog.records:
        assert "Stationnement" not in record.getMessage()
