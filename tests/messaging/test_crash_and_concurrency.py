"""Real processes on one SQLite queue file: a consumer killed holding a lock, several at once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path

from cityzen_connector.messaging import OutgoingMessage, open_bus

CONSUMER = Path(__file__).with_name("consumer_process.py")


def _spawn(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, str(CONSUMER), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_killed_consumer_message_comes_back_after_lock_expiry_and_is_processed_once(
    tmp_path: Path,
) -> None:
    db = tmp_path / "queue.db"
    bus = open_bus(f"sqlite:///{db}")
    bus.send("q", [OutgoingMessage(body=b'{"n": 1}', message_id="only")])

    consumer = _spawn("hold", str(db), "q", "0.5")
    try:
        assert consumer.stdout is not None
        line = consumer.stdout.readline()  # blocks until it holds the lock (bounded by its 10 s)
        assert line.split() == ["only", "1"]
        os.kill(consumer.pid, signal.SIGKILL)
    finally:
        consumer.kill()
        consumer.communicate(timeout=10)  # reaps it and closes its pipes
    assert consumer.returncode == -signal.SIGKILL

    processed = []
    again = bus.receive("q", max_wait_seconds=10)  # polls until the lock has expired
    for message in again:
        processed.append(message.message_id)
        assert message.delivery_count == 2
        bus.complete(message)
    assert processed == ["only"]
    assert bus.receive("q", max_wait_seconds=1.0) == []
    assert bus.stats("q").dead_letter == 0
    bus.close()


def test_several_consumer_processes_process_each_message_exactly_once(tmp_path: Path) -> None:
    db = tmp_path / "queue.db"
    out = tmp_path / "processed.txt"
    bus = open_bus(f"sqlite:///{db}")
    ids = [f"m-{i}" for i in range(300)]
    bus.send("q", [OutgoingMessage(body=b"{}", message_id=i) for i in ids])
    consumers = [_spawn("drain", str(db), "q", str(out)) for _ in range(3)]
    for consumer in consumers:
        _, err = consumer.communicate(timeout=60)
        assert consumer.returncode == 0, err
    counts = Counter(out.read_text().split())
    assert set(counts) == set(ids)
    assert max(counts.values()) == 1
    assert bus.stats("q").active == 0
    bus.close()
