"""The local Azure Functions host: runs ``function_app.py`` on a laptop, no Core Tools needed.

``LocalHost(app_dir, bus, config, clock=..., monotonic=...)`` loads the app as ``func start``
does, serves its HTTP triggers with waitress, feeds its Service Bus queue triggers from a
``MessageBus`` and fires its timer triggers on their NCRONTAB schedules. It reads the time from a
``WallClock`` and waits through a ``MonotonicClock`` (the shared kernel's, ``_clock``).
"""

from cityzen_connector.localhost._bindings import (
    AuthLevel,
    FunctionSpec,
    HttpTriggerBinding,
    ServiceBusTriggerBinding,
    TimerTriggerBinding,
    TriggerBinding,
    parse_raw_bindings,
)
from cityzen_connector.localhost._cron import CronSchedule
from cityzen_connector.localhost._errors import (
    AppLoadError,
    CronError,
    KeyFileError,
    LocalHostError,
    UnsupportedBindingError,
)
from cityzen_connector.localhost._host import Endpoint, LocalHost, LocalHostConfig
from cityzen_connector.localhost._keys import HostKeys, load_or_create_keys
from cityzen_connector.localhost._loader import HostJson, LoadedApp, load_app, read_host_json
from cityzen_connector.localhost._queues import QueueListener, to_functions_message
from cityzen_connector.localhost._routes import RouteTemplate
from cityzen_connector.localhost._static import StaticSite, StaticSiteConfig
from cityzen_connector.localhost._timers import TimerRunner

__all__ = [
    "AppLoadError",
    "AuthLevel",
    "CronError",
    "CronSchedule",
    "Endpoint",
    "FunctionSpec",
    "HostJson",
    "HostKeys",
    "HttpTriggerBinding",
    "KeyFileError",
    "LoadedApp",
    "LocalHost",
    "LocalHostConfig",
    "LocalHostError",
    "QueueListener",
    "RouteTemplate",
    "ServiceBusTriggerBinding",
    "StaticSite",
    "StaticSiteConfig",
    "TimerRunner",
    "TimerTriggerBinding",
    "TriggerBinding",
    "UnsupportedBindingError",
    "load_app",
    "load_or_create_keys",
    "parse_raw_bindings",
    "read_host_json",
    "to_functions_message",
]
