"""Custom activity tables created through the metadata API, and the activitypointer rows the
timeline reads ("Custom activities"; "Activity (ActivityPointer) table/entity reference";
the "Portal Comment (adx_portalcomment)" reference for an activity's names, Microsoft Learn)."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

import pytest

from cityzen_connector.emulator import EmulatorApp
from cityzen_connector.testing import FakeClock

from .activities import a_case, a_message, create_activity_table, instant_message
from .conftest import call

PREFER_ALL = {"Prefer": 'odata.include-annotations="*"'}


def get(app: EmulatorApp, path: str, query: str = "", **kw: Any) -> dict[str, Any]:
    status, _, payload = call(app, "GET", path, query=query, **kw)
    assert status == 200, payload
    value: dict[str, Any] = json.loads(payload)
    return value


def test_a_custom_activity_is_created_as_learn_describes_it(app: EmulatorApp) -> None:
    # "Create and update table definitions using the Web API": 204 No Content and
    # OData-EntityId …/EntityDefinitions(<MetadataId>).
    status, headers, payload = call(app, "POST", "EntityDefinitions", instant_message())
    assert status == 204, payload
    definition = get(
        app,
        "EntityDefinitions(LogicalName='new_instantmessage')",
        "$select=IsActivity,PrimaryIdAttribute,PrimaryNameAttribute,EntitySetName,ObjectTypeCode",
    )
    assert headers["odata-entityid"].endswith(f"EntityDefinitions({definition['MetadataId']})")
    # "each custom activity must have a primary column named 'Subject'"; the activity's key is
    # activitypointer's activityid.
    assert (definition["IsActivity"], definition["EntitySetName"]) == (True, "new_instantmessages")
    assert (definition["PrimaryIdAttribute"], definition["PrimaryNameAttribute"]) == (
        "activityid",
        "subject",
    )
    columns = {
        c["LogicalName"]: c
        for c in get(app, "EntityDefinitions(LogicalName='new_instantmessage')/Attributes")["value"]
    }
    # "all the properties … of the activitypointer table are inherited".
    assert columns["activitytypecode"]["AttributeType"] == "EntityName"
    assert columns["activitytypecode"]["IsValidForCreate"] is False
    assert columns["regardingobjectid"]["Targets"] == ["account", "contact", "incident"]
    assert columns["description"]["MaxLength"] == 2000
    assert columns["subject"]["MaxLength"] == 100  # as the definition sized it
    assert columns["subject"]["SchemaName"] == "Subject"
    states = get(
        app,
        "EntityDefinitions(LogicalName='new_instantmessage')/Attributes(LogicalName='statuscode')"
        "/Microsoft.Dynamics.CRM.StatusAttributeMetadata",
        "$select=LogicalName&$expand=OptionSet",
    )["OptionSet"]["Options"]
    # activitypointer's StatusCode: 1 Open (0), 2 Completed (1), 3 Canceled (2), 4 Scheduled (3).
    assert [(o["Value"], o["State"]) for o in states] == [(1, 0), (2, 1), (3, 2), (4, 3)]


@pytest.mark.parametrize(
    ("change", "said"),
    [
        ({"HasNotes": False}, "must have a relationship to notes"),
        ({"HasActivities": True}, "must not have a relationship with activities"),
        ({"IsAvailableOffline": False}, "must have offline availability"),
        ({"IsMailMergeEnabled": {"Value": True}}, "cannot have mail merge enabled"),
        ({"OwnershipType": "OrganizationOwned"}, "team-owned or user-owned"),
        ({"ActivityTypeMask": 2}, "ActivityTypeMask"),
    ],
)
def test_what_a_custom_activity_cannot_be_is_refused(
    app: EmulatorApp, change: dict[str, Any], said: str
) -> None:
    # "Custom activities", "Creating a custom activity": the properties' required values.
    status, _, payload = call(app, "POST", "EntityDefinitions", instant_message(**change))
    assert status == 400
    assert said in json.loads(payload)["error"]["message"]


def test_an_activity_s_primary_column_must_be_subject(app: EmulatorApp) -> None:
    body = instant_message()
    body["Attributes"][0]["SchemaName"] = "new_Title"
    status, _, payload = call(app, "POST", "EntityDefinitions", body)
    assert status == 400
    assert "must be Subject" in json.loads(payload)["error"]["message"]


def test_each_activity_row_has_its_activitypointer_row(app: EmulatorApp) -> None:
    create_activity_table(app)
    case = a_case(app)
    message = a_message(app, case, "Pièce manquante", description="Merci d'envoyer une photo")
    row = get(app, f"new_instantmessages({message})", **{"headers": PREFER_ALL})
    assert row["activitytypecode"] == "new_instantmessage"  # set by the platform
    assert row["_regardingobjectid_value"] == case
    assert row["_regardingobjectid_value@Microsoft.Dynamics.CRM.lookuplogicalname"] == "incident"
    assert (row["statecode"], row["statuscode"]) == (0, 1)  # Open / Open
    pointer = get(app, f"activitypointers({message})")
    assert (pointer["subject"], pointer["activitytypecode"]) == (
        "Pièce manquante",
        "new_instantmessage",
    )
    assert pointer["description"] == "Merci d'envoyer une photo"
    assert pointer["_regardingobjectid_value"] == case
    assert pointer["@odata.etag"] == row["@odata.etag"]  # one record, seen through two tables
    # Marked completed: statecode 1 takes its default reason, 2 Completed, on both.
    assert call(app, "PATCH", f"new_instantmessages({message})", {"statecode": 1})[0] == 204
    assert get(app, f"activitypointers({message})")["statuscode"] == 2
    assert call(app, "DELETE", f"new_instantmessages({message})")[0] == 204
    assert call(app, "GET", f"activitypointers({message})")[0] == 404


def test_the_timeline_query_lists_a_case_s_activities_oldest_first(
    app: EmulatorApp, clock: FakeClock
) -> None:
    create_activity_table(app)
    case, other = a_case(app), a_case(app, "Encombrants")
    first = a_message(app, case, "Bonjour")
    clock.advance(60)
    a_message(app, other, "Autre demande")
    second = a_message(app, case, "Voici la photo")
    # The case's Incident_ActivityPointers (incident reference, one-to-many), as a filtered
    # collection and as the equivalent activitypointers query.
    nav = get(
        app,
        f"incidents({case})/Incident_ActivityPointers",
        "$select=subject,activitytypecode,createdon&$orderby=createdon asc",
    )["value"]
    where = quote(f"_regardingobjectid_value eq {case}")
    flat = get(app, "activitypointers", f"$filter={where}&$orderby=createdon asc")["value"]
    assert [r["activityid"] for r in nav] == [first, second]
    assert [r["activityid"] for r in flat] == [first, second]
    assert {r["activitytypecode"] for r in nav} == {"new_instantmessage"}
    # The activity's own collection on the case, incident_<entity set>, as the Portal Comment
    # reference names it: "incident_adx_portalcomments".
    own = get(app, f"incidents({case})/incident_new_instantmessages", "$select=subject")["value"]
    assert sorted(r["subject"] for r in own) == ["Bonjour", "Voici la photo"]
    expanded = get(
        app,
        f"incidents({case})",
        "$select=title&$expand=Incident_ActivityPointers($select=subject;$orderby=createdon)",
    )
    assert [r["subject"] for r in expanded["Incident_ActivityPointers"]] == [
        "Bonjour",
        "Voici la photo",
    ]


def test_activitypointer_rows_are_the_platform_s(app: EmulatorApp) -> None:
    # The activitypointer reference lists Retrieve, RetrieveMultiple (and Rollup) only.
    status, _, payload = call(app, "POST", "activitypointers", {"subject": "x"})
    assert status == 400
    assert json.loads(payload)["error"]["code"] == "0x80040800"


@pytest.mark.parametrize(
    "party", ["to", "from", "customers", "new_instantmessage_activity_parties"]
)
def test_activity_parties_are_refused_by_name(app: EmulatorApp, party: str) -> None:
    create_activity_table(app)
    case = a_case(app)
    body = {
        "subject": "x",
        "regardingobjectid_incident_new_instantmessage@odata.bind": f"/incidents({case})",
        party: [],
    }
    status, _, payload = call(app, "POST", "new_instantmessages", body)
    assert status == 400
    message = json.loads(payload)["error"]["message"]
    assert "does not emulate activity parties" in message


def test_a_redelivered_message_is_one_row_under_an_alternate_key(
    app: EmulatorApp, clock: FakeClock
) -> None:
    create_activity_table(app)
    column = {
        "@odata.type": "Microsoft.Dynamics.CRM.StringAttributeMetadata",
        "SchemaName": "new_MessageId",
        "MaxLength": 100,
    }
    path = "EntityDefinitions(LogicalName='new_instantmessage')"
    assert call(app, "POST", f"{path}/Attributes", column)[0] == 204
    key = {"SchemaName": "new_messageid_key", "KeyAttributes": ["new_messageid"]}
    assert call(app, "POST", f"{path}/Keys", key)[0] == 204
    clock.advance(5)  # the key's index becomes Active
    case = a_case(app)
    body = {
        "subject": "Bonjour",
        "regardingobjectid_incident_new_instantmessage@odata.bind": f"/incidents({case})",
    }
    for _ in range(2):
        status, _, payload = call(app, "PATCH", "new_instantmessages(new_messageid='m-1')", body)
        assert status == 204, payload
    rows = get(app, "activitypointers", f"$filter={quote(f'_regardingobjectid_value eq {case}')}")
    assert len(rows["value"]) == 1
