"""The submit use case called directly: what is queued, stored and refused."""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import uuid
from datetime import timedelta
from typing import Any

import pytest

from cityzen_connector._metrics import SUBMISSIONS_ACCEPTED
from cityzen_connector.identity import CallerIdentity, CitizenClaims
from cityzen_connector.models import SUBMISSION_SCHEMA, Submission
from cityzen_connector.store import SUBMISSIONS_PARTITION
from cityzen_connector.sync.intake import (
    INGEST_PARTITION,
    CallerNotAllowedError,
    DependencyUnavailableError,
    IdempotencyConflictError,
    IncomingFile,
    IngestRecords,
    InvalidSubmissionError,
    SubmissionInput,
    submit,
)
from tests.support.metrics import read_metrics
from tests.support.world import JPEG, PDF, PNG, QUEUE, World, make_world, submission, upload

PORTAL = CallerIdentity.trusted_portal()


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def citizen_caller(subject: str = "sub-123") -> CallerIdentity:
    claims = CitizenClaims(
        given_name="Marianne",
        family_name="Delacroix",
        birthdate="1987-03-14",
        gender="female",
        birthplace="75112",
        birthcountry="99100",
        email="m.delacroix@example.org",
        acr="eidas2",
        certified=frozenset({"given_name", "family_name", "birthdate", "gender"}),
    )
    return CallerIdentity(
        kind="citizen", issuer="https://idp.example.fr/v2.0", subject=subject, citizen=claims
    )


@pytest.fixture
def world() -> World:
    return make_world()


def send(world: World, body: dict[str, Any], caller: CallerIdentity = PORTAL, **kw: Any) -> Any:
    return submit(SubmissionInput(body=body, **kw), caller, world.ingest)


def nothing_written(world: World) -> None:
    assert world.queued() == []
    assert world.blob_names() == set()
    assert world.store.query(INGEST_PARTITION) == []
    assert world.store.query(SUBMISSIONS_PARTITION) == []


def test_accepted_submission_is_queued_once_with_blob_references(world: World) -> None:
    body = submission(attachments=[upload(JPEG, "trou.jpg"), upload(PDF, "../../plan.PDF")])
    accepted = send(world, body)
    assert str(accepted.submission_id) == body["id"]
    assert not accepted.replayed
    [message] = world.bus.peek(QUEUE)
    assert message.message_id == body["id"]
    assert message.correlation_id == body["id"]
    envelope = world.queued()[0]
    assert envelope["schema"] == SUBMISSION_SCHEMA
    queued = Submission.model_validate(envelope["payload"])
    assert queued.submitted_at == world.clock()
    assert [a.file_name for a in queued.attachments] == ["trou.jpg", "plan.pdf"]
    assert [a.media_type for a in queued.attachments] == ["image/jpeg", "application/pdf"]
    for ref, data in zip(queued.attachments, (JPEG, PDF), strict=True):
        assert world.blobs.get(ref.blob_name) == data  # claim check: bytes in the store
    assert b"content_base64" not in message.body
    # Attachment ids derive from the submission and the bytes: a resend names the same notes.
    assert queued.attachments[0].id == uuid.uuid5(uuid.UUID(body["id"]), f"0:{sha256(JPEG)}")
    assert world.ingest.statuses.get(body["id"]).status == "queued"  # type: ignore[union-attr]


def test_same_id_and_same_body_answers_the_same_and_enqueues_nothing_more(world: World) -> None:
    body = submission(attachments=[upload(PNG, "a.png")])
    first = send(world, body)
    again = send(world, dict(body))
    assert again.submission_id == first.submission_id
    assert again.replayed
    assert len(world.queued()) == 1
    assert len(world.blob_names()) == 1  # the replay stored no second copy


def test_same_id_with_a_different_body_is_a_conflict(world: World) -> None:
    body = submission()
    send(world, body)
    with pytest.raises(IdempotencyConflictError):
        send(world, {**body, "subject": "Autre chose"})
    with pytest.raises(IdempotencyConflictError):
        send(world, {**body, "attachments": [upload(JPEG)]})
    assert len(world.queued()) == 1
    assert world.blob_names() == set()


