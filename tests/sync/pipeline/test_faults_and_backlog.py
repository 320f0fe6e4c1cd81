"""Every submission lands exactly once despite 429s, 503s and dropped connections; the backlog
drain puts many submissions in one request and isolates failures per submission."""

from __future__ import annotations

import hashlib
import json
import random
import threading
import uuid
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

from cityzen_connector.dataverse import DataverseClient, HttpRequest, HttpResponse, WsgiTransport
from cityzen_connector.emulator import (
    EmulatorApp,
    EmulatorConfig,
    Faults,
    ProtectionLimits,
    create_app,
)
from cityzen_connector.mapping import MappingSet, PlanContext
from cityzen_connector.messaging import MessageBus, open_bus
from cityzen_connector.models import Submission
from cityzen_connector.store import BlobStore, SubmissionStatuses
from cityzen_connector.sync.pipeline import (
    LookupCache,
    Prepared,
    SubmissionProcessor,
    WorkerDeps,
    drain,
)
from cityzen_connector.testing import FakeClock
from tests.support.transports import CountingTransport
from tests.sync.conftest import PEPPER, MakeSubmission, Rows, make_client, provisioned_app

from .test_worker import QUEUE, run_queue, send


def processor_on(
    client: DataverseClient,
    mappings: MappingSet,
    blobs: BlobStore,
    statuses: SubmissionStatuses,
    deps: WorkerDeps,
    clock: FakeClock,
) -> SubmissionProcessor:
    """A processor like the ``deps`` fixture's, talking through ``client``."""
    return SubmissionProcessor(
        client,
        mappings,
        blobs,
        statuses,
        deps.breaker,
        clock=clock,
        context=PlanContext(pepper=PEPPER),
        lookups=LookupCache(client, clock=clock),
        followup_queue=deps.processor.followups.queue,
    )


def faulty_deps(
    mappings: MappingSet,
    clock: FakeClock,
    database: Path,
    statuses: SubmissionStatuses,
    blobs: BlobStore,
    deps: WorkerDeps,
) -> tuple[WorkerDeps, DataverseClient, CountingTransport]:
    """Provision a database file without faults, then serve it with faults on; the reader
    client sees the same file without faults."""
    provisioned_app(
        mappings, clock, EmulatorConfig(database=str(database), key_activation_seconds=0)
    )
    faulty_app = create_app(
        replace(FAULTS, database=str(database)), clock=clock, rng=random.Random(3)
    )
    reader_app = create_app(EmulatorConfig(database=str(database)), clock=clock)
    transport = CountingTransport(WsgiTransport(faulty_app))
    client = make_client(transport, clock)
    processor = processor_on(client, mappings, blobs, statuses, deps, clock)
    faulty = WorkerDeps(
        deps.bus, QUEUE, processor, deps.breaker, statuses, deps.retry, clock, client.who_am_i
    )
    return faulty, make_client(WsgiTransport(reader_app), clock), transport


@pytest.fixture
def bus(clock: FakeClock) -> MessageBus:
    """Locks outlive the client's waits on 429s (up to its QUEUE_WORK budget), as the
    Functions host's automatic lock renewal (maxAutoLockRenewalDuration, 5 min) provides."""
    return open_bus("memory://", clock=clock, lock_duration=timedelta(minutes=10))


TYPED = ("angela.dubois@example.fr", "+33612345678")  # what the citizen typed, normalised
FAULTS = EmulatorConfig(
    key_activation_seconds=0,
    faults=Faults(error_rate=0.15, drop_rate=0.15),
    protection=ProtectionLimits(window_seconds=300, max_requests=25, max_concurrent=52),
)


