"""sync.pipeline: a queued submission written into Dataverse, exactly once in effect.

``SubmissionProcessor`` turns one submission into one ``$batch`` change set (contact upsert by
key, create-only case, notes) and classifies what Dataverse answered (``_outcome.py``);
``handle_submission_message`` is the queue worker that settles the message accordingly —
back-off across deliveries (``DeliveryPolicy``, ``retry_later``), rejection with a reason
(``reject``), postponement while the shared ``CircuitBreaker`` is open. ``drain`` empties a
backlog in many change sets per ``$batch``, renewing its messages' locks and reporting its
progress (``DrainProgress``); ``sweep_dead_letters``, ``replay`` and ``purge_retention`` recover
and clean up what failed. A new contact's follow-ups (typed e-mail and phone, look-alike flag)
that a transient failure left undone wait on the same queue as ``cityzen.contact-followup/v1``
messages (``FOLLOWUP_SCHEMA``, ``FollowupQueue``).

Errors are drawn in ``_errors.py``; most failures are outcomes, not exceptions.
"""

from ._address import AddressResolver, locate
from ._backlog import drain
from ._breaker import BREAKER_PARTITION, BreakerState, CircuitBreaker
from ._deferred import FOLLOWUP_SCHEMA, DeferredFollowup, FollowupQueue
from ._delivery import (
    PROP_LAST_ERROR,
    PROP_REJECTED_AT,
    PROP_REJECTED_REASON,
    DeliveryPolicy,
    Settlement,
    reject,
    rejected_queue,
    retry_later,
    submission_id,
)
from ._errors import LookupNotFoundError
from ._lookups import LookupCache
from ._messages import MessageWriter, message_changes
from ._outcome import (
    AlreadyDone,
    Created,
    Permanent,
    ProcessOutcome,
    Systemic,
    Transient,
    classify,
)
from ._pace import DrainProgress, DrainReport
from ._processor import Prepared, SubmissionProcessor
from ._recovery import (
    PurgeReport,
    ReplayReport,
    Source,
    SweepReport,
    purge_failed_messages,
    purge_retention,
    replay,
    source_of,
    sweep_dead_letters,
)
from ._worker import (
    WorkerDeps,
    WorkerResult,
    handle_submission_message,
    read_submission,
    read_work,
)

__all__ = [
    "BREAKER_PARTITION",
    "FOLLOWUP_SCHEMA",
    "PROP_LAST_ERROR",
    "PROP_REJECTED_AT",
    "PROP_REJECTED_REASON",
    "AddressResolver",
    "AlreadyDone",
    "BreakerState",
    "CircuitBreaker",
    "Created",
    "DeferredFollowup",
    "DeliveryPolicy",
    "DrainProgress",
    "DrainReport",
    "FollowupQueue",
    "LookupCache",
    "LookupNotFoundError",
    "MessageWriter",
    "Permanent",
    "Prepared",
    "ProcessOutcome",
    "PurgeReport",
    "ReplayReport",
    "Settlement",
    "Source",
    "SubmissionProcessor",
    "SweepReport",
    "Systemic",
    "Transient",
    "WorkerDeps",
    "WorkerResult",
    "classify",
    "drain",
    "handle_submission_message",
    "locate",
    "message_changes",
    "purge_failed_messages",
    "purge_retention",
    "read_submission",
    "read_work",
    "reject",
    "rejected_queue",
    "replay",
    "retry_later",
    "source_of",
    "submission_id",
    "sweep_dead_letters",
]
