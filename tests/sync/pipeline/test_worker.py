"""The queue worker's decisions, message by message, on a memory bus and the emulator."""

from __future__ import annotations

import copy
import json
import logging
import uuid

import pytest

from cityzen_connector._metrics import SUBMISSIONS_QUEUE_AGE_MS
from cityzen_connector.messaging import MessageBus, ReceivedMessage, encode
from cityzen_connector.models import EXAMPLE_SUBMISSION, SUBMISSION_SCHEMA, Submission
from cityzen_connector.sync.pipeline import (
    AlreadyDone,
    Created,
    WorkerDeps,
    handle_submission_message,
)
from cityzen_connector.testing import FakeClock
from tests.support.metrics import read_metrics
from tests.support.transports import CountingTransport
from tests.sync.conftest import MakeSubmission, Rows

QUEUE = "submissions"


def send(bus: MessageBus, submission: Submission) -> None:
    payload = json.loads(submission.model_dump_json())
    bus.send(QUEUE, [encode(SUBMISSION_SCHEMA, payload, correlation_id=str(submission.id))])


def send_raw(bus: MessageBus, body: bytes, *, correlation_id: str = "x") -> None:
    from cityzen_connector.messaging import OutgoingMessage  # noqa: PLC0415

    bus.send(QUEUE, [OutgoingMessage(body=body, message_id=str(uuid.uuid4()),
                                     correlation_id=correlation_id)])  # fmt: skip


def receive_one(bus: MessageBus) -> ReceivedMessage:
    (message,) = bus.receive(QUEUE, max_messages=1)
    return message


def run_queue(bus: MessageBus, deps: WorkerDeps, clock: FakeClock, *, rounds: int = 50) -> int:
    """Deliver every message due, as the Functions host would, moving time forward between
    rounds. Returns how many deliveries happened."""
    deliveries = 0
    for _ in range(rounds):
        messages = bus.receive(QUEUE, max_messages=20)
        if not messages:
            clock.advance(120)
            if bus.stats(QUEUE).scheduled == 0 and bus.stats(QUEUE).active == 0:
                return deliveries
            continue
        for message in messages:
            handle_submission_message(message, deps)
            bus.complete(message)
            deliveries += 1
    return deliveries


def test_valid_message_creates_and_completes(
    bus: MessageBus, deps: WorkerDeps, make_submission: MakeSubmission, rows: Rows
) -> None:
    send(bus, make_submission())
    result = handle_submission_message(receive_one(bus), deps)
    assert result.action == "completed"
    assert isinstance(result.outcome, Created)
    assert len(rows.all("incidents", "incidentid")) == 1


def test_redelivered_message_completes_as_already_done(
    bus: MessageBus, deps: WorkerDeps, make_submission: MakeSubmission, rows: Rows
) -> None:
    submission = make_submission()
    send(bus, submission)
    message = receive_one(bus)
    handle_submission_message(message, deps)
    again = handle_submission_message(message, deps)  # the lock expired, delivered twice
    assert again.action == "completed"
    assert isinstance(again.outcome, AlreadyDone)
    assert len(rows.all("incidents", "incidentid")) == 1


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"\xff\xfe not json", "invalid message: InvalidJson"),
        (b"[]", "invalid message: InvalidEnvelope"),
        (b'{"schema": "cityzen.case-event/v1", "correlation_id": "x", "payload": {}}',
         "invalid message: UnknownSchema"),
        (b'{"schema": "cityzen.submission/v9", "correlation_id": "x", "payload": {}}',
         "invalid message: UnknownSchema"),
        (b'{"schema": "cityzen.submission/v1", "correlation_id": "x", "payload": {"id": 1}}',
         "invalid message: InvalidSubmission"),
        (b"{" * 100_000, "invalid message: InvalidJson"),
    ],
)  # fmt: skip
def test_bad_messages_are_rejected_with_a_stable_reason(
    bus: MessageBus, deps: WorkerDeps, body: bytes, reason: str, transport: CountingTransport
) -> None:
    send_raw(bus, body)
    result = handle_submission_message(receive_one(bus), deps)
    assert result.action == "rejected"
    assert result.settlement is not None
    assert result.settlement.reason == reason
    assert transport.count == 0
    (copy_,) = bus.receive(f"{QUEUE}-rejected", max_messages=5)
    assert copy_.body == body


def test_payload_that_is_not_the_correlated_submission_is_rejected(
    bus: MessageBus, deps: WorkerDeps, make_submission: MakeSubmission
) -> None:
    submission = make_submission()
    payload = json.loads(submission.model_dump_json())
    bus.send(QUEUE, [encode(SUBMISSION_SCHEMA, payload, correlation_id=str(uuid.uuid4()))])
    result = handle_submission_message(receive_one(bus), deps)
    assert result.action == "rejected"
    assert result.settlement is not None
    assert result.settlement.reason == "invalid message: InvalidEnvelope"


