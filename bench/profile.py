"""The cost of the citizen's record: reading it, and applying a change without losing an agent's.

One command: ``.venv/bin/python bench/profile.py``. Real ports in-process (the emulator behind
the client's transport seam, the memory store and queue), each state store call delayed by an
Azure-like 10-30 ms (``bench/_latency.py``) and each Dataverse call by 40-120 ms (a Web API
round trip from a Function in the same region, seeded), side by side:

1. ``GET /api/v1/citizens/me``: ours reads the local copy (the identity-key link, then the
   record: two store reads) against a baseline reading the contact from Dataverse on every
   request (one Web API round trip), as a portal proxy without a copy would.
2. Applying a contact change while agents edit the same contacts: ours (read with the ETag,
   decide field by field, ``PATCH`` with ``If-Match``, read again on a 412) against a baseline
   blind ``PATCH`` of the citizen's fields (one round trip). Round trips per change, time per
   change, and the agents' changes each silently overwrote.
"""

from __future__ import annotations

import random
import statistics
import sys
import threading
import time
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from _latency import RoundTrips, SlowStore  # noqa: E402

from cityzen_connector._clock import utc_now  # noqa: E402
from cityzen_connector.citizens import (  # noqa: E402
    Profiles,
    ProfileUpdatePorts,
    handle_profile_update,
)
from cityzen_connector.citizens._profiles import values_of_row  # noqa: E402
from cityzen_connector.citizens._record import ProfileRecord, etag_of, view_of  # noqa: E402
from cityzen_connector.dataverse import (  # noqa: E402
    DataverseClient,
    DataverseConfig,
    HttpRequest,
    HttpResponse,
    RetryPolicy,
    StaticTokenProvider,
    Transport,
    WsgiTransport,
    ops,
)
from cityzen_connector.emulator import EmulatorConfig, create_app, seed  # noqa: E402
from cityzen_connector.mapping import identity_key, load_mappings  # noqa: E402
from cityzen_connector.messaging import open_bus  # noqa: E402
from cityzen_connector.store import open_store  # noqa: E402
from cityzen_connector.sync import apply_provisioning, plan_provisioning  # noqa: E402

CITIZENS = 40
READS = 200
CHANGES = 40
AGENT_EDITS = 0.5  # the share of changes an agent's edit of the same field races
PEPPER = b"bench-pepper"
ISSUER = "https://idp.example.fr"
DV_LOW, DV_HIGH = 0.040, 0.120


class SlowTransport:
    """Each Dataverse call costs an Azure-like round trip (seeded), counted."""

    def __init__(self, inner: Transport, *, seed: int) -> None:
        self.inner = inner
        self.calls = 0
        self._random = random.Random(seed)
        self._lock = threading.Lock()

    def send(self, request: HttpRequest, *, timeout: float) -> HttpResponse:
        with self._lock:
            self.calls += 1
            pause = self._random.uniform(DV_LOW, DV_HIGH)
        time.sleep(pause)
        return self.inner.send(request, timeout=timeout)


def client_of(transport: Transport) -> DataverseClient:
    return DataverseClient(
        DataverseConfig("http://127.0.0.1:7072"),
        transport,
        StaticTokenProvider("bench"),
        retry=RetryPolicy.NO_RETRY,
    )


def town() -> tuple[Any, DataverseClient, list[str]]:
    mappings = load_mappings(ROOT / "mappings")
    emulator = create_app(EmulatorConfig(key_activation_seconds=0))
    seed(emulator)
    agent = client_of(WsgiTransport(emulator))
    plan = plan_provisioning(agent, mappings.schema(), mappings.catalog)
    apply_provisioning(agent, plan, now=time.monotonic, sleep=time.sleep, key_deadline_seconds=5)
    subs = []
    for n in range(CITIZENS):
        sub = f"citizen-{n}"
        agent.create(
            "contacts",
            {
                "lastname": f"Nom{n}",
                "emailaddress1": f"c{n}@example.fr",
                "mobilephone": "+33612345678",
                "address1_city": "Paris",
                "cz_identitykey": identity_key(ISSUER, sub, pepper=PEPPER),
            },
        )
        subs.append(sub)
    return emulator, agent, subs


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[int(len(ordered) * 0.99) - 1]


