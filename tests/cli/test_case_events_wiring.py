"""The emulator's Service Bus in local runs: what a service endpoint posts lands on the embedded
queue the endpoint names, with its id, content type and properties (``QueueSink``); ``cityzen
emulator serve --queue-url`` and ``cityzen run`` wire it; ``cityzen run`` registers the
endpoint itself and prints how to act as an agent."""

from __future__ import annotations

import argparse
import json
import shlex
from pathlib import Path

import pytest
import requests

from cityzen_connector.cli import main
from cityzen_connector.cli._case_events import QueueSink, register_case_events
from cityzen_connector.cli._run import (
    _provision_or_stop,
    _start_emulator,
    agent_commands,
)
from cityzen_connector.emulator import BASE_PATH, CLAIMS, ServiceBusMessage
from cityzen_connector.messaging import open_bus
from cityzen_connector.settings import Settings
from cityzen_connector.testing import memory_bus
from tests.support.banner import run_banner

HEADERS = {"Authorization": "Bearer local-dev-token", "Content-Type": "application/json"}


def test_the_sink_sends_the_post_as_the_brokered_message_it_is() -> None:
    bus = memory_bus()
    properties: dict[str, str | bool] = {
        CLAIMS + "EntityLogicalName": "incident",
        CLAIMS + "RequestName": "Update",
        "MessageMaxSizeExceeded": True,
    }
    QueueSink(bus)(
        ServiceBusMessage(
            namespace_address="sb://embedded.servicebus.localhost/",
            queue="case-events",
            message_id="6f0c4a52-2f38-4d4c-9d0e-5b1f3c1b2a10",
            content_type="application/json",
            body=b'{"MessageName":"Update"}',
            properties=properties,
        )
    )
    [received] = bus.receive("case-events")
    assert received.message_id == "6f0c4a52-2f38-4d4c-9d0e-5b1f3c1b2a10"
    assert received.content_type == "application/json"
    assert received.body == b'{"MessageName":"Update"}'
    assert dict(received.application_properties) == properties


def _case(url: str) -> str:
    root = url + BASE_PATH
    contact = requests.post(root + "contacts", json={"lastname": "Diallo"}, headers=HEADERS)
    contact_id = contact.headers["OData-EntityId"].rsplit("(", 1)[1].rstrip(")")
    body = {"title": "Encombrants", "customerid_contact@odata.bind": f"/contacts({contact_id})"}
    created = requests.post(root + "incidents", json=body, headers=HEADERS, timeout=10)
    assert created.status_code == 204, created.text
    return created.headers["OData-EntityId"].rsplit("(", 1)[1].rstrip(")")


def test_serve_with_a_queue_url_posts_onto_that_queue(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from cityzen_connector.cli._emulator import run_serve  # noqa: PLC0415

    queue = f"sqlite:///{tmp_path}/queue.db"
    args = argparse.Namespace(
        host="127.0.0.1",
        port=0,
        data_dir=tmp_path,
        in_memory=True,
        seed=True,
        tls=False,
        token=None,
        throttling=None,
        fault_error_rate=None,
        fault_drop_rate=None,
        fault_latency=None,
        latency_base=None,
        latency_per_operation=None,
        queue_url=queue,
    )

    def agent_day(url: str) -> None:
        monkeypatch.setenv("CITYZEN_DATAVERSE_URL", url)
        monkeypatch.setenv("CITYZEN_QUEUE_URL", queue)
        monkeypatch.setenv("CITYZEN_STORE_URL", f"sqlite:///{tmp_path}/state.db")
        assert main(["dataverse", "provision"]) == 0  # the image's submission id column
        assert main(["dataverse", "register-events"]) == 0
        _case(url)

    settings = Settings(_env_file=None, emulator_key_activation_seconds=0)
    assert run_serve(args, settings, wait=agent_day) == 0
    bus = open_bus(queue)
    try:
        [message] = bus.peek("case-events")
    finally:
        bus.close()
    assert json.loads(message.body)["MessageName"] == "Create"
    assert message.application_properties[CLAIMS + "RequestName"] == "Create"


def test_run_registers_case_events_in_its_emulator_once(tmp_path: Path) -> None:
    settings = Settings(
        _env_file=None,
        emulator_key_activation_seconds=0,
        emulator_data_dir=tmp_path / "emulator",
        queue_url=f"sqlite:///{tmp_path}/queue.db",
        store_url=f"sqlite:///{tmp_path}/state.db",
    )
    bus = open_bus(settings.queue_url)
    emulator, handle = _start_emulator(settings, 0, sink=QueueSink(bus))
    try:
        served = settings.model_copy(update={"dataverse_url": handle.url})
        _provision_or_stop(served)  # as `cityzen run` does before registering
        first = register_case_events(served)
        assert first.endswith("(9 registration(s) made, 0 unchanged)")
        assert "queue case-events" in first
        assert register_case_events(served).endswith("(0 registration(s) made, 9 unchanged)")
        _case(handle.url)
        [message] = bus.peek("case-events")
        assert json.loads(message.body)["PrimaryEntityName"] == "incident"
    finally:
        handle.stop()
        emulator.close()
        bus.close()


def test_the_banner_says_how_to_act_as_an_agent() -> None:
    text = run_banner(
        dataverse_url="http://127.0.0.1:40123/",
    )
    lines = [line.strip() for line in text.splitlines() if "emulator case" in line]
    assert lines == agent_commands("http://127.0.0.1:40123/")
    for line in lines:
        words = shlex.split(line)
        assert words[:5] == [
            ".venv/bin/cityzen",
            "emulator",
            "case",
            "--dataverse-url",
            "http://127.0.0.1:40123",
        ]
    assert shlex.split(lines[-1])[-2:] == ["--resolution", "Nid-de-poule rebouché"]
