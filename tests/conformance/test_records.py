"""Records through Microsoft's Python SDK over TLS: create, retrieve, list with paging, update,
delete, and the bulk messages it chooses (CreateMultiple, UpdateMultiple; BulkDelete refused).
Upserts are in test_alternate_keys.py."""

from __future__ import annotations

from pathlib import Path

import pytest
import requests
from PowerPlatform.Dataverse.client import DataverseClient
from PowerPlatform.Dataverse.core.config import DataverseConfig
from PowerPlatform.Dataverse.core.errors import HttpError

from cityzen_connector.emulator import generate_certificate

from .conftest import EmulatorCredential, Served

pytestmark = pytest.mark.conformance


def test_it_authenticates_with_a_token_credential_over_tls(
    client: DataverseClient, served: Served, credential: EmulatorCredential
) -> None:
    # The emulator runs in strict mode: a request without the credential's token is a 401.
    contact_id = client.records.create("contact", {"firstname": "Zoé", "lastname": "Martin"})
    assert credential.scopes[0] == (f"{served.url}/.default",)
    record = client.records.retrieve("contact", contact_id, select=["firstname", "lastname"])
    assert (record["firstname"], record["lastname"]) == ("Zoé", "Martin")
    assert record.id == contact_id
    assert record.etag is not None
    assert record.etag.startswith('W/"')


def test_the_emulator_certificate_is_verified_not_ignored(
    served: Served,
    credential: EmulatorCredential,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    # Trusting another self-signed certificate only, the SDK's requests refuse the emulator's.
    other, _ = generate_certificate(tmp_path)
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(other))
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    config = DataverseConfig(http_retries=1)
    with (
        DataverseClient(served.url, credential, config) as untrusting,
        pytest.raises(requests.exceptions.SSLError),
    ):
        untrusting.records.create("contact", {"lastname": "Jamais"})


def test_create_update_retrieve_and_delete_a_record(
    client: DataverseClient, served: Served
) -> None:
    mark = served.recorder.mark()
    account_id = client.records.create("account", {"name": "Mairie de Lyon"})
    client.records.update("account", account_id, {"telephone1": "04 72 10 30 30"})
    account = client.records.retrieve("account", account_id, select=["name", "telephone1"])
    assert (account["name"], account["telephone1"]) == ("Mairie de Lyon", "04 72 10 30 30")
    client.records.delete("account", account_id)
    assert client.records.retrieve("account", account_id) is None  # the SDK's reading of a 404
    sent = [(m, p.split("?")[0]) for m, p in served.recorder.since(mark)]
    assert ("POST", "accounts") in sent
    assert ("PATCH", f"accounts({account_id})") in sent
    assert ("DELETE", f"accounts({account_id})") in sent


def test_lists_follow_the_next_link_page_by_page(client: DataverseClient, served: Served) -> None:
    client.records.create("contact", [{"lastname": f"Page {n}"} for n in range(5)])
    mark = served.recorder.mark()
    pages = client.records.list_pages(
        "contact",
        filter="startswith(lastname, 'Page ')",
        select=["lastname"],
        orderby=["lastname asc"],
        page_size=2,
    )
    names = [[r["lastname"] for r in page] for page in pages]
    assert names == [["Page 0", "Page 1"], ["Page 2", "Page 3"], ["Page 4"]]
    # Pages 2 and 3 come from the @odata.nextLink (Prefer: odata.maxpagesize=2).
    follow_ups = [p for m, p in served.recorder.since(mark) if m == "GET" and "skiptoken" in p]
    assert len(follow_ups) == 2
    everything = client.records.list("contact", filter="startswith(lastname, 'Page ')")
    assert len(everything) == 5


def test_bulk_create_and_update_use_create_and_update_multiple(
    client: DataverseClient, served: Served
) -> None:
    mark = served.recorder.mark()
    ids = client.records.create("account", [{"name": f"Commune {n}"} for n in range(3)])
    assert len(ids) == 3
    client.records.update("account", ids, {"telephone1": "01 02 03 04 05"})
    sent = [(m, p) for m, p in served.recorder.since(mark) if m == "POST"]
    assert sent == [
        ("POST", "accounts/Microsoft.Dynamics.CRM.CreateMultiple"),
        ("POST", "accounts/Microsoft.Dynamics.CRM.UpdateMultiple"),
    ]
    for account_id in ids:
        assert client.records.retrieve("account", account_id)["telephone1"] == "01 02 03 04 05"


def test_deleting_many_records_one_by_one_works_and_bulk_delete_is_refused(
    client: DataverseClient,
) -> None:
    ids = client.records.create("account", [{"name": f"Ancienne {n}"} for n in range(3)])
    # The SDK's default for a list is the BulkDelete action, an asynchronous system job the
    # emulator does not emulate: a 501 that names it, never a pretended success.
    with pytest.raises(HttpError) as refused:
        client.records.delete("account", ids)
    assert refused.value.status_code == 501
    assert "BulkDelete" in str(refused.value)
    assert client.records.delete("account", ids, use_bulk_delete=False) is None
    assert [client.records.retrieve("account", i) for i in ids] == [None, None, None]
