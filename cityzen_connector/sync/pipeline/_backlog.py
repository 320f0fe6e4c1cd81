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
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field

from cityzen_connector.dataverse import MAX_BATCH_OPERATIONS, DataverseError
from cityzen_connector.messaging import InvalidMessage, ReceivedMessage

from ._deferred import DeferredFollowup
from ._outcome import ProcessOutcome, classify
from ._processor import CHANGE_SET, Prepared
from ._worker import (
    WorkerDeps,
    WorkerResult,
    follow_up,
    postponed,
    read_work,
    reject_invalid,
    settle,
)


@dataclass
class DrainReport:
    received: int = 0
    batches: int = 0
    actions: Counter[str] = field(default_factory=Counter)
    outcomes: Counter[str] = field(default_factory=Counter)

    def add(self, result: WorkerResult) -> None:
        self.actions[result.action] += 1
        if result.outcome is not None:
            self.outcomes[type(result.outcome).__name__] += 1


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
) -> DrainReport:
    """Process up to ``max_messages`` waiting submissions; every received message is settled
    and completed here.

    Preparing the next batches overlaps with sending earlier ones, and goes on while some
    batches wait out a 429's ``Retry-After``: up to ``ahead`` batches per thread are in flight
    (memory stays bounded: ``MAX_BATCH_BYTES`` each, ``MAX_AHEAD_BYTES`` beyond one per
    thread), so when the window frees up every thread
    has a batch ready at once instead of waiting for this thread to prepare it. Batches are
    settled as they finish, in any order (each message is settled on its own), so one batch
    held by ``Retry-After`` blocks nothing behind it."""
    report = DrainReport()
    threads = max(1, workers or deps.processor.client.limiter.limit)
    cap = max(1, ahead) * threads
    with ThreadPoolExecutor(max_workers=threads) as pool:
        in_flight: dict[Future[list[ProcessOutcome]], _Group] = {}

        def settle_done(*, block: bool) -> None:
            done, _ = wait(
                list(in_flight), timeout=None if block else 0, return_when=FIRST_COMPLETED
            )
            for future in done:
                _settle_group(deps, report, in_flight.pop(future).items, future)

        def submit(group: _Group) -> None:
            report.batches += 1
            in_flight[pool.submit(_send, deps, group.items)] = group
            settle_done(block=False)
            while len(in_flight) > cap or (
                len(in_flight) > threads
                and sum(g.size for g in in_flight.values()) > MAX_AHEAD_BYTES
            ):
                settle_done(block=True)

        while report.received < max_messages:
            messages = deps.bus.receive(
                deps.queue, max_messages=min(page, max_messages - report.received)
            )
            if not messages:
                break
            report.received += len(messages)
            if not deps.breaker.allow(deps.probe):
                for message in messages:
                    _finish(deps, report, message, postponed(message, deps))
                break
            group = _Group(per_batch)
            for message in messages:
                item = _prepare(deps, report, message)
                if item is None:
                    continue
                if group.items and not group.fits(item):
                    submit(group)
                    group = _Group(per_batch)
                group.add(item)
            if group.items:
                submit(group)
        while in_flight:
            settle_done(block=True)
    return report


def _prepare(deps: WorkerDeps, report: DrainReport, message: ReceivedMessage) -> Item | None:
    """The message's prepared change set, or None once the message is settled already (a
    deferred follow-up is run here: a few single calls, no change set to batch)."""
    try:
        work = read_work(message)
    except InvalidMessage as exc:
        _finish(deps, report, message, reject_invalid(message, exc, deps))
        return None
    if isinstance(work, DeferredFollowup):
        _finish(deps, report, message, follow_up(message, work, deps))
        return None
    prepared = deps.processor.prepare(work)
    if not isinstance(prepared, Prepared):
        _finish(deps, report, message, settle(message, prepared, deps))
        return None
    return message, prepared


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


def _settle_group(
    deps: WorkerDeps,
    report: DrainReport,
    group: list[Item],
    future: Future[list[ProcessOutcome]],
) -> None:
    for (message, _), outcome in zip(group, future.result(), strict=True):
        _finish(deps, report, message, settle(message, outcome, deps))


def _finish(
    deps: WorkerDeps, report: DrainReport, message: ReceivedMessage, result: WorkerResult
) -> None:
    deps.bus.complete(message)
    report.add(result)
