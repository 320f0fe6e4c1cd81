"""Ctrl-C on a running host (a real process) stops everything cleanly and exits."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import requests

SCRIPT = Path(__file__).with_name("run_sample_host.py")


def test_sigint_stops_the_host_and_joins_every_thread(tmp_path: Path) -> None:
    process = subprocess.Popen(
        [sys.executable, str(SCRIPT), str(tmp_path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        url = process.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:"), process.stderr.read() if process.stderr else ""
        assert requests.get(f"{url}/api/hello/ctrl", timeout=5).text == "hello ctrl"
        process.send_signal(signal.SIGINT)
        out, _ = process.communicate(timeout=15)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(5)
    assert process.returncode == 0
    # Only the main thread is left: HTTP, pollers, renewers, timers and the loop are joined.
    assert "threads alive: 1" in out
    assert not (tmp_path / "keys.json").stat().st_mode & 0o077
