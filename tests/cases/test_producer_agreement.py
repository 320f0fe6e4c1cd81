"""The producer and the consumer agree: every message the emulator's service endpoint posts
(``tests/emulator/fixtures/case_events``, regenerated from the emulator by
``python -m tests.emulator.case_event_fixtures``) reads, through ``parse_context`` and
``change_of`` and through the queue worker with its brokered-message envelope, as the change
an agent made. Where the two sides could drift apart — the image's alias and position, the
``RowVersion`` as a string, the offsets of a WCF date, a message Dataverse trimmed past
192 KB — each way Microsoft documents is tried here."""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass
from typing import Any

import pytest

from cityzen_connector.cases import (
    CaseChange,
    CaseEventPorts,
    CaseHistory,
    CaseSchema,
    Ignored,
    Reconciler,
    change_of,
    handle_case_event,
    parse_context,
)
from cityzen_connector.dataverse import WsgiTransport
from cityzen_connector.mapping import MappingSet
from cityzen_connector.messaging import MessageBus, OutgoingMessage, ReceivedMessage
from cityzen_connector.store import StateStore
from cityzen_connector.testing import FakeClock
from tests.cases.conftest import Published
from tests.emulator.case_event_fixtures import CASE, CONTACT, FOLDER, OTHER_CASE, SUBMISSION
from tests.sync.conftest import make_client, provisioned_app

QUEUE = "case-events"
NAMES = sorted(
    p.name.removesuffix(".json") for p in FOLDER.glob("*.json") if ".message" not in p.name
)


@dataclass(frozen=True)
class Expected:
    case: str
    message: str
    state: int
    status: int
    owner_kind: str
    service: str | None
    origin: int | None = None


EXPECTED = {
    # Filed by the connector's application user: the case is the user's until a team takes it.
    "case_created": Expected(CASE, "Create", 0, 1, "systemuser", None, origin=3),
    "case_owner_changed": Expected(CASE, "Update", 0, 1, "team", "Voirie"),
    "case_status_waiting_for_details": Expected(CASE, "Update", 0, 3, "team", "Voirie"),
    "case_resolved": Expected(CASE, "Update", 1, 5, "team", "Voirie"),
    "phone_case_created": Expected(OTHER_CASE, "Create", 0, 1, "systemuser", None, origin=1),
    "phone_case_cancelled": Expected(OTHER_CASE, "Update", 2, 6, "systemuser", None),
}


def body(name: str) -> bytes:
    return (FOLDER / f"{name}.json").read_bytes()


