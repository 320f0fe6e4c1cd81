"""``GET /api/v1/health`` (liveness, calls nothing) and ``/health/ready`` (readiness).

Readiness checks what accepting a submission needs -- the state store (a write, read and delete
round trip) and the queue (its counts) -- and reports what processing needs: Dataverse
(``WhoAmI``) and the circuit breaker. Only the first two make it ``unavailable`` (503): while
Dataverse is down the API still accepts and queues requests, so it is ``degraded`` (200).
Optional checks (the portal's news and agenda feeds) are reported the same way: one that is not
fine is ``stale`` with a log-safe ``detail``, and makes readiness ``degraded``, never more. The
result is reused for a short time so that a probe flood cannot spend the Dataverse budget
(https://learn.microsoft.com/power-apps/developer/data-platform/api-limits).

The breaker record is read from the state store: partition ``breaker``, key ``dataverse``,
value ``{"state": "closed" | "open" | "half_open", "until": ISO 8601 | null}``. The pipeline's
``sync/breaker.py`` owns it; absent means closed.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal

from pydantic import BaseModel, ConfigDict

from cityzen_connector.dataverse import DataverseClient
from cityzen_connector.messaging import MessageBus
from cityzen_connector.store import StateStore
from cityzen_connector.sync.pipeline import CircuitBreaker

logger = logging.getLogger(__name__)

HEALTH_PARTITION = "health"
Verdict = Literal["ok", "degraded", "unavailable"]
CheckState = Literal["ok", "failed", "open", "half_open", "closed", "stale"]
# An optional check: ``None`` when fine, else a short log-safe detail (no URL, no personal data).
OptionalCheck = Callable[[], str | None]


class Liveness(BaseModel):
    model_config = ConfigDict(frozen=True)

    status: Literal["ok"] = "ok"


class Check(BaseModel):
    model_config = ConfigDict(frozen=True)

    state: CheckState
    # The error's class name only: messages may carry URLs or remote text.
    error: str | None = None
    detail: str | None = None


class CacheState(BaseModel):
    """A cache a timer refreshes (the knowledge articles search reads…): when it was last
    refreshed (``None``: never, or unreadable) and how many items it holds. An old cache is
    served as it is: its age is for the operator, it does not change the verdict."""

    model_config = ConfigDict(frozen=True)

    refreshed_at: datetime | None
    age_seconds: float | None
    items: int | None = None


class Readiness(BaseModel):
    model_config = ConfigDict(frozen=True)

    status: Verdict
    checked_at: datetime
    checks: dict[str, Check]
    queue_active: int | None = None
    queue_dead_letter: int | None = None
    caches: dict[str, CacheState] = {}

    @property
    def http_status(self) -> int:
        return 503 if self.status == "unavailable" else 200


@dataclass(frozen=True)
class ReadinessPorts:
    client: DataverseClient
    bus: MessageBus
    queue: str
    store: StateStore
    clock: Callable[[], datetime]
    # Name → the state of a cache a timer refreshes; each read never raises.
    caches: Mapping[str, Callable[[], CacheState]] = field(default_factory=dict)
    optional: Mapping[str, OptionalCheck] = field(default_factory=dict)


def _failed(exc: Exception) -> Check:
    logger.warning("readiness check failed: %s", type(exc).__name__)
    return Check(state="failed", error=type(exc).__name__)


def _breaker(store: StateStore, clock: Callable[[], datetime]) -> Check:
    # Read through the breaker itself, so the probe and the worker agree on the record's shape.
    return Check(state=CircuitBreaker(store, clock=clock).state().state)


def check_readiness(ports: ReadinessPorts) -> Readiness:
    """Run every check once (no cache); each failure is caught and named."""
    checks: dict[str, Check] = {}
    active = dead = None
    try:
        ports.client.who_am_i()
        checks["dataverse"] = Check(state="ok")
    except Exception as exc:  # noqa: BLE001 -- a probe reports, it does not raise
        checks["dataverse"] = _failed(exc)
    try:
        stats = ports.bus.stats(ports.queue)
        active, dead = stats.active, stats.dead_letter
        checks["queue"] = Check(state="ok")
    except Exception as exc:  # noqa: BLE001
        checks["queue"] = _failed(exc)
    try:
        now = ports.clock()
        ports.store.put(HEALTH_PARTITION, "probe", {"at": now.isoformat()})
        ok = ports.store.get(HEALTH_PARTITION, "probe") is not None
        ports.store.delete(HEALTH_PARTITION, "probe")
        checks["store"] = Check(state="ok") if ok else Check(state="failed", error="ReadBack")
        checks["breaker"] = _breaker(ports.store, ports.clock)
    except Exception as exc:  # noqa: BLE001
        checks.setdefault("store", _failed(exc))
        checks.setdefault("breaker", Check(state="failed", error=type(exc).__name__))
    for name, optional in ports.optional.items():
        try:
            detail = optional()
            checks[name] = (
                Check(state="ok") if detail is None else Check(state="stale", detail=detail)
            )
        except Exception as exc:  # noqa: BLE001
            checks[name] = _failed(exc)
    if checks["queue"].state != "ok" or checks["store"].state != "ok":
        status: Verdict = "unavailable"
    elif (
        checks["dataverse"].state != "ok"
        or checks["breaker"].state != "closed"
        or any(checks[name].state != "ok" for name in ports.optional)
    ):
        status = "degraded"
    else:
        status = "ok"
    return Readiness(
        status=status,
        checked_at=ports.clock(),
        checks=checks,
        queue_active=active,
        queue_dead_letter=dead,
        caches={name: read() for name, read in ports.caches.items()},
    )


class ReadinessProbe:
    """``check_readiness`` with its result reused for ``ttl``; one check at a time."""

    def __init__(self, ports: ReadinessPorts, *, ttl: timedelta) -> None:
        self._ports = ports
        self._ttl = ttl
        self._lock = threading.Lock()
        self._last: Readiness | None = None

    @property
    def ttl(self) -> timedelta:
        return self._ttl

    def __call__(self) -> Readiness:
        with self._lock:
            last = self._last
            if last is None or self._ports.clock() - last.checked_at >= self._ttl:
                last = self._last = check_readiness(self._ports)
            return last
