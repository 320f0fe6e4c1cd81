"""bench/chaos.py's processes: servers killed and restarted, drains, all stopped by PID.

Every process started here is registered until it is reaped; ``stop_everything`` (also run at
exit) SIGKILLs whatever is left, by PID, so no run leaves a server behind, even on failure.
"""

from __future__ import annotations

import atexit
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

ROOT = Path(__file__).resolve().parents[1]
START_DEADLINE = 60.0
START_TRIES = 3
_LIVE: dict[int, subprocess.Popen[bytes]] = {}
_LIVE_LOCK = threading.Lock()


class ChaosError(Exception):
    """The run itself cannot go on (a server that does not come back)."""


def cli(*args: str) -> list[str]:
    """A ``cityzen`` command line run by this interpreter."""
    return [sys.executable, "-m", "cityzen_connector.cli", *args]


def spawn(argv: Sequence[str], env: Mapping[str, str], log: TextIO) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(
        list(argv), cwd=ROOT, env=dict(env), stdout=log, stderr=subprocess.STDOUT
    )
    with _LIVE_LOCK:
        _LIVE[process.pid] = process
    return process


def reap(process: subprocess.Popen[bytes], *, sig: int, grace: float) -> int:
    """Send ``sig`` to that PID if it still runs, wait, SIGKILL it after ``grace``; its exit
    code (negative: the signal that ended it)."""
    if process.poll() is None:
        os.kill(process.pid, sig)
        try:
            process.wait(grace)
        except subprocess.TimeoutExpired:
            os.kill(process.pid, signal.SIGKILL)
            process.wait()
    with _LIVE_LOCK:
        _LIVE.pop(process.pid, None)
    return process.returncode


@atexit.register
def stop_everything() -> None:
    with _LIVE_LOCK:
        left = list(_LIVE.values())
    for process in left:
        reap(process, sig=signal.SIGKILL, grace=10)


def free_port(*taken: int) -> int:
    while True:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = int(probe.getsockname()[1])
        if port not in taken:
            return port


def _listening(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


class Service:
    """A server process, restarted on the same port and folders after each kill; its output
    goes to ``<name>.log`` in ``folder``."""

    def __init__(
        self, name: str, argv: Sequence[str], env: Mapping[str, str], port: int, folder: Path
    ) -> None:
        self.name, self.argv, self.env, self.port = name, list(argv), env, port
        self.log_path = folder / f"{name}.log"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        """Start it and wait until it listens. A start may fail (a port not yet free, a
        Dataverse answering 503 to a start-up call): it is tried again."""
        for _ in range(START_TRIES):
            with self.log_path.open("a", encoding="utf-8") as log:
                process = spawn(self.argv, self.env, log)
            end = time.monotonic() + START_DEADLINE
            while process.poll() is None and time.monotonic() < end:
                if _listening(self.port):
                    self.process = process
                    return
                time.sleep(0.05)
            reap(process, sig=signal.SIGKILL, grace=10)
        raise ChaosError(f"{self.name} did not start on port {self.port}; see {self.log_path}")

    def kill(self) -> None:
        if self.process is not None:
            reap(self.process, sig=signal.SIGKILL, grace=10)
            self.process = None

    def stop(self) -> None:
        """As Ctrl-C does: every command here stops cleanly on SIGINT."""
        if self.process is not None:
            reap(self.process, sig=signal.SIGINT, grace=20)
            self.process = None


# -- what happens when ------------------------------------------------------------------------
@dataclass(frozen=True)
class Event:
    """A kill (``host``, ``emulator`` or ``both``) or a ``drain``: once that fraction of the
    posts is done, or ``after`` seconds after the last post."""

    what: str
    fraction: float = 1.0
    after: float | None = None

    def label(self) -> str:
        when = f"+{self.after:.1f}s" if self.after is not None else f"@{self.fraction:.0%}"
        return f"{self.what}{when}"


def schedule(kills: int, drains: int, after_seconds: float, rng: random.Random) -> list[Event]:
    """Half the kills while the clients post (the first kills the host, so that clients see
    it die), the others while the queue drains (the last kills the emulator); the others hit
    the host, the emulator or both. One drain at a random moment of the posts per drain but
    the last, which starts right after them."""
    middle = [rng.choice(("host", "emulator", "both")) for _ in range(max(0, kills - 2))]
    targets = ["host", *middle, "emulator"][:kills]
    during = (kills + 1) // 2
    fractions = sorted(rng.uniform(0.1, 0.9) for _ in range(during))
    delays = sorted(rng.uniform(1.0, after_seconds) for _ in range(kills - during))
    events = [Event(t, f) for t, f in zip(targets, fractions, strict=False)]
    events += [Event(t, after=d) for t, d in zip(targets[during:], delays, strict=True)]
    events += [Event("drain", rng.uniform(0.3, 0.9)) for _ in range(drains - 1)]
    events.append(Event("drain", after=0.0))
    return sorted(events, key=lambda e: (e.after is not None, e.after or 0.0, e.fraction))


class Chaos(threading.Thread):
    """Runs the events as the posts progress: ``reached(fraction)`` blocks until that share
    of the posts is done and returns when the last one was (``time.monotonic()``)."""

    def __init__(
        self,
        events: Sequence[Event],
        services: Mapping[str, Service],
        reached: Callable[[float], float],
        drain: tuple[Sequence[str], Mapping[str, str], Path],
        rng: random.Random,
    ) -> None:
        super().__init__(name="chaos", daemon=True)
        self.events, self.services, self.reached, self.rng = events, services, reached, rng
        self.drain_argv, self.env, self.folder = drain
        self.drains: list[subprocess.Popen[bytes]] = []
        self.error: BaseException | None = None
        self.failed = threading.Event()

    def run(self) -> None:
        try:
            for event in self.events:
                finished = self.reached(event.fraction)
                if event.after is not None:
                    time.sleep(max(0.0, finished + event.after - time.monotonic()))
                if event.what == "drain":
                    self._drain()
                else:
                    self._kill(["host", "emulator"] if event.what == "both" else [event.what])
        except BaseException as exc:  # noqa: BLE001 - the main thread reports it
            self.error = exc
            self.failed.set()

    def _drain(self) -> None:
        log_path = self.folder / f"drain-{len(self.drains)}.log"
        with log_path.open("w", encoding="utf-8") as log:
            self.drains.append(spawn(self.drain_argv, self.env, log))

    def _kill(self, names: list[str]) -> None:
        for name in names:
            self.services[name].kill()
        time.sleep(self.rng.uniform(0.2, 2.0))  # down for a moment, clients knocking
        for name in names:
            self.services[name].start()
