"""Security roles: the role table (Microsoft Learn, "Security Role (Role) table/entity
reference": roleid, name, businessunitid) and a few seeded roles."""

from __future__ import annotations

from cityzen_connector.emulator import BUSINESS_UNIT_ID, ROLES, role_id

from .conftest import Api


def test_roles_are_seeded_with_their_business_unit(api: Api) -> None:
    body = api.get("roles?$select=name,_businessunitid_value&$orderby=name").json()
    assert [(r["name"], r["_businessunitid_value"]) for r in body["value"]] == [
        (name, BUSINESS_UNIT_ID) for name in sorted(ROLES)
    ]
    assert body["value"][0]["roleid"] == role_id(sorted(ROLES)[0])
