"""From ``Settings`` to the API's dependencies: called once, at the edge, on the first request.

Every backend comes from ``cityzen_connector.wiring``; tests and the benchmark pass their own
objects through the keyword arguments instead.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from cityzen_connector._clock import utc_now
from cityzen_connector.dataverse import DataverseClient, RetryPolicy
from cityzen_connector.identity import FetchJson, build_authenticator
from cityzen_connector.mapping import MappingSet, load_mappings
from cityzen_connector.messaging import MessageBus
from cityzen_connector.settings import Settings
from cityzen_connector.store import BlobStore, StateStore
from cityzen_connector.sync import (
    AttachmentLimits,
    AttachmentScanner,
    IngestPorts,
    NoScan,
    ReadinessPorts,
    ReadinessProbe,
    parse_types,
)
from cityzen_connector.wiring import (
    blobs_from_settings,
    bus_from_settings,
    dataverse_client_from_settings,
    retention_from_settings,
    store_from_settings,
)

from ._app import ApiDependencies


def limits_from_settings(settings: Settings) -> AttachmentLimits:
    return AttachmentLimits(
        max_count=settings.api_max_attachments,
        max_bytes=settings.api_max_attachment_bytes,
        max_total_bytes=settings.api_max_attachments_total_bytes,
        types=parse_types(settings.api_attachment_types),
    )


def dependencies_from_settings(
    settings: Settings,
    *,
    clock: Callable[[], datetime] = utc_now,
    fetch: FetchJson | None = None,
    client: DataverseClient | None = None,
    bus: MessageBus | None = None,
    store: StateStore | None = None,
    blobs: BlobStore | None = None,
    mappings: MappingSet | None = None,
    scanner: AttachmentScanner | None = None,
) -> ApiDependencies:
    """Build (or take) every port. Raises on a configuration mistake, before serving."""
    store = store or store_from_settings(settings, clock=clock)
    bus = bus or bus_from_settings(settings, clock=clock)
    client = client or dataverse_client_from_settings(settings)
    if fetch is None and settings.auth_mode != "function_key":
        import requests  # noqa: PLC0415 - only bearer deployments pay for it

        from cityzen_connector.identity import requests_fetcher  # noqa: PLC0415

        fetch = requests_fetcher(requests.Session())
    authenticator = build_authenticator(settings, fetch, clock) if fetch is not None else None
    ingest = IngestPorts(
        bus=bus,
        queue=settings.submissions_queue,
        store=store,
        blobs=blobs or blobs_from_settings(settings, clock=clock),
        catalog=(mappings := mappings or load_mappings(settings.mappings_dir)).catalog,
        clock=clock,
        retention=retention_from_settings(settings),
        limits=limits_from_settings(settings),
        scanner=scanner or NoScan(),
        identity_key=settings.identity_pepper.get_secret_value().encode(),
    )
    # The probe asks once and reports: no retries (and no sleeping) inside a health check. It
    # shares the client's connections and token rather than acquiring its own.
    readiness = ReadinessProbe(
        ReadinessPorts(
            client.with_retry(RetryPolicy.NO_RETRY), bus, settings.submissions_queue, store, clock
        ),
        ttl=timedelta(seconds=settings.api_ready_cache_seconds),
    )
    return ApiDependencies(
        ingest=ingest,
        client=client,
        mappings=mappings,
        readiness=readiness,
        auth_mode=settings.auth_mode,
        authenticator=authenticator,
        portal_key=settings.api_portal_key.get_secret_value(),
        max_body_bytes=settings.api_max_body_bytes,
        themes_max_age=timedelta(seconds=settings.api_themes_cache_seconds),
    )
