"""The queue worker's one function: decode, check the breaker, process, settle.

``handle_submission_message(message, deps)`` is what the Azure Functions Service Bus trigger
calls (it must not depend on ``azure.functions``). Every result means "now complete the
original": the trigger completes by returning (``autoCompleteMessages``), and an exception —
the bus or the store being unreachable — abandons it so Service Bus redelivers it.

- bad message → ``reject`` with a stable reason (never quoting the body);
- breaker open → a copy is scheduled for when the breaker may close; the attempt count is NOT
  raised (an outage of ours is not the submission's failure);
- Created / AlreadyDone → complete; Transient → ``retry_later``; Permanent → ``reject``;
  Systemic → the breaker is opened (by the processor), the message re-scheduled as above and
  an ERROR logged for alerting (codes only, no personal data).

The same queue carries a new contact's deferred follow-ups (``cityzen.contact-followup/v1``,
``_deferred.py``), behind the same breaker: done → complete; a transient or systemic failure →
``retry_later`` carrying only the steps left; a permanent one → ``reject``. Neither ever
touches the submission's status: its case exists.

And citizens' messages on their requests (``cityzen.case-message/v1``, ``_messages.py``):
written → complete; waiting for the request's case, or a transient failure → ``retry_later``
with the same back-off (the submission's status untouched); permanent → ``reject``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from pydantic import ValidationError as PydanticValidationError

from cityzen_connector._metrics import METRICS, SUBMISSIONS_QUEUE_AGE_MS
from cityzen_connector.messaging import (
    PROP_ORIGIN_ID,
    Envelope,
    InvalidMessage,
    MessageBus,
    OutgoingMessage,
    ReceivedMessage,
    decode,
    first_enqueued,
)
from cityzen_connector.models import (
    CASE_MESSAGE_SCHEMA,
    SUBMISSION_SCHEMA,
    CaseMessagePayload,
    Submission,
    field_errors,
)
from cityzen_connector.store import SubmissionStatuses

from ._breaker import CircuitBreaker
from ._deferred import FOLLOWUP_SCHEMA, INVALID_FOLLOWUP, DeferredFollowup
from ._delivery import DeliveryPolicy, Settlement, reject, retry_later
from ._messages import MessageWriter, read_case_message
from ._outcome import AlreadyDone, Created, Permanent, ProcessOutcome, Systemic, Transient
from ._processor import SubmissionProcessor

_LOG = logging.getLogger("cityzen_connector.sync.worker")
PROP_POSTPONED = "cityzen-postponed"
Action = Literal["completed", "retry_scheduled", "rejected", "postponed"]


@dataclass(frozen=True)
class WorkerDeps:
    bus: MessageBus
    queue: str
    processor: SubmissionProcessor
    breaker: CircuitBreaker
    statuses: SubmissionStatuses
    retry: DeliveryPolicy
    clock: Callable[[], datetime]
    probe: Callable[[], Any]  # e.g. ``client.who_am_i``: closes a half-open breaker
    logger: logging.Logger = _LOG
    # Citizens' messages (None: such a message is rejected, and stays to be replayed).
    messages: MessageWriter | None = None


@dataclass(frozen=True)
class WorkerResult:
    """What was decided; the original message must now be completed in every case."""

    action: Action
    outcome: ProcessOutcome | None = None
    settlement: Settlement | None = None
    retry_at: datetime | None = None


def read_work(message: ReceivedMessage) -> Submission | DeferredFollowup | CaseMessagePayload:
    """A submission, a deferred follow-up or a citizen's message; ``InvalidMessage`` with a
    stable reason otherwise."""
    envelope = decode(message, accept=(SUBMISSION_SCHEMA, FOLLOWUP_SCHEMA, CASE_MESSAGE_SCHEMA))
    if envelope.schema_id == FOLLOWUP_SCHEMA:
        return DeferredFollowup.from_envelope(envelope)
    if envelope.schema_id == CASE_MESSAGE_SCHEMA:
        return read_case_message(envelope)
    return _submission(envelope)


def read_submission(message: ReceivedMessage) -> Submission:
    """The submission a message carries; ``InvalidMessage`` with a stable reason otherwise."""
    return _submission(decode(message, accept=(SUBMISSION_SCHEMA,)))


def _submission(envelope: Envelope) -> Submission:
    try:
        submission = Submission.model_validate(envelope.payload)
    except PydanticValidationError as exc:
        fields = sorted({e.field for e in field_errors(exc, limit=None)})[:10]
        raise InvalidMessage("InvalidSubmission", "invalid fields: " + ", ".join(fields)) from exc
    if str(submission.id) != envelope.correlation_id:
        raise InvalidMessage("InvalidEnvelope", "correlation_id is not the submission id")
    return submission


def postpone(bus: MessageBus, queue: str, message: ReceivedMessage, *, until: datetime) -> datetime:
    """Schedule a copy for ``until`` with the same attempt count (not a failure). Its id is
    derived from the first message's id and a postponement counter, so a crash between sending
    and completing cannot double it (duplicate detection)."""
    properties = dict(message.application_properties)
    count = properties.get(PROP_POSTPONED, 0)
    count = (count if isinstance(count, int) else 0) + 1
    origin = properties.get(PROP_ORIGIN_ID)
    base = origin if isinstance(origin, str) and origin else message.message_id
    properties |= {PROP_POSTPONED: count, PROP_ORIGIN_ID: base}
    bus.send(
        queue,
        [
            OutgoingMessage(
                body=message.body,
                message_id=f"{base[:100]}~p{count}",
                content_type=message.content_type or "application/json",
                correlation_id=message.correlation_id,
                subject=message.subject,
                application_properties=properties,
                scheduled_enqueue_time=until,
            )
        ],
    )
    return until


def handle_submission_message(message: ReceivedMessage, deps: WorkerDeps) -> WorkerResult:
    try:
        work = read_work(message)
    except InvalidMessage as exc:
        return reject_invalid(message, exc, deps)
    # How long it has waited since its first enqueue, postponements included: the "oldest
    # queued submission" alert reads the maximum (infra/, _metrics.py).
    waited = deps.clock() - first_enqueued(message)
    METRICS.record(SUBMISSIONS_QUEUE_AGE_MS, max(0.0, waited.total_seconds() * 1000))
    if not deps.breaker.allow(deps.probe):
        return postponed(message, deps)
    if isinstance(work, DeferredFollowup):
        return follow_up(message, work, deps)
    if isinstance(work, CaseMessagePayload):
        return write_message(message, work, deps)
    outcome = deps.processor.process(work)
    return settle(message, outcome, deps)


def follow_up(message: ReceivedMessage, task: DeferredFollowup, deps: WorkerDeps) -> WorkerResult:
    """Run a deferred follow-up and settle its message (the submission's status is not ours to
    touch: ``store=None``)."""
    result = deps.processor.followups.resume(task)
    now = deps.clock()
    sid = task.submission_id
    if isinstance(result, Permanent):
        deps.logger.warning("submission %s: follow-ups rejected: %s", sid, result.code)
        reason = f"{result.code}: {result.reason}"
        settlement = reject(deps.bus, None, deps.queue, message, reason=reason, now=now)
        return WorkerResult("rejected", result, settlement)
    if result.failure is None:
        return WorkerResult("completed")
    error = (
        result.failure.error
        if isinstance(result.failure, Transient)
        else f"{result.failure.code}: {result.failure.reason}"
    )
    left = task.carrying(message, result.left)  # a retry does only what is left
    settlement = retry_later(
        deps.bus, deps.queue, left, error=error, policy=deps.retry, now=now, store=None
    )
    if settlement.action == "rejected":
        deps.logger.warning("submission %s: follow-ups given up: %s", sid, settlement.reason)
    return WorkerResult(_action(settlement), result.failure, settlement, settlement.retry_at)


def write_message(
    message: ReceivedMessage, work: CaseMessagePayload, deps: WorkerDeps
) -> WorkerResult:
    """Write a citizen's message to its case and settle it; never the submission's status."""
    now = deps.clock()
    rid = work.request_id
    if deps.messages is None:
        reason = "messages are not configured on this worker"
        return WorkerResult(
            "rejected",
            settlement=reject(deps.bus, None, deps.queue, message, reason=reason, now=now),
        )
    outcome = deps.messages.write(work)
    now = deps.clock()
    if isinstance(outcome, Created | AlreadyDone):
        return WorkerResult("completed", outcome)
    if isinstance(outcome, Transient):
        settlement = retry_later(
            deps.bus, deps.queue, message, error=outcome.error, policy=deps.retry, now=now
        )
        if settlement.action == "rejected":
            deps.logger.warning("request %s: message %s given up", rid, work.message_id)
        return WorkerResult(_action(settlement), outcome, settlement, settlement.retry_at)
    if isinstance(outcome, Permanent):
        deps.logger.warning(
            "request %s: message %s rejected: %s", rid, work.message_id, outcome.code
        )
        reason = f"{outcome.code}: {outcome.reason}"
        settlement = reject(deps.bus, None, deps.queue, message, reason=reason, now=now)
        return WorkerResult("rejected", outcome, settlement)
    deps.logger.error(
        "ALERT processing paused, circuit breaker open: %s (%s)", outcome.code, outcome.reason
    )
    return _postponed(deps, message, outcome, now)


def settle(message: ReceivedMessage, outcome: ProcessOutcome, deps: WorkerDeps) -> WorkerResult:
    """Send what the outcome calls for (a retry copy, a rejection, a postponement)."""
    now = deps.clock()  # processing may have waited (client retries): settle from now on
    if isinstance(outcome, Created | AlreadyDone):
        return WorkerResult("completed", outcome)
    if isinstance(outcome, Transient):
        settlement = retry_later(
            deps.bus,
            deps.queue,
            message,
            error=outcome.error,
            policy=deps.retry,
            now=now,
            store=deps.statuses,
        )
        return WorkerResult(_action(settlement), outcome, settlement, settlement.retry_at)
    if isinstance(outcome, Permanent):
        reason = f"{outcome.code}: {outcome.reason}"
        settlement = reject(deps.bus, deps.statuses, deps.queue, message, reason=reason, now=now)
        return WorkerResult("rejected", outcome, settlement)
    deps.logger.error(
        "ALERT processing paused, circuit breaker open: %s (%s)", outcome.code, outcome.reason
    )
    return _postponed(deps, message, outcome, now)


def reject_invalid(message: ReceivedMessage, exc: InvalidMessage, deps: WorkerDeps) -> WorkerResult:
    deps.logger.warning("message %s rejected: %s", message.message_id, exc.reason)
    reason = f"invalid message: {exc.reason}"
    # A bad follow-up says nothing about its submission, whose case exists.
    statuses = None if exc.reason == INVALID_FOLLOWUP else deps.statuses
    settlement = reject(deps.bus, statuses, deps.queue, message, reason=reason, now=deps.clock())
    return WorkerResult("rejected", settlement=settlement)


def postponed(message: ReceivedMessage, deps: WorkerDeps) -> WorkerResult:
    """The breaker is open: re-schedule without counting a failure."""
    return _postponed(deps, message, None, deps.clock())


def _postponed(
    deps: WorkerDeps, message: ReceivedMessage, outcome: Systemic | None, now: datetime
) -> WorkerResult:
    state = deps.breaker.state()
    until = state.until if state.until is not None and state.until > now else now
    until = max(until, now + timedelta(seconds=1))
    postpone(deps.bus, deps.queue, message, until=until)
    return WorkerResult("postponed", outcome, retry_at=until)


def _action(settlement: Settlement) -> Action:
    return "retry_scheduled" if settlement.action == "retry_scheduled" else "rejected"
