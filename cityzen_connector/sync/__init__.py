"""sync: the use cases (see ARCHITECTURE.md). Each takes its ports as arguments.

The portal HTTP API's use cases: ``submit`` (POST /api/v1/requests), ``read_status``,
``read_themes`` / ``refresh_themes`` and the health checks.
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
from ._ingest_errors import (
    CallerNotAllowedError,
    DependencyUnavailableError,
    IdempotencyConflictError,
    IngestError,
    InvalidSubmissionError,
    PayloadTooLargeError,
    SubmissionNotFoundError,
    UnsupportedFileTypeError,
)
from ._ingest_model import Accepted as AcceptedResponse
from ._ingest_model import AttachmentUpload, SubmissionRequest
from ._ingest_records import INGEST_PARTITION, IngestRecords, filer_hash
from .health import (
    BREAKER_KEY,
    BREAKER_PARTITION,
    Liveness,
    Readiness,
    ReadinessPorts,
    ReadinessProbe,
    check_readiness,
)
from .status import StatusView, read_status
from .submit import Accepted, IngestPorts, SubmissionInput, submit
from .themes import (
    ThemesSnapshot,
    ThemeTree,
    cached_themes,
    not_modified,
    read_themes,
    refresh_themes,
)

__all__ = [
    "BREAKER_KEY",
    "BREAKER_PARTITION",
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
    "Liveness",
    "NoScan",
    "PayloadTooLargeError",
    "Readiness",
    "ReadinessPorts",
    "ReadinessProbe",
    "ScanVerdict",
    "StatusView",
    "SubmissionInput",
    "SubmissionNotFoundError",
    "SubmissionRequest",
    "ThemeTree",
    "ThemesSnapshot",
    "UnsupportedFileTypeError",
    "cached_themes",
    "check_files",
    "check_readiness",
    "filer_hash",
    "not_modified",
    "parse_types",
    "read_status",
    "read_themes",
    "refresh_themes",
    "safe_file_name",
    "sniff",
    "submit",
]
