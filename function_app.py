"""The Azure Functions entry point (Python v2 programming model): builds ``app``.

The Functions Python worker (and our local host, the same way) imports this file and indexes
``app``. It only assembles the Blueprints of ``functions/`` over the process's container
(``cityzen_connector.app``): settings are read and checked here, once; the API, the pipeline and
every port are built on first use and shared by all triggers, so the cold start pays for
``azure.functions`` and the settings class only.

A bad configuration stops the indexing with ``ConfigurationError``: one log line per problem,
naming the variable and the rule, never its value.
"""

from __future__ import annotations

import logging

import azure.functions as func

from cityzen_connector import app as cityzen
from functions import case_events, http_api, profile_updates, queue_workers, timers, webhooks

try:
    settings = cityzen.current().settings
except cityzen.ConfigurationError as error:
    for problem in error.problems:
        logging.getLogger("function_app").critical("configuration: %s", problem)
    raise
cityzen.telemetry_from_environment()

app = func.FunctionApp()
app.register_functions(
    http_api.blueprint(lambda: cityzen.current().http_api, auth_mode=settings.auth_mode)
)
app.register_functions(queue_workers.blueprint(settings.submissions_queue))
app.register_functions(webhooks.blueprint(settings.webhooks_queue))
app.register_functions(case_events.blueprint(settings.case_events_queue))
app.register_functions(profile_updates.blueprint(settings.profile_updates_queue))
app.register_functions(timers.blueprint(timers.Schedule(feeds=settings.feeds_refresh_schedule)))
