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
    SubmissionNotFoundError,
    UnsupportedFileTypeError,
)
from ._idempotency import INGEST_PARTITION, IngestRecords
from ._request import Accepted as AcceptedResponse
from ._request import AttachmentUpload, SubmissionRequest
from ._status import StatusView, filed_by, read_status
from ._submit import Accepted, IngestPorts, SubmissionInput, submit
from ._territory import KnownAddresses, check_territory

__all__ = [
    "INGEST_PARTITION",
    "Accepted",
    "AcceptedResponse",
    "AttachmentLimits",
    "AttachmentScanner",
    "AttachmentUpload",
    "CallerNotAllowedError",
    "CheckedFile",
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
    "ScanVerdict",
    "StatusView",
    "SubmissionInput",
    "SubmissionNotFoundError",
    "SubmissionRequest",
    "UnsupportedFileTypeError",
    "check_files",
    "check_territory",
    "filed_by",
    "parse_types",
    "read_status",
    "safe_file_name",
    "sniff",
    "submit",
]
