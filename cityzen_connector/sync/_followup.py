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

import uuid
from typing import TYPE_CHECKING, Any

from cityzen_connector.dataverse import (
    AlreadyExistsError,
    DataverseError,
    Filter,
    PreconditionFailedError,
    Query,
    WriteResult,
    and_,
    eq,
    ne,
    or_,
)
from cityzen_connector.dataverse import requests_ as ops
from cityzen_connector.mapping import Operation, QuerySpec, SubmissionPlan

if TYPE_CHECKING:
    from .process import SubmissionProcessor


def lookalike_query(spec: QuerySpec, new_id: uuid.UUID) -> Query:
    groups: list[Filter] = [
        and_(*(eq(c.column, c.value) for c in group)) for group in spec.any_of if group
    ]
    where = and_(or_(*groups), ne(spec.exclude_primary_id, new_id))
    return Query(spec.entity_set).select(*spec.select).where(where).top(spec.top)


def new_contact_followups(
    processor: SubmissionProcessor,
    plan: SubmissionPlan,
    op: Operation,
    written: WriteResult,
    *,
    case_id: uuid.UUID,
) -> bool:
    """Fill blanks and check look-alikes for the contact ``op`` just created; True if flagged."""
    if written.id is None:
        return False
    _fill_blanks(processor, op, written)
    lookalike = plan.lookalike
    if lookalike is None or processor.mappings.target(op.target).config.lookalike is None:
        return False
    client = processor.client
    try:
        found = client.first(lookalike_query(lookalike.query, written.id))
        if found is None:
            return False
        flag = lookalike.flag
        client.update(flag.entity_set, case_id, dict(flag.body))
    except DataverseError as exc:
        processor.log.warning("look-alike check not done: %s", exc.summary)
        return False
    processor.log.info("case %s flagged: its new contact resembles another one", case_id)
    return True


def _fill_blanks(processor: SubmissionProcessor, op: Operation, written: WriteResult) -> None:
    record: dict[str, Any] = written.record or {}
    values = {k: v for k, v in op.fill_blanks.items() if record.get(k) is None}
    if not values or written.id is None:
        return
    keys = processor.mappings.target(op.target).config.alternate_keys
    key_columns = {column for key in keys for column in key.columns}
    etag = record.get("@odata.etag")
    for attempt in range(2):
        try:
            processor.client.execute(
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
            processor.log.warning("blanks not filled: %s", exc.summary)
            return
