"""Follow-ups left undone wait on the submissions queue until they are done: one message of
schema ``cityzen.contact-followup/v1``, handled by the same worker.

Why a message, and not a retry of the submission: the submission is finished once its change
set is in (one case, status ``created``, blobs deleted); retrying it would send the change set
again and hold the citizen's status on work the citizen does not wait for. The follow-up message
instead

- is sent *before* the status is marked ``created``: if sending fails, the submission is retried,
  meets its case (412) and runs its follow-ups again (``created_with``), so nothing is lost
  between the two;
- carries the submission itself (the values the citizen typed live nowhere else once the
  submission message is completed; re-planning it gives the same values, normalisation and
  look-alike query as the first run), the contact and case ids and the steps left. Its
  application properties are the envelope's (schema, version, attempt, origin id): ids and
  counters, never a value; logs quote ids and error codes only;
- is the follow-ups' second attempt (the first ran inline): it waits ``DeliveryPolicy``'s first
  delay, then backs off as a submission does (``retry_later``: 60 s, 120 s … by default),
  behind the same circuit breaker; past the horizon it is copied to ``<queue>-rejected``
  (replayable) and the submission's status is left alone;
- is idempotent: every step reads before it writes (blanks only, flag ``true``), so a duplicate,
  a replay or a retry changes nothing already done; its id is derived from the submission id, so
  a second send (a crash between sending it and completing the submission) is dropped by
  duplicate detection. A retry carries only the steps still left.

Service Bus: scheduled messages and duplicate detection by ``MessageId``
https://learn.microsoft.com/azure/service-bus-messaging/message-sequencing#scheduled-messages
https://learn.microsoft.com/azure/service-bus-messaging/duplicate-detection
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from pydantic import ValidationError as PydanticValidationError

from cityzen_connector.dataverse import WriteResult
from cityzen_connector.mapping import (
    MappingSet,
    Operation,
    PlanContext,
    PlanError,
    SubmissionPlan,
    plan_submission,
)
from cityzen_connector.messaging import (
    MAX_MESSAGE_ID,
    Envelope,
    InvalidMessage,
    MessageBus,
    MessagingError,
    ReceivedMessage,
    encode,
)
from cityzen_connector.models import Submission

from ._delivery import DeliveryPolicy
from ._followups import STEPS, ContactFollowups, FollowupResult, Step
from ._outcome import Permanent

FOLLOWUP_SCHEMA = "cityzen.contact-followup/v1"
INVALID_FOLLOWUP = "InvalidFollowup"  # the reason of a follow-up message that cannot be read
_SUFFIX = "~followup"


@dataclass(frozen=True)
class DeferredFollowup:
    """The follow-ups of the contact a submission created, still to do."""

    submission: Submission
    target: str  # the mapping target of the contact (``contact``)
    contact_id: uuid.UUID
    case_id: uuid.UUID
    steps: frozenset[Step]

    @property
    def submission_id(self) -> str:
        return str(self.submission.id)

    def payload(self) -> dict[str, Any]:
        return {
            "submission": self.submission.model_dump(mode="json"),
            "target": self.target,
            "contact_id": str(self.contact_id),
            "case_id": str(self.case_id),
            "steps": sorted(self.steps),
        }

    @classmethod
    def from_envelope(cls, envelope: Envelope) -> DeferredFollowup:
        """Read a follow-up message's payload; ``InvalidMessage`` (never quoting it) otherwise."""
        payload = envelope.payload
        try:
            submission = Submission.model_validate(payload.get("submission"))
            steps = frozenset(_step(s) for s in payload.get("steps") or ())
            task = cls(
                submission=submission,
                target=str(payload["target"]),
                contact_id=uuid.UUID(str(payload["contact_id"])),
                case_id=uuid.UUID(str(payload["case_id"])),
                steps=steps,
            )
        except (PydanticValidationError, KeyError, ValueError) as exc:
            raise InvalidMessage(INVALID_FOLLOWUP, "not a contact follow-up payload") from exc
        if task.submission_id != envelope.correlation_id or not steps:
            raise InvalidMessage(INVALID_FOLLOWUP, "correlation_id or steps do not match")
        return task

    def carrying(self, message: ReceivedMessage, steps: frozenset[Step]) -> ReceivedMessage:
        """``message`` with a body for ``steps`` only (what a retry copies)."""
        task = replace(self, steps=steps)
        document = {
            "schema": FOLLOWUP_SCHEMA,
            "correlation_id": self.submission_id,
            "payload": task.payload(),
        }
        body = json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()
        return replace(message, body=body)


