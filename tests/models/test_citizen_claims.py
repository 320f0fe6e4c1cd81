"""Building a citizen from verified OpenID Connect claims (FranceConnect v2 userinfo shape)."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from cityzen_connector.models import PIVOT_FIELDS, Citizen, Submission

FC_CLAIMS = {
    "iss": "https://fcp-low.sbx.dev-franceconnect.fr/api/v2",
    "sub": "4abd71ec1f581dce2ea2221cbeac7c973c6aea7bcb835acdfe7d6494f1528060",
    "aud": "client-id",
    "exp": 1753877658,
    "acr": "eidas1",
    "given_name": "Angela Claire Louise",
    "given_name_array": ["Angela", "Claire", "Louise"],
    "family_name": "DUBOIS",
    "birthdate": "1962-08-24",
    "gender": "female",
    "birthplace": "75107",
    "birthcountry": "99100",
    "email": "angela@dubois.fr",
}
FC_CERTIFIED = (*PIVOT_FIELDS, "preferred_username", "email")


def test_franceconnect_claims_give_a_certified_pivot() -> None:
    citizen = Citizen.from_claims(FC_CLAIMS, certified=FC_CERTIFIED)
    assert citizen.issuer == FC_CLAIMS["iss"]
    assert citizen.eidas_level == "eidas1"
    assert citizen.has_certified_pivot
    # preferred_username was not sent: it cannot be certified.
    assert "preferred_username" not in citizen.certified
    assert citizen.is_certified("email")


def test_born_abroad_has_an_empty_birthplace_and_still_a_pivot() -> None:
    claims = {**FC_CLAIMS, "birthplace": "", "birthcountry": "99131"}
    citizen = Citizen.from_claims(claims, certified=FC_CERTIFIED)
    assert citizen.birthplace == ""
    assert citizen.has_certified_pivot


def test_another_issuer_with_nothing_certified() -> None:
    citizen = Citizen.from_claims(
        {"iss": "https://login.example-city.fr", "sub": "u1", "phone_number": "0612345678"}
    )
    assert citizen.phone == "+33612345678"
    assert citizen.certified == frozenset()
    assert not citizen.has_certified_pivot


@pytest.mark.parametrize(
    "claims",
    [
        {"sub": "x"},
        {"iss": "https://a.example", "sub": ""},
        {**FC_CLAIMS, "birthdate": "1962-13-40"},
        {**FC_CLAIMS, "gender": "unknown"},
        {**FC_CLAIMS, "email": "not an address"},
    ],
)
def test_bad_claims_are_refused_without_echo(claims: dict[str, object]) -> None:
    with pytest.raises(ValidationError) as caught:
        Citizen.from_claims(claims, certified=FC_CERTIFIED)
    assert "not an address" not in str(caught.value)
    assert "1962-13-40" not in str(caught.value)


def test_models_produce_a_json_schema_for_openapi() -> None:
    schema = Submission.model_json_schema()
    assert schema["additionalProperties"] is False
    assert schema["properties"]["subject"]["maxLength"] == 200
    assert schema["examples"][0]["theme"] == "voirie"
