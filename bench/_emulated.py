"""What the benches that count Dataverse round trips share: the emulator served on 127.0.0.1
(a real socket, each round trip an HTTP request), provisioned as ``cityzen run`` leaves it, and
our client over a transport that counts what goes over the socket."""

from __future__ import annotations

import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from cityzen_connector.dataverse import (
    DataverseClient,
    DataverseConfig,
    HttpRequest,
    HttpResponse,
    RequestsTransport,
    StaticTokenProvider,
)
from cityzen_connector.emulator import EmulatorConfig, create_app, seed, serve
from cityzen_connector.mapping import MappingSet
from cityzen_connector.sync import apply_provisioning, plan_provisioning


@dataclass
class Counting:
    """The real transport, counting what goes over the socket."""

    inner: RequestsTransport = field(default_factory=RequestsTransport)
    sent: int = 0

    def send(self, request: HttpRequest, *, timeout: float) -> HttpResponse:
        self.sent += 1
        return self.inner.send(request, timeout=timeout)


@contextmanager
def provisioned_client(mappings: MappingSet) -> Iterator[tuple[DataverseClient, Counting]]:
    """A seeded, provisioned emulator on a free port and a client counting its round trips;
    stopped and deleted on exit."""
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app(
            EmulatorConfig(database=str(Path(tmp) / "dataverse.db"), key_activation_seconds=0)
        )
        seed(app)
        served = serve(app, "127.0.0.1", 0)
        try:
            counting = Counting()
            client = DataverseClient(
                DataverseConfig(served.url), counting, StaticTokenProvider("bench")
            )
            plan = plan_provisioning(client, mappings.schema(), mappings.catalog)
            report = apply_provisioning(
                client, plan, now=time.monotonic, sleep=time.sleep, create_catalog=True
            )
            assert report.ok
            yield client, counting
        finally:
            served.stop()
            app.close()
