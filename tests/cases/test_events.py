"""A service endpoint's message, read: the RemoteExecutionContext JSON of Microsoft Learn's
samples, as captured fixtures; what is a status change, what is ignored, what is refused."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cityzen_connector.cases import (
    MAX_EVENT_BYTES,
    CaseChange,
    CaseSchema,
    Ignored,
    InvalidCaseEvent,
    change_of,
    change_of_row,
    parse_context,
    wcf_date,
)
from tests.cases.conftest import CASE, CONTACT, PHONE_CASE, SUBMISSION, document, raw


def read(name: str, schema: CaseSchema) -> CaseChange | Ignored:
    return change_of(parse_context(raw(name)), schema)


def test_a_case_filed_through_the_portal_arrives_with_everything_the_status_needs(
    schema: CaseSchema,
) -> None:
    change = read("incident_create.json", schema)
    assert isinstance(change, CaseChange)
    assert change.case_id == uuid.UUID(CASE)
    assert (change.message, change.state, change.status) == ("Create", 0, 1)
    assert change.version == 1203450
    assert change.key == "v1203450"
    assert change.ticket_number == "CAS-01042-K7Q2L9"
    assert change.submission_id == uuid.UUID(SUBMISSION)
    assert change.contact_id == uuid.UUID(CONTACT)
    assert change.subject_name == "Stationnement gênant"
    assert change.origin == 3
    assert change.owner is not None
    assert (change.owner.kind, change.owner.service) == ("team", "Relation usagers")
    # OperationCreatedOn "/Date(1772442001000+0000)/": milliseconds since the epoch, UTC.
    assert change.at == datetime(2026, 3, 2, 9, 0, 1, tzinfo=UTC)
    assert change.created_on == datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def test_an_owner_change_names_the_service_that_took_the_case(schema: CaseSchema) -> None:
    change = read("incident_owner_change.json", schema)
    assert isinstance(change, CaseChange)
    assert change.owner is not None
    assert change.owner.service == "Voirie"
    assert (change.state, change.status, change.version) == (0, 1, 1203467)


def test_a_user_owner_is_never_named(schema: CaseSchema) -> None:
    change = read("incident_create_phone.json", schema)
    assert isinstance(change, CaseChange)
    assert change.owner is not None
    assert change.owner.kind == "systemuser"
    assert change.owner.service is None  # "Paul Durand" is an agent's name: personal data
    assert change.submission_id is None  # typed in by an agent from a phone call
    assert change.origin == 1
    assert change.case_id == uuid.UUID(PHONE_CASE)


def test_a_resolution_by_close_incident_is_an_update_to_resolved(schema: CaseSchema) -> None:
    change = read("incident_resolve.json", schema)
    assert isinstance(change, CaseChange)
    assert (change.message, change.state, change.status) == ("Update", 1, 5)


def test_a_status_change_without_post_image_says_only_what_changed(schema: CaseSchema) -> None:
    doc = document("incident_status_change.json")
    doc["PostEntityImages"] = []
    change = change_of(parse_context(json.dumps(doc).encode()), schema)
    assert isinstance(change, CaseChange)
    assert (change.state, change.status, change.owner) == (0, 3, None)
    # No versionnumber column: the Target's RowVersion still orders it.
    assert change.version == 1203502


def test_without_any_row_version_the_key_is_the_operation(schema: CaseSchema) -> None:
    doc = document("incident_status_change.json")
    doc["PostEntityImages"] = []
    doc["InputParameters"][0]["value"]["RowVersion"] = None
    change = change_of(parse_context(json.dumps(doc).encode()), schema)
    assert isinstance(change, CaseChange)
    assert change.version is None
    assert change.key.startswith("e3c36e50e9c50f111bfe300224802dbb1:")


@pytest.mark.parametrize(
    ("fixture", "reason"),
    [
        ("contact_update.json", "other_table"),
        ("incident_update_title.json", "status_untouched"),
    ],
)
def test_what_is_not_a_case_status_change_is_ignored(
    fixture: str, reason: str, schema: CaseSchema
) -> None:
    assert read(fixture, schema) == Ignored(reason)  # type: ignore[arg-type]


def test_other_messages_and_a_message_without_data_are_ignored(schema: CaseSchema) -> None:
    doc = document("incident_status_change.json")
    assert change_of(parse_context(_with(doc, MessageName="Delete")), schema) == Ignored(
        "other_message"
    )
    # Over 256 KB Dataverse removes InputParameters and the images (Learn, "Use WebHooks").
    bare = _with(doc, InputParameters=[], PostEntityImages=[], PreEntityImages=[])
    assert change_of(parse_context(bare), schema) == Ignored("no_case_data")


@pytest.mark.parametrize(
    ("body", "reason", "says"),
    [
        (raw("truncated.json"), "malformed", "not JSON"),
        (raw("malformed_statecode.json"), "malformed", "statecode: not an OptionSetValue"),
        (b"\xff\xfe{}", "malformed", "not UTF-8"),
        (b"[]", "malformed", "not a JSON object"),
        (b'{"MessageName": "Update", "MessageName": "Create"}', "malformed", "duplicate"),
        (b"[" * 100_000 + b"]" * 100_000, "oversized", "bytes"),
        (b"[" * 50_000 + b"]" * 50_000, "malformed", "nests too deeply"),
    ],
)
def test_unreadable_messages_are_refused_with_a_reason_naming_no_value(
    body: bytes, reason: str, says: str, schema: CaseSchema
) -> None:
    with pytest.raises(InvalidCaseEvent) as caught:
        change_of(parse_context(body), schema)
    assert caught.value.reason == reason
    assert says in str(caught.value)
    assert "Jeanne" not in str(caught.value)


@pytest.mark.parametrize(
    ("change", "where"),
    [
        ({"PrimaryEntityId": "not-a-guid"}, "PrimaryEntityId"),
        ({"Depth": "1"}, "Depth"),
        ({"MessageName": None}, "MessageName"),
        ({"OperationCreatedOn": "2026-03-02T09:00:00Z"}, "OperationCreatedOn"),
        ({"OperationCreatedOn": "/Date(99999999999999999)/"}, "OperationCreatedOn"),
        ({"PostEntityImages": [{"key": "PostImage", "value": {"LogicalName": "contact"}}]}, "Id"),
    ],
)
def test_a_context_with_a_wrong_property_names_the_property(
    change: dict[str, Any], where: str, schema: CaseSchema
) -> None:
    body = _with(document("incident_create.json"), **change)
    with pytest.raises(InvalidCaseEvent, match=where):
        change_of(parse_context(body), schema)


def test_an_oversized_message_is_refused_before_it_is_read() -> None:
    padded = b'{"x": "' + b"a" * MAX_EVENT_BYTES + b'"}'
    with pytest.raises(InvalidCaseEvent, match="oversized"):
        parse_context(padded)


def test_properties_microsoft_adds_later_are_ignored(schema: CaseSchema) -> None:
    body = _with(document("incident_create.json"), NewPlatformProperty={"x": [1, 2]})
    assert isinstance(change_of(parse_context(body), schema), CaseChange)


def test_wcf_dates_read_with_or_without_an_offset() -> None:
    assert wcf_date("/Date(1506409448000-0700)/", "d") == datetime(
        2017, 9, 26, 7, 4, 8, tzinfo=UTC
    )  # the offset says where the writer was; the number is UTC
    assert wcf_date("/Date(0)/", "d") == datetime(1970, 1, 1, tzinfo=UTC)
    with pytest.raises(InvalidCaseEvent):
        wcf_date("/Date(abc)/", "d")


def test_a_change_tracking_row_is_the_same_change_as_its_event(schema: CaseSchema) -> None:
    row = {
        "@odata.etag": 'W/"1203588"',
        "incidentid": CASE,
        "statecode": 1,
        "statuscode": 5,
        "versionnumber": 1203588,
        "ticketnumber": "CAS-01042-K7Q2L9",
        "caseorigincode": 3,
        "_ownerid_value": "72d3c2b1-9e14-f111-8d3a-000d3ab5c7e1",
        "_ownerid_value@Microsoft.Dynamics.CRM.lookuplogicalname": "team",
        "_ownerid_value@OData.Community.Display.V1.FormattedValue": "Voirie",
        "_customerid_value": CONTACT,
        "_customerid_value@Microsoft.Dynamics.CRM.lookuplogicalname": "contact",
        "_subjectid_value": "039c1e9b-d64a-5561-a473-b097c16e5c12",
        "createdon": "2026-03-02T09:00:00Z",
        "modifiedon": "2026-03-05T16:45:00Z",
        "cz_submissionid": SUBMISSION,
    }
    from_row = change_of_row(row, schema)
    from_event = read("incident_resolve.json", schema)
    assert isinstance(from_event, CaseChange)
    assert from_row.key == from_event.key == "v1203588"
    assert (from_row.state, from_row.status, from_row.owner) == (1, 5, from_event.owner)
    assert from_row.contact_id == uuid.UUID(CONTACT)
    assert from_row.submission_id == uuid.UUID(SUBMISSION)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=2048) | st.text(max_size=512).map(str.encode))
def test_no_body_makes_the_reader_fail_otherwise_than_with_a_reason(body: bytes) -> None:
    schema = CaseSchema()
    reasons = []
    try:
        change_of(parse_context(body), schema)
    except InvalidCaseEvent as exc:
        reasons.append(exc.reason)
    assert set(reasons) <= {"malformed", "oversized"}


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_any_value_in_any_attribute_is_read_or_refused_with_a_reason(data: st.DataObject) -> None:
    doc = document("incident_status_change.json")
    attributes = doc["PostEntityImages"][0]["value"]["Attributes"]
    index = data.draw(st.integers(0, len(attributes) - 1))
    json_values = st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(max_size=20),
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner),
        max_leaves=8,
    )
    attributes[index]["value"] = data.draw(json_values)
    reasons = []
    try:
        change_of(parse_context(json.dumps(doc).encode()), CaseSchema())
    except InvalidCaseEvent as exc:
        reasons.append(exc.reason)
    assert set(reasons) <= {"malformed"}


def _with(doc: dict[str, Any], **members: Any) -> bytes:
    return json.dumps({**doc, **members}).encode()
