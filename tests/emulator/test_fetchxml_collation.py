"""FetchXML under the organisation's collation, the one ``$filter`` uses.

"Language collations" (Microsoft Learn, power-platform/admin/language-collations): the collation
of the organisation's database "affects things such as recognized characters, sorting, quick
find, and filtering"; 1036 French (France) is ``_CI_AI``. FetchXML runs on that database, so
its conditions (``like`` and its kin included, "Use wildcard characters in conditions for string
values") and its orders ("Order rows using FetchXml") compare text as ``$filter`` does.
"""

from __future__ import annotations

from urllib.parse import unquote
from xml.sax.saxutils import quoteattr

import pytest

from .conftest import Api
from .fetch import PAGING, account, fetch, rows

NAMES = ["Zoé", "émile", "Eric", "Élodie", "zoe bis", "Ecole"]


@pytest.fixture
def named(api: Api) -> Api:
    for name in NAMES:
        account(api, name)
    return api


def _names(api: Api, condition: str) -> set[str]:
    xml = (
        "<fetch><entity name='account'><attribute name='name' />"
        f"<filter>{condition}</filter></entity></fetch>"
    )
    return {r["name"] for r in rows(api, "accounts", xml)}


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        ("<condition attribute='name' operator='like' value='%LODIE' />", {"Élodie"}),
        ("<condition attribute='name' operator='begins-with' value='EMI' />", {"émile"}),
        ("<condition attribute='name' operator='ends-with' value='oe' />", {"Zoé"}),
        (
            "<condition attribute='name' operator='not-like' value='e%' />",
            {"Zoé", "zoe bis"},
        ),
        ("<condition attribute='name' operator='eq' value='ZOE' />", {"Zoé"}),
    ],
)
def test_like_conditions_ignore_case_and_accents(
    named: Api, condition: str, expected: set[str]
) -> None:
    assert _names(named, condition) == expected


def test_a_wide_percent_sign_in_a_like_value_is_not_a_wildcard(api: Api) -> None:
    account(api, "100% bio")
    account(api, "100 ans")
    # U+FF05 folds to "%" (width-insensitive), but only the ASCII "%" is a wildcard.
    condition = "<condition attribute='name' operator='like' value='100\uff05%' />"
    assert _names(api, condition) == {"100% bio"}


ORDERED = ["Ecole", "Élodie", "émile", "Eric", "Zoé", "zoe bis"]


def test_orders_sort_text_under_the_collation(named: Api) -> None:
    xml = (
        "<fetch><entity name='account'><attribute name='name' />"
        "<order attribute='name' /></entity></fetch>"
    )
    assert [r["name"] for r in rows(named, "accounts", xml)] == ORDERED


def test_pages_follow_the_collated_order(named: Api) -> None:
    query = (
        "<fetch count='2' page='{page}'{cookie}><entity name='account'>"
        "<attribute name='name' /><order attribute='name' /></entity></fetch>"
    )
    seen: list[str] = []
    cookie = ""
    for page in (1, 2, 3):
        response = fetch(named, "accounts", query.format(page=page, cookie=cookie), PAGING)
        assert response.status_code == 200, response.text
        body = response.json()
        seen += [r["name"] for r in body["value"]]
        annotation = body.get("@Microsoft.Dynamics.CRM.fetchxmlpagingcookie")
        if annotation is None:
            break
        inner = annotation.split('pagingcookie="', 1)[1].split('"', 1)[0]
        cookie = f" paging-cookie={quoteattr(unquote(unquote(inner)))}"
    assert seen == ORDERED