def reads() -> None:
    emulator, _, subs = town()
    mappings = load_mappings(ROOT / "mappings")
    profile = mappings.profile
    assert profile is not None
    trips = RoundTrips(seed=1, delay=True)
    store = SlowStore(open_store("memory://"), trips)
    transport = SlowTransport(WsgiTransport(emulator), seed=2)
    profiles = Profiles(
        store,
        client_of(transport),
        profile,
        open_bus("memory://"),
        "profile-updates",
        pepper=PEPPER,
        clock=utc_now,
        retention=timedelta(days=400),
    )
    for sub in subs:  # every citizen opened their record once
        profiles.read(ISSUER, sub)
    base_transport = SlowTransport(WsgiTransport(emulator), seed=2)
    base_client = client_of(base_transport)

    def baseline(sub: str) -> None:
        key = identity_key(ISSUER, sub, pepper=PEPPER)
        row = base_client.execute(
            ops.retrieve(
                profile.entity_set,
                {profile.key_column: key},
                select=(profile.primary_id, "versionnumber", *profile.columns()),
            )
        )
        record = ProfileRecord(uuid.UUID(row[profile.primary_id]), key, values_of_row(profile, row))
        etag_of(view_of(record, profile))

    def timed(run: Callable[[str], object]) -> list[float]:
        rng = random.Random(3)
        samples = []
        for _ in range(READS):
            start = time.perf_counter()
            run(rng.choice(subs))
            samples.append(time.perf_counter() - start)
        return samples

    before_store, before_dv = dict(trips.counts), transport.calls
    ours = timed(lambda sub: profiles.read(ISSUER, sub))
    store_reads = (trips.counts["store read"] - before_store.get("store read", 0)) / READS
    dv_ours = (transport.calls - before_dv) / READS
    base = timed(baseline)
    dv_base = base_transport.calls / READS
    (o50, o99), (b50, b99) = percentiles(ours), percentiles(base)
    print(f"1. GET /api/v1/citizens/me, {READS} reads of {CITIZENS} records")
    print(f"{'':28}{'ours (copy)':>16}{'baseline (Dataverse)':>24}{'ours/baseline':>16}")
    print(f"{'Dataverse calls per read':28}{dv_ours:>16.2f}{dv_base:>24.2f}{'':>16}")
    print(f"{'store reads per read':28}{store_reads:>16.2f}{0:>24.2f}{'':>16}")
    print(f"{'p50 ms':28}{o50 * 1000:>16.1f}{b50 * 1000:>24.1f}{o50 / b50:>16.2f}")
    print(f"{'p99 ms':28}{o99 * 1000:>16.1f}{b99 * 1000:>24.1f}{o99 / b99:>16.2f}")