def envelope(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((FOLDER / f"{name}.message.json").read_text("utf-8"))
    return loaded


def pairs(items: list[dict[str, Any]]) -> dict[str, Any]:
    return {item["key"]: item["value"] for item in items}


def scenario_order() -> list[str]:
    """The fixtures in the order the agent's day made them (their operation times)."""
    return sorted(NAMES, key=lambda n: json.loads(body(n))["OperationCreatedOn"])


def test_every_fixture_the_emulator_posts_is_read_by_the_consumer() -> None:
    assert set(NAMES) == {*EXPECTED, "other_entity_contact_created"}  # a new one needs a line


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_case_event_reads_as_the_change_the_agent_made(name: str, schema: CaseSchema) -> None:
    expected = EXPECTED[name]
    context = json.loads(body(name))
    change = change_of(parse_context(body(name)), schema)
    assert isinstance(change, CaseChange), change
    assert (change.case_id, change.message) == (uuid.UUID(expected.case), expected.message)
    assert (change.state, change.status) == (expected.state, expected.status)
    assert change.owner is not None
    assert (change.owner.kind, change.owner.service) == (expected.owner_kind, expected.service)
    # Every event carries the case's ticket and customer: the post-image ``status`` says them.
    image = pairs(pairs(context["PostEntityImages"])["status"]["Attributes"])
    assert change.ticket_number == image["ticketnumber"]
    assert re.fullmatch(r"CAS-\d{5}-[0-9A-Z]{6}", change.ticket_number or "")
    assert change.contact_id == uuid.UUID(CONTACT)
    # The ordering key is the row version the operation left: the image's, the Target's.
    assert change.version == image["versionnumber"]
    assert change.key == f"v{image['versionnumber']}"
    if expected.message == "Update":
        assert change.version == int(pairs(context["InputParameters"])["Target"]["RowVersion"])
    if expected.origin is not None:
        assert change.origin == expected.origin
    # Every event of the portal's case says which request it is (the image's submission id
    # column), not only its Create: an update processed first still names the request.
    filed = uuid.UUID(SUBMISSION) if expected.case == CASE else None
    assert change.submission_id == filed


def test_the_event_of_another_table_is_ignored(schema: CaseSchema) -> None:
    assert change_of(parse_context(body("other_entity_contact_created")), schema) == Ignored(
        "other_table"
    )


def test_the_row_versions_of_a_case_grow_with_the_agents_day(schema: CaseSchema) -> None:
    versions: dict[uuid.UUID, list[int]] = {}
    for name in scenario_order():
        change = change_of(parse_context(body(name)), schema)
        if isinstance(change, CaseChange):
            assert change.version is not None
            versions.setdefault(change.case_id, []).append(change.version)
    assert all(v == sorted(set(v)) for v in versions.values())
    assert len(versions) == 2


@pytest.mark.parametrize("offset", ["", "+0000", "-0700", "+0530"])
def test_the_operation_time_reads_the_same_whatever_offset_the_writer_had(
    offset: str, schema: CaseSchema
) -> None:
    # "/Date(ms)/" is UTC milliseconds since 1970; an offset only says where the writer was
    # (DataContractJsonSerializer, "Dates/Times and JSON").
    text = body("case_resolved").decode("utf-8")
    stamp = re.search(r'"OperationCreatedOn":"\\/Date\((\d+)\)\\/"', text)
    assert stamp is not None
    shifted = text.replace(stamp.group(0), stamp.group(0).replace(")", f"{offset})", 1))
    change = change_of(parse_context(shifted.encode()), schema)
    assert isinstance(change, CaseChange)
    assert change.at.timestamp() * 1000 == int(stamp.group(1))


def test_an_image_without_the_primary_name_image_before_it_reads_the_same(
    schema: CaseSchema,
) -> None:
    # Dataverse puts AsynchronousStepPrimaryName first for asynchronous steps; a step
    # registered without it (or an older organisation) sends the ``status`` image alone.
    context = json.loads(body("case_owner_changed"))
    with_both = change_of(parse_context(body("case_owner_changed")), schema)
    context["PostEntityImages"] = [
        i for i in context["PostEntityImages"] if i["key"] != "AsynchronousStepPrimaryName"
    ]
    alone = change_of(parse_context(json.dumps(context).encode()), schema)
    assert alone == with_both


def test_the_agents_day_through_the_worker_ends_with_the_citizen_statuses_in_order(
    bus: MessageBus,
    history: CaseHistory,
    schema: CaseSchema,
    clock: FakeClock,
    published: Published,
) -> None:
    ports = CaseEventPorts(bus=bus, queue=QUEUE, history=history, schema=schema, clock=clock)
    actions = []
    for name in scenario_order():
        meta = envelope(name)
        assert meta["queue"] == QUEUE
        message = OutgoingMessage(
            body=body(name),
            message_id=meta["message_id"],
            content_type=meta["content_type"],
            application_properties=meta["properties"],
        )
        bus.send(QUEUE, [message])
        [received] = bus.receive(QUEUE)
        actions.append(handle_case_event(received, ports).action)
        bus.complete(received)
    assert actions.count("ignored") == 1
    assert actions.count("rejected") == 0
    told = [(e.data["request_id"], e.data["case_id"], e.data["status"]) for e in published()]
    assert told == [
        (SUBMISSION, CASE, "received"),
        (SUBMISSION, CASE, "in_progress"),  # the Voirie team took it in charge
        (SUBMISSION, CASE, "waiting_for_you"),
        (SUBMISSION, CASE, "resolved"),
        (None, OTHER_CASE, "received"),  # typed in from a phone call: no request of ours
        (None, OTHER_CASE, "cancelled"),
    ]
    record = history.get(uuid.UUID(CASE))
    assert record is not None
    assert [e.service for e in record.entries] == [None, "Voirie", "Voirie", "Voirie"]
    assert history.case_of_submission(uuid.UUID(SUBMISSION)) == uuid.UUID(CASE)


def test_a_late_create_still_leaves_every_webhook_naming_the_request(
    bus: MessageBus,
    history: CaseHistory,
    schema: CaseSchema,
    clock: FakeClock,
    published: Published,
) -> None:
    # Service Bus does not keep the order: the resolution may be read before the Create.
    ports = CaseEventPorts(bus=bus, queue=QUEUE, history=history, schema=schema, clock=clock)
    for name in ("case_resolved", "case_created"):
        meta = envelope(name)
        received = _received(bus, OutgoingMessage(body=body(name), message_id=meta["message_id"]))
        handle_case_event(received, ports)
    assert [(e.data["request_id"], e.data["status"]) for e in published()] == [
        (SUBMISSION, "resolved")  # the late Create is history, not news
    ]


def test_a_context_dataverse_sends_whole_up_to_192_kb_is_read(schema: CaseSchema) -> None:
    # A Create's Target holds every column: a long custom memo column makes a large message,
    # which Dataverse sends whole up to 192 KB ("Azure integration").
    context = json.loads(body("case_created"))
    target = pairs(context["InputParameters"])["Target"]
    target["Attributes"].append({"key": "cz_notes", "value": "x" * (180 * 1024)})
    large = json.dumps(context, separators=(",", ":")).encode()
    assert 180 * 1024 < len(large) <= 192 * 1024
    change = change_of(parse_context(large), schema)
    assert isinstance(change, CaseChange)
    assert change.case_id == uuid.UUID(CASE)


def trimmed(name: str, case_id: uuid.UUID) -> OutgoingMessage:
    """The fixture's message as Dataverse sends it past 192 KB: no ParentContext, no
    InputParameters, no images, and the ``MessageMaxSizeExceeded`` property ("Azure
    integration")."""
    context = json.loads(body(name))
    context.update(
        ParentContext=None,
        InputParameters=[],
        PreEntityImages=[],
        PostEntityImages=[],
        PrimaryEntityId=str(case_id),
    )
    meta = envelope(name)
    return OutgoingMessage(
        body=json.dumps(context).encode(),
        message_id=str(uuid.uuid4()),  # another system job
        content_type=meta["content_type"],
        application_properties={**meta["properties"], "MessageMaxSizeExceeded": True},
    )


def _received(bus: MessageBus, message: OutgoingMessage) -> ReceivedMessage:
    bus.send(QUEUE, [message])
    [received] = bus.receive(QUEUE)
    return received


def test_a_message_trimmed_past_192_kb_is_read_from_the_case_itself(
    mappings: MappingSet,
    clock: FakeClock,
    bus: MessageBus,
    store: StateStore,
    history: CaseHistory,
    schema: CaseSchema,
    published: Published,
) -> None:
    client = make_client(WsgiTransport(provisioned_app(mappings, clock)), clock)
    contact = client.create("contacts", {"lastname": "Martin"}).id
    case = client.create(
        "incidents",
        {"title": "Encombrants", "customerid_contact@odata.bind": f"/contacts({contact})"},
    ).id
    assert case is not None
    client.update("incidents", case, {"statuscode": 3})  # what the trimmed event was about
    reconciler = Reconciler(client, store, history, schema)
    ports = CaseEventPorts(
        bus=bus,
        queue=QUEUE,
        history=history,
        schema=schema,
        clock=clock,
        read_case=reconciler.read_case,
    )
    message = _received(bus, trimmed("case_status_waiting_for_details", case))
    result = handle_case_event(message, ports)
    assert (result.action, result.case_id) == ("recorded", str(case))
    assert [(e.data["case_id"], e.data["status"]) for e in published()] == [
        (str(case), "waiting_for_you")
    ]
    # Change tracking later brings the same row version: the same change, not news again.
    assert reconciler.run().recorded == 0
    assert len(published()) == 1
    # A case deleted meanwhile: nothing to read, nothing recorded.
    gone = _received(bus, trimmed("case_resolved", uuid.uuid4()))
    assert handle_case_event(gone, ports).reason == "case_gone"
    # Without a way to read the case, the message waits for the reconciliation timer.
    alone = CaseEventPorts(bus=bus, queue=QUEUE, history=history, schema=schema, clock=clock)
    again = _received(bus, trimmed("case_resolved", case))
    assert (handle_case_event(again, alone).action, alone.counts) == (
        "ignored",
        {"ignored:no_case_data": 1},
    )
