"""The connector's custom metrics (cityzen_connector/_metrics.py): stable names, emitted where
the work happens, read back through an in-memory OpenTelemetry reader bound to the emitter."""

from __future__ import annotations

import subprocess
import sys
import uuid

import pytest

from cityzen_connector import _metrics as m
from cityzen_connector._metrics import CATALOGUE, METRICS, Metrics
from cityzen_connector.testing import FakeClock
from tests.dataverse.conftest import ScriptedTransport, error_reply, make_client, reply
from tests.support.metrics import read_metrics


def test_the_names_are_stable_and_namespaced() -> None:
    # The workbook and the alerts in infra/ query these names: renaming one breaks them.
    assert set(CATALOGUE) == {
        "cityzen.submissions.accepted",
        "cityzen.submissions.created",
        "cityzen.submissions.failed",
        "cityzen.submissions.queue_age_ms",
        "cityzen.dataverse.throttled",
        "cityzen.dataverse.latency_ms",
        "cityzen.webhooks.delivered",
        "cityzen.webhooks.failed",
        "cityzen.breaker.opened",
    }
    for name in m.__all__:
        value = getattr(m, name)
        if isinstance(value, str) and name.isupper():
            assert value in CATALOGUE, name


def test_counts_and_records_reach_the_bound_reader() -> None:
    with read_metrics() as readings:
        METRICS.count(m.SUBMISSIONS_FAILED, failure="permanent")
        METRICS.count(m.SUBMISSIONS_FAILED, failure="permanent")
        METRICS.count(m.SUBMISSIONS_FAILED, failure="transient")
        METRICS.record(m.DATAVERSE_LATENCY_MS, 12.5, status_class="2xx")
        assert readings.total(m.SUBMISSIONS_FAILED, failure="permanent") == 2
        assert readings.total(m.SUBMISSIONS_FAILED) == 3
        assert readings.histogram_sum(m.DATAVERSE_LATENCY_MS) == 12.5


def test_an_unknown_name_a_wrong_kind_or_an_undeclared_attribute_is_refused() -> None:
    metrics = Metrics()
    with pytest.raises(KeyError):
        metrics.count("cityzen.nothing")
    with pytest.raises(ValueError, match="histogram"):
        metrics.count(m.DATAVERSE_LATENCY_MS)
    with pytest.raises(ValueError, match="counter"):
        metrics.count(m.SUBMISSIONS_ACCEPTED, citizen="someone")  # no personal attribute


class _BrokenProvider:
    def get_meter(self, name: str) -> object:
        raise RuntimeError("exporter down")


def test_a_failing_exporter_never_fails_the_work() -> None:
    Metrics(_BrokenProvider()).count(m.SUBMISSIONS_ACCEPTED)  # no exception


def test_dataverse_429s_and_the_latency_of_each_request_are_measured() -> None:
    clock = FakeClock()

    def slow_ok(_request: object) -> object:
        clock.advance(0.25)
        return reply(200, {"fullname": "x"})

    throttled = error_reply(429, "0x80072322", "Number of requests exceeded", Retry_After="1")
    transport = ScriptedTransport(throttled, slow_ok)  # type: ignore[arg-type]
    client = make_client(transport, clock=clock)
    with read_metrics() as readings:
        client.retrieve("contacts", uuid.UUID(int=7))
        assert readings.total(m.DATAVERSE_THROTTLED) == 1
        assert readings.total(m.DATAVERSE_LATENCY_MS, status_class="4xx") == 1
        assert readings.total(m.DATAVERSE_LATENCY_MS, status_class="2xx") == 1
        assert readings.histogram_sum(m.DATAVERSE_LATENCY_MS) == pytest.approx(250.0)


def test_without_telemetry_nothing_is_imported_to_emit_metrics() -> None:
    # A fresh interpreter, as a local run or an app without a connection string: counting
    # loads no OpenTelemetry module.
    code = (
        "import sys\n"
        "from cityzen_connector._metrics import METRICS, SUBMISSIONS_ACCEPTED\n"
        "METRICS.count(SUBMISSIONS_ACCEPTED)\n"
        "print(sorted(m for m in sys.modules if m.startswith('opentelemetry')))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert result.stdout.strip() == "[]"
