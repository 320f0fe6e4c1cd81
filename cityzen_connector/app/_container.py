"""The one composition root: settings → configs → ports → use cases, built lazily, once.

``Container(settings)`` is shared by the HTTP API, the queue worker, the timers, the CLI and
the benchmarks. Nothing is built when it is created (a Functions cold start pays only for the
settings); each port is opened on first use, by one thread, and then reused by every invocation
in the process, as Microsoft advises for clients ("Manage connections in Azure Functions":
create them once, outside the function, and reuse them). A failure is not cached: the next use
tries again.

A configuration a package refuses raises ``ConfigurationError`` at the first build (names and
rules, never values); ``app.start()`` checks eagerly, for the CLI.

Tests and benches pass ready objects (memory backends, a transport to the emulator, a fake
clock) as keyword arguments; everything else is still built from the settings.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING, Any, Generic, TypeVar, overload

from cityzen_connector._clock import SYSTEM_MONOTONIC, MonotonicClock, WallClock, utc_now
from cityzen_connector.settings import Settings

from . import _configs
from ._check import check
from ._errors import ConfigurationError

if TYPE_CHECKING:
    from cityzen_connector.agents import Directory, Reconciliation
    from cityzen_connector.api import (
        AgentsReconciler,
        ApiContract,
        ApiDependencies,
        HttpApi,
        OpsDependencies,
    )
    from cityzen_connector.api.open311 import Open311Dependencies
    from cityzen_connector.cases import (
        CaseEventPorts,
        CaseEventResult,
        CaseHistory,
        CaseRecord,
        CaseSchema,
        CaseThreads,
        KpiService,
        MyRequests,
        Reconciler,
        RemoteContext,
        WebhookDeliveryDeps,
        WebhookOutbox,
        WebhookSender,
    )
    from cityzen_connector.citizens import Notifier, Profiles, ProfileUpdatePorts
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
    from cityzen_connector.store import BlobStore, StateStore, SubmissionStatuses
    from cityzen_connector.sync import ConnectorQueues, ReadinessProbe
    from cityzen_connector.sync.intake import ApiKeys, AttachmentScanner, IngestPorts
    from cityzen_connector.sync.pipeline import CircuitBreaker, SubmissionProcessor, WorkerDeps

__all__ = ["Container"]

T = TypeVar("T")


class _Once(Generic[T]):
    """A lazily built attribute: built by one thread under the container's lock, then stored in
    the instance (later reads do not come here). A given object is stored the same way."""

    def __init__(self, build: Callable[[Any], T]) -> None:
        self._build = build
        self.__doc__ = build.__doc__
        self._name = build.__name__

    @overload
    def __get__(self, instance: None, owner: type[Any]) -> _Once[T]: ...

    @overload
    def __get__(self, instance: Container, owner: type[Any]) -> T: ...

    def __get__(self, instance: Container | None, owner: type[Any]) -> _Once[T] | T:
        if instance is None:
            return self
        with instance._lock:
            if self._name not in instance.__dict__:
                instance._check_once()
                instance.__dict__[self._name] = self._build(instance)
            value: T = instance.__dict__[self._name]
            return value


class Container:
    """Every port and use case of one process. See the module docstring."""

    def __init__(
        self,
        settings: Settings,
        *,
        clock: WallClock = utc_now,
        monotonic: MonotonicClock = SYSTEM_MONOTONIC,
        bus: MessageBus | None = None,
        store: StateStore | None = None,
        blobs: BlobStore | None = None,
        mappings: MappingSet | None = None,
        transport: Transport | None = None,
        tokens: TokenProvider | None = None,
        client: DataverseClient | None = None,
        fetch: FetchJson | None = None,
        scanner: AttachmentScanner | None = None,
        logger: logging.Logger | None = None,
        webhook_sender: WebhookSender | None = None,
        geocoder: Geocoder | None = None,
        feeds_fetcher: FeedFetcher | None = None,
        directory: Directory | None = None,
        agents: AgentsReconciler | None = None,
    ) -> None:
        self.settings = settings
        self.clock = clock
        self.monotonic = monotonic
        self._lock = threading.RLock()
        self._transport, self._tokens, self._fetch = transport, tokens, fetch
        self._scanner, self._logger = scanner, logger
        self._webhook_sender = webhook_sender
        self._feeds_fetcher = feeds_fetcher
        # The agents reconciliation the ops routes call: none until a deployment has an agents
        # access model (the routes then answer 503 agents_unavailable).
        self._agents = agents
        given: dict[str, object] = {
            "bus": bus,
            "store": store,
            "blobs": blobs,
            "mappings": mappings,
            "client": client,
            "geocoder": geocoder,
            "directory": directory,
        }
        self._given = {name for name, value in given.items() if value is not None}
        self.__dict__.update({name: given[name] for name in self._given})
        self._checked = False

    def _check_once(self) -> None:
        """Each package's own rules on its config (``app.check``), before the first build: the
        settings' rules ran when they were loaded; these import the packages, which the
        Function App's indexing must not pay for."""
        if not self._checked:
            check(self.settings)
            self._checked = True

    # -- ports ----------------------------------------------------------------------------------
    @_Once
    def bus(self) -> MessageBus:
        """The message bus; the queue_* settings tune the embedded queue (Azure keeps its own)."""
        from cityzen_connector.messaging import open_bus

        s = self.settings
        return open_bus(
            s.queue_url,
            clock=self.clock,
            lock_duration=timedelta(seconds=s.queue_lock_duration_seconds),
            max_delivery_count=s.queue_max_delivery_count,
            duplicate_window=timedelta(seconds=s.queue_duplicate_window_seconds),
            default_time_to_live=timedelta(days=s.queue_time_to_live_days),
        )

    @_Once
    def webhook_outbox(self) -> WebhookOutbox:
        """Where case changes for the portal wait for delivery (``webhooks_queue``); with a
        profile mapping, each carries the citizen's channel and language and is notified."""
        from cityzen_connector.cases import QueueWebhookOutbox
        from cityzen_connector.citizens import NotifyingOutbox

        outbox = QueueWebhookOutbox(self.bus, self.settings.webhooks_queue)
        if self.profiles is None:
            return outbox
        return NotifyingOutbox(outbox, self.profiles, self.notifier)

    # -- the citizen's own record (citizens/) ---------------------------------------------------
    @_Once
    def profiles(self) -> Profiles | None:
        """``GET``/``PATCH /api/v1/citizens/me``; ``None`` when no mapping file has [profile]."""
        from cityzen_connector.citizens import Profiles

        mapping = self.mappings.profile
        if mapping is None:
            return None
        return Profiles(
            self.store,
            self.api_client,
            mapping,
            self.bus,
            self.settings.profile_updates_queue,
            pepper=self._pepper,
            clock=self.clock,
            retention=timedelta(days=self.settings.case_history_days),
        )

    @_Once
    def notifier(self) -> Notifier:
        from cityzen_connector.citizens import open_notifier

        return open_notifier(self.settings.notifier_url, clock=self.clock)

    @_Once
    def profile_updates(self) -> ProfileUpdatePorts:
        """What the profile-updates queue worker needs (queue-work retries on the client)."""
        from cityzen_connector.citizens import ProfileUpdatePorts
        from cityzen_connector.mapping import MappingError

        if self.profiles is None:
            raise MappingError("no mapping file has a [profile] table")
        s = self.settings
        ports = ProfileUpdatePorts(
            bus=self.bus,
            queue=s.profile_updates_queue,
            client=self.client,
            profiles=self.profiles,
            clock=self.clock,
            first_delay=timedelta(seconds=s.retry_initial_delay_seconds),
            max_delay=timedelta(seconds=s.retry_max_delay_seconds),
            # A change still queued when the citizen's erasure is approved is dropped.
            erased_at=self.eraser.erased_at if self.eraser is not None else None,
        )
        return ports if self._logger is None else dataclasses.replace(ports, logger=self._logger)

    @_Once
    def webhook_delivery(self) -> WebhookDeliveryDeps:
        """What the outbox worker needs: endpoints, secrets, back-off, the HTTP sender."""
        from cityzen_connector.cases import RequestsWebhookSender, WebhookDeliveryDeps

        deps = WebhookDeliveryDeps(
            bus=self.bus,
            queue=self.settings.webhooks_queue,
            config=_configs.webhook_config(self.settings),
            sender=self._webhook_sender or RequestsWebhookSender(),
            clock=self.clock,
        )
        return deps if self._logger is None else dataclasses.replace(deps, logger=self._logger)

    @_Once
    def store(self) -> StateStore:
        from cityzen_connector.store import open_store

        return open_store(self.settings.store_url, clock=self.clock)

    @_Once
    def blobs(self) -> BlobStore:
        from cityzen_connector.store import open_blobs

        return open_blobs(self.settings.blob_url, clock=self.clock)

    @_Once
    def statuses(self) -> SubmissionStatuses:
        from cityzen_connector.store import SubmissionStatuses

        return SubmissionStatuses(
            self.store, clock=self.clock, retention=_configs.retention(self.settings)
        )

    @_Once
    def mappings(self) -> MappingSet:
        """Read once; a bad mapping file raises ``MappingFileError`` here, at start-up."""
        from cityzen_connector.mapping import load_mappings

        return load_mappings(self.settings.mappings_dir)

    @_Once
    def tokens(self) -> TokenProvider:
        return self._tokens or _configs.token_provider(self.settings, clock=self.monotonic)

    @_Once
    def client(self) -> DataverseClient:
        """The Dataverse client for background work: retries as queue work may (long waits).
        ``api_client`` and ``probe_client`` share its connections and token."""
        from cityzen_connector.dataverse import (
            DataverseClient,
            RequestsTransport,
            RetryPolicy,
        )

        config = _configs.dataverse_config(self.settings)
        transport = self._transport or RequestsTransport(pool_size=config.max_concurrency)
        return DataverseClient(
            config, transport, self.tokens, retry=RetryPolicy.QUEUE_WORK, clock=self.monotonic
        )

    @_Once
    def api_client(self) -> DataverseClient:
        """For HTTP requests: a caller is waiting, so shorter retries."""
        from cityzen_connector.dataverse import RetryPolicy

        return self.client.with_retry(RetryPolicy.HTTP_REQUEST)

    @_Once
    def probe_client(self) -> DataverseClient:
        """For health checks: asks once and reports, never sleeps."""
        from cityzen_connector.dataverse import RetryPolicy

        return self.client.with_retry(RetryPolicy.NO_RETRY)

    # -- the portal's news and agenda -------------------------------------------------------------
    @_Once
    def feeds_config(self) -> FeedsConfig:
        return _configs.feeds_config(self.settings)

    @_Once
    def feeds_fetcher(self) -> FeedFetcher:
        """Conditional GETs of the feeds (a requests session, reused between refreshes)."""
        from cityzen_connector.portal import RequestsFeedFetcher

        return self._feeds_fetcher or RequestsFeedFetcher(monotonic=self.monotonic)

    @_Once
    def feeds_reader(self) -> FeedsReader:
        """Every feed's last good copy, merged, for the news and agenda routes and readiness."""
        from cityzen_connector.portal import FeedsReader

        ttl = timedelta(seconds=self.settings.api_feeds_cache_seconds)
        return FeedsReader(self.feeds_config, self.store, self.clock, ttl=ttl)

    # -- agents' accounts -----------------------------------------------------------------------
    @_Once
    def directory(self) -> Directory:
        """Who is in the access model's groups: Microsoft Graph, or a directory file locally.
        Checked here, when first needed, not at start-up: a deployment that reconciles no
        agents needs no directory."""
        from ._settings import env_name

        try:
            return _configs.agents_directory(self.settings, clock=self.monotonic)
        except ValueError as exc:
            names = ("agents_directory_url", "dataverse_auth")
            raise ConfigurationError([f"{', '.join(map(env_name, names))}: {exc}"]) from exc

    @_Once
    def agents(self) -> Reconciliation:
        """The agents' reconciliation (``plan`` and ``apply``): background work's client."""
        from cityzen_connector.agents import AgentsDeps, Reconciliation

        deps = AgentsDeps(
            self.client,
            self.directory,
            self.mappings.agents,
            per_batch=self.settings.agents_batch_operations,
        )
        if self._logger is not None:
            deps = dataclasses.replace(deps, logger=self._logger)
        return Reconciliation(deps)

    # -- the pipeline ---------------------------------------------------------------------------
    @_Once
    def breaker(self) -> CircuitBreaker:
        from cityzen_connector.sync.pipeline import CircuitBreaker

        open_for = timedelta(seconds=self.settings.breaker_open_seconds)
        return CircuitBreaker(self.store, clock=self.clock, open_for=open_for)

    @_Once
    def processor(self) -> SubmissionProcessor:
        from cityzen_connector.mapping import PlanContext
        from cityzen_connector.sync.pipeline import FollowupQueue, LookupCache, SubmissionProcessor

        ttl = timedelta(seconds=self.settings.lookup_cache_ttl_seconds)
        # Follow-ups a transient failure left undone wait on the submissions queue, backed off
        # as submissions are, and are handled by the same worker.
        followups = FollowupQueue(
            self.bus,
            self.settings.submissions_queue,
            policy=_configs.delivery_policy(self.settings),
            clock=self.clock,
        )
        return SubmissionProcessor(
            self.client,
            self.mappings,
            self.blobs,
            self.statuses,
            self.breaker,
            clock=self.clock,
            logger=self._logger,
            context=PlanContext(pepper=self._pepper),
            lookups=LookupCache(self.client, clock=self.clock, ttl=ttl),
            followup_queue=followups,
            addresses=self.address_help,
        )

    @_Once
    def worker(self) -> WorkerDeps:
        """What the submissions queue worker (and the backlog drain) needs."""
        from cityzen_connector.sync.pipeline import MessageWriter, WorkerDeps

        extra: dict[str, Any] = {"logger": self._logger} if self._logger is not None else {}
        column = self.case_schema.submission_column or "cz_submissionid"
        extra["messages"] = MessageWriter(
            self.client, self.statuses, submission_column=column, blobs=self.blobs
        )
        return WorkerDeps(
            bus=self.bus,
            queue=self.settings.submissions_queue,
            processor=self.processor,
            breaker=self.breaker,
            statuses=self.statuses,
            retry=_configs.delivery_policy(self.settings),
            clock=self.clock,
            probe=self.client.who_am_i,
            **extra,
        )

    # -- case status back to citizens -----------------------------------------------------------
    @_Once
    def case_schema(self) -> CaseSchema:
        from cityzen_connector.cases import CaseSchema

        return CaseSchema.from_mappings(self.mappings)

    @_Once
    def case_history(self) -> CaseHistory:
        """Case histories in the store; status changes published to ``webhook_outbox``."""
        from cityzen_connector.cases import CaseHistory

        return CaseHistory(
            self.store,
            self.webhook_outbox,
            self.mappings.statuses,
            clock=self.clock,
            retention=timedelta(days=self.settings.case_history_days),
        )

    @_Once
    def case_threads(self) -> CaseThreads:
        """The conversation on each request (agents' messages in, the thread read)."""
        from cityzen_connector.cases import CaseThreads, DataverseNotes
        from cityzen_connector.sync.intake import sniff

        return CaseThreads(
            self.store,
            self.webhook_outbox,
            self.case_history,
            clock=self.clock,
            retention=timedelta(days=self.settings.case_history_days),
            notes=DataverseNotes(self.client, sniff),
        )

    @_Once
    def case_events(self) -> CaseEventPorts:
        """What the case-events queue worker needs."""
        from dataclasses import replace

        from cityzen_connector.cases import CaseEventPorts

        ports = CaseEventPorts(
            bus=self.bus,
            queue=self.settings.case_events_queue,
            history=self.case_history,
            schema=self.case_schema,
            clock=self.clock,
            # A message trimmed past 192 KB: read the case. Lazy: the reconciler and its
            # Dataverse client are built on the first such message, not at cold start.
            read_case=lambda case_id: self.reconciler.read_case(case_id),  # noqa: PLW0108
            threads=self.case_threads,
            # An erasure request decided by the DPO (app/_rights.py); lazy, as read_case.
            on_recorded=self._on_recorded,
            # An agent's change of a citizen's contact: the record's copy follows.
            tables=self._contact_events(),
        )
        return ports if self._logger is None else replace(ports, logger=self._logger)

    def _contact_events(self) -> dict[str, Callable[[RemoteContext], CaseEventResult]]:
        from cityzen_connector.citizens import ContactEvents

        if self.profiles is None:
            return {}
        events = ContactEvents(self.profiles)
        return {events.table: events}

    @_Once
    def my_requests(self) -> MyRequests:
        """ "My requests": the store, and one cached Dataverse read per citizen."""
        from cityzen_connector.cases import MyRequests

        return MyRequests(
            self.store,
            self.api_client,
            self.case_schema,
            self.mappings.statuses,
            pepper=self._pepper,
            monotonic=self.monotonic,
            cache_seconds=self.settings.case_requests_cache_seconds,
            clock=self.clock,
            retention=timedelta(days=self.settings.case_history_days),
        )

    @_Once
    def reconciler(self) -> Reconciler:
        """The change-tracking safety net over ``case_history``."""
        from cityzen_connector.cases import Reconciler

        return Reconciler(self.client, self.store, self.case_history, self.case_schema)

    # -- the portal -----------------------------------------------------------------------------
    @_Once
    def geocoder(self) -> Geocoder:
        """The geocoding service at ``geocoder_url`` (the Géoplateforme, or the embedded one)."""
        from cityzen_connector.portal import GeoplateformeGeocoder

        s = self.settings
        return GeoplateformeGeocoder(
            s.geocoder_url, timeout=s.geocoder_timeout_seconds, clock=self.clock
        )

    @_Once
    def address_help(self) -> AddressHelp:
        """Address help: one cache and one pace for the HTTP API, the intake's check and the
        pipeline of this process."""
        from cityzen_connector.portal import AddressHelp

        config = _configs.address_help_config(self.settings)
        return AddressHelp(self.geocoder, config, clock=self.monotonic)

    # -- the HTTP API ---------------------------------------------------------------------------
    @_Once
    def authenticator(self) -> BearerAuthenticator | None:
        """Verifiers of every configured issuer; ``None`` in ``function_key`` mode."""
        from . import _identity

        if self.settings.auth_mode == "function_key":
            return None
        return _identity.authenticator(self.settings, self._fetcher(), self.clock)

    def _fetcher(self) -> FetchJson:
        if self._fetch is not None:
            return self._fetch
        import requests

        from cityzen_connector.identity import requests_fetcher

        return requests_fetcher(requests.Session())

    @_Once
    def ops_authenticator(self) -> OpsAuthenticator | None:
        """The ops routes' own authenticator (the ops tenant, or the local key in local mode);
        ``None`` when neither: every ops call is refused."""
        from . import _identity

        return _identity.ops_authenticator(self.settings, self._fetcher(), self.clock)

    @_Once
    def stats_authenticator(self) -> OpsAuthenticator | None:
        """``GET /api/v1/stats``: the ops tenant's tokens with the ops role or one of
        ``CITYZEN_STATS_ROLES`` (agents); ``None`` as ``ops_authenticator``."""
        from . import _identity

        roles = frozenset(r.strip() for r in self.settings.stats_roles.split(",") if r.strip())
        return _identity.ops_authenticator(self.settings, self._fetcher(), self.clock, roles)

    @_Once
    def kpis(self) -> KpiService:
        """The KPIs and open data over the case histories (docs/kpis.md)."""
        from cityzen_connector.cases import FactReader, KpiService

        mappings, s = self.mappings, self.settings
        channels = mappings.option_map(mappings.case_target, "submission.channel")
        reader = FactReader(
            vocabulary=mappings.statuses,
            subjects=mappings.catalog.by_subject(),
            channels={number: name for name, number in channels.items()},
            targets=mappings.catalog.target_days(),
            theme_titles=mappings.catalog.titles()[0],
            sub_theme_titles=mappings.catalog.titles()[1],
        )
        return KpiService(
            self.store,
            reader,
            clock=self.clock,
            client=self.api_client,
            entity_set=self.case_schema.entity_set,
            cache_seconds=s.stats_reconcile_cache_seconds,
            open_data_threshold=s.open_data_threshold,
        )

    @_Once
    def connector_queues(self) -> ConnectorQueues:
        """The queues the connector uses, as the ops routes count, list and replay them."""
        from cityzen_connector.sync import ConnectorQueue, ConnectorQueues

        s = self.settings
        queues = (
            ConnectorQueue(s.submissions_queue, "submissions", self.statuses),
            ConnectorQueue(s.case_events_queue, "case-events"),
            ConnectorQueue(s.webhooks_queue, "webhooks"),
        )
        return ConnectorQueues(self.bus, queues, clock=self.clock)

    @_Once
    def ops(self) -> OpsDependencies:
        from cityzen_connector.api import OpsDependencies

        agents = self._agents
        if agents is None and self.mappings.agents.groups:
            from cityzen_connector.agents import OpsReconciliation

            agents = OpsReconciliation(lambda: self.agents)
        return OpsDependencies(
            authenticator=self.ops_authenticator,
            queues=self.connector_queues,
            agents=agents,
            stats_authenticator=self.stats_authenticator,
        )

    @_Once
    def ingest(self) -> IngestPorts:
        from cityzen_connector.sync.intake import IngestPorts, NoScan

        return IngestPorts(
            bus=self.bus,
            queue=self.settings.submissions_queue,
            store=self.store,
            blobs=self.blobs,
            catalog=self.mappings.catalog,
            clock=self.clock,
            retention=_configs.retention(self.settings),
            limits=_configs.attachment_limits(self.settings),
            scanner=self._scanner or NoScan(),
            identity_key=self._pepper,
            addresses=self.address_help,
        )

    @_Once
    def readiness(self) -> ReadinessProbe:
        from cityzen_connector.sync import ReadinessPorts, ReadinessProbe

        from ._search import knowledge_cache_state

        ports = ReadinessPorts(
            self.probe_client,
            self.bus,
            self.settings.submissions_queue,
            self.store,
            self.clock,
            caches={"knowledge_articles": lambda: knowledge_cache_state(self.search)},
            optional=self._optional_checks(),
        )
        return ReadinessProbe(ports, ttl=timedelta(seconds=self.settings.api_ready_cache_seconds))

    def _optional_checks(self) -> dict[str, Callable[[], str | None]]:
        """What readiness reports without failing on it: the portal's feeds, if any."""
        if not self.feeds_config.sources:
            return {}

        def feeds() -> str | None:
            health = self.feeds_reader.health()
            return None if health.ok else health.detail()

        return {"feeds": feeds}

    @_Once
    def search(self) -> SearchService:
        """Procedure and knowledge search, its index in this process (``app/_search.py``)."""
        from ._search import search_service

        return search_service(
            self.settings,
            self.store,
            lambda: self.mappings.catalog,
            clock=self.clock,
            monotonic=self.monotonic.now,
        )

    @_Once
    def api(self) -> ApiDependencies:
        """The portal API's dependencies, sharing this container's bus, store and blobs (one
        queue for HTTP and worker, even in memory)."""
        from cityzen_connector.api import ApiDependencies

        s = self.settings
        from cityzen_connector.sync import ThemesReader

        themes = ThemesReader(
            self.api_client,
            self.mappings,
            self.store,
            self.clock,
            max_age=timedelta(seconds=s.api_themes_cache_seconds),
        )
        return ApiDependencies(
            ingest=self.ingest,
            themes=themes,
            readiness=self.readiness,
            search=self.search,
            auth_mode=s.auth_mode,
            authenticator=self.authenticator,
            portal_key=s.api_portal_key.get_secret_value(),
            max_body_bytes=s.api_max_body_bytes,
            case_history=self.case_history,
            my_requests=self.my_requests,
            case_threads=self.case_threads,
            addresses=self.address_help,
            max_query_chars=s.search_max_query_chars,
            feeds=self.feeds_reader,
            ops=self.ops,
            # Lazy: the store is read on the first stats or open-data request only.
            kpis=self.kpis,
            rights=self.rights,
            open311=self.open311 if s.open311_enabled else None,
            profiles=self.profiles,
        )

    @_Once
    def open311_keys(self) -> ApiKeys:
        """The Open311 apps' keys, hashed with the identity pepper in the state store."""
        from cityzen_connector.sync.intake import ApiKeys

        return ApiKeys(self.store, pepper=self._pepper, clock=self.clock)

    @_Once
    def open311(self) -> Open311Dependencies:
        """The Open311 facade's own dependencies (docs/open311.md)."""
        from cityzen_connector.api.open311 import Open311Dependencies

        s = self.settings
        return Open311Dependencies(
            keys=self.open311_keys,
            jurisdiction_id=s.open311_jurisdiction_id,
            immediate_id=s.open311_immediate_id,
            base_url=s.open311_base_url,
            contact=s.open311_contact,
        )

    @_Once
    def rights(self) -> RightsServices | None:
        """The data-protection rights' use cases (app/_rights.py)."""
        from ._rights import rights_services

        return rights_services(self)

    @_Once
    def eraser(self) -> Eraser | None:
        """The erasure a DPO's approval triggers (app/_rights.py)."""
        from ._rights import eraser

        return eraser(self)

    def _on_recorded(self, record: CaseRecord) -> None:
        from ._rights import on_recorded

        on_recorded(self, record)

    @_Once
    def api_contract(self) -> ApiContract:
        """What the served OpenAPI document describes: settings and mappings, no backend."""
        from cityzen_connector.api import ApiContract

        s = self.settings
        limits = _configs.attachment_limits(s)
        queues = (s.submissions_queue, s.case_events_queue, s.webhooks_queue)
        return ApiContract.of(
            s.auth_mode,
            self.mappings.catalog,
            limits,
            max_query_chars=s.search_max_query_chars,
            ops_queues=queues,
        )

    @_Once
    def http_api(self) -> HttpApi:
        """The API itself; its dependencies are built by the first request that needs them
        (liveness and the OpenAPI document never do)."""
        from cityzen_connector.api import build_api

        return build_api(lambda: self.api, contract=lambda: self.api_contract)

    # -- lifetime -------------------------------------------------------------------------------
    @property
    def _pepper(self) -> bytes:
        return self.settings.identity_pepper.get_secret_value().encode()

    @property
    def pepper(self) -> bytes:
        """The identity keys' HMAC key (for the rights' wiring, app/_rights.py)."""
        return self._pepper

    def close(self) -> None:
        """Close the backends this container opened (not the ones it was given)."""
        for name in ("bus", "store", "blobs", "geocoder"):
            if name not in self._given and name in self.__dict__:
                self.__dict__[name].close()
