"""FetchXML pages, as "Page results using FetchXml" (Microsoft Learn) shows them through the
Web API: count and page, the paging cookie and more-records annotations, the cookie's double
URL encoding, and nothing of them on the last page."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import unquote
from xml.sax.saxutils import quoteattr

from cityzen_connector.emulator import CATALOGUE
from cityzen_connector.emulator._collation import fold

from .conftest import Api
from .fetch import PAGING, account, fetch, rows

# Sorted as the organisation's collation sorts them ("Éclairage public" among the E's).
SUBJECTS = sorted([*CATALOGUE, *(s for _, subs in CATALOGUE.values() for s in subs)], key=fold)
QUERY = (
    "<fetch count='3' page='{page}'{cookie}><entity name='subject'><attribute name='title' />"
    "<order attribute='title' /></entity></fetch>"
)


def _inner(annotation: str) -> str:
    """The pagingcookie attribute of the annotation, URL-decoded twice, as the page says."""
    match = re.fullmatch(
        r'<cookie pagenumber="\d+" pagingcookie="([^"]+)" istracking="False" />', annotation
    )
    assert match, annotation
    return unquote(unquote(match.group(1)))


def _page(api: Api, page: int, cookie: str | None) -> tuple[dict[str, Any], dict[str, str]]:
    attr = f" paging-cookie={quoteattr(cookie)}" if cookie else ""
    response = fetch(api, "subjects", QUERY.format(page=page, cookie=attr), PAGING)
    assert response.status_code == 200, response.text
    return response.json(), dict(response.headers)


def test_first_page_has_the_documented_annotations(api: Api) -> None:
    body, headers = _page(api, 1, None)
    assert headers["Preference-Applied"] == PAGING
    assert list(body) == [
        "@odata.context",
        "@Microsoft.Dynamics.CRM.fetchxmlpagingcookie",
        "@Microsoft.Dynamics.CRM.morerecords",
        "value",
    ]
    assert body["@Microsoft.Dynamics.CRM.morerecords"] is True
    cookie = body["@Microsoft.Dynamics.CRM.fetchxmlpagingcookie"]
    # '<cookie pagenumber="2" pagingcookie="%253ccookie%2520page%253d%25221%2522%253e…'
    assert cookie.startswith(
        '<cookie pagenumber="2" pagingcookie="%253ccookie%2520page%253d%25221%2522%253e'
    )
    first, last = body["value"][0], body["value"][-1]
    # '<cookie page="1"><fullname last="…" first="…" /><contactid last="{70BF…}"
    # first="{49B0…}" /></cookie>'
    assert _inner(cookie) == (
        f'<cookie page="1"><title last="{last["title"]}" first="{first["title"]}" />'
        f'<subjectid last="{{{last["subjectid"].upper()}}}" '
        f'first="{{{first["subjectid"].upper()}}}" /></cookie>'
    )


def test_pages_follow_the_cookie_to_the_last_page(api: Api) -> None:
    seen: list[str] = []
    page, cookie = 1, None
    while True:
        body, headers = _page(api, page, cookie)
        seen += [r["title"] for r in body["value"]]
        if "@Microsoft.Dynamics.CRM.morerecords" not in body:
            break
        cookie = _inner(body["@Microsoft.Dynamics.CRM.fetchxmlpagingcookie"])
        page += 1
    assert seen == SUBJECTS
    # "On the final page, the … annotations aren't included in the response."
    assert "@Microsoft.Dynamics.CRM.fetchxmlpagingcookie" not in body
    assert "Preference-Applied" not in headers


def test_the_cookie_pages_from_the_last_row_not_from_an_offset(api: Api) -> None:
    for name in ("B", "D", "F", "H"):
        account(api, name)
    xml = (
        "<fetch count='2' page='{page}'{cookie}><entity name='account'><attribute name='name' />"
        "<order attribute='name' /></entity></fetch>"
    )
    first = fetch(api, "accounts", xml.format(page=1, cookie=""), PAGING).json()
    cookie = _inner(first["@Microsoft.Dynamics.CRM.fetchxmlpagingcookie"])
    account(api, "A")  # before the first page's last row, while the client pages
    with_cookie = rows(
        api, "accounts", xml.format(page=2, cookie=f" paging-cookie={quoteattr(cookie)}")
    )
    assert [r["name"] for r in with_cookie] == ["F", "H"]
    # Without a cookie, page 2 is an offset: the row added before it pushes "D" onto it again.
    assert [r["name"] for r in rows(api, "accounts", xml.format(page=2, cookie=""))] == ["D", "F"]


def test_annotations_only_when_asked_for(api: Api) -> None:
    plain = fetch(api, "subjects", QUERY.format(page=1, cookie="")).json()
    assert list(plain) == ["@odata.context", "value"]
    more = 'odata.include-annotations="Microsoft.Dynamics.CRM.morerecords"'
    only_more = fetch(api, "subjects", QUERY.format(page=1, cookie=""), more).json()
    assert list(only_more) == ["@odata.context", "@Microsoft.Dynamics.CRM.morerecords", "value"]


def test_simple_paging_by_page_number(api: Api) -> None:
    titles = [r["title"] for r in rows(api, "subjects", QUERY.format(page=2, cookie=""))]
    assert titles == SUBJECTS[3:6]


def test_a_query_ordered_by_a_link_entity_gets_no_cookie(api: Api) -> None:
    xml = (
        "<fetch count='2'><entity name='subject'><attribute name='title' />"
        "<link-entity name='subject' from='subjectid' to='parentsubject' alias='theme'>"
        "<order attribute='title' /></link-entity></entity></fetch>"
    )
    body = fetch(api, "subjects", xml, PAGING).json()
    # "Some queries do not support paging cookies … queries sorted using a link-entity".
    assert "@Microsoft.Dynamics.CRM.fetchxmlpagingcookie" not in body
    assert body["@Microsoft.Dynamics.CRM.morerecords"] is True


def test_a_cookie_for_other_columns_is_refused(api: Api) -> None:
    cookie = '<cookie page="1"><name last="x" /></cookie>'
    response = fetch(
        api, "subjects", QUERY.format(page=2, cookie=f" paging-cookie={quoteattr(cookie)}")
    )
    assert response.status_code == 400
    # QueryBuilderPagingOrderBy, "Web service error codes".
    assert response.json()["error"]["code"] == "0x80041129"
