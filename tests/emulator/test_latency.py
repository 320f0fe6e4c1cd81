"""The latency model: a service time of ``base + per_operation × operations`` per request, waited
out through the injected sleep (the tests count the sleeps, never the clock on the wall), with
the operations counted as service protection counts them (``emulator/_cost.py``).

"Service protection API limits" (Microsoft Learn,
https://learn.microsoft.com/power-apps/developer/data-platform/api-limits): a batch "will avoid
the number of requests limit. However, you will need to be prepared for the execution time
limit"; "Use bulk operation messages" (Microsoft Learn,
https://learn.microsoft.com/power-apps/developer/data-platform/bulk-operations): bulk messages
"have greater throughput when you send bulk operation messages in parallel".
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest

from cityzen_connector.dataverse import (
    ChangeSet,
    DataverseClient,
    DataverseConfig,
    StaticTokenProvider,
    WsgiTransport,
    ops,
)
from cityzen_connector.emulator import (
    EmulatorApp,
    EmulatorConfig,
    Latency,
    ProtectionLimits,
    create_app,
)
from cityzen_connector.testing import FakeClock

from .conftest import call

BASE, PER_OPERATION = 0.05, 0.001
RECORDS = [{"lastname": f"Bulk {n:04}"} for n in range(1000)]


def _client(app: EmulatorApp, *, concurrency: int = 1) -> DataverseClient:
    return DataverseClient(
        DataverseConfig("http://127.0.0.1:7072", max_concurrency=concurrency),
        WsgiTransport(app),
        StaticTokenProvider("t"),
        clock=FakeClock(),
    )


def _app(sleep: Callable[[float], None], protection: ProtectionLimits | None = None) -> EmulatorApp:
    latency = Latency(base_seconds=BASE, per_operation_seconds=PER_OPERATION)
    return create_app(EmulatorConfig(latency=latency, protection=protection), sleep=sleep)


def _batch_with_a_bulk_inside(app: EmulatorApp) -> None:
    """A create, then a change set holding a CreateMultiple of five: six operations."""
    targets = [{"@odata.type": "Microsoft.Dynamics.CRM.contact", **r} for r in RECORDS[:5]]
    bulk = ops.action("CreateMultiple", {"Targets": targets}, bound_to="contacts")
    items = [ops.create("contacts", {"lastname": "Alone"}), ChangeSet([bulk])]
    assert _client(app).execute_batch(items).ok


def test_one_request_of_1000_records_waits_base_plus_1000_operations() -> None:
    slept: list[float] = []
    app = _app(slept.append)
    result = _client(app).create_multiple("contacts", "contact", RECORDS, chunk_size=1000)
    assert result.ok
    assert slept == [pytest.approx(BASE + 1000 * PER_OPERATION)]
    app.close()


def test_ten_parallel_chunks_pay_the_base_ten_times_but_wait_only_for_the_slowest() -> None:
    slept: list[float] = []
    lock = threading.Lock()
    # Every chunk must be waiting at once for the barrier to open: had the emulator waited
    # under a lock (one request after the other), the barrier would break.
    together = threading.Barrier(10, timeout=10)

    def sleep(seconds: float) -> None:
        with lock:
            slept.append(seconds)
        together.wait()

    app = _app(sleep)
    client = _client(app, concurrency=10)
    result = client.create_multiple("contacts", "contact", RECORDS, chunk_size=100)
    assert result.ok
    one_chunk = BASE + 100 * PER_OPERATION
    assert slept == [pytest.approx(one_chunk)] * 10
    assert sum(slept) == pytest.approx(10 * one_chunk)  # what the server spent
    assert max(slept) == pytest.approx(one_chunk)  # what the caller waited: side by side
    app.close()


def test_a_batch_costs_its_operations_a_bulk_inside_it_its_records() -> None:
    slept: list[float] = []
    app = _app(slept.append)
    _batch_with_a_bulk_inside(app)
    assert slept == [pytest.approx(BASE + 6 * PER_OPERATION)]
    app.close()


def test_protection_and_the_latency_model_count_the_same_operations() -> None:
    slept: list[float] = []
    limits = ProtectionLimits(cost_per_operation_ms=10)
    app = _app(slept.append, protection=limits)
    _batch_with_a_bulk_inside(app)
    _, headers, _ = call(app, "GET", "WhoAmI", environ={"HTTP_AUTHORIZATION": "Bearer t"})
    spent = limits.max_execution_ms - float(headers["x-ms-ratelimit-time-remaining-xrm-requests"])
    assert spent == 6 * 10
    assert slept[0] == pytest.approx(BASE + 6 * PER_OPERATION)
    app.close()


def test_bulk_messages_answering_204_cost_their_targets_too() -> None:
    # "UpdateMultiple Action" and "UpsertMultiple Action" answer 204 NoContent: no Ids to count,
    # but each target is an update or a create all the same ("Use bulk operation messages").
    slept: list[float] = []
    app = _app(slept.append)
    ids = ["00000000-0000-0000-0000-00000000000" + str(n) for n in range(3)]
    created = [
        {"@odata.type": "Microsoft.Dynamics.CRM.contact", "contactid": i, "lastname": "B"}
        for i in ids
    ]
    status, _, _ = call(
        app, "POST", "contacts/Microsoft.Dynamics.CRM.CreateMultiple", {"Targets": created}
    )
    assert status == 200
    updated = [{**t, "lastname": "C"} for t in created]
    for action, targets in (
        ("UpdateMultiple", updated),
        (
            "UpsertMultiple",
            [*updated, {"@odata.type": "Microsoft.Dynamics.CRM.contact", "lastname": "D"}],
        ),
    ):
        slept.clear()
        status, _, _ = call(
            app, "POST", f"contacts/Microsoft.Dynamics.CRM.{action}", {"Targets": targets}
        )
        assert status == 204, action
        assert slept == [pytest.approx(BASE + len(targets) * PER_OPERATION)], action
    app.close()


def test_a_refused_request_costs_one_operation() -> None:
    slept: list[float] = []
    app = _app(slept.append)
    status, _, _ = call(app, "POST", "contacts/Microsoft.Dynamics.CRM.CreateMultiple", {})
    assert status == 400
    assert slept == [pytest.approx(BASE + PER_OPERATION)]
    app.close()


def test_off_by_default_and_refused_without_a_sleep() -> None:
    assert not EmulatorConfig().latency.enabled
    with pytest.raises(ValueError, match="no sleep"):
        create_app(EmulatorConfig(latency=Latency(per_operation_seconds=0.01)))
    with pytest.raises(ValueError, match="negative"):
        Latency(base_seconds=-1)
