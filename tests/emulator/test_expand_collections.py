"""``$expand`` of collection-valued navigation properties.

"Join tables using OData" (Microsoft Learn): a single-level expand of a collection on an entity
set takes ``$select``, ``$filter``, ``$orderby`` and ``$top``; each row gets
``<property>@odata.nextLink``, "a URL that represents the filtered collection for the
relationship with your query options appended", and the expanded rows of a one-to-many
relationship carry the lookup to their parent (``_regardingobjectid_value`` in the example).
"Retrieve a table row using the Web API": expanding one row returns the related rows alone.
"""

from __future__ import annotations

import re

import pytest
import requests

from cityzen_connector.emulator import role_id, team_id

from .conftest import Api


def _id(response: requests.Response) -> str:
    match = re.search(r"\(([0-9a-f-]{36})\)$", response.headers["OData-EntityId"])
    assert match, response.text
    return match.group(1)


@pytest.fixture
def mairie(api: Api) -> tuple[Api, str, list[str]]:
    account = _id(api.post("accounts", {"name": "Mairie"}))
    people = [
        _id(
            api.post(
                "contacts",
                {"lastname": name, "parentcustomerid_account@odata.bind": f"accounts({account})"},
            )
        )
        for name in ("Diallo", "Ndiaye", "Écrivain")
    ]
    api.post("accounts", {"name": "Vide"})
    return api, account, people


def test_expand_one_to_many_on_an_entity_set(mairie: tuple[Api, str, list[str]]) -> None:
    api, account, people = mairie
    response = api.get(
        "accounts?$select=name&$orderby=name"
        "&$expand=contact_customer_accounts($select=lastname;$orderby=lastname)"
    )
    assert response.status_code == 200, response.text
    first, empty = response.json()["value"]
    assert [c["lastname"] for c in first["contact_customer_accounts"]] == [
        "Diallo",
        "Écrivain",
        "Ndiaye",
    ]
    assert first["contact_customer_accounts"][0] == {
        "@odata.etag": first["contact_customer_accounts"][0]["@odata.etag"],
        "lastname": "Diallo",
        "_parentcustomerid_value": account,
        "contactid": people[0],
    }
    assert first["contact_customer_accounts@odata.nextLink"] == (
        f"{api.root}accounts({account})/contact_customer_accounts"
        "?$select=lastname&$orderby=lastname"
    )
    assert empty["contact_customer_accounts"] == []
    follow = api.session.get(first["contact_customer_accounts@odata.nextLink"], timeout=10)
    assert [c["lastname"] for c in follow.json()["value"]] == ["Diallo", "Écrivain", "Ndiaye"]


def test_expand_options_filter_and_top(mairie: tuple[Api, str, list[str]]) -> None:
    api, account, _ = mairie
    response = api.get(
        f"accounts({account})?$select=name&$expand=contact_customer_accounts("
        "$select=lastname;$filter=lastname ne 'diallo';$orderby=lastname desc;$top=1)"
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert [c["lastname"] for c in body["contact_customer_accounts"]] == ["Ndiaye"]
    assert "contact_customer_accounts@odata.nextLink" not in body  # one row: rows alone


def test_expand_many_to_many(api: Api) -> None:
    team = team_id("Voirie")
    for role in ("Basic User", "Customer Service Representative"):
        reference = {"@odata.id": f"{api.root}roles({role_id(role)})"}
        assert api.post(f"teams({team})/teamroles_association/$ref", reference).status_code == 204
    body = api.get(f"teams({team})?$select=name&$expand=teamroles_association($select=name)").json()
    assert sorted(r["name"] for r in body["teamroles_association"]) == [
        "Basic User",
        "Customer Service Representative",
    ]
    back = api.get(
        f"roles({role_id('Basic User')})?$expand=teamroles_association($select=name)"
    ).json()
    assert [t["name"] for t in back["teamroles_association"]] == ["Voirie"]


@pytest.mark.parametrize(
    ("expand", "message"),
    [
        (
            "contact_customer_accounts($select=lastname;$expand=owninguser)",
            "does not emulate a nested $expand",
        ),
        ("contact_customer_accounts($count=true)", "not supported inside $expand"),
        (
            "contact_customer_accounts/$ref",
            "Expand with $ref is only supported on lookup type navigation property.",
        ),
        (
            "primarycontactid($select=fullname;$top=1)",
            "Only $select and $filter clause can be provided while doing $expand on "
            "many-to-one relationship or nested one-to-many relationship.",
        ),
        ("primarycontactid($filter=lastname eq 'x')", "does not emulate $filter inside"),
        ("primarycontactid/$ref", "does not emulate $expand=primarycontactid/$ref"),
    ],
)
def test_expansions_not_emulated_are_refused_by_name(api: Api, expand: str, message: str) -> None:
    response = api.get("accounts?$expand=" + expand)
    assert response.status_code == 400
    assert message in response.json()["error"]["message"]
