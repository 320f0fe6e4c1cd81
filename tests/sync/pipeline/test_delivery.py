"""Backoff across deliveries, rejection, dead-letter sweep and replay, on an injected clock.

The worker below behaves as an Azure Functions Service Bus trigger does: returning completes
the message, raising abandons it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cityzen_connector.messaging import MessageBus, ReceivedMessage, decode, encode, open_bus
from cityzen_connector.models import SUBMISSION_SCHEMA
from cityzen_connector.store import SubmissionStatuses, open_store
from cityzen_connector.sync.pipeline import (
    DeliveryPolicy,
    Settlement,
    purge_failed_messages,
    reject,
    replay,
    retry_later,
    sweep_dead_letters,
)
from cityzen_connector.testing import FakeClock
from tests.support.messages import policy_bus

Q = "submissions"
POLICY = DeliveryPolicy()  # 30 s doubling to 15 min, 24 h horizon


class DataverseDownError(Exception):
    pass


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def bus(clock: FakeClock) -> MessageBus:
    return policy_bus(clock)


@pytest.fixture
def statuses(clock: FakeClock) -> SubmissionStatuses:
    return SubmissionStatuses(
        open_store("memory://", clock=clock), clock=clock, retention=timedelta(days=30)
    )


def submit(bus: MessageBus, statuses: SubmissionStatuses, sub_id: str = "sub-1") -> None:
    bus.send(Q, [encode(SUBMISSION_SCHEMA, {"theme": "voirie"}, correlation_id=sub_id)])
    statuses.mark_queued(sub_id)


def run_trigger(
    bus: MessageBus,
    statuses: SubmissionStatuses,
    clock: FakeClock,
    handler: Callable[[ReceivedMessage], None],
) -> Settlement | None:
    """One delivery through the worker policy: transient failure → retry_later."""
    [message] = bus.receive(Q)
    try:
        handler(message)
        settlement = None
    except DataverseDownError:
        settlement = retry_later(
            bus, Q, message, error="DataverseDownError", policy=POLICY, now=clock(), store=statuses
        )
    bus.complete(message)  # the trigger returned
    return settlement


def test_policy_delays_double_up_to_the_cap() -> None:
    delays = [POLICY.delay(n).total_seconds() for n in range(1, 9)]
    assert delays == [30, 60, 120, 240, 480, 900, 900, 900]
    assert POLICY.delay(10_000) == timedelta(minutes=15)
    with pytest.raises(ValueError, match="initial_delay"):
        DeliveryPolicy(initial_delay=timedelta(minutes=20))
    with pytest.raises(ValueError, match="horizon"):
        DeliveryPolicy(horizon=timedelta(0))


def test_transient_failures_back_off_then_land_once(
    bus: MessageBus, statuses: SubmissionStatuses, clock: FakeClock
) -> None:
    submit(bus, statuses)
    processed: list[str] = []
    outage_until = clock() + timedelta(minutes=20)

    def handler(message: ReceivedMessage) -> None:
        if clock() < outage_until:
            raise DataverseDownError
        processed.append(decode(message, accept=(SUBMISSION_SCHEMA,)).correlation_id)
        statuses.mark_created(message.correlation_id or "", case_id="c-1", ticket_number="CAS-1")

    waits = []
    while True:
        settlement = run_trigger(bus, statuses, clock, handler)
        if settlement is None:
            break
        assert settlement.action == "retry_scheduled"
        assert settlement.retry_at is not None
        waits.append((settlement.retry_at - clock()).total_seconds())
        assert bus.receive(Q) == []  # nothing hammers Dataverse before the delay
        clock.advance((settlement.retry_at - clock()).total_seconds())
    assert waits == [30, 60, 120, 240, 480, 900]
    assert processed == ["sub-1"]
    status = statuses.get("sub-1")
    assert status is not None
    assert status.status == "created"
    assert bus.stats(Q).active == bus.stats(Q).scheduled == 0


def test_a_crash_after_scheduling_does_not_duplicate_the_retry(
    bus: MessageBus, statuses: SubmissionStatuses, clock: FakeClock
) -> None:
    submit(bus, statuses)
    [message] = bus.receive(Q)
    retry_later(bus, Q, message, error="DataverseDownError", policy=POLICY, now=clock())
    # The worker dies before completing; the lock expires; the same delivery fails again.
    clock.advance(31)
    [again] = bus.receive(Q)
    retry_later(bus, Q, again, error="DataverseDownError", policy=POLICY, now=clock())
    bus.complete(again)
    stats = bus.stats(Q)
    assert stats.scheduled + stats.active == 1  # one copy, not two


def test_past_the_horizon_the_message_is_rejected_with_its_reason(
    bus: MessageBus, statuses: SubmissionStatuses, clock: FakeClock
) -> None:
    submit(bus, statuses)

    def always_down(message: ReceivedMessage) -> None:
        raise DataverseDownError

    attempts = 0
    while True:
        attempts += 1
        settlement = run_trigger(bus, statuses, clock, always_down)
        assert settlement is not None
        if settlement.action == "rejected":
            break
        clock.advance((settlement.retry_at - clock()).total_seconds())  # type: ignore[operator]
    assert clock() - FakeClock()() <= timedelta(hours=24)  # the fixture starts where a new one does
    assert attempts > 90  # ~ 24 h of 15-minute retries
    assert "DataverseDownError" in settlement.reason
    status = statuses.get("sub-1")
    assert status is not None
    assert status.status == "failed"
    assert status.reason is not None
    assert "gave up" in status.reason
    assert bus.stats(Q).active + bus.stats(Q).scheduled == 0
    [copy] = bus.peek(f"{Q}-rejected")
    assert copy.correlation_id == "sub-1"
    assert "gave up" in str(copy.application_properties["cityzen-rejected-reason"])


def test_reject_twice_keeps_one_copy(
    bus: MessageBus, statuses: SubmissionStatuses, clock: FakeClock
) -> None:
    submit(bus, statuses)
    [message] = bus.receive(Q)
    reject(bus, statuses, Q, message, reason="InvalidMessage: UnknownSchema")
    reject(bus, statuses, Q, message, reason="InvalidMessage: UnknownSchema")
    bus.complete(message)
    assert len(bus.peek(f"{Q}-rejected")) == 1


def test_poison_message_dead_letters_is_swept_and_replayed_once(
    bus: MessageBus, statuses: SubmissionStatuses, clock: FakeClock
) -> None:
    submit(bus, statuses, "sub-p")
    submit(bus, statuses, "sub-ok")
    # A bug crashes the consumer on sub-p every time: the runtime abandons it each delivery.
    for _ in range(5):
        for message in bus.receive(Q, max_messages=2):
            if message.correlation_id == "sub-p":
                bus.abandon(message)
            else:
                statuses.mark_created("sub-ok", case_id="c", ticket_number="T")
                bus.complete(message)
    [dead] = bus.peek(Q, sub_queue="deadletter")
    assert dead.dead_letter_reason == "MaxDeliveryCountExceeded"

    report = sweep_dead_letters(bus, statuses, Q)
    assert (report.scanned, report.marked_failed) == (1, 1)
    failed = statuses.get("sub-p")
    assert failed is not None
    assert failed.status == "failed"
    assert "MaxDeliveryCountExceeded" in (failed.reason or "")
    assert sweep_dead_letters(bus, statuses, Q).marked_failed == 0  # idempotent

    assert replay(bus, Q, source="deadletter", dry_run=True).selected == 1
    assert bus.peek(Q, sub_queue="deadletter") != []  # dry run changed nothing
    result = replay(bus, Q, source="deadletter", statuses=statuses, now=clock())
    assert result.replayed == 1
    assert bus.peek(Q, sub_queue="deadletter") == []
    queued = statuses.get("sub-p")
    assert queued is not None
    assert queued.status == "queued"

    # The bug is fixed: the replayed copy (a new message id) is processed exactly once.
    [fresh] = bus.receive(Q)
    assert fresh.message_id == result.new_message_ids[0] != dead.message_id
    assert fresh.delivery_count == 1
    assert fresh.application_properties["cityzen-attempt"] == 1
    assert decode(fresh, accept=(SUBMISSION_SCHEMA,)).correlation_id == "sub-p"
    bus.complete(fresh)
    assert bus.receive(Q) == []
    assert replay(bus, Q, source="deadletter").replayed == 0


def test_replay_by_id_from_the_rejected_queue_leaves_the_others(
    bus: MessageBus, statuses: SubmissionStatuses, clock: FakeClock
) -> None:
    for sub_id in ["a", "b", "c"]:
        submit(bus, statuses, sub_id)
    for message in bus.receive(Q, max_messages=3):
        reject(bus, statuses, Q, message, reason="bad")
        bus.complete(message)
    target = bus.peek(f"{Q}-rejected")[1]
    result = replay(bus, Q, source="rejected", message_ids=[target.message_id], now=clock())
    assert result.replayed == 1
    assert [m.correlation_id for m in bus.peek(f"{Q}-rejected")] == ["a", "c"]
    [fresh] = bus.receive(Q)
    assert fresh.correlation_id == "b"
    assert "cityzen-rejected-reason" not in fresh.application_properties
    # The ones left alone were released, not consumed: they can be received again.
    assert len(bus.receive(f"{Q}-rejected", max_messages=5)) == 2


def test_a_replay_that_fails_halfway_leaves_the_rest(
    clock: FakeClock, statuses: SubmissionStatuses
) -> None:
    class FlakyBus:
        """A real bus whose sends to the main queue fail after the first one."""

        def __init__(self) -> None:
            self.inner = open_bus("memory://", clock=clock, sleep=clock.sleep)
            self.sends = 0

        def __getattr__(self, name: str) -> object:
            return getattr(self.inner, name)

        def send(self, queue: str, messages: list[object]) -> None:
            if queue == Q:
                self.sends += 1
                if self.sends > 1:
                    raise ConnectionError("namespace unreachable")
            self.inner.send(queue, messages)  # type: ignore[arg-type]

    flaky = FlakyBus()
    for sub_id in ["a", "b", "c"]:
        flaky.inner.send(f"{Q}-rejected", [encode(SUBMISSION_SCHEMA, {}, correlation_id=sub_id)])
    with pytest.raises(ConnectionError):
        replay(flaky, Q, source="rejected")  # type: ignore[arg-type]
    assert [m.correlation_id for m in flaky.inner.peek(Q)] == ["a"]
    assert [m.correlation_id for m in flaky.inner.peek(f"{Q}-rejected")] == ["b", "c"]
    assert len(flaky.inner.receive(f"{Q}-rejected", max_messages=5)) == 2  # released


def test_retention_purges_old_failed_messages_only(
    bus: MessageBus, statuses: SubmissionStatuses, clock: FakeClock
) -> None:
    submit(bus, statuses, "old")
    [message] = bus.receive(Q)
    bus.dead_letter(message, reason="r", description="d")
    submit(bus, statuses, "old-rejected")
    [message] = bus.receive(Q)
    reject(bus, statuses, Q, message, reason="bad")
    bus.complete(message)
    clock.advance(31 * 86400)
    submit(bus, statuses, "new")
    [message] = bus.receive(Q)
    bus.dead_letter(message, reason="r", description="d")
    removed = purge_failed_messages(bus, Q, older_than=clock() - timedelta(days=30))
    assert removed == 2
    assert [m.correlation_id for m in bus.peek(Q, sub_queue="deadletter")] == ["new"]
    assert bus.peek(f"{Q}-rejected") == []


@settings(max_examples=200, deadline=None)
@given(
    initial=st.integers(min_value=1, max_value=600),
    extra=st.integers(min_value=0, max_value=3600),
    failures=st.integers(min_value=-5, max_value=10_000),
)
def test_backoff_grows_and_never_passes_the_cap(initial: int, extra: int, failures: int) -> None:
    policy = DeliveryPolicy(timedelta(seconds=initial), timedelta(seconds=initial + extra))
    delay = policy.delay(failures)
    assert timedelta(seconds=initial) <= delay <= policy.max_delay
    assert policy.delay(failures + 1) >= delay
