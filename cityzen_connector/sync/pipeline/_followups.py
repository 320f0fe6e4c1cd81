"""Off the common path: what a NEW contact costs (at most three calls).

1. Fill its blanks with the values the citizen typed (``fill_blanks``): one PATCH, guarded by
   the ETag the change set returned, so nothing an agent wrote in between is overwritten; only
   columns the representation shows empty are written. A key value another contact already
   holds (``DuplicateRecordEntityKey``) is dropped and the rest written again.
2. The look-alike query (same names and birthdate, or same e-mail), excluding the new contact.
3. If anything matches, flag the case for an agent (``cz_lookalikecontact = true``). Never
   merge: the agent decides.

Each step is best effort: the case exists already, so a failure here is logged (codes only)
and does not fail the submission.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime, timedelta
from typing import Any

from cityzen_connector.dataverse import (
    AlreadyExistsError,
    DataverseClient,
    DataverseError,
    Expand,
    PreconditionFailedError,
    WriteResult,
    ops,
)
from cityzen_connector.mapping import ContentRef, MappingSet, Operation, SubmissionPlan

# Records of one change set are written in one transaction: their createdon differ by less.
_SAME_CHANGE_SET = timedelta(seconds=5)


def _contact_link(plan: SubmissionPlan, case_op: Operation) -> tuple[str, Operation] | None:
    """(navigation property of the case to the upserted record, its operation), if any."""
    upserts = {op.content_id: op for op in plan.operations if op.mode == "upsert"}
    for column, bind in case_op.binds.items():
        if isinstance(bind, ContentRef) and bind.content_id in upserts:
            return column, upserts[bind.content_id]
    return None


def followup_expand(plan: SubmissionPlan, case_op: Operation) -> tuple[Expand, ...]:
    """What to read with an existing case so that ``recover`` can tell a new contact."""
    link = _contact_link(plan, case_op)
    if link is None:
        return ()
    navigation, op = link
    return (Expand(navigation, (op.primary_id, "createdon", *op.fill_blanks)),)


class ContactFollowups:
    """The follow-ups of a new contact, given only what they need: the client (already tagged
    with the submission's correlation id by the caller, if it wants), the mappings, a logger."""

    def __init__(self, client: DataverseClient, mappings: MappingSet, log: logging.Logger) -> None:
        self.client = client
        self.mappings = mappings
        self.log = log

    def after_create(
        self,
        plan: SubmissionPlan,
        op: Operation,
        written: WriteResult,
        *,
        case_id: uuid.UUID,
    ) -> bool:
        """Fill blanks, check look-alikes for the contact ``op`` just created; True if flagged."""
        if written.id is None:
            return False
        self._fill_blanks(op, written)
        lookalike = plan.lookalike
        if lookalike is None or self.mappings.target(op.target).config.lookalike is None:
            return False
        client = self.client
        try:
            found = client.first(lookalike.query.to_query(exclude=written.id))
            if found is None:
                return False
            flag = lookalike.flag
            client.update(flag.entity_set, case_id, dict(flag.body))
        except DataverseError as exc:
            self.log.warning("look-alike check not done: %s", exc.summary)
            return False
        self.log.info("case %s flagged: its new contact resembles another one", case_id)
        return True

    def _fill_blanks(self, op: Operation, written: WriteResult) -> None:
        record: dict[str, Any] = written.record or {}
        values = {k: v for k, v in op.fill_blanks.items() if record.get(k) is None}
        if not values or written.id is None:
            return
        keys = self.mappings.target(op.target).config.alternate_keys
        key_columns = {column for key in keys for column in key.columns}
        etag = record.get("@odata.etag")
        for attempt in range(2):
            try:
                self.client.execute(
                    ops.update(op.entity_set, written.id, values, etag=etag or None)
                )
                return
            except AlreadyExistsError:
                # Another contact holds that key value (the citizen came before through another
                # identity key): keep the other columns, leave the key to an agent.
                values = {k: v for k, v in values.items() if k not in key_columns}
                if attempt or not values:
                    return
            except PreconditionFailedError:
                return  # changed since the change set: someone else wrote first, leave it
            except DataverseError as exc:
                self.log.warning("blanks not filled: %s", exc.summary)
                return

    def recover(self, plan: SubmissionPlan, case: dict[str, Any], case_op: Operation) -> bool:
        """The case exists but this submission's status was never recorded: the reply to the
        change set was lost. If its contact was created in the same change set (same
        createdon, give or take), run the new-contact follow-ups that reply would have
        triggered."""
        link = _contact_link(plan, case_op)
        contact = case.get(link[0]) if link else None
        if link is None or not isinstance(contact, dict):
            return False
        op = link[1]
        try:
            contact_created = datetime.fromisoformat(str(contact["createdon"]))
            case_created = datetime.fromisoformat(str(case["createdon"]))
            contact_id = uuid.UUID(str(contact[op.primary_id]))
            case_id = uuid.UUID(str(case[case_op.primary_id]))
        except (KeyError, ValueError):
            return False
        if abs(case_created - contact_created) > _SAME_CHANGE_SET:
            return False  # a returning citizen: nothing was left undone
        written = WriteResult(contact_id, record=contact, created=True)
        return self.after_create(plan, op, written, case_id=case_id)
