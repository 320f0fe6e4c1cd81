"""Problem details: RFC 9457 shape, both languages, bounded 422s without submitted values."""

from __future__ import annotations

import json

import pytest
from pydantic import BaseModel, Field, ValidationError

from cityzen_connector.models import (
    CATALOGUE,
    MAX_FIELD_ERRORS,
    PROBLEM_CONTENT_TYPE,
    FieldError,
    Problem,
    ProblemCode,
    problem,
    validation_problem,
)


class _Location(BaseModel):
    postcode: str = Field(pattern=r"^[0-9]{5}$")


class _Submission(BaseModel):
    subject: str = Field(max_length=200)
    location: _Location
    tags: list[int] = []


def test_every_code_has_a_status_and_both_languages() -> None:
    assert set(CATALOGUE) == set(ProblemCode)
    for code, entry in CATALOGUE.items():
        assert 400 <= entry.status <= 599, code
        assert entry.fr, code
        assert entry.en, code
        assert entry.fr != entry.en, code


@pytest.mark.parametrize(
    ("code", "status"),
    [
        ("malformed_request", 400),
        ("invalid_json", 400),
        ("unauthorized", 401),
        ("forbidden", 403),
        ("not_found", 404),
        ("method_not_allowed", 405),
        ("request_timeout", 408),
        ("idempotency_conflict", 409),
        ("payload_too_large", 413),
        ("unsupported_media_type", 415),
        ("unsupported_file_type", 415),
        ("validation_failed", 422),
        ("headers_too_large", 431),
        ("internal_error", 500),
        ("not_implemented", 501),
        ("service_unavailable", 503),
        ("plan_changed", 412),
        ("agents_unavailable", 503),
    ],
)
def test_rendered_body_is_rfc9457_with_our_members(code: str, status: int) -> None:
    body = json.loads(problem(code, instance="/api/v1/requests/42").to_bytes())
    assert body["status"] == status
    assert body["code"] == code
    assert body["type"] == f"tag:cityzen.fr,2026:problem:{code}"
    assert body["instance"] == "/api/v1/requests/42"
    assert set(body["messages"]) == {"fr", "en"}
    assert body["title"]
    assert "errors" not in body  # absent members are omitted
    assert "detail" not in body


def test_body_is_utf8_json_with_french_text_intact() -> None:
    raw = problem(ProblemCode.SERVICE_UNAVAILABLE).to_bytes()
    assert "momentanément".encode() in raw
    assert PROBLEM_CONTENT_TYPE == "application/problem+json"


def test_validation_problem_lists_each_field_without_the_submitted_values() -> None:
    secret = "Rue des Secrets 12, marianne@example.org"
    with pytest.raises(ValidationError) as info:
        _Submission.model_validate(
            {"subject": secret * 20, "location": {"postcode": secret}, "tags": ["x"]}
        )
    result = validation_problem(info.value, instance="/api/v1/requests")
    raw = result.to_bytes().decode()
    assert secret not in raw
    body = json.loads(raw)
    assert body["status"] == 422
    assert body["detail"] == "3 fields not valid."
    fields = {e["field"]: e for e in body["errors"]}
    assert set(fields) == {"subject", "location.postcode", "tags.0"}
    assert fields["subject"]["code"] == "string_too_long"
    assert fields["subject"]["message_fr"] == "Cette valeur est trop longue."
    assert "200" in fields["subject"]["message_en"]
    assert fields["location.postcode"]["message_fr"] == "Cette valeur n’a pas le format attendu."


def test_missing_body_fields_are_named() -> None:
    with pytest.raises(ValidationError) as info:
        _Submission.model_validate({})
    errors = validation_problem(info.value).errors
    assert errors is not None
    assert {(e.field, e.code) for e in errors} == {("subject", "missing"), ("location", "missing")}
    assert all(e.message_fr == "Ce champ est obligatoire." for e in errors)


def test_a_flood_of_invalid_fields_gives_a_bounded_answer() -> None:
    class Many(BaseModel):
        values: list[int]

    with pytest.raises(ValidationError) as info:
        Many.model_validate({"values": ["x"] * 5000})
    result = validation_problem(info.value)
    assert result.errors is not None
    assert len(result.errors) == MAX_FIELD_ERRORS
    assert result.detail == "5000 fields not valid."
    assert len(result.to_bytes()) < 20_000


def test_hostile_field_names_are_truncated() -> None:
    class Strict(BaseModel):
        model_config = {"extra": "forbid"}

    with pytest.raises(ValidationError) as info:
        Strict.model_validate({"k" * 10_000: 1})
    errors = validation_problem(info.value).errors
    assert errors is not None
    assert len(errors[0].field) <= 200
    assert errors[0].code == "extra_forbidden"


def test_field_errors_only_on_validation_problems() -> None:
    error = FieldError(field="subject", code="missing", message_fr="a", message_en="b")
    with pytest.raises(ValueError, match="validation_failed"):
        problem(ProblemCode.NOT_FOUND, errors=[error])


def test_unknown_code_is_refused() -> None:
    with pytest.raises(ValueError, match="no_such_code"):
        problem("no_such_code")


def test_problem_round_trips_and_refuses_unknown_members() -> None:
    original = problem(ProblemCode.IDEMPOTENCY_CONFLICT, detail="Same id, different body.")
    assert Problem.model_validate_json(original.to_bytes()) == original
    with pytest.raises(ValidationError):
        Problem.model_validate({**original.model_dump(), "stack": "Traceback ..."})
    with pytest.raises(ValidationError):
        Problem.model_validate({**original.model_dump(), "status": 200})
