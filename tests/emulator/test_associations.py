"""``$ref``: associate and disassociate rows, and the collections they form.

"Associate and disassociate table rows using the Web API" (Microsoft Learn):
``POST …/<collection>/$ref`` with ``{"@odata.id": "<row URL>"}`` answers ``204 No Content``;
``DELETE …/<collection>/$ref?$id=<row URL>`` or ``DELETE …/<collection>(<id>)/$ref`` too;
``PUT``/``DELETE …/<lookup>/$ref`` set and clear a single-valued navigation property; a
single-valued navigation property set to ``null`` in a ``PATCH`` clears it. "Retrieve a table
row using the Web API": ``GET …/<collection>/$ref`` answers ``$metadata#Collection($ref)``.
"""

from __future__ import annotations

import re

import requests

from cityzen_connector.emulator import BUSINESS_UNIT_ID, ROLES, role_id, team_id

from .conftest import Api

AAD = "0b4e3c9a-1d2f-4e5a-8b7c-6d5e4f3a2b1c"


def _id(response: requests.Response) -> str:
    match = re.search(r"\(([0-9a-f-]{36})\)$", response.headers["OData-EntityId"])
    assert match, response.text
    return match.group(1)


def _user(api: Api, name: str) -> str:
    body = {
        "lastname": name,
        "azureactivedirectoryobjectid": AAD,
        "isdisabled": False,
        "businessunitid@odata.bind": f"businessunits({BUSINESS_UNIT_ID})",
    }
    return _id(api.post("systemusers", body))


def _members(api: Api, team: str) -> list[str]:
    response = api.get(
        f"teams({team})/teammembership_association?$select=lastname&$orderby=lastname"
    )
    assert response.status_code == 200, response.text
    return [u["lastname"] for u in response.json()["value"]]


def test_roles_are_seeded_with_their_business_unit(api: Api) -> None:
    body = api.get("roles?$select=name,_businessunitid_value&$orderby=name").json()
    assert [(r["name"], r["_businessunitid_value"]) for r in body["value"]] == [
        (name, BUSINESS_UNIT_ID) for name in sorted(ROLES)
    ]
    assert body["value"][0]["roleid"] == role_id(sorted(ROLES)[0])


def test_associate_then_list_members_then_references(api: Api) -> None:
    team, user = team_id("Voirie"), _user(api, "Sow")
    response = api.post(
        f"teams({team})/teammembership_association/$ref",
        {"@odata.id": f"{api.root}systemusers({user})"},
    )
    assert response.status_code == 204
    assert response.content == b""
    assert _members(api, team) == ["Sow"]
    refs = api.get(f"teams({team})/teammembership_association/$ref")
    assert refs.json() == {
        "@odata.context": f"{api.root}$metadata#Collection($ref)",
        "value": [{"@odata.id": f"{api.root}systemusers({user})"}],
    }
    # The same relationship seen from the user: one intersect table, both directions.
    teams = api.get(f"systemusers({user})/teammembership_association?$select=name").json()
    assert [t["name"] for t in teams["value"]] == ["Voirie"]


def test_associating_twice_is_a_duplicate_key(api: Api) -> None:
    team, user = team_id("Voirie"), _user(api, "Sow")
    url = f"teams({team})/teammembership_association/$ref"
    assert api.post(url, {"@odata.id": f"systemusers({user})"}).status_code == 204
    again = api.post(url, {"@odata.id": f"systemusers({user})"})
    assert again.status_code == 412
    assert again.json()["error"] == {
        "code": "0x80040237",
        "message": "Cannot insert duplicate key.",
    }


def test_disassociate_by_key_and_by_id_option(api: Api) -> None:
    team = team_id("Voirie")
    first, second = _user(api, "Ba"), _user(api, "Cissé")
    for user in (first, second):
        api.post(
            f"teams({team})/teammembership_association/$ref",
            {"@odata.id": f"{api.root}systemusers({user})"},
        )
    by_key = api.delete(f"teams({team})/teammembership_association({first})/$ref")
    assert by_key.status_code == 204
    assert _members(api, team) == ["Cissé"]
    by_id = api.delete(
        f"teams({team})/teammembership_association/$ref?$id={api.root}systemusers({second})"
    )
    assert by_id.status_code == 204
    assert _members(api, team) == []
    gone = api.delete(f"teams({team})/teammembership_association({first})/$ref")
    assert gone.status_code == 404


