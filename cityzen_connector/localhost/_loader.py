"""Loading ``function_app.py`` the way ``func start`` does, and reading ``host.json``.

The Python worker imports ``function_app.py`` from the app root by its file path with the root on
``sys.path`` (so the app's own packages, e.g. ``functions/``, import), finds the one
``FunctionRegister`` instance in it and calls ``get_functions()``. We do the same; nothing is
imported statically. Reference: https://learn.microsoft.com/azure/azure-functions/functions-reference-python
"""

from __future__ import annotations

import importlib.util
import inspect
import json
import os
import re
import sys
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from types import ModuleType
from typing import Any

import azure.functions as func

from cityzen_connector.localhost._bindings import FunctionSpec, parse_raw_bindings
from cityzen_connector.localhost._errors import AppLoadError

SCRIPT_FILE = "function_app.py"
_MODULE_NAME = "function_app"
_TIMESPAN = re.compile(r"(?:(\d+)\.)?(\d{1,2}):(\d{1,2}):(\d{1,2}(?:\.\d+)?)")


@dataclass(frozen=True)
class HostJson:
    """The few ``host.json`` values the local host honours."""

    route_prefix: str = "api"
    max_concurrent_calls: int = 16 * (os.cpu_count() or 1)
    max_auto_lock_renewal: timedelta = timedelta(minutes=5)


@dataclass(frozen=True)
class LoadedApp:
    app_dir: Path
    functions: tuple[FunctionSpec, ...]
    host_json: HostJson
    module: ModuleType


def load_app(app_dir: Path) -> LoadedApp:
    """Import ``<app_dir>/function_app.py``, index its functions and read ``host.json``."""
    root = app_dir.resolve()
    script = root / SCRIPT_FILE
    if not script.is_file():
        raise AppLoadError(f"no {SCRIPT_FILE} in {root}")
    host_json = read_host_json(root / "host.json")
    module = _import_script(root, script)
    apps = [v for v in vars(module).values() if isinstance(v, func.FunctionRegister)]
    if len(apps) != 1:
        raise AppLoadError(f"{script} must define exactly one FunctionApp, found {len(apps)}")
    try:
        functions = apps[0].get_functions()
    except (ValueError, TypeError) as exc:
        raise AppLoadError(f"{script}: functions cannot be indexed: {exc}") from exc
    specs = tuple(_spec(f) for f in functions)
    return LoadedApp(app_dir=root, functions=specs, host_json=host_json, module=module)


def _import_script(root: Path, script: Path) -> ModuleType:
    if str(root) not in sys.path:
        sys.path.insert(0, str(root))
    spec = importlib.util.spec_from_file_location(_MODULE_NAME, script)
    if spec is None or spec.loader is None:  # pragma: no cover - a .py file always has a loader
        raise AppLoadError(f"{script} cannot be imported")
    module = importlib.util.module_from_spec(spec)
    # Registered before running, as the import system does, so the app can import itself.
    sys.modules[_MODULE_NAME] = module
    try:
        spec.loader.exec_module(module)
    except Exception as exc:
        sys.modules.pop(_MODULE_NAME, None)
        raise AppLoadError(f"{script} failed to import: {type(exc).__name__}: {exc}") from exc
    return module


def _spec(function: Any) -> FunctionSpec:
    name = str(function.get_function_name())
    trigger = parse_raw_bindings(name, function.get_raw_bindings())
    user_func = function.get_user_function()
    params = inspect.signature(user_func).parameters
    if trigger.arg_name not in params:
        raise AppLoadError(f"function {name}: no parameter named {trigger.arg_name!r}")
    return FunctionSpec(
        name=name,
        trigger=trigger,
        func=user_func,
        is_async=inspect.iscoroutinefunction(user_func),
        wants_context="context" in params,
    )


def read_host_json(path: Path) -> HostJson:
    """Read ``host.json`` (absent: Azure's defaults). Keys are case-insensitive, as in .NET."""
    if not path.exists():
        return HostJson()
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise AppLoadError(f"{path} is not valid JSON: {exc}") from exc
    if not isinstance(document, dict):
        raise AppLoadError(f"{path} must hold a JSON object")
    extensions = _section(path, document, "extensions")
    http = _section(path, extensions, "http")
    service_bus = _section(path, extensions, "serviceBus")
    defaults = HostJson()
    prefix = _get(http, "routePrefix", defaults.route_prefix)
    if not isinstance(prefix, str):
        raise AppLoadError(f"{path}: extensions.http.routePrefix must be a string")
    calls = _get(service_bus, "maxConcurrentCalls", defaults.max_concurrent_calls)
    if not isinstance(calls, int) or isinstance(calls, bool) or calls < 1:
        raise AppLoadError(f"{path}: extensions.serviceBus.maxConcurrentCalls must be >= 1")
    renewal = _get(service_bus, "maxAutoLockRenewalDuration", None)
    return HostJson(
        route_prefix=prefix.strip("/"),
        max_concurrent_calls=calls,
        max_auto_lock_renewal=(
            defaults.max_auto_lock_renewal if renewal is None else _timespan(path, renewal)
        ),
    )


def _section(path: Path, parent: dict[str, Any], key: str) -> dict[str, Any]:
    value = _get(parent, key, {})
    if not isinstance(value, dict):
        raise AppLoadError(f"{path}: {key} must be a JSON object")
    return value


def _get(section: dict[str, Any], key: str, default: Any) -> Any:
    for name, value in section.items():
        if name.lower() == key.lower():
            return value
    return default


def _timespan(path: Path, value: Any) -> timedelta:
    """A .NET TimeSpan string ``[d.]hh:mm:ss[.fff]``, as host.json writes durations."""
    match = _TIMESPAN.fullmatch(str(value))
    if match is None:
        raise AppLoadError(f"{path}: {value!r} is not a duration like 00:05:00")
    days, hours, minutes, seconds = match.groups()
    return timedelta(
        days=int(days or 0), hours=int(hours), minutes=int(minutes), seconds=float(seconds)
    )
