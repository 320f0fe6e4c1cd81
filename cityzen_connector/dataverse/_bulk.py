"""``CreateMultiple`` / ``UpsertMultiple``: chunked, parallel within the dop hint, and isolating
a bad record through ``$batch`` with continue-on-error.

Microsoft Learn, "Use bulk operation messages": POST ``<entity set>/Microsoft.Dynamics.CRM.
CreateMultiple`` with ``{"Targets": [...]}``, each target carrying ``@odata.type``; the answer
is ``{"Ids": [...]}``. On standard tables a bulk message is all-or-nothing: one bad record fails
the chunk, so the chunk is replayed one operation per record to find it. Tables that do not
support the message (404, or a 400 naming it) are remembered and served by ``$batch`` directly.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from cityzen_connector._types import JsonObject

from . import _operations as ops
from ._batch import execute_batch
from ._errors import DataverseError, InvalidRequestError, NotFoundError, ValidationError
from ._odata import check_name, key_segment
from ._request import DataverseRequest, WriteResult

if TYPE_CHECKING:
    from ._core import ClientCore

_MESSAGES = ("CreateMultiple", "UpsertMultiple")


@dataclass(frozen=True)
class BulkResult:
    """Per input record, in input order: the row id (when Dataverse returned one) or an error."""

    ids: tuple[uuid.UUID | None, ...]
    errors: Mapping[int, DataverseError] = field(default_factory=dict)
    batch_fallbacks: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors


def bulk_request(
    message: str,
    entity_set: str,
    logical_name: str,
    records: Sequence[Mapping[str, Any]],
    *,
    key_columns: Sequence[str] = (),
) -> DataverseRequest[JsonObject]:
    """The bulk action for one chunk (pure). UpsertMultiple targets name their row by
    alternate key in ``@odata.id`` (a relative URL, "UpsertMultiple Action" reference);
    Dataverse answers it 204 without ids, CreateMultiple with ``{"Ids": [...]}``."""
    if message not in _MESSAGES:
        raise InvalidRequestError(f"unknown bulk message {message!r}")
    odata_type = "Microsoft.Dynamics.CRM." + check_name(logical_name, "table logical name")
    targets = []
    for record in records:
        if not isinstance(record, Mapping):
            raise InvalidRequestError("bulk records must be JSON objects")
        target = {"@odata.type": odata_type, **record}
        if message == "UpsertMultiple":
            target["@odata.id"] = entity_set + key_segment(_key_of(record, key_columns))
        targets.append(target)
    # UpsertMultiple is keyed: repeating it cannot create twice. CreateMultiple can.
    return ops.action(
        message,
        {"Targets": targets},
        bound_to=entity_set,
        safe_to_repeat=message == "UpsertMultiple",
    )


def _key_of(record: Mapping[str, Any], key_columns: Sequence[str]) -> dict[str, Any]:
    if not key_columns or any(c not in record for c in key_columns):
        raise InvalidRequestError("upsert_multiple needs key_columns present in every record")
    return {c: record[c] for c in key_columns}


def _single_request(
    message: str, entity_set: str, record: Mapping[str, Any], key_columns: Sequence[str]
) -> DataverseRequest[WriteResult]:
    if message == "CreateMultiple":
        return ops.create(entity_set, record)
    return ops.upsert(entity_set, _key_of(record, key_columns), record)


def _unsupported(error: DataverseError, message: str) -> bool:
    return isinstance(error, NotFoundError) or (
        isinstance(error, ValidationError) and message.lower() in error.message.lower()
    )


def run_bulk(
    core: ClientCore,
    message: str,
    entity_set: str,
    logical_name: str,
    records: Sequence[Mapping[str, Any]],
    *,
    chunk_size: int | None = None,
    key_columns: Sequence[str] = (),
) -> BulkResult:
    size = chunk_size or core.config.bulk_chunk_size
    if not 1 <= size <= 1000:
        raise InvalidRequestError("chunk_size must be 1..1000")
    check_name(entity_set, "entity set name")
    records = list(records)
    # Build every request first: bad input fails before any network call.
    requests = {
        start: bulk_request(
            message, entity_set, logical_name, records[start : start + size],
            key_columns=key_columns,
        )
        for start in range(0, len(records), size)
    }  # fmt: skip
    starts = list(requests)
    ids: list[uuid.UUID | None] = [None] * len(records)
    errors: dict[int, DataverseError] = {}
    fallbacks = 0

    def run_chunk(start: int) -> bool:
        chunk = records[start : start + size]
        cache_key = (entity_set, message)
        if core.bulk_support.get(cache_key, True):
            try:
                doc = core.execute(requests[start])
            except DataverseError as exc:
                if exc.is_transient:
                    for offset in range(len(chunk)):
                        errors[start + offset] = exc
                    return False
                if _unsupported(exc, message):
                    core.bulk_support[cache_key] = False
            else:
                core.bulk_support[cache_key] = True
                returned = doc.get("Ids") if isinstance(doc, dict) else None
                if isinstance(returned, list):
                    for offset, value in enumerate(returned[: len(chunk)]):
                        ids[start + offset] = _as_uuid(value)
                return False
        _isolate(
            core,
            message=message,
            entity_set=entity_set,
            chunk=chunk,
            start=start,
            key_columns=key_columns,
            ids=ids,
            errors=errors,
        )
        return True

    workers = max(1, min(len(starts), core.limiter.limit))
    if workers == 1:
        outcomes = [run_chunk(start) for start in starts]
    else:
        from concurrent.futures import ThreadPoolExecutor  # noqa: PLC0415 - only for bulk

        with ThreadPoolExecutor(max_workers=workers) as pool:
            outcomes = list(pool.map(run_chunk, starts))
    fallbacks = sum(outcomes)
    return BulkResult(tuple(ids), dict(sorted(errors.items())), fallbacks)


def _isolate(
    core: ClientCore,
    *,
    message: str,
    entity_set: str,
    chunk: Sequence[Mapping[str, Any]],
    start: int,
    key_columns: Sequence[str],
    ids: list[uuid.UUID | None],
    errors: dict[int, DataverseError],
) -> None:
    """Replay a chunk as one operation per record in a continue-on-error ``$batch``."""
    requests = [_single_request(message, entity_set, r, key_columns) for r in chunk]
    try:
        result = execute_batch(core, requests, continue_on_error=True)
    except DataverseError as exc:
        for offset in range(len(chunk)):
            errors[start + offset] = exc
        return
    for offset, outcome in enumerate(result.results):
        if outcome.error is not None:
            errors[start + offset] = outcome.error
        elif isinstance(outcome.value, WriteResult):
            ids[start + offset] = outcome.value.id


def _as_uuid(value: object) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None
