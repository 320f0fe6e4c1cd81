"""Agents' messages in from the case-events queue: only a Create of the conversation table
marked for the citizen flows out, kept once in the request's thread in order, and the portal
told with ids only (no text, no name)."""

from __future__ import annotations

import json
import logging
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from cityzen_connector.cases import (
    MESSAGE_CREATED,
    CaseEventPorts,
    CaseHistory,
    CaseSchema,
    CaseThreads,
    QueueWebhookOutbox,
    ThreadMessage,
    handle_case_event,
)
from cityzen_connector.messaging import MessageBus, OutgoingMessage, ReceivedMessage
from cityzen_connector.store import StateStore
from cityzen_connector.testing import FakeClock
from tests.cases.conftest import CASE, SUBMISSION, WEBHOOKS, Published, raw

QUEUE = "case-events"
_C = ":http://schemas.microsoft.com/xrm/2011/Contracts"
TEXT = "Pouvez-vous envoyer une photo du trou ? Agnès Martin"


def _option(value: int) -> dict[str, Any]:
    return {"__type": f"OptionSetValue{_C}", "Value": value}


def _ref(table: str, ident: str, name: str | None = None) -> dict[str, Any]:
    return {"__type": f"EntityReference{_C}", "Id": ident, "LogicalName": table, "Name": name}


def message_event(
    *,
    row: str | None = None,
    direction: int = 2,
    visible: object = True,
    case: str = CASE,
    regarding_table: str = "incident",
    created_ms: int = 1772442000000,
    version: int = 78,
    message: str = "Create",
    table: str = "cz_casemessage",
    text: str = TEXT,
    drop: tuple[str, ...] = (),
    portal_id: str | None = None,
) -> bytes:
    """A Create of a conversation row as the emulator posts it (docs/cases.md)."""
    row = row or str(uuid.uuid4())
    values: dict[str, Any] = {
        "subject": "Réponse de la mairie",
        "description": text,
        "regardingobjectid": _ref(regarding_table, case, "Nid-de-poule"),
        "cz_direction": _option(direction),
        "cz_visibletocitizen": visible,
        "statecode": _option(1),
        "ownerid": _ref("systemuser", str(uuid.uuid4()), "Agnès Martin"),
        "createdby": _ref("systemuser", str(uuid.uuid4()), "Agnès Martin"),
        "createdon": f"/Date({created_ms})/",
        "versionnumber": version,
        "activityid": row,
        "cz_messageid": portal_id,
    }
    attributes = [{"key": k, "value": v} for k, v in values.items() if k not in drop]
    image = {"Attributes": attributes, "FormattedValues": [], "Id": row, "LogicalName": table}
    context = {
        "MessageName": message,
        "PrimaryEntityName": table,
        "PrimaryEntityId": row,
        "OperationCreatedOn": f"/Date({created_ms + 1000}+0000)/",
        "CorrelationId": str(uuid.uuid4()),
        "OrganizationId": str(uuid.uuid4()),
        "Depth": 1,
        "Stage": 40,
        "Mode": 1,
        "InputParameters": [],
        "PostEntityImages": [{"key": "message", "value": image}],
    }
    return json.dumps(context).encode()


@pytest.fixture
def threads(
    store: StateStore, bus: MessageBus, history: CaseHistory, clock: FakeClock
) -> CaseThreads:
    outbox = QueueWebhookOutbox(bus, WEBHOOKS)
    return CaseThreads(store, outbox, history, clock=clock, retention=timedelta(days=400))


@pytest.fixture
def ports(
    bus: MessageBus,
    history: CaseHistory,
    schema: CaseSchema,
    clock: FakeClock,
    threads: CaseThreads,
) -> CaseEventPorts:
    return CaseEventPorts(
        bus=bus, queue=QUEUE, history=history, schema=schema, clock=clock, threads=threads
    )


def deliver(ports: CaseEventPorts, body: bytes) -> ReceivedMessage:
    message = OutgoingMessage(
        body=body, message_id=uuid.uuid4().hex, content_type="application/json"
    )
    ports.bus.send(QUEUE, [message])
    [received] = ports.bus.receive(QUEUE)
    ports.bus.complete(received)
    return received


def test_an_agents_message_to_the_citizen_is_kept_once_and_told_with_ids_only(
    ports: CaseEventPorts, threads: CaseThreads, published: Published
) -> None:
    handle_case_event(deliver(ports, raw("incident_create.json")), ports)  # the case is known
    row = str(uuid.uuid4())
    first = handle_case_event(deliver(ports, message_event(row=row)), ports)
    again = handle_case_event(deliver(ports, message_event(row=row)), ports)
    assert (first.action, first.reason, first.case_id) == ("recorded", "message", CASE)
    assert again.action == "duplicate"
    [message] = threads.thread(uuid.UUID(CASE))
    assert (message.text, message.direction, str(message.row_id)) == (TEXT, "to_citizen", row)
    events = [e for e in published() if e.type == MESSAGE_CREATED]
    assert len(events) == 1
    assert dict(events[0].data) == {
        "request_id": SUBMISSION,
        "case_id": CASE,
        "message_id": row,
        "direction": "to_citizen",
        "created_at": "2026-03-02T09:00:00Z",
    }
    body = json.dumps(dict(events[0].data))
    assert "photo" not in body
    assert "Agnès" not in body


