"""Alternate keys and upserts through Microsoft's Python SDK: create a key, wait for its index
("Pending" until built, as "Work with alternate keys" describes), upsert one record by key
(PATCH) and several (UpsertMultiple), delete the key."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PowerPlatform.Dataverse.client import DataverseClient
from PowerPlatform.Dataverse.core.errors import HttpError
from PowerPlatform.Dataverse.models.upsert import UpsertItem

from .conftest import Served

pytestmark = pytest.mark.conformance


@pytest.fixture
def stall_table(client: DataverseClient, served: Served) -> Iterator[str]:
    client.tables.create("new_Stall", {"new_Code": "string", "new_Metres": "int"})
    try:
        key = client.tables.create_alternate_key("new_Stall", "new_code_key", ["new_code"])
        assert key.status == "Pending"
        served.clock.advance(10)  # the emulator builds the index after its activation delay
        yield key.metadata_id
    finally:
        client.tables.delete("new_Stall")


def test_upserts_by_alternate_key_create_then_update(
    client: DataverseClient, served: Served, stall_table: str
) -> None:
    [key] = client.tables.get_alternate_keys("new_Stall")
    assert (key.metadata_id, key.key_attributes, key.status) == (
        stall_table,
        ["new_code"],
        "Active",
    )
    mark = served.recorder.mark()
    client.records.upsert(
        "new_Stall",
        [UpsertItem(alternate_key={"new_code": "M-1"}, record={"new_name": "Fleurs"})],
    )
    client.records.upsert(
        "new_Stall",
        [
            UpsertItem(alternate_key={"new_code": "M-1"}, record={"new_metres": 4}),
            UpsertItem(alternate_key={"new_code": "M-2"}, record={"new_name": "Fromages"}),
        ],
    )
    sent = [(m, p) for m, p in served.recorder.since(mark) if m in ("PATCH", "POST")]
    assert sent == [
        ("PATCH", "new_stalls(new_code='M-1')"),
        ("POST", "new_stalls/Microsoft.Dynamics.CRM.UpsertMultiple"),
    ]
    rows = client.records.list(
        "new_Stall", select=["new_code", "new_name", "new_metres"], orderby=["new_code asc"]
    )
    assert [(r["new_code"], r["new_name"], r.get("new_metres")) for r in rows] == [
        ("M-1", "Fleurs", 4),
        ("M-2", "Fromages", None),
    ]


def test_a_deleted_key_no_longer_addresses_rows(client: DataverseClient, stall_table: str) -> None:
    client.tables.delete_alternate_key("new_Stall", stall_table)
    assert client.tables.get_alternate_keys("new_Stall") == []
    with pytest.raises(HttpError) as refused:
        client.records.upsert(
            "new_Stall", [UpsertItem(alternate_key={"new_code": "M-3"}, record={"new_name": "x"})]
        )
    assert refused.value.status_code == 400
