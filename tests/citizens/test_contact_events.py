"""Agents' changes of a contact, from the case-events queue into the record's copy: what the
emulator's service endpoint posts is read as the agent's change; a late event never overwrites
a newer copy; a hostile or malformed one is parked with its reason and changes nothing."""

from __future__ import annotations

import json
from typing import Any

import pytest

from cityzen_connector.messaging import OutgoingMessage
from tests.citizens.conftest import EVENTS, Desk


def posted(desk: Desk) -> dict[str, Any]:
    """The last message the emulator posted for the contact (left on the queue)."""
    [message] = desk.events.peek(EVENTS, max_messages=10)[-1:]
    loaded: dict[str, Any] = json.loads(message.body)
    return loaded


def send(desk: Desk, context: dict[str, Any], message_id: str) -> None:
    body = json.dumps(context).encode()
    desk.events.send(
        EVENTS,
        [OutgoingMessage(body=body, message_id=message_id, content_type="application/json")],
    )


def image_values(context: dict[str, Any]) -> list[dict[str, Any]]:
    [image] = [i for i in context["PostEntityImages"] if i["key"] == "profile"]
    attributes: list[dict[str, Any]] = image["value"]["Attributes"]
    return attributes


def test_an_agent_clearing_a_field_clears_it_in_the_record(desk: Desk) -> None:
    desk.get()
    desk.agent(address1_line1=None, address1_postalcode="69001", address1_city="Lyon")
    assert [r.action for r in desk.follow_events()] == ["recorded"]
    contact = desk.get().json()["contact"]
    assert (contact["address_line1"], contact["postal_code"], contact["city"]) == (
        None,
        "69001",
        "Lyon",
    )


def test_a_late_event_never_overwrites_a_newer_copy(desk: Desk) -> None:
    desk.get()
    desk.agent(address1_city="Lyon")
    older = posted(desk)
    desk.follow_events()
    desk.agent(address1_city="Nice")
    desk.follow_events()
    send(desk, older, "late-delivery")  # Service Bus delivers the first one again, late
    assert [(r.action, r.reason) for r in desk.follow_events()] == [("duplicate", "contact")]
    assert desk.get().json()["contact"]["city"] == "Nice"


def test_a_citizen_who_never_read_the_record_gets_no_copy_from_an_event(desk: Desk) -> None:
    desk.agent(address1_city="Lyon")
    assert [(r.action, r.reason) for r in desk.follow_events()] == [("ignored", "no_profile_copy")]
    assert desk.profiles.of_contact(desk.contact_id) is None
    assert desk.get().json()["contact"]["city"] == "Lyon"  # read fresh from Dataverse


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("address1_city", ["Lyon"]),
        ("address1_city", "x" * 10_000),
        ("versionnumber", "12"),
        ("versionnumber", True),
        ("birthdate", "/Date(not-a-date)/"),
    ],
)
def test_a_malformed_event_is_parked_and_changes_nothing(
    desk: Desk, column: str, value: Any
) -> None:
    desk.get()
    desk.agent(address1_city="Lyon")
    context = posted(desk)
    desk.follow_events()
    before = desk.get().headers["ETag"]
    attributes = image_values(context)
    for attribute in attributes:
        if attribute["key"] == column:
            attribute["value"] = value
    if column not in {a["key"] for a in attributes}:
        attributes.append({"key": column, "value": value})
    send(desk, context, "hostile")
    [result] = desk.follow_events()
    assert (result.action, result.reason) == ("rejected", "malformed")
    assert len(desk.events.peek(f"{EVENTS}-rejected", max_messages=10)) == 1
    assert desk.get().headers["ETag"] == before
