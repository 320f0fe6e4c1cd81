"""sync: the use cases. Each takes its ports as arguments.

Portal side: ``submit`` (POST /api/v1/requests), ``read_status``, ``read_themes`` /
``refresh_themes`` and the health checks. Dataverse side: ``SubmissionProcessor`` (one change
set per submission), ``handle_submission_message`` (the worker that settles its message), the
backlog ``drain``, the shared ``CircuitBreaker``, lookups and provisioning.
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
from ._outcome import (
    AlreadyDone,
    Created,
    Permanent,
    ProcessOutcome,
    Systemic,
    Transient,
    classify,
)
from .backlog import DrainReport, drain
from .breaker import BREAKER_PARTITION, BreakerState, CircuitBreaker
from .health import (
    Liveness,
    Readiness,
    ReadinessPorts,
    ReadinessProbe,
    check_readiness,
)
from .lookups import LookupCache, LookupNotFoundError
from .process import Prepared, SubmissionProcessor
from .provision import (
    ProvisionError,
    ProvisionPlan,
    ProvisionReport,
    Step,
    apply_provisioning,
    plan_provisioning,
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
from .worker import WorkerDeps, WorkerResult, handle_submission_message, read_submission

__all__ = [
    "BREAKER_PARTITION",
    "INGEST_PARTITION",
    "Accepted",
    "AcceptedResponse",
    "AlreadyDone",
    "AttachmentLimits",
    "AttachmentScanner",
    "AttachmentUpload",
    "BreakerState",
    "CallerNotAllowedError",
    "CheckedFile",
    "CircuitBreaker",
    "Created",
    "DependencyUnavailableError",
    "DrainReport",
    "IdempotencyConflictError",
    "IncomingFile",
    "IngestError",
    "IngestPorts",
    "IngestRecords",
    "InvalidSubmissionError",
    "Liveness",
    "LookupCache",
    "LookupNotFoundError",
    "NoScan",
    "PayloadTooLargeError",
    "Permanent",
    "Prepared",
    "ProcessOutcome",
    "ProvisionError",
    "ProvisionPlan",
    "ProvisionReport",
    "Readiness",
    "ReadinessPorts",
    "ReadinessProbe",
    "ScanVerdict",
    "StatusView",
    "Step",
    "SubmissionInput",
    "SubmissionNotFoundError",
    "SubmissionProcessor",
    "SubmissionRequest",
    "Systemic",
    "ThemeTree",
    "ThemesSnapshot",
    "Transient",
    "UnsupportedFileTypeError",
    "WorkerDeps",
    "WorkerResult",
    "apply_provisioning",
    "cached_themes",
    "check_files",
    "check_readiness",
    "classify",
    "drain",
    "filer_hash",
    "handle_submission_message",
    "not_modified",
    "parse_types",
    "plan_provisioning",
    "read_status",
    "read_submission",
    "read_themes",
    "refresh_themes",
    "safe_file_name",
    "sniff",
    "submit",
]
