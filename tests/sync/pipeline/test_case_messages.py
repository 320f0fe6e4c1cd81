"""A citizen's message on the submissions queue (``cityzen.case-message/v1``): written to its
case in one change set (the conversation row bound by the case's submission id, from the
citizen, completed), once however often it is delivered; a message whose request is still
queued waits for its case, and the submission's status is never touched by it."""

from __future__ import annotations

import base64
import uuid
from dataclasses import replace
from datetime import timedelta

from cityzen_connector.messaging import MessageBus, ReceivedMessage, encode
from cityzen_connector.models import (
    CASE_MESSAGE_SCHEMA,
    SUBMISSION_SCHEMA,
    CaseMessagePayload,
    MessageFile,
)
from cityzen_connector.store import BlobStore, SubmissionStatuses
from cityzen_connector.sync.pipeline import MessageWriter, WorkerDeps, handle_submission_message
from cityzen_connector.testing import FakeClock
from tests.support.transports import CountingTransport
from tests.sync.conftest import MakeSubmission, Rows

QUEUE = "submissions"
TEXT = "Voici la photo du nid-de-poule."


def _with_messages(deps: WorkerDeps, statuses: SubmissionStatuses) -> WorkerDeps:
    writer = MessageWriter(deps.processor.client, statuses, submission_column="cz_submissionid")
    return replace(deps, messages=writer)


def _next(bus: MessageBus) -> ReceivedMessage:
    [received] = bus.receive(QUEUE)
    return received


def _settle(bus: MessageBus, deps: WorkerDeps) -> str:
    received = _next(bus)
    result = handle_submission_message(received, deps)
    bus.complete(received)
    return result.action


def test_a_message_queued_before_its_case_waits_then_is_one_completed_row_in_one_change_set(
    deps: WorkerDeps,
    statuses: SubmissionStatuses,
    make_submission: MakeSubmission,
    bus: MessageBus,
    clock: FakeClock,
    rows: Rows,
    transport: CountingTransport,
) -> None:
    deps = _with_messages(deps, statuses)
    submission = make_submission()
    message_id = uuid.uuid4()
    payload = CaseMessagePayload(request_id=submission.id, message_id=message_id, text=TEXT)
    bus.send(
        QUEUE,
        [
            encode(
                CASE_MESSAGE_SCHEMA,
                payload.model_dump(mode="json"),
                correlation_id=str(submission.id),
                message_id=f"{message_id}~message",
            )
        ],
    )
    bus.send(
        QUEUE,
        [
            encode(
                SUBMISSION_SCHEMA,
                submission.model_dump(mode="json"),
                correlation_id=str(submission.id),
                message_id=str(submission.id),
            )
        ],
    )
    statuses.mark_queued(str(submission.id))
    # The message comes first: its request is not a case yet, so it waits.
    assert _settle(bus, deps) == "retry_scheduled"
    status = statuses.get(str(submission.id))
    assert status is not None
    assert status.status == "queued"  # the message never touches the submission's status
    assert _settle(bus, deps) == "completed"  # the case is created
    assert rows.all("cz_casemessages", "activityid") == []
    clock.advance(timedelta(minutes=20))
    before = transport.count
    assert _settle(bus, deps) == "completed"  # the retry: the message reaches its case
    assert transport.count - before == 1  # one $batch: the change set
    [case] = rows.all("incidents", "incidentid,cz_submissionid")
    [row] = rows.all(
        "cz_casemessages",
        "description,cz_direction,cz_visibletocitizen,cz_messageid,statecode,_regardingobjectid_value",
    )
    assert row["description"] == TEXT
    assert (row["cz_direction"], row["cz_visibletocitizen"]) == (1, True)
    assert row["cz_messageid"] == str(message_id)
    assert row["statecode"] == 1  # completed: no open activity holds the case
    assert row["_regardingobjectid_value"] == case["incidentid"]


