"""A queued change survives Dataverse being down: retried with back-off, parked with its reason
once the attempts are spent (or at once when it can never apply), replayed by the queue
commands, and applied then. Nothing personal reaches the log on the way."""

from __future__ import annotations

import json
import logging
import uuid
from datetime import timedelta
from typing import Any

import pytest

from cityzen_connector.citizens import handle_profile_update
from cityzen_connector.messaging import (
    PROP_ATTEMPT,
    OutgoingMessage,
    ReceivedMessage,
    encode,
)
from cityzen_connector.sync.pipeline import replay
from tests.citizens.conftest import QUEUE, Desk

REJECTED = f"{QUEUE}-rejected"


def rejected(desk: Desk) -> list[ReceivedMessage]:
    return desk.bus.peek(REJECTED, max_messages=100)


def test_dataverse_down_the_change_is_retried_later_then_applied(desk: Desk) -> None:
    desk.patch({"contact": {"city": "Lyon"}}, desk.get().headers["ETag"])
    desk.transport.down = True
    [first] = desk.drain()
    assert first.action == "retry_scheduled"
    assert desk.drain() == []  # the copy waits for its time
    desk.clock.advance(31)
    [second] = desk.drain()
    assert second.action == "retry_scheduled"
    desk.transport.down = False
    desk.clock.advance(61)  # the second wait is twice the first
    [third] = desk.drain()
    assert third.action == "applied"
    assert desk.contact()["address1_city"] == "Lyon"
    assert desk.get().json()["pending"] == []


def test_past_the_last_attempt_it_is_parked_with_its_reason_and_replayable(
    desk: Desk, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    desk.patch({"contact": {"phone": "06 01 02 03 04"}}, desk.get().headers["ETag"])
    desk.transport.down = True
    for _ in range(desk.ports.max_attempts):
        desk.drain()
        desk.clock.advance(3601)
    assert desk.bus.peek(QUEUE, max_messages=10) == []
    [parked] = rejected(desk)
    reason = str(parked.application_properties["cityzen-rejected-reason"])
    assert reason.startswith("dataverse_unavailable after 8 attempts")
    assert desk.get().json()["pending"] == ["phone"]  # still shown as waiting

    desk.transport.down = False
    report = replay(desk.bus, QUEUE, source="rejected", now=desk.clock())
    assert report.replayed == 1
    [result] = desk.drain()
    assert result.action == "applied"
    assert desk.contact()["mobilephone"] == "+33601020304"
    assert "+33601020304" not in caplog.text
    assert "06 01 02 03 04" not in caplog.text


def _message(payload: dict[str, Any]) -> OutgoingMessage:
    return encode("cityzen.profile-update/v1", payload, correlation_id="c")


def _payload(desk: Desk, **overrides: Any) -> dict[str, Any]:
    desk.get()
    record = desk.profiles.of_contact(desk.contact_id)
    assert record is not None
    payload: dict[str, Any] = {
        "contact_id": str(desk.contact_id),
        "identity_key": record.identity_key,
        "changes": {"city": "Lyon"},
        "base": {"city": "Paris"},
        "base_version": None,
        "requested_at": desk.clock().isoformat(),
    }
    payload.update(overrides)
    return payload


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"changes": {"given_name": "Eve"}, "base": {"given_name": "Marianne"}}, "certified"),
        ({"changes": {"nope": "x"}, "base": {"nope": None}}, "not a field"),
        ({"changes": {"city": "x" * 81}, "base": {"city": "Paris"}}, "at most 80"),
        ({"changes": {"city": 7}, "base": {"city": "Paris"}}, "at most 80"),
        ({"changes": {"city": "Lyon"}, "base": {}}, "changes and base"),
        ({"identity_key": "abc"}, "identity_key"),
        ({"contact_id": "not-a-guid"}, "malformed"),
        ({"contact_id": str(uuid.uuid4())}, "contact_changed"),
        ({"identity_key": "0" * 64, "contact_id": str(uuid.uuid4())}, "contact_gone"),
    ],
)
def test_a_message_that_can_never_apply_is_parked_at_once(
    desk: Desk, overrides: dict[str, Any], reason: str
) -> None:
    desk.bus.send(QUEUE, [_message(_payload(desk, **overrides))])
    [result] = desk.drain()
    assert result.action == "rejected"
    assert reason in result.reason
    [parked] = rejected(desk)
    assert reason in str(parked.application_properties["cityzen-rejected-reason"])
    assert desk.contact()["address1_city"] == "Paris"


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"\xff\xfe not json", "application/json"),
        (b'{"schema": "cityzen.submission/v1", "correlation_id": "c", "payload": {}}', None),
        (b"<xml/>", "application/xml"),
        (json.dumps({"schema": "cityzen.profile-update/v1"}).encode(), "application/json"),
    ],
)
def test_a_message_that_is_not_a_profile_update_is_parked(
    desk: Desk, body: bytes, content_type: str | None
) -> None:
    desk.bus.send(QUEUE, [OutgoingMessage(body=body, message_id="m-1", content_type=content_type)])
    [result] = desk.drain()
    assert (result.action, result.reason.split(":")[0]) == ("rejected", "malformed")


def test_a_retry_copy_counts_its_attempt(desk: Desk) -> None:
    desk.patch({"contact": {"city": "Lyon"}}, desk.get().headers["ETag"])
    desk.transport.down = True
    [message] = desk.bus.receive(QUEUE, max_messages=1)
    handle_profile_update(message, desk.ports)
    desk.bus.complete(message)
    desk.clock.advance(timedelta(seconds=31).total_seconds())
    [copy] = desk.bus.peek(QUEUE, max_messages=1)
    assert copy.application_properties[PROP_ATTEMPT] == 2


def test_a_refusal_by_dataverse_is_parked_at_once_with_the_facts(desk: Desk) -> None:
    desk.patch({"contact": {"city": "Lyon"}}, desk.get().headers["ETag"])
    desk.transport.denied = True  # the application user lost its role: retrying cannot help
    [result] = desk.drain()
    assert result.action == "rejected"
    assert result.reason.startswith("dataverse: PermissionDeniedError, HTTP 403")
    assert len(rejected(desk)) == 1
