"""Webhooks end to end over real sockets: our delivery code against ``cityzen webhooks
receive`` running as a separate process (it verifies with the standardwebhooks package), and
``cityzen run`` delivering an outbox event to the receiver it started."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from cityzen_connector.cases import QueueWebhookOutbox, deliver_webhook_message, endpoint_key
from cityzen_connector.messaging import open_bus
from tests.cases.webhook_world import status_changed, world
from tests.support.webhooks import OTHER_SECRET, SECRET

from .test_cli_run import Run

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.e2e
DEADLINE = 30.0
COMMAND = (sys.executable, "-m", "cityzen_connector.cli", "webhooks", "receive")


class Receiver:
    """``cityzen webhooks receive`` as a process; its lines are read in a thread."""

    def __init__(self, port: int, secret: str) -> None:
        self.process = subprocess.Popen(
            [*COMMAND, "--port", str(port), "--secret", secret],
            cwd=ROOT,
            env={k: v for k, v in os.environ.items() if not k.startswith("CITYZEN_")},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.lines: list[str] = []
        self._changed = threading.Condition()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        self.url = self.wait_for(r"Receiving webhooks on (\S+)").group(1)

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            with self._changed:
                self.lines.append(line.rstrip("\n"))
                self._changed.notify_all()

    def wait_for(self, pattern: str) -> re.Match[str]:
        end = time.monotonic() + DEADLINE
        with self._changed:
            while True:
                for line in self.lines:
                    if found := re.search(pattern, line):
                        return found
                if time.monotonic() > end or self.process.poll() is not None:
                    raise AssertionError(f"{pattern!r} not printed:\n" + "\n".join(self.lines))
                self._changed.wait(0.1)

    def stop(self) -> None:
        self.process.terminate()  # SIGTERM: stops as Ctrl-C does
        assert self.process.wait(10) == 0
        self._reader.join(5)
        assert self.process.stdout is not None
        self.process.stdout.close()


@pytest.fixture
def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


@pytest.fixture
def receivers() -> Iterator[list[Receiver]]:
    started: list[Receiver] = []
    yield started
    for receiver in started:
        if receiver.process.poll() is None:
            receiver.process.kill()
            receiver.process.wait(10)


def test_receiver_down_then_delivered_later_once_with_the_same_id(
    free_port: int, receivers: list[Receiver]
) -> None:
    url = f"http://127.0.0.1:{free_port}/"
    # The receiver verifies timestamps against the real time: the fake clock starts there.
    w = world((url,), start=datetime.now(UTC))
    w.publish(status_changed("evt_e2e"))
    first = w.deliver_next()  # nothing listens yet: connection refused
    assert first is not None
    assert [(o.action, o.reason) for o in first.outcomes] == [("retry_scheduled", "connection")]

    receivers.append(receiver := Receiver(free_port, SECRET))
    w.advance(timedelta(seconds=30))
    message = w.receive()
    assert message is not None
    assert deliver_webhook_message(message, w.deps).action == "delivered"
    # The worker dies before completing the message: Service Bus delivers it again.
    assert deliver_webhook_message(message, w.deps).action == "delivered"
    w.bus.complete(message)
    receiver.wait_for(r"^duplicate evt_e2e: already processed")
    printed = [line for line in receiver.lines if line.startswith("webhook ")]
    assert len(printed) == 1  # once
    assert re.match(r'webhook evt_e2e request\.status_changed .*"status":"resolved"', printed[0])
    assert w.receive() is None
    assert w.rejected() == []
    receiver.stop()


def test_a_wrong_secret_is_refused_by_the_receiver_and_dead_lettered_with_its_status(
    free_port: int, receivers: list[Receiver]
) -> None:
    receivers.append(receiver := Receiver(free_port, SECRET))
    w = world((receiver.url,), secrets=OTHER_SECRET, start=datetime.now(UTC))
    w.publish()
    result = w.deliver_next()
    assert result is not None
    assert result.action == "rejected"
    receiver.wait_for(r"^refused: No matching signature found")
    (dead,) = w.rejected()
    assert dead.application_properties["cityzen-rejected-reason"] == (
        "HTTP 401: refused by the receiver"
    )
    assert dead.application_properties["cityzen-webhook-endpoint"] == endpoint_key(receiver.url)
    receiver.stop()


def test_cityzen_run_delivers_an_outbox_event_to_the_receiver_it_started(tmp_path: Path) -> None:
    run = Run("--port", "0", "--emulator-port", "0", "--webhook-port", "0", data_dir=tmp_path)
    try:
        url = run.wait_for(r"Webhooks go to the local receiver at (\S+):").group(1)
        assert url.startswith("http://127.0.0.1:")
        # What the case-events side does when an agent resolves a case: publish on the outbox.
        bus = open_bus(f"sqlite:///{tmp_path / 'queue.db'}")
        QueueWebhookOutbox(bus, "webhooks").publish(status_changed("evt_run"))
        bus.close()
        run.wait_for(r"^webhook evt_run request\.status_changed .*\"closed\":true")
        assert run.interrupt() == 0
    finally:
        run.close()
