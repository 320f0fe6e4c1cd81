"""Loading function_app.py like `func start`, and reading each function's binding JSON."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest

from cityzen_connector.localhost import (
    AppLoadError,
    HttpTriggerBinding,
    ServiceBusTriggerBinding,
    TimerTriggerBinding,
    UnsupportedBindingError,
    load_app,
    parse_raw_bindings,
    read_host_json,
)


def test_sample_app_bindings_are_read_from_the_worker_json(sample_app: Path) -> None:
    specs = {spec.name: spec for spec in load_app(sample_app).functions}
    assert specs["hello"].trigger == HttpTriggerBinding(
        arg_name="req", route="hello/{name:alpha}", methods=("GET",), auth_level="anonymous"
    )
    # No auth level on the route: the app's default (function) applies, as in Azure.
    assert specs["item"].trigger == HttpTriggerBinding(
        arg_name="req", route="items/{id:guid}", methods=("GET", "POST"), auth_level="function"
    )
    assert specs["admin_ping"].trigger.auth_level == "admin"  # type: ignore[union-attr]
    # No methods listed: every method.
    assert specs["boom"].trigger.methods is None  # type: ignore[union-attr]
    assert specs["submissions_worker"].trigger == ServiceBusTriggerBinding(
        arg_name="msg", queue_name="submissions", connection="CITYZEN_SERVICEBUS"
    )
    assert specs["refresh_themes"].trigger == TimerTriggerBinding(
        arg_name="timer", schedule="0 */5 * * * *", run_on_startup=False, use_monitor=None
    )
    assert specs["async_echo"].is_async
    assert specs["files"].wants_context
    assert not specs["hello"].wants_context


def test_host_json_values_are_honoured(sample_app: Path) -> None:
    host_json = load_app(sample_app).host_json
    assert host_json.route_prefix == "api"
    assert host_json.max_concurrent_calls == 3
    assert host_json.max_auto_lock_renewal == timedelta(minutes=5)


def _app(tmp_path: Path, source: str, host_json: str | None = None) -> Path:
    (tmp_path / "function_app.py").write_text(source, encoding="utf-8")
    if host_json is not None:
        (tmp_path / "host.json").write_text(host_json, encoding="utf-8")
    return tmp_path


HEADER = "import azure.functions as func\napp = func.FunctionApp()\n"


def test_missing_function_app_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(AppLoadError, match=r"no function_app\.py"):
        load_app(tmp_path)


def test_import_failure_names_the_file_and_error(tmp_path: Path) -> None:
    _app(tmp_path, "import nonexistent_module_xyz\n")
    with pytest.raises(AppLoadError, match="ModuleNotFoundError"):
        load_app(tmp_path)


def test_syntax_error_is_an_app_load_error(tmp_path: Path) -> None:
    _app(tmp_path, "def broken(:\n")
    with pytest.raises(AppLoadError, match="SyntaxError"):
        load_app(tmp_path)


def test_app_without_function_app_object_is_refused(tmp_path: Path) -> None:
    _app(tmp_path, "x = 1\n")
    with pytest.raises(AppLoadError, match="exactly one FunctionApp, found 0"):
        load_app(tmp_path)


def test_two_apps_are_refused(tmp_path: Path) -> None:
    _app(tmp_path, HEADER + "other = func.FunctionApp()\n")
    with pytest.raises(AppLoadError, match="found 2"):
        load_app(tmp_path)


def test_duplicate_function_names_are_refused(tmp_path: Path) -> None:
    source = HEADER + (
        "@app.function_name('same')\n@app.route(route='a')\ndef a(req): ...\n"
        "@app.function_name('same')\n@app.route(route='b')\ndef b(req): ...\n"
    )
    _app(tmp_path, source)
    with pytest.raises(AppLoadError, match="cannot be indexed"):
        load_app(tmp_path)


@pytest.mark.parametrize(
    ("decorator", "message"),
    [
        (
            "@app.service_bus_topic_trigger(arg_name='m', connection='C', topic_name='t', "
            "subscription_name='s')",
            "topic",
        ),
        (
            "@app.service_bus_queue_trigger(arg_name='m', connection='C', queue_name='q', "
            "is_sessions_enabled=True)",
            "session",
        ),
        (
            "@app.service_bus_queue_trigger(arg_name='m', connection='C', queue_name='q', "
            "cardinality='many')",
            "cardinality many",
        ),
        (
            "@app.service_bus_queue_trigger(arg_name='m', connection='C', queue_name='q', "
            "auto_complete_messages=False)",
            "autoCompleteMessages",
        ),
        ("@app.blob_trigger(arg_name='m', path='c/{name}', connection='C')", "blobTrigger"),
    ],
)
def test_bindings_the_host_cannot_run_faithfully_are_refused(
    tmp_path: Path, decorator: str, message: str
) -> None:
    _app(tmp_path, HEADER + f"{decorator}\ndef fn(m): ...\n")
    with pytest.raises(UnsupportedBindingError, match=message):
        load_app(tmp_path)


def test_output_bindings_are_refused(tmp_path: Path) -> None:
    source = HEADER + (
        "@app.route(route='a')\n"
        "@app.service_bus_queue_output(arg_name='out', connection='C', queue_name='q')\n"
        "def a(req, out): ...\n"
    )
    _app(tmp_path, source)
    with pytest.raises(UnsupportedBindingError, match="output bindings"):
        load_app(tmp_path)


def test_trigger_argument_must_exist_in_the_signature(tmp_path: Path) -> None:
    _app(tmp_path, HEADER + "@app.route(route='a', trigger_arg_name='request')\ndef a(req): ...\n")
    with pytest.raises(AppLoadError, match="no parameter named 'request'"):
        load_app(tmp_path)


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (["not json"], "not JSON"),
        (["[1, 2]"], "not a JSON object"),
        ([], "expected one trigger, got 0"),
        (
            [
                json.dumps({"type": "httpTrigger", "name": "a", "route": "x"}),
                json.dumps({"type": "timerTrigger", "name": "b", "schedule": "* * * * * *"}),
            ],
            "got 2",
        ),
        ([json.dumps({"type": "httpTrigger", "name": "req", "route": 5})], "route must be"),
        (
            [json.dumps({"type": "httpTrigger", "name": "req", "route": "x", "authLevel": "god"})],
            "unknown authLevel",
        ),
        (
            [json.dumps({"type": "httpTrigger", "name": "req", "route": "x", "methods": ["BREW"]})],
            "unknown HTTP methods",
        ),
        ([json.dumps({"type": "httpTrigger", "name": "not valid", "route": "x"})], "identifier"),
        ([json.dumps({"type": "serviceBusTrigger", "name": "m"})], "queueName"),
        ([json.dumps({"type": "timerTrigger", "name": "t", "schedule": " "})], "schedule"),
    ],
)
def test_malformed_binding_json_is_refused(raw: list[str], message: str) -> None:
    with pytest.raises(AppLoadError, match=message):
        parse_raw_bindings("fn", raw)


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ("{not json", "not valid JSON"),
        ("[]", "JSON object"),
        ('{"extensions": []}', "extensions must be"),
        ('{"extensions": {"http": {"routePrefix": 3}}}', "routePrefix"),
        ('{"extensions": {"serviceBus": {"maxConcurrentCalls": 0}}}', "maxConcurrentCalls"),
        ('{"extensions": {"serviceBus": {"maxConcurrentCalls": true}}}', "maxConcurrentCalls"),
        ('{"extensions": {"serviceBus": {"maxAutoLockRenewalDuration": "5m"}}}', "duration"),
    ],
)
def test_bad_host_json_is_refused(tmp_path: Path, document: str, message: str) -> None:
    path = tmp_path / "host.json"
    path.write_text(document, encoding="utf-8")
    with pytest.raises(AppLoadError, match=message):
        read_host_json(path)


def test_host_json_keys_are_case_insensitive_and_prefix_may_be_empty(tmp_path: Path) -> None:
    path = tmp_path / "host.json"
    path.write_text(
        '{"Extensions": {"HTTP": {"routePrefix": ""}, "serviceBus": '
        '{"MaxConcurrentCalls": 7, "maxAutoLockRenewalDuration": "1.00:00:30.5"}}}',
        encoding="utf-8",
    )
    host_json = read_host_json(path)
    assert host_json.route_prefix == ""
    assert host_json.max_concurrent_calls == 7
    assert host_json.max_auto_lock_renewal == timedelta(days=1, seconds=30.5)


def test_missing_host_json_means_azure_defaults(tmp_path: Path) -> None:
    assert read_host_json(tmp_path / "host.json").route_prefix == "api"
