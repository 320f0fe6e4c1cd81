"""After a submission failed: sweep dead letters into the status store, replay, purge by retention.

These use only the ``MessageBus`` port and the store ports, so the CLI, the timers and the
local host behave the same on every backend.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Literal

from cityzen_connector.messaging import (
    PROP_ATTEMPT,
    PROP_FIRST_ENQUEUED,
    PROP_ORIGIN_ID,
    PROP_SCHEMA,
    MessageBus,
    MessageLockLostError,
    ReceivedMessage,
    SubQueue,
    copy_of,
    parse_schema_id,
)
from cityzen_connector.models import SUBMISSION_SCHEMA
from cityzen_connector.store import BlobStore, StateStore, SubmissionStatuses

from ._delivery import (
    PROP_LAST_ERROR,
    PROP_REJECTED_AT,
    PROP_REJECTED_REASON,
    rejected_queue,
    submission_id,
)

Source = Literal["deadletter", "rejected"]
_SUBMISSION, _ = parse_schema_id(SUBMISSION_SCHEMA)


def source_of(queue: str, source: Source) -> tuple[str, SubQueue]:
    """Where failed messages of ``queue`` wait: dead-letter sub-queue or ``<queue>-rejected``."""
    return (queue, "deadletter") if source == "deadletter" else (rejected_queue(queue), "main")


def iter_peek(
    bus: MessageBus, queue: str, sub_queue: SubQueue, *, page_size: int = 100
) -> Iterator[ReceivedMessage]:
    """Every message of a (sub-)queue, without locking, page by page."""
    sequence = 0
    while True:
        page = bus.peek(
            queue, max_messages=page_size, sub_queue=sub_queue, from_sequence_number=sequence
        )
        if not page:
            return
        yield from page
        sequence = page[-1].sequence_number + 1


@contextmanager
def _held(bus: MessageBus) -> Iterator[list[ReceivedMessage]]:
    """Messages received but not wanted stay locked until the end, then are released."""
    held: list[ReceivedMessage] = []
    try:
        yield held
    finally:
        for message in held:
            try:
                bus.abandon(message)
            except MessageLockLostError:
                continue  # the lock ran out meanwhile: the message is back anyway


@dataclass
class SweepReport:
    scanned: int = 0
    marked_failed: int = 0


def sweep_dead_letters(
    bus: MessageBus, statuses: SubmissionStatuses, queue: str, *, page_size: int = 100
) -> SweepReport:
    """Mark ``failed`` every submission that Service Bus dead-lettered by itself.

    Messages stay in the dead-letter sub-queue (for replay); only their status changes, so no
    request stays "queued" forever. Submissions already ``created`` or ``failed`` are left alone.
    """
    report = SweepReport()
    for message in iter_peek(bus, queue, "deadletter", page_size=page_size):
        report.scanned += 1
        if message.application_properties.get(PROP_SCHEMA, _SUBMISSION) != _SUBMISSION:
            continue
        current = statuses.get(submission_id(message))
        if current is not None and current.status != "queued":
            continue
        reason = f"dead-lettered: {message.dead_letter_reason or 'unknown reason'}"
        if message.dead_letter_description:
            reason += f" ({message.dead_letter_description})"
        if statuses.mark_failed(submission_id(message), reason=reason):
            report.marked_failed += 1
    return report


@dataclass
class ReplayReport:
    selected: int = 0
    replayed: int = 0
    new_message_ids: list[str] = field(default_factory=list)
    # (failed message id, its copy's id), in the order replayed: what an ops answer lists.
    pairs: list[tuple[str, str]] = field(default_factory=list)


def replay(
    bus: MessageBus,
    queue: str,
    *,
    source: Source,
    message_ids: Collection[str] | None = None,
    dry_run: bool = False,
    statuses: SubmissionStatuses | None = None,
    now: datetime | None = None,
    progress: Callable[[ReplayReport], None] | None = None,
    batch_size: int = 50,
) -> ReplayReport:
    """Send a fresh copy of each selected failed message to ``queue``, then complete the old one.

    The copy gets a new ``message_id`` (a resend keeping the old id would be dropped by duplicate
    detection), attempt 1 and a new backoff horizon. One message at a time: if a send fails,
    the error propagates and every message not yet replayed stays where it was.
    """
    src_queue, sub_queue = source_of(queue, source)
    wanted = None if message_ids is None else set(message_ids)
    report = ReplayReport()
    if dry_run:
        for message in iter_peek(bus, src_queue, sub_queue):
            report.selected += wanted is None or message.message_id in wanted
        return report
    moment = (now or datetime.now(UTC)).astimezone(UTC)
    with _held(bus) as held:
        while wanted is None or wanted:
            batch = bus.receive(src_queue, max_messages=batch_size, sub_queue=sub_queue)
            if not batch:
                break
            held.extend(batch)  # released on any error, so a failure leaves them in place
            for message in batch:
                if wanted is not None and message.message_id not in wanted:
                    continue
                report.selected += 1
                new_id = str(uuid.uuid4())
                fresh = copy_of(
                    message,
                    message_id=new_id,
                    properties={
                        PROP_ATTEMPT: 1,
                        PROP_FIRST_ENQUEUED: moment.isoformat(),
                        PROP_ORIGIN_ID: new_id,
                    },
                    drop=(PROP_REJECTED_REASON, PROP_REJECTED_AT, PROP_LAST_ERROR),
                )
                bus.send(queue, [fresh])
                bus.complete(message)
                held.remove(message)
                if statuses is not None:
                    statuses.mark_queued(submission_id(message))
                if wanted is not None:
                    wanted.discard(message.message_id)
                report.replayed += 1
                report.new_message_ids.append(new_id)
                report.pairs.append((message.message_id, new_id))
                if progress is not None:
                    progress(report)
    return report


def purge_failed_messages(
    bus: MessageBus,
    queue: str,
    *,
    older_than: datetime,
    batch_size: int = 100,
    dead_letters: bool = True,
) -> int:
    """Retention (RGPD): delete dead-lettered and rejected messages enqueued before a date.

    ``dead_letters``: whether ``queue`` itself is on ``bus`` (its dead-letter sub-queue
    purged); false for a queue of another namespace whose ``-rejected`` queue is here."""
    removed = 0
    places: list[tuple[str, SubQueue]] = [
        (rejected_queue(queue), "main"),
        (rejected_queue(queue), "deadletter"),
    ]
    if dead_letters:
        places.insert(0, (queue, "deadletter"))
    for place, sub_queue in places:
        with _held(bus) as held:
            while batch := bus.receive(place, max_messages=batch_size, sub_queue=sub_queue):
                for message in batch:
                    if message.enqueued_time < older_than:
                        bus.complete(message)
                        removed += 1
                    else:
                        held.append(message)
    return removed


@dataclass
class PurgeReport:
    messages: int = 0
    records: int = 0
    blobs: int = 0
    notifications: int = 0  # the local notifier's files (citizens' e-mail/SMS outbox)


def purge_retention(
    bus: MessageBus,
    queue: str,
    store: StateStore,
    blobs: BlobStore,
    *,
    now: datetime,
    retention: timedelta,
) -> PurgeReport:
    """RGPD retention, for the timer and ``cityzen queue purge``.

    Deletes failed (dead-lettered, rejected) messages and blobs older than ``retention``, and
    expired state records. Records expire by themselves (each writer of personal data sets
    ``expires_at``), so long-lived non-personal state (caches, counters) survives.
    """
    cutoff = now - retention
    report = PurgeReport(messages=purge_failed_messages(bus, queue, older_than=cutoff))
    report.records = store.purge(now=now)
    for name in blobs.list_older_than(cutoff):
        report.blobs += blobs.delete(name)
    return report
