"""The citizens' rights, on this machine: what they cost the case-events worker, and what
finding one citizen's records costs as the store grows.

One command: ``.venv/bin/python bench/rights.py``. Two parts, each printed side by side:

1. The case-events worker's hook (``rgpd.Eraser.on_case``), called for every case recorded:
   for an ordinary status change (not a pair ``rights.toml`` declares) and for a resolution of
   a case that is not an erasure request (one store read), beside a no-op hook. Per call, on
   the SQLite store in a file, as ``make run`` has it; and the store round trips it adds.
2. One citizen's records among N citizens' (3 submissions each, with their statuses): ours
   (``rgpd.find_holdings``: a scan of the ingest records for the citizen's filer key, then
   reads by id) beside the floor any lookup by filer pays (the scan alone), median of 20 runs,
   and the ratio. The export and the erasure each run it once per request.

Runs in about half a minute.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cityzen_connector.app._rights import partitions  # noqa: E402
from cityzen_connector.mapping import identity_key, load_mappings  # noqa: E402
from cityzen_connector.rgpd import Eraser, RightsAudit, find_holdings  # noqa: E402
from cityzen_connector.store import (  # noqa: E402
    INGEST_PARTITION,
    SUBMISSIONS_PARTITION,
    Record,
    StateStore,
    open_store,
)

PEPPER = b"bench-pepper"
ISSUER = "https://franceconnect.gouv.fr/api/v2"
NOW = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)


class CountingStore(StateStore):
    """The store, counting its calls (each one a round trip to Azure Tables)."""

    def __init__(self, inner: StateStore) -> None:
        self.inner, self.calls = inner, 0

    def get(self, partition: str, key: str) -> Record | None:
        self.calls += 1
        return self.inner.get(partition, key)

    def put(self, partition: str, key: str, value: Any, **options: Any) -> Record:
        self.calls += 1
        return self.inner.put(partition, key, value, **options)

    def delete(self, partition: str, key: str, *, if_match: str | None = None) -> bool:
        self.calls += 1
        return self.inner.delete(partition, key, if_match=if_match)

    def query(self, partition: str, *, limit: int | None = None) -> list[Record]:
        self.calls += 1
        return self.inner.query(partition, limit=limit)

    def purge(self, *, now: datetime, updated_before: datetime | None = None) -> int:
        return self.inner.purge(now=now, updated_before=updated_before)


def _per_call_us(call: Callable[[], object], n: int) -> float:
    start = time.perf_counter()
    for _ in range(n):
        call()
    return (time.perf_counter() - start) / n * 1e6


def hook_cost(folder: Path) -> None:
    mappings = load_mappings(ROOT / "mappings")
    assert mappings.rights is not None
    store = CountingStore(open_store(f"sqlite:///{folder}/hook.db", clock=lambda: NOW))
    audit = RightsAudit(store, clock=lambda: NOW, retention=timedelta(days=30), pepper=PEPPER)
    eraser = Eraser(
        store=store,
        blobs=None,  # type: ignore[arg-type] -- never reached: no erasure request exists
        bus=None,  # type: ignore[arg-type]
        failed_places=(),
        client=None,  # type: ignore[arg-type]
        reader=None,  # type: ignore[arg-type]
        plan=mappings.rights,
        partitions=partitions(),
        audit=audit,
        clock=lambda: NOW,
        pepper=PEPPER,
    )
    case = uuid.uuid4()
    n = 5000
    rows = [
        ("no hook (before)", lambda: None),
        ("ours, a status change", lambda: eraser.on_case(case, 0, 2)),
        ("ours, a case resolved", lambda: eraser.on_case(case, 1, 5)),
    ]
    print("1. the case-events worker's hook, per case event (SQLite store in a file)")
    print(f"   {'':24} {'µs/call':>9} {'store calls':>12}")
    for name, call in rows:
        before = store.calls
        cost = _per_call_us(call, n)
        print(f"   {name:24} {cost:9.2f} {(store.calls - before) / n:12.2f}")


def _fill(store: StateStore, citizens: int) -> str:
    """``citizens`` citizens with 3 submissions each; returns one's filer key."""
    wanted = ""
    for index in range(citizens):
        filer = identity_key(ISSUER, f"sub-{index}", pepper=PEPPER)
        wanted = wanted or filer
        for _ in range(3):
            submission = str(uuid.uuid4())
            store.put(INGEST_PARTITION, submission, {"state": "queued", "filer": filer})
            store.put(SUBMISSIONS_PARTITION, submission, {"status": "queued"})
    return wanted


def holdings_cost(folder: Path) -> None:
    print("2. one citizen's records among N citizens' (SQLite store in a file), median of 20")
    print(f"   {'N citizens':>10} {'floor ms':>9} {'ours ms':>8} {'ours/floor':>11} {'calls':>6}")
    for citizens in (1000, 5000):
        store = CountingStore(
            open_store(f"sqlite:///{folder}/holdings-{citizens}.db", clock=lambda: NOW)
        )
        filer = _fill(store, citizens)
        floor, ours = [], []
        for _ in range(20):
            start = time.perf_counter()
            store.query(INGEST_PARTITION)
            floor.append(time.perf_counter() - start)
            before = store.calls
            start = time.perf_counter()
            found = find_holdings(store, partitions(), filer)
            ours.append(time.perf_counter() - start)
            calls = store.calls - before
        assert len(found.submission_ids) == 3
        f, o = statistics.median(floor) * 1e3, statistics.median(ours) * 1e3
        print(f"   {citizens:>10} {f:9.1f} {o:8.1f} {o / f:11.2f} {calls:6}")


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        hook_cost(Path(folder))
        print()
        holdings_cost(Path(folder))


if __name__ == "__main__":
    main()
