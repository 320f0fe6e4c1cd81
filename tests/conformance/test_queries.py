"""Queries through Microsoft's Python SDK: its fluent builder ($filter, $orderby, $top) and
FetchXML, paged by the paging cookie the emulator returns ("Page results using FetchXml")."""

from __future__ import annotations

import pytest
from PowerPlatform.Dataverse.client import DataverseClient
from PowerPlatform.Dataverse.models.filters import col

from .conftest import Served

pytestmark = pytest.mark.conformance


COMMUNES = ["Écully", "Bron", "Caluire", "Oullins", "Vénissieux", "Villeurbanne", "Givors"]


def test_the_query_builder_filters_orders_and_limits(client: DataverseClient) -> None:
    accounts = [{"name": f"Q {n}", "numberofemployees": i} for i, n in enumerate(COMMUNES)]
    client.records.create("account", accounts)
    rows = list(
        client.query.builder("account")
        .select("name", "numberofemployees")
        .where(col("name").startswith("Q "))
        .where(col("numberofemployees") >= 2)
        .order_by("numberofemployees", descending=True)
        .top(3)
        .execute()
    )
    assert [r["name"] for r in rows] == ["Q Givors", "Q Villeurbanne", "Q Vénissieux"]


def test_fetchxml_pages_with_the_paging_cookie(client: DataverseClient, served: Served) -> None:
    client.records.create("contact", [{"lastname": f"Fetch {n}"} for n in range(7)])
    xml = (
        "<fetch count='3'><entity name='contact'><attribute name='lastname'/>"
        "<filter><condition attribute='lastname' operator='like' value='Fetch %'/></filter>"
        "<order attribute='lastname'/></entity></fetch>"
    )
    mark = served.recorder.mark()
    pages = [
        [r["lastname"] for r in page.records] for page in client.query.fetchxml(xml).execute_pages()
    ]
    assert pages == [
        ["Fetch 0", "Fetch 1", "Fetch 2"],
        ["Fetch 3", "Fetch 4", "Fetch 5"],
        ["Fetch 6"],
    ]
    # Pages 2 and 3 carry the cookie the emulator answered (paging-cookie in the fetch element).
    sent = [p for m, p in served.recorder.since(mark) if m == "GET"]
    assert len(sent) == 3
    assert all("paging-cookie" in p for p in sent[1:])