def test_a_message_delivered_twice_is_one_row(
    deps: WorkerDeps,
    statuses: SubmissionStatuses,
    make_submission: MakeSubmission,
    rows: Rows,
) -> None:
    deps = _with_messages(deps, statuses)
    submission = make_submission()
    assert deps.processor.process(submission).__class__.__name__ == "Created"
    writer = deps.messages
    assert writer is not None
    payload = CaseMessagePayload(request_id=submission.id, message_id=uuid.uuid4(), text=TEXT)
    assert type(writer.write(payload)).__name__ == "Created"
    assert type(writer.write(payload)).__name__ == "AlreadyDone"
    assert len(rows.all("cz_casemessages", "activityid")) == 1


def test_a_message_on_a_failed_request_is_rejected_and_a_malformed_one_parked(
    deps: WorkerDeps, statuses: SubmissionStatuses, bus: MessageBus
) -> None:
    deps = _with_messages(deps, statuses)
    request_id = uuid.uuid4()
    statuses.mark_failed(str(request_id), reason="invalid")
    writer = deps.messages
    assert writer is not None
    outcome = writer.write(
        CaseMessagePayload(request_id=request_id, message_id=uuid.uuid4(), text="x")
    )
    assert type(outcome).__name__ == "Permanent"
    body = encode(
        CASE_MESSAGE_SCHEMA,
        {"request_id": str(request_id), "message_id": "nope", "text": ""},
        correlation_id=str(request_id),
    )
    bus.send(QUEUE, [body])
    assert _settle(bus, deps) == "rejected"
    [parked] = bus.peek(f"{QUEUE}-rejected", max_messages=10)
    assert "InvalidCaseMessage" in str(parked.application_properties)


def test_a_message_answering_waiting_for_you_moves_the_case_back_in_the_same_change_set(
    deps: WorkerDeps,
    statuses: SubmissionStatuses,
    make_submission: MakeSubmission,
    rows: Rows,
    transport: CountingTransport,
) -> None:
    deps = _with_messages(deps, statuses)
    submission = make_submission()
    deps.processor.process(submission)
    [case] = rows.all("incidents", "incidentid")
    rows.client.update("incidents", case["incidentid"], {"statuscode": 3})  # Waiting for Details
    writer = deps.messages
    assert writer is not None
    payload = CaseMessagePayload(
        request_id=submission.id, message_id=uuid.uuid4(), text=TEXT, reopen_status=1
    )
    before = transport.count
    assert type(writer.write(payload)).__name__ == "Created"
    assert transport.count - before == 1
    [after] = rows.all("incidents", "statecode,statuscode")
    assert (after["statecode"], after["statuscode"]) == (0, 1)  # In Progress again


def test_a_citizens_photo_is_a_note_on_the_message_in_the_same_change_set(
    deps: WorkerDeps,
    statuses: SubmissionStatuses,
    make_submission: MakeSubmission,
    rows: Rows,
    transport: CountingTransport,
    blobs: BlobStore,
) -> None:
    submission = make_submission()
    deps.processor.process(submission)
    writer = MessageWriter(
        deps.processor.client, statuses, submission_column="cz_submissionid", blobs=blobs
    )
    photo = b"\xff\xd8\xff\xe0" + b"\x01" * 500
    ref = blobs.put(photo, media_type="image/jpeg")
    file = MessageFile(
        blob_name=ref.name, file_name="trou.jpg", media_type="image/jpeg", size=len(photo)
    )
    payload = CaseMessagePayload(
        request_id=submission.id, message_id=uuid.uuid4(), text=TEXT, attachments=(file,)
    )
    before = transport.count
    assert type(writer.write(payload)).__name__ == "Created"
    assert transport.count - before == 1  # the row, its completion and its file: one change set
    [row] = rows.all("cz_casemessages", "activityid")
    notes = [
        n
        for n in rows.all("annotations", "filename,mimetype,documentbody,_objectid_value")
        if n["_objectid_value"] == row["activityid"]
    ]
    assert [(n["filename"], n["mimetype"]) for n in notes] == [("trou.jpg", "image/jpeg")]
    assert base64.b64decode(notes[0]["documentbody"]) == photo
    blobs.delete(ref.name)
    gone = CaseMessagePayload(
        request_id=submission.id, message_id=uuid.uuid4(), text=TEXT, attachments=(file,)
    )
    assert type(writer.write(gone)).__name__ == "Permanent"  # a lost file is said, not skipped
