"""``cityzen dataverse register-events`` against the emulator over real HTTP: it creates the
service endpoint, the two steps and their images, says so line by line, changes nothing the
second time or with ``--dry-run``, repairs drift, never prints the SAS key, and what it
registers makes the emulator post a case's changes."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from cityzen_connector.cases import CASE_COLUMNS, CaseSchema
from cityzen_connector.cli import main
from cityzen_connector.emulator import (
    BASE_PATH,
    EmulatorApp,
    EmulatorConfig,
    ServiceBusMessage,
    create_app,
    seed,
)
from cityzen_connector.mapping import load_mappings
from cityzen_connector.testing import FakeClock
from tests.support.emulator import Switch, provisioned_emulator
from tests.support.paths import MAPPINGS

KEY = "U2VuZE9ubHlLZXktZG8tbm90LXByaW50LW1lLTQ0Mg=="
PEPPER = "p" * 32


class Served:
    def __init__(self, url: str, app: EmulatorApp, posted: list[ServiceBusMessage]) -> None:
        self.url, self.app, self.posted = url, app, posted

    def get(self, path: str) -> list[dict[str, Any]]:
        headers = {"Authorization": "Bearer t", "Accept": "application/json"}
        response = requests.get(self.url + BASE_PATH + path, headers=headers, timeout=10)
        assert response.status_code == 200, response.text
        value: list[dict[str, Any]] = response.json()["value"]
        return value

    def patch(self, path: str, body: dict[str, Any]) -> None:
        headers = {"Authorization": "Bearer t", "Content-Type": "application/json"}
        response = requests.patch(
            self.url + BASE_PATH + path, data=json.dumps(body), headers=headers, timeout=10
        )
        assert response.status_code == 204, response.text


@pytest.fixture
def served(
    emulator_server: tuple[str, Switch], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Served]:
    url, switch = emulator_server
    posted: list[ServiceBusMessage] = []
    # Provisioned: the image carries the submission id column provisioning creates.
    app = provisioned_emulator(load_mappings(MAPPINGS), FakeClock(), sink=posted.append)
    switch.target = app
    monkeypatch.setenv("CITYZEN_DATAVERSE_URL", url)
    monkeypatch.setenv("CITYZEN_QUEUE_URL", f"sqlite:///{tmp_path}/queue.db")
    monkeypatch.setenv("CITYZEN_STORE_URL", f"sqlite:///{tmp_path}/state.db")
    monkeypatch.setenv("CITYZEN_CASE_EVENTS_SAS_KEY", KEY)
    try:
        yield Served(url, app, posted)
    finally:
        switch.target = None
        app.close()


MAPPED_PROFILE = load_mappings(MAPPINGS).profile
assert MAPPED_PROFILE is not None


def _run(capsys: pytest.CaptureFixture[str], *flags: str) -> tuple[int, list[str], str]:
    code = main(["dataverse", "register-events", *flags])
    out, err = capsys.readouterr()
    return code, out.splitlines(), out + err


def test_a_first_run_creates_the_endpoint_steps_and_images(
    served: Served, capsys: pytest.CaptureFixture[str]
) -> None:
    code, lines, text = _run(capsys)
    assert code == 0
    assert [line.split()[0] for line in lines[:-1]] == ["created"] * 9
    assert "service endpoint  cityzen-case-events" in lines[0]
    assert lines[-1].startswith("9 object(s) changed, 0 unchanged (queue case-events on sb://")
    assert KEY not in text
    [endpoint] = served.get(
        "serviceendpoints?$select=contract,messageformat,authtype,path,saskeyname,issaskeyset"
    )
    assert (endpoint["contract"], endpoint["messageformat"], endpoint["authtype"]) == (2, 2, 2)
    assert (endpoint["path"], endpoint["saskeyname"]) == ("case-events", "dataverse-send")
    assert endpoint["issaskeyset"] is True
    steps = served.get(
        "sdkmessageprocessingsteps?$select=name,stage,mode,asyncautodelete,filteringattributes"
        "&$orderby=name"
    )
    assert [(s["name"], s["stage"], s["mode"]) for s in steps] == [
        ("CityZen case events: Create of cz_casemessage", 40, 1),
        ("CityZen case events: Create of incident", 40, 1),
        ("CityZen case events: Update of contact", 40, 1),
        ("CityZen case events: Update of incident", 40, 1),
    ]
    assert steps[3]["filteringattributes"] == "statecode,statuscode,ownerid"
    # The citizen's record: an agent's change of a profile column (docs/profile.md).
    assert steps[2]["filteringattributes"].split(",") == list(MAPPED_PROFILE.columns())
    images = served.get("sdkmessageprocessingstepimages?$select=entityalias,messagepropertyname")
    assert sorted((i["entityalias"], i["messagepropertyname"]) for i in images) == [
        ("message", "Id"),
        ("profile", "Target"),
        ("status", "Id"),
        ("status", "Target"),
    ]


def test_the_image_carries_every_column_the_case_events_consumer_reads(
    served: Served, capsys: pytest.CaptureFixture[str]
) -> None:
    # What the registration asks for and what cases/ reads cannot drift apart: every column
    # of CASE_COLUMNS and the mappings' submission id column are in both case images.
    assert _run(capsys)[0] == 0
    needed = {*CASE_COLUMNS, CaseSchema.from_mappings(load_mappings(MAPPINGS)).submission_column}
    assert "cz_submissionid" in needed
    images = served.get("sdkmessageprocessingstepimages?$select=attributes,imagetype,entityalias")
    case_images = [image for image in images if image["entityalias"] == "status"]
    assert len(case_images) == 2
    for image in case_images:
        assert image["imagetype"] == 1  # a post-image: the case as the operation left it
        assert set(image["attributes"].split(",")) >= needed
        assert "title" not in image["attributes"]  # a citizen's words stay out of the queue


def test_without_the_provisioned_submission_column_nothing_is_registered(
    emulator_server: tuple[str, Switch],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    url, switch = emulator_server
    bare = create_app(EmulatorConfig())
    seed(bare)  # the sample organisation, not provisioned
    switch.target = bare
    monkeypatch.setenv("CITYZEN_DATAVERSE_URL", url)
    monkeypatch.setenv("CITYZEN_STORE_URL", f"sqlite:///{tmp_path}/state.db")
    try:
        code = main(["dataverse", "register-events"])
        written = Served(url, bare, []).get("serviceendpoints?$select=name")
    finally:
        switch.target = None
        bare.close()
    assert code == 1
    assert capsys.readouterr().err.strip() == (
        "error: ProvisionError: the incident table has no column cz_submissionid:"
        " run `cityzen dataverse provision` first"
    )
    assert written == []


def test_a_second_run_changes_nothing(served: Served, capsys: pytest.CaptureFixture[str]) -> None:
    assert _run(capsys)[0] == 0
    code, lines, _ = _run(capsys)
    assert code == 0
    assert [line.split()[0] for line in lines[:-1]] == ["unchanged"] * 9
    assert lines[-1].startswith("0 object(s) changed, 9 unchanged")


def test_a_dry_run_says_what_it_would_do_and_writes_nothing(
    served: Served, capsys: pytest.CaptureFixture[str]
) -> None:
    code, lines, _ = _run(capsys, "--dry-run")
    assert code == 0
    assert [" ".join(line.split()[:2]) for line in lines[:-1]] == ["would create"] * 9
    assert lines[-1].startswith("9 object(s) would change")
    assert served.get("serviceendpoints?$select=name") == []


def test_drift_is_repaired_and_named(served: Served, capsys: pytest.CaptureFixture[str]) -> None:
    _run(capsys)
    name = "CityZen case events: Update of incident"
    [update] = served.get(f"sdkmessageprocessingsteps?$select=name&$filter=name eq '{name}'")
    step = update["sdkmessageprocessingstepid"]
    served.patch(f"sdkmessageprocessingsteps({step})", {"filteringattributes": "title"})
    served.patch(f"sdkmessageprocessingsteps({step})", {"statecode": 1})
    code, lines, _ = _run(capsys, "--dry-run")
    assert f"would update  step              {name}" in lines[3]
    assert "(filteringattributes, statecode)" in lines[3]
    code, lines, _ = _run(capsys)
    assert code == 0
    assert lines[3].startswith("updated")
    [fixed] = served.get(
        f"sdkmessageprocessingsteps?$select=filteringattributes,statecode"
        f"&$filter=sdkmessageprocessingstepid eq {step}"
    )
    assert (fixed["filteringattributes"], fixed["statecode"]) == ("statecode,statuscode,ownerid", 0)
    assert _run(capsys)[1][-1].startswith("0 object(s) changed")


def test_a_rotated_key_is_sent_again_on_request_only(
    served: Served, capsys: pytest.CaptureFixture[str]
) -> None:
    _run(capsys)
    code, lines, text = _run(capsys, "--update-key")
    assert code == 0
    assert lines[0].startswith("updated")
    assert lines[0].endswith("(saskey)")
    assert KEY not in text


def test_a_real_dataverse_needs_the_namespace_and_key(
    served: Served, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CITYZEN_DATAVERSE_URL", "https://contoso.crm4.dynamics.com")
    monkeypatch.setenv("CITYZEN_IDENTITY_PEPPER", PEPPER)
    monkeypatch.setenv("CITYZEN_CASE_EVENTS_SAS_KEY", "")
    code = main(["dataverse", "register-events", "--dry-run"])
    err = capsys.readouterr().err
    assert code == 2
    assert "CITYZEN_CASE_EVENTS_NAMESPACE: required" in err
    assert "CITYZEN_CASE_EVENTS_SAS_KEY: required" in err


def test_what_it_registers_makes_the_emulator_post_case_changes(
    served: Served, capsys: pytest.CaptureFixture[str]
) -> None:
    _run(capsys)
    headers = {"Authorization": "Bearer t", "Content-Type": "application/json"}
    root = served.url + BASE_PATH
    contact = requests.post(root + "contacts", json={"lastname": "Diallo"}, headers=headers)
    contact_id = contact.headers["OData-EntityId"].rsplit("(", 1)[1].rstrip(")")
    body = {"title": "Encombrants", "customerid_contact@odata.bind": f"/contacts({contact_id})"}
    created = requests.post(root + "incidents", json=body, headers=headers, timeout=10)
    case = created.headers["OData-EntityId"].rsplit("(", 1)[1].rstrip(")")
    served.patch(f"incidents({case})", {"statecode": 0, "statuscode": 2})
    served.patch(f"incidents({case})", {"title": "Encombrants (2 m³)"})  # not filtered in
    create, update = served.posted
    assert (create.queue, update.queue) == ("case-events", "case-events")
    names = [json.loads(m.body)["MessageName"] for m in (create, update)]
    assert names == ["Create", "Update"]


def test_what_it_registers_makes_the_emulator_post_a_message_written_on_a_case(
    served: Served, capsys: pytest.CaptureFixture[str]
) -> None:
    _run(capsys)
    headers = {"Authorization": "Bearer t", "Content-Type": "application/json"}
    root = served.url + BASE_PATH
    contact = requests.post(root + "contacts", json={"lastname": "Diallo"}, headers=headers)
    contact_id = contact.headers["OData-EntityId"].rsplit("(", 1)[1].rstrip(")")
    body = {"title": "Encombrants", "customerid_contact@odata.bind": f"/contacts({contact_id})"}
    created = requests.post(root + "incidents", json=body, headers=headers, timeout=10)
    case = created.headers["OData-EntityId"].rsplit("(", 1)[1].rstrip(")")
    message = {
        "subject": "Réponse de la mairie",
        "description": "Collecte prévue jeudi",
        "cz_direction": 2,
        "cz_visibletocitizen": True,
        "regardingobjectid_incident_cz_casemessage@odata.bind": f"/incidents({case})",
    }
    written = requests.post(root + "cz_casemessages", json=message, headers=headers, timeout=10)
    assert written.status_code == 204, written.text
    posted = json.loads(served.posted[-1].body)
    assert (posted["MessageName"], posted["PrimaryEntityName"]) == ("Create", "cz_casemessage")
    images = {i["key"]: i["value"] for i in posted["PostEntityImages"]}
    image = {a["key"]: a["value"] for a in images["message"]["Attributes"]}
    assert image["cz_direction"]["Value"] == 2  # an OptionSetValue
    assert image["cz_visibletocitizen"] is True
    assert (image["regardingobjectid"]["LogicalName"], image["regardingobjectid"]["Id"]) == (
        "incident",
        case,
    )
    assert image["description"] == "Collecte prévue jeudi"
