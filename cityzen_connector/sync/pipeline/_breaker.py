"""A circuit breaker shared by every instance through the state store.

States: **closed** (work flows), **open until T** (a systemic failure was seen: every message is
re-scheduled without counting as a failure), **half-open** (T has passed: ONE instance claims the
probe — ``WhoAmI`` — and closes the breaker if Dataverse answers, or re-opens it for twice as
long, capped). Instances agree through ETag optimistic concurrency on one record: a write made
on a stale ETag fails, so two instances never both probe, and a trip never gets lost.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from cityzen_connector._metrics import BREAKER_OPENED, METRICS
from cityzen_connector.store import PreconditionFailedError, Record, StateStore

BREAKER_PARTITION = "breaker"
State = Literal["closed", "open", "half_open"]
_ATTEMPTS = 5
_LOG = logging.getLogger("cityzen_connector.sync.breaker")


@dataclass(frozen=True)
class BreakerState:
    state: State
    until: datetime | None = None  # open: when a probe may run; half_open: the probe's deadline
    code: str = ""
    reason: str = ""
    open_for_seconds: float = 0.0


class CircuitBreaker:
    def __init__(
        self,
        store: StateStore,
        *,
        clock: Callable[[], datetime],
        name: str = "dataverse",
        open_for: timedelta = timedelta(seconds=60),
        max_open_for: timedelta = timedelta(minutes=15),
        probe_timeout: timedelta = timedelta(seconds=60),
        logger: logging.Logger | None = None,
    ) -> None:
        self._store = store
        self._clock = clock
        self._name = name
        self._open_for = open_for
        self._max_open_for = max_open_for
        self._probe_timeout = probe_timeout
        self._log = logger or _LOG

    # -- reading ---------------------------------------------------------------------------
    def state(self) -> BreakerState:
        return _parse(self._store.get(BREAKER_PARTITION, self._name))

    def is_closed(self) -> bool:
        return self.state().state == "closed"

    # -- writing ---------------------------------------------------------------------------
    def trip(self, code: str, reason: str) -> BreakerState:
        """Open (or keep open) the breaker after a systemic failure."""
        for _ in range(_ATTEMPTS):
            record = self._store.get(BREAKER_PARTITION, self._name)
            current = _parse(record)
            now = self._clock()
            if current.state == "open" and current.until is not None and current.until > now:
                return current  # already open: a second trip must not push T further away
            seconds = self._open_for.total_seconds()
            if current.state == "half_open":  # the probe's own work failed: back off
                seconds = min(current.open_for_seconds * 2, self._max_open_for.total_seconds())
            opened = BreakerState("open", now + timedelta(seconds=seconds), code, reason, seconds)
            if self._write(record, opened):
                self._log.error("circuit breaker opened: %s (%s)", code, reason)
                METRICS.count(BREAKER_OPENED)  # the "breaker open" alert (infra/)
                return opened
        return self.state()

    def allow(self, probe: Callable[[], Any]) -> bool:
        """Whether work may proceed now. When the open period is over, one caller claims the
        probe (others keep waiting) and runs ``probe``; an exception re-opens the breaker."""
        record = self._store.get(BREAKER_PARTITION, self._name)
        current = _parse(record)
        if current.state == "closed":
            return True
        now = self._clock()
        if current.until is not None and current.until > now:
            return False  # open, or another instance is probing
        seconds = current.open_for_seconds or self._open_for.total_seconds()
        claim = BreakerState(
            "half_open", now + self._probe_timeout, current.code, current.reason, seconds
        )
        if not self._write(record, claim):
            return False  # another instance claimed the probe first
        try:
            probe()
        except Exception as exc:  # noqa: BLE001 - any failure of the probe keeps it open
            self._log.error("circuit breaker probe failed: %s", type(exc).__name__)
            seconds = min(seconds * 2, self._max_open_for.total_seconds())
            reopened = BreakerState(
                "open",
                self._clock() + timedelta(seconds=seconds),
                claim.code,
                claim.reason,
                seconds,
            )
            self._write(self._store.get(BREAKER_PARTITION, self._name), reopened)
            return False
        self.close()
        return True

    def close(self) -> None:
        for _ in range(_ATTEMPTS):
            record = self._store.get(BREAKER_PARTITION, self._name)
            if _parse(record).state == "closed":
                return
            if self._write(record, BreakerState("closed")):
                self._log.warning("circuit breaker closed: Dataverse answers again")
                return

    def _write(self, record: Record | None, state: BreakerState) -> bool:
        value = {
            "state": state.state,
            "until": state.until.isoformat() if state.until else None,
            "code": state.code[:64],
            "reason": state.reason[:500],
            "open_for_seconds": state.open_for_seconds,
        }
        try:
            self._store.put(
                BREAKER_PARTITION,
                self._name,
                value,
                if_match=None if record is None else record.etag,
                create_only=record is None,
            )
        except PreconditionFailedError:
            return False
        return True


def _parse(record: Record | None) -> BreakerState:
    if record is None:
        return BreakerState("closed")
    value = record.value
    state = value.get("state")
    if state not in ("open", "half_open"):
        return BreakerState("closed")
    until_text = value.get("until")
    try:
        until = datetime.fromisoformat(until_text) if isinstance(until_text, str) else None
    except ValueError:
        until = None
    seconds = value.get("open_for_seconds")
    return BreakerState(
        state,
        until,
        str(value.get("code", "")),
        str(value.get("reason", "")),
        float(seconds) if isinstance(seconds, int | float) else 0.0,
    )
