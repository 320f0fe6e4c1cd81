"""Submission pipeline benchmark (one command: ``.venv/bin/python bench/sync.py``).

1. Latency mode: N submissions of one citizen (the first creates the contact) through the
   emulator in-process with 30 ms injected per request. Ours (one change set) versus a naive
   pipeline (look the contact up, create or update it, create the case, create each note):
   Dataverse round trips per submission and submissions per second, side by side.
2. Backlog mode: 5,000 waiting submissions drained with the emulator's service protection
   limits on. The window is scaled down from 300 s to 10 s (limits scaled with it, same rates:
   otherwise the first window's budget alone would cover most of the backlog and the limit
   would hardly bind in a short run); the execution-time limit is the binding one for change
   sets of four operations. Prints the share of that limit used while it was binding (whole
   windows from the first 429, ending before the last), the fullest window, throttling
   failures and duplicates.
"""

from __future__ import annotations

import copy
import json
import logging
import sys
import time
import uuid
from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
# Running bench/x.py puts bench/ first on sys.path, where bench/queue.py would shadow the
# standard library's queue module (which the thread pool needs).
sys.path[:] = [str(ROOT)] + [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]

from cityzen_connector.dataverse import (  # noqa: E402
    DataverseClient,
    DataverseConfig,
    Query,
    RetryPolicy,
    StaticTokenProvider,
    WsgiTransport,
    eq,
)
from cityzen_connector.emulator import (  # noqa: E402
    EmulatorConfig,
    Faults,
    ProtectionLimits,
    create_app,
    seed,
)
from cityzen_connector.mapping import (  # noqa: E402
    PlanContext,
    load_mappings,
    plan_submission,
    wire_body,
)
from cityzen_connector.messaging import encode, open_bus  # noqa: E402
from cityzen_connector.models import (  # noqa: E402
    EXAMPLE_SUBMISSION,
    SUBMISSION_SCHEMA,
    Submission,
)
from cityzen_connector.store import SubmissionStatuses, open_blobs, open_store  # noqa: E402
from cityzen_connector.sync import apply_provisioning, plan_provisioning  # noqa: E402
from cityzen_connector.sync.pipeline import (  # noqa: E402
    CircuitBreaker,
    Created,
    LookupCache,
    SubmissionProcessor,
    WorkerDeps,
    drain,
)
from cityzen_connector.sync.pipeline import DeliveryPolicy as DeliveryRetryPolicy  # noqa: E402

PEPPER = b"bench-pepper"
LATENCY = 0.030
N = 40
BACKLOG = 5000
PER_BATCH = 25
WINDOW = 10.0  # seconds; Dataverse: 300 s (limits below are scaled by WINDOW / 300)


