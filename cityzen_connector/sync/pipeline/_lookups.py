"""Resolve ``LookupRef``s (a team by name, a subject by title) to record ids, with a TTL cache.

Ids differ between the emulator, a test organisation and production; names do not, so the
mappings name teams and subjects and the pipeline finds them at run time. Cache misses of one
submission are fetched in ONE ``$batch`` of GETs (no change set: "Execute batch operations using
the Web API" forbids GETs inside change sets). Every literal goes through the client's query
builder, which escapes it. Misses are not cached, so a team created after the error is found at
once; hits live ``ttl`` on the injected clock.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from cityzen_connector.dataverse import (
    DataverseClient,
    Page,
    Query,
    UnexpectedResponseError,
    eq,
    ops,
)
from cityzen_connector.mapping import LookupRef

from ._errors import LookupNotFoundError

# Primary id columns of the tables lookups usually target; other entity sets fall back to
# "<set without its final s>id" (the Dataverse naming convention for custom tables).
DEFAULT_PRIMARY_IDS: Mapping[str, str] = {
    "teams": "teamid",
    "subjects": "subjectid",
    "systemusers": "systemuserid",
    "businessunits": "businessunitid",
    "accounts": "accountid",
    "contacts": "contactid",
    "queues": "queueid",
}


@dataclass(frozen=True)
class _Entry:
    id: uuid.UUID
    expires: datetime


class LookupCache:
    def __init__(
        self,
        client: DataverseClient,
        *,
        clock: Callable[[], datetime],
        ttl: timedelta = timedelta(minutes=15),
        primary_ids: Mapping[str, str] = DEFAULT_PRIMARY_IDS,
    ) -> None:
        self._client = client
        self._clock = clock
        self._ttl = ttl
        self._primary_ids = dict(primary_ids)
        self._entries: dict[LookupRef, _Entry] = {}
        self._lock = threading.Lock()

    def primary_id(self, entity_set: str) -> str:
        return self._primary_ids.get(entity_set) or entity_set.removesuffix("s") + "id"

    def cached(self, refs: Iterable[LookupRef]) -> dict[LookupRef, uuid.UUID]:
        """The refs known and fresh now (no I/O)."""
        now = self._clock()
        with self._lock:
            found = {ref: self._entries.get(ref) for ref in refs}
        return {ref: e.id for ref, e in found.items() if e is not None and e.expires > now}

    def resolve(self, refs: Iterable[LookupRef]) -> dict[LookupRef, uuid.UUID]:
        """Ids of every ref; ``LookupNotFoundError`` for the first with no record; the client's
        ``DataverseError`` when Dataverse cannot be asked."""
        wanted = list(dict.fromkeys(refs))
        known = self.cached(wanted)
        missing = [ref for ref in wanted if ref not in known]
        if missing:
            known |= self._fetch(missing)
        return known

    def invalidate(self) -> None:
        with self._lock:
            self._entries.clear()

    def _query(self, ref: LookupRef) -> Query:
        key = self.primary_id(ref.entity_set)
        return Query(ref.entity_set).select(key).where(eq(ref.column, ref.value)).top(1)

    def _fetch(self, refs: list[LookupRef]) -> dict[LookupRef, uuid.UUID]:
        requests = [ops.query(self._query(ref)) for ref in refs]
        if len(requests) == 1:
            pages: list[object] = [self._client.execute(requests[0])]
        else:
            result = self._client.execute_batch(requests)
            result.raise_for_error()
            pages = [r.value for r in result.results]
        out: dict[LookupRef, uuid.UUID] = {}
        expires = self._clock() + self._ttl
        for ref, page in zip(refs, pages, strict=True):
            if not isinstance(page, Page):
                raise UnexpectedResponseError(f"lookup of {ref.entity_set}: no collection")
            if not page.records:
                raise LookupNotFoundError(ref)
            raw = page.records[0].get(self.primary_id(ref.entity_set))
            try:
                out[ref] = uuid.UUID(str(raw))
            except ValueError as exc:
                raise UnexpectedResponseError(f"lookup of {ref.entity_set}: no id") from exc
        with self._lock:
            for ref, found in out.items():
                self._entries[ref] = _Entry(found, expires)
        return out


__all__ = ["DEFAULT_PRIMARY_IDS", "LookupCache", "LookupNotFoundError"]
