"""The process's container, as the Azure Functions worker needs it: the function modules are
imported by the runtime, not built by us, so they reach their dependencies through
``current()``. Tests install their own container with ``install(...)``."""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Mapping

from ._check import check
from ._container import Container
from ._settings import load_settings

__all__ = ["current", "install", "start", "telemetry_from_environment"]

_current: Container | None = None
_current_lock = threading.Lock()


def start() -> Container:
    """The settings read from the environment and checked, as a container: what an entry
    point calls first. Raises ``ConfigurationError`` (names and rules, never values)."""
    settings = load_settings()
    check(settings)
    return Container(settings)


def current() -> Container:
    """The process-wide container, from the environment's settings on first use. The settings
    are checked now; each package's own rules on first use of the container (indexing the
    Function App must not import the packages)."""
    global _current  # noqa: PLW0603 - one container per worker process, by design
    with _current_lock:
        if _current is None:
            _current = Container(load_settings())
        return _current


def install(container: Container | None) -> Container | None:
    """Use ``container`` from now on (``None``: start again from the environment on next use);
    returns the previous one so that a test can put it back."""
    global _current
    with _current_lock:
        previous, _current = _current, container
        return previous


def telemetry_from_environment(environ: Mapping[str, str] | None = None) -> bool:
    """OpenTelemetry to Application Insights when ``APPLICATIONINSIGHTS_CONNECTION_STRING`` is
    set (Azure sets it from the app's settings); nothing is imported or exported otherwise.
    A malformed connection string is logged, not raised: the app still serves without it."""
    env = os.environ if environ is None else environ
    value = env.get("APPLICATIONINSIGHTS_CONNECTION_STRING", "")
    if not value.strip():
        return False
    from ._telemetry import TelemetryError, configure_telemetry

    try:
        return configure_telemetry(value, env.get("APPLICATIONINSIGHTS_AUTHENTICATION_STRING"))
    except TelemetryError as exc:
        logging.getLogger("cityzen_connector.app").error("telemetry not exported: %s", exc)
        return False
