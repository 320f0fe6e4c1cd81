"""The use cases: process a submission (one change set), the worker that settles its message,
the backlog drain, the shared circuit breaker, lookups and provisioning. Each takes its ports
as arguments."""

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
from .worker import WorkerDeps, WorkerResult, handle_submission_message, read_submission

__all__ = [
    "BREAKER_PARTITION",
    "AlreadyDone",
    "BreakerState",
    "CircuitBreaker",
    "Created",
    "DrainReport",
    "LookupCache",
    "LookupNotFoundError",
    "Permanent",
    "Prepared",
    "ProcessOutcome",
    "ProvisionError",
    "ProvisionPlan",
    "ProvisionReport",
    "Step",
    "SubmissionProcessor",
    "Systemic",
    "Transient",
    "WorkerDeps",
    "WorkerResult",
    "apply_provisioning",
    "classify",
    "drain",
    "handle_submission_message",
    "plan_provisioning",
    "read_submission",
]
