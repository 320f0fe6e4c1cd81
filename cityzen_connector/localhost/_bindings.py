"""Reading a function's binding JSON (what the Python worker reports to the Functions host).

The local host reads the same JSON the Azure Functions host receives from the Python worker
(``Function.get_raw_bindings()``), never the decorator objects' private attributes, so what runs
locally is what Azure would index. Binding reference:
https://learn.microsoft.com/azure/azure-functions/functions-bindings-http-webhook-trigger,
.../functions-bindings-service-bus-trigger and .../functions-bindings-timer.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from cityzen_connector.localhost._errors import AppLoadError, UnsupportedBindingError

AuthLevel = Literal["anonymous", "function", "admin"]
_AUTH_LEVELS: tuple[AuthLevel, ...] = ("anonymous", "function", "admin")
# Methods an HTTP trigger may list (azure.functions.HttpMethod).
HTTP_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")


@dataclass(frozen=True)
class HttpTriggerBinding:
    """``httpTrigger``: ``methods`` is None when the function answers every method."""

    arg_name: str
    route: str
    methods: tuple[str, ...] | None
    auth_level: AuthLevel


@dataclass(frozen=True)
class ServiceBusTriggerBinding:
    """``serviceBusTrigger`` on a queue, one message per call, auto-completed."""

    arg_name: str
    queue_name: str
    connection: str


@dataclass(frozen=True)
class TimerTriggerBinding:
    """``timerTrigger``: ``use_monitor`` None means Azure's default (on for intervals >= 1 min)."""

    arg_name: str
    schedule: str
    run_on_startup: bool
    use_monitor: bool | None


TriggerBinding = HttpTriggerBinding | ServiceBusTriggerBinding | TimerTriggerBinding


@dataclass(frozen=True)
class FunctionSpec:
    """One indexed function: its name, its trigger and the user's callable."""

    name: str
    trigger: TriggerBinding
    func: Callable[..., Any]
    is_async: bool
    wants_context: bool


def parse_raw_bindings(function_name: str, raw_bindings: Sequence[str]) -> TriggerBinding:
    """Turn a function's raw binding JSON strings into its trigger, refusing what we can't run."""
    bindings: list[Mapping[str, Any]] = []
    for raw in raw_bindings:
        try:
            value = json.loads(raw)
        except ValueError as exc:
            raise AppLoadError(f"function {function_name}: binding is not JSON") from exc
        if not isinstance(value, dict):
            raise AppLoadError(f"function {function_name}: binding is not a JSON object")
        bindings.append(value)
    triggers = [b for b in bindings if str(b.get("type", "")).endswith("Trigger")]
    if len(triggers) != 1:
        raise AppLoadError(f"function {function_name}: expected one trigger, got {len(triggers)}")
    trigger = triggers[0]
    others = [b for b in bindings if b is not trigger]
    kind = trigger["type"]
    if kind == "httpTrigger":
        # The v2 model always pairs the trigger with the ``$return`` HTTP output.
        if any(b.get("type") != "http" for b in others):
            raise _unsupported(function_name, "output bindings other than the HTTP response")
        return _http(function_name, trigger)
    if others:
        raise _unsupported(function_name, f"extra bindings on a {kind}")
    if kind == "serviceBusTrigger":
        return _service_bus(function_name, trigger)
    if kind == "timerTrigger":
        return _timer(function_name, trigger)
    raise _unsupported(function_name, f"trigger type {kind!r}")


def _http(name: str, binding: Mapping[str, Any]) -> HttpTriggerBinding:
    route = binding.get("route")
    if not isinstance(route, str):
        raise AppLoadError(f"function {name}: httpTrigger route must be a string")
    level = str(binding.get("authLevel") or "function").lower()
    if level not in _AUTH_LEVELS:
        raise AppLoadError(f"function {name}: unknown authLevel {level!r}")
    methods_value = binding.get("methods")
    methods: tuple[str, ...] | None = None
    if methods_value is not None:
        if not isinstance(methods_value, list) or not methods_value:
            raise AppLoadError(f"function {name}: methods must be a non-empty list")
        methods = tuple(dict.fromkeys(str(m).upper() for m in methods_value))
        unknown = sorted(set(methods) - set(HTTP_METHODS))
        if unknown:
            raise AppLoadError(f"function {name}: unknown HTTP methods {unknown}")
    return HttpTriggerBinding(
        arg_name=_arg_name(name, binding),
        route=route,
        methods=methods,
        auth_level=level,  # checked against _AUTH_LEVELS above
    )


def _service_bus(name: str, binding: Mapping[str, Any]) -> ServiceBusTriggerBinding:
    if "topicName" in binding:
        raise _unsupported(name, "Service Bus topic triggers (the message bus has queues)")
    if binding.get("isSessionsEnabled"):
        raise _unsupported(name, "session-enabled queues")
    if str(binding.get("cardinality") or "one").lower() != "one":
        raise _unsupported(name, "cardinality many (batches)")
    if binding.get("autoCompleteMessages") is False:
        # Settling by hand needs the SDK-type bindings, which the local host does not offer.
        raise _unsupported(name, "autoCompleteMessages false")
    queue = binding.get("queueName")
    if not isinstance(queue, str) or not queue:
        raise AppLoadError(f"function {name}: serviceBusTrigger needs a queueName")
    return ServiceBusTriggerBinding(
        arg_name=_arg_name(name, binding),
        queue_name=queue,
        connection=str(binding.get("connection") or ""),
    )


def _timer(name: str, binding: Mapping[str, Any]) -> TimerTriggerBinding:
    schedule = binding.get("schedule")
    if not isinstance(schedule, str) or not schedule.strip():
        raise AppLoadError(f"function {name}: timerTrigger needs a schedule")
    monitor = binding.get("useMonitor")
    return TimerTriggerBinding(
        arg_name=_arg_name(name, binding),
        schedule=schedule,
        run_on_startup=bool(binding.get("runOnStartup") or False),
        use_monitor=None if monitor is None else bool(monitor),
    )


def _arg_name(function_name: str, binding: Mapping[str, Any]) -> str:
    arg = binding.get("name")
    if not isinstance(arg, str) or not arg.isidentifier():
        raise AppLoadError(f"function {function_name}: binding name must be an identifier")
    return arg


def _unsupported(function_name: str, what: str) -> UnsupportedBindingError:
    return UnsupportedBindingError(
        f"function {function_name}: the local host does not run {what}; "
        "run it under Azure Functions Core Tools or in Azure"
    )
