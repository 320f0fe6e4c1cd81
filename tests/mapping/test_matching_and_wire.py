"""Contact keys, and how plan values are rendered for the Web API."""

from __future__ import annotations

import base64
import hashlib
import uuid
from collections.abc import Callable

import pytest

from cityzen_connector.mapping import (
    ContentRef,
    LookupRef,
    MappingSet,
    PlanContext,
    PlanError,
    RecordRef,
    bind_value,
    identity_key,
    key_segment,
    normalise_name,
    odata_literal,
    operation_path,
    pivot_key,
    plan_submission,
    wire_body,
)
from cityzen_connector.models import Citizen, Submission

MakeSubmission = Callable[..., Submission]
ISSUER = "https://fcp-low.sbx.dev-franceconnect.fr/api/v2"
PIVOT = {
    "issuer": ISSUER,
    "sub": "abc",
    "given_name": "Jean-Noël",
    "family_name": "d'Orléans",
    "birthdate": "1980-02-29",
    "gender": "male",
    "birthplace": "",
    "birthcountry": "99131",
    "certified": ["given_name", "family_name", "birthdate", "gender", "birthplace", "birthcountry"],
}


def test_identity_key_is_a_64_hex_pseudonym_bound_to_issuer_sub_and_pepper() -> None:
    key = identity_key(ISSUER, "abc", pepper=b"p")
    assert len(key) == 64
    assert set(key) <= set("0123456789abcdef")
    assert key == identity_key(ISSUER, "abc", pepper=b"p")
    assert key != identity_key(ISSUER, "abd", pepper=b"p")
    assert key != identity_key("https://other.example", "abc", pepper=b"p")
    assert key != identity_key(ISSUER, "abc", pepper=b"q")
    # Field boundaries matter: ("ab", "c") and ("a", "bc") must not collide.
    assert identity_key("https://x/ab", "c", pepper=b"") != identity_key(
        "https://x/a", "bc", pepper=b""
    )
    assert key != hashlib.sha256(f"{ISSUER}abc".encode()).hexdigest()


def test_pivot_key_ignores_accents_case_and_spacing_but_not_identity() -> None:
    base = Citizen.model_validate(PIVOT)
    variant = Citizen.model_validate(
        {**PIVOT, "sub": "other", "given_name": "JEAN-NOEL ", "family_name": "D'ORLEANS"}
    )
    other_day = Citizen.model_validate({**PIVOT, "birthdate": "1980-03-01"})
    assert pivot_key(base, pepper=b"p") == pivot_key(variant, pepper=b"p")
    assert pivot_key(base, pepper=b"p") != pivot_key(other_day, pepper=b"p")
    assert normalise_name("  Jean-Noël   d'Orléans ") == "JEAN-NOEL D'ORLEANS"


def test_no_pivot_key_unless_every_pivot_field_is_certified() -> None:
    partly = Citizen.model_validate({**PIVOT, "certified": ["given_name", "family_name"]})
    assert pivot_key(partly, pepper=b"p") is None


@pytest.mark.parametrize(
    ("value", "literal"),
    [
        ("O'Brien", "'O''Brien'"),
        (12, "12"),
        (True, "true"),
        (uuid.UUID(int=1), "00000000-0000-0000-0000-000000000001"),
        (None, "null"),
    ],
)
def test_odata_literals(value: object, literal: str) -> None:
    assert odata_literal(value) == literal  # type: ignore[arg-type]


def test_key_segments_for_primary_and_alternate_keys() -> None:
    guid = "0109d262-5610-5ea5-8bc2-3bfc80cdd393"
    assert key_segment((("annotationid", guid),), primary_id="annotationid") == f"({guid})"
    assert key_segment((("a", "x'y"), ("b", 2))) == "(a='x''y',b=2)"


def test_bind_values() -> None:
    team = LookupRef("teams", "name", "Voirie")
    team_id = uuid.UUID(int=7)
    assert bind_value(ContentRef("1"), {}) == "$1"
    assert bind_value(RecordRef("accounts", id=team_id), {}) == f"/accounts({team_id})"
    assert bind_value(RecordRef("contacts", key=(("cz_k", "v"),)), {}) == "/contacts(cz_k='v')"
    assert bind_value(team, {team: team_id}) == f"/teams({team_id})"
    with pytest.raises(PlanError) as caught:
        bind_value(team, {})
    assert caught.value.code == "unresolved_lookup"


def test_wire_bodies_of_the_shipped_plan(
    shipped: MappingSet, make_submission: MakeSubmission
) -> None:
    plan = plan_submission(make_submission(), shipped, context=PlanContext())
    lookups = {ref: uuid.UUID(int=i + 1) for i, ref in enumerate(sorted(plan.lookups, key=str))}
    case = plan.operation("incident")
    body = wire_body(case, lookups=lookups, blobs={})
    assert body["customerid_contact@odata.bind"] == "$1"
    assert body["ownerid@odata.bind"].startswith("/teams(")
    assert body["subjectid@odata.bind"].startswith("/subjects(")
    assert operation_path(case) == f"incidents(cz_submissionid='{make_submission().id}')"
    note = plan.operations[2]
    note_body = wire_body(note, lookups=lookups, blobs={"2026/11/28/a.jpg": b"abc"})
    assert base64.b64decode(note_body["documentbody"]) == b"abc"
    assert note_body["objectid_incident@odata.bind"] == "$2"
    submission = make_submission()
    note_id = uuid.uuid5(submission.id, str(submission.attachments[0].id))
    assert operation_path(note) == f"annotations({note_id})"


def test_a_blob_that_does_not_match_its_hash_is_never_attached(
    shipped: MappingSet, make_submission: MakeSubmission
) -> None:
    note = plan_submission(make_submission(), shipped, context=PlanContext()).operations[2]
    with pytest.raises(PlanError) as caught:
        wire_body(note, lookups={}, blobs={"2026/11/28/a.jpg": b"abd"})
    assert caught.value.code == "attachment_mismatch"