def test_idempotency_key_header_is_the_id(world: World) -> None:
    body = submission(id=None)
    key = str(uuid.uuid4())
    first = send(world, body, idempotency_key=key)
    assert str(first.submission_id) == key
    assert send(world, body, idempotency_key=key).replayed
    opaque = send(world, body, idempotency_key="client-key-42")
    assert send(world, body, idempotency_key="client-key-42").submission_id == (
        opaque.submission_id
    )
    assert len(world.queued()) == 2


def test_body_id_and_header_must_agree(world: World) -> None:
    with pytest.raises(InvalidSubmissionError) as caught:
        send(world, submission(), idempotency_key=str(uuid.uuid4()))
    assert caught.value.errors[0].field == "id"
    nothing_written(world)


def test_without_any_id_each_post_is_a_new_submission(world: World) -> None:
    body = submission(id=None)
    assert send(world, body).submission_id != send(world, body).submission_id


def test_a_previous_layout_reservation_in_flight_is_a_conflict_then_taken_over_after_the_lease(
    world: World,
) -> None:
    records = IngestRecords(world.store, clock=world.clock, retention=timedelta(days=30))
    since = world.clock().isoformat()
    old = {"state": "pending", "body": "h1", "filer": "f", "since": since}
    world.store.put(INGEST_PARTITION, "id-1", old, create_only=True)
    with pytest.raises(IdempotencyConflictError, match="still being processed"):
        records.reserve("id-1", body="h1", filer="f")  # the first one has not finished
    world.clock.advance(121)  # the first attempt died: past the lease, the id is taken over
    taken = records.reserve("id-1", body="h1", filer="f")
    assert not taken.replay
    assert records.reserve("id-1", body="h1", filer="f").resend  # now this layout's record
    with pytest.raises(IdempotencyConflictError, match="different request"):
        records.reserve("id-1", body="h1", filer="someone else")


def test_pending_reservation_of_the_same_body_is_resumed_after_the_lease(world: World) -> None:
    body = submission()
    world.bus.fail_send = True
    with pytest.raises(DependencyUnavailableError):
        send(world, body)
    nothing_written(world)  # the failed attempt released its reservation
    world.bus.fail_send = False
    assert not send(world, body).replayed
    assert len(world.queued()) == 1


def test_queue_failure_leaves_no_blob_no_status_and_no_reservation(world: World) -> None:
    world.bus.fail_send = True
    with pytest.raises(DependencyUnavailableError) as info:  # the caller's 503
        send(world, submission(attachments=[upload(JPEG), upload(PNG)]))
    assert "queue down" in str(info.value.__cause__)
    nothing_written(world)


def test_blob_failure_midway_deletes_the_blobs_already_stored(world: World) -> None:
    world.blobs.fail_on_put = 2
    with pytest.raises(OSError, match="blob storage down"):
        send(world, submission(attachments=[upload(JPEG), upload(PNG)]))
    assert world.blobs.puts == 2
    nothing_written(world)


def test_citizen_identity_comes_from_the_token_and_body_claims_are_refused(world: World) -> None:
    body = submission()
    citizen = body.pop("citizen")
    send(world, body, citizen_caller())
    queued = Submission.model_validate(world.queued()[0]["payload"])
    assert queued.citizen.sub == "sub-123"
    assert queued.citizen.issuer == "https://idp.example.fr/v2.0"
    assert queued.citizen.is_certified("family_name")
    assert not queued.citizen.is_certified("email")
    assert queued.citizen.eidas_level == "eidas2"
    with pytest.raises(InvalidSubmissionError) as caught:
        send(world, {**submission(), "citizen": citizen}, citizen_caller())
    assert [e.field for e in caught.value.errors] == ["citizen"]


def test_the_portal_must_send_the_citizen(world: World) -> None:
    body = submission()
    del body["citizen"]
    with pytest.raises(InvalidSubmissionError) as caught:
        send(world, body)
    assert caught.value.errors[0].field == "citizen"
    nothing_written(world)


