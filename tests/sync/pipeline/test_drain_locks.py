"""The backlog drain under a slow or throttled Dataverse: batches that take longer than the
queue's peek-lock keep their messages (the drain renews the locks), pages shrink to what settles
within the lock, a lock lost anyway costs one redelivery and never the run, and progress is
reported as the drain goes."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime, timedelta

import pytest

from cityzen_connector.dataverse import HttpRequest, HttpResponse, WsgiTransport
from cityzen_connector.emulator import EmulatorApp
from cityzen_connector.mapping import MappingSet
from cityzen_connector.messaging import (
    MessageBus,
    MessageLockLostError,
    OutgoingMessage,
    QueueStats,
    ReceivedMessage,
    SubQueue,
    open_bus,
)
from cityzen_connector.store import BlobStore, SubmissionStatuses
from cityzen_connector.sync.pipeline import DrainProgress, WorkerDeps, drain
from cityzen_connector.testing import FakeClock
from tests.sync.conftest import MakeSubmission, Rows, make_client

from .test_faults_and_backlog import processor_on
from .test_worker import QUEUE, send

LOCK = timedelta(seconds=10)


class LockLedger(MessageBus):
    """A real embedded bus that keeps the books of the locks its consumer holds (what Service
    Bus knows of them): the expiry of every lock held, the size of every page received, the
    most locks held at once, the renewals. ``taken`` names correlation ids whose lock another
    consumer took: settling them fails with ``MessageLockLostError``, as on Service Bus."""

    def __init__(self, inner: MessageBus, clock: FakeClock) -> None:
        self.inner = inner
        self.clock = clock
        self.taken: set[str] = set()
        self.pages: list[int] = []
        self.most_held = 0
        self.renewals = 0
        self._locks: dict[str, datetime] = {}
        self._mutex = threading.Lock()

    def send(self, queue: str, messages: Sequence[OutgoingMessage]) -> None:
        self.inner.send(queue, messages)

    def receive(
        self,
        queue: str,
        *,
        max_messages: int = 1,
        max_wait_seconds: float = 0.0,
        sub_queue: SubQueue = "main",
    ) -> list[ReceivedMessage]:
        # Received and booked at once: time cannot move past a lock the books do not show yet.
        with self._mutex:
            got = self.inner.receive(
                queue,
                max_messages=max_messages,
                max_wait_seconds=max_wait_seconds,
                sub_queue=sub_queue,
            )
            if got:
                self.pages.append(len(got))
            for message in got:
                assert message.locked_until is not None
                self._locks[message.lock_token] = message.locked_until
            self.most_held = max(self.most_held, len(self._locks))
        return got

    def _settle(self, message: ReceivedMessage, settle: Callable[[], None]) -> None:
        if message.correlation_id in self.taken:
            raise MessageLockLostError(f"lock lost on message #{message.sequence_number}")
        settle()
        # Off the books once settled, not before: time must not run past it meanwhile.
        with self._mutex:
            self._locks.pop(message.lock_token, None)

    def complete(self, message: ReceivedMessage) -> None:
        self._settle(message, lambda: self.inner.complete(message))

    def abandon(self, message: ReceivedMessage) -> None:
        self._settle(message, lambda: self.inner.abandon(message))

    def dead_letter(self, message: ReceivedMessage, *, reason: str, description: str) -> None:
        self._settle(
            message,
            lambda: self.inner.dead_letter(message, reason=reason, description=description),
        )

    def renew_lock(self, message: ReceivedMessage) -> datetime:
        if message.correlation_id in self.taken:
            raise MessageLockLostError(f"lock lost on message #{message.sequence_number}")
        until = self.inner.renew_lock(message)
        with self._mutex:
            self._locks[message.lock_token] = until
            self.renewals += 1
        return until

    def peek(
        self,
        queue: str,
        *,
        max_messages: int = 10,
        sub_queue: SubQueue = "main",
        from_sequence_number: int = 0,
    ) -> list[ReceivedMessage]:
        return self.inner.peek(
            queue,
            max_messages=max_messages,
            sub_queue=sub_queue,
            from_sequence_number=from_sequence_number,
        )

    def stats(self, queue: str) -> QueueStats:
        return self.inner.stats(queue)

    def shortest_lock_left(self) -> float | None:
        now = self.clock()
        with self._mutex:
            lefts = [(u - now).total_seconds() for u in self._locks.values() if u > now]
        return min(lefts, default=None)


class SlowBatches:
    """Dataverse taking ``seconds`` (of the test's clock) to answer each ``$batch``, as a
    throttled or overloaded organisation does.

    Time moves in steps of one second, or half the shortest lock left when that is less, so
    a consumer renewing its locks at about half their time always gets its turn before they
    run out; a consumer that renews nothing loses them after ``patience`` real seconds at
    most (it must fail, not hang)."""

    def __init__(
        self, inner: WsgiTransport, clock: FakeClock, ledger: LockLedger, seconds: float
    ) -> None:
        self.inner = inner
        self.clock = clock
        self.ledger = ledger
        self.seconds = seconds
        self.patience = 2.0
        self._stepping = threading.Lock()

    def send(self, request: HttpRequest, *, timeout: float) -> HttpResponse:
        if request.url.endswith("$batch"):
            self._take(self.seconds)
        return self.inner.send(request, timeout=timeout)

    def _take(self, seconds: float) -> None:
        to_go = seconds
        give_up = time.monotonic() + self.patience
        while to_go > 0:
            with self._stepping:  # one step at a time, whichever thread takes it
                step = min(1.0, to_go)
                left = self.ledger.shortest_lock_left()
                waiting = left is not None and left <= step and time.monotonic() < give_up
                if waiting and left is not None:
                    step = left / 2  # the renewer's turn comes before the lock runs out
                else:
                    give_up = time.monotonic() + self.patience
                self.clock.advance(step)
                to_go -= step
            if waiting:
                time.sleep(0.001)


@pytest.fixture
def ledger(clock: FakeClock) -> LockLedger:
    return LockLedger(open_bus("memory://", clock=clock, lock_duration=LOCK), clock)


def slow_deps(
    app: EmulatorApp,
    ledger: LockLedger,
    deps: WorkerDeps,
    mappings: MappingSet,
    blobs: BlobStore,
    statuses: SubmissionStatuses,
    clock: FakeClock,
    make_submission: MakeSubmission,
    seconds: float,
) -> WorkerDeps:
    """``deps`` on the ledger bus, with a Dataverse answering each ``$batch`` in ``seconds``;
    the processor is warm (lookups cached), so only ``$batch`` calls remain."""
    transport = SlowBatches(WsgiTransport(app), clock, ledger, seconds)
    processor = processor_on(make_client(transport, clock), mappings, blobs, statuses, deps, clock)
    processor.process(make_submission(subject="warm"))
    return replace(deps, bus=ledger, processor=processor)


def test_batches_slower_than_the_lock_land_every_case_exactly_once(
    app: EmulatorApp,
    ledger: LockLedger,
    deps: WorkerDeps,
    mappings: MappingSet,
    blobs: BlobStore,
    statuses: SubmissionStatuses,
    clock: FakeClock,
    make_submission: MakeSubmission,
    rows: Rows,
) -> None:
    slow = slow_deps(app, ledger, deps, mappings, blobs, statuses, clock, make_submission, 15)
    submissions = [make_submission(subject=f"Demande {i}") for i in range(30)]
    for submission in submissions:
        send(ledger, submission)

    # Each $batch takes 15 s against a 10 s lock: without renewals every lock runs out.
    report = drain(slow, per_batch=5, workers=1, clock=clock)

    assert report.actions == {"completed": 30}
    assert report.outcomes == {"Created": 30}
    assert report.lock_lost == 0
    assert report.lock_renewals > 0
    assert ledger.renewals == report.lock_renewals
    stats = ledger.stats(QUEUE)
    assert (stats.active, stats.locked, stats.scheduled) == (0, 0, 0)
    titles = sorted(c["title"] for c in rows.all("incidents", "title"))
    assert titles == sorted(["warm", *(s.subject for s in submissions)])


def test_a_slow_dataverse_makes_the_drain_hold_fewer_messages(
    app: EmulatorApp,
    ledger: LockLedger,
    deps: WorkerDeps,
    mappings: MappingSet,
    blobs: BlobStore,
    statuses: SubmissionStatuses,
    clock: FakeClock,
    make_submission: MakeSubmission,
) -> None:
    slow = slow_deps(app, ledger, deps, mappings, blobs, statuses, clock, make_submission, 15)
    for i in range(40):
        send(ledger, make_submission(subject=f"Demande {i}"))

    report = drain(slow, per_batch=5, workers=2, clock=clock)

    # Five submissions per 15 s per thread settle well under one batch per thread within half
    # a 10 s lock: the drain holds one batch per thread, not the 40 waiting messages.
    assert ledger.most_held == 10
    assert report.actions == {"completed": 40}
    assert report.lock_lost == 0


def test_a_fast_dataverse_lets_the_drain_take_whole_pages(
    ledger: LockLedger,
    deps: WorkerDeps,
    make_submission: MakeSubmission,
    clock: FakeClock,
) -> None:
    fast = replace(deps, bus=ledger)
    deps.processor.process(make_submission(subject="warm"))
    for i in range(30):
        send(ledger, make_submission(subject=f"Demande {i}"))

    report = drain(fast, per_batch=2, workers=1, page=10, clock=clock)

    # One batch per thread until a rate is known; then (no time passes at all) whole pages.
    assert ledger.pages[0] == 2
    assert max(ledger.pages) == 10
    assert report.actions == {"completed": 30}


def test_a_lock_taken_by_another_consumer_costs_one_redelivery_not_the_run(
    ledger: LockLedger,
    deps: WorkerDeps,
    make_submission: MakeSubmission,
    rows: Rows,
    clock: FakeClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    on_ledger = replace(deps, bus=ledger)
    deps.processor.process(make_submission(subject="warm"))
    submissions = [make_submission(subject=f"Demande {i}") for i in range(5)]
    for submission in submissions:
        send(ledger, submission)
    victim = submissions[2]
    ledger.taken.add(str(victim.id))

    with caplog.at_level(logging.WARNING):
        report = drain(on_ledger, per_batch=25, workers=1, clock=clock)

    assert report.received == 5
    assert report.actions == {"completed": 4}
    assert report.lock_lost == 1
    (line,) = [r.getMessage() for r in caplog.records if "lock lost" in r.getMessage()]
    assert "#3" in line  # the message's sequence number: ids only
    name = victim.citizen.family_name
    assert name
    assert name not in caplog.text
    assert victim.subject not in caplog.text
    assert ledger.stats(QUEUE).locked == 1  # left to its next delivery

    # The other consumer gave up; the lock runs out and the message comes back.
    ledger.taken.clear()
    clock.advance(LOCK.total_seconds() + 1)
    again = drain(on_ledger, per_batch=25, workers=1, clock=clock)

    assert again.received == 1
    assert again.redelivered == 1
    assert again.outcomes == {"AlreadyDone": 1}
    assert again.lock_lost == 0
    ids = sorted(c["cz_submissionid"] for c in rows.all("incidents", "cz_submissionid"))
    assert len(ids) == 6  # warm + five, the victim's case once
    assert ids.count(str(victim.id)) == 1


def test_progress_says_what_is_done_what_waits_and_the_rate(
    app: EmulatorApp,
    ledger: LockLedger,
    deps: WorkerDeps,
    mappings: MappingSet,
    blobs: BlobStore,
    statuses: SubmissionStatuses,
    clock: FakeClock,
    make_submission: MakeSubmission,
) -> None:
    slow = slow_deps(app, ledger, deps, mappings, blobs, statuses, clock, make_submission, 4)
    for i in range(20):
        send(ledger, make_submission(subject=f"Demande {i}"))
    seen: list[DrainProgress] = []

    drain(slow, per_batch=5, workers=1, page=5, clock=clock, progress=seen.append)

    # One report per $batch settled: every message is done, in flight, or waiting.
    assert [p.done for p in seen] == [5, 10, 15, 20]
    for p in seen:
        assert p.remaining is not None
        assert p.done + p.in_flight + p.remaining == 20
        assert p.rate == pytest.approx(p.done / p.elapsed)
        assert p.lock_lost == 0
    last = seen[-1]
    assert (last.in_flight, last.remaining) == (0, 0)
    assert last.elapsed == 16  # four $batch requests of 4 s each
    assert last.rate == 1.25
