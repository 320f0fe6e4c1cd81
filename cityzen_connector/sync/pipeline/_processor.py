"""Process one submission: ONE ``$batch`` change set on the common path.

contact upsert by key (``return=representation``: 201 tells a new contact from an update) →
case create-only keyed by the submission id (``If-None-Match: *``; ``return=representation``
reads the ticket number back in the same round trip) bound to the contact (``$1``), subject and
team → one create-only note per attachment (deterministic id), bytes from the blob store.

A 412 on the case means the submission was done before (change sets are atomic): success, and
the case is never updated, so agents' edits survive a replay. A new contact costs a bounded
number of extra calls off the common path (``_followups.py``): fill its blanks with what the
citizen typed, then the look-alike query (flag the case, never merge); what a transient failure
leaves undone is deferred to the queue (``_deferred.py``) before the status is marked created
and the blobs are deleted. ``prepare`` / ``finish`` split the work so a backlog drain can put many
submissions' change sets in one ``$batch``.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from cityzen_connector._metrics import METRICS, SUBMISSIONS_CREATED, SUBMISSIONS_FAILED
from cityzen_connector.dataverse import (
    ChangeSet,
    DataverseClient,
    DataverseError,
    DataverseRequest,
    Key,
    NotFoundError,
    OperationResult,
    WriteResult,
    ops,
)
from cityzen_connector.mapping import (
    MappingSet,
    Operation,
    PlanContext,
    PlanError,
    SubmissionPlan,
    plan_submission,
    wire_body,
)
from cityzen_connector.models import Submission
from cityzen_connector.store import (
    BlobNotFoundError,
    BlobStore,
    InvalidKeyError,
    StoreError,
    SubmissionStatuses,
)

from ._address import AddressResolver, locate
from ._breaker import CircuitBreaker
from ._deferred import FollowupQueue, Followups
from ._followups import ContactFollowups, created_with, followup_expand
from ._lookups import LookupCache, LookupNotFoundError
from ._outcome import (
    AlreadyDone,
    Created,
    Permanent,
    ProcessOutcome,
    Systemic,
    Transient,
    classify,
    is_already_done,
)

_LOG = logging.getLogger("cityzen_connector.sync")
# Columns read back from the case in the same round trip, per table.
DEFAULT_TICKET_COLUMNS: Mapping[str, str] = {"incident": "ticketnumber"}
CHANGE_SET = "the submission's change set"
_NOT_DEFERRED = Transient("message bus: the new contact's follow-ups could not be queued")


@dataclass(frozen=True)
class Prepared:
    """One submission's change set, ready to send, and what is needed to read its answer."""

    submission_id: str
    plan: SubmissionPlan
    requests: tuple[DataverseRequest, ...]
    blob_names: tuple[str, ...] = field(default=())
    submission: Submission | None = None  # what a deferred follow-up carries

    def change_set(self, offset: int = 0) -> ChangeSet:
        """The change set, its ``$n`` references shifted by ``offset``: Content-IDs are unique
        across a whole ``$batch`` (OData 4.01 §11.7.7), so the k-th change set of a backlog
        batch starts after the operations of those before it."""
        if offset == 0:
            return ChangeSet(self.requests)
        return ChangeSet(_shifted(request, offset) for request in self.requests)


_CONTENT_REF = re.compile(r"^\$([0-9]+)$")


def _shifted(request: DataverseRequest, offset: int) -> DataverseRequest:
    body = dict(request.body or {})
    for name, value in body.items():
        match = _CONTENT_REF.match(value) if isinstance(value, str) else None
        if match and name.endswith("@odata.bind"):
            body[name] = f"${int(match.group(1)) + offset}"
    return replace(request, body=body)


def operation_key(operation: Operation) -> Key:
    """The client's key: a GUID for the primary id, else the alternate key's columns."""
    if len(operation.key) == 1 and operation.key[0][0] == operation.primary_id:
        return uuid.UUID(str(operation.key[0][1]))
    return dict(operation.key)