@pytest.mark.parametrize("mode", ["one_by_one", "backlog"])
def test_faults_every_submission_lands_exactly_once(
    mode: str,
    mappings: MappingSet,
    clock: FakeClock,
    bus: MessageBus,
    blobs: BlobStore,
    statuses: SubmissionStatuses,
    deps: WorkerDeps,
    make_submission: MakeSubmission,
    tmp_path: Path,
) -> None:
    faulty, reader, transport = faulty_deps(
        mappings, clock, tmp_path / "dataverse.db", statuses, blobs, deps
    )
    submissions = [make_submission(subject=f"Demande {i}") for i in range(30)]
    for submission in submissions:
        send(bus, submission)

    if mode == "one_by_one":
        run_queue(bus, faulty, clock, rounds=400)
    else:
        for _ in range(60):
            drain(faulty, per_batch=7, workers=1)
            clock.advance(120)
            if bus.stats(QUEUE).scheduled == 0 and bus.stats(QUEUE).active == 0:
                break

    rows = Rows(reader)
    cases = rows.all("incidents", "incidentid,cz_submissionid,title")
    assert sorted(c["cz_submissionid"] for c in cases) == sorted(str(s.id) for s in submissions)
    (contact,) = rows.all("contacts", "contactid,emailaddress1,mobilephone")
    assert (contact["emailaddress1"], contact["mobilephone"]) == TYPED  # follow-ups too
    assert len(rows.all("annotations", "annotationid")) == 60
    assert bus.stats(f"{QUEUE}-rejected").active == 0
    assert all(statuses.get(str(s.id)).status == "created" for s in submissions)  # type: ignore[union-attr]
    assert transport.statuses[429] > 0  # throttled, waited out
    assert transport.statuses[503] > 0  # injected errors, retried


def test_backlog_sends_many_submissions_per_request_and_isolates_failures(
    bus: MessageBus,
    deps: WorkerDeps,
    make_submission: MakeSubmission,
    transport: CountingTransport,
    rows: Rows,
    clock: FakeClock,
) -> None:
    good = [make_submission(subject=f"Demande {i}") for i in range(20)]
    extra = make_submission(subject="Encore une")
    for submission in good[:10]:
        send(bus, submission)
    send(bus, extra)
    for submission in good[10:]:
        send(bus, submission)
    deps.processor.process(good[0])  # warm: one citizen, lookups cached
    rows.client.update(
        "incidents",
        {"cz_submissionid": str(good[0].id)},
        {"title": "already there"},
    )
    before = transport.count

    report = drain(deps, per_batch=25, workers=1)

    assert report.received == 21
    assert report.batches == 1
    assert transport.count - before == 1  # 20 change sets (19 new + 1 replay) in one $batch
    assert report.actions["completed"] == 21
    assert report.outcomes == {"Created": 20, "AlreadyDone": 1}
    assert len(rows.all("incidents", "incidentid")) == 21


def test_backlog_reschedules_a_failing_submission_on_its_own(
    bus: MessageBus,
    deps: WorkerDeps,
    make_submission: MakeSubmission,
    rows: Rows,
    transport: CountingTransport,
) -> None:
    ok = [make_submission(subject=f"Demande {i}") for i in range(3)]
    clash = make_submission(subject="Clash")
    # A stray note already holds the id of one of this submission's notes: its change set
    # fails alone (412) and its case does not exist, so it is re-scheduled; the others land.
    prepared = deps.processor.prepare(clash)
    assert isinstance(prepared, Prepared)
    note = prepared.plan.operations[-1]
    rows.client.upsert("annotations", uuid.UUID(str(note.key[0][1])), {"subject": "stray"})
    bad_theme = make_submission(theme="retired", sub_theme="gone")
    for submission in [ok[0], clash, ok[1], bad_theme, ok[2]]:
        send(bus, submission)
    deps.processor.process(make_submission(subject="warm"))
    before = transport.count

    report = drain(deps, per_batch=25, workers=2)

    assert report.received == 5
    assert report.actions == {"completed": 3, "retry_scheduled": 1, "rejected": 1}
    assert transport.count - before == 2  # one $batch, one GET to check the clash's case
    assert bus.stats(f"{QUEUE}-rejected").active == 1
    assert bus.stats(QUEUE).scheduled == 1
    titles = sorted(c["title"] for c in rows.all("incidents", "title"))
    assert titles == ["Demande 0", "Demande 1", "Demande 2", "warm"]


