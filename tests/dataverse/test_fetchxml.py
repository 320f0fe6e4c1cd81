"""``ops.fetch_xml``: the wire shape of "Use FetchXml to query data" and "Page results using
FetchXml" (Microsoft Learn, Web API tabs), and the paging cookie read back from the page."""

from __future__ import annotations

from xml.etree import ElementTree as ET

import pytest
import responses

from cityzen_connector.dataverse import (
    DataverseClient,
    InvalidRequestError,
    RequestsTransport,
    ops,
)
from cityzen_connector.emulator import CATALOGUE
from cityzen_connector.emulator._collation import fold
from cityzen_connector.testing import emulator_client

from .conftest import ROOT, make_client

# The page's query, with its line breaks (%0D%0A in its URL).
QUERY = "\r\n".join(
    [
        "<fetch top='5'>",
        "<entity name='account'>",
        "<attribute name='name'/>",
        "</entity>",
        "</fetch>",
    ]
)
ENCODED = (
    "%3Cfetch%20top%3D%275%27%3E%0D%0A%3Centity%20name%3D%27account%27%3E%0D%0A%3Cattribute"
    "%20name%3D%27name%27%2F%3E%0D%0A%3C%2Fentity%3E%0D%0A%3C%2Ffetch%3E"
)
PREFER = (
    'odata.include-annotations="Microsoft.Dynamics.CRM.fetchxmlpagingcookie,'
    'Microsoft.Dynamics.CRM.morerecords"'
)
# The first page's annotation in "Page results using FetchXml", and its cookie decoded twice.
ANNOTATION = (
    '<cookie pagenumber="2" pagingcookie="%253ccookie%2520page%253d%25221%2522%253e%253cfullname'
    "%2520last%253d%2522Susanna%2520Stubberod%2520%2528sample%2529%2522%2520first%253d%2522Yvonne"
    "%2520McKay%2520%2528sample%2529%2522%2520%252f%253e%253ccontactid%2520last%253d%2522%257b70BF"
    "4D48-34CB-ED11-B596-0022481D68CD%257d%2522%2520first%253d%2522%257b49B0BE2E-D01C-ED11-B83E-"
    '000D3A572421%257d%2522%2520%252f%253e%253c%252fcookie%253e" istracking="False" />'
)
COOKIE = (
    '<cookie page="1"><fullname last="Susanna Stubberod (sample)" first="Yvonne McKay (sample)" />'
    '<contactid last="{70BF4D48-34CB-ED11-B596-0022481D68CD}" '
    'first="{49B0BE2E-D01C-ED11-B83E-000D3A572421}" /></cookie>'
)


def test_the_query_travels_url_encoded_as_documented(
    wire: responses.RequestsMock, client: DataverseClient
) -> None:
    wire.get(ROOT + "accounts", json={"value": [{"name": "Litware, Inc. (sample)"}]})
    page = client.execute(ops.fetch_xml("accounts", QUERY))
    sent = wire.calls[0].request
    assert sent.method == "GET"
    assert sent.url == f"{ROOT}accounts?fetchXml={ENCODED}"
    assert sent.headers["Prefer"] == PREFER
    assert page.records == [{"name": "Litware, Inc. (sample)"}]
    assert (page.paging_cookie, page.more_records) == (None, False)


def test_the_page_exposes_the_decoded_paging_cookie(
    wire: responses.RequestsMock, client: DataverseClient
) -> None:
    wire.get(
        ROOT + "contacts",
        json={
            "@Microsoft.Dynamics.CRM.fetchxmlpagingcookie": ANNOTATION,
            "@Microsoft.Dynamics.CRM.morerecords": True,
            "value": [],
        },
    )
    page = client.execute(
        ops.fetch_xml("contacts", "<fetch count='3' page='1'><entity name='contact' /></fetch>")
    )
    assert page.more_records is True
    assert page.paging_cookie == COOKIE


def test_the_next_page_carries_the_cookie_in_the_fetch_element() -> None:
    request = ops.fetch_xml(
        "contacts",
        "<fetch count='3' page='1'><entity name='contact' /></fetch>",
        page=2,
        paging_cookie=COOKIE,
    )
    [(name, xml)] = request.query
    root = ET.fromstring(xml)
    assert (name, root.get("page"), root.get("count")) == ("fetchXml", "2", "3")
    assert root.get("paging-cookie") == COOKIE
    # XML-encoded in the attribute, as the page's example: paging-cookie='&lt;cookie page="1"&gt;…
    assert "&lt;cookie page=&quot;1&quot;&gt;" in xml


def test_annotations_from_the_config_join_the_fetch_ones(wire: responses.RequestsMock) -> None:
    client = make_client(
        RequestsTransport(), include_annotations="OData.Community.Display.V1.FormattedValue"
    )
    wire.get(ROOT + "accounts", json={"value": []})
    client.execute(ops.fetch_xml("accounts", QUERY))
    assert (
        wire.calls[0].request.headers["Prefer"]
        == PREFER[:-1] + ',OData.Community.Display.V1.FormattedValue"'
    )


@pytest.mark.parametrize("xml", ["<entity name='x' />", "", "<!DOCTYPE x><fetch />"])
def test_what_is_not_a_fetch_query_is_refused_before_sending(xml: str) -> None:
    with pytest.raises(InvalidRequestError):
        ops.fetch_xml("accounts", xml, page=2)


def test_paging_through_the_emulator_with_the_cookie() -> None:
    kit = emulator_client()
    try:
        query = (
            "<fetch count='4'><entity name='subject'><attribute name='title' />"
            "<order attribute='title' /></entity></fetch>"
        )
        page = kit.client.execute(ops.fetch_xml("subjects", query))
        titles, number = [r["title"] for r in page.records], 1
        while page.more_records:
            number += 1
            page = kit.client.execute(
                ops.fetch_xml("subjects", query, page=number, paging_cookie=page.paging_cookie)
            )
            titles += [r["title"] for r in page.records]
    finally:
        kit.close()
    everything = [*CATALOGUE, *(s for _, subs in CATALOGUE.values() for s in subs)]
    # In the organisation's collation's order ("Éclairage public" among the E's).
    assert titles == sorted(everything, key=fold)
    assert number == -(-len(everything) // 4)
