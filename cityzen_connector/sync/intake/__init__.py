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
from ._request import Accepted as AcceptedResponse
from ._request import AttachmentUpload, SubmissionRequest
from ._status import StatusView, filed_by, read_status
from ._submit import Accepted, IngestPorts, SubmissionInput, submit
from ._territory import KnownAddresses, check_territory

__all__ = [
    "CASE_MESSAGE_SCHEMA",
    "INGEST_PARTITION",
    "MESSAGE_INTAKE_PARTITION",
    "Accepted",
    "AcceptedMessage",
    "AcceptedResponse",
    "AttachmentLimits",
    "AttachmentScanner",
    "AttachmentUpload",
    "CallerNotAllowedError",
    "CaseMessagePayload",
    "CheckedFile",
    "CitizenMessageBody",
    "DependencyUnavailableError",
    "IdempotencyConflictError",
    "IncomingFile",
    "IngestError",
    "IngestPorts",
    "IngestRecords",
    "InvalidSubmissionError",
    "KnownAddresses",
    "NoScan",
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
    "filed_by",
    "parse_types",
    "read_status",
    "safe_file_name",
    "sniff",
    "submit",
]
