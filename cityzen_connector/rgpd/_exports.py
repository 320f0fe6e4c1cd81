"""The right of access and portability (RGPD articles 15 and 20): a data export, asked for,
prepared in the background, downloaded once.

- ``request``: one record (``rgpd-exports``, create-only) in state ``pending`` with the owner's
  identity key and the SHA-256 of a fresh 256-bit download token (``secrets``: RFC 4086's
  unguessable); the token is returned once, to the caller, and never stored.
- ``produce_pending`` (the ``rights`` timer): each pending export is read from Dynamics 365 and
  the store (``_collect``, ``_holdings``), written as one blob (``BlobStore``: a private file
  locally, 0600; a private container in Azure) and marked ``ready`` with ETag concurrency, so
  two instances never both produce one; its link expires ``link_ttl`` after.
- ``download``: the owner with the right token, once. The record is moved to ``downloaded``
  (``If-Match``: of two concurrent downloads one wins) before the bytes are returned, and the
  blob is deleted. Another citizen's export, or a wrong token, is a 404 (never "exists");
  a second download or an expired link, a 410.
- ``purge``: ready exports whose link expired lose their file and read ``expired``; the records
  themselves expire with the retention.

Why a timer and not a queue message: an export is rare and its legal deadline is a month, so a
minute of latency costs nothing; the pending record *is* the job (no second copy to keep in
step, nothing to park when it fails: it stays pending and is tried again), and no new queue is
needed in Service Bus, in infra or in the local host.
"""

from __future__ import annotations

import hmac
import logging
import secrets
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from cityzen_connector.dataverse import DataverseError
from cityzen_connector.models import DataExportStatus, ExportState
from cityzen_connector.store import (
    BlobNotFoundError,
    BlobStore,
    PreconditionFailedError,
    Record,
    StateStore,
    StoreUnavailableError,
)

from ._audit import RightsAudit
from ._collect import DataverseReader
from ._document import Language, build_document, to_bytes
from ._errors import (
    ExportGoneError,
    ExportNotFoundError,
    ExportNotReadyError,
    RightsUnavailableError,
)
from ._holdings import Partitions, find_holdings
from ._records import EXPORTS_PARTITION, token_hash

_LOG = logging.getLogger("cityzen_connector.rgpd")
EXPORT_MEDIA_TYPE = "application/json"
_STATES: dict[str, ExportState] = {
    "pending": "pending",
    "ready": "ready",
    "downloaded": "downloaded",
}


@dataclass(frozen=True)
class RequestedExport:
    export_id: uuid.UUID
    token: str  # the only copy: returned to the caller, never stored


@dataclass(frozen=True)
class ProduceReport:
    produced: int = 0
    failed: int = 0


