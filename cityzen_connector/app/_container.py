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

The ports are built here; each area's parts by a plain function of its wiring module
(``_citizens``, ``_cases_wiring``, ``_portal_wiring``, ``_ops_wiring``, ``_pipeline_wiring``,
``_http_wiring``, ``_open311``, ``_rights``) that reads the others through the container
(``_wiring.Parts``), each still built once, on first use, under the container's lock.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING, Any, Generic, TypeVar, overload

from cityzen_connector._clock import SYSTEM_MONOTONIC, MonotonicClock, WallClock, utc_now
from cityzen_connector.settings import Settings

from . import (
    _cases_wiring,
    _citizens,
    _configs,
    _http_wiring,
    _open311,
    _ops_wiring,
    _pipeline_wiring,
    _portal_wiring,
)
from ._check import check
from ._wiring import Seams

if TYPE_CHECKING:
    from cityzen_connector.agents import Directory
    from cityzen_connector.api import AgentsReconciler
    from cityzen_connector.cases import WebhookSender
    from cityzen_connector.dataverse import DataverseClient, TokenProvider, Transport
    from cityzen_connector.identity import FetchJson
    from cityzen_connector.mapping import MappingSet
    from cityzen_connector.messaging import MessageBus
    from cityzen_connector.portal import FeedFetcher, Geocoder
    from cityzen_connector.rgpd import Eraser, RightsServices
    from cityzen_connector.store import BlobStore, StateStore, SubmissionStatuses
    from cityzen_connector.sync.intake import AttachmentScanner

    from ._wiring import Parts

__all__ = ["Container"]

T = TypeVar("T")


class _Once(Generic[T]):
    """A lazily built attribute: built by one thread under the container's lock, then stored in
    the instance (later reads do not come here). A given object is stored the same way."""

    def __init__(self, build: Callable[[Any], T]) -> None:
        self._build = build
        self.__doc__ = build.__doc__
        self._name = build.__name__

    def __set_name__(self, owner: type[Any], name: str) -> None:
        self._name = name

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
        self.seams = Seams(
            transport=transport,
            tokens=tokens,
            fetch=fetch,
            scanner=scanner,
            logger=logger,
            webhook_sender=webhook_sender,
            feeds_fetcher=feeds_fetcher,
            agents=agents,
        )
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
        return self.seams.tokens or _configs.token_provider(self.settings, clock=self.monotonic)

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
        transport = self.seams.transport or RequestsTransport(pool_size=config.max_concurrency)
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

    # -- the citizen's own record (app/_citizens.py) ------------------------------------------
    profiles = _Once(_citizens.profiles)
    notifier = _Once(_citizens.notifier)
    profile_updates = _Once(_citizens.profile_updates)

    # -- case status back to citizens (app/_cases_wiring.py) ------------------------------------
    webhook_outbox = _Once(_cases_wiring.webhook_outbox)
    webhook_delivery = _Once(_cases_wiring.webhook_delivery)
    case_schema = _Once(_cases_wiring.case_schema)
    case_history = _Once(_cases_wiring.case_history)
    case_threads = _Once(_cases_wiring.case_threads)
    case_events = _Once(_cases_wiring.case_events)
    my_requests = _Once(_cases_wiring.my_requests)
    reconciler = _Once(_cases_wiring.reconciler)
    kpis = _Once(_cases_wiring.kpis)

    # -- the portal: news and agenda, address help, search (app/_portal_wiring.py) -------------
    feeds_config = _Once(_portal_wiring.feeds_config)
    feeds_fetcher = _Once(_portal_wiring.feeds_fetcher)
    feeds_reader = _Once(_portal_wiring.feeds_reader)
    geocoder = _Once(_portal_wiring.geocoder)
    address_help = _Once(_portal_wiring.address_help)
    search = _Once(_portal_wiring.search)

    # -- agents' accounts and the ops routes (app/_ops_wiring.py) -------------------------------
    directory = _Once(_ops_wiring.directory)
    agents = _Once(_ops_wiring.agents)
    connector_queues = _Once(_ops_wiring.connector_queues)
    ops = _Once(_ops_wiring.ops)

    # -- the pipeline (app/_pipeline_wiring.py) -------------------------------------------------
    breaker = _Once(_pipeline_wiring.breaker)
    processor = _Once(_pipeline_wiring.processor)
    worker = _Once(_pipeline_wiring.worker)

    # -- the HTTP API (app/_http_wiring.py) -----------------------------------------------------
    authenticator = _Once(_http_wiring.authenticator)
    ops_authenticator = _Once(_http_wiring.ops_authenticator)
    stats_authenticator = _Once(_http_wiring.stats_authenticator)
    ingest = _Once(_http_wiring.ingest)
    readiness = _Once(_http_wiring.readiness)
    api = _Once(_http_wiring.api)
    api_contract = _Once(_http_wiring.api_contract)
    http_api = _Once(_http_wiring.http_api)

    # -- Open311 GeoReport v2 (app/_open311.py) -------------------------------------------------
    open311_keys = _Once(_open311.open311_keys)
    open311 = _Once(_open311.open311)

    # -- lifetime -------------------------------------------------------------------------------
    @property
    def pepper(self) -> bytes:
        """The identity keys' HMAC key (for the wiring modules, app/_wiring.py)."""
        return self.settings.identity_pepper.get_secret_value().encode()

    def close(self) -> None:
        """Close the backends this container opened (not the ones it was given)."""
        for name in ("bus", "store", "blobs", "geocoder"):
            if name not in self._given and name in self.__dict__:
                self.__dict__[name].close()


if TYPE_CHECKING:

    def _parts(container: Container) -> Parts:
        """mypy's proof that the container has every part its wiring modules read."""
        return container
