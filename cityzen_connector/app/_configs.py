"""Settings → each package's frozen configuration. Pure: no I/O, no network.

Each function reads the settings one package needs and returns that package's own config
type; the packages never see ``Settings``. The container (``_container.py``) calls them once.
Packages are imported inside the functions: the Function App imports this module at start-up,
and a cold start pays for every import (the same holds for every module of ``app``).
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from cityzen_connector.settings import Settings

if TYPE_CHECKING:
    from cityzen_connector._clock import MonotonicClock
    from cityzen_connector.agents import Directory
    from cityzen_connector.cases import WebhookConfig
    from cityzen_connector.dataverse import DataverseConfig, TokenProvider, Transport
    from cityzen_connector.emulator import EmulatorConfig
    from cityzen_connector.localhost import LocalHostConfig
    from cityzen_connector.mapping import ProfileMapping
    from cityzen_connector.portal import AddressHelpConfig, FeedsConfig
    from cityzen_connector.sync import EventRegistration
    from cityzen_connector.sync.intake import AttachmentLimits
    from cityzen_connector.sync.pipeline import DeliveryPolicy

__all__ = [
    "EMULATOR_DATABASE_FILE",
    "address_help_config",
    "agents_directory",
    "attachment_limits",
    "dataverse_config",
    "delivery_policy",
    "emulator_config",
    "event_registration",
    "feeds_config",
    "feeds_schedule",
    "localhost_config",
    "retention",
    "token_provider",
    "webhook_config",
]

EMULATOR_DATABASE_FILE = "dataverse.db"


def dataverse_config(settings: Settings) -> DataverseConfig:
    from cityzen_connector.dataverse import DataverseConfig

    return DataverseConfig(
        org_url=settings.dataverse_url,
        timeout=settings.dataverse_timeout_seconds,
        max_concurrency=settings.dataverse_max_concurrency,
        bulk_chunk_size=settings.dataverse_bulk_chunk_size,
    )


def token_provider(
    settings: Settings, *, clock: MonotonicClock | None = None, resource: str | None = None
) -> TokenProvider:
    """The token provider ``dataverse_auth`` names, for Dataverse or another ``resource`` of
    the same app registration (Microsoft Graph). Building one makes no network call."""
    from cityzen_connector import dataverse

    auth, url = settings.dataverse_auth, resource or settings.dataverse_url
    if auth == "static":
        return dataverse.StaticTokenProvider(settings.dataverse_static_token.get_secret_value())
    if auth == "managed_identity":
        return dataverse.ManagedIdentityProvider(
            url, client_id=settings.dataverse_client_id, clock=clock
        )
    secret = settings.dataverse_client_secret.get_secret_value() or None
    return dataverse.MsalClientCredentialsProvider(
        url,
        tenant_id=settings.dataverse_tenant_id,
        client_id=settings.dataverse_client_id,
        client_secret=secret if auth == "client_secret" else None,
        certificate_path=settings.dataverse_certificate_path if auth == "certificate" else None,
        certificate_password=settings.dataverse_certificate_password.get_secret_value() or None,
        clock=clock,
    )


def agents_directory(
    settings: Settings, *, clock: MonotonicClock | None = None, transport: Transport | None = None
) -> Directory:
    """The directory ``agents_directory_url`` names: a directory file (local mode only; the
    licences it assigns kept under ``data_dir``), or Microsoft Graph with the Dataverse app
    registration's credentials, for the scope ``<Graph URL>/.default``. Building one makes no
    network call. ``ValueError`` naming the setting and its rule otherwise."""
    from cityzen_connector import agents, dataverse

    url = settings.agents_directory_url
    if url.startswith("file:"):
        if not settings.local_mode:
            raise ValueError(
                "a directory file is for local mode: set https://graph.microsoft.com to read"
                " Microsoft Entra ID"
            )
        return agents.FileDirectory.from_file(
            Path(url[5:]), licences_path=settings.data_dir / "directory-licences.json"
        )
    config = agents.GraphConfig(base_url=url)
    if settings.dataverse_auth == "static":
        if not settings.local_mode:
            raise ValueError("Microsoft Graph needs client_secret, certificate or managed_identity")
        tokens: dataverse.TokenProvider = dataverse.StaticTokenProvider(
            settings.dataverse_static_token.get_secret_value()
        )
    else:
        tokens = token_provider(settings, clock=clock, resource=config.base_url)
    sender = transport if transport is not None else dataverse.RequestsTransport(pool_size=4)
    return agents.GraphDirectory(config, sender, tokens, clock=clock)


def delivery_policy(settings: Settings) -> DeliveryPolicy:
    """Back-off across deliveries (the queue's re-scheduling), not the HTTP retry policy."""
    from cityzen_connector.sync.pipeline import DeliveryPolicy

    return DeliveryPolicy(
        initial_delay=timedelta(seconds=settings.retry_initial_delay_seconds),
        max_delay=timedelta(seconds=settings.retry_max_delay_seconds),
        horizon=timedelta(hours=settings.retry_horizon_hours),
    )


def webhook_config(settings: Settings) -> WebhookConfig:
    """Endpoints, secrets and back-off of webhooks to the portal: the submissions' delays
    (retry_* settings), the webhooks' own give-up age and attempt count."""
    from cityzen_connector.cases import WebhookConfig, WebhookRetryPolicy

    retry = WebhookRetryPolicy(
        initial_delay=timedelta(seconds=settings.retry_initial_delay_seconds),
        max_delay=timedelta(seconds=settings.retry_max_delay_seconds),
        give_up_after=timedelta(hours=settings.webhook_give_up_hours),
        max_attempts=settings.webhook_max_attempts,
    )
    return WebhookConfig.of(
        settings.webhook_url_list,
        settings.webhook_secrets.get_secret_value(),
        timeout_seconds=settings.webhook_timeout_seconds,
        retry=retry,
    )


def address_help_config(settings: Settings) -> AddressHelpConfig:
    """How hard address help may ask the geocoder, and how long its answers are reused."""
    from cityzen_connector.portal import AddressHelpConfig

    return AddressHelpConfig(
        requests_per_second=settings.geocoder_requests_per_second,
        cache_seconds=settings.geocoder_cache_seconds,
        cache_entries=settings.geocoder_cache_entries,
    )


def feeds_config(settings: Settings) -> FeedsConfig:
    """The news and agenda feeds and the limits of their refresh."""
    from cityzen_connector.portal import FeedsConfig

    return FeedsConfig.of(
        settings.feeds_news_url_list,
        settings.feeds_agenda_url_list,
        time_zone=settings.feeds_time_zone,
        timeout_seconds=settings.feeds_timeout_seconds,
        max_bytes=settings.feeds_max_bytes,
        max_items=settings.feeds_max_items,
        stale_after=timedelta(minutes=settings.feeds_stale_after_minutes),
    )


def feeds_schedule(settings: Settings) -> str:
    """The feeds timer's NCRONTAB schedule, checked as the Functions host reads it."""
    from cityzen_connector.localhost import CronError, CronSchedule

    try:
        CronSchedule.parse(settings.feeds_refresh_schedule)
    except CronError as exc:
        raise ValueError(str(exc)) from exc
    return settings.feeds_refresh_schedule


def retention(settings: Settings) -> timedelta:
    """RGPD: how long rejected messages, records and blobs are kept."""
    return timedelta(days=settings.retention_days)


def attachment_limits(settings: Settings) -> AttachmentLimits:
    from cityzen_connector.sync.intake import AttachmentLimits, parse_types

    return AttachmentLimits(
        max_count=settings.api_max_attachments,
        max_bytes=settings.api_max_attachment_bytes,
        max_total_bytes=settings.api_max_attachments_total_bytes,
        types=parse_types(settings.api_attachment_types),
    )


def emulator_config(
    settings: Settings,
    *,
    data_dir: Path | None = None,
    in_memory: bool = False,
    token: str | None = None,
    throttling: bool | None = None,
    fault_error_rate: float | None = None,
    fault_drop_rate: float | None = None,
    fault_latency_seconds: float | None = None,
    latency_base_seconds: float | None = None,
    latency_per_operation_seconds: float | None = None,
) -> EmulatorConfig:
    """The emulator's configuration: the settings, overridden by what is given (CLI flags)."""
    from cityzen_connector.emulator import EmulatorConfig, Faults, Latency, ProtectionLimits

    folder = data_dir if data_dir is not None else settings.emulator_data_dir
    limits = ProtectionLimits(
        window_seconds=settings.emulator_throttle_window_seconds,
        max_requests=settings.emulator_throttle_max_requests,
        max_execution_ms=settings.emulator_throttle_max_execution_ms,
        max_concurrent=settings.emulator_throttle_max_concurrent,
        cost_per_operation_ms=settings.emulator_throttle_operation_cost_ms,
    )
    required = settings.emulator_token.get_secret_value() if token is None else token
    throttled = settings.emulator_throttling if throttling is None else throttling

    def pick(value: float | None, default: float) -> float:
        return default if value is None else value

    return EmulatorConfig(
        database=":memory:" if in_memory else str(folder / EMULATOR_DATABASE_FILE),
        token=required or None,
        key_activation_seconds=settings.emulator_key_activation_seconds,
        protection=limits if throttled else None,
        faults=Faults(
            error_rate=pick(fault_error_rate, settings.emulator_fault_error_rate),
            latency_seconds=pick(fault_latency_seconds, settings.emulator_fault_latency_seconds),
            drop_rate=pick(fault_drop_rate, settings.emulator_fault_drop_rate),
        ),
        latency=Latency(
            base_seconds=pick(latency_base_seconds, settings.emulator_latency_base_seconds),
            per_operation_seconds=pick(
                latency_per_operation_seconds, settings.emulator_latency_per_operation_seconds
            ),
        ),
        dop_hint=settings.emulator_dop_hint,
    )


def localhost_config(settings: Settings) -> LocalHostConfig:
    from cityzen_connector.localhost import LocalHostConfig

    return LocalHostConfig(
        host=settings.localhost_host,
        port=settings.localhost_port,
        key_file=settings.localhost_key_file or settings.data_dir / "host-keys.json",
        state_dir=settings.data_dir / "localhost",
        poll_interval_seconds=settings.localhost_poll_interval_seconds,
        max_body_bytes=settings.localhost_max_body_bytes,
        http_threads=settings.localhost_http_threads,
        read_timeout_seconds=settings.localhost_read_timeout_seconds,
    )


# The namespace named for the embedded queue: the emulator posts to the sink `cityzen run`
# gives it, whatever the endpoint's namespace says (docs/emulator.md).
EMBEDDED_NAMESPACE = "embedded.servicebus.localhost"


def event_registration(
    settings: Settings,
    *,
    submission_column: str | None = None,
    profile: ProfileMapping | None = None,
) -> EventRegistration:
    """What ``cityzen dataverse register-events`` registers. A real Dataverse needs the queue's
    namespace and its Send-only SAS key (``ConfigurationError`` otherwise); the emulator on
    loopback takes the embedded namespace and needs no key. ``submission_column`` (the
    mappings' copy of ``submission.id``, ``CaseSchema.submission_column``) joins the
    post-image, so every event says which request the case is. ``profile`` (the mappings'
    citizen record) adds the contact's Update step, so agents' changes reach the portal."""
    from cityzen_connector.sync import IMAGE_COLUMNS, EventRegistration, contact_step

    from ._errors import ConfigurationError

    host = urlsplit(settings.dataverse_url).hostname or ""
    local = host in {"127.0.0.1", "localhost", "::1"}
    key = settings.case_events_sas_key.get_secret_value()
    problems = []
    if not local and not settings.case_events_namespace:
        problems.append(
            "CITYZEN_CASE_EVENTS_NAMESPACE: required to register events in a Dataverse that is"
            " not the local emulator"
        )
    if not local and not key:
        problems.append(
            "CITYZEN_CASE_EVENTS_SAS_KEY: required to register events in a Dataverse that is"
            " not the local emulator (the key of a Send-only policy of the queue)"
        )
    if problems:
        raise ConfigurationError(problems)
    return EventRegistration(
        namespace=settings.case_events_namespace or EMBEDDED_NAMESPACE,
        queue=settings.case_events_queue,
        sas_key_name=settings.case_events_sas_key_name,
        sas_key=key,
        image_columns=(*IMAGE_COLUMNS, *([submission_column] if submission_column else [])),
        contact=contact_step(profile.table, profile.columns(), profile.key_column)
        if profile is not None
        else None,
    )


def notifier_url(settings: Settings) -> str:
    """``notifier_url`` names a notifier ``citizens.open_notifier`` knows (checked at start-up
    without creating its folder); the message gives the scheme only."""
    from cityzen_connector._types import url_scheme

    url = settings.notifier_url
    if url in ("memory://", "none://") or (url.startswith("file://") and len(url) > len("file://")):
        return url
    raise ValueError(
        f"unsupported notifier URL (scheme {url_scheme(url)!r}): file://folder, memory://"
        " or none://"
    )
