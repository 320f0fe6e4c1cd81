"""Off the common path: what a NEW contact costs, done until it is done.

Two steps, each safe to run again (a replay, a duplicate message, a retry after a lost reply):

1. ``fill_blanks``: write the values the citizen typed into the contact's columns that are still
   empty. Every write carries ``If-Match`` with the ETag of the representation the empty columns
   were read from, so nothing an agent or another submission wrote in between is overwritten
   ("Perform conditional operations using the Web API", optimistic concurrency: a stale ETag
   answers 412). On 412 the contact is read again and only what is STILL empty is written,
   with the fresh ETag: at most ``MAX_WRITES`` PATCHes. This is the common race: two
   submissions of one new citizen processed together (two workers, or one backlog ``$batch``),
   the second upsert lands between the first's change set and its follow-up. A key value
   another contact already holds (``DuplicateRecordEntityKey``) is dropped and the rest written
   again. A contact deleted meanwhile (404) needs nothing more.
2. ``lookalike``: the look-alike query (same names and birthdate, or same e-mail), excluding the
   new contact; if anything matches, flag the case for an agent (``cz_lookalikecontact =
   true``). Never merge: the agent decides.

What a run could not finish — a transient or systemic failure (503, 429 beyond the client's
budget, a dropped connection, a lost privilege) or a contact that kept changing — comes back in
``FollowupResult.left`` with the failure, and the processor defers it to the submissions queue
(``_deferred.py``). A permanent refusal (Dataverse rejecting a typed value) ends the step: it is
logged (codes only) and left to an agent. The case itself never waits on, nor fails with, these.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from cityzen_connector.dataverse import (
    AlreadyExistsError,
    DataverseClient,
    DataverseError,
    Expand,
    NotFoundError,
    PreconditionFailedError,
    WriteResult,
    ops,
)
from cityzen_connector.mapping import ContentRef, MappingSet, Operation, SubmissionPlan

from ._outcome import Permanent, Systemic, Transient, classify

Step = Literal["fill_blanks", "lookalike"]
STEPS: frozenset[Step] = frozenset({"fill_blanks", "lookalike"})
# Each 412 means someone else just wrote the contact; three fresh tries cover a citizen's burst
# of submissions. Past that the step goes to the queue rather than hold the worker.
MAX_WRITES = 3
# Records of one change set are written in one transaction: their createdon differ by less.
_SAME_CHANGE_SET = timedelta(seconds=5)
_WHAT = "a new contact's follow-ups"


@dataclass(frozen=True)
class FollowupResult:
    """``left``: the steps still to do, because of ``failure`` (log-safe, never a value)."""

    flagged: bool = False
    left: frozenset[Step] = frozenset()
    failure: Transient | Systemic | None = None


def _contact_link(plan: SubmissionPlan, case_op: Operation) -> tuple[str, Operation] | None:
    """(navigation property of the case to the upserted record, its operation), if any."""
    upserts = {op.content_id: op for op in plan.operations if op.mode == "upsert"}
    for column, bind in case_op.binds.items():
        if isinstance(bind, ContentRef) and bind.content_id in upserts:
            return column, upserts[bind.content_id]
    return None


def followup_expand(plan: SubmissionPlan, case_op: Operation) -> tuple[Expand, ...]:
    """What to read with an existing case so that ``created_with`` can tell a new contact."""
    link = _contact_link(plan, case_op)
    if link is None:
        return ()
    navigation, op = link
    return (Expand(navigation, (op.primary_id, "createdon", *op.fill_blanks)),)


def created_with(
    plan: SubmissionPlan, case: dict[str, Any], case_op: Operation
) -> tuple[Operation, WriteResult, uuid.UUID] | None:
    """The case exists but this submission's status was never recorded: the reply to the
    change set was lost. If its contact was created in the same change set (same createdon,
    give or take): (its operation, the contact as written, the case id), for the follow-ups
    that reply would have triggered."""
    link = _contact_link(plan, case_op)
    contact = case.get(link[0]) if link else None
    if link is None or not isinstance(contact, dict):
        return None
    op = link[1]
    try:
        contact_created = datetime.fromisoformat(str(contact["createdon"]))
        case_created = datetime.fromisoformat(str(case["createdon"]))
        contact_id = uuid.UUID(str(contact[op.primary_id]))
        case_id = uuid.UUID(str(case[case_op.primary_id]))
    except (KeyError, ValueError):
        return None
    if abs(case_created - contact_created) > _SAME_CHANGE_SET:
        return None  # a returning citizen: nothing was left undone
    return op, WriteResult(contact_id, record=contact, created=True), case_id


class ContactFollowups:
    """The follow-ups of a new contact, given only what they need: the client (already tagged
    with the submission's correlation id by the caller, if it wants), the mappings, a logger."""

    def __init__(self, client: DataverseClient, mappings: MappingSet, log: logging.Logger) -> None:
        self.client = client
        self.mappings = mappings
        self.log = log

    def after_create(
        self, plan: SubmissionPlan, op: Operation, written: WriteResult, *, case_id: uuid.UUID
    ) -> FollowupResult:
        """Every step, for the contact ``op`` just created (``written`` as the change set
        returned it: its empty columns and ETag spare a read)."""
        if written.id is None:
            return FollowupResult()
        return self.run(plan, op, written.id, case_id=case_id, steps=STEPS, known=written.record)

    def run(
        self,
        plan: SubmissionPlan,
        op: Operation,
        contact_id: uuid.UUID,
        *,
        case_id: uuid.UUID,
        steps: Collection[Step],
        known: dict[str, Any] | None = None,
    ) -> FollowupResult:
        """Run ``steps``; what a transient failure stopped is returned as ``left``."""
        left: set[Step] = set()
        failure: Transient | Systemic | None = None
        if "fill_blanks" in steps:
            failure = self._fill_blanks(op, contact_id, known)
            if failure is not None:
                left.add("fill_blanks")
        flagged = False
        if "lookalike" in steps and self.mappings.target(op.target).config.lookalike:
            flagged, missed = self._lookalike(plan, contact_id, case_id)
            if missed is not None:
                left.add("lookalike")
                failure = failure or missed
        return FollowupResult(flagged, frozenset(left), failure)

    def _fill_blanks(  # noqa: PLR0911 - one return per answer Dataverse may give
        self, op: Operation, contact_id: uuid.UUID, known: dict[str, Any] | None
    ) -> Transient | Systemic | None:
        wanted = dict(op.fill_blanks)
        if not wanted:
            return None
        keys = self.mappings.target(op.target).config.alternate_keys
        key_columns = {column for key in keys for column in key.columns}
        record = known if known and known.get("@odata.etag") else None
        for _ in range(MAX_WRITES):
            try:
                if record is None:
                    record = self.client.retrieve(op.entity_set, contact_id, select=list(wanted))
                values = {k: v for k, v in wanted.items() if record.get(k) is None}
                if not values:
                    return None  # filled already: by an earlier run, an agent, a submission
                etag = str(record["@odata.etag"])
                self.client.execute(ops.update(op.entity_set, contact_id, values, etag=etag))
                return None
            except PreconditionFailedError:
                record = None  # written since we read it: read again, fill what is still empty
            except AlreadyExistsError as exc:
                # Another contact holds that key value (the citizen came before through another
                # identity key): keep the other columns, leave the key to an agent. Nothing was
                # written, so the ETag still holds.
                if not key_columns & wanted.keys():
                    return self._failed("blanks not filled", exc)
                wanted = {k: v for k, v in wanted.items() if k not in key_columns}
            except NotFoundError:
                return None  # the contact is gone (deleted or merged by an agent)
            except DataverseError as exc:
                return self._failed("blanks not filled", exc)
        self.log.info("blanks not filled: the contact changed %d times meanwhile", MAX_WRITES)
        return Transient(f"the contact changed {MAX_WRITES} times while its blanks were filled")

    def _lookalike(
        self, plan: SubmissionPlan, contact_id: uuid.UUID, case_id: uuid.UUID
    ) -> tuple[bool, Transient | Systemic | None]:
        lookalike = plan.lookalike
        if lookalike is None:
            return False, None
        try:
            found = self.client.first(lookalike.query.to_query(exclude=contact_id))
        except DataverseError as exc:
            return False, self._failed("look-alike check not done", exc)
        if found is None:
            return False, None
        flag = lookalike.flag
        try:
            self.client.update(flag.entity_set, case_id, dict(flag.body))
        except NotFoundError:
            return False, None  # the case is gone: nothing to flag
        except DataverseError as exc:
            return False, self._failed("look-alike not flagged", exc)
        self.log.info("case %s flagged: its new contact resembles another one", case_id)
        return True, None

    def _failed(self, what: str, exc: DataverseError) -> Transient | Systemic | None:
        """The failure to retry later, or None when retrying cannot help (logged either way:
        the summary holds codes and ids, never a value)."""
        failure = classify(exc, what=_WHAT)
        if isinstance(failure, Permanent):
            self.log.warning("%s, left to an agent: %s", what, exc.summary)
            return None
        self.log.warning("%s, will be retried: %s", what, exc.summary)
        return failure
