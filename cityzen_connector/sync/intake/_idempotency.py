"""The ingest record of each submission id: who filed it and a hash of what they sent.

Partition ``submission-requests``, key = submission id, written create-only (ETag concurrency,
as the ``Idempotency-Key`` HTTP header draft asks: draft-ietf-httpapi-idempotency-key-header
section 2.6, a key reused with another payload is a 409, a request still in flight with the same
key is a 409 too). It also keeps the filer's identity *hash* (HMAC, never the identity), which
``GET /api/v1/requests/{id}`` compares to answer only the person who filed it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from cityzen_connector.store import PreconditionFailedError, Record, StateStore

from ._errors import IdempotencyConflictError

INGEST_PARTITION = "submission-requests"
State = Literal["pending", "accepted"]


def body_hash(canonical: Mapping[str, Any]) -> str:
    text = json.dumps(canonical, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True)
class Reservation:
    """Ours to fill (``replay`` False), or the earlier identical request's (``replay`` True)."""

    submission_id: str
    record: Record
    replay: bool


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

    def reserve(self, submission_id: str, *, body: str, filer: str) -> Reservation:
        """Claim the id for this body, or recognise an identical earlier request."""
        now = self._clock()
        value = {"state": "pending", "body": body, "filer": filer, "since": now.isoformat()}
        expires = now + self._retention
        try:
            record = self._store.put(
                INGEST_PARTITION, submission_id, value, create_only=True, expires_at=expires
            )
        except PreconditionFailedError:
            current = self.get(submission_id)
            if current is None:  # expired or released between our two calls: try once more
                record = self._store.put(
                    INGEST_PARTITION, submission_id, value, create_only=True, expires_at=expires
                )
                return Reservation(submission_id, record, replay=False)
            return self._existing(submission_id, current, value, expires)
        return Reservation(submission_id, record, replay=False)

    def _existing(
        self, submission_id: str, current: Record, value: dict[str, Any], expires: datetime
    ) -> Reservation:
        if (
            current.value.get("body") != value["body"]
            or current.value.get("filer") != (value["filer"])
        ):
            raise IdempotencyConflictError("this id was already used for a different request")
        if current.value.get("state") == "accepted":
            return Reservation(submission_id, current, replay=True)
        since = datetime.fromisoformat(str(current.value.get("since")))
        if self._clock() - since < self._lease:
            raise IdempotencyConflictError("a request with this id is still being processed")
        # The earlier attempt died mid-way: take its place (only one taker wins the ETag).
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

    def accept(self, reservation: Reservation) -> None:
        value = {**reservation.record.value, "state": "accepted"}
        self._store.put(
            INGEST_PARTITION,
            reservation.submission_id,
            value,
            if_match=reservation.record.etag,
            expires_at=reservation.record.expires_at,
        )

    def release(self, reservation: Reservation) -> None:
        """Forget a reservation whose request failed, so the same id can be sent again."""
        self._store.delete(
            INGEST_PARTITION, reservation.submission_id, if_match=reservation.record.etag
        )
