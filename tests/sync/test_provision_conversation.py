"""Provisioning the conversation table against a fresh emulator: a custom activity with its
columns and alternate key, planned from one read, created once, then left alone; and the row the
cases code will write lands in the case's timeline under the names ``mapping.CONVERSATION``
gives ("Custom activities", "Create a choice column", "Define alternate keys using the Web
API", Microsoft Learn)."""

from __future__ import annotations

import random
import uuid
from typing import Any

import pytest

from cityzen_connector.dataverse import (
    ColumnSpec,
    DataverseClient,
    DataverseRequest,
    Expect,
    TableSpec,
    WsgiTransport,
)
from cityzen_connector.emulator import EmulatorConfig, create_app, seed
from cityzen_connector.mapping import CONVERSATION, SchemaRequirements
from cityzen_connector.sync import ProvisionError, apply_provisioning, plan_provisioning
from cityzen_connector.testing import FakeClock
from tests.support.transports import CountingTransport

from .conftest import make_client

NOTHING = SchemaRequirements((), (), ())
TABLE = "EntityDefinitions(LogicalName='cz_casemessage')"


def read(client: DataverseClient, path: str, query: str) -> Any:
    pairs = tuple(tuple(part.split("=", 1)) for part in query.split("&"))
    request: DataverseRequest[Any] = DataverseRequest(
        "GET", path, "read", Expect.RECORD, safe_to_repeat=True, query=pairs
    )
    return client.execute(request)


def fresh(clock: FakeClock) -> CountingTransport:
    app = create_app(EmulatorConfig(key_activation_seconds=0), clock=clock, rng=random.Random(1))
    seed(app)
    return CountingTransport(WsgiTransport(app))


def test_the_table_its_columns_and_key_are_created_once(clock: FakeClock) -> None:
    transport = fresh(clock)
    client = make_client(transport, clock)
    plan = plan_provisioning(client, NOTHING)
    assert [(s.kind, s.name, s.state) for s in plan.steps] == [
        ("table", "cz_casemessage", "missing"),
        ("column", "cz_direction", "missing"),
        ("column", "cz_visibletocitizen", "missing"),
        ("column", "cz_messageid", "missing"),
        ("key", "cz_messageid_key", "missing"),
    ]
    # One read of the definition (with its columns and keys) plans the whole table.
    assert [line for line in transport.lines if "cz_casemessage" in line] == [
        "GET http://127.0.0.1:7072/api/data/v9.2/EntityDefinitions(LogicalName='cz_casemessage')"
        "?$select=LogicalName,EntitySetName,PrimaryIdAttribute,PrimaryNameAttribute,IsActivity"
        "&$expand=Attributes($select=LogicalName,AttributeType),"
        "Keys($select=LogicalName,KeyAttributes,EntityKeyIndexStatus)"
    ]
    report = apply_provisioning(client, plan, now=lambda: 0.0, sleep=lambda _: None)
    assert report.ok, [s.line() for s in report.steps]
    assert report.steps[0].line() == (
        "created   table  cz_casemessage  custom activity, with notes and change tracking"
    )
    definition = read(client, TABLE, "$select=IsActivity,ChangeTrackingEnabled")
    assert (definition["IsActivity"], definition["ChangeTrackingEnabled"]) == (True, True)
    direction = read(
        client,
        f"{TABLE}/Attributes(LogicalName='cz_direction')"
        "/Microsoft.Dynamics.CRM.PicklistAttributeMetadata",
        "$select=DefaultFormValue&$expand=OptionSet",
    )
    assert direction["DefaultFormValue"] == CONVERSATION.to_citizen
    assert [o["Value"] for o in direction["OptionSet"]["Options"]] == [1, 2]
    writes = len([r for r in transport.sent if r.method != "GET"])
    again = plan_provisioning(client, NOTHING)
    assert again.todo == ()
    apply_provisioning(client, again, now=lambda: 0.0, sleep=lambda _: None)
    assert len([r for r in transport.sent if r.method != "GET"]) == writes  # nothing written


def test_a_table_of_that_name_that_is_no_activity_stops_provisioning(clock: FakeClock) -> None:
    client = make_client(fresh(clock), clock)
    client.metadata.create_table(TableSpec("cz_CaseMessage", "M", "Ms", "cz_Name", "Nom"))
    with pytest.raises(ProvisionError, match="not an activity table"):
        plan_provisioning(client, NOTHING)


def test_a_message_lands_in_the_case_s_timeline_under_the_names_given(clock: FakeClock) -> None:
    client = make_client(fresh(clock), clock)
    # The case's submission id key, as the mappings provision it, to bind the regarding case.
    client.metadata.create_column(
        "incident", ColumnSpec("cz_SubmissionId", "string", "Demande", max_length=64)
    )
    client.metadata.create_alternate_key(
        "incident", "cz_submissionid_key", "Demande", ["cz_submissionid"]
    )
    apply_provisioning(
        client, plan_provisioning(client, NOTHING), now=lambda: 0.0, sleep=lambda _: None
    )
    contact = client.create("contacts", {"lastname": "Martin"}).id
    submission = str(uuid.uuid4())
    case = client.create(
        "incidents",
        {
            "title": "Nid-de-poule",
            "cz_submissionid": submission,
            "customerid_contact@odata.bind": f"/contacts({contact})",
        },
    ).id
    c = CONVERSATION
    message = {
        c.subject: "Message de l'usager",
        c.text: "Voici la photo demandée",
        c.direction: c.from_citizen,
        f"{c.case_binding}@odata.bind": f"/incidents(cz_submissionid='{submission}')",
    }
    for _ in range(2):  # a redelivery: one row
        client.upsert(c.entity_set, {c.message_id: "m-1"}, message)
    timeline = read(
        client,
        f"incidents({case})/{c.timeline}",
        "$select=subject,activitytypecode&$orderby=createdon asc",
    )["value"]
    assert [(r["subject"], r["activitytypecode"]) for r in timeline] == [
        ("Message de l'usager", c.table)
    ]
    [row] = read(
        client, f"incidents({case})/{c.case_collection}", f"$select={c.visible},{c.direction}"
    )["value"]
    assert (row[c.direction], row[c.visible]) == (c.from_citizen, False)