class DataExports:
    def __init__(
        self,
        store: StateStore,
        blobs: BlobStore,
        reader: DataverseReader,
        partitions: Partitions,
        audit: RightsAudit,
        *,
        clock: Callable[[], datetime],
        link_ttl: timedelta,
        retention: timedelta,
    ) -> None:
        self._store = store
        self._blobs = blobs
        self._reader = reader
        self._partitions = partitions
        self._audit = audit
        self._clock = clock
        self._link_ttl = link_ttl
        self._retention = retention

    # -- the citizen's side -------------------------------------------------------------------
    def request(self, owner: str, *, language: Language = "fr") -> RequestedExport:
        """``ExportNotReadyError`` while one of theirs is still pending: one export being
        prepared per citizen, so a loop of requests cannot queue Dataverse reads without end."""
        with _unavailable():
            pending = [
                r
                for r in self._store.query(EXPORTS_PARTITION)
                if r.value.get("owner") == owner and r.value.get("state") == "pending"
            ]
        if pending:
            raise ExportNotReadyError("an export of your data is already being prepared")
        export_id, token = uuid.uuid4(), secrets.token_urlsafe(32)
        now = self._clock()
        value = {
            "owner": owner,
            "state": "pending",
            "language": language,
            "token": token_hash(token),
            "requested_at": now.isoformat(),
        }
        with _unavailable():
            self._store.put(
                EXPORTS_PARTITION,
                str(export_id),
                value,
                create_only=True,
                expires_at=now + self._retention,
            )
        self._audit.record("access", str(export_id), "requested", owner=owner)
        return RequestedExport(export_id, token)

    def status(self, owner: str, export_id: str) -> DataExportStatus:
        record = self._owned(owner, export_id)
        value = record.value
        return DataExportStatus(
            id=uuid.UUID(record.key),
            status=self._state(record),
            requested_at=datetime.fromisoformat(value["requested_at"]),
            ready_at=_date(value.get("ready_at")),
            expires_at=_date(value.get("expires_at")),
        )

    def download(self, owner: str, export_id: str, token: str) -> bytes:
        record = self._owned(owner, export_id)
        expected = str(record.value.get("token", ""))
        if not hmac.compare_digest(token_hash(token), expected):
            raise ExportNotFoundError()  # a wrong token says no more than a wrong id
        state = self._state(record)
        if state == "pending":
            raise ExportNotReadyError()
        if state != "ready":
            raise ExportGoneError()
        blob = str(record.value["blob"])
        with _unavailable():
            try:
                data = self._blobs.get(blob)
            except BlobNotFoundError:
                raise ExportGoneError() from None
            try:
                self._store.put(
                    EXPORTS_PARTITION,
                    record.key,
                    {**_without(record.value, "blob"), "state": "downloaded"},
                    if_match=record.etag,
                    expires_at=record.expires_at,
                )
            except PreconditionFailedError:
                raise ExportGoneError() from None  # another download won
            self._delete_blob(blob)
        self._audit.record("access", record.key, "downloaded", owner=owner)
        return data

    # -- the background side ------------------------------------------------------------------
    def produce_pending(self) -> ProduceReport:
        produced = failed = 0
        for record in self._store.query(EXPORTS_PARTITION):
            if record.value.get("state") != "pending":
                continue
            try:
                self._produce(record)
            except (DataverseError, StoreUnavailableError) as exc:
                # Stays pending: the next run tries again. The reason names no one.
                _LOG.warning("export %s not produced yet: %s", record.key, type(exc).__name__)
                failed += 1
            else:
                produced += 1
        return ProduceReport(produced, failed)

    def _produce(self, record: Record) -> None:
        owner = str(record.value["owner"])
        language: Language = "en" if record.value.get("language") == "en" else "fr"
        dataverse = self._reader.read(owner)
        holdings = find_holdings(
            self._store,
            self._partitions,
            owner,
            contact_id=dataverse.contact_id,
            case_ids=dataverse.case_ids,
        )
        now = self._clock()
        document = build_document(
            dataverse, holdings, now=now, language=language, profiles=self._partitions.profiles
        )
        ref = self._blobs.put(to_bytes(document), media_type=EXPORT_MEDIA_TYPE)
        value = {
            **record.value,
            "state": "ready",
            "blob": ref.name,
            "ready_at": now.isoformat(),
            "expires_at": (now + self._link_ttl).isoformat(),
        }
        try:
            self._store.put(
                EXPORTS_PARTITION,
                record.key,
                value,
                if_match=record.etag,
                expires_at=record.expires_at,
            )
        except PreconditionFailedError:
            self._delete_blob(ref.name)  # another instance produced it first
            return
        counts = {"cases": len(dataverse.cases), "records": len(holdings.records)}
        self._audit.record("access", record.key, "ready", owner=owner, counts=counts)

    def purge(self) -> int:
        """Ready exports whose link expired lose their file; returns how many."""
        purged = 0
        now = self._clock()
        for record in self._store.query(EXPORTS_PARTITION):
            expires = _date(record.value.get("expires_at"))
            if record.value.get("state") != "ready" or expires is None or now < expires:
                continue
            try:
                self._store.put(
                    EXPORTS_PARTITION,
                    record.key,
                    {**_without(record.value, "blob"), "state": "expired"},
                    if_match=record.etag,
                    expires_at=record.expires_at,
                )
            except PreconditionFailedError:
                continue  # downloaded meanwhile: its download deleted the file
            self._delete_blob(str(record.value.get("blob", "")))
            purged += 1
        return purged

    # -- helpers ------------------------------------------------------------------------------
    def _owned(self, owner: str, export_id: str) -> Record:
        try:
            key = str(uuid.UUID(export_id))
        except ValueError:
            raise ExportNotFoundError() from None
        with _unavailable():
            record = self._store.get(EXPORTS_PARTITION, key)
        if record is None or not hmac.compare_digest(str(record.value.get("owner", "")), owner):
            raise ExportNotFoundError()
        return record

    def _state(self, record: Record) -> ExportState:
        state = str(record.value.get("state"))
        expires = _date(record.value.get("expires_at"))
        if state == "ready" and expires is not None and self._clock() >= expires:
            return "expired"
        return _STATES.get(state, "expired")

    def _delete_blob(self, name: str) -> None:
        try:
            self._blobs.delete(name)
        except Exception:  # noqa: BLE001 -- the retention purge removes it later
            _LOG.warning("an export file stays until the retention purge")


def _date(text: object) -> datetime | None:
    return datetime.fromisoformat(text) if isinstance(text, str) and text else None


def _without(value: Mapping[str, object], name: str) -> dict[str, object]:
    return {k: v for k, v in value.items() if k != name}


class _unavailable:  # noqa: N801 -- used as a context manager
    """A store outage is the caller's 503, not a 500."""

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: object, exc: object, tb: object) -> None:
        if isinstance(exc, StoreUnavailableError):
            raise RightsUnavailableError() from exc
