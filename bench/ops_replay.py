"""Replaying failed messages through the ops API's use case vs the pipeline's ``replay`` called
directly with the ids (what ``cityzen queue dead replay --id`` does).

``ConnectorQueues.replay`` peeks first to find the ids, then hands ``replay`` only those, with a
receive batch no larger than the selection. The baseline receives the queue batch by batch
until it has found every id, and releases the messages it did not want, which counts a
delivery on each (past the queue's maximum, Service Bus dead-letters them). For each case it
prints the seconds and the deliveries counted on messages that were *not* replayed, on the
embedded SQLite queue holding 2,000 rejected messages. One command:
``.venv/bin/python bench/ops_replay.py``.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from cityzen_connector.messaging import MessageBus, OutgoingMessage, open_bus
from cityzen_connector.sync import ConnectorQueue, ConnectorQueues
from cityzen_connector.sync.pipeline import rejected_queue, replay
from cityzen_connector.testing import FakeClock

QUEUE = "webhooks"
SIZE = 2000
PICK = 100


def fresh_bus(folder: Path, name: str) -> MessageBus:
    clock = FakeClock(datetime(2026, 11, 28, 9, 0, tzinfo=UTC))
    bus = open_bus(f"sqlite:///{folder / name}.db", clock=clock, max_delivery_count=2000)
    messages = [OutgoingMessage(body=b"{}", message_id=f"m{n:05d}") for n in range(SIZE)]
    for start in range(0, SIZE, 100):
        bus.send(rejected_queue(QUEUE), messages[start : start + 100])
    return bus


def collateral(bus: MessageBus) -> int:
    """Deliveries counted on the messages still waiting (none were ever delivered before)."""
    total, sequence = 0, 0
    while page := bus.peek(rejected_queue(QUEUE), max_messages=100, from_sequence_number=sequence):
        total += sum(m.delivery_count for m in page)
        sequence = page[-1].sequence_number + 1
    return total


def measure(bus: MessageBus, run: Callable[[], object]) -> tuple[float, int]:
    start = time.perf_counter()
    run()
    return time.perf_counter() - start, collateral(bus)


SPREAD = [f"m{n:05d}" for n in range(0, SIZE, SIZE // PICK)]
CASES: dict[str, list[str]] = {
    f"{PICK} ids already replayed (a retry)": [f"gone-{n}" for n in range(PICK)],
    f"the {PICK} oldest": [f"m{n:05d}" for n in range(PICK)],
    f"{PICK} ids spread over the queue": SPREAD,
}
ROUNDS = 3


def ours(folder: Path, name: str, ids: list[str]) -> tuple[float, int]:
    bus = fresh_bus(folder, name)
    queues = ConnectorQueues(bus, (ConnectorQueue(QUEUE, "webhooks"),), clock=FakeClock())
    try:
        return measure(bus, lambda: queues.replay(QUEUE, source="rejected", message_ids=ids))
    finally:
        bus.close()


def baseline(folder: Path, name: str, ids: list[str]) -> tuple[float, int]:
    bus = fresh_bus(folder, name)
    try:
        return measure(bus, lambda: replay(bus, QUEUE, source="rejected", message_ids=ids))
    finally:
        bus.close()


def best(
    run: Callable[[Path, str, list[str]], tuple[float, int]], label: str, ids: list[str]
) -> tuple[float, int]:
    """The fastest of a few rounds, each on a fresh queue (the deliveries are the same)."""
    with tempfile.TemporaryDirectory() as folder:
        results = [run(Path(folder), f"{label}{n}", ids) for n in range(ROUNDS)]
    return min(seconds for seconds, _ in results), results[0][1]


def main() -> None:
    print(f"replay from {SIZE} rejected messages, embedded SQLite queue (best of {ROUNDS})")
    print(
        f"{'case':<36} {'ours s':>8} {'touched':>8} {'baseline s':>11} {'touched':>8} {'ratio':>7}"
    )
    for label, ids in CASES.items():
        mine, theirs = best(ours, "ours", ids), best(baseline, "base", ids)
        print(
            f"{label:<36} {mine[0]:>8.3f} {mine[1]:>8} {theirs[0]:>11.3f} {theirs[1]:>8}"
            f" {theirs[0] / mine[0]:>6.1f}x"
        )
    print("touched: deliveries counted on messages that were not replayed (lower is better);")
    print("ratio: baseline seconds / ours (above 1: ours faster)")


if __name__ == "__main__":
    main()
