"""Backlog drain: after an outage, many submissions per request.

Messages are received in pages; each submission becomes its own change set, and up to
``per_batch`` change sets travel in ONE ``$batch`` with ``Prefer: odata.continue-on-error``, so a
failed change set (one submission) does not stop the others ("Execute batch operations using the
Web API": change sets are atomic, independent of each other). Each message is then settled on
its own — completed, re-scheduled or rejected — exactly as the single-message worker would.

Batches are sent from a small thread pool; the client's limiter caps requests in flight at the
lowest of its configuration and Dataverse's ``x-ms-dop-hint``, and its retry policy waits out
429s for exactly ``Retry-After`` ("Service protection API limits"), so the drain runs at the
pace the service allows.

That pace may be slower than the queue's peek-lock: a throttled ``$batch`` can wait minutes.
The drain therefore renews the lock of every message it holds until it settles it
(``messaging.LockRenewer``; "Message transfers, locks, and settlement", Renew locks), holds
what it can settle within about half a lock (``_pace.Pace``), and settles message by
message: a lock lost anyway (another consumer took the message, the process was paused) is
logged with the message's ids and leaves that message to its next delivery. It never ends the
run, and it is counted in the report.
https://learn.microsoft.com/azure/service-bus-messaging/message-transfers-locks-settlement
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from functools import partial

from cityzen_connector._clock import SYSTEM_MONOTONIC, MonotonicClock
from cityzen_connector.dataverse import MAX_BATCH_OPERATIONS, DataverseError
from cityzen_connector.messaging import (
    InvalidMessage,
    LockRenewer,
    MessageLockLostError,
    MessagingError,
    ReceivedMessage,
)
from cityzen_connector.models import CaseMessagePayload

from ._deferred import DeferredFollowup
from ._outcome import ProcessOutcome, classify
from ._pace import DrainProgress, DrainReport, Pace
from ._processor import CHANGE_SET, Prepared
from ._worker import (
    WorkerDeps,
    WorkerResult,
    follow_up,
    postponed,
    read_work,
    reject_invalid,
    settle,
    write_message,
)

Item = tuple[ReceivedMessage, Prepared]


# Our own bound on one $batch body (attachments travel base64 inside it): it keeps the memory
# of a drain and the cost of a repeated batch small. A larger submission goes alone.
MAX_BATCH_BYTES = 8 * 1024 * 1024
# Batches prepared ahead hold their attachments' bytes: beyond this (and one batch per thread)
# the drain waits for batches to finish before preparing more.
MAX_AHEAD_BYTES = 64 * 1024 * 1024
_OPERATION_BYTES = 2048  # JSON columns and MIME headers of one operation, roughly


def weight(prepared: Prepared) -> int:
    """Approximate bytes of a change set on the wire (base64 is 4/3 of the bytes)."""
    blobs = sum(c.size for op in prepared.plan.operations for c in op.blobs.values())
    return blobs * 4 // 3 + _OPERATION_BYTES * len(prepared.requests)


def _send(deps: WorkerDeps, group: Sequence[Item]) -> list[ProcessOutcome]:
    processor = deps.processor
    change_sets = []
    offset = 0
    for _, prepared in group:
        change_sets.append(prepared.change_set(offset))
        offset += len(prepared.requests)
    try:
        result = processor.client.execute_batch(change_sets, continue_on_error=True)
    except DataverseError as exc:
        failure = classify(exc, what=CHANGE_SET)
        return [processor.record(prepared.submission_id, failure) for _, prepared in group]
    outcomes: list[ProcessOutcome] = []
    start = 0
    for _, prepared in group:
        size = len(prepared.requests)
        outcomes.append(processor.finish(prepared, result.results[start : start + size]))
        start += size
    return outcomes


def drain(
    deps: WorkerDeps,
    *,
    max_messages: int = 1000,
    per_batch: int = 25,
    page: int = 250,
    workers: int | None = None,
    ahead: int = 4,
    clock: MonotonicClock = SYSTEM_MONOTONIC,
    progress: Callable[[DrainProgress], None] | None = None,
    progress_every: float = 0.0,
) -> DrainReport:
    """Process up to ``max_messages`` waiting submissions; every received message is settled
    here, or left to its next delivery when its lock was lost.

    Preparing the next batches overlaps with sending earlier ones, and goes on while some
    batches wait out a 429's ``Retry-After``: up to ``ahead`` batches per thread are in flight
    (memory stays bounded: ``MAX_BATCH_BYTES`` each, ``MAX_AHEAD_BYTES`` beyond one per
    thread), so when the window frees up every thread has a batch ready at once. Batches are
    settled as they finish, in any order, so one batch held by ``Retry-After`` blocks nothing.

    Locks are renewed until their message is settled; the drain holds what settles within half
    a lock at the rate seen so far (``Pace``), receiving at most ``page`` at once.
    ``progress`` is called after settled batches, at most every ``progress_every`` seconds of
    ``clock``."""
    threads = max(1, workers or deps.processor.client.limiter.limit)
    cap = max(1, ahead) * threads
    pace = Pace(
        clock,
        batch=per_batch,
        start=threads * per_batch,
        ceiling=cap * per_batch + page,
        every=progress_every,
    )
    with LockRenewer(deps.bus, clock=clock, wall=deps.clock, logger=deps.logger) as locks:
        run = _Drain(
            deps, locks, pace, progress, per_batch=per_batch, page=page, threads=threads, cap=cap
        )
        try:
            with ThreadPoolExecutor(max_workers=threads) as pool:
                run.run(pool, max_messages)
        finally:
            run.report.lock_renewals = locks.renewals
    return run.report


class _Drain:
    """One drain's state; its methods run on the calling thread only (the pool sends)."""

    def __init__(
        self,
        deps: WorkerDeps,
        locks: LockRenewer,
        pace: Pace,
        progress: Callable[[DrainProgress], None] | None,
        *,
        per_batch: int,
        page: int,
        threads: int,
        cap: int,
    ) -> None:
        self.deps = deps
        self.locks = locks
        self.pace = pace
        self.progress = progress
        self.per_batch = per_batch
        self.threads = threads
        self.cap = cap
        self.page = page
        self.report = DrainReport()
        self.in_flight: dict[Future[list[ProcessOutcome]], _Group] = {}

    def run(self, pool: ThreadPoolExecutor, max_messages: int) -> None:
        deps, report = self.deps, self.report
        while report.received < max_messages:
            budget = self.pace.budget(report.settled, self.locks.lock_seconds)
            if self.in_flight and self.held() + self.per_batch > budget:
                self.settle_done(block=True)  # no room for one more batch within the lock
                continue
            room = max(self.per_batch, budget - self.held()) // self.per_batch * self.per_batch
            messages = deps.bus.receive(
                deps.queue, max_messages=min(room, self.page, max_messages - report.received)
            )
            if not messages:
                break
            self.locks.hold(messages)
            report.received += len(messages)
            report.redelivered += sum(1 for m in messages if m.delivery_count > 1)
            if not deps.breaker.allow(deps.probe):
                for message in messages:
                    self.finish(message, partial(postponed, message, deps))
                break
            group = _Group(self.per_batch)
            for message in messages:
                item = self.prepare(message)
                if item is None:
                    continue
                if group.items and not group.fits(item):
                    self.submit(pool, group)
                    group = _Group(self.per_batch)
                group.add(item)
            if group.items:
                self.submit(pool, group)
        while self.in_flight:
            self.settle_done(block=True)

    def held(self) -> int:
        """Received and neither settled nor lost: the locks being renewed."""
        return self.report.received - self.report.settled - self.report.lock_lost

    def prepare(self, message: ReceivedMessage) -> Item | None:
        """The message's prepared change set, or None once the message is settled already (a
        deferred follow-up is run here: a few single calls, no change set to batch)."""
        deps = self.deps
        try:
            work = read_work(message)
        except InvalidMessage as exc:
            self.finish(message, partial(reject_invalid, message, exc, deps))
            return None
        if isinstance(work, DeferredFollowup):
            self.finish(message, partial(follow_up, message, work, deps))
            return None
        if isinstance(work, CaseMessagePayload):  # a citizen's message: its own change set
            self.finish(message, partial(write_message, message, work, deps))
            return None
        prepared = deps.processor.prepare(work)
        if not isinstance(prepared, Prepared):
            self.finish(message, partial(settle, message, prepared, deps))
            return None
        return message, prepared

    def submit(self, pool: ThreadPoolExecutor, group: _Group) -> None:
        self.report.batches += 1
        self.in_flight[pool.submit(_send, self.deps, group.items)] = group
        self.settle_done(block=False)
        while len(self.in_flight) > self.cap or (
            len(self.in_flight) > self.threads
            and sum(g.size for g in self.in_flight.values()) > MAX_AHEAD_BYTES
        ):
            self.settle_done(block=True)

    def settle_done(self, *, block: bool) -> None:
        done, _ = wait(
            list(self.in_flight), timeout=None if block else 0, return_when=FIRST_COMPLETED
        )
        for future in done:
            items = self.in_flight.pop(future).items
            for (message, _), outcome in zip(items, future.result(), strict=True):
                self.finish(message, partial(settle, message, outcome, self.deps))
            self.tick()

    def finish(self, message: ReceivedMessage, decide: Callable[[], WorkerResult]) -> None:
        """Settle one message: send what its outcome calls for (``decide``), then complete it.
        A lock lost on the way leaves the message to its next delivery; its writes being
        idempotent, that delivery finds them done."""
        if not self.locks.release(message):
            self.report.lock_lost += 1  # the renewer has logged it
            return
        result = decide()
        try:
            self.deps.bus.complete(message)
        except MessageLockLostError:
            self.report.lock_lost += 1
            self.deps.logger.warning(
                "message %s #%d: lock lost before completion, left to its next delivery",
                message.message_id,
                message.sequence_number,
            )
            return
        self.report.add(result)

    def tick(self) -> None:
        if self.progress is None or not self.pace.report_due():
            return
        report = self.report
        try:
            remaining: int | None = self.deps.bus.stats(self.deps.queue).active
        except (MessagingError, OSError):  # e.g. Service Bus without its administration client
            remaining = None
        self.progress(
            DrainProgress(
                report.settled, self.held(), remaining, report.lock_lost, self.pace.elapsed()
            )
        )


class _Group:
    """The change sets of one ``$batch`` being filled, with running totals: re-summing the
    group for every candidate made filling a batch quadratic, on the thread that also
    prepares every submission (the drain's bottleneck)."""

    def __init__(self, per_batch: int) -> None:
        self.per_batch = per_batch
        self.items: list[Item] = []
        self.operations = 0
        self.size = 0

    def fits(self, item: Item) -> bool:
        return (
            len(self.items) < self.per_batch
            and self.operations + len(item[1].requests) <= MAX_BATCH_OPERATIONS
            and self.size + weight(item[1]) <= MAX_BATCH_BYTES
        )

    def add(self, item: Item) -> None:
        self.items.append(item)
        self.operations += len(item[1].requests)
        self.size += weight(item[1])
