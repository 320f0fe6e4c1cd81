"""Tables and columns through Microsoft's Python SDK: create a table (its CreateEntities
action), read its definition, add and remove columns, list them, delete the table."""

from __future__ import annotations

import enum

import pytest
from PowerPlatform.Dataverse.client import DataverseClient
from PowerPlatform.Dataverse.core.errors import HttpError

from .conftest import Served

pytestmark = pytest.mark.conformance


def test_a_table_is_created_read_filled_and_deleted(
    client: DataverseClient, served: Served
) -> None:
    mark = served.recorder.mark()
    info = client.tables.create(
        "new_Permit", {"new_Reference": "string", "new_Fee": "decimal", "new_Paid": "bool"}
    )
    assert ("POST", "CreateEntities") in served.recorder.since(mark)
    assert (info.schema_name, info.logical_name, info.entity_set_name) == (
        "new_Permit",
        "new_permit",
        "new_permits",
    )
    assert (info.primary_id_attribute, info.primary_name_attribute) == ("new_permitid", "new_name")
    read = client.tables.get("new_Permit")
    assert read is not None
    assert read.metadata_id == info.metadata_id
    permit_id = client.records.create(
        "new_Permit", {"new_name": "Terrasse", "new_reference": "T-1", "new_fee": 12.5}
    )
    permit = client.records.retrieve("new_Permit", permit_id, select=["new_reference", "new_fee"])
    assert permit is not None
    assert (permit["new_reference"], permit["new_fee"]) == ("T-1", 12.5)
    client.tables.delete("new_Permit")
    assert client.tables.get("new_Permit") is None


def test_columns_are_added_listed_and_removed(client: DataverseClient) -> None:
    client.tables.create("new_Kiosk", {"new_Site": "string"})
    added = client.tables.add_columns("new_Kiosk", {"new_Notes": "memo", "new_Screens": "int"})
    assert added == ["new_Notes", "new_Screens"]
    columns = {c["LogicalName"]: c for c in client.tables.list_columns("new_Kiosk")}
    assert {"new_name", "new_site", "new_notes", "new_screens"} <= set(columns)
    assert columns["new_screens"]["SchemaName"] == "new_Screens"
    assert columns["new_kioskid"]["IsPrimaryId"] is True
    kiosk_id = client.records.create("new_Kiosk", {"new_name": "Gare", "new_screens": 2})
    assert client.tables.remove_columns("new_Kiosk", ["new_Screens"]) == ["new_Screens"]
    assert "new_screens" not in {c["LogicalName"] for c in client.tables.list_columns("new_Kiosk")}
    with pytest.raises(HttpError):
        client.records.retrieve("new_Kiosk", kiosk_id, select=["new_screens"])
    one = client.tables.get_column("new_Kiosk", "new_notes")
    assert one is not None
    assert one["@odata.type"] == "#Microsoft.Dynamics.CRM.MemoAttributeMetadata"
    client.tables.delete("new_Kiosk")


def test_typed_column_definitions_are_refused_as_not_emulated(client: DataverseClient) -> None:
    # typed=True reads RetrieveMetadataChanges, which the emulator refuses by name (501).
    with pytest.raises(HttpError) as refused:
        client.tables.list_columns("account", typed=True)
    assert refused.value.status_code == 501
    assert "RetrieveMetadataChanges" in str(refused.value)


def test_definition_writes_it_does_not_emulate_are_refused(client: DataverseClient) -> None:
    with pytest.raises(HttpError) as update:
        client.tables.update_column("account", "name", {"max_length": 200})
    assert update.value.status_code == 501
    with pytest.raises(HttpError) as lookup:
        client.tables.create_lookup_field("account", "new_ParentId", "contact")
    assert lookup.value.status_code == 501


class Size(enum.IntEnum):
    SMALL = 100000000
    LARGE = 100000001


def test_choice_columns_are_created_and_their_options_read_back(
    client: DataverseClient, served: Served
) -> None:
    # The SDK sends a local PicklistAttributeMetadata (OptionSetMetadata, IsGlobal false) to
    # …/Attributes, and a ComplexPicklistAttributeMetadata in CreateEntities ("Create a choice
    # column"); to write a label it reads the options back through the
    # …/Attributes/Microsoft.Dynamics.CRM.PicklistAttributeMetadata?$expand=OptionSet cast.
    assert client.tables.add_columns("account", {"new_Size": Size}) == ["new_Size"]
    mark = served.recorder.mark()
    account_id = client.records.create("account", {"name": "Kiosque", "new_size": "LARGE"})
    assert any("PicklistAttributeMetadata" in path for _, path in served.recorder.since(mark))
    account = client.records.retrieve("account", account_id, select=["new_size"])
    assert account is not None
    assert account["new_size"] == Size.LARGE
    client.tables.create("new_Stall", {"new_Size": Size})
    stall_id = client.records.create("new_Stall", {"new_name": "Marché", "new_size": "SMALL"})
    stall = client.records.retrieve("new_Stall", stall_id, select=["new_size"])
    assert stall is not None
    assert stall["new_size"] == Size.SMALL
    client.tables.delete("new_Stall")
