"""Cases back to citizens: Dataverse events → status history, "my requests", webhooks out,
change-tracking reconciliation (ARCHITECTURE.md, the ``cases/`` room).

- ``parse_context`` / ``change_of``: a service endpoint's message (the serialised
  ``RemoteExecutionContext``) → a ``CaseChange``, or ``Ignored``, or ``InvalidCaseEvent``;
- ``CaseHistory``: each change once, in order, in the state store; the portal told through
  the ``WebhookOutbox`` when a citizen-facing status changes;
- ``handle_case_event``: the case-events queue worker;
- ``CaseThreads``: the conversation on each request (agents' messages in, citizens' kept, the
  thread read), ``message_of`` reading a Create of the conversation table;
- the webhook delivery side: signing (Standard Webhooks), the sender, per-endpoint retries;
- see docs/cases.md and docs/webhooks.md.
"""

from cityzen_connector.cases._delivery import (
    MAX_WEBHOOK_BODY_BYTES,
    PROP_ENDPOINT,
    EndpointOutcome,
    WebhookDeliveryDeps,
    WebhookDeliveryResult,
    deliver_webhook_message,
    webhook_rejected_queue,
)
from cityzen_connector.cases._errors import CaseError, InvalidCaseEvent
from cityzen_connector.cases._events import (
    STATUS_COLUMNS,
    CaseChange,
    Ignored,
    Owner,
    change_of,
    change_of_row,
)
from cityzen_connector.cases._history import (
    CASES_PARTITION,
    STATUS_CHANGED,
    SUBMISSION_LINKS,
    Applied,
    CaseHistory,
    contact_partition,
    status_event,
    webhook_id,
)
from cityzen_connector.cases._kpi_facts import Fact, FactReader
from cityzen_connector.cases._kpi_service import KpiService
from cityzen_connector.cases._kpis import DIMENSIONS, PERIODS, StatsQuery, compute_kpis
from cityzen_connector.cases._notes import DataverseNotes, MessageNotes
from cityzen_connector.cases._opendata import COLUMNS as OPEN_DATA_COLUMNS
from cityzen_connector.cases._opendata import open_data_rows
from cityzen_connector.cases._outbox import (
    PROP_WEBHOOK_ID,
    WEBHOOK_SCHEMA,
    QueueWebhookOutbox,
    event_body,
    event_from_body,
)
from cityzen_connector.cases._progress import Progress, progress_of
from cityzen_connector.cases._reconcile import TRACKING_PARTITION, Reconciler, ReconcileReport
from cityzen_connector.cases._record import MAX_ENTRIES, MAX_MARKS, CaseRecord, Entry
from cityzen_connector.cases._requests import (
    CITIZEN_CONTACTS,
    MAX_PAGE_SIZE,
    MyRequests,
    RequestsUnavailableError,
)
from cityzen_connector.cases._schema import CASE_COLUMNS, ROW_ANNOTATIONS, CaseSchema
from cityzen_connector.cases._sender import (
    NoReply,
    RequestsWebhookSender,
    WebhookReply,
    WebhookSender,
)
from cityzen_connector.cases._signing import (
    SECRET_PREFIX,
    WebhookSecret,
    parse_secrets,
    sign,
    signed_headers,
)
from cityzen_connector.cases._thread import (
    MESSAGE_CREATED,
    CaseThreads,
    ThreadMessage,
    citizen_partition,
    message_event,
    message_of,
    thread_partition,
)
from cityzen_connector.cases._webhook import WebhookEvent, WebhookOutbox
from cityzen_connector.cases._webhook_config import (
    WebhookConfig,
    WebhookEndpoint,
    WebhookRetryPolicy,
    endpoint_key,
)
from cityzen_connector.cases._wire import MAX_EVENT_BYTES, RemoteContext, parse_context, wcf_date
from cityzen_connector.cases._worker import (
    PROP_REJECTED_AT,
    PROP_REJECTED_REASON,
    CaseEventPorts,
    CaseEventResult,
    handle_case_event,
    rejected_queue,
)

__all__ = [
    "CASES_PARTITION",
    "CASE_COLUMNS",
    "CITIZEN_CONTACTS",
    "DIMENSIONS",
    "MAX_ENTRIES",
    "MAX_EVENT_BYTES",
    "MAX_MARKS",
    "MAX_PAGE_SIZE",
    "MAX_WEBHOOK_BODY_BYTES",
    "MESSAGE_CREATED",
    "OPEN_DATA_COLUMNS",
    "PERIODS",
    "PROP_ENDPOINT",
    "PROP_REJECTED_AT",
    "PROP_REJECTED_REASON",
    "PROP_WEBHOOK_ID",
    "ROW_ANNOTATIONS",
    "SECRET_PREFIX",
    "STATUS_CHANGED",
    "STATUS_COLUMNS",
    "SUBMISSION_LINKS",
    "TRACKING_PARTITION",
    "WEBHOOK_SCHEMA",
    "Applied",
    "CaseChange",
    "CaseError",
    "CaseEventPorts",
    "CaseEventResult",
    "CaseHistory",
    "CaseRecord",
    "CaseSchema",
    "CaseThreads",
    "DataverseNotes",
    "EndpointOutcome",
    "Entry",
    "Fact",
    "FactReader",
    "Ignored",
    "InvalidCaseEvent",
    "KpiService",
    "MessageNotes",
    "MyRequests",
    "NoReply",
    "Owner",
    "Progress",
    "QueueWebhookOutbox",
    "ReconcileReport",
    "Reconciler",
    "RemoteContext",
    "RequestsUnavailableError",
    "RequestsWebhookSender",
    "StatsQuery",
    "ThreadMessage",
    "WebhookConfig",
    "WebhookDeliveryDeps",
    "WebhookDeliveryResult",
    "WebhookEndpoint",
    "WebhookEvent",
    "WebhookOutbox",
    "WebhookReply",
    "WebhookRetryPolicy",
    "WebhookSecret",
    "WebhookSender",
    "change_of",
    "change_of_row",
    "citizen_partition",
    "compute_kpis",
    "contact_partition",
    "deliver_webhook_message",
    "endpoint_key",
    "event_body",
    "event_from_body",
    "handle_case_event",
    "message_event",
    "message_of",
    "open_data_rows",
    "parse_context",
    "parse_secrets",
    "progress_of",
    "rejected_queue",
    "sign",
    "signed_headers",
    "status_event",
    "thread_partition",
    "wcf_date",
    "webhook_id",
    "webhook_rejected_queue",
]
