"""One emulator server per test session, serving whichever emulator app a test installs: a
real HTTP endpoint on 127.0.0.1 without a server start per test; and an emulator provisioned
for the shipped mappings, as ``cityzen dataverse provision`` leaves an organisation."""

from __future__ import annotations

import random
from collections.abc import Iterator
from typing import Any

import pytest

from cityzen_connector.dataverse import (
    DataverseClient,
    DataverseConfig,
    RequestsTransport,
    RetryPolicy,
    StaticTokenProvider,
    WsgiTransport,
)
from cityzen_connector.emulator import (
    EmulatorApp,
    EmulatorConfig,
    EventSink,
    create_app,
    seed,
    serve,
)
from cityzen_connector.mapping import CONVERSATION, MappingSet
from cityzen_connector.sync import apply_provisioning, plan_provisioning
from cityzen_connector.testing import FakeClock


class Switch:
    """The WSGI app the shared server runs: forwards to the app the test installed."""

    def __init__(self) -> None:
        self.target: EmulatorApp | None = None

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        assert self.target is not None
        return self.target(environ, start_response)


@pytest.fixture(scope="session")
def emulator_server() -> Iterator[tuple[str, Switch]]:
    """(base URL, switch) of the session's emulator server."""
    switch = Switch()
    handle = serve(switch, "127.0.0.1", 0)
    try:
        yield handle.url, switch
    finally:
        handle.stop()


def provisioned_emulator(
    mappings: MappingSet,
    clock: FakeClock,
    config: EmulatorConfig | None = None,
    *,
    sink: EventSink | None = None,
) -> EmulatorApp:
    """A seeded emulator with the mappings' columns, keys (Active at once unless ``config``
    says otherwise), option values, teams and subjects; ``sink`` receives what its service
    endpoints post."""
    app = create_app(
        config or EmulatorConfig(key_activation_seconds=0),
        clock=clock,
        sleep=clock.sleep,
        rng=random.Random(7),
        sink=sink,
    )
    seed(app)
    token = (config.token if config is not None else None) or "test-token"
    client = DataverseClient(
        DataverseConfig("http://127.0.0.1:7072"),
        WsgiTransport(app),
        StaticTokenProvider(token),
        clock=clock,
        retry=RetryPolicy.QUEUE_WORK,
        rng=lambda: 0.5,
    )
    plan = plan_provisioning(client, mappings.schema(), mappings.catalog)
    report = apply_provisioning(
        client, plan, now=lambda: 0.0, sleep=lambda _: None, create_catalog=True
    )
    assert report.ok, [s.line() for s in report.steps]
    return app


def conversation_table(target: EmulatorApp | str, token: str = "test-token") -> None:
    """The conversation table and its columns, as ``cityzen dataverse provision`` creates them
    (its alternate key aside: no wait for an index), in an emulator app or at a URL: what
    ``register-events`` needs to find the table's message filter and image columns."""
    transport = WsgiTransport(target) if isinstance(target, EmulatorApp) else RequestsTransport()
    url = target if isinstance(target, str) else "http://127.0.0.1:7072"
    client = DataverseClient(DataverseConfig(url), transport, StaticTokenProvider(token))
    client.metadata.create_table(CONVERSATION.table_spec())
    for column in CONVERSATION.columns():
        client.metadata.create_column(CONVERSATION.table, column)
