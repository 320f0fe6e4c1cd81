"""app: the one composition root. ``Settings`` → each package's frozen config → ports → use
cases, in one lazily built, thread-safe ``Container`` shared by the HTTP API, the queue worker,
the timers, the CLI and the benchmarks.

Entry points start with ``start()`` (or ``load_settings()`` + ``check()``): a bad
configuration raises ``ConfigurationError``, whose lines name each variable and the rule it
breaks, never a value. Importing this package is cheap (the settings class only); everything
else is imported when first built.
"""

from ._check import check
from ._configs import (
    EMULATOR_DATABASE_FILE,
    address_help_config,
    agents_directory,
    attachment_limits,
    dataverse_config,
    delivery_policy,
    emulator_config,
    event_registration,
    feeds_config,
    feeds_schedule,
    localhost_config,
    retention,
    token_provider,
    webhook_config,
)
from ._container import Container
from ._desk import desk_app
from ._errors import ConfigurationError, TelemetryError
from ._jobs import (
    deliver_webhook,
    process_case_event,
    process_profile_update,
    process_submission,
    purge_retention,
    reconcile_agents,
    reconcile_cases,
    refresh_feeds,
    refresh_search,
    refresh_themes,
    run_rights,
    sweep_dead_letters,
)
from ._runtime import current, install, start, telemetry_from_environment
from ._settings import env_name, load_settings

__all__ = [
    "EMULATOR_DATABASE_FILE",
    "ConfigurationError",
    "Container",
    "TelemetryError",
    "address_help_config",
    "agents_directory",
    "attachment_limits",
    "check",
    "current",
    "dataverse_config",
    "deliver_webhook",
    "delivery_policy",
    "desk_app",
    "emulator_config",
    "env_name",
    "event_registration",
    "feeds_config",
    "feeds_schedule",
    "install",
    "load_settings",
    "localhost_config",
    "process_case_event",
    "process_profile_update",
    "process_submission",
    "purge_retention",
    "reconcile_agents",
    "reconcile_cases",
    "refresh_feeds",
    "refresh_search",
    "refresh_themes",
    "retention",
    "run_rights",
    "start",
    "sweep_dead_letters",
    "telemetry_from_environment",
    "token_provider",
    "webhook_config",
]
