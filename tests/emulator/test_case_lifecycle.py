"""A case's lifecycle as Dataverse enforces it: resolved only through ``CloseIncident``, canceled
and reopened by updating ``statecode``, each status reason within its own state (Microsoft
Learn: "Define custom state model transitions", the incident table reference, "CloseIncident
Action", "Use Web API actions")."""

from __future__ import annotations

import re
from typing import Any

from cityzen_connector.emulator import CALLER_ID

from .conftest import Api

STATUS_CAST = "Microsoft.Dynamics.CRM.StatusAttributeMetadata"
STATE_CAST = "Microsoft.Dynamics.CRM.StateAttributeMetadata"


def _case(api: Api) -> str:
    contact = api.post("contacts", {"lastname": "Diallo"})
    contact_id = contact.headers["OData-EntityId"].rsplit("(", 1)[1].rstrip(")")
    response = api.post(
        "incidents",
        {"title": "Nid-de-poule", "customerid_contact@odata.bind": f"/contacts({contact_id})"},
    )
    assert response.status_code == 204, response.text
    match = re.search(r"incidents\(([0-9a-f-]{36})\)$", response.headers["OData-EntityId"])
    assert match
    return match.group(1)


def _state(api: Api, case: str) -> tuple[int, int]:
    body = api.get(f"incidents({case})?$select=statecode,statuscode").json()
    return body["statecode"], body["statuscode"]


def _close(api: Api, case: str, status: int, **resolution: Any) -> Any:
    # The documented call of the twin action WinOpportunity, for a case: "POST [Organization
    # URI]/api/data/v9.0/WinOpportunity" with {"Status": 3, "OpportunityClose": {"subject": …,
    # "opportunityid@odata.bind": …}} answers "HTTP/1.1 204 No Content".
    return api.post(
        "CloseIncident",
        {
            "IncidentResolution": {
                "subject": "Nid-de-poule rebouché",
                "incidentid@odata.bind": f"/incidents({case})",
                **resolution,
            },
            "Status": status,
        },
    )


def _error(response: Any) -> tuple[int, str, str]:
    error = response.json()["error"]
    return response.status_code, error["code"], error["message"]


def test_a_case_cannot_be_resolved_by_updating_its_state(api: Api) -> None:
    case = _case(api)
    response = api.patch(f"incidents({case})", {"statecode": 1, "statuscode": 5})
    status, code, message = _error(response)
    assert (status, code) == (400, "0x80100005")
    assert message == (
        "This message can not be used to set the state of incident to Resolved. In order to "
        "set state of incident to Resolved, use the CloseIncidentRequest message instead."
    )
    assert _state(api, case) == (0, 1)


def test_close_incident_resolves_the_case_and_records_the_resolution(api: Api) -> None:
    case = _case(api)
    response = _close(api, case, 5, timespent=60, description="Rebouché le 2 mars")
    assert response.status_code == 204, response.text
    assert response.content == b""
    assert _state(api, case) == (1, 5)  # Resolved, Problem Solved
    [resolution] = api.get(
        "incidentresolutions?$select=subject,timespent,statecode,statuscode,_incidentid_value,"
        "_ownerid_value"
    ).json()["value"]
    assert resolution["_incidentid_value"] == case
    assert (resolution["subject"], resolution["timespent"]) == ("Nid-de-poule rebouché", 60)
    assert (resolution["statecode"], resolution["statuscode"]) == (1, 2)  # Completed, Closed
    assert resolution["_ownerid_value"] == CALLER_ID


def test_close_incident_takes_a_resolved_status_reason_or_the_default(api: Api) -> None:
    provided, default, wrong = _case(api), _case(api), _case(api)
    assert _close(api, provided, 1000).status_code == 204
    assert _state(api, provided) == (1, 1000)  # Information Provided
    assert _close(api, default, -1).status_code == 204  # -1: the state's default reason
    assert _state(api, default) == (1, 5)
    status, code, _ = _error(_close(api, wrong, 6))  # Canceled belongs to state 2
    assert (status, code) == (400, "0x80048408")
    assert _state(api, wrong) == (0, 1)
    assert len(api.get("incidentresolutions").json()["value"]) == 2  # none for the refusal


def test_a_closed_case_cannot_be_closed_again(api: Api) -> None:
    case = _case(api)
    assert _close(api, case, 5).status_code == 204
    assert _error(_close(api, case, 5)) == (400, "0x80044411", "Already Closed or Canceled")
    assert len(api.get("incidentresolutions").json()["value"]) == 1


