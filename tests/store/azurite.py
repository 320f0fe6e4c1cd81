"""Azurite (the Azure Storage emulator, npm package ``azurite``) for the Azure contract runs.

Installed on first use with ``npm install --prefix .venv/azurite`` (ignored by git, removed by
``make clean``), started on free 127.0.0.1 ports with in-memory persistence and no telemetry,
and stopped by the PID we started. Without npm the tests fail with a clear message: they never
skip silently.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

AZURITE_VERSION = "3.35.0"
ROOT = Path(__file__).resolve().parents[2]
PREFIX = ROOT / ".venv" / "azurite"
BINARY = PREFIX / "node_modules" / ".bin" / "azurite"
# Azurite's well-known development account (documented, not a secret).
# https://learn.microsoft.com/azure/storage/common/storage-use-azurite#http-connection-strings
ACCOUNT = "devstoreaccount1"
KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="


def _installed_version() -> str | None:
    manifest = PREFIX / "node_modules" / "azurite" / "package.json"
    if not manifest.exists():
        return None
    import json  # noqa: PLC0415

    version: str = json.loads(manifest.read_text())["version"]
    return version


def ensure_installed() -> Path:
    if BINARY.exists() and _installed_version() == AZURITE_VERSION:
        return BINARY
    npm = shutil.which("npm")
    if npm is None:
        pytest.fail(
            "npm is needed to install Azurite for the Azure Table/Blob contract tests:"
            " install Node.js (apt-get install nodejs npm) and run the tests again"
        )
    result = subprocess.run(
        [
            npm,
            "install",
            "--prefix",
            str(PREFIX),
            "--no-audit",
            "--no-fund",
            "--loglevel=error",
            f"azurite@{AZURITE_VERSION}",
        ],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    if result.returncode != 0 or not BINARY.exists():
        pytest.fail(f"npm install azurite@{AZURITE_VERSION} failed:\n{result.stderr[-2000:]}")
    return BINARY


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _wait_listening(process: subprocess.Popen[bytes], port: int, deadline: float) -> None:
    while time.monotonic() < deadline:
        if process.poll() is not None:
            err = process.stderr.read().decode(errors="replace") if process.stderr else ""
            pytest.fail(f"Azurite exited with {process.returncode}: {err[-2000:]}")
        with socket.socket() as probe:
            probe.settimeout(0.5)
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)  # noqa: no injected clock here: this waits for a real child process
    pytest.fail(f"Azurite did not listen on 127.0.0.1:{port} in time")


@contextmanager
def running_azurite(workdir: Path) -> Iterator[str]:
    """Start Azurite; yield a storage connection string for its blob and table endpoints."""
    binary = ensure_installed()
    blob, queue, table = _free_port(), _free_port(), _free_port()
    process = subprocess.Popen(
        [
            str(binary),
            "--silent",
            "--inMemoryPersistence",
            "--disableTelemetry",
            "--skipApiVersionCheck",
            "--blobHost",
            "127.0.0.1",
            "--blobPort",
            str(blob),
            "--queueHost",
            "127.0.0.1",
            "--queuePort",
            str(queue),
            "--tableHost",
            "127.0.0.1",
            "--tablePort",
            str(table),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 30
        _wait_listening(process, blob, deadline)
        _wait_listening(process, table, deadline)
        yield (
            f"DefaultEndpointsProtocol=http;AccountName={ACCOUNT};AccountKey={KEY};"
            f"BlobEndpoint=http://127.0.0.1:{blob}/{ACCOUNT};"
            f"TableEndpoint=http://127.0.0.1:{table}/{ACCOUNT};"
        )
    finally:
        process.terminate()  # by the PID we started, never by name
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
        if process.stderr is not None:
            process.stderr.close()
