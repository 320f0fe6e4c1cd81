"""``UpdateMultiple`` (Microsoft Learn, "Use bulk operation messages" and the "UpdateMultiple
Action" reference): ``POST <set>/Microsoft.Dynamics.CRM.UpdateMultiple`` with ``Targets``,
each with ``@odata.type`` and its primary id, answers ``HTTP/1.1 204 NoContent``; on standard
tables "Any error … causes the entire operation to roll back"; a target naming no row fails
with "Contact With Ids = <guid> Do Not Exist".
"""

from __future__ import annotations

from cityzen_connector.testing import FakeClock

from .conftest import Api

CONTACT = "Microsoft.Dynamics.CRM.contact"
URL = "contacts/Microsoft.Dynamics.CRM.UpdateMultiple"
MISSING = "00000000-0000-0000-0000-0000000000ff"


def _create(api: Api, *names: str) -> list[str]:
    targets = [{"@odata.type": CONTACT, "lastname": n} for n in names]
    response = api.post("contacts/Microsoft.Dynamics.CRM.CreateMultiple", {"Targets": targets})
    assert response.status_code == 200, response.text
    return list(response.json()["Ids"])


def _lastnames(api: Api) -> list[str]:
    rows = api.get("contacts?$select=lastname&$orderby=lastname").json()["value"]
    return [r["lastname"] for r in rows]


def test_update_multiple_answers_204_and_updates_every_target(api: Api) -> None:
    ids = _create(api, "A", "B")
    targets = [
        {"@odata.type": CONTACT, "contactid": ids[0], "lastname": "A2"},
        {"@odata.type": CONTACT, "contactid": ids[1], "firstname": "Binta"},
    ]
    response = api.post(URL, {"Targets": targets})
    assert response.status_code == 204, response.text
    assert response.content == b""
    assert _lastnames(api) == ["A2", "B"]
    assert api.get(f"contacts({ids[1]})").json()["fullname"] == "Binta B"


def test_one_missing_row_rolls_the_whole_request_back(api: Api) -> None:
    ids = _create(api, "A")
    targets = [
        {"@odata.type": CONTACT, "contactid": ids[0], "lastname": "A2"},
        {"@odata.type": CONTACT, "contactid": MISSING, "lastname": "X"},
    ]
    response = api.post(URL, {"Targets": targets})
    assert response.status_code == 404
    assert response.json()["error"] == {
        "code": "0x80040217",
        "message": f"Contact With Ids = {MISSING} Do Not Exist",
    }
    assert _lastnames(api) == ["A"]


def test_targets_need_their_type_and_a_row(api: Api) -> None:
    ids = _create(api, "A")
    untyped = api.post(URL, {"Targets": [{"contactid": ids[0], "lastname": "B"}]})
    assert untyped.status_code == 400
    anonymous = api.post(URL, {"Targets": [{"@odata.type": CONTACT, "lastname": "B"}]})
    assert anonymous.status_code == 400
    assert _lastnames(api) == ["A"]


def test_update_multiple_by_alternate_key(api: Api, clock: FakeClock) -> None:
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
    api.post("contacts", {"lastname": "A", "cz_identitykey": "k1"})
    target = {"@odata.type": CONTACT, "@odata.id": "contacts(cz_identitykey='K1')", "lastname": "Z"}
    assert api.post(URL, {"Targets": [target]}).status_code == 204
    assert _lastnames(api) == ["Z"]
    unknown = {**target, "@odata.id": "contacts(cz_identitykey='k2')"}
    assert api.post(URL, {"Targets": [unknown]}).status_code == 404
    assert _lastnames(api) == ["Z"]
