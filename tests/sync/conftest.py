"""Fixtures: a seeded, provisioned emulator in-process, memory backends, a processor."""

from __future__ import annotations

import copy
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from cityzen_connector.dataverse import (
    DataverseClient,
    DataverseConfig,
    RetryPolicy,
    StaticTokenProvider,
    WsgiTransport,
)
from cityzen_connector.emulator import EmulatorApp
from cityzen_connector.mapping import MappingSet, PlanContext, load_mappings
from cityzen_connector.messaging import MessageBus, open_bus
from cityzen_connector.models import EXAMPLE_SUBMISSION, Submission
from cityzen_connector.store import (
    BlobStore,
    StateStore,
    SubmissionStatuses,
    open_blobs,
    open_store,
)
from cityzen_connector.sync.pipeline import (
    CircuitBreaker,
    FollowupQueue,
    LookupCache,
    SubmissionProcessor,
    WorkerDeps,
)
from cityzen_connector.sync.pipeline import DeliveryPolicy as DeliveryRetryPolicy
from cityzen_connector.testing import FakeClock
from tests.support.emulator import provisioned_emulator
from tests.support.transports import CountingTransport

MAPPINGS = Path(__file__).resolve().parents[2] / "mappings"
PEPPER = b"test-pepper"
ORG = "http://127.0.0.1:7072"


@pytest.fixture(scope="session")
def mappings() -> MappingSet:
    return load_mappings(MAPPINGS)


# A seeded emulator provisioned for the mappings (tests/support/emulator.py).
provisioned_app = provisioned_emulator


def make_client(transport: Any, clock: FakeClock, **config: Any) -> DataverseClient:
    return DataverseClient(
        DataverseConfig(ORG, **config),
        transport,
        StaticTokenProvider("test-token"),
        clock=clock,
        retry=RetryPolicy.QUEUE_WORK,
        rng=lambda: 0.5,
    )


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def app(mappings: MappingSet, clock: FakeClock) -> EmulatorApp:
    return provisioned_app(mappings, clock)


@pytest.fixture
def transport(app: EmulatorApp) -> CountingTransport:
    return CountingTransport(WsgiTransport(app))


@pytest.fixture
def client(transport: CountingTransport, clock: FakeClock) -> DataverseClient:
    return make_client(transport, clock)


@pytest.fixture
def store(clock: FakeClock) -> StateStore:
    return open_store("memory://", clock=clock)


@pytest.fixture
def blobs(clock: FakeClock) -> BlobStore:
    return open_blobs("memory://", clock=clock)


@pytest.fixture
def statuses(store: StateStore, clock: FakeClock) -> SubmissionStatuses:
    return SubmissionStatuses(store, clock=clock, retention=timedelta(days=30))


@pytest.fixture
def breaker(store: StateStore, clock: FakeClock) -> CircuitBreaker:
    return CircuitBreaker(store, clock=clock, open_for=timedelta(seconds=60))


def build_processor(
    client: DataverseClient,
    mappings: MappingSet,
    *,
    blobs: BlobStore,
    statuses: SubmissionStatuses,
    breaker: CircuitBreaker,
    clock: FakeClock,
    bus: MessageBus,
    pepper: bytes = PEPPER,
) -> SubmissionProcessor:
    """The pipeline as the worker builds it; follow-ups left undone wait on ``bus``'s
    submissions queue, as in production."""
    followups = FollowupQueue(bus, "submissions", policy=DeliveryRetryPolicy(), clock=clock)
    return SubmissionProcessor(
        client,
        mappings,
        blobs,
        statuses,
        breaker,
        clock=clock,
        logger=logging.getLogger("cityzen_connector.sync.test"),
        context=PlanContext(pepper=pepper),
        lookups=LookupCache(client, clock=clock),
        followup_queue=followups,
    )


@pytest.fixture
def processor(
    client: DataverseClient,
    mappings: MappingSet,
    blobs: BlobStore,
    statuses: SubmissionStatuses,
    breaker: CircuitBreaker,
    clock: FakeClock,
    bus: MessageBus,
) -> SubmissionProcessor:
    return build_processor(
        client,
        mappings,
        blobs=blobs,
        statuses=statuses,
        breaker=breaker,
        clock=clock,
        bus=bus,
    )


MakeSubmission = Callable[..., Submission]


@pytest.fixture
def make_submission(blobs: BlobStore) -> MakeSubmission:
    """A valid submission with a fresh id whose attachments' bytes are in the blob store;
    keyword arguments replace top-level keys, ``citizen`` merges (None removes a claim)."""

    def make(**changes: Any) -> Submission:
        data = copy.deepcopy(EXAMPLE_SUBMISSION)
        data["id"] = str(uuid.uuid4())
        for claim, value in changes.pop("citizen", {}).items():
            if value is None:
                data["citizen"].pop(claim, None)
            else:
                data["citizen"][claim] = value
        data.update(changes)
        for attachment in data["attachments"]:
            attachment["id"] = str(uuid.uuid4())
            attachment["blob_name"] = blobs.put(b"abc", media_type="image/jpeg").name
        return Submission.model_validate(data)

    return make


@dataclass
class Rows:
    client: DataverseClient

    def all(self, entity_set: str, select: str) -> list[dict[str, Any]]:
        from cityzen_connector.dataverse import Query  # noqa: PLC0415

        return list(self.client.query(Query(entity_set).select(*select.split(","))))


@pytest.fixture
def rows(app: EmulatorApp, clock: FakeClock) -> Rows:
    """Reads through a separate client, so they are not counted as the pipeline's calls."""
    return Rows(make_client(WsgiTransport(app), clock))


@pytest.fixture
def bus(clock: FakeClock) -> MessageBus:
    return open_bus("memory://", clock=clock, lock_duration=timedelta(seconds=60))


@pytest.fixture
def deps(
    bus: MessageBus,
    processor: SubmissionProcessor,
    breaker: CircuitBreaker,
    statuses: SubmissionStatuses,
    client: DataverseClient,
    clock: FakeClock,
) -> WorkerDeps:
    return WorkerDeps(
        bus=bus,
        queue="submissions",
        processor=processor,
        breaker=breaker,
        statuses=statuses,
        retry=DeliveryRetryPolicy(),
        clock=clock,
        probe=client.who_am_i,
    )
