"""A French organisation's collation: text compares case- and accent-insensitively.

"Language collations" (Microsoft Learn, power-platform/admin/language-collations): "1036 French
(France) _CI_AI"; _CI: "Cafe" and "cafe" are the same word, _AI: "cafe" and "café" are the
same word. "Filter rows using OData": "All filters using string values are case insensitive".
"Work with alternate keys": "Alternate keys use database indexes to enforce uniqueness".
"""

from __future__ import annotations

from urllib.parse import quote

import pytest

from cityzen_connector.testing import FakeClock

from .conftest import Api

STRING = "Microsoft.Dynamics.CRM.StringAttributeMetadata"


def _contacts(api: Api, expression: str, order: str = "lastname") -> list[str]:
    response = api.get(f"contacts?$select=firstname&$orderby={order}&$filter=" + quote(expression))
    assert response.status_code == 200, response.text
    return [row["firstname"] for row in response.json()["value"]]


@pytest.fixture
def people(api: Api) -> Api:
    for first, last in (
        ("Zoé", "Aubry"),
        ("Zoe", "Bernard"),
        ("Hélène", "Côté"),
        ("Élodie", "Dupont"),
    ):
        assert api.post("contacts", {"firstname": first, "lastname": last}).status_code == 204
    return api


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("firstname eq 'ZOE'", ["Zoé", "Zoe"]),
        ("firstname eq 'zoé'", ["Zoé", "Zoe"]),
        ("firstname ne 'ZOE'", ["Hélène", "Élodie"]),
        ("lastname eq 'COTE'", ["Hélène"]),
        ("firstname lt 'f'", ["Élodie"]),  # É sorts as E, before F
        ("firstname ge 'HELENE'", ["Zoé", "Zoe", "Hélène"]),
        ("contains(firstname,'LEN')", ["Hélène"]),
        ("startswith(firstname,'ELO')", ["Élodie"]),
        ("endswith(lastname,'TE')", ["Hélène"]),
        ("not contains(firstname,'Ô')", ["Hélène"]),  # Ô matches the o of Zoé, Zoe, Élodie
    ],
)
def test_filters_ignore_case_and_accents(people: Api, expression: str, expected: list[str]) -> None:
    assert _contacts(people, expression) == expected


def test_navigation_path_filters_use_the_collation(people: Api) -> None:
    contact = people.get("contacts?$select=contactid&$filter=lastname eq 'Côté'").json()
    contact_id = contact["value"][0]["contactid"]
    bound = people.post(
        "accounts", {"name": "Mairie", "primarycontactid@odata.bind": f"contacts({contact_id})"}
    )
    assert bound.status_code == 204
    names = people.get(
        "accounts?$select=name&$filter=" + quote("primarycontactid/lastname eq 'cote'")
    )
    assert [a["name"] for a in names.json()["value"]] == ["Mairie"]


def test_orderby_sorts_accented_letters_with_their_base_letter(people: Api) -> None:
    # Zoé and Zoe tie under the collation: lastname decides (Aubry, Bernard).
    assert _contacts(people, "lastname ne null", order="firstname,lastname") == [
        "Élodie",
        "Hélène",
        "Zoé",
        "Zoe",
    ]


def _identity_key(api: Api, clock: FakeClock) -> None:
    column = api.post(
        "EntityDefinitions(LogicalName='contact')/Attributes",
        {"@odata.type": STRING, "SchemaName": "cz_IdentityKey", "MaxLength": 64},
    )
    assert column.status_code == 204, column.text
    key = api.post(
        "EntityDefinitions(LogicalName='contact')/Keys",
        {"SchemaName": "cz_identitykey_key", "KeyAttributes": ["cz_identitykey"]},
    )
    assert key.status_code == 204, key.text
    clock.advance(3)


def test_upsert_with_the_key_in_another_case_updates_the_same_row(
    api: Api, clock: FakeClock
) -> None:
    _identity_key(api, clock)
    assert api.patch("contacts(cz_identitykey='K-ABC')", {"lastname": "Aubry"}).status_code == 204
    again = api.patch("contacts(cz_identitykey='k-abc')", {"firstname": "Zoé"})
    assert again.status_code == 204
    rows = api.get("contacts?$select=fullname,cz_identitykey").json()["value"]
    assert [(r["fullname"], r["cz_identitykey"]) for r in rows] == [("Zoé Aubry", "K-ABC")]
    assert api.get("contacts(cz_identitykey='k-ÀBC')").json()["lastname"] == "Aubry"


def test_create_with_the_key_in_another_case_is_a_duplicate_key(api: Api, clock: FakeClock) -> None:
    _identity_key(api, clock)
    assert api.post("contacts", {"lastname": "A", "cz_identitykey": "Hélène-1"}).status_code == 204
    clash = api.post("contacts", {"lastname": "B", "cz_identitykey": "HELENE-1"})
    assert clash.status_code == 412
    assert clash.json()["error"]["code"] == "0x80060892"
    assert len(api.get("contacts").json()["value"]) == 1


def test_key_over_values_differing_only_by_case_fails_to_activate(
    api: Api, clock: FakeClock
) -> None:
    api.post(
        "EntityDefinitions(LogicalName='account')/Attributes",
        {"@odata.type": STRING, "SchemaName": "cz_Code", "MaxLength": 14},
    )
    api.post("accounts", {"name": "A", "cz_code": "abc"})
    api.post("accounts", {"name": "B", "cz_code": "ÀBC"})
    api.post(
        "EntityDefinitions(LogicalName='account')/Keys",
        {"SchemaName": "cz_code_key", "KeyAttributes": ["cz_code"]},
    )
    clock.advance(3)
    key = api.get("EntityDefinitions(LogicalName='account')/Keys(LogicalName='cz_code_key')")
    assert key.json()["EntityKeyIndexStatus"] == "Failed"
