"""What a custom activity table brings besides its rows: notes on them (HasNotes), the SDK
message filters that let a step be registered on it and the context a step posts, choice and
yes/no columns as created, its relationships in the metadata, and all of it across a restart
("Custom activities"; "Create and update column definitions using the Web API"; "Register a
plug-in"; the "Portal Comment (adx_portalcomment)" reference, Microsoft Learn)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from cityzen_connector.emulator import (
    EmulatorApp,
    EmulatorConfig,
    ServiceBusMessage,
    create_app,
    sdk_message_filter_id,
    seed,
)
from cityzen_connector.testing import FakeClock

from .activities import (
    a_case,
    a_message,
    create_activity_table,
    created,
    direction_column,
)
from .conftest import call
from .service_bus import context, post, post_image, register_endpoint, step_body, target

TABLE = "EntityDefinitions(LogicalName='new_instantmessage')"
PREFER_ALL = {"Prefer": 'odata.include-annotations="*"'}


def get(app: EmulatorApp, path: str, query: str = "", **kw: Any) -> dict[str, Any]:
    status, _, payload = call(app, "GET", path, query=query, **kw)
    assert status == 200, payload
    value: dict[str, Any] = json.loads(payload)
    return value


def test_notes_can_be_attached_to_an_activity_row(app: EmulatorApp) -> None:
    # "A custom activity table must have a relationship to notes"; the Portal Comment reference:
    # "adx_portalcomment_Annotations", partner "objectid_adx_portalcomment".
    create_activity_table(app)
    message = a_message(app, a_case(app), "Photo")
    note = {
        "subject": "photo.jpg",
        "filename": "photo.jpg",
        "mimetype": "image/jpeg",
        "documentbody": "/9j/4AAQ",
        "objectid_new_instantmessage@odata.bind": f"/new_instantmessages({message})",
    }
    status, headers, payload = call(app, "POST", "annotations", note)
    assert status == 204, payload
    read = get(app, f"annotations({created(headers)})", headers=PREFER_ALL)
    assert read["_objectid_value"] == message
    assert read["_objectid_value@Microsoft.Dynamics.CRM.lookuplogicalname"] == "new_instantmessage"
    notes = get(app, f"new_instantmessages({message})/new_instantmessage_Annotations")["value"]
    assert [n["filename"] for n in notes] == ["photo.jpg"]
    objectid = get(
        app, "EntityDefinitions(LogicalName='annotation')/Attributes(LogicalName='objectid')"
    )
    assert "new_instantmessage" in objectid["Targets"]


def test_the_relationships_are_named_as_the_references_name_an_activity_s(
    app: EmulatorApp,
) -> None:
    create_activity_table(app)
    many_to_one = get(
        app,
        f"{TABLE}/ManyToOneRelationships",
        "$select=SchemaName,ReferencedEntity,ReferencingEntityNavigationPropertyName",
    )["value"]
    regarding = {r["SchemaName"]: r for r in many_to_one if r["SchemaName"].startswith("incident")}
    assert regarding["incident_new_instantmessages"]["ReferencingEntityNavigationPropertyName"] == (
        "regardingobjectid_incident_new_instantmessage"
    )
    one_to_many = get(app, f"{TABLE}/OneToManyRelationships", "$select=SchemaName")["value"]
    assert "new_instantmessage_Annotations" in {r["SchemaName"] for r in one_to_many}
    status, _, csdl = call(app, "GET", "$metadata")
    assert status == 200
    assert (
        b'<NavigationProperty Name="incident_new_instantmessages" '
        b'Type="Collection(mscrm.new_instantmessage)" '
        b'Partner="regardingobjectid_incident_new_instantmessage"/>'
    ) in csdl


def test_a_step_on_the_activity_s_create_posts_its_context() -> None:
    posted: list[ServiceBusMessage] = []
    app = create_app(
        EmulatorConfig(key_activation_seconds=0), clock=FakeClock(), sink=posted.append
    )
    try:
        seed(app)
        create_activity_table(app)
        # The new table's Create is an event: its filter exists, looked up as a registrar does.
        found = get(
            app,
            "sdkmessagefilters",
            "$select=primaryobjecttypecode&$filter=primaryobjecttypecode eq 'new_instantmessage'",
        )["value"]
        assert len(found) == 2  # Create and Update
        endpoint = register_endpoint(app)
        body = step_body(endpoint, "Create", table="new_instantmessage")
        step = post(app, "sdkmessageprocessingsteps", body)
        image = {
            "name": "message",
            "entityalias": "message",
            "imagetype": 1,
            "messagepropertyname": "Id",
            "attributes": "subject,description,regardingobjectid,createdon",
            "sdkmessageprocessingstepid@odata.bind": f"/sdkmessageprocessingsteps({step})",
        }
        post(app, "sdkmessageprocessingstepimages", image)
        case = a_case(app)
        message = a_message(app, case, "Réponse", description="Le trou est rebouché")
        [sent] = posted
        posted_context = context(sent)
        assert (posted_context["MessageName"], posted_context["PrimaryEntityName"]) == (
            "Create",
            "new_instantmessage",
        )
        assert posted_context["PrimaryEntityId"] == message
        regarding = post_image(sent, "message")["Attributes"]
        by_name = {a["key"]: a["value"] for a in regarding}
        assert by_name["regardingobjectid"]["Id"] == case
        assert by_name["regardingobjectid"]["LogicalName"] == "incident"
        assert {a["key"] for a in target(sent)["Attributes"]} >= {"activitytypecode", "subject"}
        # Deleting the table takes its filters away.
        assert call(app, "DELETE", TABLE)[0] == 204
        create_filter = sdk_message_filter_id("Create", "new_instantmessage")
        assert call(app, "GET", f"sdkmessagefilters({create_filter})")[0] == 404
    finally:
        app.close()


def test_choice_and_yes_no_columns_are_created_as_documented(app: EmulatorApp) -> None:
    create_activity_table(app)
    assert call(app, "POST", f"{TABLE}/Attributes", direction_column())[0] == 204
    flag = {
        "@odata.type": "Microsoft.Dynamics.CRM.BooleanAttributeMetadata",
        "SchemaName": "new_Visible",
        "DefaultValue": False,
        "OptionSet": {
            "@odata.type": "Microsoft.Dynamics.CRM.BooleanOptionSetMetadata",
            "TrueOption": {"Value": 1, "Label": {"LocalizedLabels": [{"Label": "Oui"}]}},
            "FalseOption": {"Value": 0, "Label": {"LocalizedLabels": [{"Label": "Non"}]}},
        },
    }
    assert call(app, "POST", f"{TABLE}/Attributes", flag)[0] == 204
    options = get(
        app,
        f"{TABLE}/Attributes(LogicalName='new_direction')"
        "/Microsoft.Dynamics.CRM.PicklistAttributeMetadata",
        "$select=LogicalName&$expand=OptionSet",
    )["OptionSet"]["Options"]
    assert [(o["Value"], o["Label"]["UserLocalizedLabel"]["Label"]) for o in options] == [
        (1, "Incoming"),
        (2, "Outgoing"),
    ]
    message = a_message(app, a_case(app), "Bonjour", new_direction=2)
    row = get(app, f"new_instantmessages({message})", headers=PREFER_ALL)
    assert row["new_direction@OData.Community.Display.V1.FormattedValue"] == "Outgoing"
    assert row["new_visible"] is False  # DefaultValue, for a row created without it
    status, _, payload = call(app, "PATCH", f"new_instantmessages({message})", {"new_direction": 3})
    assert status == 400
    assert json.loads(payload)["error"]["code"] == "0x8004431a"  # PicklistValueOutOfRange


def test_a_choice_bound_to_a_global_choice_is_refused_by_name(app: EmulatorApp) -> None:
    column = {**direction_column(), "GlobalOptionSet@odata.bind": "/GlobalOptionSetDefinitions(x)"}
    status, _, payload = call(
        app, "POST", "EntityDefinitions(LogicalName='account')/Attributes", column
    )
    assert status == 400
    assert "does not emulate choice columns bound to a global choice" in payload.decode()


def test_an_activity_table_its_rows_and_notes_survive_a_restart(tmp_path: Path) -> None:
    config = EmulatorConfig(database=str(tmp_path / "dataverse.db"))
    first = create_app(config, clock=FakeClock())
    seed(first)
    create_activity_table(first)
    assert call(first, "POST", f"{TABLE}/Attributes", direction_column())[0] == 204
    case = a_case(first)
    message = a_message(first, case, "Bonjour", new_direction=1)
    first.close()
    second = create_app(config, clock=FakeClock())
    try:
        timeline = get(second, f"incidents({case})/Incident_ActivityPointers", "$select=subject")
        assert [r["activityid"] for r in timeline["value"]] == [message]
        note = {
            "subject": "n",
            "objectid_new_instantmessage@odata.bind": f"/new_instantmessages({message})",
        }
        assert call(second, "POST", "annotations", note)[0] == 204
        own = get(
            second, f"incidents({case})/incident_new_instantmessages", "$select=new_direction"
        )
        assert [r["new_direction"] for r in own["value"]] == [1]
    finally:
        second.close()


def test_change_tracking_is_what_the_definition_said(app: EmulatorApp) -> None:
    # "Use change tracking to synchronize data with external systems": a table whose
    # ChangeTrackingEnabled is false answers 0x80072491; the conversation table asks for it.
    create_activity_table(app, ChangeTrackingEnabled=True)
    case = a_case(app)
    message = a_message(app, case, "Bonjour")
    tracked = get(
        app, "new_instantmessages", "$select=subject", headers={"Prefer": "odata.track-changes"}
    )
    assert [r["activityid"] for r in tracked["value"]] == [message]
    assert "@odata.deltaLink" in tracked
    call(app, "DELETE", TABLE)
    create_activity_table(app)  # ChangeTrackingEnabled left out: false
    status, _, payload = call(
        app, "GET", "new_instantmessages", headers={"Prefer": "odata.track-changes"}
    )
    assert status == 400
    assert json.loads(payload)["error"]["code"] == "0x80072491"


def test_seeding_after_a_table_was_created_gives_it_its_message_filters() -> None:
    app = create_app(EmulatorConfig(), clock=FakeClock())
    try:
        create_activity_table(app)  # no SDK message yet: no filter
        create = sdk_message_filter_id("Create", "new_instantmessage")
        assert call(app, "GET", f"sdkmessagefilters({create})")[0] == 404
        seed(app)
        assert get(app, f"sdkmessagefilters({create})")["primaryobjecttypecode"] == (
            "new_instantmessage"
        )
    finally:
        app.close()
