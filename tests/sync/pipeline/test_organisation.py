"""One submission through the pipeline into an organisation: the emulator every run, a real one
with ``pytest -m live`` (tests/support/live.py, docs/live.md).

The organisation must hold what ``cityzen dataverse provision`` creates for the shipped
mappings (columns, alternate keys, option values, teams, subjects); the test says what is
missing rather than create it. The citizen is made up and tagged: the run's tag is the family
name (the contact's ``lastname``), starts the case's title and the attachments' file names.
"""

from __future__ import annotations

import copy
import secrets
import uuid
from datetime import timedelta
from typing import Any

import pytest

from cityzen_connector.dataverse import Query, eq
from cityzen_connector.messaging import open_bus
from cityzen_connector.models import EXAMPLE_SUBMISSION, Submission
from cityzen_connector.store import BlobStore, SubmissionStatuses, open_blobs, open_store
from cityzen_connector.sync import plan_provisioning
from cityzen_connector.sync.pipeline import (
    AlreadyDone,
    CircuitBreaker,
    Created,
    SubmissionProcessor,
)
from tests.support.live import Target, shipped_mappings
from tests.sync.conftest import build_processor


def _submission(tag: str, blobs: BlobStore) -> Submission:
    """The example submission, made up for this run: a citizen nobody else is."""
    data: dict[str, Any] = copy.deepcopy(EXAMPLE_SUBMISSION)
    data["id"] = str(uuid.uuid4())
    data["subject"] = f"{tag} Nid-de-poule devant l'école"
    data["citizen"].update(
        sub=secrets.token_hex(16),
        given_name="Zoé",
        family_name=tag,
        email=f"{tag}@example.com",
    )
    for attachment in data["attachments"]:
        attachment["id"] = str(uuid.uuid4())
        attachment["file_name"] = f"{tag}-{attachment['file_name']}"
        attachment["blob_name"] = blobs.put(b"abc", media_type=attachment["media_type"]).name
    return Submission.model_validate(data)


def _processor(
    target: Target, pepper: bytes, blobs: BlobStore
) -> tuple[SubmissionProcessor, SubmissionStatuses]:
    """A worker's pipeline with fresh local state (store, queue) of its own."""
    clock = target.clock
    store = open_store("memory://", clock=clock)
    statuses = SubmissionStatuses(store, clock=clock, retention=timedelta(days=30))
    processor = build_processor(
        target.client,
        shipped_mappings(),
        blobs=blobs,
        statuses=statuses,
        breaker=CircuitBreaker(store, clock=clock, open_for=timedelta(seconds=60)),
        clock=clock,
        bus=open_bus("memory://", clock=clock),
        pepper=pepper,
    )
    return processor, statuses


def test_a_new_citizen_s_submission_is_filed_on_its_first_delivery(
    dataverse_target: Target,
) -> None:
    """Contact and case in one change set, the case routed to its team and subject, the notes
    attached, the contact's follow-ups done at once; a redelivery to a worker that lost its
    state changes nothing."""
    client, tag = dataverse_target.client, dataverse_target.tag
    mappings = shipped_mappings()
    plan = plan_provisioning(client, mappings.schema(), mappings.catalog)
    if plan.todo or not all(s.state == "present" for s in plan.steps):
        pytest.fail(
            "the organisation lacks what `cityzen dataverse provision` creates: "
            + "; ".join(s.line() for s in plan.steps if s.state != "present")
        )
    pepper = secrets.token_bytes(32)  # identity keys of this run only
    blobs = open_blobs("memory://", clock=dataverse_target.clock)
    processor, statuses = _processor(dataverse_target, pepper, blobs)
    submission = _submission(tag, blobs)

    outcome = processor.process(submission)

    assert isinstance(outcome, Created), outcome
    assert outcome.contact_created
    assert not outcome.lookalike_flagged
    columns = ["title", "ticketnumber", "cz_submissionid"]
    lookups = ["_customerid_value", "_subjectid_value", "_ownerid_value"]
    case = client.retrieve("incidents", uuid.UUID(outcome.case_id), select=columns + lookups)
    assert case["title"] == submission.subject
    assert case["ticketnumber"] == outcome.ticket_number
    assert case["cz_submissionid"] == str(submission.id)
    subject = client.retrieve("subjects", uuid.UUID(case["_subjectid_value"]), select=["title"])
    assert subject["title"] == "Nid-de-poule et chaussée"
    team = client.retrieve("teams", uuid.UUID(case["_ownerid_value"]), select=["name"])
    assert team["name"] == "Voirie"
    contact = client.retrieve(
        "contacts",
        uuid.UUID(case["_customerid_value"]),
        select=["lastname", "firstname", "emailaddress1", "cz_identitykey", "cz_pivotkey"],
    )
    assert (contact["lastname"], contact["firstname"]) == (tag, "Zoé")
    # Follow-ups on the first delivery: the typed e-mail fills the new contact's blank, and the
    # key not used for the upsert is set.
    assert contact["emailaddress1"] == f"{tag}@example.com"
    assert contact["cz_identitykey"]
    assert contact["cz_pivotkey"]
    notes = Query("annotations").select("filename")
    notes = notes.where(eq("_objectid_value", uuid.UUID(outcome.case_id)))
    assert sorted(n["filename"] for n in client.query(notes)) == [
        f"{tag}-plan.pdf",
        f"{tag}-trou.jpg",
    ]
    status = statuses.get(str(submission.id))
    assert status is not None
    assert (status.status, status.case_id) == ("created", outcome.case_id)

    # The same message to a worker that lost its state: the case exists, nothing is written.
    again, _ = _processor(dataverse_target, pepper, blobs)
    repeat = again.process(submission)
    assert isinstance(repeat, AlreadyDone), repeat
    assert repeat.case_id == outcome.case_id
