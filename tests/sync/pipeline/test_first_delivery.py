"""A new citizen's first submission is done on its FIRST delivery, with the emulator answering
writes as Dataverse does: a row returned (``Prefer: return=representation``) comes without
``OData-EntityId`` ("Create a table row using the Web API", Create with data returned), and an
upsert by alternate key names the row by its key ("Use Upsert to Create or Update a record").
The case's id and the new contact's id are read from the rows returned, so the contact's
follow-ups (fill blanks, look-alike flag) run at once instead of waiting for a redelivery.
"""

from __future__ import annotations

from cityzen_connector.messaging import MessageBus
from cityzen_connector.store import SubmissionStatuses
from cityzen_connector.sync.pipeline import Created, WorkerDeps
from tests.support.transports import CountingTransport, RecordingTransport
from tests.sync.conftest import MakeSubmission, Rows

from .test_followups import TYPED_EMAIL, add_lookalike, deliver_one, flags, new_contact
from .test_worker import QUEUE, send


def test_first_submission_of_a_new_citizen_is_created_on_first_delivery_with_its_follow_ups(
    bus: MessageBus,
    deps: WorkerDeps,
    transport: CountingTransport,
    make_submission: MakeSubmission,
    statuses: SubmissionStatuses,
    rows: Rows,
) -> None:
    add_lookalike(rows)  # an agent's hand-made contact with the same names and birthdate
    replies = RecordingTransport(transport.inner)
    transport.inner = replies
    submission = make_submission()
    send(bus, submission)

    _, result = deliver_one(bus, deps)

    # The change set was answered as documented: the contact and the case come back as rows
    # (201 Created, no OData-EntityId); the notes, written without one, name their row.
    contact_part, case_part, *notes = replies.change_set()
    for part in (contact_part, case_part):
        assert part.status == 201
        assert "OData-EntityId" not in part.headers
        assert "Location" not in part.headers
    assert notes
    assert all(n.status == 204 and "OData-EntityId" in n.headers for n in notes)
    # Done on the first delivery: completed, nothing scheduled for a redelivery.
    assert result.action == "completed"
    outcome = result.outcome
    assert isinstance(outcome, Created), outcome
    assert outcome.contact_created
    assert (bus.stats(QUEUE).scheduled, bus.stats(QUEUE).active) == (0, 0)
    status = statuses.get(str(submission.id))
    assert status is not None
    assert (status.status, status.case_id) == ("created", outcome.case_id)
    # The new contact's follow-ups ran: its blank e-mail filled, the look-alike flag set.
    assert new_contact(rows)["emailaddress1"] == TYPED_EMAIL
    assert outcome.lookalike_flagged
    assert flags(rows) == [True]
