"""``cityzen emulator case …`` acts as an agent on the running emulator the Dataverse way
(CloseIncident to resolve, state and status reason updates, an owner update to assign), as the
impersonated agent, and what it does reaches the service endpoint the way an agent's change
in Dynamics 365 does."""

from __future__ import annotations

import pytest
import requests

from cityzen_connector.emulator import (
    BASE_PATH,
    agent_id,
    team_id,
)

from .agent import HEADERS, Emulator, case_command, last_event


def test_list_shows_tickets_statuses_and_owners_never_the_citizen(
    emulator: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = case_command(capsys, "list")
    assert code == 0
    assert "no case yet" in out
    ticket = emulator.new_case()
    code, out = case_command(capsys, "list")
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
    code, out = case_command(capsys, "hold", ticket)
    assert code == 0
    assert out.strip() == f"{ticket}: Active / On Hold (as agnes.martin)"
    case = emulator.by_ticket(ticket)
    assert (case["statecode"], case["statuscode"]) == (0, 2)
    assert case["_modifiedby_value"] == agent_id("agnes.martin")
    event = last_event(emulator)
    assert (event["MessageName"], event["InitiatingUserId"]) == ("Update", agent_id("agnes.martin"))


def test_resolve_uses_close_incident_and_a_second_time_says_why_not(
    emulator: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    ticket = emulator.new_case()
    code, out = case_command(
        capsys, "--as", "bruno.lefevre", "resolve", ticket, "--resolution", "Enlevé"
    )
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
    assert last_event(emulator)["InitiatingUserId"] == agent_id("bruno.lefevre")
    code, out = case_command(capsys, "resolve", ticket)
    assert code == 1
    assert "already resolved or canceled (reopen it first) (Dataverse 0x80044411)" in out


def test_a_resolved_reason_given_to_status_resolves_the_case(
    emulator: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    ticket = emulator.new_case()
    code, _ = case_command(capsys, "status", ticket, "information-provided")
    assert code == 0
    case = emulator.by_ticket(ticket)
    assert (case["statecode"], case["statuscode"]) == (1, 1000)


def test_cancel_then_reopen(emulator: Emulator, capsys: pytest.CaptureFixture[str]) -> None:
    ticket = emulator.new_case()
    assert case_command(capsys, "cancel", ticket)[0] == 0
    assert (emulator.by_ticket(ticket)["statecode"], emulator.by_ticket(ticket)["statuscode"]) == (
        2,
        6,
    )
    code, out = case_command(capsys, "reopen", ticket)
    assert code == 0
    assert "Active / In Progress" in out
    assert emulator.by_ticket(ticket)["statecode"] == 0


def test_assign_gives_the_case_to_a_team(
    emulator: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    ticket = emulator.new_case()
    code, out = case_command(capsys, "assign", ticket, "Voirie")
    assert code == 0
    assert out.strip() == f"{ticket}: owned by the team Voirie (as agnes.martin)"
    assert emulator.by_ticket(ticket)["_ownerid_value"] == team_id("Voirie")
    attributes = {
        a["key"]: a["value"]
        for a in last_event(emulator)["InputParameters"][0]["value"]["Attributes"]
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
    code, out = case_command(capsys, *(a.format(ticket=ticket) for a in args))
    assert code == 1
    assert said in out
    assert "Traceback" not in out
    assert len(emulator.posted) == posted


def test_a_dataverse_that_is_not_local_is_never_acted_on(
    emulator: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = case_command(
        capsys, "--dataverse-url", "https://contoso.crm4.dynamics.com", "hold", "CAS-00001-AAAAAA"
    )
    assert code == 1
    assert "acts on the local emulator only" in out
