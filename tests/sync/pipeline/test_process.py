"""One submission through the pipeline against the emulator (in-process): what an agent sees
in Dynamics 365, and how many round trips it cost."""

from __future__ import annotations

import base64
import shutil
from pathlib import Path

import pytest

from cityzen_connector._metrics import SUBMISSIONS_CREATED, SUBMISSIONS_FAILED
from cityzen_connector.dataverse import DataverseConnectionError, HttpRequest
from cityzen_connector.emulator import EmulatorApp
from cityzen_connector.mapping import MappingSet, PlanContext, load_mappings, plan_submission
from cityzen_connector.models import PIVOT_FIELDS
from cityzen_connector.store import BlobNotFoundError, BlobStore, SubmissionStatuses
from cityzen_connector.sync.pipeline import (
    AlreadyDone,
    Created,
    Permanent,
    SubmissionProcessor,
    Systemic,
)
from cityzen_connector.testing import FakeClock
from tests.support.metrics import read_metrics
from tests.support.transports import CountingTransport
from tests.sync.conftest import MAPPINGS, PEPPER, MakeSubmission, Rows


def warm(processor: SubmissionProcessor, mappings: MappingSet, submission: object) -> None:
    plan = plan_submission(submission, mappings, context=PlanContext(pepper=PEPPER))  # type: ignore[arg-type]
    processor.lookups.resolve(plan.lookups)


def team_id(rows: Rows, name: str) -> str:
    return next(t["teamid"] for t in rows.all("teams", "teamid,name") if t["name"] == name)


def test_new_citizen_gets_contact_case_routed_to_team_and_notes(
    processor: SubmissionProcessor,
    make_submission: MakeSubmission,
    rows: Rows,
    blobs: BlobStore,
    statuses: SubmissionStatuses,
    transport: CountingTransport,
) -> None:
    submission = make_submission()
    outcome = processor.process(submission)

    assert isinstance(outcome, Created)
    assert outcome.contact_created
    assert outcome.ticket_number.startswith("CAS-")
    contacts = rows.all("contacts", "contactid,lastname,emailaddress1,cz_identitykey")
    cases = rows.all(
        "incidents", "incidentid,title,_ownerid_value,_subjectid_value,_customerid_value"
    )
    assert len(contacts) == 1
    assert len(cases) == 1
    case = cases[0]
    assert case["incidentid"] == outcome.case_id
    assert case["_customerid_value"] == contacts[0]["contactid"]
    assert case["_ownerid_value"] == team_id(rows, "Voirie")
    subjects = rows.all("subjects", "subjectid,title")
    assert {s["subjectid"]: s["title"] for s in subjects}[case["_subjectid_value"]] == (
        "Nid-de-poule et chaussée"
    )
    notes = rows.all("annotations", "annotationid,_objectid_value,documentbody,filename")
    assert sorted(n["filename"] for n in notes) == ["plan.pdf", "trou.jpg"]
    assert all(n["_objectid_value"] == outcome.case_id for n in notes)
    assert all(base64.b64decode(n["documentbody"]) == b"abc" for n in notes)
    # A new contact: typed e-mail fills its blank, the other identity key is set.
    assert contacts[0]["emailaddress1"] == "angela.dubois@example.fr"
    assert contacts[0]["cz_identitykey"]
    # Lookups (1 $batch of 2 GETs) + the change set + fill blanks + look-alike query.
    assert transport.count == 4
    status = statuses.get(str(submission.id))
    assert status is not None
    assert status.status == "created"
    assert status.ticket_number == outcome.ticket_number
    for attachment in submission.attachments:  # blobs deleted once the notes exist
        with pytest.raises(BlobNotFoundError):
            blobs.get(attachment.blob_name)


def test_returning_citizen_costs_exactly_one_round_trip(
    processor: SubmissionProcessor,
    mappings: MappingSet,
    make_submission: MakeSubmission,
    rows: Rows,
    transport: CountingTransport,
) -> None:
    processor.process(make_submission())
    second = make_submission(subject="Un autre trou")
    warm(processor, mappings, second)
    before = transport.count

    outcome = processor.process(second)

    assert isinstance(outcome, Created)
    assert not outcome.contact_created
    assert transport.count - before == 1
    assert len(rows.all("contacts", "contactid")) == 1
    assert len(rows.all("incidents", "incidentid")) == 2


