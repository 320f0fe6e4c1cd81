"""Case status back to citizens, on this machine: case events/s, and "my requests" latency.

One command: ``.venv/bin/python bench/case_events.py``. Two parts, each printed side by side:

1. Case events through the worker on the embedded backends (SQLite store and SQLite queue in
   files, as ``make run`` has them): read the RemoteExecutionContext JSON, record the change,
   publish the webhook event. A life of four events per case (create, taken in charge, waiting
   for details, resolved), shuffled per case, then every event delivered again (duplicates).
2. "My requests" for a citizen with 50 cases among 10,000 (the emulator served over HTTP on
   127.0.0.1, the cases recorded in the store by a change-tracking full read): ours (the store,
   with the one Dataverse read cached; then with the cache missed on every call) beside a
   direct Dataverse query per call (the same read, uncached). p50 and p99 of 300 calls each,
   and the baseline/ours ratio.

Runs in about a minute.
"""

from __future__ import annotations

import random
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from cityzen_connector.cases import (
    ROW_ANNOTATIONS,
    CaseEventPorts,
    CaseHistory,
    CaseSchema,
    MyRequests,
    QueueWebhookOutbox,
    Reconciler,
    handle_case_event,
)
from cityzen_connector.dataverse import (
    DataverseClient,
    DataverseConfig,
    Expand,
    RequestsTransport,
    StaticTokenProvider,
    ops,
)
from cityzen_connector.emulator import EmulatorConfig, create_app, seed, serve
from cityzen_connector.mapping import identity_key, load_mappings
from cityzen_connector.messaging import ReceivedMessage, open_bus
from cityzen_connector.store import open_store
from cityzen_connector.sync import apply_provisioning, plan_provisioning

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "cases" / "fixtures"
LIFE = (
    "incident_create.json",
    "incident_owner_change.json",
    "incident_status_change.json",
    "incident_resolve.json",
)
CASES = 500  # x 4 events
TOTAL_CASES = 10_000
MINE = 50
CALLS = 300
PEPPER = b"bench-pepper"
CASE = "5d0f6a7e-2b17-f111-8d3a-000d3ab5c7e1"


def events() -> list[bytes]:
    """Four events per case, each case's own ids and versions, shuffled per case."""
    rng = random.Random(7)
    templates = [(FIXTURES / name).read_text(encoding="utf-8") for name in LIFE]
    bodies = []
    for n in range(CASES):
        case = str(uuid.UUID(int=n + 1))
        # Row versions 12034xx become 1nnnnxx: each case its own, still in its order.
        life = [t.replace(CASE, case).replace("12034", f"{10_000 + n}") for t in templates]
        rng.shuffle(life)
        bodies += [body.encode() for body in life]
    return bodies


def received(body: bytes, n: int) -> ReceivedMessage:
    return ReceivedMessage(
        queue="case-events",
        body=body,
        message_id=f"m{n}",
        sequence_number=n,
        delivery_count=1,
        enqueued_time=datetime(2026, 3, 2, tzinfo=UTC),
        lock_token="",
        locked_until=None,
        content_type="application/json",
    )


def part_one(folder: Path) -> None:
    mappings = load_mappings(ROOT / "mappings")
    store = open_store(f"sqlite:///{folder / 'state.db'}")
    bus = open_bus(f"sqlite:///{folder / 'queue.db'}")
    history = CaseHistory(
        store,
        QueueWebhookOutbox(bus, "webhooks"),
        mappings.statuses,
        clock=lambda: datetime.now(UTC),
        retention=timedelta(days=400),
    )
    ports = CaseEventPorts(
        bus=bus,
        queue="case-events",
        history=history,
        schema=CaseSchema.from_mappings(mappings),
        clock=lambda: datetime.now(UTC),
    )
    messages = [received(body, n) for n, body in enumerate(events())]

    def run() -> int:
        for message in messages:
            handle_case_event(message, ports)
        return len(messages)

    fresh = rate(run)
    assert not any(k.startswith("rejected") for k in ports.counts), ports.counts
    again = rate(run)
    published = len(bus.peek("webhooks", max_messages=100_000))
    print(f"case events: {len(messages)} events of {CASES} cases, SQLite store and queue files")
    print(f"{'measure':<44} {'events/s':>10}")
    print(f"{'parse + record + publish (new changes)':<44} {fresh:>10.0f}")
    print(f"{'the same events again (duplicates)':<44} {again:>10.0f}")
    print(f"webhook events published: {published} ({published / CASES:.2f} per case)")
    print(f"decisions: {dict(sorted(ports.counts.items()))}")
    store.close()
    bus.close()


def rate(action: Callable[[], int]) -> float:
    started = time.perf_counter()
    count = action()
    return count / (time.perf_counter() - started)


