"""A consumer run as a separate process by the crash and concurrency tests.

``hold DB QUEUE LOCK_S``: receive one message, print its id, then hang holding the lock
(until the test kills it). ``drain DB QUEUE OUT``: receive and complete until the queue stays
empty for a second, appending each processed message id to OUT.
"""

from __future__ import annotations

import sys
import threading
from datetime import timedelta

from cityzen_connector.messaging import open_bus


def main(argv: list[str]) -> int:
    mode, db, queue = argv[1], argv[2], argv[3]
    if mode == "hold":
        bus = open_bus(f"sqlite:///{db}", lock_duration=timedelta(seconds=float(argv[4])))
        [message] = bus.receive(queue, max_wait_seconds=10)
        print(message.message_id, message.delivery_count, flush=True)
        threading.Event().wait(60)  # hang with the lock held; the test SIGKILLs us first
        return 1
    bus = open_bus(f"sqlite:///{db}", lock_duration=timedelta(seconds=60))
    with open(argv[4], "a", encoding="utf-8") as out:
        while batch := bus.receive(queue, max_messages=5, max_wait_seconds=1.0):
            for message in batch:
                out.write(message.message_id + "\n")
                out.flush()
                bus.complete(message)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
