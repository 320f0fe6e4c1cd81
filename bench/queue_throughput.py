"""Embedded SQLite queue throughput on this machine: sends/s and receive+complete/s.

One command: ``.venv/bin/python bench/queue.py``. Prints each figure beside the goal of issue 4
(≥ 2,000 sends/s batched, ≥ 1,000 receive+complete/s) as a ratio. Runs in a few seconds.
"""

from __future__ import annotations

import json
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from cityzen_connector.messaging import MessageBus, OutgoingMessage, encode, open_bus
from cityzen_connector.models import SUBMISSION_SCHEMA

N = 4000
BATCH = 100
PAYLOAD = {"theme": "voirie", "sub_theme": "nid-de-poule", "text": "x" * 600, "photos": ["a" * 32]}


def messages(prefix: str) -> list[OutgoingMessage]:
    return [
        encode(
            SUBMISSION_SCHEMA, PAYLOAD, correlation_id=f"{prefix}-{i}", message_id=f"{prefix}-{i}"
        )
        for i in range(N)
    ]


def timed(action: Callable[[], int]) -> float:
    start = time.perf_counter()
    count = action()
    return count / (time.perf_counter() - start)


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        bus: MessageBus = open_bus(f"sqlite:///{Path(folder) / 'queue.db'}")

        def send_single() -> int:
            for message in messages("single"):
                bus.send("single", [message])
            return N

        def send_batched() -> int:
            batch = messages("batched")
            for i in range(0, N, BATCH):
                bus.send("batched", batch[i : i + BATCH])
            return N

        def receive_complete(max_messages: int) -> Callable[[], int]:
            def run() -> int:
                done = 0
                while got := bus.receive(
                    "batched" if max_messages == 1 else "single", max_messages=max_messages
                ):
                    for message in got:
                        bus.complete(message)
                        done += 1
                return done

            return run

        rows = [
            ("sends/s, one message per send", timed(send_single), None),
            (f"sends/s, batches of {BATCH}", timed(send_batched), 2000.0),
            ("receive+complete/s, 1 per receive", timed(receive_complete(1)), 1000.0),
            ("receive+complete/s, 10 per receive", timed(receive_complete(10)), 1000.0),
        ]
        bus.close()
    print(f"SQLite queue, {N} messages of {len(json.dumps(PAYLOAD))} bytes of payload each")
    print(f"{'measure':<38} {'ours':>10} {'goal':>8} {'ours/goal':>10}")
    for name, rate, goal in rows:
        goal_text = f"{goal:>8.0f} {rate / goal:>9.1f}x" if goal else f"{'-':>8} {'-':>10}"
        print(f"{name:<38} {rate:>10.0f} {goal_text}")


if __name__ == "__main__":
    main()
