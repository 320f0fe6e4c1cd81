""" "My requests": every case of a citizen's contact, whatever channel it came through.

A citizen is known to us by their identity key (``mapping.identity_key``: the HMAC of their
issuer and subject, the value their contact's ``cz_identitykey`` holds). One Dataverse read by
that alternate key — ``contacts(cz_identitykey='…')?$select=contactid&$expand=
incident_customer_contacts($select=…)`` ("Retrieve a table row using the Web API", "Retrieve
with an alternate key" and "Retrieve related table rows by expanding collection-valued
navigation properties") — gives the contact and its cases, the ones agents typed in from a phone
call, a letter or the front desk included. It is kept for ``cache_seconds`` per citizen.

The answer is the store's: each case's summary written by the history (``cases-of-contact-…``),
which knows the citizen-facing status from the events; a case the store has not heard of yet
(or an older summary than the row) reads from the row. The contact found is remembered
(``citizen-contacts``, keyed by the identity key, no personal data), so that while Dataverse
cannot be reached the store still answers, with the cases its events brought.
"""

from __future__ import annotations

import threading
import uuid
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from cityzen_connector._clock import MonotonicClock, WallClock, utc_now
from cityzen_connector.dataverse import DataverseClient, DataverseError, Expand, NotFoundError, ops
from cityzen_connector.mapping import StatusVocabulary, identity_key
from cityzen_connector.models import MyRequest, MyRequestsPage
from cityzen_connector.store import StateStore, StoreUnavailableError

from ._errors import RequestsUnavailableError
from ._history import contact_partition
from ._schema import ROW_ANNOTATIONS, CaseSchema

__all__ = ["CITIZEN_CONTACTS", "MAX_PAGE_SIZE", "MyRequests", "RequestsUnavailableError"]

CITIZEN_CONTACTS = "citizen-contacts"
MAX_PAGE_SIZE = 100
_MAX_CACHED = 10_000
_LABEL = "@OData.Community.Display.V1.FormattedValue"


@dataclass(frozen=True)
class _Read:
    contact_id: uuid.UUID | None
    rows: tuple[Mapping[str, Any], ...]
    at: float


