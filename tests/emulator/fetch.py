"""Helpers of the FetchXML tests: send a query the way "Use FetchXml to query data" shows it."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import requests

from .conftest import Api

PAGING = (
    'odata.include-annotations="Microsoft.Dynamics.CRM.fetchxmlpagingcookie,'
    'Microsoft.Dynamics.CRM.morerecords"'
)


def fetch(api: Api, entity_set: str, xml: str, prefer: str | None = None) -> requests.Response:
    headers = {"Prefer": prefer} if prefer else {}
    return api.get(f"{entity_set}?fetchXml={quote(xml, safe='')}", headers=headers)


def rows(api: Api, entity_set: str, xml: str, prefer: str | None = None) -> list[dict[str, Any]]:
    response = fetch(api, entity_set, xml, prefer)
    assert response.status_code == 200, response.text
    value: list[dict[str, Any]] = response.json()["value"]
    return value


def error(api: Api, entity_set: str, xml: str, prefer: str | None = None) -> dict[str, str]:
    response = fetch(api, entity_set, xml, prefer)
    assert response.status_code == 400, response.text
    body: dict[str, str] = response.json()["error"]
    return body


def account(api: Api, name: str, **columns: Any) -> str:
    response = api.post("accounts", {"name": name, **columns})
    assert response.status_code == 204, response.text
    return response.headers["OData-EntityId"].rsplit("(", 1)[1].rstrip(")")
