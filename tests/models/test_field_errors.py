"""One invalid field: our checks' errors and pydantic's, one type, French from one catalogue."""

from __future__ import annotations

import pytest
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from cityzen_connector.models import MAX_FIELD_ERRORS, FieldError, field_errors


class _Form(BaseModel):
    model_config = ConfigDict(extra="forbid")

    tags: list[int] = Field(default=[], max_length=2)
    flag: bool = False
    name: str = ""


def _from_pydantic(data: object) -> dict[str, FieldError]:
    with pytest.raises(ValidationError) as caught:
        _Form.model_validate(data)
    return {error.field: error for error in field_errors(caught.value)}


def test_our_checks_name_field_code_and_english_and_get_the_french_from_the_catalogue() -> None:
    error = FieldError.of("attachments.1", "rejected_by_scan", "file refused")
    assert error == FieldError(
        field="attachments.1",
        code="rejected_by_scan",
        message_fr="Ce fichier a été refusé par l’analyse antivirus.",
        message_en="file refused",
    )


def test_a_code_without_french_text_gets_the_generic_sentence() -> None:
    assert FieldError.of("x", "no_such_code", "odd").message_fr == "Cette valeur n’est pas valide."


def test_a_long_field_is_cut_to_what_the_wire_model_allows() -> None:
    assert FieldError.of("fields." + "k" * 500, "unknown_field", "no such field").field == (
        "fields." + "k" * 193
    )


@pytest.mark.parametrize(
    ("data", "field", "ours", "pydantics"),
    [
        ({"tags": [1, 2, 3]}, "tags", "Cette valeur est trop longue.", "Trop d’éléments."),
        (
            {"name": 12},
            "name",
            "Un texte est attendu.",
            "Une chaîne de caractères est attendue.",
        ),
        ({"flag": [1]}, "flag", "Oui ou non est attendu.", "Cette valeur n’est pas valide."),
        ([], "(body)", "Un objet JSON est attendu.", "Cette valeur n’est pas valide."),
    ],
)
def test_pydantic_types_named_like_our_codes_keep_their_own_french(
    data: object, field: str, ours: str, pydantics: str
) -> None:
    converted = _from_pydantic(data)[field]
    assert converted.message_fr == pydantics
    assert FieldError.of(field, converted.code, "ours").message_fr == ours


def test_pydantic_invalid_key_is_not_the_idempotency_key_header() -> None:
    converted = _from_pydantic({1: 1})["1"]  # a key that is not a string (from Python only)
    assert converted.code == "invalid_key"
    assert converted.message_fr == "Cette valeur n’est pas valide."
    ours = FieldError.of("Idempotency-Key", "invalid_key", "1-255 visible characters")
    assert ours.message_fr == "L’en-tête Idempotency-Key n’est pas valide."


def test_conversion_is_bounded_unless_asked_for_every_error() -> None:
    class Many(BaseModel):
        values: list[int]

    with pytest.raises(ValidationError) as caught:
        Many.model_validate({"values": ["x"] * 120})
    assert len(field_errors(caught.value)) == MAX_FIELD_ERRORS
    assert len(field_errors(caught.value, limit=None)) == 120
