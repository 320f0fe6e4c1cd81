"""The conversation table as our provisioning creates it, read and written through Microsoft's
Python SDK: a cross-check of its shape by a client that shares none of our assumptions (a custom
activity keyed by ``activityid``, its choice written by label, its row in the case's
activitypointers)."""

from __future__ import annotations

import pytest
from PowerPlatform.Dataverse.client import DataverseClient

from cityzen_connector.dataverse import DataverseClient as OurClient
from cityzen_connector.dataverse import DataverseConfig, StaticTokenProvider, WsgiTransport
from cityzen_connector.mapping import CONVERSATION, SchemaRequirements
from cityzen_connector.sync import apply_provisioning, plan_provisioning

from .conftest import TOKEN, Served

pytestmark = pytest.mark.conformance


def _provision(served: Served) -> None:
    ours = OurClient(
        DataverseConfig(served.url),
        WsgiTransport(served.recorder.app),
        StaticTokenProvider(TOKEN),
        clock=served.clock,
    )
    plan = plan_provisioning(ours, SchemaRequirements((), (), ()))  # the conversation table
    report = apply_provisioning(ours, plan, now=served.clock.now, sleep=served.clock.sleep)
    assert report.ok, [s.line() for s in report.steps]


def test_the_conversation_table_reads_and_writes_as_an_activity_through_the_sdk(
    client: DataverseClient, served: Served
) -> None:
    _provision(served)
    info = client.tables.get(CONVERSATION.table)
    assert info is not None
    assert (info.primary_id_attribute, info.primary_name_attribute, info.entity_set_name) == (
        "activityid",
        "subject",
        CONVERSATION.entity_set,
    )
    columns = {c["LogicalName"]: c for c in client.tables.list_columns(CONVERSATION.table)}
    assert columns[CONVERSATION.direction]["AttributeType"] == "Picklist"
    assert columns[CONVERSATION.visible]["AttributeType"] == "Boolean"
    assert columns["regardingobjectid"]["AttributeType"] == "Lookup"
    assert columns["activitytypecode"]["AttributeType"] == "EntityName"
    contact = client.records.create("contact", {"lastname": "Conformité"})
    case = client.records.create(
        "incident",
        {"title": "Encombrants", "customerid_contact@odata.bind": f"/contacts({contact})"},
    )
    # The SDK turns the choice's label into its value by reading the column's options.
    message = client.records.create(
        CONVERSATION.table,
        {
            "subject": "Réponse de la mairie",
            "description": "Collecte prévue jeudi",
            CONVERSATION.direction: "À l'usager",
            CONVERSATION.visible: True,
            f"{CONVERSATION.case_binding}@odata.bind": f"/incidents({case})",
        },
    )
    read = client.records.retrieve(CONVERSATION.table, message, select=[CONVERSATION.direction])
    assert read is not None
    assert read[CONVERSATION.direction] == CONVERSATION.to_citizen
    # The timeline's query: the case's activities, oldest first.
    rows = list(
        client.records.list(
            "activitypointer",
            filter=f"_regardingobjectid_value eq {case}",
            select=["subject", "activitytypecode"],
            orderby=["createdon asc"],
        )
    )
    assert [(r["subject"], r["activitytypecode"]) for r in rows] == [
        ("Réponse de la mairie", CONVERSATION.table)
    ]
