"""The audit of every right exercised: one record and one log line, no personal data.

A record says which right, when, the outcome, counts and a keyed pseudonym; the log line says
the right, the request id and the outcome. The record's key is derived from the request, so the
same step audited twice (a redelivered event) is one record.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Literal

from cityzen_connector.store import StateStore

from ._records import AUDIT_PARTITION, pseudonym

Right = Literal["access", "erasure", "objection"]
_LOG = logging.getLogger("cityzen_connector.rgpd")


class RightsAudit:
    def __init__(
        self,
        store: StateStore,
        *,
        clock: Callable[[], datetime],
        retention: timedelta,
        pepper: bytes,
        logger: logging.Logger = _LOG,
    ) -> None:
        self._store = store
        self._clock = clock
        self._retention = retention
        self._pepper = pepper
        self._logger = logger

    def record(
        self,
        right: Right,
        request_id: str,
        outcome: str,
        *,
        owner: str | None = None,
        counts: Mapping[str, int] | None = None,
    ) -> None:
        now = self._clock()
        value: dict[str, object] = {
            "right": right,
            "request_id": request_id,
            "outcome": outcome,
            "at": now.isoformat(),
            "counts": dict(counts or {}),
        }
        if owner is not None:
            value["citizen"] = pseudonym(owner, pepper=self._pepper)
        self._store.put(
            AUDIT_PARTITION,
            f"{right}-{request_id}-{outcome}",
            value,
            expires_at=now + self._retention,
        )
        self._logger.info(
            "rgpd right %s, request %s: %s%s",
            right,
            request_id,
            outcome,
            "".join(f" {name}={count}" for name, count in sorted((counts or {}).items())),
        )
