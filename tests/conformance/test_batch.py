"""``$batch`` through Microsoft's Python SDK ("Execute batch operations using the Web API"):
independent operations, a change set whose Content-ID reference binds a lookup, and a change
set that fails as a whole."""

from __future__ import annotations

import pytest
from PowerPlatform.Dataverse.client import DataverseClient

from .conftest import Served

pytestmark = pytest.mark.conformance


def test_a_batch_runs_creates_updates_deletes_and_reads(
    client: DataverseClient, served: Served
) -> None:
    kept, dropped = client.records.create("account", [{"name": "Gardée"}, {"name": "Supprimée"}])
    batch = client.batch.new()
    batch.records.create("account", {"name": "Nouvelle"})
    batch.records.update("account", kept, {"telephone1": "04 00 00 00 00"})
    batch.records.delete("account", dropped)
    batch.records.retrieve("account", kept, select=["name", "telephone1"])
    batch.records.list("account", filter="name eq 'Gardée'", select=["name"], top=5)
    mark = served.recorder.mark()
    result = batch.execute()
    assert served.recorder.since(mark) == [("POST", "$batch")]  # one round trip
    assert [r.status_code for r in result.responses] == [204, 204, 204, 200, 200]
    assert all(r.is_success for r in result.responses)
    assert result.responses[3].data is not None
    assert result.responses[3].data["telephone1"] == "04 00 00 00 00"
    assert client.records.retrieve("account", dropped) is None


def test_a_change_set_binds_by_content_id_and_rolls_back_as_a_whole(
    client: DataverseClient,
) -> None:
    batch = client.batch.new()
    with batch.changeset() as change_set:
        contact = change_set.records.create("contact", {"lastname": "Ada"})
        change_set.records.create(
            "account", {"name": "Babbage & Co", "primarycontactid@odata.bind": contact}
        )
    created = batch.execute()
    assert [r.status_code for r in created.responses] == [204, 204]
    account_id = created.responses[1].entity_id
    assert account_id is not None
    account = client.records.retrieve("account", account_id, select=["_primarycontactid_value"])
    assert account is not None
    assert account["_primarycontactid_value"] == created.responses[0].entity_id

    failing = client.batch.new()
    with failing.changeset() as change_set:
        change_set.records.create("contact", {"lastname": "Annulé"})
        change_set.records.create("contact", {"nosuchcolumn": "x"})
    result = failing.execute(continue_on_error=True)
    assert [r.is_success for r in result.responses] == [False]
    assert result.responses[0].status_code == 400
    assert len(client.records.list("contact", filter="lastname eq 'Annulé'")) == 0
