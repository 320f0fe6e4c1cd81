"""Impersonation with ``CallerObjectId`` (Microsoft Learn, "Impersonate another user using the
Web API"): rows are created by and owned by the impersonated user, ``createdonbehalfby``
names the application that called, ``WhoAmI`` answers the impersonated user."""

from __future__ import annotations

import re
from typing import Any

from cityzen_connector.emulator import (
    BUSINESS_UNIT_ID,
    CALLER_ID,
    CALLER_OBJECT_ID,
    agent_id,
    agent_object_id,
    team_id,
)

from .conftest import Api

AGNES = agent_object_id("agnes.martin")
UNKNOWN = "e39c5d16-675b-48d1-8e67-667427e9c084"  # the object id of Learn's example


def _created_id(response: Any) -> str:
    assert response.status_code == 204, response.text
    match = re.search(r"\(([0-9a-f-]{36})\)$", response.headers["OData-EntityId"])
    assert match
    return match.group(1)


def test_a_row_created_under_impersonation_is_created_and_owned_by_that_user(api: Api) -> None:
    # Learn: "POST [Organization URI]/api/data/v9.0/accounts" with "CallerObjectId:
    # e39c5d16-…" answers "HTTP/1.1 204 No Content"; the account's createdby and owninguser
    # are the impersonated user, createdonbehalfby "the user who actually performed the
    # operation".
    response = api.post(
        "accounts",
        {"name": "Sample Account created using impersonation"},
        headers={"CallerObjectId": AGNES},
    )
    account = _created_id(response)
    body = api.get(
        f"accounts({account})?$select=name,_ownerid_value,_createdby_value,"
        "_createdonbehalfby_value,_modifiedby_value"
        "&$expand=createdby($select=fullname,azureactivedirectoryobjectid),"
        "createdonbehalfby($select=fullname,azureactivedirectoryobjectid)"
    ).json()
    agnes = agent_id("agnes.martin")
    assert body["_ownerid_value"] == agnes
    assert body["_createdby_value"] == agnes
    assert body["_modifiedby_value"] == agnes
    assert body["_createdonbehalfby_value"] == CALLER_ID
    assert body["createdby"]["fullname"] == "Agnès Martin"
    assert body["createdby"]["azureactivedirectoryobjectid"] == AGNES
    assert body["createdonbehalfby"]["fullname"] == "CityZen Connecteur"
    assert body["createdonbehalfby"]["azureactivedirectoryobjectid"] == CALLER_OBJECT_ID


def test_without_impersonation_the_application_user_creates_on_nobodys_behalf(api: Api) -> None:
    account = _created_id(api.post("accounts", {"name": "Mairie"}))
    body = api.get(f"accounts({account})?$select=_createdby_value,_createdonbehalfby_value").json()
    assert body["_createdby_value"] == CALLER_ID
    assert body["_createdonbehalfby_value"] is None


def test_naming_the_caller_itself_is_no_impersonation(api: Api) -> None:
    # MicrosoftDocs/powerapps-docs issue #2088 (the page's author): "If the actual caller is
    # the same as the CallerObjectId header value being set for impersonation, no
    # impersonation takes place and the values for createdonbehalfby or modifiedonbehalfby
    # will be null".
    response = api.post(
        "accounts", {"name": "Mairie"}, headers={"CallerObjectId": CALLER_OBJECT_ID}
    )
    body = api.get(
        f"accounts({_created_id(response)})?$select=_createdby_value,_createdonbehalfby_value"
    ).json()
    assert (body["_createdby_value"], body["_createdonbehalfby_value"]) == (CALLER_ID, None)


def test_an_update_under_impersonation_records_who_modified_on_whose_behalf(api: Api) -> None:
    account = _created_id(api.post("accounts", {"name": "Mairie"}))
    bruno = agent_object_id("bruno.lefevre")
    patched = api.patch(
        f"accounts({account})", {"name": "Hôtel de ville"}, headers={"CallerObjectId": bruno}
    )
    assert patched.status_code == 204
    body = api.get(
        f"accounts({account})?$select=_createdby_value,_modifiedby_value,"
        "_modifiedonbehalfby_value,_ownerid_value"
    ).json()
    assert body["_createdby_value"] == CALLER_ID
    assert body["_ownerid_value"] == CALLER_ID  # an update does not reassign
    assert body["_modifiedby_value"] == agent_id("bruno.lefevre")
    assert body["_modifiedonbehalfby_value"] == CALLER_ID


def test_who_am_i_answers_the_impersonated_user(api: Api) -> None:
    body = api.get("WhoAmI", headers={"CallerObjectId": AGNES}).json()
    assert body["UserId"] == agent_id("agnes.martin")
    assert body["BusinessUnitId"] == BUSINESS_UNIT_ID


def test_an_object_id_of_no_user_is_refused(api: Api) -> None:
    response = api.post("accounts", {"name": "Mairie"}, headers={"CallerObjectId": UNKNOWN})
    assert response.status_code == 403
    assert response.json()["error"] == {
        "code": "0x8004049e",
        "message": "The principal id is missing or invalid.",
    }
    assert api.get("accounts").json()["value"] == []
    malformed = api.get("WhoAmI", headers={"CallerObjectId": "agnes.martin"})
    assert malformed.status_code == 400


