"""Create, retrieve, update, upsert and delete, over real HTTP, as Microsoft documents them."""

from __future__ import annotations

import re

from cityzen_connector.emulator import BUSINESS_UNIT_ID, CALLER_ID, subject_id

from .conftest import Api

GUID = "00000000-0000-0000-0000-000000000001"


def _create_contact(api: Api, **extra: object) -> str:
    response = api.post("contacts", {"firstname": "Awa", "lastname": "Diallo", **extra})
    assert response.status_code == 204, response.text
    match = re.search(r"contacts\(([0-9a-f-]{36})\)$", response.headers["OData-EntityId"])
    assert match
    return match.group(1)


def test_create_answers_204_with_the_entity_id_header(api: Api) -> None:
    response = api.post("contacts", {"firstname": "Awa", "lastname": "Diallo"})
    assert response.status_code == 204
    assert response.headers["OData-Version"] == "4.0"
    assert response.headers["OData-EntityId"].startswith(api.root + "contacts(")
    assert response.content == b""


def test_create_with_return_representation_answers_201_and_system_columns(api: Api) -> None:
    response = api.post(
        "contacts?$select=fullname,createdon,statecode,statuscode,_ownerid_value",
        {"firstname": "Awa", "lastname": "Diallo"},
        headers={"Prefer": "return=representation"},
    )
    assert response.status_code == 201
    assert response.headers["Preference-Applied"] == "return=representation"
    body = response.json()
    assert body["fullname"] == "Awa Diallo"
    assert body["createdon"] == "2026-03-02T09:00:00Z"
    assert (body["statecode"], body["statuscode"]) == (0, 1)
    assert body["_ownerid_value"] == CALLER_ID
    assert body["@odata.etag"] == response.headers["ETag"]