class SubmissionProcessor:
    """``followup_queue`` is where follow-ups a transient failure left undone wait (the
    submissions queue); without one they are logged (ids and codes) and dropped.
    ``addresses`` resolves a location's geocoder id (``_address.py``); without it the typed
    address is kept."""

    def __init__(
        self,
        client: DataverseClient,
        mappings: MappingSet,
        blobs: BlobStore,
        statuses: SubmissionStatuses,
        breaker: CircuitBreaker | None,
        *,
        clock: Callable[[], datetime],
        logger: logging.Logger | None = None,
        context: PlanContext | None = None,
        lookups: LookupCache | None = None,
        ticket_columns: Mapping[str, str] = DEFAULT_TICKET_COLUMNS,
        followup_queue: FollowupQueue | None = None,
        addresses: AddressResolver | None = None,
    ) -> None:
        self.client = client
        self.addresses = addresses
        self.mappings = mappings
        self.blobs = blobs
        self.statuses = statuses
        self.breaker = breaker
        self.clock = clock
        self.log = logger or _LOG
        self.context = context or PlanContext()
        self.lookups = lookups or LookupCache(client, clock=clock)
        self.ticket_columns = dict(ticket_columns)
        steps = ContactFollowups(client, mappings, self.log)
        self.followups = Followups(steps, followup_queue, mappings, self.context, self.log)

    # -- one submission --------------------------------------------------------------------
    def process(self, submission: Submission) -> ProcessOutcome:
        prepared = self.prepare(submission)
        if not isinstance(prepared, Prepared):
            return prepared
        try:
            client = self.client.with_correlation_id(prepared.submission_id)
            result = client.execute_batch([prepared.change_set()])
        except DataverseError as exc:
            return self.record(prepared.submission_id, classify(exc, what=CHANGE_SET))
        return self.finish(prepared, result.results)

    def prepare(self, submission: Submission) -> Prepared | ProcessOutcome:
        """Plan, resolve lookups, read the blobs: the change set, or why there is none."""
        prepared = self._prepare(submission)
        if isinstance(prepared, Prepared):
            return prepared
        return self.record(str(submission.id), prepared)

    def _prepare(  # noqa: PLR0911 - one return per failure class
        self, submission: Submission
    ) -> Prepared | ProcessOutcome:
        submission_id = str(submission.id)
        try:
            status = self.statuses.get(submission_id)
        except StoreError as exc:
            return Transient(f"state store: {type(exc).__name__}")
        if status is not None and status.status == "created":
            return AlreadyDone(status.case_id, status.ticket_number)
        located = locate(submission, self.addresses, self.mappings.catalog, self.log)
        if isinstance(located, Permanent):
            return located
        submission = located
        try:
            plan = plan_submission(submission, self.mappings, context=self.context)
            ids = self.lookups.resolve(plan.lookups)
        except PlanError as exc:
            return Permanent(exc.code, exc.reason)
        except LookupNotFoundError as exc:
            return Permanent("unknown_lookup", f"{exc} (check routing.toml, themes.toml)")
        except DataverseError as exc:
            return classify(exc, what="a team or subject lookup")
        try:
            data = self._blob_bytes(plan)
            requests = [self._request(op, plan, ids, data) for op in plan.operations]
        except PlanError as exc:  # an attachment whose bytes do not match its hash
            return Permanent(exc.code, exc.reason)
        except DataverseError as exc:  # refused locally, e.g. a value JSON cannot carry
            return classify(exc, what=CHANGE_SET)
        except (BlobNotFoundError, InvalidKeyError):
            # Blobs are deleted once the case exists: a replay whose status record is gone
            # finds the case; otherwise the bytes are really missing.
            return self._existing_or(
                plan,
                submission_id,
                Permanent("attachment_missing", "an attachment is missing from the blob store"),
            )
        except StoreError as exc:
            return Transient(f"blob store: {type(exc).__name__}")
        names = tuple(sorted({c.blob_name for op in plan.operations for c in op.blobs.values()}))
        return Prepared(submission_id, plan, tuple(requests), names, submission)

    def finish(self, prepared: Prepared, results: Sequence[OperationResult]) -> ProcessOutcome:
        """Read the change set's answer, run the new-contact follow-ups, record the status."""
        plan = prepared.plan
        errors = [r.error for r in results if r.error is not None]
        if any(is_already_done(error) for error in errors):
            return self._already_done(prepared)
        if errors:
            # A failed change set answers with one error part for all of its operations.
            return self.record(prepared.submission_id, classify(errors[0], what=CHANGE_SET))
        if len(results) != len(plan.operations) or not all(r.ok for r in results):
            return Transient("change set without a complete answer")
        by_target = {op.target: r.value for op, r in zip(plan.operations, results, strict=True)}
        case_op = plan.operation(self.mappings.case_target)
        case = by_target.get(case_op.target)
        if not isinstance(case, WriteResult) or case.id is None:
            return Transient("the case was written but its id did not come back")
        ticket = self._ticket(case_op, case)
        flagged, contact_created = False, False
        for op in plan.operations:
            written = by_target.get(op.target)
            if op.mode == "upsert" and isinstance(written, WriteResult) and written.created:
                contact_created = True
                result = self.followups.after_create(
                    prepared.submission, plan, op, written, case_id=case.id
                )
                if result is None:  # left undone and not queued: retry the submission
                    return self.record(prepared.submission_id, _NOT_DEFERRED)
                flagged |= result.flagged
        created = Created(str(case.id), ticket, contact_created, flagged)
        # Counted here, where the case was written: a redelivery finding it done is not counted.
        METRICS.count(SUBMISSIONS_CREATED)
        return self._done(prepared.submission_id, prepared.blob_names, created)

    # -- building --------------------------------------------------------------------------
    def _blob_bytes(self, plan: SubmissionPlan) -> dict[str, bytes]:
        names = {c.blob_name for op in plan.operations for c in op.blobs.values()}
        return {name: self.blobs.get(name) for name in sorted(names)}

    def _request(
        self,
        op: Operation,
        plan: SubmissionPlan,
        ids: Mapping[Any, uuid.UUID],
        data: Mapping[str, bytes],
    ) -> DataverseRequest:
        body = wire_body(op, lookups=ids, blobs=data)
        key = operation_key(op)
        # Both representations below are keyed PATCHes: Dataverse names the row by its key, or
        # not at all with a representation, so the id is read from the row's primary id column.
        if op.mode == "upsert":
            # The representation says 201 (created) or 200 (updated); select only what the
            # follow-ups need (the id and the columns whose blanks may be filled).
            request = ops.upsert(
                op.entity_set, key, body, return_record=True, primary_id=op.primary_id
            )
            return replace(
                request, query=(("$select", ",".join([op.primary_id, *op.fill_blanks])),)
            )
        if op.mode == "create_only" and op.target == self.mappings.case_target:
            request = ops.upsert(
                op.entity_set,
                key,
                body,
                mode="create_only",
                return_record=True,
                primary_id=op.primary_id,
            )
            selected = [op.primary_id]
            if op.table in self.ticket_columns:
                selected.append(self.ticket_columns[op.table])
            return replace(request, query=(("$select", ",".join(selected)),))
        mode = "update_only" if op.mode == "update" else op.mode
        return ops.upsert(op.entity_set, key, body, mode=mode)

    def _ticket(self, case_op: Operation, case: WriteResult) -> str:
        column = self.ticket_columns.get(case_op.table)
        value = (case.record or {}).get(column) if column else None
        return str(value) if value else str(case.id)

    # -- endings ---------------------------------------------------------------------------
    def _already_done(self, prepared: Prepared) -> ProcessOutcome:
        """The case exists: read its id and ticket back (one GET, replays only), mark created."""
        missing = Transient("the case exists but could not be read back")
        return self._existing_or(prepared.plan, prepared.submission_id, missing, prepared)

    def _existing_or(
        self,
        plan: SubmissionPlan,
        submission_id: str,
        otherwise: ProcessOutcome,
        prepared: Prepared | None = None,
    ) -> ProcessOutcome:
        case_op = plan.operation(self.mappings.case_target)
        column = self.ticket_columns.get(case_op.table)
        select = [case_op.primary_id, "createdon", *([column] if column else [])]
        expand = followup_expand(plan, case_op)
        try:
            record = self.client.retrieve(
                case_op.entity_set, operation_key(case_op), select=select, expand=expand
            )
        except NotFoundError:
            return self.record(submission_id, otherwise)
        except DataverseError as exc:
            return self.record(submission_id, classify(exc, what="the existing case"))
        case_id = str(record.get(case_op.primary_id) or "")
        ticket = str(record.get(column) or case_id) if column else case_id
        new = created_with(plan, record, case_op) if prepared is not None else None
        if prepared is not None and new is not None:
            # A first attempt's reply was lost: finish what it began.
            op, contact, case = new
            ran = self.followups.after_create(prepared.submission, plan, op, contact, case_id=case)
            if ran is None:
                return self.record(submission_id, _NOT_DEFERRED)
        names = prepared.blob_names if prepared is not None else ()
        self._done(submission_id, names, Created(case_id, ticket))
        return AlreadyDone(case_id or None, ticket or None)

    def _done(self, submission_id: str, blob_names: Sequence[str], created: Created) -> Created:
        try:
            self.statuses.mark_created(
                submission_id, case_id=created.case_id, ticket_number=created.ticket_number
            )
        except StoreError as exc:  # the case exists; a redelivery will record it
            self.log.warning("status not recorded: %s", type(exc).__name__)
            return created
        for name in blob_names:
            try:
                self.blobs.delete(name)
            except StoreError as exc:  # retention purges what is left behind
                self.log.warning("blob not deleted: %s", type(exc).__name__)
        return created

    def record(self, sid: str, outcome: ProcessOutcome) -> ProcessOutcome:
        """Log a failure (codes only) and trip the breaker on a systemic one."""
        if isinstance(outcome, Systemic | Permanent | Transient):
            METRICS.count(SUBMISSIONS_FAILED, failure=type(outcome).__name__.lower())
        if isinstance(outcome, Systemic):
            if self.breaker is not None:
                self.breaker.trip(outcome.code, outcome.reason)
            self.log.error("submission %s: systemic failure %s", sid, outcome.code)
        elif isinstance(outcome, Permanent):
            self.log.warning("submission %s: permanent failure %s", sid, outcome.code)
        elif isinstance(outcome, Transient):
            self.log.info("submission %s: transient failure %s", sid, outcome.error)
        return outcome
