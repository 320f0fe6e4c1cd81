"""An emulator the ``cityzen emulator case`` tests act on: seeded, its conversation table
provisioned, the case events registered (``cityzen dataverse register-events``), what it posts
kept; and how they run the command and read what it posted."""

from __future__ import annotations

import json
from typing import Any

import pytest
import requests

from cityzen_connector.cli import main
from cityzen_connector.emulator import BASE_PATH, EmulatorApp, ServiceBusMessage

HEADERS = {"Authorization": "Bearer t", "Accept": "application/json"}


class Emulator:
    def __init__(self, url: str, app: EmulatorApp, posted: list[ServiceBusMessage]) -> None:
        self.url, self.app, self.posted = url, app, posted

    def new_case(self) -> str:
        root = self.url + BASE_PATH
        contact = requests.post(
            root + "contacts", json={"firstname": "Zoé", "lastname": "Diallo"}, headers=HEADERS
        )
        contact_id = contact.headers["OData-EntityId"].rsplit("(", 1)[1].rstrip(")")
        body = {
            "title": "Dépôt sauvage rue des Lilas",
            "customerid_contact@odata.bind": f"/contacts({contact_id})",
        }
        created = requests.post(root + "incidents", json=body, headers=HEADERS, timeout=10)
        case = created.headers["OData-EntityId"].rsplit("(", 1)[1].rstrip(")")
        return str(self.case(case)["ticketnumber"])

    def case(self, case_id: str) -> dict[str, Any]:
        url = self.url + BASE_PATH + f"incidents({case_id})"
        columns = "ticketnumber,statecode,statuscode,_ownerid_value,_modifiedby_value"
        response = requests.get(url + f"?$select={columns}", headers=HEADERS, timeout=10)
        value: dict[str, Any] = response.json()
        return value

    def rows(self, path: str) -> list[dict[str, Any]]:
        response = requests.get(self.url + BASE_PATH + path, headers=HEADERS, timeout=10)
        assert response.status_code == 200, response.text
        value: list[dict[str, Any]] = response.json()["value"]
        return value

    def by_ticket(self, ticket: str) -> dict[str, Any]:
        url = self.url + BASE_PATH + "incidents"
        query = f"?$select=incidentid&$filter=ticketnumber eq '{ticket}'"
        [row] = requests.get(url + query, headers=HEADERS, timeout=10).json()["value"]
        return self.case(row["incidentid"])


def case_command(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    capsys.readouterr()
    code = main(["emulator", "case", *args])
    out, err = capsys.readouterr()
    return code, out + err


def last_event(emulator: Emulator) -> dict[str, Any]:
    value: dict[str, Any] = json.loads(emulator.posted[-1].body)
    return value
