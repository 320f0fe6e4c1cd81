"""The portal's HTTP API, Open311, address help, search, news and agenda.

Fields of ``cityzen_connector.settings.Settings``, which inherits this class: see there
for how they are read and checked.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, Field, SecretStr


class PortalSettings(BaseModel):
    """Settings' fields of this area (env names: ``CITYZEN_`` + the field's name)."""

    # -- portal HTTP API -----------------------------------------------------------------------
    api_max_body_bytes: int = Field(
        32 * 1024 * 1024,
        ge=1024,
        le=100 * 1024 * 1024,
        description="Cap on a request body, attachments included (base64 or multipart): 413.",
    )
    api_max_attachments: int = Field(
        5, ge=0, le=10, description="Attachments per submission (the model allows 10 at most)."
    )
    api_max_attachment_bytes: int = Field(
        10 * 1024 * 1024, ge=1, le=50 * 1024 * 1024, description="Size cap of one attachment."
    )
    api_max_attachments_total_bytes: int = Field(
        20 * 1024 * 1024, ge=1, description="Size cap of all attachments of one submission."
    )
    api_attachment_types: str = Field(
        "image/jpeg,image/png,image/webp,image/heic,image/heif,application/pdf",
        description="Accepted attachment types, recognised on the bytes (comma-separated).",
    )
    api_portal_key: SecretStr = Field(
        SecretStr(""),
        description=(
            "Auth mode both: the key the portal back end sends in x-functions-key on the"
            " anonymous routes (empty: only bearer tokens there)."
        ),
    )
    api_themes_cache_seconds: float = Field(
        300.0, gt=0, le=86400, description="How long the theme tree read from Dataverse is reused."
    )
    api_ready_cache_seconds: float = Field(
        10.0, ge=0, le=600, description="How long a readiness probe's result is reused."
    )

    # -- Open311 GeoReport v2 front (docs/open311.md) -------------------------------------------
    open311_enabled: bool = Field(
        True,
        description="Serve /api/open311/v2 (off: every Open311 route answers 503). Client apps"
        " need an api_key: cityzen open311 keys issue.",
    )
    open311_jurisdiction_id: str = Field(
        "",
        max_length=100,
        description="The jurisdiction_id this deployment serves; clients may omit it. Another"
        " value is GeoReport's 404 (empty: only an absent or empty jurisdiction_id is served).",
    )
    open311_immediate_id: bool = Field(
        False,
        description="Answer POST requests with the service_request_id at once instead of a"
        " token while the request is queued (for clients that do not follow tokens).",
    )
    open311_base_url: str = Field(
        "http://127.0.0.1:7071/api/open311/v2",
        max_length=300,
        description="Where the discovery document says the GeoReport v2 endpoint is.",
    )
    open311_contact: str = Field(
        "",
        max_length=200,
        description="Who client developers contact, in the discovery document.",
    )

    # -- portal: address help ------------------------------------------------------------------
    geocoder_url: str = Field(
        "http://127.0.0.1:7074/geocodage",
        description=(
            "Geocoding service behind address help, up to /search and /reverse: the IGN"
            " Géoplateforme's https://data.geopf.fr/geocodage in Azure (default: the embedded"
            " geocoder `cityzen run` serves). https, or http to this machine."
        ),
    )
    geocoder_timeout_seconds: float = Field(
        3.0, gt=0, le=30, description="Per-request timeout towards the geocoder (a citizen types)."
    )
    geocoder_requests_per_second: float = Field(
        40.0,
        gt=0,
        le=50,
        description=(
            "Our pace towards the geocoder, per process: under the Géoplateforme's 50 requests/s"
            " per IP (instances sharing one outbound address share it)."
        ),
    )
    geocoder_cache_seconds: float = Field(
        3600.0, gt=0, le=7 * 86400, description="How long a geocoder answer is reused."
    )
    geocoder_cache_entries: int = Field(
        10_000, ge=1, le=1_000_000, description="How many geocoder answers are kept in memory."
    )
    geocoder_sample_dir: Path = Field(
        Path("samples/addresses"),
        description="Embedded geocoder (local mode): its BAN-format CSV address files.",
    )
    # -- portal: procedure and knowledge search -------------------------------------------------
    search_max_query_chars: int = Field(
        200, ge=10, le=1000, description="Longest search or type-ahead query accepted (else 400)."
    )
    search_knowledge_locale: int = Field(
        1036,
        ge=1,
        le=65535,
        description="Language (LCID, languagelocale.localeid) of the knowledge articles searched.",
    )
    search_reload_seconds: float = Field(
        60.0,
        gt=0,
        le=3600,
        description="How often each instance checks the store for newer articles to index.",
    )
    search_popular_min_count: int = Field(
        5, ge=1, le=100000, description="Times a search is made before it may show as popular."
    )
    search_popular_stop_words: str = Field(
        "",
        description=(
            "Words a popular search may never contain, comma-separated (e.g. elected officials'"
            " names), on top of the built-in rules."
        ),
    )
    # -- portal: news and agenda (RSS 2.0, Atom 1.0, RSS 1.0 feeds) ----------------------------
    feeds_news_urls: str = Field(
        "",
        description=(
            "The town's news feeds, comma-separated http(s) URLs (empty: no news; `cityzen run`"
            " serves sample feeds)."
        ),
    )
    feeds_agenda_urls: str = Field(
        "", description="The town's agenda (events) feeds, comma-separated http(s) URLs."
    )
    feeds_refresh_schedule: str = Field(
        "0 */15 * * * *",
        description="When the timer refreshes the feeds: a 6-field NCRONTAB expression (UTC).",
    )
    feeds_timeout_seconds: float = Field(
        10.0, gt=0, le=120, description="Time allowed to fetch one feed, redirections included."
    )
    feeds_max_bytes: int = Field(
        5 * 1024 * 1024,
        ge=1024,
        le=50 * 1024 * 1024,
        description="A feed larger than this (once decompressed) is refused; its last copy stays.",
    )
    feeds_max_items: int = Field(50, ge=1, le=200, description="Items kept per feed (the first).")
    feeds_stale_after_minutes: float = Field(
        60.0,
        gt=0,
        le=10080,
        description="A feed not refreshed for this long shows stale (readiness: degraded).",
    )
    feeds_time_zone: str = Field(
        "Europe/Paris",
        description="IANA time zone of the dates feeds write without an offset (local times).",
    )
    api_feeds_cache_seconds: float = Field(
        30.0, ge=0, le=3600, description="How long news and agenda read from the store are reused."
    )
