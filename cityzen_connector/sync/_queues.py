"""The connector's queues as ops see them: counts, failed messages listed by metadata, replays.

``ConnectorQueues`` serves the ops routes of the API. Failed messages wait in two places per
queue: its dead-letter sub-queue (Service Bus moved them: too many deliveries, expired) and
``<queue>-rejected`` (our code refused them, with a reason). Listing peeks, never receives: it
locks nothing and changes no delivery count. Replaying is the pipeline's ``replay``, the same
use case ``cityzen queue dead replay`` runs; the messages to replay are found by peeking first,
so ids no longer there are reported as not found without receiving (and releasing) the rest of
the queue.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from cityzen_connector._clock import WallClock
from cityzen_connector.messaging import PROP_SCHEMA, PROP_VERSION, MessageBus, ReceivedMessage
from cityzen_connector.messaging import MessagingError as _MessagingError
from cityzen_connector.models import (
    DeadLetter,
    DeadLetterPage,
    DeadLetterSource,
    QueueRole,
    QueuesView,
    QueueView,
    ReplayedMessage,
    ReplayResult,
    SourceChoice,
)
from cityzen_connector.store import SubmissionStatuses
from cityzen_connector.sync.pipeline import (
    PROP_REJECTED_REASON,
    ReplayReport,
    rejected_queue,
    replay,
    source_of,
)

from ._errors import ReplayInterruptedError, UnknownQueueError

logger = logging.getLogger(__name__)

_ORDER: tuple[DeadLetterSource, ...] = ("deadletter", "rejected")
_SOURCES: dict[SourceChoice, tuple[DeadLetterSource, ...]] = {
    "deadletter": ("deadletter",),
    "rejected": ("rejected",),
    "all": _ORDER,
}
_MAX_TEXT = 256  # reasons are our code's log-safe summaries or Service Bus's; bounded anyway
_PEEK_PAGE = 100


@dataclass(frozen=True)
class ConnectorQueue:
    """One queue the connector uses; ``statuses``: the status records a replay sets back to
    ``queued`` (the submissions queue only; a webhook or a case event has none)."""

    name: str
    role: QueueRole
    statuses: SubmissionStatuses | None = None


@dataclass(frozen=True)
class Position:
    """Where a page starts: a source and a sequence number in it (``page_token`` on the wire)."""

    source: DeadLetterSource
    sequence: int

    @classmethod
    def parse(cls, token: str | None) -> Position:
        if not token:
            return cls("deadletter", 0)
        source, _, number = token.partition(":")
        if source not in _ORDER or not number.isdigit():
            raise ValueError("page_token is not one this API gave")
        return cls("deadletter" if source == "deadletter" else "rejected", int(number))

    def token(self) -> str:
        return f"{self.source}:{self.sequence}"


class ConnectorQueues:
    """Counts, listing and replay over the queues the connector uses."""

    def __init__(
        self, bus: MessageBus, queues: Sequence[ConnectorQueue], *, clock: WallClock
    ) -> None:
        self._bus = bus
        self._queues = {queue.name: queue for queue in queues}
        self._clock = clock

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(self._queues)

    def queue(self, name: str) -> ConnectorQueue:
        found = self._queues.get(name)
        if found is None:
            raise UnknownQueueError(name)
        return found

    def stats(self) -> QueuesView:
        """Every queue's counts; one the bus cannot count is ``unavailable``, the rest still
        answer (Service Bus needs the Manage right for counts: a namespace may refuse one)."""
        return QueuesView(
            checked_at=self._clock(), queues=[self._stats(q) for q in self._queues.values()]
        )

    def _stats(self, queue: ConnectorQueue) -> QueueView:
        rejected = rejected_queue(queue.name)
        try:
            main, other = self._bus.stats(queue.name), self._bus.stats(rejected)
        except (_MessagingError, OSError) as exc:
            logger.warning("queue counts unavailable: queue=%s %s", queue.name, type(exc).__name__)
            return QueueView(
                name=queue.name, role=queue.role, state="unavailable", rejected_queue=rejected
            )
        return QueueView(
            name=queue.name,
            role=queue.role,
            state="ok",
            active=main.active,
            scheduled=main.scheduled,
            locked=main.locked,
            dead_letter=main.dead_letter,
            rejected_queue=rejected,
            rejected=other.active + other.scheduled + other.locked,
        )

    def dead_letters(
        self,
        name: str,
        *,
        source: SourceChoice = "all",
        page_size: int = 50,
        page_token: str | None = None,
    ) -> DeadLetterPage:
        """One page of failed messages, oldest first: the dead-letter sub-queue, then
        ``<queue>-rejected``. ``page_token`` (from the previous page) says where to go on."""
        queue = self.queue(name)
        start = Position.parse(page_token)
        items: list[DeadLetter] = []
        next_position: Position | None = None
        for src in _SOURCES[source]:
            if _ORDER.index(src) < _ORDER.index(start.source):
                continue
            sequence = start.sequence if src == start.source else 0
            place, sub_queue = source_of(queue.name, src)
            while len(items) < page_size:
                batch = self._bus.peek(
                    place,
                    max_messages=min(page_size - len(items), _PEEK_PAGE),
                    sub_queue=sub_queue,
                    from_sequence_number=sequence,
                )
                if not batch:
                    break
                items.extend(describe(message, src) for message in batch)
                sequence = batch[-1].sequence_number + 1
            if len(items) >= page_size:
                next_position = Position(src, sequence)
                break
        return DeadLetterPage(
            queue=queue.name,
            source=source,
            items=items[:page_size],
            next_page_token=next_position.token() if next_position else None,
        )

    def replay(
        self,
        name: str,
        *,
        source: SourceChoice = "all",
        message_ids: Iterable[str] | None = None,
        limit: int | None = None,
        now: datetime | None = None,
    ) -> ReplayResult:
        """Send fresh copies of the chosen failed messages back to the queue (the pipeline's
        ``replay``): those named in ``message_ids``, else the oldest ``limit`` of them."""
        queue = self.queue(name)
        wanted = list(dict.fromkeys(message_ids)) if message_ids is not None else None
        remaining = set(wanted or ())
        replayed: list[ReplayedMessage] = []

        def result() -> ReplayResult:
            not_found = [i for i in wanted if i in remaining] if wanted is not None else []
            return ReplayResult(queue=queue.name, replayed=replayed, not_found=not_found)

        def record(source: DeadLetterSource, report: ReplayReport) -> None:
            # Called after each message: the report holds every pair replayed so far.
            for old, new in report.pairs[len(done[source]) :]:
                done[source].append(old)
                replayed.append(ReplayedMessage(message_id=old, source=source, new_message_id=new))
                remaining.discard(old)

        done: dict[DeadLetterSource, list[str]] = {"deadletter": [], "rejected": []}
        try:
            for src in _SOURCES[source]:
                cap = None if limit is None else limit - len(replayed)
                if cap is not None and cap <= 0:
                    break
                chosen = self._present(
                    queue.name, src, remaining if wanted is not None else None, cap
                )
                if not chosen:
                    continue
                replay(
                    self._bus,
                    queue.name,
                    source=src,
                    message_ids=chosen,
                    statuses=queue.statuses,
                    now=now or self._clock(),
                    progress=functools.partial(record, src),
                    # replay locks a whole batch and releases the messages it does not want,
                    # which counts a delivery on each: a batch no larger than the selection
                    # touches none when the oldest are chosen, only those before the last
                    # wanted one otherwise.
                    batch_size=min(len(chosen), _PEEK_PAGE),
                )
        except Exception as exc:
            raise ReplayInterruptedError(result()) from exc
        return result()

    def _present(
        self, queue: str, source: DeadLetterSource, ids: set[str] | None, cap: int | None
    ) -> list[str]:
        """The ids of ``ids`` (every id when ``None``) waiting in ``source``, oldest first, at
        most ``cap`` of them."""
        place, sub_queue = source_of(queue, source)
        found: list[str] = []
        sequence = 0
        goal = len(ids) if ids is not None else None
        if cap is not None:
            goal = cap if goal is None else min(goal, cap)
        while goal is None or len(found) < goal:
            batch = self._bus.peek(
                place, max_messages=_PEEK_PAGE, sub_queue=sub_queue, from_sequence_number=sequence
            )
            if not batch:
                break
            found.extend(m.message_id for m in batch if ids is None or m.message_id in ids)
            sequence = batch[-1].sequence_number + 1
        return found if goal is None else found[:goal]


def describe(message: ReceivedMessage, source: DeadLetterSource) -> DeadLetter:
    """A failed message's metadata: the body is never read."""
    props = message.application_properties
    reason = message.dead_letter_reason or props.get(PROP_REJECTED_REASON)
    schema, version = props.get(PROP_SCHEMA), props.get(PROP_VERSION)
    return DeadLetter(
        message_id=message.message_id,
        source=source,
        sequence_number=message.sequence_number,
        enqueued_time=message.enqueued_time,
        delivery_count=message.delivery_count,
        reason=_text(reason),
        description=_text(message.dead_letter_description),
        schema=f"{schema}/v{version}" if isinstance(schema, str) and version else _text(schema),
    )


def _text(value: object) -> str | None:
    return str(value)[:_MAX_TEXT] if value not in (None, "") else None