class Counting:
    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.count = 0
        self.statuses: Counter[int] = Counter()
        self.first_429: float | None = None
        self.last_429: float | None = None
        self.writes: list[tuple[float, int]] = []  # (when, write operations executed)

    def send(self, request: Any, *, timeout: float) -> Any:
        self.count += 1
        response = self.inner.send(request, timeout=timeout)
        self.statuses[response.status] += 1
        now = time.perf_counter()
        if response.status == 429:
            self.first_429 = self.first_429 or now
            self.last_429 = now
        elif response.status < 400:
            self.writes.append((now, (request.body or b"").count(b"\r\nPATCH ")))
        return response

    def bound_share(self, limits: ProtectionLimits) -> float:
        """Share of the execution-time limit used while it was binding, over WHOLE windows
        from the first 429 (the window's initial budget is spent) that end before the last
        429 (after it, the backlog ran out faster than the limit). Whole windows, because
        spending under a sliding window comes in waves one window long: a partial window
        at the end would count a wave or a trough depending on the phase, and the limit is
        defined per window anyway."""
        if self.first_429 is None or self.last_429 is None:
            return float("nan")
        windows = int((self.last_429 - self.first_429) // limits.window_seconds)
        if windows < 1:
            return float("nan")
        first = self.first_429
        last = first + windows * limits.window_seconds
        spent = sum(n for when, n in self.writes if first < when <= last)
        return spent * limits.cost_per_operation_ms / (windows * limits.max_execution_ms)

    def peak_window(self, limits: ProtectionLimits) -> float:
        """The fullest sliding window, as a share of its limit: above 100% when requests
        admitted under the limit finish after it was reached (execution time is charged once
        a request has run, as in Dataverse)."""
        ends = sorted((when, n) for when, n in self.writes if n)
        peak, start, total = 0, 0, 0
        for when, n in ends:
            total += n
            while ends[start][0] <= when - limits.window_seconds:
                total -= ends[start][1]
                start += 1
            peak = max(peak, total)
        return peak * limits.cost_per_operation_ms / limits.max_execution_ms


def now() -> datetime:
    return datetime.now(UTC)


def emulator(config: EmulatorConfig) -> Any:
    app = create_app(replace(config, key_activation_seconds=0), sleep=time.sleep)
    seed(app)
    setup = client_for(WsgiTransport(app), max_concurrency=5)
    mappings = load_mappings(ROOT / "mappings")
    plan = plan_provisioning(setup, mappings.schema(), mappings.catalog)
    saved, protection = app.config, app.protection
    app.config, app.protection = replace(saved, faults=Faults()), None  # provision unmetered
    apply_provisioning(setup, plan, now=time.monotonic, sleep=time.sleep, create_catalog=True)
    app.config, app.protection = saved, protection
    return app


def client_for(transport: Any, *, max_concurrency: int = 5) -> DataverseClient:
    config = DataverseConfig("http://127.0.0.1:7072", max_concurrency=max_concurrency)
    return DataverseClient(
        config, transport, StaticTokenProvider("bench"), retry=RetryPolicy.QUEUE_WORK
    )


def submissions(blobs: Any, count: int) -> list[Submission]:
    out = []
    for i in range(count):
        data = copy.deepcopy(EXAMPLE_SUBMISSION)
        data["id"] = str(uuid.uuid4())
        data["subject"] = f"Demande {i}"
        for attachment in data["attachments"]:
            attachment["id"] = str(uuid.uuid4())
            attachment["blob_name"] = blobs.put(b"abc", media_type="image/jpeg").name
        out.append(Submission.model_validate(data))
    return out


def processor_for(client: DataverseClient, mappings: Any) -> tuple[SubmissionProcessor, Any]:
    store = open_store("memory://")
    blobs = open_blobs("memory://")
    statuses = SubmissionStatuses(store, clock=now, retention=timedelta(days=1))
    processor = SubmissionProcessor(
        client,
        mappings,
        blobs,
        statuses,
        CircuitBreaker(store, clock=now),
        clock=now,
        context=PlanContext(pepper=PEPPER),
        lookups=LookupCache(client, clock=now),
    )
    return processor, blobs


def naive(client: DataverseClient, processor: SubmissionProcessor, submission: Submission) -> None:
    """What a straightforward integration does: one call per record, plain creates."""
    plan = plan_submission(submission, processor.mappings, context=processor.context)
    ids = processor.lookups.resolve(plan.lookups)
    contact_op, case_op, *notes = plan.operations
    key_column, key_value = contact_op.key[0]
    found = client.first(Query("contacts").select("contactid").where(eq(key_column, key_value)))
    body = dict(contact_op.body)
    if found is None:
        contact_id = client.create("contacts", {**body, **contact_op.fill_blanks}).id
    else:
        contact_id = uuid.UUID(found["contactid"])
        client.update("contacts", contact_id, body)
    case = wire_body(case_op, lookups=ids, blobs={})
    case["customerid_contact@odata.bind"] = f"/contacts({contact_id})"
    case_id = client.create("incidents", case).id
    for note in notes:
        data = {c.blob_name: processor.blobs.get(c.blob_name) for c in note.blobs.values()}
        row = wire_body(note, lookups=ids, blobs=data)
        row["objectid_incident@odata.bind"] = f"/incidents({case_id})"
        client.create("annotations", row)


def latency_mode() -> None:
    mappings = load_mappings(ROOT / "mappings")
    rows = []
    for name in ("ours", "naive"):
        app = emulator(EmulatorConfig(faults=Faults(latency_seconds=LATENCY)))
        transport = Counting(WsgiTransport(app))
        client = client_for(transport)
        processor, blobs = processor_for(client, mappings)
        batch = submissions(blobs, N + 1)
        first, rest = batch[0], batch[1:]
        processor.lookups.resolve(
            plan_submission(first, mappings, context=processor.context).lookups
        )
        before = transport.count
        if name == "ours":
            assert isinstance(processor.process(first), Created)
        else:
            naive(client, processor, first)
        new_cost = transport.count - before
        before, started = transport.count, time.perf_counter()
        for submission in rest:
            if name == "ours":
                assert isinstance(processor.process(submission), Created)
            else:
                naive(client, processor, submission)
        elapsed = time.perf_counter() - started
        rows.append((name, new_cost, (transport.count - before) / N, N / elapsed))
    (_, o_new, o_rt, o_rate), (_, n_new, n_rt, n_rate) = rows
    print(f"== latency mode: {N} returning-citizen submissions, {LATENCY * 1000:.0f} ms per call")
    print(f"{'':<34}{'ours':>10}{'naive':>10}{'ratio':>10}")
    print(f"{'round trips, first-time citizen':<34}{o_new:>10}{n_new:>10}{n_new / o_new:>10.1f}")
    print(f"{'round trips per submission':<34}{o_rt:>10.2f}{n_rt:>10.2f}{n_rt / o_rt:>10.1f}")
    print(f"{'submissions per second':<34}{o_rate:>10.1f}{n_rate:>10.1f}{o_rate / n_rate:>10.1f}")


def backlog_mode() -> None:
    scale = WINDOW / 300.0
    limits = ProtectionLimits(
        window_seconds=WINDOW,
        max_requests=int(6000 * scale),
        max_execution_ms=int(1_200_000 * scale),
        max_concurrent=52,
        cost_per_operation_ms=10,
    )
    app = emulator(EmulatorConfig(protection=limits))
    transport = Counting(WsgiTransport(app))
    client = client_for(transport, max_concurrency=16)
    mappings = load_mappings(ROOT / "mappings")
    processor, blobs = processor_for(client, mappings)
    bus = open_bus("memory://bench-backlog")
    waiting = submissions(blobs, BACKLOG)
    for submission in waiting:
        payload = json.loads(submission.model_dump_json())
        bus.send(
            "submissions", [encode(SUBMISSION_SCHEMA, payload, correlation_id=str(submission.id))]
        )
    deps = WorkerDeps(
        bus, "submissions", processor, processor.breaker, processor.statuses,  # type: ignore[arg-type]
        DeliveryRetryPolicy(), now, client.who_am_i,
    )  # fmt: skip
    processor.lookups.resolve(
        plan_submission(waiting[0], mappings, context=processor.context).lookups
    )
    before = transport.count
    started = time.perf_counter()
    totals: Counter[str] = Counter()
    while True:
        report = drain(deps, max_messages=BACKLOG, per_batch=PER_BATCH, workers=8)
        totals.update(report.outcomes)
        if report.received == 0:
            break
    ended = time.perf_counter()
    elapsed = ended - started
    requests = transport.count - before
    exec_share = transport.bound_share(limits)
    request_share = (requests / elapsed) / (limits.max_requests / limits.window_seconds)
    reader = client_for(WsgiTransport(app))
    app.protection = None  # read back without spending the budget
    cases = [
        c["cz_submissionid"] for c in reader.query(Query("incidents").select("cz_submissionid"))
    ]
    duplicates = len(cases) - len(set(cases))
    failures = BACKLOG - totals["Created"] - totals["AlreadyDone"]
    print(f"== backlog mode: {BACKLOG} submissions, limits on (window {WINDOW:g} s, scaled)")
    print(f"{'drained in':<34}{elapsed:>10.1f} s  ({BACKLOG / elapsed:.0f} submissions/s)")
    print(f"{'$batch requests':<34}{requests:>10}")
    windows = int(((transport.last_429 or 0) - (transport.first_429 or 0)) // WINDOW)
    print(
        f"{'share of execution-time limit':<34}{exec_share:>10.0%}"
        f"  (binding: {windows} whole window(s) from the first 429)"
    )
    print(f"{'fullest sliding window':<34}{transport.peak_window(limits):>10.0%}")
    print(f"{'share of request limit':<34}{request_share:>10.0%}")
    print(f"{'429s met and waited out':<34}{transport.statuses[429]:>10}")
    print(f"{'throttling failures':<34}{failures:>10}")
    print(f"{'cases / duplicates':<34}{len(cases):>10} / {duplicates}")


if __name__ == "__main__":
    # The client logs each 429 it waits out at WARNING; the figures below count them.
    logging.getLogger("cityzen_connector").setLevel(logging.ERROR)
    latency_mode()
    backlog_mode()
