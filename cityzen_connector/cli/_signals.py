"""Stopping a long-running command cleanly on SIGINT (Ctrl-C) and SIGTERM."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType


@contextmanager
def stop_signals() -> Iterator[None]:
    """SIGINT and SIGTERM both raise ``KeyboardInterrupt`` in the main thread. SIGINT's handler
    is set explicitly: a shell starting us in the background leaves SIGINT ignored, and Python
    then installs no handler of its own."""

    def interrupt(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    previous = {sig: signal.signal(sig, interrupt) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
