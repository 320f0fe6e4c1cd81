"""A new contact's follow-ups (typed e-mail and phone, look-alike flag) reach Dataverse even when
another submission of the same citizen, an agent or a 503 gets in their way."""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Sequence
from datetime import timedelta

import pytest

from cityzen_connector.dataverse import HttpRequest, HttpResponse
from cityzen_connector.messaging import (
    BusUnavailableError,
    MessageBus,
    OutgoingMessage,
    ReceivedMessage,
    SqliteBus,
    open_bus,
)
from cityzen_connector.models import EXAMPLE_SUBMISSION, Submission
from cityzen_connector.store import SubmissionStatuses
from cityzen_connector.sync.pipeline import (
    FOLLOWUP_SCHEMA,
    AlreadyDone,
    Created,
    DeliveryPolicy,
    FollowupQueue,
    Prepared,
    ProcessOutcome,
    SubmissionProcessor,
    Transient,
    WorkerDeps,
    WorkerResult,
    drain,
    handle_submission_message,
    replay,
)
from cityzen_connector.testing import FakeClock
from tests.support.transports import CountingTransport
from tests.sync.conftest import MakeSubmission, Rows

from .test_worker import QUEUE, receive_one, run_queue, send

TYPED_EMAIL = "angela.dubois@example.fr"  # as the mapping normalises what was typed
TYPED_PHONE = "+33612345678"


@pytest.fixture
def bus(clock: FakeClock) -> MessageBus:
    """Locks outlive the client's waits on 503s (its QUEUE_WORK budget), as the Functions
    host's automatic lock renewal provides."""
    return open_bus("memory://", clock=clock, lock_duration=timedelta(minutes=10))


def deliver_one(bus: MessageBus, deps: WorkerDeps) -> tuple[ReceivedMessage, WorkerResult]:
    """Receive the next message, handle it, complete it (as the Functions trigger does)."""
    message = receive_one(bus)
    result = handle_submission_message(message, deps)
    bus.complete(message)
    return message, result


def add_lookalike(rows: Rows) -> None:
    """An agent created this contact by hand (no keys): same names and birthdate."""
    rows.client.create(
        "contacts",
        {"firstname": "Angela Claire Louise", "lastname": "DUBOIS", "birthdate": "1962-08-24"},
    )


def new_contact(rows: Rows) -> dict[str, object]:
    """The contact the pipeline created (it has an identity key; the look-alike has none)."""
    contacts = rows.all("contacts", "contactid,cz_pivotkey,emailaddress1,mobilephone")
    (created,) = [c for c in contacts if c.get("cz_pivotkey")]
    return created


def flags(rows: Rows) -> list[bool]:
    """Each case's look-alike flag, sorted (so [False, True]: one of two cases flagged)."""
    cases = rows.all("incidents", "incidentid,cz_lookalikecontact")
    return sorted(bool(c.get("cz_lookalikecontact")) for c in cases)


def follow_up_calls(request: HttpRequest) -> bool:
    """Every call but the change sets and the lookups (those travel in a ``$batch``)."""
    return not request.url.endswith("$batch")


def change_set_then(
    processor: SubmissionProcessor, submission: Submission, *, before_follow_ups: object
) -> ProcessOutcome:
    """Process ``submission``, running ``before_follow_ups()`` between its change set and its
    follow-ups: what another worker or an agent does at that moment in production."""
    prepared = processor.prepare(submission)
    assert isinstance(prepared, Prepared)
    result = processor.client.execute_batch([prepared.change_set()])
    before_follow_ups()  # type: ignore[operator]
    return processor.finish(prepared, result.results)