def changes() -> None:
    emulator, agent, subs = town()
    mappings = load_mappings(ROOT / "mappings")
    profile = mappings.profile
    assert profile is not None
    rng = random.Random(4)
    racing = [rng.random() < AGENT_EDITS for _ in range(CHANGES)]

    # -- ours: queued, read with the ETag, conditional PATCH ------------------------------------
    transport = SlowTransport(WsgiTransport(emulator), seed=5)
    client = client_of(transport)
    bus = open_bus("memory://")
    store = open_store("memory://")
    profiles = Profiles(
        store,
        client,
        profile,
        bus,
        "profile-updates",
        pepper=PEPPER,
        clock=utc_now,
        retention=timedelta(days=400),
    )
    mark_reads = [0]

    def erased_at(key: str) -> datetime | None:
        """The erasure's mark (rgpd), as the container wires it: one store read when asked."""
        mark_reads[0] += 1
        store.get("rgpd-erased", key)
        return None

    ports = ProfileUpdatePorts(
        bus=bus,
        queue="profile-updates",
        client=client,
        profiles=profiles,
        clock=utc_now,
        erased_at=erased_at,
    )
    ours_lost = ours_conflicts = 0
    ours_times: list[float] = []
    worker_calls = 0
    for n in range(CHANGES):
        sub = subs[n % CITIZENS]
        _, etag = profiles.read(ISSUER, sub)
        profiles.change(ISSUER, sub, {"contact": {"phone": f"07000000{n:02d}"}}, etag)
        record = profiles.of_contact(_contact(agent, sub, profile))
        assert record is not None
        if racing[n]:  # an agent corrects the phone while the change waits in the queue
            agent.update("contacts", record.contact_id, {"mobilephone": f"+3314500{n:04d}"})
        [message] = bus.receive("profile-updates", max_messages=1)
        start, calls = time.perf_counter(), transport.calls
        result = handle_profile_update(message, ports)
        ours_times.append(time.perf_counter() - start)
        worker_calls += transport.calls - calls
        bus.complete(message)
        ours_conflicts += bool(result.conflicts)
        if (
            racing[n]
            and agent.retrieve("contacts", record.contact_id)["mobilephone"] != f"+3314500{n:04d}"
        ):
            ours_lost += 1
    ours_calls = worker_calls / CHANGES

    # -- baseline: a blind PATCH by key --------------------------------------------------------
    base_transport = SlowTransport(WsgiTransport(emulator), seed=5)
    base_client = client_of(base_transport)
    base_lost = 0
    base_times: list[float] = []
    for n in range(CHANGES):
        sub = subs[n % CITIZENS]
        key = identity_key(ISSUER, sub, pepper=PEPPER)
        contact = _contact(agent, sub, profile)
        if racing[n]:
            agent.update("contacts", contact, {"mobilephone": f"+3314600{n:04d}"})
        start = time.perf_counter()
        base_client.update(
            profile.entity_set, {profile.key_column: key}, {"mobilephone": f"+337100000{n:02d}"}
        )
        base_times.append(time.perf_counter() - start)
        if racing[n] and agent.retrieve("contacts", contact)["mobilephone"] != f"+3314600{n:04d}":
            base_lost += 1
    base_calls = base_transport.calls / CHANGES
    races = sum(racing)
    (o50, o99), (b50, b99) = percentiles(ours_times), percentiles(base_times)
    print()
    print(f"2. applying {CHANGES} contact changes, {races} raced by an agent's edit of the field")
    print(f"{'':28}{'ours (If-Match)':>16}{'baseline (blind)':>24}{'ours/baseline':>16}")
    ratio = ours_calls / base_calls
    print(f"{'Dataverse calls per change':28}{ours_calls:>16.2f}{base_calls:>24.2f}{ratio:>16.2f}")
    marks = mark_reads[0] / CHANGES
    print(f"{'erasure-mark reads / change':28}{marks:>16.2f}{0:>24.2f}{'':>16}")
    print(f"{'p50 ms per change':28}{o50 * 1000:>16.1f}{b50 * 1000:>24.1f}{o50 / b50:>16.2f}")
    print(f"{'p99 ms per change':28}{o99 * 1000:>16.1f}{b99 * 1000:>24.1f}{o99 / b99:>16.2f}")
    print(f"{'agents changes lost':28}{ours_lost:>16}{base_lost:>24}{'':>16}")
    print(f"{'conflicts reported':28}{ours_conflicts:>16}{0:>24}{'':>16}")


def _contact(agent: DataverseClient, sub: str, profile: Any) -> uuid.UUID:
    key = identity_key(ISSUER, sub, pepper=PEPPER)
    row = agent.retrieve(
        profile.entity_set, {profile.key_column: key}, select=(profile.primary_id,)
    )
    return uuid.UUID(row[profile.primary_id])


if __name__ == "__main__":
    reads()
    changes()
