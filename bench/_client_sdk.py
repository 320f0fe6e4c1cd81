"""bench/client.py's second half: our client and Microsoft's Python SDK
(``PowerPlatform-Dataverse-Client``) against the same emulator, served over TLS in processes of
its own on 127.0.0.1 (``cityzen emulator serve --tls``), so that the server's work does not
share the clients' interpreter.

Scenarios, the two sides alternated: single creates, reads by id, a 1,000-record bulk create
with the emulator's latency model on (``CITYZEN_EMULATOR_LATENCY_BASE_SECONDS`` and
``…_PER_OPERATION_SECONDS``, defaults below), a 5,000-row query paged by
``Prefer: odata.maxpagesize``, and each package's import time in a fresh interpreter. Each
side uses its defaults: the SDK sends one ``CreateMultiple`` of the 1,000 records, ours chunks
of 100 (``CITYZEN_DATAVERSE_BULK_CHUNK_SIZE``), 5 at a time (``…_MAX_CONCURRENCY``).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cityzen_connector.dataverse import (
    DataverseClient,
    DataverseConfig,
    Query,
    RequestsTransport,
    StaticTokenProvider,
    startswith,
)

SDK = "PowerPlatform-Dataverse-Client==1.1.0"
INSTALL = ".venv/bin/python -m pip install -e '.[conformance]'"
TOKEN = "local-dev-token"
LATENCY_BASE = "CITYZEN_EMULATOR_LATENCY_BASE_SECONDS"
LATENCY_PER_OPERATION = "CITYZEN_EMULATOR_LATENCY_PER_OPERATION_SECONDS"
# A request's round trip and a record's execution cost in the bulk scenario, unless the
# settings above say otherwise: the order of magnitude of a Dataverse call in the same region.
DEFAULT_LATENCY = (0.1, 0.005)
QUERY_ROWS, PAGE_SIZE, BULK_RECORDS = 5000, 1000, 1000


@dataclass(frozen=True)
class Sizes:
    creates: int
    reads: int
    repeats: int  # best of this many runs per side (bulk: one run, its time is the model's)


FULL, QUICK = Sizes(creates=300, reads=500, repeats=3), Sizes(creates=60, reads=100, repeats=1)


def sdk_available() -> bool:
    try:
        import PowerPlatform.Dataverse.client  # noqa: F401, PLC0415
    except ImportError:
        return False
    return True


@contextmanager
def emulator(folder: Path, latency: tuple[float, float] | None = None) -> Iterator[str]:
    """``cityzen emulator serve --tls`` in a process of its own; yields its URL. Stopped by its
    PID, as Ctrl-C stops it."""
    env = dict(os.environ)
    if latency is not None:
        env[LATENCY_BASE], env[LATENCY_PER_OPERATION] = (str(s) for s in latency)
    argv = [sys.executable, "-m", "cityzen_connector.cli", "emulator", "serve", "--in-memory",
            "--tls", "--host", "127.0.0.1", "--port", "0", "--data-dir", str(folder)]  # fmt: skip
    process = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        url = ""
        for line in process.stdout:
            if "Dataverse Web API at " in line:
                url = line.split(" at ", 1)[1].split("/api/", 1)[0]
            if "TLS certificate" in line:
                # requests (ours and the SDK's sessions) trusts the emulator's certificate.
                os.environ["REQUESTS_CA_BUNDLE"] = line.rsplit(": ", 1)[1].strip()
                break
        if not url:
            raise RuntimeError("the emulator did not start")
        yield url
    finally:
        if process.poll() is None:
            os.kill(process.pid, signal.SIGINT)
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                os.kill(process.pid, signal.SIGKILL)
                process.wait()


class Credential:
    """The SDK's credential (an azure-core ``TokenCredential``): the emulator's token."""

    def get_token(self, *scopes: str, **kwargs: Any) -> Any:
        from azure.core.credentials import AccessToken  # noqa: PLC0415

        return AccessToken(TOKEN, int(time.time()) + 3600)


def ours(url: str) -> DataverseClient:
    return DataverseClient(DataverseConfig(url), RequestsTransport(), StaticTokenProvider(TOKEN))


def best(run: Callable[[], float], repeats: int) -> float:
    return min(run() for _ in range(repeats))


def timed(fn: Callable[[], object]) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def import_seconds(module: str) -> float:
    """Wall time of ``import module`` in a fresh interpreter (best of 5)."""
    code = f"import time; t = time.perf_counter(); import {module}; print(time.perf_counter() - t)"
    argv = [sys.executable, "-c", code]
    runs = [subprocess.run(argv, capture_output=True, text=True, check=True) for _ in range(5)]
    return min(float(run.stdout) for run in runs)


def row(label: str, ours_value: float, sdk_value: float, unit: str, note: str = "") -> None:
    ratio = sdk_value / ours_value
    line = f"{label:<36}{ours_value:>9.2f}{sdk_value:>10.2f} {unit:<5}{ratio:>8.2f}  {note}"
    print(line.rstrip())


def warm(client: DataverseClient, sdk: Any) -> None:
    """Open both connections; the SDK also looks up the table's entity set name once."""
    client.create("contacts", {"lastname": "warm"})
    sdk.records.create("contact", {"lastname": "warm"})


