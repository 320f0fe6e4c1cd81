"""Erasure and objection: the request goes to the DPO through the same intake as any request;
the DPO's decision in Dynamics 365 comes back as a case event, and an approval erases what the
connector holds about that citizen (and only them), once, even when the event comes twice."""

from __future__ import annotations

import json
import logging
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from cityzen_connector.messaging import OutgoingMessage
from cityzen_connector.rgpd import AUDIT_PARTITION, ERASURES_PARTITION
from cityzen_connector.store import INGEST_PARTITION, BlobRef, BlobStore
from tests.rgpd.world import Person, Town, everything_held, town
from tests.support.schema_check import check_response

ERASURE = "/v1/citizens/me/erasure-request"
_YEAR = timedelta(days=365)
MARIANNE = Person("sub-marianne")
NAMESAKE = Person("sub-namesake", email="m.martin@example.org", phone="+33698765432")


def _erasure(world: Town, person: Person, body: Any) -> str:
    response = world.call("POST", ERASURE, person, body)
    check_response("POST", ERASURE, response)
    assert response.status == 202, response.body
    request_id = str(response.json()["id"])
    assert response.headers["Location"] == f"/api/v1/requests/{request_id}"
    return request_id


def _park_failed_copies(world: Town, person: Person) -> None:
    """A submission Service Bus dead-lettered (its photo still in the blob store: the pipeline
    deletes a file once its case has it), and one our code parked as rejected."""
    queue = world.settings.submissions_queue
    world.work()  # what was filed before is processed: the next message is this one
    world.file(person, "Une demande restée en échec.", photo=True)
    [message] = world.bus.receive(queue, max_messages=1)
    world.bus.dead_letter(message, reason="MaxDeliveryCountExceeded", description="test")
    world.file(person, "Une autre demande refusée par le pipeline.")
    [message] = world.bus.receive(queue, max_messages=1)
    world.bus.send(
        f"{queue}-rejected",
        [OutgoingMessage(body=message.body, message_id=message.message_id)],
    )
    world.bus.complete(message)