def test_close_incident_needs_its_parameters_and_a_case(api: Api) -> None:
    case = _case(api)
    no_status = api.post("CloseIncident", {"IncidentResolution": {"subject": "x"}})
    assert no_status.status_code == 400
    no_case = api.post("CloseIncident", {"IncidentResolution": {"subject": "x"}, "Status": 5})
    assert _error(no_case)[:2] == (400, "0x80044409")
    wrong_type = _close(api, case, 5, **{"@odata.type": "Microsoft.Dynamics.CRM.contact"})
    assert _error(wrong_type)[:2] == (400, "0x80048d19")
    assert api.get("CloseIncident").status_code == 405
    assert _state(api, case) == (0, 1)


def test_a_case_is_canceled_by_its_state_with_a_canceled_status_reason(api: Api) -> None:
    canceled, merged, wrong = _case(api), _case(api), _case(api)
    assert api.patch(f"incidents({canceled})", {"statecode": 2}).status_code == 204
    assert _state(api, canceled) == (2, 6)  # the state's default reason: Canceled
    pair = {"statecode": 2, "statuscode": 2000}
    assert api.patch(f"incidents({merged})", pair).status_code == 204
    assert _state(api, merged) == (2, 2000)  # Merged
    mismatch = api.patch(f"incidents({wrong})", {"statecode": 2, "statuscode": 5})
    assert _error(mismatch) == (
        400,
        "0x80048408",
        "State code is invalid or state code is valid but status code is invalid for a "
        "specified state code.",
    )
    assert _state(api, wrong) == (0, 1)


def test_a_resolved_case_cannot_be_canceled(api: Api) -> None:
    case = _case(api)
    assert _close(api, case, 5).status_code == 204
    response = api.patch(f"incidents({case})", {"statecode": 2, "statuscode": 6})
    assert _error(response)[:2] == (400, "0x80044411")
    assert _state(api, case) == (1, 5)


def test_a_status_reason_must_belong_to_the_current_state(api: Api) -> None:
    case = _case(api)
    assert api.patch(f"incidents({case})", {"statuscode": 2}).status_code == 204  # On Hold
    assert _state(api, case) == (0, 2)
    assert _error(api.patch(f"incidents({case})", {"statuscode": 1000}))[:2] == (
        400,
        "0x80048408",
    )
    assert _error(api.patch(f"incidents({case})", {"statuscode": 7}))[:2] == (400, "0x80048408")
    assert _error(api.patch(f"incidents({case})", {"statecode": 9}))[:2] == (400, "0x80048408")
    assert _state(api, case) == (0, 2)


def test_a_resolved_case_is_reopened_by_setting_its_state_back_to_active(api: Api) -> None:
    case = _case(api)
    assert _close(api, case, 5).status_code == 204
    response = api.patch(f"incidents({case})", {"statecode": 0, "statuscode": 4})
    assert response.status_code == 204, response.text
    assert _state(api, case) == (0, 4)  # Active, Researching
    assert len(api.get("incidentresolutions").json()["value"]) == 1  # the history stays
    assert _close(api, case, 1000).status_code == 204  # and it can be resolved again


def test_the_status_reasons_are_in_the_status_attribute_metadata(api: Api) -> None:
    # "Query table definitions using the Web API": cast the attribute, expand OptionSet.
    url = (
        "EntityDefinitions(LogicalName='incident')/Attributes(LogicalName='statuscode')/"
        f"{STATUS_CAST}?$select=LogicalName&$expand=OptionSet"
    )
    response = api.get(url)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["LogicalName"] == "statuscode"
    option_set = body["OptionSet"]
    assert (option_set["Name"], option_set["OptionSetType"]) == ("incident_statuscode", "Status")
    options = [
        (o["Value"], o["State"], o["Label"]["UserLocalizedLabel"]["Label"])
        for o in option_set["Options"]
    ]
    # "Define custom state model transitions": the incident's default state and status options.
    assert options == [
        (1, 0, "In Progress"),
        (2, 0, "On Hold"),
        (3, 0, "Waiting for Details"),
        (4, 0, "Researching"),
        (5, 1, "Problem Solved"),
        (1000, 1, "Information Provided"),
        (6, 2, "Canceled"),
        (2000, 2, "Merged"),
    ]
    first = option_set["Options"][0]
    assert first["@odata.type"] == "#Microsoft.Dynamics.CRM.StatusOptionMetadata"
    assert first["Label"]["LocalizedLabels"][0]["LanguageCode"] == 1033
    states = api.get(
        "EntityDefinitions(LogicalName='incident')/Attributes(LogicalName='statecode')/"
        f"{STATE_CAST}?$expand=OptionSet"
    ).json()["OptionSet"]["Options"]
    assert [(o["Value"], o["DefaultStatus"], o["InvariantName"]) for o in states] == [
        (0, 1, "Active"),
        (1, 5, "Resolved"),
        (2, 6, "Canceled"),
    ]
    wrong_cast = api.get(
        "EntityDefinitions(LogicalName='incident')/Attributes(LogicalName='statecode')/"
        f"{STATUS_CAST}?$expand=OptionSet"
    )
    assert wrong_cast.status_code == 404
