"""Group teams and security: what an agents' access model reconciles is emulated as data; what
security roles grant is refused by name.

"Team table/entity reference" (Microsoft Learn): ``teamtype`` 2 AAD Security Group, 3 AAD
Office Group; ``membershiptype`` 0 Members and guests, 1 Members, 2 Owners, 3 Guests;
``administratorid`` a lookup to systemuser. "Work with Microsoft Entra ID group teams": a group
team is created by ``POST teams`` with the group's object id and membership type; addressed by
``azureactivedirectoryobjectid`` Dataverse creates it just in time, which the emulator cannot.
"""

from __future__ import annotations

import pytest

from cityzen_connector.emulator import BUSINESS_UNIT_ID, CALLER_ID, role_id

from .conftest import Api

GROUP = "5b1f0e52-8a3d-4c47-9f0e-2d6c1b7a9e31"
TEAM = "00000000-0000-0000-0000-000000000001"


def _group_team(api: Api, membership: int = 1) -> str:
    response = api.post(
        "teams",
        {
            "name": "Voirie (Entra ID)",
            "teamtype": 2,
            "azureactivedirectoryobjectid": GROUP,
            "membershiptype": membership,
            "businessunitid@odata.bind": f"businessunits({BUSINESS_UNIT_ID})",
            "administratorid@odata.bind": f"systemusers({CALLER_ID})",
        },
        headers={"Prefer": "return=representation"},
    )
    assert response.status_code == 201, response.text
    return str(response.json()["teamid"])


def test_a_group_team_keeps_its_type_group_membership_type_and_administrator(api: Api) -> None:
    team = _group_team(api, membership=1)
    body = api.get(
        f"teams({team})?$select=teamtype,azureactivedirectoryobjectid,membershiptype,"
        "_administratorid_value,_businessunitid_value",
        headers={"Prefer": 'odata.include-annotations="OData.Community.Display.V1.FormattedValue"'},
    ).json()
    assert body["teamtype"] == 2
    assert body["teamtype@OData.Community.Display.V1.FormattedValue"] == "AAD Security Group"
    assert body["azureactivedirectoryobjectid"] == GROUP
    assert body["membershiptype"] == 1
    assert body["membershiptype@OData.Community.Display.V1.FormattedValue"] == "Members"
    assert body["_administratorid_value"] == CALLER_ID
    assert body["_businessunitid_value"] == BUSINESS_UNIT_ID


def test_membership_type_defaults_to_members_and_guests_and_is_a_choice(api: Api) -> None:
    created = api.post(
        "teams",
        {"name": "Sans type", "teamtype": 2, "azureactivedirectoryobjectid": GROUP},
        headers={"Prefer": "return=representation"},
    )
    assert created.json()["membershiptype"] == 0
    bad = api.post("teams", {"name": "Hors liste", "membershiptype": 7})
    assert bad.status_code == 400


def test_group_teams_are_found_by_object_id_and_membership_type(api: Api) -> None:
    team = _group_team(api, membership=1)
    found = api.get(
        f"teams?$select=teamid&$filter=azureactivedirectoryobjectid eq {GROUP}"
        " and membershiptype eq 1 and teamtype eq 2"
    ).json()["value"]
    assert [row["teamid"] for row in found] == [team]


def test_a_role_is_granted_to_a_group_team_through_ref(api: Api) -> None:
    team = _group_team(api)
    role = role_id("Customer Service Representative")
    granted = api.post(
        f"teams({team})/teamroles_association/$ref", {"@odata.id": f"{api.root}roles({role})"}
    )
    assert granted.status_code == 204
    roles = api.get(f"teams({team})/teamroles_association?$select=name").json()["value"]
    assert [r["name"] for r in roles] == ["Customer Service Representative"]


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "RetrieveAadUserRoles(DirectoryObjectId=@p)?@p=" + GROUP),
        ("GET", "RetrieveAadUserPrivileges(DirectoryObjectId=@p)?@p=" + GROUP),
        ("POST", f"roles({role_id('Basic User')})/Microsoft.Dynamics.CRM.AddPrivilegesRole"),
        ("GET", f"roles({role_id('Basic User')})/roleprivileges_association"),
        ("POST", f"teams({TEAM})/Microsoft.Dynamics.CRM.AddMembersTeam"),
        ("POST", f"teams({TEAM})/Microsoft.Dynamics.CRM.SyncGroupMembersToTeam"),
    ],
)
def test_security_messages_are_refused_by_name(api: Api, method: str, path: str) -> None:
    response = api.session.request(method, api.url(path), json={}, timeout=10)
    assert response.status_code == 400, response.text
    message = response.json()["error"]["message"]
    assert message.startswith("The Dataverse emulator does not emulate")
    assert "Microsoft Learn" in message


@pytest.mark.parametrize(
    "path",
    [
        f"teams(azureactivedirectoryobjectid={GROUP},membershiptype=0)",
        f"systemusers(azureactivedirectoryobjectid={GROUP})",
    ],
)
def test_just_in_time_addressing_by_object_id_is_refused_by_name(api: Api, path: str) -> None:
    response = api.get(path)
    assert response.status_code == 400, response.text
    message = response.json()["error"]["message"]
    assert "just-in-time" in message
    assert "Work with Microsoft Entra ID group teams" in message
