"""The Dataverse a test talks to: the emulator, or a real organisation.

A test taking the ``dataverse_target`` fixture runs twice: against the emulator (in-process,
seeded and provisioned, every run) and against a real organisation, marked ``live``, when
``pytest -m live`` finds the organisation's URL and the application user's credentials in the
environment (it is skipped, naming the variables, otherwise). The credentials are the
connector's own settings (``CITYZEN_DATAVERSE_TENANT_ID``…), prefixed ``CITYZEN_LIVE_``.

On a real organisation a test creates rows carrying its own tag (``czlive-`` and 8 random hex
digits) at the start of a text column, and the fixture deletes every row so tagged after the
test, passed or failed, and checks that none is left: the other rows of the organisation are
never written. docs/live.md says how to run it before a release.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from cityzen_connector.dataverse import (
    DataverseClient,
    DataverseConfig,
    MsalClientCredentialsProvider,
    Query,
    RequestsTransport,
    RetryPolicy,
    StaticTokenProvider,
    TokenProvider,
    Transport,
    WsgiTransport,
    startswith,
)
from cityzen_connector.mapping import MappingSet, load_mappings
from cityzen_connector.testing import FakeClock
from tests.support.emulator import provisioned_emulator
from tests.support.paths import ROOT
from tests.support.transports import RecordingTransport

URL = "CITYZEN_LIVE_DATAVERSE_URL"
TENANT_ID = "CITYZEN_LIVE_DATAVERSE_TENANT_ID"
CLIENT_ID = "CITYZEN_LIVE_DATAVERSE_CLIENT_ID"
CLIENT_SECRET = "CITYZEN_LIVE_DATAVERSE_CLIENT_SECRET"
CERTIFICATE_PATH = "CITYZEN_LIVE_DATAVERSE_CERTIFICATE_PATH"
TAG_PREFIX = "czlive-"

# Where each table carries the tag, children before parents: a row is deleted before the row it
# points at. An incident's resolutions and notes go with it in Dataverse (parental cascade);
# the emulator does not cascade, so they are tagged and deleted by tag too.
TAGGED_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("annotations", "filename", "annotationid"),
    ("incidents", "title", "incidentid"),
    ("incidentresolutions", "subject", "activityid"),
    ("contacts", "lastname", "contactid"),
)

# pytest's stash slot for msal's HTTP client: None (msal's own, towards Entra ID) unless a
# plugin puts one there (tests/support/live_wiring.py answers for Entra ID in-process).
MSAL_HTTP_CLIENT = pytest.StashKey[Any]()

TARGETS = ["emulator", pytest.param("live", marks=pytest.mark.live)]


@cache
def shipped_mappings() -> MappingSet:
    return load_mappings(ROOT / "mappings")


@dataclass(frozen=True)
class LiveSettings:
    """A real organisation and its application user (client credentials)."""

    url: str
    tenant_id: str
    client_id: str
    client_secret: str | None
    certificate_path: Path | None

    @classmethod
    def from_environ(cls, environ: Mapping[str, str]) -> LiveSettings | None:
        """The settings, or None when any is missing (see ``skip_reason``)."""
        if missing_settings(environ):
            return None
        certificate = environ.get(CERTIFICATE_PATH)
        return cls(
            environ[URL],
            environ[TENANT_ID],
            environ[CLIENT_ID],
            environ.get(CLIENT_SECRET) or None,
            Path(certificate) if certificate else None,
        )

    def tokens(self, http_client: Any = None) -> TokenProvider:
        return MsalClientCredentialsProvider(
            self.url,
            tenant_id=self.tenant_id,
            client_id=self.client_id,
            client_secret=self.client_secret,
            certificate_path=self.certificate_path,
            http_client=http_client,
        )


def missing_settings(environ: Mapping[str, str]) -> list[str]:
    missing = [name for name in (URL, TENANT_ID, CLIENT_ID) if not environ.get(name)]
    if not environ.get(CLIENT_SECRET) and not environ.get(CERTIFICATE_PATH):
        missing.append(f"{CLIENT_SECRET} (or {CERTIFICATE_PATH})")
    return missing


def skip_reason(missing: list[str]) -> str:
    return "no live Dataverse organisation: set " + ", ".join(missing) + " (docs/live.md)"


@dataclass(frozen=True)
class Target:
    """One test's Dataverse: its client (every reply kept in ``wire``), the tag its rows
    carry, and the clock of the test's own ports (stores, breaker; the emulator's clock)."""

    name: str
    client: DataverseClient
    wire: RecordingTransport
    tag: str
    clock: FakeClock

    @property
    def service_root(self) -> str:
        return self.client.config.service_root


@dataclass(frozen=True)
class LiveConnection:
    config: DataverseConfig
    transport: Transport
    tokens: TokenProvider


def delete_tagged(client: DataverseClient, tag: str) -> list[str]:
    """Delete every row tagged ``tag``; return what is still there afterwards (nothing)."""
    for entity_set, column, primary_id in TAGGED_COLUMNS:
        for row in list(client.query(_tagged(entity_set, column, primary_id, tag))):
            client.delete(entity_set, row[primary_id], missing_ok=True)
    return [
        f"{entity_set}({row[primary_id]})"
        for entity_set, column, primary_id in TAGGED_COLUMNS
        for row in client.query(_tagged(entity_set, column, primary_id, tag))
    ]


def _tagged(entity_set: str, column: str, primary_id: str, tag: str) -> Query:
    return Query(entity_set).select(primary_id).where(startswith(column, tag))


@pytest.fixture(scope="session")
def live_connection(request: pytest.FixtureRequest) -> Iterator[LiveConnection]:
    """The organisation of the ``CITYZEN_LIVE_*`` settings; the test is skipped without them."""
    settings = LiveSettings.from_environ(os.environ)
    if settings is None:
        pytest.skip(skip_reason(missing_settings(os.environ)))
    transport = RequestsTransport()
    try:
        yield LiveConnection(
            DataverseConfig(settings.url),
            transport,
            settings.tokens(request.config.stash.get(MSAL_HTTP_CLIENT, None)),
        )
    finally:
        transport.close()


@pytest.fixture(params=TARGETS)
def dataverse_target(request: pytest.FixtureRequest) -> Iterator[Target]:
    """The emulator, then (``-m live``) the real organisation; tagged rows deleted after."""
    clock = FakeClock()
    tag = TAG_PREFIX + secrets.token_hex(4)
    emulator = None
    if request.param == "live":
        live: LiveConnection = request.getfixturevalue("live_connection")
        wire = RecordingTransport(live.transport)
        # The system clock: a retry on a real organisation really waits.
        client = DataverseClient(live.config, wire, live.tokens, retry=RetryPolicy.HTTP_REQUEST)
    else:
        emulator = provisioned_emulator(shipped_mappings(), clock)
        wire = RecordingTransport(WsgiTransport(emulator))
        client = DataverseClient(
            DataverseConfig("http://127.0.0.1:7072"),
            wire,
            StaticTokenProvider("test-token"),
            clock=clock,
            retry=RetryPolicy.HTTP_REQUEST,
        )
    yield Target(request.param, client, wire, tag, clock)
    # After the test, passed or failed: its rows go, and nothing tagged may be left.
    try:
        left = delete_tagged(client, tag)
    finally:
        if emulator is not None:
            emulator.close()
    assert not left, f"rows tagged {tag} survived the cleanup: {left}"
