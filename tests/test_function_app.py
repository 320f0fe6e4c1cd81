"""The assembled Function App: every function's binding JSON, as Azure's host receives it, and
a cold start that loads nothing a first request does not need."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from cityzen_connector import app
from cityzen_connector.settings import Settings

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def load(tmp_path: Path) -> Iterator[Any]:
    previous = app.install(None)

    def loaded(**settings: Any) -> dict[str, list[dict[str, Any]]]:
        app.install(app.Container(Settings(data_dir=tmp_path, **settings)))
        # As the Python worker does: import the script by path, index the app once.
        spec = importlib.util.spec_from_file_location("function_app", ROOT / "function_app.py")
        assert spec is not None
        assert spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return {
            f.get_function_name(): json.loads(f.get_function_json())["bindings"]
            for f in module.app.get_functions()
        }

    yield loaded
    app.install(previous)
    sys.modules.pop("function_app", None)


def http(route: str, level: str) -> list[dict[str, Any]]:
    return [
        {
            "direction": "IN",
            "type": "httpTrigger",
            "name": "req",
            "route": route,
            "authLevel": level,
        },
        {"direction": "OUT", "type": "http", "name": "$return"},
    ]


def timer(schedule: str) -> list[dict[str, Any]]:
    return [
        {
            "type": "timerTrigger",
            "direction": "IN",
            "name": "timer",
            "schedule": schedule,
            "runOnStartup": False,
            "useMonitor": True,
        }
    ]


def test_every_function_and_its_binding_json(load: Any) -> None:
    assert load() == {
        "submit_request": http("v1/requests", "FUNCTION"),
        "request_status": http("v1/requests/{id}", "FUNCTION"),
        "request_messages": http("v1/requests/{id}/messages", "FUNCTION"),
        "request_message_attachment": http(
            "v1/requests/{id}/messages/{message_id}/attachments/{n}", "FUNCTION"
        ),
        "my_requests": http("v1/citizens/me/requests", "FUNCTION"),
        "data_export": http("v1/citizens/me/data-export", "FUNCTION"),
        "data_export_status": http("v1/citizens/me/data-export/{id}", "FUNCTION"),
        "data_export_file": http("v1/citizens/me/data-export/{id}/file", "FUNCTION"),
        "erasure_request": http("v1/citizens/me/erasure-request", "FUNCTION"),
        "my_profile": http("v1/citizens/me", "FUNCTION"),
        "themes": http("v1/themes", "ANONYMOUS"),
        "address_search": http("v1/address", "FUNCTION"),
        "address_reverse": http("v1/address/reverse", "FUNCTION"),
        "search": http("v1/search", "ANONYMOUS"),
        "search_suggestions": http("v1/search/suggestions", "ANONYMOUS"),
        "search_popular": http("v1/search/popular", "ANONYMOUS"),
        "news": http("v1/news", "ANONYMOUS"),
        "agenda": http("v1/agenda", "ANONYMOUS"),
        "health": http("v1/health", "ANONYMOUS"),
        "health_ready": http("v1/health/ready", "FUNCTION"),
        "openapi": http("v1/openapi.json", "ANONYMOUS"),
        # The ops routes are anonymous to the host: the API checks the ops token.
        "ops_queues": http("v1/ops/queues", "ANONYMOUS"),
        "ops_dead_letters": http("v1/ops/dead-letters", "ANONYMOUS"),
        "ops_replay": http("v1/ops/dead-letters/replay", "ANONYMOUS"),
        "ops_agents_plan": http("v1/ops/agents/plan", "ANONYMOUS"),
        "ops_agents_apply": http("v1/ops/agents/apply", "ANONYMOUS"),
        "stats": http("v1/stats", "ANONYMOUS"),
        "open_data_csv": http("v1/open-data/requests.csv", "ANONYMOUS"),
        "open_data_json": http("v1/open-data/requests.json", "ANONYMOUS"),
        # Every Open311 route through one function; the facade checks the api_key.
        "open311": http("open311/{*rest}", "ANONYMOUS"),
        "not_found": http("v1/{*rest}", "ANONYMOUS"),
        "process_submission": [
            {
                "type": "serviceBusTrigger",
                "direction": "IN",
                "name": "msg",
                "connection": "ServiceBusConnection",
                "queueName": "submissions",
            }
        ],
        "deliver_webhook": [
            {
                "type": "serviceBusTrigger",
                "direction": "IN",
                "name": "msg",
                "connection": "ServiceBusConnection",
                "queueName": "webhooks",
            }
        ],
        "process_case_event": [
            {
                "type": "serviceBusTrigger",
                "direction": "IN",
                "name": "msg",
                "connection": "CaseEventsConnection",
                "queueName": "case-events",
            }
        ],
        "process_profile_update": [
            {
                "type": "serviceBusTrigger",
                "direction": "IN",
                "name": "msg",
                "connection": "ServiceBusConnection",
                "queueName": "profile-updates",
            }
        ],
        "refresh_themes": timer("0 */10 * * * *"),
        "sweep_dead_letters": timer("0 */5 * * * *"),
        "purge_retention": timer("0 30 2 * * *"),
        "reconcile_cases": timer("0 */15 * * * *"),
        "refresh_search": timer("0 5-59/15 * * * *"),
        "refresh_feeds": timer("0 */15 * * * *"),
        "reconcile_agents": timer("0 15 3 * * *"),
        "run_rights": timer("0 */2 * * * *"),
    }


def test_settings_shape_the_bindings(load: Any) -> None:
    found = load(
        auth_mode="bearer",
        auth_oidc_issuer="https://idp.example.fr",
        auth_oidc_audience="api://cityzen",
        submissions_queue="demandes",
        webhooks_queue="webhooks-portail",
        case_events_queue="evenements-dossiers",
        feeds_refresh_schedule="0 5/20 * * * *",
    )
    assert found["submit_request"][0]["authLevel"] == "ANONYMOUS"  # browsers present tokens
    assert found["request_status"][0]["authLevel"] == "ANONYMOUS"
    assert found["health_ready"][0]["authLevel"] == "FUNCTION"  # probes keep their key
    assert found["ops_queues"][0]["authLevel"] == "ANONYMOUS"  # the ops token is the check
    assert found["process_submission"][0]["queueName"] == "demandes"
    assert found["deliver_webhook"][0]["queueName"] == "webhooks-portail"
    assert found["process_case_event"][0]["queueName"] == "evenements-dossiers"
    assert found["my_requests"][0]["authLevel"] == "ANONYMOUS"
    assert found["refresh_feeds"][0]["schedule"] == "0 5/20 * * * *"


def test_cold_start_imports_only_what_indexing_needs() -> None:
    # What the worker pays before the first invocation: azure.functions and our settings.
    # Backends, the Dataverse client, the pipeline, identity and telemetry load on first use.
    heavy = (
        "requests",
        "msal",
        "jwt",
        "azure.servicebus",
        "azure.data.tables",
        "azure.storage.blob",
        "azure.monitor",
        "opentelemetry",
        "cityzen_connector.dataverse",
        "cityzen_connector.sync",
        "cityzen_connector.mapping",
        "cityzen_connector.messaging",
        "cityzen_connector.store",
    )
    code = (
        "import sys, function_app; "
        f"print(sorted(m for m in {heavy!r} if m in sys.modules)); "
        "print(len(function_app.app.get_functions()))"
    )
    env = {"PATH": "/usr/bin:/bin", "CITYZEN_DATA_DIR": "/nonexistent"}
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, check=True, capture_output=True, text=True
    )
    assert out.stdout.split("\n")[:2] == ["[]", "43"]