def test_agents_do_not_file_requests(world: World) -> None:
    agent = CallerIdentity(
        kind="agent", issuer="https://login.microsoftonline.com/t/v2.0", subject="o"
    )
    with pytest.raises(CallerNotAllowedError):
        send(world, submission(), agent)
    nothing_written(world)


def test_every_invalid_form_field_is_listed(world: World) -> None:
    body = submission(fields={"taille": "énorme", "danger": "oui", "inconnu": 1})
    with pytest.raises(InvalidSubmissionError) as caught:
        send(world, body)
    fields = {e.field: e.code for e in caught.value.errors}
    assert fields == {
        "fields.inconnu": "unknown_field",
        "fields.taille": "not_a_choice",
        "fields.danger": "bool_type",
    }
    assert all(e.message_fr for e in caught.value.errors)
    nothing_written(world)


def test_unknown_theme_is_a_field_error(world: World) -> None:
    with pytest.raises(InvalidSubmissionError) as caught:
        send(world, submission(theme="voirie", sub_theme="piscine"))
    assert caught.value.errors[0].field == "sub_theme"


def test_model_errors_name_fields_but_never_values(world: World) -> None:
    body = submission(subject="", location={"postcode": "secret-75002"})
    body["citizen"]["email"] = "not-an-email-marianne"
    with pytest.raises(InvalidSubmissionError) as caught:
        send(world, body)
    fields = {e.field for e in caught.value.errors}
    assert {"subject", "location.postcode", "citizen.email"} <= fields
    text = repr(caught.value.errors)
    assert "secret-75002" not in text
    assert "marianne" not in text


def test_bad_base64_is_listed_per_attachment(world: World) -> None:
    bad = {"file_name": "x.jpg", "content_base64": "@@@@not base64"}
    good = upload(JPEG)
    with pytest.raises(InvalidSubmissionError) as caught:
        send(world, submission(attachments=[good, bad]))
    assert caught.value.errors[0].field == "attachments.1.content_base64"
    spaced = {"file_name": "x.jpg", "content_base64": base64.b64encode(JPEG).decode() + "\n"}
    with pytest.raises(InvalidSubmissionError):
        send(world, submission(attachments=[spaced]))
    nothing_written(world)


def test_multipart_files_come_as_incoming_files(world: World) -> None:
    body = submission()
    files = [IncomingFile(PNG, "C:\\Users\\m\\plan.png")]
    send(world, body, files=files)
    queued = Submission.model_validate(world.queued()[0]["payload"])
    assert queued.attachments[0].file_name == "plan.png"
    with pytest.raises(InvalidSubmissionError):
        send(world, submission(attachments=[upload(JPEG)]), files=files)


def test_a_file_name_that_is_not_unicode_text_is_refused_before_anything_is_stored(
    world: World,
) -> None:
    files = [IncomingFile(PNG, "plan.png"), IncomingFile(JPEG, "photo\udfff.jpg")]
    with pytest.raises(InvalidSubmissionError) as caught:
        send(world, submission(), files=files)
    assert [(e.field, e.code) for e in caught.value.errors] == [
        ("attachments.1.file_name", "invalid_text")
    ]
    nothing_written(world)


def test_a_token_claim_that_is_not_unicode_text_is_a_field_error_of_the_token(
    world: World,
) -> None:
    # A signed token can carry "\ud800" too (its claims are JSON): refused, not a crash.
    caller = citizen_caller()
    assert caller.citizen is not None
    claims = dataclasses.replace(caller.citizen, given_name="Mari\ud800anne")
    body = submission()
    del body["citizen"]
    with pytest.raises(InvalidSubmissionError) as caught:
        send(world, body, dataclasses.replace(caller, citizen=claims))
    assert [(e.field, e.code) for e in caught.value.errors] == [
        ("token.given_name", "invalid_text")
    ]
    nothing_written(world)


def test_an_accepted_submission_is_counted_once_and_its_replay_not_again(world: World) -> None:
    body = submission()
    with read_metrics() as readings:
        send(world, body)
        send(world, dict(body))  # the same request again: replayed, not a new submission
        assert readings.total(SUBMISSIONS_ACCEPTED) == 1
