"""Read what the code emitted: an OpenTelemetry SDK meter provider with an in-memory reader,
bound to the connector's one emitter (``_metrics.METRICS``) for the block."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader

from cityzen_connector._metrics import METRICS


@dataclass
class Readings:
    reader: InMemoryMetricReader

    def points(self, name: str) -> list[tuple[dict[str, object], float]]:
        """(attributes, value) of each data point of ``name``: a counter's sum, a histogram's
        count of records."""
        data = self.reader.get_metrics_data()
        found: list[tuple[dict[str, object], float]] = []
        for resource in data.resource_metrics if data else ():
            for scope in resource.scope_metrics:
                for metric in scope.metrics:
                    if metric.name != name:
                        continue
                    for point in metric.data.data_points:
                        value = getattr(point, "value", None)
                        if value is None:
                            value = point.count  # type: ignore[union-attr]
                        found.append((dict(point.attributes or {}), float(value)))
        return found

    def total(self, name: str, **attributes: str) -> float:
        return sum(
            v for a, v in self.points(name) if all(a.get(k) == x for k, x in attributes.items())
        )

    def histogram_sum(self, name: str) -> float:
        data = self.reader.get_metrics_data()
        total = 0.0
        for resource in data.resource_metrics if data else ():
            for scope in resource.scope_metrics:
                for metric in scope.metrics:
                    if metric.name == name:
                        total += sum(p.sum for p in metric.data.data_points)  # type: ignore[union-attr]
        return total


@contextmanager
def read_metrics() -> Iterator[Readings]:
    reader = InMemoryMetricReader()
    provider = MeterProvider(metric_readers=[reader])
    try:
        with METRICS.bind(provider):
            yield Readings(reader)
    finally:
        provider.shutdown()