def test_an_approved_erasure_leaves_no_personal_data_in_the_store_blobs_or_queues(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    world = town(tmp_path, on_disk=True)
    world.file(MARIANNE, "Le lampadaire du 12 rue des Lilas est éteint.", photo=True)
    world.file(MARIANNE, "Trottoir abîmé.")
    _park_failed_copies(world, MARIANNE)
    world.work()
    held = everything_held(tmp_path)
    assert all(value in held for value in (MARIANNE.email, MARIANNE.phone, MARIANNE.street))
    request = _erasure(world, MARIANNE, {"kind": "erasure", "reason": "Je déménage."})
    world.work()
    dpo_case = world.case_of(request)
    contact = dpo_case["_customerid_value"]
    assert world.contact(contact)["emailaddress1"] == MARIANNE.email  # not before the decision
    world.dpo_decides(request, approve=True)
    world.work()

    held = everything_held(tmp_path)
    for value in (*MARIANNE.personal, MARIANNE.sub, "Je déménage", "rue des Lilas"):
        assert value not in held, value
    assert world.blobs.list_older_than(world.clock() + _YEAR) == []
    after = world.contact(contact)
    assert (after["emailaddress1"], after["mobilephone"], after["firstname"]) == (None,) * 3
    assert after["lastname"] == "Anonyme"  # Dynamics 365 requires one: the placeholder
    assert after["cz_birthname"] == "Martin"  # kept: rights.toml's legal retention
    assert after["cz_identitykey"] != dpo_case.get("cz_identitykey")
    [done] = world.store.query(ERASURES_PARTITION)
    assert done.value["state"] == "done"
    assert set(done.value) == {"kind", "state", "filed_at", "decided_at", "counts"}
    assert done.value["counts"]["messages"] == 2  # the dead-lettered and the rejected copy
    assert done.value["counts"]["blobs"] == 1  # the dead-lettered submission's photo
    assert done.value["counts"]["contact_columns"] == 9
    audit = [r.value for r in world.store.query(AUDIT_PARTITION)]
    assert [(a["right"], a["outcome"]) for a in audit] == [
        ("erasure", "erased"),
        ("erasure", "filed"),
    ]
    logged = caplog.text + json.dumps(audit)
    for value in (*MARIANNE.personal, MARIANNE.sub, "Je déménage"):
        assert value not in logged, value
    assert f"rgpd right erasure, request {request}: erased" in caplog.text


def test_the_namesake_keeps_everything(tmp_path: Path) -> None:
    world = town(tmp_path)
    theirs = world.file(NAMESAKE, "Un dépôt sauvage.")
    world.file(MARIANNE, "Nid-de-poule.")
    world.work()
    request = _erasure(world, MARIANNE, {"kind": "erasure"})
    world.work()
    world.dpo_decides(request, approve=True)
    world.work()
    assert world.call("GET", f"/v1/requests/{request}", MARIANNE).status == 404
    mine = world.call("GET", "/v1/citizens/me/requests", MARIANNE).json()
    assert mine["total"] == 0  # no contact has their identity any more
    assert world.call("GET", "/v1/citizens/me/requests", NAMESAKE).json()["total"] == 1
    kept = world.store.get(INGEST_PARTITION, theirs)
    assert kept is not None
    namesake_contact = world.case_of(theirs)["_customerid_value"]
    assert world.contact(namesake_contact)["emailaddress1"] == NAMESAKE.email
    assert world.contact(namesake_contact)["firstname"] == "Marianne"


def test_a_refusal_erases_nothing(tmp_path: Path) -> None:
    world = town(tmp_path)
    filed = world.file(MARIANNE, "Nid-de-poule.")
    _park_failed_copies(world, MARIANNE)
    world.work()
    request = _erasure(world, MARIANNE, {"kind": "objection", "reason": "Trop de courriels."})
    world.work()
    before = {(r.partition, r.key) for r in world.store.query(INGEST_PARTITION)}
    world.dpo_decides(request, approve=False)
    world.work()
    assert {(r.partition, r.key) for r in world.store.query(INGEST_PARTITION)} == before
    contact = world.case_of(filed)["_customerid_value"]
    assert world.contact(contact)["emailaddress1"] == MARIANNE.email
    assert len(world.blobs.list_older_than(world.clock() + _YEAR)) == 1
    assert len(world.bus.peek("submissions-rejected", max_messages=10)) == 1
    [refused] = world.store.query(ERASURES_PARTITION)
    assert (refused.value["state"], refused.value["kind"]) == ("refused", "objection")
    outcomes = {(r.value["right"], r.value["outcome"]) for r in world.store.query(AUDIT_PARTITION)}
    assert outcomes == {("objection", "filed"), ("objection", "refused")}


def test_an_event_delivered_twice_erases_once(tmp_path: Path) -> None:
    world = town(tmp_path)
    world.file(MARIANNE, "Nid-de-poule.")
    world.work()
    request = _erasure(world, MARIANNE, {"kind": "erasure"})
    world.work()
    world.dpo_decides(request, approve=True)
    queue = world.settings.case_events_queue
    posted = world.bus.peek(queue, max_messages=10)
    world.work()
    [first] = world.store.query(ERASURES_PARTITION)
    for message in posted:  # Service Bus delivers at least once: the same events again
        copy = OutgoingMessage(
            body=message.body,
            message_id=message.message_id + "-again",
            content_type=message.content_type,
        )
        world.bus.send(queue, [copy])
    world.work()
    [second] = world.store.query(ERASURES_PARTITION)
    assert second.value == first.value
    erased = [r for r in world.store.query(AUDIT_PARTITION) if r.value["outcome"] == "erased"]
    assert len(erased) == 1


class CrashingBlobs(BlobStore):
    """A real blob store whose first delete fails: a crash in the middle of an erasure."""

    def __init__(self, inner: BlobStore) -> None:
        self.inner, self.crashes = inner, 1

    def put(self, data: bytes, *, media_type: str) -> BlobRef:
        return self.inner.put(data, media_type=media_type)

    def get(self, name: str) -> bytes:
        return self.inner.get(name)

    def delete(self, name: str) -> bool:
        if self.crashes:
            self.crashes -= 1
            raise OSError("the blob store went away")
        return self.inner.delete(name)

    def list_older_than(self, cutoff: Any) -> list[str]:
        return self.inner.list_older_than(cutoff)


def test_a_crash_midway_is_finished_by_the_timer(tmp_path: Path) -> None:
    from cityzen_connector.store import open_blobs  # noqa: PLC0415

    blobs = CrashingBlobs(open_blobs(f"file://{tmp_path}/blobs"))
    world = town(tmp_path, on_disk=True, blobs=blobs)
    world.file(MARIANNE, "Nid-de-poule au 12 rue des Lilas.")
    _park_failed_copies(world, MARIANNE)
    world.work()
    request = _erasure(world, MARIANNE, {"kind": "erasure"})
    world.work()
    world.dpo_decides(request, approve=True)
    with pytest.raises(OSError, match="went away"):
        world.work()
    [midway] = world.store.query(ERASURES_PARTITION)
    assert midway.value["state"] == "erasing"
    assert world.rights_timer()["erasures_resumed"] == 1
    # The event whose handling crashed is delivered again once its lock expires: it finds the
    # erasure done, and is completed (the post-image it carries names the customer).
    world.clock.advance(600)
    world.work()
    held = everything_held(tmp_path)
    for value in (*MARIANNE.personal, MARIANNE.sub):
        assert value not in held, value
    [done] = world.store.query(ERASURES_PARTITION)
    assert done.value["state"] == "done"


@pytest.mark.parametrize(
    ("raw", "status", "code", "field"),
    [
        (b"{", 400, "invalid_json", None),
        (b"[]", 422, "validation_failed", "(body)"),
        (b'{"kind": "forget-me"}', 422, "validation_failed", "kind"),
        (b"{}", 422, "validation_failed", "kind"),
        (
            b'{"kind": "erasure", "reason": "' + b"x" * 2001 + b'"}',
            422,
            "validation_failed",
            "reason",
        ),
        (b'{"kind": "erasure", "citizen": {}}', 422, "validation_failed", "citizen"),
        (
            b'{"kind": "erasure", "reason": "' + b"x" * 17_000 + b'"}',
            413,
            "payload_too_large",
            None,
        ),
    ],
)
def test_hostile_erasure_requests_get_a_clear_problem_and_file_nothing(
    tmp_path: Path, raw: bytes, status: int, code: str, field: str | None
) -> None:
    world = town(tmp_path)
    response = world.call("POST", ERASURE, MARIANNE, raw=raw)
    assert (response.status, response.json()["code"]) == (status, code), response.body
    if field is not None:
        assert field in {e["field"] for e in response.json()["errors"]}
    assert world.store.query(ERASURES_PARTITION) == []
    assert world.bus.peek(world.settings.submissions_queue, max_messages=10) == []


def test_a_body_that_is_not_json_is_415(tmp_path: Path) -> None:
    world = town(tmp_path)
    response = world.call(
        "POST", ERASURE, MARIANNE, raw=b"kind=erasure", headers={"Content-Type": "text/plain"}
    )
    assert (response.status, response.json()["code"]) == (415, "unsupported_media_type")


def test_the_citizens_record_and_a_parked_change_of_it_are_erased_too(tmp_path: Path) -> None:
    """The record's copy (made when the citizen reads it) and a contact change parked in the
    profile updates' rejected queue hold their details: an approved erasure removes both, and
    the notifications that follow copy nothing back."""
    world = town(tmp_path, on_disk=True)
    world.file(MARIANNE, "Nid-de-poule au 12 rue des Lilas.")
    world.work()
    record = world.call("GET", "/v1/citizens/me", MARIANNE)
    assert record.status == 200, record.body
    assert record.json()["contact"]["email"] == MARIANNE.email
    changed = world.call(
        "PATCH",
        "/v1/citizens/me",
        MARIANNE,
        {"contact": {"phone": "+33611111111"}},
        headers={
            "If-Match": record.headers["ETag"],
            "Content-Type": "application/merge-patch+json",
        },
    )
    assert changed.status == 202, changed.body
    queue = world.settings.profile_updates_queue
    [message] = world.bus.receive(queue, max_messages=1)
    world.bus.send(
        f"{queue}-rejected", [OutgoingMessage(body=message.body, message_id=message.message_id)]
    )
    world.bus.complete(message)
    held = everything_held(tmp_path)
    assert "+33611111111" in held
    assert MARIANNE.email in held
    request = _erasure(world, MARIANNE, {"kind": "erasure"})
    world.work()
    world.dpo_decides(request, approve=True)
    world.work()
    held = everything_held(tmp_path)
    for value in (*MARIANNE.personal, MARIANNE.sub, "+33611111111"):
        assert value not in held, value
    assert world.call("GET", "/v1/citizens/me", MARIANNE).status == 404


def test_an_erasure_refused_as_an_id_conflict_leaves_nothing_a_resolution_could_approve(
    tmp_path: Path,
) -> None:
    """An erasure request with the id of an ordinary request of theirs is a 409: filed for no
    one. When an agent later resolves that ordinary request as "Problem Solved", nothing is
    erased: only the DPO decides an erasure."""
    world = town(tmp_path)
    ordinary = world.file(MARIANNE, "Un lampadaire éteint.")
    world.work()
    response = world.call("POST", ERASURE, MARIANNE, {"kind": "erasure", "id": ordinary})
    assert (response.status, response.json()["code"]) == (409, "idempotency_conflict")
    assert world.store.query(ERASURES_PARTITION) == []
    contact = world.case_of(ordinary)["_customerid_value"]
    world.dpo_decides(ordinary, approve=True)  # an agent resolves the pothole: Problem Solved
    world.work()
    world.rights_timer()
    assert world.contact(contact)["emailaddress1"] == MARIANNE.email
    assert world.call("GET", f"/v1/requests/{ordinary}", MARIANNE).status == 200
