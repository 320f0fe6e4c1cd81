"""The webhook outbox trigger: its binding JSON, and one message through the container as the
Functions runtime hands it over (``responses`` plays the portal)."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import azure.functions as func
import pytest
import responses

from cityzen_connector import app
from cityzen_connector.cases import WebhookEvent
from cityzen_connector.localhost import to_functions_message
from cityzen_connector.messaging import open_bus
from cityzen_connector.settings import Settings
from cityzen_connector.store import open_blobs, open_store
from functions.webhooks import FUNCTION_NAME, blueprint
from tests.support.webhooks import SECRET, package_signature_matches

NOW = datetime(2026, 12, 3, 9, 30, tzinfo=UTC)
PORTAL = "https://portal.example.fr/hooks"


def _bindings(bp: func.Blueprint) -> dict[str, list[dict[str, Any]]]:
    function_app = func.FunctionApp()
    function_app.register_functions(bp)
    return {
        str(f.get_function_name()): json.loads(f.get_function_json())["bindings"]
        for f in function_app.get_functions()
    }


def test_binding_json_is_a_service_bus_queue_trigger_on_the_outbox() -> None:
    assert _bindings(blueprint("webhooks")) == {
        FUNCTION_NAME: [
            {
                "type": "serviceBusTrigger",
                "direction": "IN",
                "name": "msg",
                "connection": "ServiceBusConnection",
                "queueName": "webhooks",
            }
        ]
    }


@pytest.fixture
def deps(tmp_path: Path) -> app.Container:
    settings = Settings(data_dir=tmp_path, webhook_urls=PORTAL, webhook_secrets=SECRET)
    return app.Container(
        settings,
        clock=lambda: NOW,
        bus=open_bus("memory://"),
        store=open_store("memory://"),
        blobs=open_blobs("memory://"),
    )


def _trigger(deps: app.Container) -> Callable[[func.ServiceBusMessage], None]:
    function_app = func.FunctionApp()
    function_app.register_functions(blueprint("webhooks", container=lambda: deps))
    [function] = function_app.get_functions()
    trigger: Callable[[func.ServiceBusMessage], None] = function.get_user_function()
    return trigger


def _published(deps: app.Container) -> func.ServiceBusMessage:
    event = WebhookEvent("evt_9", "request.status_changed", NOW, {"status": "in_progress"})
    deps.webhook_outbox.publish(event)  # what the case-events side does
    [message] = deps.bus.receive("webhooks")
    return to_functions_message(message)


@responses.activate
def test_an_event_published_on_the_outbox_reaches_the_portal_through_the_trigger(
    deps: app.Container,
) -> None:
    responses.add(responses.POST, PORTAL, status=200)
    _trigger(deps)(_published(deps))  # returns: the runtime completes the message
    (call,) = responses.calls
    headers = {k.lower(): v for k, v in call.request.headers.items()}
    assert headers["webhook-id"] == "evt_9"
    body = call.request.body
    assert isinstance(body, bytes)
    assert package_signature_matches(SECRET, body, headers)


@responses.activate
def test_when_the_queue_is_unreachable_the_trigger_raises_so_the_message_is_abandoned(
    deps: app.Container,
) -> None:
    responses.add(responses.POST, PORTAL, status=503)
    delivered = _published(deps)
    deps.bus.close()  # scheduling the retry needs the bus: it is gone
    with pytest.raises(Exception):  # noqa: B017, PT011 - whatever the backend raises
        _trigger(deps)(delivered)
