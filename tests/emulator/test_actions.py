"""WhoAmI, CreateMultiple and UpsertMultiple."""

from __future__ import annotations

from cityzen_connector.emulator import BUSINESS_UNIT_ID, CALLER_ID, ORGANIZATION_ID
from cityzen_connector.testing import FakeClock

from .conftest import Api

CONTACT = "Microsoft.Dynamics.CRM.contact"


def test_who_am_i(api: Api) -> None:
    body = api.get("WhoAmI").json()
    assert body["UserId"] == CALLER_ID
    assert body["BusinessUnitId"] == BUSINESS_UNIT_ID
    assert body["OrganizationId"] == ORGANIZATION_ID


def test_create_multiple_returns_ids(api: Api) -> None:
    targets = [{"@odata.type": CONTACT, "lastname": f"N{i}"} for i in range(5)]
    response = api.post("contacts/Microsoft.Dynamics.CRM.CreateMultiple", {"Targets": targets})
    assert response.status_code == 200, response.text
    ids = response.json()["Ids"]
    assert len(ids) == 5
    assert sorted(r["contactid"] for r in api.get("contacts").json()["value"]) == sorted(ids)


def test_create_multiple_is_all_or_nothing(api: Api) -> None:
    targets = [
        {"@odata.type": CONTACT, "lastname": "Ok"},
        {"@odata.type": CONTACT, "lastname": "x" * 99},
    ]
    response = api.post("contacts/Microsoft.Dynamics.CRM.CreateMultiple", {"Targets": targets})
    assert response.status_code == 400
    assert api.get("contacts").json()["value"] == []
    untyped = api.post(
        "contacts/Microsoft.Dynamics.CRM.CreateMultiple", {"Targets": [{"lastname": "A"}]}
    )
    assert untyped.status_code == 400
    empty = api.post("contacts/Microsoft.Dynamics.CRM.CreateMultiple", {"Targets": []})
    assert empty.status_code == 400


def test_upsert_multiple_by_alternate_key(api: Api, clock: FakeClock) -> None:
    api.post(
        "EntityDefinitions(LogicalName='contact')/Attributes",
        {
            "@odata.type": "Microsoft.Dynamics.CRM.StringAttributeMetadata",
            "SchemaName": "cz_IdentityKey",
            "MaxLength": 64,
        },
    )
    api.post(
        "EntityDefinitions(LogicalName='contact')/Keys",
        {"SchemaName": "cz_identitykey_key", "KeyAttributes": ["cz_identitykey"]},
    )
    clock.advance(3)
    first = [
        {"@odata.type": CONTACT, "@odata.id": "contacts(cz_identitykey='a')", "lastname": "A"},
        {"@odata.type": CONTACT, "@odata.id": "contacts(cz_identitykey='b')", "lastname": "B"},
    ]
    url = "contacts/Microsoft.Dynamics.CRM.UpsertMultiple"
    # "The UpsertMultiple action returns 204 NoContent. The UpsertMultipleResponse complex type
    # is not returned." (UpsertMultiple Action reference, Microsoft Learn)
    response = api.post(url, {"Targets": first})
    assert (response.status_code, response.content) == (204, b"")
    ids = [r["contactid"] for r in api.get("contacts?$orderby=cz_identitykey").json()["value"]]
    again = [{**first[0], "lastname": "A2"}]
    assert api.post(url, {"Targets": again}).status_code == 204
    assert [
        r["contactid"] for r in api.get("contacts?$orderby=cz_identitykey").json()["value"]
    ] == ids
    rows = api.get("contacts?$select=lastname,cz_identitykey&$orderby=cz_identitykey").json()
    assert [(r["cz_identitykey"], r["lastname"]) for r in rows["value"]] == [
        ("a", "A2"),
        ("b", "B"),
    ]
