"""A town hall with one citizen's contact: the emulator provisioned for the shipped mappings
(its service endpoint posting to an in-memory case-events queue), the state store and the
queues in memory, the profile use case behind the portal API, and the profile-updates worker."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest

from cityzen_connector.api import ApiResponse
from cityzen_connector.app._configs import event_registration
from cityzen_connector.cases import (
    CaseEventPorts,
    CaseEventResult,
    CaseHistory,
    CaseSchema,
    QueueWebhookOutbox,
    handle_case_event,
)
from cityzen_connector.citizens import (
    ContactEvents,
    MemoryNotifier,
    NotifyingOutbox,
    Profiles,
    ProfileUpdatePorts,
    UpdateResult,
    handle_profile_update,
)
from cityzen_connector.cli._case_events import QueueSink
from cityzen_connector.dataverse import (
    DataverseClient,
    DataverseConfig,
    HttpRequest,
    HttpResponse,
    RetryPolicy,
    StaticTokenProvider,
    Transport,
    WsgiTransport,
)
from cityzen_connector.emulator import EmulatorApp
from cityzen_connector.mapping import MappingSet, identity_key, load_mappings
from cityzen_connector.messaging import MessageBus, open_bus
from cityzen_connector.settings import Settings
from cityzen_connector.store import StateStore, open_store
from cityzen_connector.sync import register_events
from cityzen_connector.testing import FakeClock
from tests.support.emulator import provisioned_emulator
from tests.support.paths import ROOT
from tests.support.schema_check import check_response
from tests.support.tokens import ISSUER
from tests.support.transports import CountingTransport
from tests.support.world import World, make_world

MAPPINGS: MappingSet = load_mappings(ROOT / "mappings")
PEPPER = b"test-pepper"
QUEUE = "profile-updates"
EVENTS = "case-events"
PATH = "/v1/citizens/me"
MERGE_PATCH = "application/merge-patch+json"
# Marianne's record as the pipeline left it: what she typed and FranceConnect certified.
MARIANNE = {
    "firstname": "Marianne",
    "lastname": "Dupont",
    "cz_birthname": "Dupont",
    "birthdate": "1985-04-12",
    "gendercode": 2,
    "cz_birthplace": "75056",
    "cz_birthcountry": "99100",
    "emailaddress1": "marianne.dupont@example.fr",
    "mobilephone": "+33612345678",
    "address1_line1": "12 rue de la Paix",
    "address1_postalcode": "75002",
    "address1_city": "Paris",
    # FranceConnect certified her pivot identity: the pipeline wrote its key.
    "cz_pivotkey": "5" * 64,
}


class AgentBeforeWrite:
    """A transport that lets an agent save the contact once, just before the connector's
    first PATCH of it reaches Dataverse: the race optimistic concurrency is for."""

    def __init__(self, inner: Transport) -> None:
        self.inner = inner
        self.action: Callable[[], None] | None = None

    def send(self, request: HttpRequest, *, timeout: float) -> HttpResponse:
        if request.method == "PATCH" and "/contacts(" in request.url and self.action:
            action, self.action = self.action, None
            action()
        return self.inner.send(request, timeout=timeout)


@dataclass
class Desk:
    clock: FakeClock
    emulator: EmulatorApp
    agent_client: DataverseClient  # what agents use (Dynamics 365's own forms)
    transport: CountingTransport  # the connector's way to Dataverse
    race: AgentBeforeWrite
    store: StateStore
    bus: MessageBus
    events: MessageBus
    profiles: Profiles
    ports: ProfileUpdatePorts
    contact_id: uuid.UUID
    notifier: MemoryNotifier
    published: list[Any] = field(default_factory=list)
    world: World = field(init=False)

    def __post_init__(self) -> None:
        self.world = make_world(store=self.store, profiles=self.profiles)

    # -- the portal -----------------------------------------------------------------------------
    def get(self, sub: str = "sub-marianne", *, check: bool = True) -> ApiResponse:
        response = self.world.request("GET", PATH, headers=named(sub))
        if check:
            check_response("GET", PATH, response)
        return response

    def patch(
        self,
        document: Any,
        etag: str | None,
        *,
        sub: str = "sub-marianne",
        content_type: str = MERGE_PATCH,
        raw: bytes | None = None,
    ) -> ApiResponse:
        headers = {**named(sub), "Content-Type": content_type}
        if etag is not None:
            headers["If-Match"] = etag
        body = raw if raw is not None else json.dumps(document).encode()
        response = self.world.request("PATCH", PATH, body, headers)
        check_response("PATCH", PATH, response)
        return response

    # -- the workers ----------------------------------------------------------------------------
    def queued(self) -> list[dict[str, Any]]:
        return [json.loads(m.body) for m in self.bus.peek(QUEUE, max_messages=100)]

    def drain(self) -> list[UpdateResult]:
        """Run the profile-updates worker on every message due now, completing each."""
        results = []
        while batch := self.bus.receive(QUEUE, max_messages=10):
            for message in batch:
                results.append(handle_profile_update(message, self.ports))
                self.bus.complete(message)
        return results

    def follow_events(self) -> list[CaseEventResult]:
        """Run the case-events worker on what the emulator posted (agents' changes)."""
        schema = CaseSchema.from_mappings(MAPPINGS)
        history = CaseHistory(
            self.store,
            QueueWebhookOutbox(self.bus, "webhooks"),
            MAPPINGS.statuses,
            clock=self.clock,
            retention=timedelta(days=400),
        )
        events = ContactEvents(self.profiles)
        ports = CaseEventPorts(
            bus=self.events,
            queue=EVENTS,
            history=history,
            schema=schema,
            clock=self.clock,
            tables={events.table: events},
        )
        results = []
        while batch := self.events.receive(EVENTS, max_messages=10):
            for message in batch:
                results.append(handle_case_event(message, ports))
                self.events.complete(message)
        return results

    # -- Dynamics 365 ---------------------------------------------------------------------------
    def agent(self, **changes: Any) -> None:
        """An agent saves the contact form in Dynamics 365."""
        self.agent_client.update("contacts", self.contact_id, changes)

    def contact(self) -> dict[str, Any]:
        return self.agent_client.retrieve("contacts", self.contact_id)

    def notifying(self) -> NotifyingOutbox:
        class Keep:
            def publish(inner, event: Any) -> None:  # noqa: N805 - a tiny real outbox
                self.published.append(event)

        return NotifyingOutbox(Keep(), self.profiles, self.notifier)


def named(sub: str, issuer: str = ISSUER) -> dict[str, str]:
    return {"CityZen-Citizen-Issuer": issuer, "CityZen-Citizen-Sub": sub}


def client_of(transport: Transport, clock: FakeClock) -> DataverseClient:
    return DataverseClient(
        DataverseConfig("http://127.0.0.1:7072"),
        transport,
        StaticTokenProvider("test-token"),
        clock=clock,
        retry=RetryPolicy.NO_RETRY,
    )


def make_desk(*, events_registered: bool = True, **contact: Any) -> Desk:
    clock = FakeClock()
    events = open_bus("memory://", clock=clock)
    emulator = provisioned_emulator(MAPPINGS, clock, sink=QueueSink(events))
    agent_client = client_of(WsgiTransport(emulator), clock)
    race = AgentBeforeWrite(WsgiTransport(emulator))
    transport = CountingTransport(race)
    client = client_of(transport, clock)
    store = open_store("memory://", clock=clock)
    bus = open_bus("memory://", clock=clock)
    body: Mapping[str, Any] = {
        **MARIANNE,
        **contact,
        "cz_identitykey": identity_key(ISSUER, "sub-marianne", pepper=PEPPER),
    }
    created = agent_client.create("contacts", body)
    assert created.id is not None
    if events_registered:
        settings = Settings(_env_file=None, dataverse_url="http://127.0.0.1:7072")
        register_events(agent_client, event_registration(settings, profile=MAPPINGS.profile))
    assert MAPPINGS.profile is not None
    profiles = Profiles(
        store,
        client,
        MAPPINGS.profile,
        bus,
        QUEUE,
        pepper=PEPPER,
        clock=clock,
        retention=timedelta(days=400),
    )
    ports = ProfileUpdatePorts(bus=bus, queue=QUEUE, client=client, profiles=profiles, clock=clock)
    return Desk(
        clock,
        emulator,
        agent_client,
        transport,
        race,
        store,
        bus,
        events,
        profiles,
        ports,
        created.id,
        MemoryNotifier(),
    )


@pytest.fixture
def desk() -> Desk:
    return make_desk()
