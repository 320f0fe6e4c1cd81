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

__all__ = [
    "BREAKER_PARTITION",
    "AlreadyDone",
    "BreakerState",
    "CircuitBreaker",
    "Created",
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
    "apply_provisioning",
    "classify",
    "plan_provisioning",
]
