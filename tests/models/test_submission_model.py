"""The submission wire model: what it accepts, what it refuses, and what it never echoes."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pydantic import ValidationError

from cityzen_connector.models import Channel, Submission, field_errors


def _problems(data: dict[str, Any]) -> dict[str, str]:
    with pytest.raises(ValidationError) as caught:
        Submission.model_validate(data)
    return {e.field: e.code for e in field_errors(caught.value, limit=None)}


def test_a_portal_submission_is_accepted_and_normalised(submission_data: dict[str, Any]) -> None:
    submission = Submission.model_validate(submission_data)
    assert submission.channel is Channel.PORTAL
    assert submission.citizen.phone == "+33612345678"
    assert submission.citizen.has_certified_pivot
    assert submission.submitted_at_utc().isoformat() == "2026-11-28T20:00:00+00:00"


def test_the_queue_message_round_trips_exactly(submission_data: dict[str, Any]) -> None:
    submission = Submission.model_validate(submission_data)
    assert Submission.model_validate_json(submission.model_dump_json()) == submission


@pytest.mark.parametrize(
    ("path", "value", "location"),
    [
        (("subject",), "x" * 201, "subject"),
        (("subject",), "   ", "subject"),
        (("description",), "y" * 2001, "description"),
        (("id",), "not-a-uuid", "id"),
        (("theme",), "Voirie!", "theme"),
        (("channel",), "pigeon", "channel"),
        (("location", "latitude"), 91.0, "location.latitude"),
        (("location", "longitude"), -180.5, "location.longitude"),
        (("location", "postcode"), "7500", "location.postcode"),
        (("location", "citycode"), "2C004", "location.citycode"),
        (("attachments", 0, "sha256"), "A" * 64, "attachments.0.sha256"),
        (("attachments", 0, "size"), 0, "attachments.0.size"),
        (("attachments", 0, "size"), "12", "attachments.0.size"),
        (("attachments", 0, "file_name"), "../../etc/passwd", "attachments.0.file_name"),
        (("attachments", 0, "media_type"), "image/jpeg; x=1", "attachments.0.media_type"),
        (("citizen", "birthdate"), "24/08/1962", "citizen.birthdate"),
        (("citizen", "gender"), "F", "citizen.gender"),
        (("citizen", "birthcountry"), "FR", "citizen.birthcountry"),
        (("citizen", "birthplace"), "7510", "citizen.birthplace"),
        (("citizen", "eidas_level"), "eidas9", "citizen.eidas_level"),
        (("citizen", "issuer"), "franceconnect", "citizen.issuer"),
        (("citizen", "sub"), "has space", "citizen.sub"),
        (("submitted_at",), "2026-11-28T21:00:00", "submitted_at"),
    ],
)
def test_out_of_contract_values_are_refused_with_the_field_named(
    submission_data: dict[str, Any], path: tuple[Any, ...], value: Any, location: str
) -> None:
    target: Any = submission_data
    for part in path[:-1]:
        target = target[part]
    target[path[-1]] = value
    assert location in _problems(submission_data)


def test_unknown_fields_are_refused(submission_data: dict[str, Any]) -> None:
    submission_data["is_admin"] = True
    submission_data["citizen"]["role"] = "agent"
    problems = _problems(submission_data)
    assert problems["is_admin"] == "extra_forbidden"
    assert problems["citizen.role"] == "extra_forbidden"


@pytest.mark.parametrize("missing", ["id", "theme", "sub_theme", "subject", "citizen"])
def test_missing_required_fields_are_named(submission_data: dict[str, Any], missing: str) -> None:
    del submission_data[missing]
    assert _problems(submission_data)[missing] == "missing"


def test_wrong_types_are_not_coerced(submission_data: dict[str, Any]) -> None:
    submission_data["subject"] = 12
    submission_data["citizen"]["given_name"] = ["Angela"]
    submission_data["fields"] = {"danger": None}
    problems = _problems(submission_data)
    assert {"subject", "citizen.given_name"} <= problems.keys()
    assert any(location.startswith("fields.danger") for location in problems)


def test_control_and_bidi_characters_are_refused(submission_data: dict[str, Any]) -> None:
    submission_data["subject"] = "Trou\x00"
    submission_data["description"] = "Texte \u202eesrever"
    submission_data["citizen"]["family_name"] = "DU\nBOIS"
    problems = _problems(submission_data)
    assert {"subject", "description", "citizen.family_name"} <= problems.keys()


def test_line_breaks_are_kept_in_the_description(submission_data: dict[str, Any]) -> None:
    submission_data["description"] = "ligne 1\r\nligne 2\tfin"
    assert Submission.model_validate(submission_data).description == "ligne 1\r\nligne 2\tfin"


def test_markup_is_kept_as_inert_text(submission_data: dict[str, Any]) -> None:
    hostile = "<script>alert('x')</script> {citizen.sub} ${jndi:ldap://x} '; DROP TABLE--"
    submission_data["subject"] = hostile[:200]
    submission_data["description"] = hostile
    submission = Submission.model_validate(submission_data)
    assert submission.subject == hostile[:200].strip()
    assert submission.description == hostile


def test_too_many_attachments_or_fields_are_refused(submission_data: dict[str, Any]) -> None:
    one = submission_data["attachments"][0]
    submission_data["attachments"] = [
        {**one, "id": f"00000000-0000-4000-8000-{i:012d}"} for i in range(11)
    ]
    submission_data["fields"] = {f"f{i}": "x" for i in range(51)}
    problems = _problems(submission_data)
    assert problems["attachments"] == "too_long"
    assert problems["fields"] == "too_long"


def test_duplicate_attachment_ids_are_refused(submission_data: dict[str, Any]) -> None:
    submission_data["attachments"] *= 2
    assert "(body)" in _problems(submission_data)


def test_certified_claims_must_have_values(submission_data: dict[str, Any]) -> None:
    del submission_data["citizen"]["birthdate"]
    with pytest.raises(ValidationError, match="certified fields without a value: birthdate"):
        Submission.model_validate(submission_data)


def test_rejected_personal_values_are_never_echoed(submission_data: dict[str, Any]) -> None:
    secret_email = "angela.secret@@example.fr"
    secret_phone = "06 99 99 99 9X"
    submission_data["citizen"]["email"] = secret_email
    submission_data["citizen"]["phone"] = secret_phone
    submission_data["citizen"]["family_name"] = "SECRETNAME\x07"
    with pytest.raises(ValidationError) as caught:
        Submission.model_validate(submission_data)
    rendered = str(caught.value) + json.dumps(
        [e.model_dump() for e in field_errors(caught.value, limit=None)]
    )
    for value in (secret_email, "99 99", "SECRETNAME"):
        assert value not in rendered


def test_hostile_dictionary_keys_are_truncated_in_problem_locations(
    submission_data: dict[str, Any],
) -> None:
    submission_data["fields"] = {"\x1b[31m" + "k" * 500: "x"}
    locations = _problems(submission_data).keys()
    assert all(
        len(part) <= 64 and part.isprintable() for loc in locations for part in loc.split(".")
    )


def test_oversized_json_body_is_refused_without_crashing(submission_data: dict[str, Any]) -> None:
    submission_data["description"] = "z" * 1_000_000
    raw = json.dumps(submission_data)
    with pytest.raises(ValidationError):
        Submission.model_validate_json(raw)
    with pytest.raises(ValidationError):
        Submission.model_validate_json(b"{not json")