def _step(value: object) -> Step:
    for step in STEPS:
        if value == step:
            return step
    raise ValueError("unknown step")


class FollowupQueue:
    """Where the processor defers follow-ups: the submissions queue (its worker handles both
    schemas). ``policy`` is the queue's ``DeliveryPolicy``: the message waits its first delay,
    as a submission's first retry does."""

    def __init__(
        self,
        bus: MessageBus,
        queue: str,
        *,
        policy: DeliveryPolicy,
        clock: Callable[[], datetime],
    ) -> None:
        self.bus = bus
        self.queue = queue
        self.policy = policy
        self.clock = clock

    def defer(self, task: DeferredFollowup) -> datetime:
        """Send the follow-up message; when it is due. Raises ``MessagingError`` if the bus
        refuses it (the caller then retries the submission instead)."""
        now = self.clock().astimezone(UTC)
        due = now + self.policy.delay(1)
        message = encode(
            FOLLOWUP_SCHEMA,
            task.payload(),
            correlation_id=task.submission_id,
            message_id=(task.submission_id + _SUFFIX)[:MAX_MESSAGE_ID],
            attempt=2,  # the first attempt was the inline one: the back-off goes on from there
            first_enqueued=now,
            scheduled_enqueue_time=due,
        )
        self.bus.send(self.queue, [message])
        return due


class Followups:
    """A new contact's follow-ups: run now (``ContactFollowups``), what is left deferred to
    ``queue``; and the deferred ones resumed. Without a queue, what is left is logged (ids and
    codes) and dropped."""

    def __init__(
        self,
        steps: ContactFollowups,
        queue: FollowupQueue | None,
        mappings: MappingSet,
        context: PlanContext,
        log: logging.Logger,
    ) -> None:
        self.steps = steps
        self.queue = queue
        self.mappings = mappings
        self.context = context
        self.log = log

    def after_create(
        self,
        submission: Submission | None,
        plan: SubmissionPlan,
        op: Operation,
        written: WriteResult,
        *,
        case_id: uuid.UUID,
    ) -> FollowupResult | None:
        """Run every step for the contact the change set created; None if some are left and
        the bus refused them (the submission must then be retried: it meets its case and runs
        its follow-ups again, so nothing is lost)."""
        result = self.steps.after_create(plan, op, written, case_id=case_id)
        if not result.left or written.id is None:
            return result
        sid, steps = str(plan.submission_id), ",".join(sorted(result.left))
        if self.queue is None or submission is None:
            self.log.warning("submission %s: follow-ups %s dropped (no queue)", sid, steps)
            return result
        task = DeferredFollowup(submission, op.target, written.id, case_id, result.left)
        try:
            due = self.queue.defer(task)
        except MessagingError as exc:
            self.log.warning("submission %s: follow-ups not queued: %s", sid, type(exc).__name__)
            return None
        self.log.info("submission %s: follow-ups %s deferred to %s", sid, steps, due.isoformat())
        return result

    def resume(self, task: DeferredFollowup) -> FollowupResult | Permanent:
        """Run the steps a message deferred: re-plan the submission it carries (the same
        values and look-alike query as the first run), then each step left."""
        try:
            plan = plan_submission(task.submission, self.mappings, context=self.context)
            op = plan.operation(task.target)
        except PlanError as exc:  # e.g. its theme was retired since: it cannot be re-planned
            return Permanent(exc.code, exc.reason)
        except StopIteration:
            return Permanent("unknown_target", f"the mappings have no target '{task.target}'")
        return self.steps.run(plan, op, task.contact_id, case_id=task.case_id, steps=task.steps)
