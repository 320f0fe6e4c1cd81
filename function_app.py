"""The Azure Functions entry point (Python v2 programming model): builds ``app``.

The Functions Python worker (and our local host, the same way) imports this file and indexes
``app``. It only assembles the Blueprints of ``functions/``. Settings are read once, through
``functions._deps``; the API, the pipeline and every port are built on first use and shared by
all triggers (one queue, store and blob store for the HTTP API and the worker), so the cold
start pays for ``azure.functions`` and the settings class only.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import azure.functions as func

from functions import _deps, http_api, queue_workers, timers

if TYPE_CHECKING:
    from cityzen_connector.api import HttpApi

settings = _deps.settings()
_deps.configure_telemetry()


def _portal_api() -> HttpApi:
    """The portal API over the shared dependencies, built on the first request."""
    from cityzen_connector.api import build_api  # noqa: PLC0415 - keeps the cold start short

    return build_api(lambda: _deps.current().api)


app = func.FunctionApp()
app.register_functions(http_api.blueprint(_portal_api, auth_mode=settings.auth_mode))
app.register_functions(queue_workers.blueprint(settings.submissions_queue))
app.register_functions(timers.blueprint())