def test_backlog_postpones_everything_while_the_breaker_is_open(
    bus: MessageBus,
    deps: WorkerDeps,
    make_submission: MakeSubmission,
    transport: CountingTransport,
) -> None:
    for i in range(4):
        send(bus, make_submission(subject=f"Demande {i}"))
    deps.breaker.trip("permission_denied", "role removed")
    report = drain(deps)
    assert report.actions == {"postponed": 4}
    assert transport.count == 0
    assert bus.stats(QUEUE).scheduled == 4


def test_backlog_keeps_large_attachments_to_bounded_batches(
    bus: MessageBus,
    deps: WorkerDeps,
    make_submission: MakeSubmission,
    blobs: BlobStore,
    rows: Rows,
) -> None:
    photo = b"\xff" * 3_000_000
    digest = hashlib.sha256(photo).hexdigest()
    for i in range(3):
        submission = make_submission(subject=f"Photos {i}")
        data = json.loads(submission.model_dump_json())
        for attachment in data["attachments"]:
            attachment.update(
                blob_name=blobs.put(photo, media_type="image/jpeg").name,
                size=len(photo),
                sha256=digest,
            )
        send(bus, Submission.model_validate(data))
    deps.processor.process(make_submission(subject="warm"))

    report = drain(deps, per_batch=25, workers=1)

    assert report.outcomes == {"Created": 3}
    assert report.batches == 3  # 2 x 4 MB of base64 each: one submission per request
    assert len(rows.all("annotations", "annotationid")) == 8


class HoldFirstBatch:
    """Once armed, holds the next ``$batch`` (as a 429's ``Retry-After`` would) until
    ``others`` more batches have been answered, and records how many were."""

    def __init__(self, inner: WsgiTransport, others: int) -> None:
        self.inner = inner
        self.others = others
        self.answered = 0
        self.answered_while_held = -1
        self._first = False
        self._lock = threading.Lock()
        self._released = threading.Event()

    def send(self, request: HttpRequest, *, timeout: float) -> HttpResponse:
        if not request.url.endswith("$batch"):
            return self.inner.send(request, timeout=timeout)
        with self._lock:
            held, self._first = self._first, False
        if held:
            # A safety bound so that a regression fails the assertion instead of hanging.
            self._released.wait(timeout=10)
            self.answered_while_held = self.answered
            return self.inner.send(request, timeout=timeout)
        response = self.inner.send(request, timeout=timeout)
        with self._lock:
            self.answered += 1
            if self.answered >= self.others:
                self._released.set()
        return response

    def arm(self) -> None:
        # Count only the batches sent after arming (a warm-up batch before it once made the
        # release come one batch early, and the count racy).
        with self._lock:
            self.answered = 0
            self._first = True


def test_backlog_keeps_sending_while_one_batch_waits(
    app: EmulatorApp,
    bus: MessageBus,
    deps: WorkerDeps,
    mappings: MappingSet,
    blobs: BlobStore,
    statuses: SubmissionStatuses,
    clock: FakeClock,
    make_submission: MakeSubmission,
    rows: Rows,
) -> None:
    holding = HoldFirstBatch(WsgiTransport(app), others=7)
    processor = processor_on(make_client(holding, clock), mappings, blobs, statuses, deps, clock)
    held_deps = replace(deps, processor=processor)
    processor.process(make_submission(subject="warm"))  # lookups cached: only $batch calls
    holding.arm()
    submissions = [make_submission(subject=f"Demande {i}") for i in range(16)]
    for submission in submissions:
        send(bus, submission)

    report = drain(held_deps, per_batch=2, workers=2)

    # The batch that waited blocked neither preparing nor sending the seven others.
    assert holding.answered_while_held == 7
    assert report.batches == 8
    assert report.outcomes == {"Created": 16}
    assert bus.stats(QUEUE).active == 0
    titles = {c["title"] for c in rows.all("incidents", "title")}
    assert titles == {"warm"} | {s.subject for s in submissions}
