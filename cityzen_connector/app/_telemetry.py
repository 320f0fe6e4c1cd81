"""OpenTelemetry export to Application Insights, only when a connection string is given.

With ``"telemetryMode": "OpenTelemetry"`` in host.json the Functions host emits OpenTelemetry;
the Python worker's own logs and traces reach Application Insights when the app calls
``configure_azure_monitor()`` from the ``azure-monitor-opentelemetry`` distro and the app
setting ``PYTHON_ENABLE_OPENTELEMETRY`` is ``true`` ("Use OpenTelemetry with Azure Functions",
Microsoft Learn). The distro is imported here only when there is a connection string, so a
local run and the cold start of an app without telemetry never load it. Without a connection
string nothing is exported anywhere.

Logs carry ids and codes only (the connector's rule), so exporting them sends no personal data.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from ._errors import TelemetryError

__all__ = [
    "CONNECTION_STRING_SETTING",
    "TelemetryError",
    "TelemetrySetup",
    "configure_telemetry",
]

# The app setting Azure (and the distro) use for Application Insights.
CONNECTION_STRING_SETTING = "APPLICATIONINSIGHTS_CONNECTION_STRING"
# Our loggers; the Azure SDK's chatty HTTP logs stay out.
LOGGER_NAME = "cityzen_connector"


def _distro() -> Callable[..., None]:
    from azure.monitor.opentelemetry import configure_azure_monitor

    configure: Callable[..., None] = configure_azure_monitor
    return configure


def _pairs(text: str) -> dict[str, str]:
    """``Key=value;Key=value`` as a dict (connection and authentication strings)."""
    pairs = (part.split("=", 1) for part in text.split(";") if "=" in part)
    return {key.strip(): value.strip() for key, value in pairs}


def _managed_identity(client_id: str | None) -> object:
    from azure.identity import ManagedIdentityCredential

    return ManagedIdentityCredential(client_id=client_id)


class TelemetrySetup:
    """Configures export at most once: OpenTelemetry providers are process-wide, and a second
    setup would send every record twice. ``configure`` replaces the distro's
    ``configure_azure_monitor`` (tests pass a recorder)."""

    def __init__(
        self,
        configure: Callable[..., None] | None = None,
        credential: Callable[[str | None], object] | None = None,
    ) -> None:
        self._configure = configure
        self._credential = credential or _managed_identity
        self._done = False
        self._lock = threading.Lock()

    def __call__(self, connection_string: str | None, authentication: str | None = None) -> bool:
        """Export to Application Insights if ``connection_string`` is set. True when this call
        configured it; False without a connection string or when already configured.

        ``authentication`` is ``APPLICATIONINSIGHTS_AUTHENTICATION_STRING``: ``Authorization=AAD``
        (system-assigned identity) or ``ClientId=<id>;Authorization=AAD`` (user-assigned), for a
        resource that accepts Entra ID authenticated telemetry only ("Microsoft Entra
        authentication for Application Insights", Microsoft Learn)."""
        value = (connection_string or "").strip()
        if not value:
            return False
        # "Key=value;Key=value" with at least an InstrumentationKey (Microsoft Learn,
        # "Connection strings in Application Insights").
        if not _pairs(value).get("InstrumentationKey", "").strip():
            raise TelemetryError(f"{CONNECTION_STRING_SETTING} has no InstrumentationKey")
        with self._lock:
            if self._done:
                return False
            setup = self._configure or _distro()
            options: dict[str, Any] = {
                "connection_string": value,
                "logger_name": LOGGER_NAME,
                # Functions serves HTTP itself and reports requests from the host.
                "instrumentation_options": {"flask": {"enabled": False}},
            }
            auth = _pairs(authentication or "")
            if auth.get("Authorization", "").upper() == "AAD":
                options["credential"] = self._credential(auth.get("ClientId") or None)
            try:
                setup(**options)
            except (ValueError, TypeError) as exc:
                # The exporter's message may quote the connection string: its type only.
                raise TelemetryError(
                    f"Application Insights export not set up: {type(exc).__name__}"
                ) from exc
            self._done = True
        logging.getLogger(LOGGER_NAME).info("telemetry exported to Application Insights")
        return True


# The process's one setup (function_app.py calls it through app.telemetry_from_environment).
configure_telemetry = TelemetrySetup()
