"""A new contact's follow-ups (typed e-mail and phone, look-alike flag) reach Dataverse even when
another submission of the same citizen, an agent or a 503 gets in their way."""

from __future__ import annotations

import uuid

from cityzen_connector.messaging import MessageBus
from cityzen_connector.models import Submission
from cityzen_connector.sync.pipeline import (
    Created,
    Prepared,
    ProcessOutcome,
    SubmissionProcessor,
    WorkerDeps,
    drain,
)
from tests.sync.conftest import MakeSubmission, Rows

from .test_worker import send

TYPED_EMAIL = "angela.dubois@example.fr"  # as the mapping normalises what was typed
TYPED_PHONE = "+33612345678"


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
