"""The case-events queue trigger: its binding, a message through the Functions type to the
history, a bad one parked, an outage abandoning — and the local host driving it as
``make run`` does."""

from __future__ import annotations

import json
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import azure.functions as func
import pytest

from cityzen_connector import app
from cityzen_connector.localhost import LocalHost, LocalHostConfig, to_functions_message
from cityzen_connector.messaging import OutgoingMessage, open_bus
from cityzen_connector.settings import Settings
from cityzen_connector.store import open_blobs, open_store
from functions.case_events import FUNCTION_NAME, blueprint

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "cases" / "fixtures"
CASE = uuid.UUID("5d0f6a7e-2b17-f111-8d3a-000d3ab5c7e1")
NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


def _now() -> datetime:
    return NOW


def _trigger(deps: app.Container, queue: str = "case-events") -> Callable[[Any], None]:
    function_app = func.FunctionApp()
    function_app.register_functions(blueprint(queue, container=lambda: deps))
    [function] = function_app.get_functions()
    assert json.loads(function.get_function_json())["bindings"] == [
        {
            "type": "serviceBusTrigger",
            "direction": "IN",
            "name": "msg",
            "connection": "CaseEventsConnection",
            "queueName": queue,
        }
    ]
    assert function.get_function_name() == FUNCTION_NAME
    trigger: Callable[[Any], None] = function.get_user_function()
    return trigger


@pytest.fixture
def deps(tmp_path: Path) -> app.Container:
    return app.Container(
        Settings(data_dir=tmp_path, mappings_dir=ROOT / "mappings"),
        clock=_now,
        bus=open_bus("memory://"),
        store=open_store("memory://"),
        blobs=open_blobs("memory://"),
    )


def _delivered(deps: app.Container, body: bytes, message_id: str) -> Any:
    deps.bus.send("case-events", [OutgoingMessage(body=body, message_id=message_id)])
    [message] = deps.bus.receive("case-events")
    return to_functions_message(message)


def test_a_case_event_through_the_trigger_reaches_the_history_and_the_outbox(
    deps: app.Container,
) -> None:
    _trigger(deps)(_delivered(deps, (FIXTURES / "incident_create.json").read_bytes(), "m-1"))
    record = deps.case_history.get(CASE)
    assert record is not None
    assert record.ticket_number == "CAS-01042-K7Q2L9"
    [event] = deps.bus.peek(deps.settings.webhooks_queue)
    assert event.subject == "request.status_changed"


def test_an_unreadable_event_is_parked_and_the_trigger_returns(deps: app.Container) -> None:
    _trigger(deps)(_delivered(deps, b"{not json", "m-2"))  # returns: the runtime completes it
    [parked] = deps.bus.peek("case-events-rejected")
    assert parked.message_id == "m-2"


def test_when_the_store_is_unreachable_the_trigger_raises_so_the_message_is_abandoned(
    deps: app.Container,
) -> None:
    delivered = _delivered(deps, (FIXTURES / "incident_create.json").read_bytes(), "m-3")
    deps.store.close()
    with pytest.raises(Exception):  # noqa: B017, PT011 - whatever the backend raises
        _trigger(deps)(delivered)


def test_a_message_trimmed_past_192_kb_reads_the_case_through_the_apps_client(
    tmp_path: Path,
) -> None:
    # The composition root gives the worker a way to read the case: no Target, no image
    # (MessageMaxSizeExceeded) still ends in the history at once.
    from cityzen_connector.dataverse import WsgiTransport  # noqa: PLC0415
    from cityzen_connector.mapping import load_mappings  # noqa: PLC0415
    from cityzen_connector.testing import FakeClock  # noqa: PLC0415
    from tests.support.emulator import provisioned_emulator  # noqa: PLC0415

    emulator = provisioned_emulator(load_mappings(ROOT / "mappings"), FakeClock())
    deps = app.Container(
        Settings(data_dir=tmp_path, mappings_dir=ROOT / "mappings"),
        clock=_now,
        bus=open_bus("memory://"),
        store=open_store("memory://"),
        blobs=open_blobs("memory://"),
        transport=WsgiTransport(emulator),
    )
    client = deps.client
    contact = client.create("contacts", {"lastname": "Martin"}).id
    body = {"title": "Encombrants", "customerid_contact@odata.bind": f"/contacts({contact})"}
    case = client.create("incidents", body).id
    assert case is not None
    context = json.loads((FIXTURES / "incident_status_change.json").read_bytes())
    context.update(
        PrimaryEntityId=str(case), InputParameters=[], PostEntityImages=[], ParentContext=None
    )
    _trigger(deps)(_delivered(deps, json.dumps(context).encode(), "m-trimmed"))
    record = deps.case_history.get(case)
    assert record is not None
    assert record.ticket_number is not None
    emulator.close()


@pytest.fixture
def host(tmp_path: Path) -> Iterator[tuple[LocalHost, app.Container]]:
    settings = Settings(
        data_dir=tmp_path,
        mappings_dir=ROOT / "mappings",
        queue_url=f"sqlite:///{tmp_path / 'queue.db'}",
        store_url=f"sqlite:///{tmp_path / 'state.db'}",
        blob_url=f"file://{tmp_path / 'blobs'}",
    )
    deps = app.Container(settings)
    previous = app.install(deps)
    config = LocalHostConfig(
        port=0,
        key_file=tmp_path / "keys.json",
        state_dir=tmp_path / "localhost",
        poll_interval_seconds=0.05,
        stop_timeout_seconds=10,
    )
    try:
        with LocalHost(ROOT, deps.bus, config) as running:
            yield running, deps
    finally:
        deps.close()
        app.install(previous)
        sys.modules.pop("function_app", None)


def test_the_local_host_drives_the_case_events_trigger_as_make_run_does(
    host: tuple[LocalHost, app.Container],
) -> None:
    running, deps = host
    assert "process_case_event" in {spec.name for spec in running.functions}
    body = (FIXTURES / "incident_create.json").read_bytes()
    deps.bus.send("case-events", [OutgoingMessage(body=body, message_id="from-dataverse")])
    deadline = time.monotonic() + 10
    while deps.case_history.get(CASE) is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert deps.case_history.get(CASE) is not None
