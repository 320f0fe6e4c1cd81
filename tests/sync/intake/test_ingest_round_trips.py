"""The one-write ingest path: what a submission costs in round trips, and what stays safe.

A submission is one create-only store write (idempotency reservation and ``queued`` status in
one record) and one queue send, plus one blob write per attachment. Counted with real stores
and buses wrapped by counters (tests/support), never timed.
"""

from __future__ import annotations

from typing import Any

import pytest

from cityzen_connector.identity import CallerIdentity
from cityzen_connector.models import QueuedStatus
from cityzen_connector.store import INGEST_PARTITION, SUBMISSIONS_PARTITION, open_store
from cityzen_connector.sync.intake import (
    DependencyUnavailableError,
    IdempotencyConflictError,
    SubmissionInput,
    read_status,
    submit,
)
from tests.support.counting import CountingStore
from tests.support.world import JPEG, PNG, World, make_world, submission, upload

PORTAL = CallerIdentity.trusted_portal()


@pytest.fixture
def world() -> World:
    return make_world(store=CountingStore(open_store("memory://")))


def counted(world: World) -> CountingStore:
    assert isinstance(world.store, CountingStore)
    return world.store


def send(world: World, body: dict[str, Any]) -> Any:
    return submit(SubmissionInput(body=body), PORTAL, world.ingest)


def status(world: World, body: dict[str, Any]) -> Any:
    return read_status(body["id"], PORTAL, store=world.store, clock=world.clock)


def test_a_submission_without_attachments_is_one_store_write_and_one_send(world: World) -> None:
    send(world, submission())
    assert counted(world).writes == 1
    assert counted(world).reads == 0
    assert world.bus.sends == 1
    assert [partition for partition, _ in counted(world).written] == [INGEST_PARTITION]


def test_attachments_add_one_blob_write_each_and_nothing_else(world: World) -> None:
    send(world, submission(attachments=[upload(JPEG), upload(PNG, "b.png")]))
    assert (counted(world).writes, world.bus.sends, world.blobs.puts) == (1, 1, 2)


def test_the_status_reads_queued_then_what_the_pipeline_wrote(world: World) -> None:
    body = submission()
    send(world, body)
    assert status(world, body) == QueuedStatus(id=body["id"])
    assert world.ingest.statuses.get(body["id"]).status == "queued"  # type: ignore[union-attr]
    world.ingest.statuses.mark_created(body["id"], case_id="c", ticket_number="CAS-1")
    assert status(world, body).ticket_number == "CAS-1"


def test_a_crash_between_the_write_and_the_send_is_completed_by_the_same_request(
    world: World,
) -> None:
    body = submission(attachments=[upload(JPEG)])
    world.bus.fail_send = True
    counted(world).fail_deletes = True  # the store went down too: nothing can be undone
    with pytest.raises(DependencyUnavailableError):
        send(world, body)
    assert world.queued() == []
    assert len(world.blob_names()) == 1  # referenced by the record left behind: kept
    world.bus.fail_send = counted(world).fail_deletes = False
    again = send(world, dict(body))
    assert again.replayed
    [envelope] = world.queued()
    [attachment] = envelope["payload"]["attachments"]
    assert world.blobs.get(attachment["blob_name"]) == JPEG
    assert len(world.blob_names()) == 1  # the retry's own copy was not kept


def test_a_write_whose_reply_was_lost_is_undone_with_its_blobs(world: World) -> None:
    body = submission(attachments=[upload(JPEG)])
    counted(world).lose_next_reply = True
    with pytest.raises(DependencyUnavailableError):
        send(world, body)
    assert world.store.query(INGEST_PARTITION) == []
    assert world.blob_names() == set()
    assert not send(world, dict(body)).replayed
    assert len(world.queued()) == 1


def test_the_same_request_twice_resends_once_deduplicated_then_not_after_the_pipeline(
    world: World,
) -> None:
    body = submission()
    send(world, body)
    assert send(world, dict(body)).replayed
    assert len(world.queued()) == 1  # the resend was dropped as a duplicate
    world.ingest.statuses.mark_created(body["id"], case_id="c", ticket_number="CAS-1")
    sends = world.bus.sends
    assert send(world, dict(body)).replayed
    assert world.bus.sends == sends  # processed: nothing to complete


def test_conflicting_reuse_is_still_refused_and_leaves_nothing(world: World) -> None:
    body = submission()
    send(world, body)
    with pytest.raises(IdempotencyConflictError):
        send(world, {**body, "subject": "Autre chose", "attachments": [upload(JPEG)]})
    assert world.blob_names() == set()
    assert len(world.queued()) == 1


def test_records_of_the_previous_layout_read_and_replay_as_before(world: World) -> None:
    body = submission()
    send(world, body)
    record = world.store.get(INGEST_PARTITION, body["id"])
    assert record is not None
    previous = {k: record.value[k] for k in ("body", "filer", "since")}
    world.store.put(INGEST_PARTITION, body["id"], {**previous, "state": "accepted"})
    assert status(world, body) == QueuedStatus(id=body["id"])  # no status record: queued
    world.store.put(SUBMISSIONS_PARTITION, body["id"], {"status": "queued"})
    assert status(world, body) == QueuedStatus(id=body["id"])
    sends = world.bus.sends
    assert send(world, dict(body)).replayed
    assert world.bus.sends == sends  # "accepted" was sent: a replay as before
