"""The connector's custom metrics: stable names, one catalogue, emitted through OpenTelemetry.

The names below are a contract with infra/ (the workbook and the alerts query them in
Application Insights' ``customMetrics`` table; tests/test_monitoring.py checks every name they
use is one of these). Rename one only with the workbook and the alerts.

Emission goes through the OpenTelemetry metrics API: the global meter provider, which
``configure_azure_monitor()`` (app/_telemetry.py) sets to export to Application Insights
("Add and modify Azure Monitor OpenTelemetry for Python applications", custom metrics,
Microsoft Learn). Without it nothing is imported and nothing emitted: a local run pays a
dictionary lookup. Tests bind a provider of their own (an SDK ``MeterProvider`` with an
``InMemoryMetricReader``) with :meth:`Metrics.bind`.

Attributes carry codes only (failure class, status), never an id or a person's data: every
attribute value multiplies the series Application Insights stores.
"""

from __future__ import annotations

import logging
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Literal

__all__ = [
    "BREAKER_OPENED",
    "CATALOGUE",
    "DATAVERSE_LATENCY_MS",
    "DATAVERSE_THROTTLED",
    "METRICS",
    "SUBMISSIONS_ACCEPTED",
    "SUBMISSIONS_CREATED",
    "SUBMISSIONS_FAILED",
    "SUBMISSIONS_QUEUE_AGE_MS",
    "WEBHOOKS_DELIVERED",
    "WEBHOOKS_FAILED",
    "Metric",
    "Metrics",
]

METER_NAME = "cityzen_connector"

SUBMISSIONS_ACCEPTED = "cityzen.submissions.accepted"
SUBMISSIONS_CREATED = "cityzen.submissions.created"
SUBMISSIONS_FAILED = "cityzen.submissions.failed"
SUBMISSIONS_QUEUE_AGE_MS = "cityzen.submissions.queue_age_ms"
DATAVERSE_THROTTLED = "cityzen.dataverse.throttled"
DATAVERSE_LATENCY_MS = "cityzen.dataverse.latency_ms"
WEBHOOKS_DELIVERED = "cityzen.webhooks.delivered"
WEBHOOKS_FAILED = "cityzen.webhooks.failed"
BREAKER_OPENED = "cityzen.breaker.opened"


@dataclass(frozen=True)
class Metric:
    name: str
    kind: Literal["counter", "histogram"]
    unit: str
    description: str
    attributes: tuple[str, ...] = ()


CATALOGUE: dict[str, Metric] = {
    m.name: m
    for m in (
        Metric(SUBMISSIONS_ACCEPTED, "counter", "1", "Submissions accepted and queued (202)."),
        Metric(SUBMISSIONS_CREATED, "counter", "1", "Submissions filed as a Dataverse case."),
        Metric(
            SUBMISSIONS_FAILED,
            "counter",
            "1",
            "Submissions whose processing failed, by class (transient, permanent, systemic).",
            ("failure",),
        ),
        Metric(
            SUBMISSIONS_QUEUE_AGE_MS,
            "histogram",
            "ms",
            "Time a submission has waited since its first enqueue, at each delivery.",
        ),
        Metric(DATAVERSE_THROTTLED, "counter", "1", "Dataverse replies 429 (service protection)."),
        Metric(
            DATAVERSE_LATENCY_MS,
            "histogram",
            "ms",
            "Time of one Dataverse Web API request, by HTTP status class (2xx, 4xx, 5xx).",
            ("status_class",),
        ),
        Metric(WEBHOOKS_DELIVERED, "counter", "1", "Webhooks an endpoint accepted."),
        Metric(WEBHOOKS_FAILED, "counter", "1", "Webhooks given up on (parked for replay)."),
        Metric(BREAKER_OPENED, "counter", "1", "Times the Dataverse circuit breaker opened."),
    )
}

_log = logging.getLogger("cityzen_connector.metrics")


class _Nowhere:
    """An instrument for when no meter provider exists: emits nothing."""

    def add(self, value: float, attributes: dict[str, str]) -> None:
        pass

    def record(self, value: float, attributes: dict[str, str]) -> None:
        pass


_NOWHERE = _Nowhere()


def _global_provider() -> Any:
    """The process's meter provider, or None when nothing could have set one: a provider is set
    through ``opentelemetry.metrics``, so while that module is not loaded there is nowhere to
    export to, and a local run never imports OpenTelemetry for its metrics."""
    module = sys.modules.get("opentelemetry.metrics")
    return None if module is None else module.get_meter_provider()


class Metrics:
    """Counts and records by catalogue name. Never raises: a metric lost is better than a
    submission lost."""

    def __init__(self, provider: Any = None) -> None:
        self._provider = provider
        self._instruments: dict[tuple[int, str], Any] = {}
        self._lock = threading.Lock()

    @contextmanager
    def bind(self, provider: Any) -> Iterator[None]:
        """Emit to ``provider`` (an OpenTelemetry ``MeterProvider``) for the block."""
        previous, self._provider = self._provider, provider
        try:
            yield
        finally:
            self._provider = previous

    def count(self, name: str, value: int = 1, **attributes: str) -> None:
        self._emit(name, "counter", value, attributes)

    def record(self, name: str, value: float, **attributes: str) -> None:
        self._emit(name, "histogram", value, attributes)

    def _emit(self, name: str, kind: str, value: float, attributes: dict[str, str]) -> None:
        metric = CATALOGUE[name]  # an unknown name is a programming error: KeyError in tests
        if metric.kind != kind or set(attributes) - set(metric.attributes):
            raise ValueError(f"metric {name} is a {metric.kind} with {metric.attributes}")
        try:
            instrument = self._instrument(metric)
            if kind == "counter":
                instrument.add(value, attributes)
            else:
                instrument.record(value, attributes)
        except Exception as exc:  # noqa: BLE001 -- telemetry must never fail the work
            _log.debug("metric %s not emitted: %s", name, type(exc).__name__)

    def _instrument(self, metric: Metric) -> Any:
        provider = self._provider if self._provider is not None else _global_provider()
        if provider is None:
            return _NOWHERE
        key = (id(provider), metric.name)
        with self._lock:
            found = self._instruments.get(key)
            if found is None:
                meter = provider.get_meter(METER_NAME)
                counter = metric.kind == "counter"
                create = meter.create_counter if counter else meter.create_histogram
                found = create(metric.name, unit=metric.unit, description=metric.description)
                self._instruments[key] = found
        return found


# The process's one emitter: the code counts through it, tests bind a reader to it.
METRICS = Metrics()
