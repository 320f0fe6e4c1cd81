"""Phone numbers to E.164, e-mail addresses, text hygiene (Unicode text only), and the status
read model."""

from __future__ import annotations

import json

import pytest
from pydantic import TypeAdapter, ValidationError

from cityzen_connector.models import (
    Citizen,
    CreatedStatus,
    FailedStatus,
    SubmissionStatus,
    clean_text,
    email_address,
    field_errors,
    phone_to_e164,
    text_errors,
)


@pytest.mark.parametrize(
    ("typed", "e164"),
    [
        ("06 12 34 56 78", "+33612345678"),
        ("06.12.34.56.78", "+33612345678"),
        ("0612345678", "+33612345678"),
        ("+33 6 12 34 56 78", "+33612345678"),
        ("+33 (0)1 42 76 40 40", "+33142764040"),
        ("0033 1 42 76 40 40", "+33142764040"),
        ("+44 20 7946 0958", "+442079460958"),
    ],
)
def test_phone_numbers_become_e164(typed: str, e164: str) -> None:
    assert phone_to_e164(typed) == e164


@pytest.mark.parametrize(
    "typed", ["12", "06 12 34 56", "+33 6 12 34 56 78 90", "0612345678x", "+0612345678", "call me"]
)
def test_non_numbers_are_refused_without_echo(typed: str) -> None:
    with pytest.raises(ValueError, match="not a phone number") as caught:
        phone_to_e164(typed)
    assert typed not in str(caught.value)


def test_email_domain_is_lowercased_and_local_part_kept() -> None:
    assert email_address(" Jean.Dupont@Example.FR ") == "Jean.Dupont@example.fr"


@pytest.mark.parametrize(
    "typed",
    [
        "no-at-sign",
        "a@b",
        "a@@b.fr",
        '"quoted"@example.fr',
        "a@[127.0.0.1]",
        "x" * 65 + "@a.fr",
        "a@example.fr\r\nBcc: x@y.fr",
    ],
)
def test_bad_emails_are_refused(typed: str) -> None:
    with pytest.raises(ValueError, match="not an e-mail address"):
        email_address(typed)


def test_clean_text_normalises_to_nfc_and_trims() -> None:
    assert clean_text("  Cafe\u0301 ", multiline=False) == "Café"


def test_status_is_a_tagged_union_the_portal_can_read() -> None:
    adapter: TypeAdapter[SubmissionStatus] = TypeAdapter(SubmissionStatus)
    created = adapter.validate_json(
        '{"id": "8f0c6d2e-3c1f-4b7a-9a51-6f2a0d7f4e11", "status": "created",'
        ' "ticket_number": "CAS-01001-Z3X4", "case_status": "En cours"}'
    )
    assert isinstance(created, CreatedStatus)
    failed = adapter.validate_python(
        {"id": created.id, "status": "failed", "code": "theme_retired", "reason": "Thème retiré"}
    )
    assert isinstance(failed, FailedStatus)
    assert adapter.dump_python(created, mode="json")["ticket_number"] == "CAS-01001-Z3X4"


@pytest.mark.parametrize("multiline", [False, True])
def test_clean_text_refuses_a_lone_surrogate_without_echo(multiline: bool) -> None:
    with pytest.raises(ValueError, match="surrogate") as caught:
        clean_text("Rue de la Paix \udc80", multiline=multiline)
    assert "Paix" not in str(caught.value)


def test_a_lone_surrogate_in_a_claim_is_an_invalid_text_field_error() -> None:
    claims = {"iss": "https://idp.example.fr", "sub": "s", "family_name": "Du\ud83dpont"}
    with pytest.raises(ValidationError) as caught:
        Citizen.from_claims(claims)
    [error] = field_errors(caught.value)
    assert (error.field, error.code) == ("family_name", "invalid_text")
    assert error.message_fr == "Ce texte contient un caractère non valide."


def test_text_errors_name_every_string_and_member_name_that_is_not_text_in_order() -> None:
    document = {
        "subject": "ok",
        "fields": {"taille\ud800": "grand", "couleur": ["bleu", "ve\udfffrt"]},
        "ok": "🙂 a pair of surrogates in JSON is one character, and text",
    }
    assert [(e.field, e.code) for e in text_errors(document)] == [
        ("fields.taille?", "invalid_text"),
        ("fields.couleur.1", "invalid_text"),
    ]
    assert text_errors(["\ud800"] * 500, limit=3) == text_errors(["\ud800"] * 3)
    assert text_errors(json.loads('{"ok": "\\ud83d\\ude42"}')) == []