def test_references_to_missing_or_foreign_rows_are_refused(api: Api) -> None:
    team = team_id("Voirie")
    url = f"teams({team})/teammembership_association/$ref"
    missing = api.post(url, {"@odata.id": "systemusers(00000000-0000-0000-0000-0000000000aa)"})
    assert missing.status_code == 404
    wrong_table = api.post(url, {"@odata.id": f"roles({role_id('Basic User')})"})
    assert wrong_table.status_code == 400
    no_parent = api.post(
        "teams(00000000-0000-0000-0000-0000000000bb)/teammembership_association/$ref",
        {"@odata.id": f"systemusers({_user(api, 'Sy')})"},
    )
    assert no_parent.status_code == 404
    assert api.post(url, {}).status_code == 400


def test_user_and_team_roles(api: Api) -> None:
    user, team = _user(api, "Sow"), team_id("Population")
    role = {"@odata.id": f"{api.root}roles({role_id('Customer Service Representative')})"}
    assert (
        api.post(f"systemusers({user})/systemuserroles_association/$ref", role).status_code == 204
    )
    assert api.post(f"teams({team})/teamroles_association/$ref", role).status_code == 204
    roles = api.get(f"systemusers({user})/systemuserroles_association?$select=name").json()
    assert [r["name"] for r in roles["value"]] == ["Customer Service Representative"]
    holders = api.get(
        f"roles({role_id('Customer Service Representative')})/teamroles_association?$select=name"
    ).json()
    assert [t["name"] for t in holders["value"]] == ["Population"]


def test_deleting_a_row_removes_its_associations(api: Api) -> None:
    team, user = team_id("Voirie"), _user(api, "Sow")
    api.post(
        f"teams({team})/teammembership_association/$ref", {"@odata.id": f"systemusers({user})"}
    )
    assert api.delete(f"systemusers({user})").status_code == 204
    assert _members(api, team) == []


def test_one_to_many_ref_sets_and_clears_the_lookup(api: Api) -> None:
    account = _id(api.post("accounts", {"name": "Mairie"}))
    contact = _id(api.post("contacts", {"lastname": "Diallo"}))
    url = f"accounts({account})/contact_customer_accounts"
    assert api.post(url + "/$ref", {"@odata.id": f"contacts({contact})"}).status_code == 204
    row = api.get(f"contacts({contact})?$select=_parentcustomerid_value").json()
    assert row["_parentcustomerid_value"] == account
    assert [c["lastname"] for c in api.get(url + "?$select=lastname").json()["value"]] == ["Diallo"]
    assert api.delete(f"{url}({contact})/$ref").status_code == 204
    row = api.get(f"contacts({contact})?$select=_parentcustomerid_value").json()
    assert row["_parentcustomerid_value"] is None


def test_single_valued_ref_put_and_delete(api: Api) -> None:
    account = _id(api.post("accounts", {"name": "Mairie"}))
    contact = _id(api.post("contacts", {"lastname": "Diallo"}))
    put = api.session.put(
        api.url(f"accounts({account})/primarycontactid/$ref"),
        json={"@odata.id": f"{api.root}contacts({contact})"},
        timeout=10,
    )
    assert put.status_code == 204
    assert api.get(f"accounts({account})").json()["_primarycontactid_value"] == contact
    assert api.delete(f"accounts({account})/primarycontactid/$ref").status_code == 204
    assert api.get(f"accounts({account})").json()["_primarycontactid_value"] is None


def test_patch_with_a_null_navigation_property_clears_the_lookup(api: Api) -> None:
    contact = _id(api.post("contacts", {"lastname": "Diallo"}))
    account = _id(
        api.post(
            "accounts",
            {"name": "Mairie", "primarycontactid@odata.bind": f"contacts({contact})"},
        )
    )
    assert api.patch(f"accounts({account})", {"primarycontactid": None}).status_code == 204
    assert api.get(f"accounts({account})").json()["_primarycontactid_value"] is None


def test_deep_insert_is_refused_by_name(api: Api) -> None:
    single = api.post("accounts", {"name": "Mairie", "primarycontactid": {"lastname": "Diallo"}})
    many = api.post(
        "accounts", {"name": "Mairie", "contact_customer_accounts": [{"lastname": "Diallo"}]}
    )
    for response in (single, many):
        assert response.status_code == 400
        error = response.json()["error"]
        assert error["code"] == "0x80048d19"
        assert "does not emulate deep insert" in error["message"]
    assert api.get("accounts").json()["value"] == []
    assert api.get("contacts").json()["value"] == []


def test_paths_below_a_row_not_emulated_are_refused(api: Api) -> None:
    account = _id(api.post("accounts", {"name": "Mairie"}))
    for path in ("primarycontactid", "name", "contact_customer_accounts/$count"):
        response = api.get(f"accounts({account})/{path}")
        assert response.status_code == 400, path
        assert "does not emulate" in response.json()["error"]["message"]
    assert api.get(f"accounts({account})/nothing").status_code == 404