# -- a 412: someone wrote the contact first -----------------------------------------------------
def test_a_second_submission_between_change_set_and_follow_ups_loses_no_typed_value(
    processor: SubmissionProcessor, make_submission: MakeSubmission, rows: Rows
) -> None:
    add_lookalike(rows)
    first, second = make_submission(), make_submission(subject="Encore")
    later: list[ProcessOutcome] = []

    outcome = change_set_then(
        processor, first, before_follow_ups=lambda: later.append(processor.process(second))
    )

    assert isinstance(outcome, Created)
    assert outcome.contact_created
    assert outcome.lookalike_flagged
    assert isinstance(later[0], Created)
    assert not later[0].contact_created  # the second one found the contact: no follow-ups
    contact = new_contact(rows)
    assert (contact["emailaddress1"], contact["mobilephone"]) == (TYPED_EMAIL, TYPED_PHONE)
    assert flags(rows) == [False, True]


def test_an_agent_edit_between_change_set_and_follow_ups_is_kept(
    processor: SubmissionProcessor, make_submission: MakeSubmission, rows: Rows
) -> None:
    def agent_types_an_email() -> None:
        contact_id = str(new_contact(rows)["contactid"])
        rows.client.update("contacts", uuid.UUID(contact_id), {"emailaddress1": "a@mairie.fr"})

    outcome = change_set_then(processor, make_submission(), before_follow_ups=agent_types_an_email)

    assert isinstance(outcome, Created)
    contact = new_contact(rows)
    assert contact["emailaddress1"] == "a@mairie.fr"  # never overwritten
    assert contact["mobilephone"] == TYPED_PHONE  # still empty: filled


class KeepsChanging:
    """Another writer touches the contact just before each of our PATCHes to it."""

    def __init__(self, inner: object, rows: Rows, times: int) -> None:
        self.inner, self.rows, self.times = inner, rows, times
        self.patches = 0

    def send(self, request: HttpRequest, *, timeout: float) -> HttpResponse:
        if request.method == "PATCH" and "/contacts(" in request.url:
            self.patches += 1
            if self.times > 0:
                self.times -= 1
                contact_id = uuid.UUID(str(new_contact(self.rows)["contactid"]))
                self.rows.client.update("contacts", contact_id, {"cz_birthplace": "75107"})
        return self.inner.send(request, timeout=timeout)  # type: ignore[attr-defined,no-any-return]


def test_a_contact_that_keeps_changing_is_tried_a_few_times_then_later(
    bus: MessageBus,
    deps: WorkerDeps,
    make_submission: MakeSubmission,
    transport: CountingTransport,
    rows: Rows,
    clock: FakeClock,
) -> None:
    busy = KeepsChanging(transport.inner, rows, times=100)
    transport.inner = busy  # type: ignore[assignment]
    send(bus, make_submission())

    _, first = deliver_one(bus, deps)

    assert first.action == "completed"
    assert isinstance(first.outcome, Created)
    assert busy.patches == 3  # bounded: three tries with a fresh ETag each
    assert new_contact(rows)["emailaddress1"] is None
    assert bus.stats(QUEUE).scheduled == 1  # the rest waits its turn on the queue
    busy.times = 0  # the other writer is done
    run_queue(bus, deps, clock)
    contact = new_contact(rows)
    assert (contact["emailaddress1"], contact["mobilephone"]) == (TYPED_EMAIL, TYPED_PHONE)
    assert bus.stats(f"{QUEUE}-rejected").active == 0


def test_two_submissions_of_one_new_citizen_in_one_backlog_batch(
    bus: MessageBus,
    deps: WorkerDeps,
    make_submission: MakeSubmission,
    rows: Rows,
) -> None:
    add_lookalike(rows)
    for submission in [make_submission(), make_submission(subject="Encore")]:
        send(bus, submission)

    report = drain(deps, workers=1)

    assert report.outcomes == {"Created": 2}
    contact = new_contact(rows)
    assert (contact["emailaddress1"], contact["mobilephone"]) == (TYPED_EMAIL, TYPED_PHONE)
    assert flags(rows) == [False, True]