class MyRequests:
    def __init__(
        self,
        store: StateStore,
        client: DataverseClient,
        schema: CaseSchema,
        vocabulary: StatusVocabulary,
        *,
        pepper: bytes,
        monotonic: MonotonicClock,
        cache_seconds: float = 60.0,
        clock: WallClock = utc_now,
        retention: timedelta = timedelta(days=400),
    ) -> None:
        self._store = store
        self._client = client
        self._schema = schema
        self._vocabulary = vocabulary
        self._pepper = pepper
        self._monotonic = monotonic
        self._ttl = cache_seconds
        self._clock = clock
        self._retention = retention
        self._cache: OrderedDict[str, _Read] = OrderedDict()
        self._lock = threading.Lock()
        self.reads = 0  # Dataverse reads made (what the cache saves)

    def for_citizen(
        self, issuer: str, subject: str, *, page: int = 1, page_size: int = 20
    ) -> MyRequestsPage:
        """A page of the citizen's requests, newest first; ``RequestsUnavailableError`` when
        neither Dataverse nor the store can say which contact is theirs."""
        try:
            return self._for_citizen(issuer, subject, page=page, page_size=page_size)
        except StoreUnavailableError as exc:
            raise RequestsUnavailableError("the state store is unreachable") from exc

    def _for_citizen(
        self, issuer: str, subject: str, *, page: int, page_size: int
    ) -> MyRequestsPage:
        key = identity_key(issuer, subject, pepper=self._pepper)
        read = self._read(key)
        summaries: dict[str, Mapping[str, Any]] = {}
        if read.contact_id is not None:
            for record in self._store.query(contact_partition(read.contact_id)):
                summaries[record.key] = record.value
        items = {case: self._from_summary(value) for case, value in summaries.items()}
        for row in read.rows:
            case = str(row.get(self._schema.primary_id))
            items[case] = self._merge(row, summaries.get(case), items.get(case))
        ordered = sorted(items.values(), key=_newest_first)
        start = (page - 1) * page_size
        return MyRequestsPage(
            items=tuple(ordered[start : start + page_size]),
            page=page,
            page_size=page_size,
            total=len(ordered),
        )

    # -- the one Dataverse read, cached -------------------------------------------------------
    def _read(self, key: str) -> _Read:
        now = self._monotonic.now()
        with self._lock:
            cached = self._cache.get(key)
            if cached is not None and now - cached.at < self._ttl:
                self._cache.move_to_end(key)
                return cached
        try:
            fresh = self._fetch(key, now)
        except DataverseError as exc:
            if exc.is_transient:
                return self._remembered(key, now, exc)
            raise
        with self._lock:
            self._cache[key] = fresh
            self._cache.move_to_end(key)
            while len(self._cache) > _MAX_CACHED:
                self._cache.popitem(last=False)
        return fresh

    def _fetch(self, key: str, now: float) -> _Read:
        schema = self._schema
        expand = Expand(schema.contact_cases, select=schema.select())
        contact_id = f"{schema.contact_table}id"
        request = ops.retrieve(
            schema.contact_entity_set,
            {schema.contact_key_column: key},
            select=(contact_id,),
            expand=(expand,),
        ).with_prefer(ROW_ANNOTATIONS)
        self.reads += 1
        try:
            record = self._client.execute(request)
        except NotFoundError:
            return _Read(None, (), now)  # no contact: nothing filed, nothing typed in
        found = uuid.UUID(str(record[contact_id]))
        rows = record.get(schema.contact_cases) or []
        remembered = self._store.get(CITIZEN_CONTACTS, key)
        if remembered is None or remembered.value.get("contact_id") != str(found):
            # A pseudonym of a person: it goes with the case histories' retention.
            expires = self._clock() + self._retention
            self._store.put(CITIZEN_CONTACTS, key, {"contact_id": str(found)}, expires_at=expires)
        return _Read(found, tuple(r for r in rows if isinstance(r, Mapping)), now)

    def _remembered(self, key: str, now: float, cause: Exception) -> _Read:
        found = self._store.get(CITIZEN_CONTACTS, key)
        if found is None:
            raise RequestsUnavailableError("Dataverse unreachable, contact unknown") from cause
        return _Read(uuid.UUID(found.value["contact_id"]), (), now)

    # -- one item -----------------------------------------------------------------------------
    def _from_summary(self, value: Mapping[str, Any]) -> MyRequest:
        first = value.get("first") is True
        status = self._vocabulary.of(value.get("state"), value.get("status"), first=first)
        return MyRequest(
            case_id=uuid.UUID(value["case_id"]),
            request_id=value.get("submission_id"),
            ticket_number=value.get("ticket_number"),
            theme=value.get("subject_name"),
            channel=self._channel(value.get("origin")),
            status=status.code,
            label_fr=status.label_fr,
            label_en=status.label_en,
            closed=status.closed,
            created_at=value.get("created_on"),
            updated_at=value.get("updated_at"),
        )

    def _merge(
        self, row: Mapping[str, Any], summary: Mapping[str, Any] | None, known: MyRequest | None
    ) -> MyRequest:
        state, status = row.get("statecode"), row.get("statuscode")
        version = row.get("versionnumber")
        theme = row.get(f"_subjectid_value{_LABEL}")
        if known is not None and summary is not None:
            newer = isinstance(version, int) and version > (summary.get("version") or 0)
            moved = (state, status) != (summary.get("state"), summary.get("status"))
            if not (newer and moved):
                return known.model_copy(update={"theme": known.theme or theme})
        created, modified = row.get("createdon"), row.get("modifiedon")
        # Never touched since created: an agent has not acted on it yet.
        untouched = summary is None and created == modified
        said = self._vocabulary.of(state, status, first=untouched)
        submission = row.get(self._schema.submission_column or "")
        return MyRequest(
            case_id=uuid.UUID(str(row.get(self._schema.primary_id))),
            request_id=_guid(submission) or (known.request_id if known else None),
            ticket_number=row.get("ticketnumber") or (known.ticket_number if known else None),
            theme=theme if isinstance(theme, str) else (known.theme if known else None),
            channel=self._channel(row.get("caseorigincode")),
            status=said.code,
            label_fr=said.label_fr,
            label_en=said.label_en,
            closed=said.closed,
            created_at=created,
            updated_at=modified,
        )

    def _channel(self, origin: object) -> str:
        return self._schema.origins.get(origin, "other") if isinstance(origin, int) else "other"


def _newest_first(item: MyRequest) -> tuple[float, str]:
    created = item.created_at or datetime.min.replace(tzinfo=UTC)
    return (-created.timestamp(), str(item.case_id))


def _guid(value: object) -> uuid.UUID | None:
    try:
        return uuid.UUID(value) if isinstance(value, str) else None
    except ValueError:
        return None
