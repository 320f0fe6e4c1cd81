"""The ingest record of each submission id: who filed it, a hash of what they sent, its files.

Partition ``submission-requests``, key = submission id, written create-only (ETag concurrency,
as the ``Idempotency-Key`` HTTP header draft asks: draft-ietf-httpapi-idempotency-key-header
section 2.6, a key reused with another payload is a 409). It also keeps the filer's identity
*hash* (HMAC, never the identity), which ``GET /api/v1/requests/{id}`` compares to answer only
the person who filed it.

One write per submission: the record is created in state ``queued`` -- reservation and first
status in one entity (one SQLite statement, one Table insert) -- with the references of the
blobs already stored. Nothing is written after the send, so the record cannot tell whether the
send happened: an identical request finding it (a retry after a crash between the write and
the send, or a concurrent duplicate) sends the same envelope again, which duplicate detection
drops when the first one went out (message id = submission id).

Records of the previous layout stay readable: ``accepted`` (sent, replay as is) and ``pending``
(an attempt in flight, or dead: taken over after the lease, as before).
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from cityzen_connector.store import (
    INGEST_PARTITION,
    BlobRef,
    PreconditionFailedError,
    Record,
    StateStore,
)

from ._errors import IdempotencyConflictError

__all__ = [
    "INGEST_PARTITION",
    "IngestRecords",
    "Reservation",
    "body_hash",
]

#: ``queued``: this layout's only state. ``pending``/``accepted``: the previous layout's.
State = Literal["queued", "pending", "accepted"]
SENT_OR_SENDING = frozenset({"queued", "accepted"})


def body_hash(canonical: Mapping[str, Any]) -> str:
    text = json.dumps(canonical, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True)
class Reservation:
    """Ours (``replay`` False), or the earlier identical request's (``replay`` True).

    ``resend`` (a replay of this layout's record): the earlier attempt may have died before
    its send; send the same envelope again, with the blobs it stored (``blobs``)."""

    submission_id: str
    record: Record
    replay: bool
    resend: bool = False

    @property
    def blobs(self) -> list[BlobRef]:
        return [BlobRef.from_json(ref) for ref in self.record.value.get("blobs") or ()]

    @property
    def since(self) -> datetime:
        return datetime.fromisoformat(str(self.record.value["since"]))


class IngestRecords:
    def __init__(
        self,
        store: StateStore,
        *,
        clock: Callable[[], datetime],
        retention: timedelta,
        lease: timedelta = timedelta(minutes=2),
    ) -> None:
        self._store = store
        self._clock = clock
        self._retention = retention
        self._lease = lease

    def get(self, submission_id: str) -> Record | None:
        return self._store.get(INGEST_PARTITION, submission_id)

    def reserve(
        self,
        submission_id: str,
        *,
        body: str,
        filer: str,
        blobs: Sequence[BlobRef] = (),
        attempt: str | None = None,
    ) -> Reservation:
        """Claim the id for this body (one create-only write), or recognise an identical
        earlier request. ``attempt`` names this try (``release_attempt`` after a failure)."""
        now = self._clock()
        value = {
            "state": "queued",
            "body": body,
            "filer": filer,
            "since": now.isoformat(),
            "blobs": [ref.to_json() for ref in blobs],
            # Which attempt wrote it: a write whose reply was lost can be recognised as ours.
            "attempt": attempt or uuid.uuid4().hex,
        }
        expires = now + self._retention
        try:
            record = self._create(submission_id, value, expires)
        except PreconditionFailedError:
            current = self.get(submission_id)
            if current is None:  # expired or released between our two calls: try once more
                record = self._create(submission_id, value, expires)
                return Reservation(submission_id, record, replay=False)
            return self._existing(submission_id, current, value, expires)
        return Reservation(submission_id, record, replay=False)

    def _create(self, submission_id: str, value: dict[str, Any], expires: datetime) -> Record:
        return self._store.put(
            INGEST_PARTITION, submission_id, value, create_only=True, expires_at=expires
        )

    def _existing(
        self, submission_id: str, current: Record, value: dict[str, Any], expires: datetime
    ) -> Reservation:
        if (
            current.value.get("body") != value["body"]
            or current.value.get("filer") != (value["filer"])
        ):
            raise IdempotencyConflictError("this id was already used for a different request")
        state = current.value.get("state")
        if state == "queued":
            return Reservation(submission_id, current, replay=True, resend=True)
        if state == "accepted":
            return Reservation(submission_id, current, replay=True)
        since = datetime.fromisoformat(str(current.value.get("since")))
        if self._clock() - since < self._lease:
            raise IdempotencyConflictError("a request with this id is still being processed")
        # A previous-layout attempt died mid-way: take its place (only one taker wins the ETag).
        try:
            record = self._store.put(
                INGEST_PARTITION,
                submission_id,
                value,
                if_match=current.etag,
                expires_at=expires,
            )
        except PreconditionFailedError as exc:
            raise IdempotencyConflictError("a request with this id is being processed") from exc
        return Reservation(submission_id, record, replay=False)

    def release_attempt(self, submission_id: str, attempt: str) -> bool:
        """After a write whose outcome is unknown: remove the record if this attempt wrote it.
        ``True`` when the record is surely not ours (its blobs may go); ``False`` if it is ours
        and stays, or the store cannot tell (keep the blobs: they may be referenced)."""
        try:
            current = self.get(submission_id)
            if current is None or current.value.get("attempt") != attempt:
                return True
            self._store.delete(INGEST_PARTITION, submission_id, if_match=current.etag)
        except Exception:  # noqa: BLE001 -- unknown again: the safe side keeps the blobs
            return False
        return True

    def release(self, reservation: Reservation) -> None:
        """Forget a reservation whose request failed, so the same id can be sent again."""
        self._store.delete(
            INGEST_PARTITION, reservation.submission_id, if_match=reservation.record.etag
        )