def test_a_disabled_user_cannot_be_impersonated(api: Api) -> None:
    bruno = agent_id("bruno.lefevre")
    assert api.patch(f"systemusers({bruno})", {"isdisabled": True}).status_code == 204
    response = api.post(
        "accounts",
        {"name": "Mairie"},
        headers={"CallerObjectId": agent_object_id("bruno.lefevre")},
    )
    assert response.status_code == 400
    assert response.json()["error"] == {
        "code": "0x80040225",
        "message": "The specified user is either disabled or is not a member of any business unit.",
    }
    assert api.get("accounts").json()["value"] == []


def test_the_legacy_header_impersonates_by_system_user_id(api: Api) -> None:
    # "Legacy: To impersonate a user based on their systemuserid you can leverage
    # MSCRMCallerID with the corresponding guid value."
    agnes = agent_id("agnes.martin")
    assert api.get("WhoAmI", headers={"MSCRMCallerID": agnes}).json()["UserId"] == agnes


def test_a_batch_runs_its_parts_as_the_impersonated_user(api: Api) -> None:
    part = (
        "Content-Type: application/http\r\nContent-Transfer-Encoding: binary\r\n\r\n"
        "POST /api/data/v9.2/accounts HTTP/1.1\r\n"
        "Content-Type: application/json; type=entry\r\n\r\n"
        '{"name": "Mairie"}\r\n'
    )
    body = f"--batch_x\r\n{part}--batch_x--\r\n"
    response = api.session.post(
        api.url("$batch"),
        data=body.encode(),
        headers={"Content-Type": 'multipart/mixed; boundary="batch_x"', "CallerObjectId": AGNES},
        timeout=10,
    )
    assert response.status_code == 200, response.text
    [row] = api.get("accounts?$select=_createdby_value,_createdonbehalfby_value").json()["value"]
    assert (row["_createdby_value"], row["_createdonbehalfby_value"]) == (
        agent_id("agnes.martin"),
        CALLER_ID,
    )
    refused = api.session.post(
        api.url("$batch"),
        data=body.encode(),
        headers={"Content-Type": 'multipart/mixed; boundary="batch_x"', "CallerObjectId": UNKNOWN},
        timeout=10,
    )
    assert refused.status_code == 403


def test_user_query_functions_compare_with_the_impersonated_user(api: Api) -> None:
    # "EqualUserId Function" (Microsoft Learn, …/webapi/reference/equaluserid): "whether the
    # value is equal to the ID of the user"; under impersonation the request runs as that user.
    _created_id(api.post("accounts", {"name": "Agnès"}, headers={"CallerObjectId": AGNES}))
    _created_id(api.post("accounts", {"name": "Application"}))
    mine = "$select=name&$filter=Microsoft.Dynamics.CRM.EqualUserId(PropertyName='ownerid')"

    def names(headers: dict[str, str]) -> list[str]:
        response = api.get("accounts?" + mine, headers=headers)
        assert response.status_code == 200, response.text
        return [row["name"] for row in response.json()["value"]]

    assert names({"CallerObjectId": AGNES}) == ["Agnès"]
    assert names({}) == ["Application"]


def test_a_retrieved_rows_expanded_collection_filters_with_user_functions(api: Api) -> None:
    team = team_id("Relation usagers")
    agnes = agent_id("agnes.martin")
    linked = api.post(
        f"teams({team})/teammembership_association/$ref",
        {"@odata.id": f"{api.root}systemusers({agnes})"},
    )
    assert linked.status_code == 204, linked.text
    query = (
        f"teams({team})?$select=name&$expand=teammembership_association($select=fullname;"
        "$filter=Microsoft.Dynamics.CRM.EqualUserId(PropertyName='systemuserid'))"
    )

    def members(headers: dict[str, str]) -> list[str]:
        response = api.get(query, headers=headers)
        assert response.status_code == 200, response.text
        return [row["fullname"] for row in response.json()["teammembership_association"]]

    assert members({"CallerObjectId": AGNES}) == ["Agnès Martin"]
    assert members({}) == []  # the application user is no member


def test_references_written_under_impersonation_are_modified_by_that_user(api: Api) -> None:
    # "Associate and disassociate table rows using the Web API": a reference written through
    # $ref is an update of the row holding the lookup, made as the caller.
    account = _created_id(api.post("accounts", {"name": "Mairie"}))
    contact = _created_id(api.post("contacts", {"lastname": "Diallo"}))
    agnes = agent_id("agnes.martin")
    as_agnes = {"CallerObjectId": AGNES}

    def contact_row() -> tuple[str, str | None]:
        row = api.get(f"contacts({contact})?$select=_modifiedby_value,_parentcustomerid_value")
        body = row.json()
        return body["_modifiedby_value"], body["_parentcustomerid_value"]

    linked = api.post(
        f"accounts({account})/contact_customer_accounts/$ref",
        {"@odata.id": f"{api.root}contacts({contact})"},
        headers=as_agnes,
    )
    assert linked.status_code == 204, linked.text
    assert contact_row() == (agnes, account)
    assert api.patch(f"contacts({contact})", {"firstname": "Awa"}).status_code == 204
    assert contact_row() == (CALLER_ID, account)
    unlinked = api.delete(
        f"accounts({account})/contact_customer_accounts({contact})/$ref", headers=as_agnes
    )
    assert unlinked.status_code == 204, unlinked.text
    assert contact_row() == (agnes, None)
    assert api.patch(f"contacts({contact})", {"firstname": "Awa"}).status_code == 204
    put = api.session.put(
        api.url(f"contacts({contact})/parentcustomerid_account/$ref"),
        json={"@odata.id": f"{api.root}accounts({account})"},
        headers=as_agnes,
        timeout=10,
    )
    assert put.status_code == 204, put.text
    assert contact_row() == (agnes, account)
