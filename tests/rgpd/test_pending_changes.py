"""A change of the citizen's record still waiting in the ``profile-updates`` queue (not failed:
live, or scheduled for a retry) when the DPO approves their erasure: processed later, it must
write nothing back, neither into the pseudonymised contact nor into the state store, and park
nothing with their details: it is dropped, with a log line that names no one."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest

from cityzen_connector import app
from tests.rgpd.world import Person, Town, everything_held, town

ERASURE = "/v1/citizens/me/erasure-request"
MARIANNE = Person("sub-marianne")
NEW_PHONE = "+33611111111"
NEW_STREET = "8 impasse des Glycines"


def _queue_a_change(world: Town, person: Person) -> None:
    record = world.call("GET", "/v1/citizens/me", person)
    assert record.status == 200, record.body
    changed = world.call(
        "PATCH",
        "/v1/citizens/me",
        person,
        {"contact": {"phone": NEW_PHONE, "address_line1": NEW_STREET}},
        headers={
            "If-Match": record.headers["ETag"],
            "Content-Type": "application/merge-patch+json",
        },
    )
    assert changed.status == 202, changed.body


def _erase(world: Town, person: Person) -> None:
    response = world.call("POST", ERASURE, person, {"kind": "erasure"})
    assert response.status == 202, response.body
    request = str(response.json()["id"])
    world.work()
    world.dpo_decides(request, approve=True)
    world.work()


def _profile_updates(world: Town) -> list[Any]:
    queue = world.settings.profile_updates_queue
    results = []
    while batch := world.bus.receive(queue, max_messages=10):
        for message in batch:
            results.append(app.process_profile_update(world.container, message))
            world.bus.complete(message)
    return results


def test_a_change_still_queued_when_the_erasure_is_approved_writes_nothing_back(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    world = town(tmp_path, on_disk=True)
    request = world.file(MARIANNE, "Nid-de-poule devant chez moi.")
    world.work()
    contact = world.case_of(request)["_customerid_value"]
    _queue_a_change(world, MARIANNE)
    assert NEW_PHONE in everything_held(tmp_path)  # in the live queue, waiting
    _erase(world, MARIANNE)

    [result] = _profile_updates(world)

    assert result.action == "dropped"
    after = world.contact(contact)
    assert (after["mobilephone"], after["address1_line1"]) == (None, None)
    held = everything_held(tmp_path)
    for value in (*MARIANNE.personal, NEW_PHONE, NEW_STREET):
        assert value not in held, value  # not in the store, nor parked on -rejected
    queue = world.settings.profile_updates_queue
    assert world.bus.peek(f"{queue}-rejected", max_messages=10) == []
    assert "dropped (the citizen's data was erased)" in caplog.text
    for value in (*MARIANNE.personal, NEW_PHONE, NEW_STREET, MARIANNE.sub):
        assert value not in caplog.text, value


def test_a_change_made_after_an_erasure_by_the_same_person_is_applied(tmp_path: Path) -> None:
    """Erased, then back with a new request: a new contact, whose changes are theirs to make
    (the erasure drops only what was asked before it)."""
    world = town(tmp_path)
    world.file(MARIANNE, "Nid-de-poule devant chez moi.")
    world.work()
    _erase(world, MARIANNE)
    world.clock.advance(60)
    request = world.file(MARIANNE, "De retour : un lampadaire éteint.")
    world.work()
    contact = world.case_of(request)["_customerid_value"]
    _queue_a_change(world, MARIANNE)

    [result] = _profile_updates(world)

    assert result.action == "applied", result
    assert world.contact(contact)["mobilephone"] == NEW_PHONE