@pytest.mark.parametrize(
    ("over", "reason"),
    [
        ({"visible": False}, "not_for_citizen"),
        ({"visible": None}, "not_for_citizen"),
        ({"visible": "true"}, "not_for_citizen"),  # fail closed: only a real yes
        ({"drop": ("cz_visibletocitizen",)}, "not_for_citizen"),
        ({"direction": 1}, "not_for_citizen"),  # the citizen's own message, which we wrote
        ({"regarding_table": "contact"}, "not_on_a_case"),
        ({"drop": ("regardingobjectid",)}, "not_on_a_case"),
        ({"message": "Update"}, "other_message"),
    ],
)
def test_what_is_not_for_the_citizen_never_flows_out(
    ports: CaseEventPorts,
    threads: CaseThreads,
    published: Published,
    over: dict[str, Any],
    reason: str,
) -> None:
    result = handle_case_event(deliver(ports, message_event(**over)), ports)
    assert (result.action, result.reason) == ("ignored", reason)
    assert threads.thread(uuid.UUID(CASE)) == []
    assert published() == []


def test_notes_and_other_activities_are_other_tables(
    ports: CaseEventPorts, published: Published
) -> None:
    for table in ("annotation", "task", "email"):
        result = handle_case_event(deliver(ports, message_event(table=table)), ports)
        assert (result.action, result.reason) == ("ignored", "other_table")
    assert published() == []


def test_a_malformed_message_event_is_parked_with_its_reason(ports: CaseEventPorts) -> None:
    result = handle_case_event(deliver(ports, message_event(direction="2")), ports)  # type: ignore[arg-type]
    assert (result.action, result.reason) == ("rejected", "malformed")
    result = handle_case_event(deliver(ports, message_event(text="x" * 2001)), ports)
    assert (result.action, result.reason) == ("rejected", "malformed")
    [parked, _] = ports.bus.peek(f"{QUEUE}-rejected", max_messages=10)
    assert "cz_direction" in str(parked.application_properties)


def test_the_thread_is_oldest_first_by_creation_then_row_version(
    ports: CaseEventPorts, threads: CaseThreads
) -> None:
    base = 1772442000000
    for created, version, text in [
        (base + 5000, 90, "third"),
        (base, 80, "second"),  # same second as the first: the row version decides
        (base, 79, "first"),
    ]:
        handle_case_event(
            deliver(ports, message_event(created_ms=created, version=version, text=text)), ports
        )
    assert [m.text for m in threads.thread(uuid.UUID(CASE))] == ["first", "second", "third"]


def test_a_message_on_a_case_we_do_not_know_is_kept_under_its_case(
    ports: CaseEventPorts, threads: CaseThreads, published: Published
) -> None:
    unknown = str(uuid.uuid4())
    result = handle_case_event(deliver(ports, message_event(case=unknown)), ports)
    assert result.action == "recorded"
    assert len(threads.thread(uuid.UUID(unknown))) == 1
    [event] = published()
    assert event.data["request_id"] is None
    assert event.data["case_id"] == unknown


def test_logs_never_carry_the_text_nor_the_agents_name(
    ports: CaseEventPorts, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    handle_case_event(deliver(ports, message_event()), ports)
    handle_case_event(deliver(ports, message_event(visible=False)), ports)
    assert "photo" not in caplog.text
    assert "Agnès" not in caplog.text
    assert "recorded (message)" in caplog.text


def test_the_citizens_own_message_coming_back_is_placed_as_the_timeline_orders_it(
    ports: CaseEventPorts, threads: CaseThreads, published: Published
) -> None:
    handle_case_event(deliver(ports, raw("incident_create.json")), ports)  # the case is known
    request, case = uuid.UUID(SUBMISSION), uuid.UUID(CASE)
    portal_id = uuid.uuid4()
    accepted = ThreadMessage(
        portal_id, None, "from_citizen", datetime(2026, 3, 2, 9, 0, 0, 900000, UTC), None, "photo"
    )
    threads.record_citizen(request, accepted)  # kept when the API accepted it
    # The agent wrote in the same second, before the citizen's message reached Dataverse.
    handle_case_event(deliver(ports, message_event(version=80, text="Une photo ?")), ports)
    echo = message_event(
        direction=1, visible=True, version=81, text="photo", portal_id=str(portal_id)
    )
    result = handle_case_event(deliver(ports, echo), ports)
    assert (result.action, result.reason) == ("recorded", "citizen_message")
    shown = threads.thread(case, request)
    assert [(m.direction, m.text) for m in shown] == [
        ("to_citizen", "Une photo ?"),
        ("from_citizen", "photo"),
    ]
    assert shown[1].row_id == portal_id  # the id the POST answered, still
    assert [e.type for e in published()].count(MESSAGE_CREATED) == 1  # the agent's only
