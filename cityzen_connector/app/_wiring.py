"""What the area wiring modules (``_citizens``, ``_cases_wiring``, ``_portal_wiring``,
``_ops_wiring``, ``_pipeline_wiring``, ``_http_wiring``, ``_open311``) read of the container.

``Container`` delegates each lazily built attribute to a plain function of one of those modules,
``build(c) -> value``, run once under the container's lock (``_container._Once``). The function
reads the other parts through ``c``, so a part it needs is built (once) when first read, exactly
as when the builders were the container's methods. ``Parts`` is a protocol because the container
imports these modules: they cannot import it back.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from cityzen_connector._clock import MonotonicClock, WallClock
    from cityzen_connector.agents import Directory, Reconciliation
    from cityzen_connector.api import (
        AgentsReconciler,
        ApiContract,
        ApiDependencies,
        OpsDependencies,
    )
    from cityzen_connector.api.open311 import Open311Dependencies
    from cityzen_connector.cases import (
        CaseHistory,
        CaseSchema,
        CaseThreads,
        KpiService,
        MyRequests,
        Reconciler,
        WebhookOutbox,
        WebhookSender,
    )
    from cityzen_connector.citizens import Notifier, Profiles
    from cityzen_connector.dataverse import DataverseClient, TokenProvider, Transport
    from cityzen_connector.identity import BearerAuthenticator, FetchJson, OpsAuthenticator
    from cityzen_connector.mapping import MappingSet
    from cityzen_connector.messaging import MessageBus
    from cityzen_connector.portal import (
        AddressHelp,
        FeedFetcher,
        FeedsConfig,
        FeedsReader,
        Geocoder,
        SearchService,
    )
    from cityzen_connector.rgpd import Eraser, RightsServices
    from cityzen_connector.settings import Settings
    from cityzen_connector.store import BlobStore, StateStore, SubmissionStatuses
    from cityzen_connector.sync import ConnectorQueues, ReadinessProbe
    from cityzen_connector.sync.intake import ApiKeys, AttachmentScanner, IngestPorts
    from cityzen_connector.sync.pipeline import CircuitBreaker, SubmissionProcessor


@dataclass(frozen=True)
class Seams:
    """The ready objects a caller gave the container instead of building them from the
    settings (tests, benches); ``None``: build the real one."""

    transport: Transport | None = None
    tokens: TokenProvider | None = None
    fetch: FetchJson | None = None
    scanner: AttachmentScanner | None = None
    logger: logging.Logger | None = None
    webhook_sender: WebhookSender | None = None
    feeds_fetcher: FeedFetcher | None = None
    # The agents reconciliation the ops routes call: none until a deployment has an agents
    # access model (the routes then answer 503 agents_unavailable).
    agents: AgentsReconciler | None = None


class Parts(Protocol):
    """The container as its wiring modules read it (``app.Container``)."""

    @property
    def settings(self) -> Settings: ...
    @property
    def clock(self) -> WallClock: ...
    @property
    def monotonic(self) -> MonotonicClock: ...
    @property
    def seams(self) -> Seams: ...
    @property
    def pepper(self) -> bytes: ...
    # -- ports
    @property
    def bus(self) -> MessageBus: ...
    @property
    def store(self) -> StateStore: ...
    @property
    def blobs(self) -> BlobStore: ...
    @property
    def statuses(self) -> SubmissionStatuses: ...
    @property
    def mappings(self) -> MappingSet: ...
    @property
    def client(self) -> DataverseClient: ...
    @property
    def api_client(self) -> DataverseClient: ...
    @property
    def probe_client(self) -> DataverseClient: ...
    # -- the citizen's record, cases, portal
    @property
    def profiles(self) -> Profiles | None: ...
    @property
    def notifier(self) -> Notifier: ...
    @property
    def webhook_outbox(self) -> WebhookOutbox: ...
    @property
    def case_schema(self) -> CaseSchema: ...
    @property
    def case_history(self) -> CaseHistory: ...
    @property
    def case_threads(self) -> CaseThreads: ...
    @property
    def my_requests(self) -> MyRequests: ...
    @property
    def reconciler(self) -> Reconciler: ...
    @property
    def kpis(self) -> KpiService: ...
    @property
    def feeds_config(self) -> FeedsConfig: ...
    @property
    def feeds_reader(self) -> FeedsReader: ...
    @property
    def geocoder(self) -> Geocoder: ...
    @property
    def address_help(self) -> AddressHelp: ...
    @property
    def search(self) -> SearchService: ...
    # -- agents, pipeline, HTTP API, rights, Open311
    @property
    def directory(self) -> Directory: ...
    @property
    def agents(self) -> Reconciliation: ...
    @property
    def breaker(self) -> CircuitBreaker: ...
    @property
    def processor(self) -> SubmissionProcessor: ...
    @property
    def authenticator(self) -> BearerAuthenticator | None: ...
    @property
    def ops_authenticator(self) -> OpsAuthenticator | None: ...
    @property
    def stats_authenticator(self) -> OpsAuthenticator | None: ...
    @property
    def connector_queues(self) -> ConnectorQueues: ...
    @property
    def ops(self) -> OpsDependencies: ...
    @property
    def ingest(self) -> IngestPorts: ...
    @property
    def readiness(self) -> ReadinessProbe: ...
    @property
    def api(self) -> ApiDependencies: ...
    @property
    def api_contract(self) -> ApiContract: ...
    @property
    def rights(self) -> RightsServices | None: ...
    @property
    def eraser(self) -> Eraser | None: ...
    @property
    def open311_keys(self) -> ApiKeys: ...
    @property
    def open311(self) -> Open311Dependencies: ...