def test_same_message_three_times_and_agent_edit_survives(
    processor: SubmissionProcessor, make_submission: MakeSubmission, rows: Rows
) -> None:
    submission = make_submission()
    first = processor.process(submission)
    assert isinstance(first, Created)
    rows.client.update("incidents", first.case_id, {"title": "Renamed by an agent"})

    # A redelivery after the status record was lost (worst case): Dataverse answers 412.
    processor.statuses.mark_queued(str(submission.id))
    processor.statuses._store.delete("submissions", str(submission.id))
    second = processor.process(submission)
    third = processor.process(submission)

    assert isinstance(second, AlreadyDone)
    assert second.case_id == first.case_id
    assert second.ticket_number == first.ticket_number
    assert isinstance(third, AlreadyDone)
    assert len(rows.all("contacts", "contactid")) == 1
    cases = rows.all("incidents", "incidentid,title")
    assert [c["title"] for c in cases] == ["Renamed by an agent"]
    assert len(rows.all("annotations", "annotationid")) == 2


def test_two_submissions_same_citizen_one_contact_two_cases(
    processor: SubmissionProcessor, make_submission: MakeSubmission, rows: Rows
) -> None:
    assert isinstance(processor.process(make_submission()), Created)
    assert isinstance(processor.process(make_submission(subject="Encore")), Created)
    assert len(rows.all("contacts", "contactid")) == 1
    assert len(rows.all("incidents", "incidentid")) == 2


def test_second_client_new_sub_same_pivot_identity_same_contact(
    processor: SubmissionProcessor, make_submission: MakeSubmission, rows: Rows
) -> None:
    processor.process(make_submission())
    mobile = make_submission(citizen={"sub": "mobile-app-sub-0001"})
    outcome = processor.process(mobile)
    assert isinstance(outcome, Created)
    assert not outcome.contact_created
    assert len(rows.all("contacts", "contactid")) == 1


def test_usage_name_change_updates_the_contact(
    processor: SubmissionProcessor, make_submission: MakeSubmission, rows: Rows
) -> None:
    processor.process(make_submission())
    certified = [*PIVOT_FIELDS, "preferred_username"]
    married = make_submission(citizen={"preferred_username": "MARTIN", "certified": certified})
    processor.process(married)
    contacts = rows.all("contacts", "lastname,cz_birthname")
    assert len(contacts) == 1
    assert (contacts[0]["lastname"], contacts[0]["cz_birthname"]) == ("MARTIN", "DUBOIS")


def test_typed_values_never_overwrite_the_contact(
    processor: SubmissionProcessor, make_submission: MakeSubmission, rows: Rows
) -> None:
    processor.process(make_submission())
    # Same person; this time the e-mail and the first name were typed, not certified.
    typed = [f for f in PIVOT_FIELDS if f != "given_name"]
    second = make_submission(
        citizen={"email": "autre@example.org", "given_name": "Angie", "certified": typed}
    )
    outcome = processor.process(second)

    assert isinstance(outcome, Created)
    assert not outcome.contact_created
    contact = rows.all("contacts", "firstname,emailaddress1")[0]
    assert contact["firstname"] == "Angela Claire Louise"
    assert contact["emailaddress1"] == "angela.dubois@example.fr"
    case = rows.client.retrieve("incidents", outcome.case_id, select=["cz_typedemail"])
    assert case["cz_typedemail"] == "autre@example.org"


def test_lookalike_contact_is_flagged_not_merged(
    processor: SubmissionProcessor, make_submission: MakeSubmission, rows: Rows
) -> None:
    # An agent created this contact by hand (no keys): same names and birthdate.
    rows.client.create(
        "contacts",
        {"firstname": "Angela Claire Louise", "lastname": "DUBOIS", "birthdate": "1962-08-24"},
    )
    outcome = processor.process(make_submission())

    assert isinstance(outcome, Created)
    assert outcome.lookalike_flagged
    assert len(rows.all("contacts", "contactid")) == 2
    case = rows.client.retrieve("incidents", outcome.case_id, select=["cz_lookalikecontact"])
    assert case["cz_lookalikecontact"] is True


def test_no_lookalike_no_flag(
    processor: SubmissionProcessor, make_submission: MakeSubmission, rows: Rows
) -> None:
    outcome = processor.process(make_submission())
    assert isinstance(outcome, Created)
    assert not outcome.lookalike_flagged
    case = rows.client.retrieve("incidents", outcome.case_id, select=["cz_lookalikecontact"])
    assert not case.get("cz_lookalikecontact")


def test_unknown_theme_is_permanent_and_writes_nothing(
    processor: SubmissionProcessor,
    make_submission: MakeSubmission,
    rows: Rows,
    transport: CountingTransport,
) -> None:
    outcome = processor.process(make_submission(theme="retired", sub_theme="gone"))
    assert outcome == Permanent("unknown_theme", "theme 'retired/gone' is not offered")
    assert transport.count == 0
    assert rows.all("contacts", "contactid") == []
    assert rows.all("incidents", "incidentid") == []


def test_missing_attachment_bytes_is_permanent(
    processor: SubmissionProcessor, make_submission: MakeSubmission, blobs: BlobStore
) -> None:
    submission = make_submission()
    blobs.delete(submission.attachments[0].blob_name)
    outcome = processor.process(submission)
    assert outcome == Permanent(
        "attachment_missing", "an attachment is missing from the blob store"
    )