# -- transient faults on the follow-up calls -----------------------------------------------------
def test_503s_on_the_follow_ups_leave_them_to_a_later_delivery(
    bus: MessageBus,
    deps: WorkerDeps,
    make_submission: MakeSubmission,
    transport: CountingTransport,
    rows: Rows,
    clock: FakeClock,
    statuses: SubmissionStatuses,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    add_lookalike(rows)
    submission = make_submission()
    send(bus, submission)
    transport.unavailable = follow_up_calls

    _, first = deliver_one(bus, deps)

    # The case is unaffected: created once, status recorded, the message completed.
    assert first.action == "completed"
    assert isinstance(first.outcome, Created)
    status = statuses.get(str(submission.id))
    assert status is not None
    assert status.status == "created"
    assert bus.stats(QUEUE).scheduled == 1
    # Still unavailable when the follow-ups come back: they back off again.
    clock.advance(deps.retry.initial_delay.total_seconds())
    followup, again = deliver_one(bus, deps)
    assert again.action == "retry_scheduled"
    transport.unavailable = None

    run_queue(bus, deps, clock)

    contact = new_contact(rows)
    assert (contact["emailaddress1"], contact["mobilephone"]) == (TYPED_EMAIL, TYPED_PHONE)
    assert flags(rows) == [True]
    assert len(rows.all("contacts", "contactid")) == 2  # the look-alike is never merged
    assert bus.stats(f"{QUEUE}-rejected").active == 0
    assert statuses.get(str(submission.id)).status == "created"  # type: ignore[union-attr]
    assert_no_personal_data(followup, caplog)


def test_backlog_of_one_new_citizen_with_503s_on_the_follow_ups(
    bus: MessageBus,
    deps: WorkerDeps,
    make_submission: MakeSubmission,
    transport: CountingTransport,
    rows: Rows,
    clock: FakeClock,
) -> None:
    add_lookalike(rows)
    for submission in [make_submission(), make_submission(subject="Encore")]:
        send(bus, submission)
    transport.unavailable = follow_up_calls

    report = drain(deps, workers=1)
    assert report.outcomes == {"Created": 2}
    assert len(rows.all("incidents", "incidentid")) == 2
    transport.unavailable = None
    clock.advance(deps.retry.initial_delay.total_seconds())
    drain(deps, workers=1)  # the drain runs follow-ups too

    contact = new_contact(rows)
    assert (contact["emailaddress1"], contact["mobilephone"]) == (TYPED_EMAIL, TYPED_PHONE)
    assert flags(rows) == [False, True]
    assert len(rows.all("incidents", "incidentid")) == 2
    assert bus.stats(QUEUE).scheduled == 0


def test_a_retry_does_only_the_steps_still_left(
    bus: MessageBus,
    deps: WorkerDeps,
    make_submission: MakeSubmission,
    transport: CountingTransport,
    rows: Rows,
    clock: FakeClock,
) -> None:
    add_lookalike(rows)
    send(bus, make_submission())
    transport.unavailable = follow_up_calls
    deliver_one(bus, deps)  # both steps deferred
    transport.unavailable = lambda r: r.method == "GET" and "$filter" in r.url  # look-alikes
    clock.advance(deps.retry.initial_delay.total_seconds())
    _, second = deliver_one(bus, deps)  # the blanks are filled, the look-alike query fails
    assert second.action == "retry_scheduled"
    contact_id = uuid.UUID(str(new_contact(rows)["contactid"]))
    rows.client.update("contacts", contact_id, {"mobilephone": None})  # an agent clears it
    transport.unavailable = None

    run_queue(bus, deps, clock)

    contact = new_contact(rows)
    assert (contact["emailaddress1"], contact["mobilephone"]) == (TYPED_EMAIL, None)
    assert flags(rows) == [True]


def test_follow_ups_that_became_unnecessary_complete_without_writing(
    bus: MessageBus,
    deps: WorkerDeps,
    make_submission: MakeSubmission,
    transport: CountingTransport,
    rows: Rows,
    clock: FakeClock,
) -> None:
    send(bus, make_submission())
    transport.unavailable = follow_up_calls
    deliver_one(bus, deps)
    transport.unavailable = None
    contact_id = uuid.UUID(str(new_contact(rows)["contactid"]))
    agent = {"emailaddress1": "a@mairie.fr", "mobilephone": "+33100000000", "cz_identitykey": "k"}
    rows.client.update("contacts", contact_id, agent)  # an agent filled them all meanwhile
    clock.advance(deps.retry.initial_delay.total_seconds())
    before = len(transport.sent)

    _, result = deliver_one(bus, deps)

    assert result.action == "completed"
    assert [r.method for r in transport.sent[before:]] == ["GET", "GET"]  # re-read, look-alikes
    contact = new_contact(rows)
    assert (contact["emailaddress1"], contact["mobilephone"]) == ("a@mairie.fr", "+33100000000")


class UnreachableBus(SqliteBus):
    """The embedded bus, out of reach for sends (as Service Bus during an outage)."""

    def send(self, queue: str, messages: Sequence[OutgoingMessage]) -> None:
        raise BusUnavailableError("unreachable (test)")


def test_follow_ups_the_bus_refuses_retry_the_submission_and_nothing_is_lost(
    processor: SubmissionProcessor,
    make_submission: MakeSubmission,
    transport: CountingTransport,
    statuses: SubmissionStatuses,
    rows: Rows,
    clock: FakeClock,
) -> None:
    unreachable = FollowupQueue(
        UnreachableBus(":memory:", clock=clock), QUEUE, policy=DeliveryPolicy(), clock=clock
    )
    refused = SubmissionProcessor(
        processor.client, processor.mappings, processor.blobs, statuses, None, clock=clock,
        context=processor.context, followup_queue=unreachable,
    )  # fmt: skip
    submission = make_submission()
    transport.unavailable = follow_up_calls

    first = refused.process(submission)

    assert isinstance(first, Transient)  # not recorded as created: the queue retries it
    assert statuses.get(str(submission.id)) is None
    transport.unavailable = None
    again = refused.process(submission)  # meets its case, runs the follow-ups again
    assert isinstance(again, AlreadyDone)
    assert len(rows.all("incidents", "incidentid")) == 1
    contact = new_contact(rows)
    assert (contact["emailaddress1"], contact["mobilephone"]) == (TYPED_EMAIL, TYPED_PHONE)


def test_a_bad_follow_up_message_is_rejected_and_the_submission_stays_created(
    bus: MessageBus,
    deps: WorkerDeps,
    make_submission: MakeSubmission,
    statuses: SubmissionStatuses,
) -> None:
    submission = make_submission()
    send(bus, submission)
    deliver_one(bus, deps)
    body = {"schema": FOLLOWUP_SCHEMA, "correlation_id": str(submission.id), "payload": {}}
    bus.send(QUEUE, [OutgoingMessage(body=json.dumps(body).encode(), message_id="bad",
                                     correlation_id=str(submission.id))])  # fmt: skip

    _, result = deliver_one(bus, deps)
    replay(bus, QUEUE, source="rejected", statuses=statuses)

    assert result.action == "rejected"
    assert statuses.get(str(submission.id)).status == "created"  # type: ignore[union-attr]


def assert_no_personal_data(message: ReceivedMessage, caplog: pytest.LogCaptureFixture) -> None:
    citizen = EXAMPLE_SUBMISSION["citizen"]
    secrets = [
        citizen["given_name"], citizen["family_name"], citizen["email"], TYPED_EMAIL,
        citizen["phone"], TYPED_PHONE, citizen["birthdate"], citizen["sub"],
    ]  # fmt: skip
    properties = json.dumps(message.application_properties, default=str)
    logs = "\n".join(r.getMessage() + " " + repr(r.args) for r in caplog.records)
    assert logs
    for secret in secrets:
        assert secret not in properties, secret
        assert secret not in logs, secret