def test_incident_gets_a_case_number_and_owning_business_unit(api: Api) -> None:
    contact = _create_contact(api)
    response = api.post(
        "incidents",
        {
            "title": "Nid-de-poule rue de la Paix",
            "customerid_contact@odata.bind": f"/contacts({contact})",
            "subjectid@odata.bind": f"subjects({subject_id('Propreté et voirie')})",
        },
        headers={"Prefer": "return=representation"},
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert re.fullmatch(r"CAS-\d{5}-[A-Z0-9]{6}", body["ticketnumber"])
    assert body["_customerid_value"] == contact
    assert body["_owningbusinessunit_value"] == BUSINESS_UNIT_ID
    assert body["prioritycode"] == 2


def test_incident_without_customer_is_refused(api: Api) -> None:
    response = api.post("incidents", {"title": "Sans demandeur"})
    assert response.status_code == 400
    assert response.json()["error"]["message"] == "You should specify a parent contact or account."
    assert api.get("incidents").json()["value"] == []


def test_caller_supplied_primary_key_is_honoured_and_a_second_create_fails(api: Api) -> None:
    assert api.post("contacts", {"contactid": GUID, "lastname": "A"}).status_code == 204
    assert api.get(f"contacts({GUID})").json()["lastname"] == "A"
    again = api.post("contacts", {"contactid": GUID, "lastname": "B"})
    assert again.status_code == 412
    assert again.json()["error"]["code"] == "0x80040237"
    assert api.get(f"contacts({GUID})").json()["lastname"] == "A"


def test_retrieve_missing_record_is_404_with_documented_message(api: Api) -> None:
    response = api.get(f"contacts({GUID})")
    assert response.status_code == 404
    assert response.json() == {
        "error": {"code": "0x80040217", "message": f"contact With Id = {GUID} Does Not Exist"}
    }


def test_unknown_entity_set_is_resource_not_found_for_the_segment(api: Api) -> None:
    response = api.get("Contact")
    assert response.status_code == 404
    assert response.json()["error"] == {
        "code": "0x8006088a",
        "message": "Resource not found for the segment 'Contact'.",
    }


def test_conditional_retrieve_answers_304_when_unchanged(api: Api) -> None:
    contact = _create_contact(api)
    first = api.get(f"contacts({contact})")
    tag = first.headers["ETag"]
    assert first.json()["@odata.etag"] == tag
    assert api.get(f"contacts({contact})", headers={"If-None-Match": tag}).status_code == 304
    api.patch(f"contacts({contact})", {"lastname": "Sow"})
    assert api.get(f"contacts({contact})", headers={"If-None-Match": tag}).status_code == 200


def test_update_with_stale_etag_is_412_with_empty_code(api: Api) -> None:
    contact = _create_contact(api)
    tag = api.get(f"contacts({contact})").headers["ETag"]
    assert api.patch(f"contacts({contact})", {"lastname": "Sow"}).status_code == 204
    stale = api.patch(f"contacts({contact})", {"lastname": "Ba"}, headers={"If-Match": tag})
    assert stale.status_code == 412
    assert stale.json()["error"] == {
        "code": "",
        "message": "The version of the existing record doesn't match the RowVersion property "
        "provided.",
    }
    assert api.get(f"contacts({contact})").json()["lastname"] == "Sow"


def test_patch_on_missing_id_creates_the_record_upsert(api: Api) -> None:
    response = api.patch(f"contacts({GUID})", {"lastname": "Upserted"})
    assert response.status_code == 204
    assert api.get(f"contacts({GUID})").json()["lastname"] == "Upserted"


def test_if_match_star_prevents_create(api: Api) -> None:
    response = api.patch(f"contacts({GUID})", {"lastname": "X"}, headers={"If-Match": "*"})
    assert response.status_code == 404
    assert response.json()["error"] == {
        "code": "",
        "message": f"contact With Id = {GUID} Does Not Exist",
    }
    assert api.get(f"contacts({GUID})").status_code == 404


def test_if_none_match_star_prevents_update(api: Api) -> None:
    contact = _create_contact(api)
    response = api.patch(f"contacts({contact})", {"lastname": "X"}, headers={"If-None-Match": "*"})
    assert response.status_code == 412
    assert response.json()["error"] == {
        "code": "",
        "message": "A record with matching key values already exists.",
    }
    assert api.get(f"contacts({contact})").json()["lastname"] == "Diallo"


def test_delete_then_delete_again(api: Api) -> None:
    contact = _create_contact(api)
    assert api.delete(f"contacts({contact})").status_code == 204
    again = api.delete(f"contacts({contact})")
    assert again.status_code == 404
    assert again.json()["error"]["code"] == "0x80040217"


def test_delete_with_stale_etag_is_refused(api: Api) -> None:
    contact = _create_contact(api)
    response = api.delete(f"contacts({contact})", headers={"If-Match": 'W/"1"'})
    assert response.status_code == 412
    assert api.get(f"contacts({contact})").status_code == 200


def test_bind_to_a_missing_record_fails_and_creates_nothing(api: Api) -> None:
    response = api.post(
        "incidents", {"title": "T", "customerid_contact@odata.bind": f"/contacts({GUID})"}
    )
    assert response.status_code == 404
    assert response.json()["error"]["message"] == f"contact With Id = {GUID} Does Not Exist"
    assert api.get("incidents").json()["value"] == []


def test_owner_can_be_bound_to_a_team(api: Api) -> None:
    team = api.get("teams?$select=name&$top=1").json()["value"][0]["teamid"]
    contact = _create_contact(api, **{"ownerid@odata.bind": f"/teams({team})"})
    body = api.get(
        f"contacts({contact})?$select=_ownerid_value",
        headers={"Prefer": 'odata.include-annotations="*"'},
    ).json()
    assert body["_ownerid_value"] == team
    assert body["_ownerid_value@Microsoft.Dynamics.CRM.lookuplogicalname"] == "team"


def test_validation_errors_use_documented_codes(api: Api) -> None:
    too_long = api.post("contacts", {"lastname": "x" * 51})
    assert too_long.status_code == 400
    assert too_long.json()["error"]["code"] == "0x80044331"
    assert "maximum allowed length of '50'" in too_long.json()["error"]["message"]
    unknown = api.post("contacts", {"nickname": "Zed"})
    assert unknown.status_code == 400
    assert unknown.json()["error"]["code"] == "0x80048d19"
    assert "The property 'nickname' does not exist" in unknown.json()["error"]["message"]
    bad_choice = api.post(
        "incidents", {"title": "T", "prioritycode": 99, "customerid_contact@odata.bind": "x"}
    )
    assert bad_choice.status_code == 400
    wrong_type = api.post("accounts", {"name": "Mairie", "numberofemployees": "many"})
    assert wrong_type.status_code == 400
    assert "Edm.Int32" in wrong_type.json()["error"]["message"]
    assert api.get("contacts").json()["value"] == []
    assert api.get("accounts").json()["value"] == []
