"""Composition root: the one place a setting becomes a backend object.

Library packages never see ``Settings``; the edges (``function_app.py``, the CLI) call these.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from cityzen_connector._clock import MonotonicClock, utc_now
from cityzen_connector.dataverse import (
    DataverseClient,
    DataverseConfig,
    ManagedIdentityProvider,
    MsalClientCredentialsProvider,
    RequestsTransport,
    RetryPolicy,
    StaticTokenProvider,
    TokenProvider,
    Transport,
)
from cityzen_connector.messaging import MessageBus, open_bus
from cityzen_connector.settings import Settings
from cityzen_connector.store import (
    BlobStore,
    StateStore,
    SubmissionStatuses,
    open_blobs,
    open_store,
)
from cityzen_connector.sync.pipeline import DeliveryPolicy as DeliveryRetryPolicy

if TYPE_CHECKING:
    from cityzen_connector.mapping import MappingSet
    from cityzen_connector.sync.pipeline import WorkerDeps

Clock = Callable[[], datetime]

__all__ = [
    "blobs_from_settings",
    "bus_from_settings",
    "dataverse_client_from_settings",
    "dataverse_config_from_settings",
    "delivery_retry_from_settings",
    "retention_from_settings",
    "statuses_from_settings",
    "store_from_settings",
    "token_provider_from_settings",
    "worker_deps_from_settings",
]


# -- Dataverse ---------------------------------------------------------------------------------


def dataverse_config_from_settings(settings: Settings) -> DataverseConfig:
    return DataverseConfig(
        org_url=settings.dataverse_url,
        timeout=settings.dataverse_timeout_seconds,
        max_concurrency=settings.dataverse_max_concurrency,
        bulk_chunk_size=settings.dataverse_bulk_chunk_size,
    )


def token_provider_from_settings(
    settings: Settings, *, clock: MonotonicClock | None = None
) -> TokenProvider:
    """The token provider ``dataverse_auth`` names. Building one makes no network call."""
    auth, url = settings.dataverse_auth, settings.dataverse_url
    if auth == "static":
        return StaticTokenProvider(settings.dataverse_static_token.get_secret_value())
    if auth == "managed_identity":
        return ManagedIdentityProvider(url, client_id=settings.dataverse_client_id, clock=clock)
    secret = settings.dataverse_client_secret.get_secret_value() or None
    return MsalClientCredentialsProvider(
        url,
        tenant_id=settings.dataverse_tenant_id,
        client_id=settings.dataverse_client_id,
        client_secret=secret if auth == "client_secret" else None,
        certificate_path=settings.dataverse_certificate_path if auth == "certificate" else None,
        certificate_password=settings.dataverse_certificate_password.get_secret_value() or None,
        clock=clock,
    )


def dataverse_client_from_settings(
    settings: Settings,
    *,
    transport: Transport | None = None,
    tokens: TokenProvider | None = None,
    retry: RetryPolicy = RetryPolicy.HTTP_REQUEST,
) -> DataverseClient:
    """The client for these settings. Pass ``retry=RetryPolicy.QUEUE_WORK`` in queue workers;
    tests pass ``transport=WsgiTransport(emulator_app)``."""
    config = dataverse_config_from_settings(settings)
    return DataverseClient(
        config,
        transport or RequestsTransport(pool_size=config.max_concurrency),
        tokens or token_provider_from_settings(settings),
        retry=retry,
    )


# -- messaging and store (reliable delivery) ---------------------------------------------------
def bus_from_settings(settings: Settings, *, clock: Clock = utc_now) -> MessageBus:
    """The message bus; the queue_* knobs tune the embedded queue (Azure keeps its own)."""
    return open_bus(
        settings.queue_url,
        clock=clock,
        lock_duration=timedelta(seconds=settings.queue_lock_duration_seconds),
        max_delivery_count=settings.queue_max_delivery_count,
        duplicate_window=timedelta(seconds=settings.queue_duplicate_window_seconds),
        default_time_to_live=timedelta(days=settings.queue_time_to_live_days),
    )


def store_from_settings(settings: Settings, *, clock: Clock = utc_now) -> StateStore:
    return open_store(settings.store_url, clock=clock)


def blobs_from_settings(settings: Settings, *, clock: Clock = utc_now) -> BlobStore:
    return open_blobs(settings.blob_url, clock=clock)


def retention_from_settings(settings: Settings) -> timedelta:
    return timedelta(days=settings.retention_days)


def statuses_from_settings(
    settings: Settings, store: StateStore, *, clock: Clock = utc_now
) -> SubmissionStatuses:
    return SubmissionStatuses(store, clock=clock, retention=retention_from_settings(settings))


def delivery_retry_from_settings(settings: Settings) -> DeliveryRetryPolicy:
    """Backoff across deliveries (the queue's re-scheduling), not the HTTP retry policy."""
    return DeliveryRetryPolicy(
        initial_delay=timedelta(seconds=settings.retry_initial_delay_seconds),
        max_delay=timedelta(seconds=settings.retry_max_delay_seconds),
        horizon=timedelta(hours=settings.retry_horizon_hours),
    )


def worker_deps_from_settings(
    settings: Settings,
    *,
    clock: Clock = utc_now,
    client: DataverseClient | None = None,
    bus: MessageBus | None = None,
    store: StateStore | None = None,
    blobs: BlobStore | None = None,
    mappings: MappingSet | None = None,
    logger: logging.Logger | None = None,
) -> WorkerDeps:
    """Everything the submission queue worker needs. Builds the backends the caller does not
    pass (tests pass the emulator's client and memory backends); reads the mappings (a bad
    mapping file raises ``MappingFileError`` here, at start-up, not per message)."""
    from cityzen_connector.mapping import PlanContext, load_mappings  # noqa: PLC0415
    from cityzen_connector.sync.pipeline import (  # noqa: PLC0415
        CircuitBreaker,
        LookupCache,
        SubmissionProcessor,
        WorkerDeps,
    )

    client = client or dataverse_client_from_settings(settings, retry=RetryPolicy.QUEUE_WORK)
    store = store or store_from_settings(settings, clock=clock)
    statuses = statuses_from_settings(settings, store, clock=clock)
    breaker = CircuitBreaker(
        store, clock=clock, open_for=timedelta(seconds=settings.breaker_open_seconds)
    )
    processor = SubmissionProcessor(
        client,
        mappings or load_mappings(settings.mappings_dir),
        blobs or blobs_from_settings(settings, clock=clock),
        statuses,
        breaker,
        clock=clock,
        logger=logger,
        context=PlanContext(pepper=settings.identity_pepper.get_secret_value().encode()),
        lookups=LookupCache(
            client, clock=clock, ttl=timedelta(seconds=settings.lookup_cache_ttl_seconds)
        ),
    )
    extra = {"logger": logger} if logger is not None else {}
    return WorkerDeps(
        bus=bus or bus_from_settings(settings, clock=clock),
        queue=settings.submissions_queue,
        processor=processor,
        breaker=breaker,
        statuses=statuses,
        retry=delivery_retry_from_settings(settings),
        clock=clock,
        probe=client.who_am_i,
        **extra,
    )
