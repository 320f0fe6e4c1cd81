"""Reading a submission's status: the filer and the portal see it; nobody else learns it exists."""

from __future__ import annotations

import uuid

import pytest

from cityzen_connector.identity import CallerIdentity
from cityzen_connector.models import CreatedStatus, FailedStatus, QueuedStatus
from cityzen_connector.sync.intake import (
    CallerNotAllowedError,
    SubmissionInput,
    SubmissionNotFoundError,
    read_status,
    submit,
)
from tests.support.world import World, make_world, submission

from .test_submit import citizen_caller

PORTAL = CallerIdentity.trusted_portal()


@pytest.fixture
def world() -> World:
    return make_world()


def filed_by(world: World, caller: CallerIdentity) -> str:
    body = submission()
    if caller.kind == "citizen":
        del body["citizen"]
    submit(SubmissionInput(body=body), caller, world.ingest)
    return str(body["id"])


def status(world: World, submission_id: str, caller: CallerIdentity) -> object:
    return read_status(
        submission_id, caller, store=world.store, clock=world.clock, identity_key=b"test-pepper"
    )


def test_queued_then_created_then_the_pipeline_cannot_bury_it(world: World) -> None:
    marianne = citizen_caller("sub-marianne")
    sid = filed_by(world, marianne)
    assert status(world, sid, marianne) == QueuedStatus(id=uuid.UUID(sid))
    world.ingest.statuses.mark_created(sid, case_id="c-1", ticket_number="CAS-01001-Z9Z9")
    created = status(world, sid, marianne)
    assert isinstance(created, CreatedStatus)
    assert created.ticket_number == "CAS-01001-Z9Z9"
    assert created.case_status == "Nouveau"
    world.ingest.statuses.mark_failed(sid, reason="late duplicate")
    assert isinstance(status(world, sid, marianne), CreatedStatus)


def test_failed_carries_the_reason(world: World) -> None:
    sid = filed_by(world, PORTAL)
    world.ingest.statuses.mark_failed(sid, reason="le sous-thème n'existe plus")
    failed = status(world, sid, PORTAL)
    assert isinstance(failed, FailedStatus)
    assert failed.reason == "le sous-thème n'existe plus"
    assert failed.code == "rejected"


def test_another_citizen_gets_the_same_404_as_for_an_unknown_id(world: World) -> None:
    sid = filed_by(world, citizen_caller("sub-marianne"))
    with pytest.raises(SubmissionNotFoundError) as other:
        status(world, sid, citizen_caller("sub-someone-else"))
    with pytest.raises(SubmissionNotFoundError) as unknown:
        status(world, str(uuid.uuid4()), citizen_caller("sub-someone-else"))
    assert str(other.value) == str(unknown.value)


def test_the_portal_sees_every_submission_including_a_citizens(world: World) -> None:
    sid = filed_by(world, citizen_caller("sub-marianne"))
    assert isinstance(status(world, sid, PORTAL), QueuedStatus)


def test_a_citizen_sees_what_the_portal_filed_for_them(world: World) -> None:
    body = submission()
    body["citizen"]["issuer"] = "https://idp.example.fr/v2.0"
    body["citizen"]["sub"] = "sub-marianne"
    submit(SubmissionInput(body=body), PORTAL, world.ingest)
    assert isinstance(status(world, body["id"], citizen_caller("sub-marianne")), QueuedStatus)


@pytest.mark.parametrize("bad", ["", "not-a-uuid", "../../etc", "0" * 300, "' OR 1=1 --"])
def test_malformed_ids_are_not_found(world: World, bad: str) -> None:
    with pytest.raises(SubmissionNotFoundError):
        status(world, bad, PORTAL)


def test_agents_are_refused(world: World) -> None:
    sid = filed_by(world, PORTAL)
    agent = CallerIdentity(
        kind="agent", issuer="https://login.microsoftonline.com/t/v2.0", subject="o"
    )
    with pytest.raises(CallerNotAllowedError):
        status(world, sid, agent)