def single_creates(client: DataverseClient, sdk: Any, sizes: Sizes) -> tuple[float, float]:
    def our_run() -> float:
        return timed(lambda: [client.create("contacts", {"lastname": "o"}) for _ in range(n)])

    def sdk_run() -> float:
        return timed(lambda: [sdk.records.create("contact", {"lastname": "s"}) for _ in range(n)])

    n = sizes.creates
    return best(our_run, sizes.repeats) / n, best(sdk_run, sizes.repeats) / n


def reads_by_id(client: DataverseClient, sdk: Any, sizes: Sizes) -> tuple[float, float]:
    written = client.create_multiple("contacts", "contact", [{"lastname": "r"}] * 100)
    ids = [str(i) for i in written.ids]
    picks = [ids[i % len(ids)] for i in range(sizes.reads)]

    def our_run() -> float:
        return timed(lambda: [client.retrieve("contacts", i, select=["lastname"]) for i in picks])

    def sdk_run() -> float:
        select = ["lastname"]
        return timed(lambda: [sdk.records.retrieve("contact", i, select=select) for i in picks])

    n = sizes.reads
    return best(our_run, sizes.repeats) / n, best(sdk_run, sizes.repeats) / n


def paged_query(client: DataverseClient, sdk: Any, sizes: Sizes) -> tuple[float, float]:
    rows = [{"lastname": f"Page {i:05}"} for i in range(QUERY_ROWS)]
    assert client.create_multiple("contacts", "contact", rows).ok
    query = Query("contacts").select("lastname").where(startswith("lastname", "Page "))

    def our_run() -> float:
        got: list[object] = []
        seconds = timed(lambda: got.extend(client.query(query, page_size=PAGE_SIZE)))
        assert len(got) == QUERY_ROWS, len(got)
        return seconds

    def sdk_run() -> float:
        got: list[object] = []
        where = "startswith(lastname,'Page ')"
        seconds = timed(
            lambda: got.extend(
                sdk.records.list("contact", select=["lastname"], filter=where, page_size=PAGE_SIZE)
            )
        )
        assert len(got) == QUERY_ROWS, len(got)
        return seconds

    return best(our_run, sizes.repeats), best(sdk_run, sizes.repeats)


def bulk_create(client: DataverseClient, sdk: Any) -> tuple[float, float]:
    """One run each: the time is the latency model's, not the machine's."""
    records = [{"lastname": f"Bulk {i:04}"} for i in range(BULK_RECORDS)]
    ours_seconds = timed(lambda: client.create_multiple("contacts", "contact", records))
    return ours_seconds, timed(lambda: sdk.records.create("contact", records))


def compare(sizes: Sizes) -> None:
    from PowerPlatform.Dataverse.client import DataverseClient as SdkClient  # noqa: PLC0415
    from PowerPlatform.Dataverse.core.config import DataverseConfig as SdkConfig  # noqa: PLC0415

    base = float(os.environ.get(LATENCY_BASE) or DEFAULT_LATENCY[0])
    per_operation = float(os.environ.get(LATENCY_PER_OPERATION) or DEFAULT_LATENCY[1])
    print(f"\nours vs Microsoft's SDK ({SDK}): the same emulator over TLS, best of {sizes.repeats}")
    print(f"{'scenario':<36}{'ours':>9}{'SDK':>10} {'':<5}{'SDK/ours':>8}  (> 1: ours is faster)")
    with tempfile.TemporaryDirectory() as folder:
        plain = emulator(Path(folder) / "plain")
        with plain as url, SdkClient(url, Credential(), SdkConfig()) as sdk:
            client = ours(url)
            warm(client, sdk)
            a, b = single_creates(client, sdk, sizes)
            row(f"{sizes.creates} single creates, each", a * 1000, b * 1000, "ms")
            a, b = reads_by_id(client, sdk, sizes)
            row(f"{sizes.reads} reads by id, each", a * 1000, b * 1000, "ms")
            a, b = paged_query(client, sdk, sizes)
            row(f"{QUERY_ROWS:,}-row query, pages of {PAGE_SIZE:,}", a, b, "s")
        slow = emulator(Path(folder) / "slow", (base, per_operation))
        with slow as url, SdkClient(url, Credential(), SdkConfig()) as sdk:
            client = ours(url)
            warm(client, sdk)
            a, b = bulk_create(client, sdk)
            model = f"latency model: {base:g} s + {per_operation:g} s/record"
            row(f"{BULK_RECORDS:,}-record bulk create", a, b, "s", model)
    a = import_seconds("cityzen_connector.dataverse")
    b = import_seconds("PowerPlatform.Dataverse.client")
    row("import, fresh interpreter", a * 1000, b * 1000, "ms")
