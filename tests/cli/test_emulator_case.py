"""``cityzen emulator case …`` acts as an agent on the running emulator the Dataverse way
(CloseIncident to resolve, state and status reason updates, an owner update to assign), as the
impersonated agent, and what it does reaches the service endpoint the way an agent's change
in Dynamics 365 does."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from cityzen_connector.cli import main
from cityzen_connector.emulator import (
    BASE_PATH,
    EmulatorApp,
    EmulatorConfig,
    ServiceBusMessage,
    agent_id,
    create_app,
    seed,
    team_id,
)
from tests.support.emulator import Switch, conversation_table

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

    def by_ticket(self, ticket: str) -> dict[str, Any]:
        url = self.url + BASE_PATH + "incidents"
        query = f"?$select=incidentid&$filter=ticketnumber eq '{ticket}'"
        [row] = requests.get(url + query, headers=HEADERS, timeout=10).json()["value"]
        return self.case(row["incidentid"])


@pytest.fixture
def emulator(
    emulator_server: tuple[str, Switch], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Emulator]:
    url, switch = emulator_server
    posted: list[ServiceBusMessage] = []
    app = create_app(EmulatorConfig(), sink=posted.append)
    seed(app)
    conversation_table(app)  # provisioned: register-events needs its message filter
    switch.target = app
    monkeypatch.setenv("CITYZEN_DATAVERSE_URL", url)
    monkeypatch.setenv("CITYZEN_QUEUE_URL", f"sqlite:///{tmp_path}/queue.db")
    monkeypatch.setenv("CITYZEN_STORE_URL", f"sqlite:///{tmp_path}/state.db")
    assert main(["dataverse", "register-events"]) == 0
    try:
        yield Emulator(url, app, posted)
    finally:
        switch.target = None
        app.close()


def _case(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    capsys.readouterr()
    code = main(["emulator", "case", *args])
    out, err = capsys.readouterr()
    return code, out + err


def _last_event(emulator: Emulator) -> dict[str, Any]:
    value: dict[str, Any] = json.loads(emulator.posted[-1].body)
    return value


def test_list_shows_tickets_statuses_and_owners_never_the_citizen(
    emulator: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = _case(capsys, "list")
    assert code == 0
    assert "no case yet" in out
    ticket = emulator.new_case()
    code, out = _case(capsys, "list")
    assert code == 0
    [line] = [line for line in out.splitlines() if line.startswith(ticket)]
    assert "Active / In Progress" in line
    assert line.endswith("CityZen Connecteur")  # the owner: the connector's application user
    for personal in ("Zoé", "Diallo", "Dépôt", "Lilas"):
        assert personal not in out


def test_hold_is_a_status_update_made_by_the_agent(
    emulator: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    ticket = emulator.new_case()
    code, out = _case(capsys, "hold", ticket)
    assert code == 0
    assert out.strip() == f"{ticket}: Active / On Hold (as agnes.martin)"
    case = emulator.by_ticket(ticket)
    assert (case["statecode"], case["statuscode"]) == (0, 2)
    assert case["_modifiedby_value"] == agent_id("agnes.martin")
    event = _last_event(emulator)
    assert (event["MessageName"], event["InitiatingUserId"]) == ("Update", agent_id("agnes.martin"))


def test_resolve_uses_close_incident_and_a_second_time_says_why_not(
    emulator: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    ticket = emulator.new_case()
    code, out = _case(capsys, "--as", "bruno.lefevre", "resolve", ticket, "--resolution", "Enlevé")
    assert code == 0
    assert "Resolved / Problem Solved (CloseIncident, as bruno.lefevre)" in out
    case = emulator.by_ticket(ticket)
    assert (case["statecode"], case["statuscode"]) == (1, 5)
    resolutions = requests.get(
        emulator.url + BASE_PATH + "incidentresolutions?$select=subject",
        headers=HEADERS,
        timeout=10,
    ).json()["value"]
    assert [r["subject"] for r in resolutions] == ["Enlevé"]
    assert _last_event(emulator)["InitiatingUserId"] == agent_id("bruno.lefevre")
    code, out = _case(capsys, "resolve", ticket)
    assert code == 1
    assert "already resolved or canceled (reopen it first) (Dataverse 0x80044411)" in out


def test_a_resolved_reason_given_to_status_resolves_the_case(
    emulator: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    ticket = emulator.new_case()
    code, _ = _case(capsys, "status", ticket, "information-provided")
    assert code == 0
    case = emulator.by_ticket(ticket)
    assert (case["statecode"], case["statuscode"]) == (1, 1000)


def test_cancel_then_reopen(emulator: Emulator, capsys: pytest.CaptureFixture[str]) -> None:
    ticket = emulator.new_case()
    assert _case(capsys, "cancel", ticket)[0] == 0
    assert (emulator.by_ticket(ticket)["statecode"], emulator.by_ticket(ticket)["statuscode"]) == (
        2,
        6,
    )
    code, out = _case(capsys, "reopen", ticket)
    assert code == 0
    assert "Active / In Progress" in out
    assert emulator.by_ticket(ticket)["statecode"] == 0


def test_assign_gives_the_case_to_a_team(
    emulator: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    ticket = emulator.new_case()
    code, out = _case(capsys, "assign", ticket, "Voirie")
    assert code == 0
    assert out.strip() == f"{ticket}: owned by the team Voirie (as agnes.martin)"
    assert emulator.by_ticket(ticket)["_ownerid_value"] == team_id("Voirie")
    attributes = {
        a["key"]: a["value"]
        for a in _last_event(emulator)["InputParameters"][0]["value"]["Attributes"]
    }
    assert attributes["ownerid"]["LogicalName"] == "team"


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (("hold", "CAS-99999-ZZZZZZ"), "no case with the ticket CAS-99999-ZZZZZZ"),
        (("assign", "{ticket}", "Nobody"), "no team named Nobody"),
    ],
)
def test_what_does_not_exist_is_one_line_and_exit_code_1(
    emulator: Emulator, capsys: pytest.CaptureFixture[str], args: tuple[str, ...], said: str
) -> None:
    ticket = emulator.new_case()
    posted = len(emulator.posted)
    code, out = _case(capsys, *(a.format(ticket=ticket) for a in args))
    assert code == 1
    assert said in out
    assert "Traceback" not in out
    assert len(emulator.posted) == posted


def test_a_dataverse_that_is_not_local_is_never_acted_on(
    emulator: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = _case(
        capsys, "--dataverse-url", "https://contoso.crm4.dynamics.com", "hold", "CAS-00001-AAAAAA"
    )
    assert code == 1
    assert "acts on the local emulator only" in out
