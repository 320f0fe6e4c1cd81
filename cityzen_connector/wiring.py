"""Composition root: turns ``Settings`` into ready objects. ``dataverse/`` never sees Settings."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from .dataverse import (
    Clock,
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
from .messaging import MessageBus, open_bus, system_clock
from .messaging import RetryPolicy as RedeliveryPolicy
from .settings import Settings
from .store import BlobStore, StateStore, SubmissionStatuses, open_blobs, open_store

__all__ = [
    "blobs_from_settings",
    "bus_from_settings",
    "dataverse_client_from_settings",
    "dataverse_config_from_settings",
    "retention_from_settings",
    "retry_policy_from_settings",
    "statuses_from_settings",
    "store_from_settings",
    "token_provider_from_settings",
]

UtcClock = Callable[[], datetime]


def dataverse_config_from_settings(settings: Settings) -> DataverseConfig:
    return DataverseConfig(
        org_url=settings.dataverse_url,
        timeout=settings.dataverse_timeout_seconds,
        max_concurrency=settings.dataverse_max_concurrency,
        bulk_chunk_size=settings.dataverse_bulk_chunk_size,
    )


def token_provider_from_settings(
    settings: Settings, *, clock: Clock | None = None
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
def bus_from_settings(settings: Settings, *, clock: UtcClock = system_clock) -> MessageBus:
    """The message bus; the queue_* knobs tune the embedded queue (Azure keeps its own)."""
    return open_bus(
        settings.queue_url,
        clock=clock,
        lock_duration=timedelta(seconds=settings.queue_lock_duration_seconds),
        max_delivery_count=settings.queue_max_delivery_count,
        duplicate_window=timedelta(seconds=settings.queue_duplicate_window_seconds),
        default_time_to_live=timedelta(days=settings.queue_time_to_live_days),
    )


def store_from_settings(settings: Settings, *, clock: UtcClock = system_clock) -> StateStore:
    return open_store(settings.store_url, clock=clock)


def blobs_from_settings(settings: Settings, *, clock: UtcClock = system_clock) -> BlobStore:
    return open_blobs(settings.blob_url, clock=clock)


def retention_from_settings(settings: Settings) -> timedelta:
    return timedelta(days=settings.retention_days)


def statuses_from_settings(
    settings: Settings, store: StateStore, *, clock: UtcClock = system_clock
) -> SubmissionStatuses:
    return SubmissionStatuses(store, clock=clock, retention=retention_from_settings(settings))


def retry_policy_from_settings(settings: Settings) -> RedeliveryPolicy:
    return RedeliveryPolicy(
        initial_delay=timedelta(seconds=settings.retry_initial_delay_seconds),
        max_delay=timedelta(seconds=settings.retry_max_delay_seconds),
        horizon=timedelta(hours=settings.retry_horizon_hours),
    )
