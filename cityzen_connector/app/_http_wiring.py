"""The HTTP API bound to the container's ports: who may call (citizens', ops' and stats'
authenticators), the intake, readiness, the API's dependencies and the served contract."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from . import _configs, _identity
from ._portal_wiring import feeds_check

if TYPE_CHECKING:
    from cityzen_connector.api import ApiContract, ApiDependencies, HttpApi
    from cityzen_connector.identity import BearerAuthenticator, FetchJson, OpsAuthenticator
    from cityzen_connector.sync import ReadinessProbe
    from cityzen_connector.sync.intake import IngestPorts

    from ._wiring import Parts


def authenticator(c: Parts) -> BearerAuthenticator | None:
    """Verifiers of every configured issuer; ``None`` in ``function_key`` mode."""
    if c.settings.auth_mode == "function_key":
        return None
    return _identity.authenticator(c.settings, _fetcher(c), c.clock)


def _fetcher(c: Parts) -> FetchJson:
    if c.seams.fetch is not None:
        return c.seams.fetch
    import requests

    from cityzen_connector.identity import requests_fetcher

    return requests_fetcher(requests.Session())


def ops_authenticator(c: Parts) -> OpsAuthenticator | None:
    """The ops routes' own authenticator (the ops tenant, or the local key in local mode);
    ``None`` when neither: every ops call is refused."""
    return _identity.ops_authenticator(c.settings, _fetcher(c), c.clock)


def stats_authenticator(c: Parts) -> OpsAuthenticator | None:
    """``GET /api/v1/stats``: the ops tenant's tokens with the ops role or one of
    ``CITYZEN_STATS_ROLES`` (agents); ``None`` as ``ops_authenticator``."""
    roles = frozenset(r.strip() for r in c.settings.stats_roles.split(",") if r.strip())
    return _identity.ops_authenticator(c.settings, _fetcher(c), c.clock, roles)


def ingest(c: Parts) -> IngestPorts:
    from cityzen_connector.sync.intake import IngestPorts, NoScan

    return IngestPorts(
        bus=c.bus,
        queue=c.settings.submissions_queue,
        store=c.store,
        blobs=c.blobs,
        catalog=c.mappings.catalog,
        clock=c.clock,
        retention=_configs.retention(c.settings),
        limits=_configs.attachment_limits(c.settings),
        scanner=c.seams.scanner or NoScan(),
        identity_key=c.pepper,
        addresses=c.address_help,
    )


def readiness(c: Parts) -> ReadinessProbe:
    from cityzen_connector.sync import ReadinessPorts, ReadinessProbe

    from ._search import knowledge_cache_state

    ports = ReadinessPorts(
        c.probe_client,
        c.bus,
        c.settings.submissions_queue,
        c.store,
        c.clock,
        caches={"knowledge_articles": lambda: knowledge_cache_state(c.search)},
        optional=feeds_check(c),
    )
    return ReadinessProbe(ports, ttl=timedelta(seconds=c.settings.api_ready_cache_seconds))


def api(c: Parts) -> ApiDependencies:
    """The portal API's dependencies, sharing this container's bus, store and blobs (one
    queue for HTTP and worker, even in memory)."""
    from cityzen_connector.api import ApiDependencies
    from cityzen_connector.sync import ThemesReader

    s = c.settings
    themes = ThemesReader(
        c.api_client,
        c.mappings,
        c.store,
        c.clock,
        max_age=timedelta(seconds=s.api_themes_cache_seconds),
    )
    return ApiDependencies(
        ingest=c.ingest,
        themes=themes,
        readiness=c.readiness,
        search=c.search,
        auth_mode=s.auth_mode,
        authenticator=c.authenticator,
        portal_key=s.api_portal_key.get_secret_value(),
        max_body_bytes=s.api_max_body_bytes,
        case_history=c.case_history,
        my_requests=c.my_requests,
        case_threads=c.case_threads,
        addresses=c.address_help,
        max_query_chars=s.search_max_query_chars,
        feeds=c.feeds_reader,
        ops=c.ops,
        # Lazy: the store is read on the first stats or open-data request only.
        kpis=c.kpis,
        rights=c.rights,
        open311=c.open311 if s.open311_enabled else None,
        profiles=c.profiles,
    )


def api_contract(c: Parts) -> ApiContract:
    """What the served OpenAPI document describes: settings and mappings, no backend."""
    from cityzen_connector.api import ApiContract

    s = c.settings
    limits = _configs.attachment_limits(s)
    queues = (s.submissions_queue, s.case_events_queue, s.webhooks_queue)
    return ApiContract.of(
        s.auth_mode,
        c.mappings.catalog,
        limits,
        max_query_chars=s.search_max_query_chars,
        ops_queues=queues,
    )


def http_api(c: Parts) -> HttpApi:
    """The API itself; its dependencies are built by the first request that needs them
    (liveness and the OpenAPI document never do)."""
    from cityzen_connector.api import build_api

    return build_api(lambda: c.api, contract=lambda: c.api_contract)
