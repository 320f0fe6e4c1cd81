"""The embedded Dataverse Web API emulator (WSGI + SQLite), for local runs and tests.

Written from Microsoft's Web API documentation, never from our client (it does not import
``cityzen_connector.dataverse``). ``create_app(config)`` returns a WSGI callable usable
in-process; ``serve(app, host, port)`` serves it over HTTP(S).
"""

from cityzen_connector.emulator._app import EmulatorApp, create_app
from cityzen_connector.emulator._config import (
    APPLICATION_ID,
    BUSINESS_UNIT_ID,
    CALLER_ID,
    CALLER_OBJECT_ID,
    ORGANIZATION_ID,
    EmulatorConfig,
    Faults,
    Latency,
    ProtectionLimits,
)
from cityzen_connector.emulator._errors import EmulatorError, ODataError, ServeError, StoreError
from cityzen_connector.emulator._event_filters import sdk_message_filter_id, sdk_message_id
from cityzen_connector.emulator._http import BASE_PATH
from cityzen_connector.emulator._pipeline import (
    CLAIMS,
    MAX_MESSAGE_BYTES,
    EventSink,
    PipelineStats,
    ServiceBusMessage,
)
from cityzen_connector.emulator._seed import (
    AGENTS,
    CATALOGUE,
    ROLES,
    agent_id,
    agent_object_id,
    role_id,
    seed,
    subject_id,
    team_id,
)
from cityzen_connector.emulator._server import ServerHandle, generate_certificate, serve

__all__ = [
    "AGENTS",
    "APPLICATION_ID",
    "BASE_PATH",
    "BUSINESS_UNIT_ID",
    "CALLER_ID",
    "CALLER_OBJECT_ID",
    "CATALOGUE",
    "CLAIMS",
    "MAX_MESSAGE_BYTES",
    "ORGANIZATION_ID",
    "ROLES",
    "EmulatorApp",
    "EmulatorConfig",
    "EmulatorError",
    "EventSink",
    "Faults",
    "Latency",
    "ODataError",
    "PipelineStats",
    "ProtectionLimits",
    "ServeError",
    "ServerHandle",
    "ServiceBusMessage",
    "StoreError",
    "agent_id",
    "agent_object_id",
    "create_app",
    "generate_certificate",
    "role_id",
    "sdk_message_filter_id",
    "sdk_message_id",
    "seed",
    "serve",
    "subject_id",
    "team_id",
]