def part_two(folder: Path) -> None:
    mappings = load_mappings(ROOT / "mappings")
    emulator_app = create_app(
        EmulatorConfig(database=str(folder / "dataverse.db"), key_activation_seconds=0)
    )
    seed(emulator_app)
    served = serve(emulator_app, "127.0.0.1", 0)
    try:
        client = DataverseClient(
            DataverseConfig(served.url), RequestsTransport(), StaticTokenProvider("bench")
        )
        plan = plan_provisioning(client, mappings.schema(), mappings.catalog)
        report = apply_provisioning(
            client, plan, now=time.monotonic, sleep=time.sleep, create_catalog=True
        )
        assert report.ok
        me = fill(client)
        schema = CaseSchema.from_mappings(mappings)
        store = open_store(f"sqlite:///{folder / 'state2.db'}")
        history = CaseHistory(
            store,
            QueueWebhookOutbox(open_bus("memory://"), "webhooks"),
            mappings.statuses,
            clock=lambda: datetime.now(UTC),
            retention=timedelta(days=400),
        )
        started = time.perf_counter()
        read = Reconciler(client, store, history, schema, page_size=5000).run()
        print(
            f"\nmy requests: {read.rows} cases recorded by a full read in"
            f" {time.perf_counter() - started:.1f} s; the citizen has {MINE}"
        )
        measure(client, store, schema, mappings.statuses, me)
        store.close()
    finally:
        served.stop()
        emulator_app.close()


def fill(client: DataverseClient) -> str:
    """10,000 cases over 200 contacts; the bench's citizen owns 50. Returns their sub."""
    contacts = []
    for n in range(TOTAL_CASES // MINE):
        key = identity_key("https://idp.example.fr", f"sub-{n}", pepper=PEPPER)
        created = client.create("contacts", {"lastname": f"Contact {n}", "cz_identitykey": key})
        contacts.append(created.id)
    rows: list[dict[str, Any]] = []
    for n in range(TOTAL_CASES):
        contact = contacts[n % len(contacts)]
        rows.append(
            {
                "title": f"Demande {n}",
                "caseorigincode": (1, 2, 3)[n % 3],
                "customerid_contact@odata.bind": f"/contacts({contact})",
            }
        )
    client.create_multiple("incidents", "incident", rows, chunk_size=500)
    return "sub-0"


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def measure(
    client: DataverseClient,
    store: Any,
    schema: CaseSchema,
    vocabulary: Any,
    sub: str,
) -> None:
    class Clock:
        """A monotonic clock that jumps past the cache on demand."""

        def __init__(self) -> None:
            self.offset = 0.0

        def now(self) -> float:
            return time.monotonic() + self.offset

        def sleep(self, seconds: float) -> None:
            time.sleep(seconds)

        def wait(self, stop: Any, seconds: float) -> bool:
            return bool(stop.wait(seconds))

    clock = Clock()
    ours = MyRequests(
        store, client, schema, vocabulary, pepper=PEPPER, monotonic=clock, cache_seconds=60
    )
    issuer = "https://idp.example.fr"
    assert ours.for_citizen(issuer, sub).total == MINE

    def cached() -> None:
        ours.for_citizen(issuer, sub)

    def missed() -> None:
        clock.offset += 61  # the cached read has expired: one Dataverse read
        ours.for_citizen(issuer, sub)

    key = identity_key(issuer, sub, pepper=PEPPER)
    direct_request = ops.retrieve(
        schema.contact_entity_set,
        {schema.contact_key_column: key},
        select=("contactid",),
        expand=(Expand(schema.contact_cases, select=schema.select()),),
    ).with_prefer(ROW_ANNOTATIONS)

    def direct() -> None:
        record = client.execute(direct_request)
        rows = record[schema.contact_cases]
        rows.sort(key=lambda r: r["createdon"], reverse=True)
        assert len(rows) == MINE

    results = {
        name: timings(fn) for name, fn in (("ours", cached), ("missed", missed), ("direct", direct))
    }
    base50, base99 = percentile(results["direct"], 0.5), percentile(results["direct"], 0.99)
    title = f"measure (ms, {CALLS} calls)"
    print(f"{title:<46} {'p50':>8} {'p99':>8} {'direct/ours p50':>16}")
    labels = {
        "ours": "ours: store + cached Dataverse read",
        "missed": "ours: store + a Dataverse read every call",
        "direct": "baseline: a direct Dataverse query per call",
    }
    for name, samples in results.items():
        p50, p99 = percentile(samples, 0.5), percentile(samples, 0.99)
        ratio = f"{base50 / p50:>15.1f}x" if name != "direct" else f"{'-':>16}"
        print(f"{labels[name]:<46} {p50 * 1000:>8.2f} {p99 * 1000:>8.2f} {ratio}")
    mean = statistics.mean(results["ours"]) * 1000
    print(f"(direct p99 {base99 * 1000:.2f} ms; mean of ours, cached: {mean:.2f} ms)")


def timings(call: Callable[[], None]) -> list[float]:
    for _ in range(10):  # warm-up
        call()
    samples = []
    for _ in range(CALLS):
        started = time.perf_counter()
        call()
        samples.append(time.perf_counter() - started)
    return samples


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        part_one(Path(folder))
        part_two(Path(folder))


if __name__ == "__main__":
    main()