def test_unknown_team_in_dataverse_is_permanent_with_a_reason(
    processor: SubmissionProcessor, make_submission: MakeSubmission, rows: Rows, app: EmulatorApp
) -> None:
    rows.client.delete("teams", team_id(rows, "Voirie"))
    outcome = processor.process(make_submission())
    assert isinstance(outcome, Permanent)
    assert outcome.code == "unknown_lookup"
    assert "Voirie" in outcome.reason
    assert "routing.toml" in outcome.reason


def test_a_column_missing_in_dataverse_is_systemic_and_opens_the_breaker(
    tmp_path: Path,
    processor: SubmissionProcessor,
    make_submission: MakeSubmission,
    rows: Rows,
) -> None:
    folder = tmp_path / "mappings"
    shutil.copytree(MAPPINGS, folder)
    incident = folder / "incident.toml"
    incident.write_text(
        incident.read_text().replace(
            "[targets.incident.columns]\n",
            '[targets.incident.columns]\ncz_notprovisioned = { const = "x" }\n',
        )
    )
    processor.mappings = load_mappings(folder)

    outcome = processor.process(make_submission())

    assert isinstance(outcome, Systemic)
    assert outcome.code == "schema_missing"
    assert "cityzen dataverse provision" in outcome.reason
    assert processor.breaker is not None
    assert processor.breaker.state().state == "open"
    assert rows.all("incidents", "incidentid") == []


class DropsFirstBatchReply:
    """The change set is applied, then the connection drops before the reply arrives."""

    def __init__(self, inner: object) -> None:
        self.inner = inner
        self.dropped = False

    def send(self, request: HttpRequest, *, timeout: float) -> object:
        response = self.inner.send(request, timeout=timeout)  # type: ignore[attr-defined]
        writes = request.url.endswith("$batch") and b"PATCH " in (request.body or b"")
        if writes and not self.dropped:
            self.dropped = True
            raise DataverseConnectionError("connection reset by peer")
        return response


def test_a_lost_reply_still_gets_the_new_contact_follow_ups(
    processor: SubmissionProcessor,
    transport: CountingTransport,
    make_submission: MakeSubmission,
    rows: Rows,
) -> None:
    rows.client.create(
        "contacts",
        {"firstname": "Angela Claire Louise", "lastname": "DUBOIS", "birthdate": "1962-08-24"},
    )
    dropping = DropsFirstBatchReply(transport.inner)
    transport.inner = dropping  # type: ignore[assignment]

    outcome = processor.process(make_submission())

    assert dropping.dropped
    assert isinstance(outcome, AlreadyDone)  # the client's retry met the case: 412
    contacts = rows.all("contacts", "emailaddress1,cz_identitykey")
    created = [c for c in contacts if c.get("cz_identitykey")]
    assert len(contacts) == 2
    assert created[0]["emailaddress1"] == "angela.dubois@example.fr"  # blanks filled
    case = rows.all("incidents", "cz_lookalikecontact")[0]
    assert case["cz_lookalikecontact"] is True  # look-alike flagged


def test_a_returning_citizen_replay_runs_no_follow_ups(
    processor: SubmissionProcessor,
    transport: CountingTransport,
    make_submission: MakeSubmission,
    clock: FakeClock,
) -> None:
    processor.process(make_submission())
    clock.advance(3600)
    transport.inner = DropsFirstBatchReply(transport.inner)  # type: ignore[assignment]
    before = transport.count
    outcome = processor.process(make_submission(subject="Encore"))
    assert isinstance(outcome, AlreadyDone)
    # lookups (TTL passed), the change set, its retry (412), one GET of the case
    assert transport.count - before == 4


def test_swapped_attachment_bytes_are_refused_and_nothing_written(
    processor: SubmissionProcessor,
    make_submission: MakeSubmission,
    blobs: BlobStore,
    rows: Rows,
) -> None:
    submission = make_submission()
    other = blobs.put(b"xyz", media_type="image/jpeg").name  # same size, other bytes
    data = submission.model_dump(mode="json")
    data["attachments"][0]["blob_name"] = other
    outcome = processor.process(type(submission).model_validate(data))
    assert outcome == Permanent(
        "attachment_mismatch", "an attachment's bytes do not match its hash"
    )
    assert rows.all("incidents", "incidentid") == []


def test_a_created_case_is_counted_once_and_a_redelivery_not_again(
    processor: SubmissionProcessor, make_submission: MakeSubmission
) -> None:
    submission = make_submission()
    with read_metrics() as readings:
        assert isinstance(processor.process(submission), Created)
        processor.process(submission)  # redelivered: the case exists already
        assert readings.total(SUBMISSIONS_CREATED) == 1
        assert readings.total(SUBMISSIONS_FAILED) == 0