def test_invalid_theme_is_rejected_with_its_reason_and_nothing_written(
    bus: MessageBus, deps: WorkerDeps, make_submission: MakeSubmission, rows: Rows
) -> None:
    submission = make_submission(theme="retired", sub_theme="gone")
    send(bus, submission)
    result = handle_submission_message(receive_one(bus), deps)
    assert result.action == "rejected"
    status = deps.statuses.get(str(submission.id))
    assert status is not None
    assert status.status == "failed"
    assert status.reason == "unknown_theme: theme 'retired/gone' is not offered"
    assert rows.all("contacts", "contactid") == []
    assert rows.all("incidents", "incidentid") == []


def test_transient_failure_is_rescheduled_not_rejected(
    bus: MessageBus,
    deps: WorkerDeps,
    make_submission: MakeSubmission,
    transport: CountingTransport,
    clock: FakeClock,
) -> None:
    class Down:
        def send(self, request: object, *, timeout: float) -> object:
            from cityzen_connector.dataverse import DataverseConnectionError  # noqa: PLC0415

            raise DataverseConnectionError("connection reset")

    real = transport.inner
    transport.inner = Down()  # type: ignore[assignment]
    send(bus, make_submission())
    result = handle_submission_message(receive_one(bus), deps)
    transport.inner = real
    assert result.action == "retry_scheduled"
    assert result.retry_at is not None
    assert result.retry_at > clock()
    assert bus.stats(QUEUE).scheduled == 1


def test_role_lost_opens_breaker_nothing_rejected_then_everything_lands(
    bus: MessageBus,
    deps: WorkerDeps,
    make_submission: MakeSubmission,
    transport: CountingTransport,
    clock: FakeClock,
    rows: Rows,
    caplog: pytest.LogCaptureFixture,
) -> None:
    submissions = [make_submission(subject=f"Demande {i}") for i in range(5)]
    for submission in submissions:
        send(bus, submission)
    transport.denied = True  # an administrator removed the application user's role

    with caplog.at_level(logging.ERROR):
        first = handle_submission_message(receive_one(bus), deps)
    assert first.action == "postponed"
    assert deps.breaker.state().state == "open"
    assert any("ALERT" in r.getMessage() for r in caplog.records)
    calls = transport.count
    # While open, the other messages are re-scheduled without touching Dataverse.
    for message in bus.receive(QUEUE, max_messages=10):
        assert handle_submission_message(message, deps).action == "postponed"
        bus.complete(message)
    assert transport.count == calls
    assert bus.stats(f"{QUEUE}-rejected").active == 0

    # Still denied when the probe runs: the breaker stays open, longer.
    clock.advance(61)
    run_queue(bus, deps, clock, rounds=1)
    assert deps.breaker.state().state == "open"

    transport.denied = False  # the role is back
    run_queue(bus, deps, clock)
    assert deps.breaker.state().state == "closed"
    assert len(rows.all("incidents", "incidentid")) == 5
    assert len(rows.all("contacts", "contactid")) == 1
    assert bus.stats(f"{QUEUE}-rejected").active == 0
    for submission in submissions:
        status = deps.statuses.get(str(submission.id))
        assert status is not None
        assert status.status == "created"


def test_logs_of_a_whole_run_hold_no_personal_data(
    bus: MessageBus,
    deps: WorkerDeps,
    make_submission: MakeSubmission,
    transport: CountingTransport,
    clock: FakeClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    send(bus, make_submission())
    send(bus, make_submission(theme="retired", sub_theme="gone"))
    send(bus, make_submission(citizen={"sub": "other-client-sub"}))
    send_raw(bus, b'{"schema": "cityzen.submission/v1", "correlation_id": "x", "payload": '
             + json.dumps({**EXAMPLE_SUBMISSION, "id": 5}).encode() + b"}")  # fmt: skip
    transport.denied = True
    run_queue(bus, deps, clock, rounds=2)
    transport.denied = False
    run_queue(bus, deps, clock)

    text = "\n".join(
        r.getMessage() + " " + repr(r.args) + (r.exc_text or "") for r in caplog.records
    )
    assert text  # the run did log
    citizen = copy.deepcopy(EXAMPLE_SUBMISSION["citizen"])
    location = EXAMPLE_SUBMISSION["location"]
    secrets = [
        citizen["sub"], "other-client-sub", citizen["given_name"], citizen["family_name"],
        citizen["email"], citizen["email"].lower(), "1962-08-24", "06 12 34 56 78",
        "+33612345678", location["label"], location["street"], "test-token",
        EXAMPLE_SUBMISSION["subject"], EXAMPLE_SUBMISSION["description"],
    ]  # fmt: skip
    for secret in secrets:
        assert secret not in text, secret


def test_the_time_a_submission_waited_is_measured_at_delivery(
    bus: MessageBus, deps: WorkerDeps, make_submission: MakeSubmission, clock: FakeClock
) -> None:
    send(bus, make_submission())
    clock.advance(600)  # ten minutes in the queue (the "oldest queued submission" alert)
    with read_metrics() as readings:
        handle_submission_message(receive_one(bus), deps)
        assert readings.total(SUBMISSIONS_QUEUE_AGE_MS) == 1
        assert readings.histogram_sum(SUBMISSIONS_QUEUE_AGE_MS) == 600_000
