"""Composition root: turns ``Settings`` into ready objects. ``dataverse/`` never sees Settings."""

from __future__ import annotations

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
from .settings import Settings

__all__ = [
    "dataverse_client_from_settings",
    "dataverse_config_from_settings",
    "token_provider_from_settings",
]


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
