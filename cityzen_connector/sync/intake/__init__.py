"""sync.intake: a portal submission accepted and queued, and its status read back.

``submit`` validates a submission (model, theme and form, attachments sniffed on their bytes,
the caller's identity), stores its attachments, records it for idempotency (same body → same
answer, another body → 409) and queues it; ``read_status`` shows it to whoever filed it. Nothing
here talks to Dataverse: a citizen's request is accepted even while Dataverse is down.

Errors are drawn as a tree in ``_errors.py``.
"""

from ._attachments import (
    AttachmentLimits,
    AttachmentScanner,
    CheckedFile,
    IncomingFile,
    NoScan,
    ScanVerdict,
    check_files,
    parse_types,
    safe_file_name,
    sniff,
)
from ._errors import (
    ApiKeyError,
    CallerNotAllowedError,
    DependencyUnavailableError,
    IdempotencyConflictError,
    IngestError,
    InvalidSubmissionError,
    OutsideTerritoryError,
    PayloadTooLargeError,
    RequestClosedError,
    SubmissionNotFoundError,
    UnsupportedFileTypeError,
)
from ._idempotency import INGEST_PARTITION, IngestRecords
from ._message import (
    CASE_MESSAGE_SCHEMA,
    MESSAGE_INTAKE_PARTITION,
    AcceptedMessage,
    CaseMessagePayload,
    CitizenMessageBody,
    accept_message,
)
from ._open311 import (
    OPEN311_ISSUER,
    FiledRequest,
    Open311Filing,
    file_open311,
    filed_by_app,
    filed_by_token,
    filed_requests,
    portal_view,
    requests_partition,
)
from ._open311_keys import KEYS_PARTITION, ApiKeyInfo, ApiKeys
from ._request import Accepted as AcceptedResponse
from ._request import AttachmentUpload, SubmissionRequest
from ._status import StatusView, filed_by, read_status
from ._submit import Accepted, IngestPorts, SubmissionInput, submit
from ._territory import KnownAddresses, check_territory

__all__ = [
    "CASE_MESSAGE_SCHEMA",
    "INGEST_PARTITION",
    "KEYS_PARTITION",
    "MESSAGE_INTAKE_PARTITION",
    "OPEN311_ISSUER",
    "Accepted",
    "AcceptedMessage",
    "AcceptedResponse",
    "ApiKeyError",
    "ApiKeyInfo",
    "ApiKeys",
    "AttachmentLimits",
    "AttachmentScanner",
    "AttachmentUpload",
    "CallerNotAllowedError",
    "CaseMessagePayload",
    "CheckedFile",
    "CitizenMessageBody",
    "DependencyUnavailableError",
    "FiledRequest",
    "IdempotencyConflictError",
    "IncomingFile",
    "IngestError",
    "IngestPorts",
    "IngestRecords",
    "InvalidSubmissionError",
    "KnownAddresses",
    "NoScan",
    "Open311Filing",
    "OutsideTerritoryError",
    "PayloadTooLargeError",
    "RequestClosedError",
    "ScanVerdict",
    "StatusView",
    "SubmissionInput",
    "SubmissionNotFoundError",
    "SubmissionRequest",
    "UnsupportedFileTypeError",
    "accept_message",
    "check_files",
    "check_territory",
    "file_open311",
    "filed_by",
    "filed_by_app",
    "filed_by_token",
    "filed_requests",
    "parse_types",
    "portal_view",
    "read_status",
    "requests_partition",
    "safe_file_name",
    "sniff",
    "submit",
]
