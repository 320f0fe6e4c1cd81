"""Every knob of the connector, in one typed class read once at the edge.

Each field's environment name is ``CITYZEN_`` + its upper-cased name (the Function App setting
of the same name in Azure). Every default means "embedded local mode": the emulator on
127.0.0.1:7072, an SQLite queue and store under ``.cityzen/``, no Azure at all. Library code
never reads ``os.environ``; it receives this object, or a small frozen piece of it.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from cityzen_connector.identity import DEFAULT_OPS_ROLE, AuthMode, TokenTypeCheck

ENV_PREFIX = "CITYZEN_"

DataverseAuth = Literal["static", "client_secret", "certificate", "managed_identity"]


class Settings(BaseSettings):
    """The connector's configuration. ``Settings()`` reads the environment; tests pass values."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        frozen=True,
        extra="ignore",
        case_sensitive=False,
        # A value may be a secret: never echo one in an error (app.load_settings then reports
        # each problem as a line naming the variable and the rule).
        hide_input_in_errors=True,
    )

    # -- local runtime -------------------------------------------------------------------------
    data_dir: Path = Field(
        Path(".cityzen"),
        description="Folder of the embedded backends' files (local mode); private: 0700, 0600.",
    )

    # -- Dataverse -----------------------------------------------------------------------------
    dataverse_url: str = Field(
        "http://127.0.0.1:7072",
        description="Organisation URL, e.g. https://contoso.crm4.dynamics.com (default: emulator).",
    )
    dataverse_auth: DataverseAuth = Field(
        "static",
        description="How to get tokens: static, client_secret, certificate or managed_identity.",
    )
    dataverse_tenant_id: str = Field(
        "", description="Entra ID tenant id (client_secret/certificate)."
    )
    dataverse_client_id: str = Field(
        "", description="Application (client) id; for managed_identity, a user-assigned identity."
    )
    dataverse_client_secret: SecretStr = Field(
        SecretStr(""),
        description="Client secret (auth client_secret). Prefer a Key Vault reference.",
    )
    dataverse_certificate_path: Path | None = Field(
        None, description="PEM file with the private key and certificate (auth certificate)."
    )
    dataverse_certificate_password: SecretStr = Field(
        SecretStr(""), description="Password of the certificate's private key, if any."
    )
    dataverse_static_token: SecretStr = Field(
        SecretStr("local-dev-token"), description="Bearer token sent with auth static (emulator)."
    )
    dataverse_timeout_seconds: float = Field(
        30.0, gt=0, le=300, description="Per-request timeout towards Dataverse."
    )
    dataverse_max_concurrency: int = Field(
        5, ge=1, le=52, description="Local cap of requests in flight (x-ms-dop-hint may lower it)."
    )
    dataverse_bulk_chunk_size: int = Field(
        100, ge=1, le=1000, description="Records per CreateMultiple/UpsertMultiple request."
    )

    # -- embedded Dataverse emulator (local mode only) -----------------------------------------
    emulator_host: str = Field("127.0.0.1", description="Emulator listen address.")
    emulator_port: int = Field(7072, ge=1, le=65535, description="Emulator listen port.")
    emulator_data_dir: Path = Field(
        Path(".cityzen/emulator"),
        description="Folder of the emulator's SQLite database and generated TLS certificate.",
    )
    emulator_token: SecretStr = Field(
        SecretStr(""),
        description="Strict auth: the bearer token the emulator requires (empty: any token).",
    )
    emulator_tls: bool = Field(False, description="Serve HTTPS with a generated self-signed cert.")
    emulator_key_activation_seconds: float = Field(
        2.0, ge=0, le=3600, description="Delay before a new alternate key's index is Active."
    )
    emulator_throttling: bool = Field(
        False, description="Simulate Dataverse service protection limits (429)."
    )
    emulator_throttle_window_seconds: float = Field(
        300.0, gt=0, le=3600, description="Sliding window of the service protection limits."
    )
    emulator_throttle_max_requests: int = Field(
        6000, ge=1, description="Requests per caller per window ($batch/bulk count as one)."
    )
    emulator_throttle_max_execution_ms: int = Field(
        1_200_000, ge=1, description="Combined execution time per caller per window (ms)."
    )
    emulator_throttle_max_concurrent: int = Field(
        52, ge=1, description="Concurrent requests per caller."
    )
    emulator_throttle_operation_cost_ms: int = Field(
        10, ge=0, description="Execution time each operation costs (batches cost per operation)."
    )
    emulator_dop_hint: int = Field(
        16, ge=1, le=52, description="Value of the x-ms-dop-hint header the emulator sends."
    )
    emulator_fault_error_rate: float = Field(
        0.0, ge=0, le=1, description="Fault injection: fraction of requests answered 503."
    )
    emulator_fault_drop_rate: float = Field(
        0.0,
        ge=0,
        le=1,
        description="Fault injection: fraction of replies cut (dropped connection).",
    )
    emulator_fault_latency_seconds: float = Field(
        0.0, ge=0, le=60, description="Fault injection: latency added to every request."
    )
    emulator_latency_base_seconds: float = Field(
        0.0,
        ge=0,
        le=60,
        description="Latency model (benchmarks, soak tests): service time of every request.",
    )
    emulator_latency_per_operation_seconds: float = Field(
        0.0,
        ge=0,
        le=1,
        description=(
            "Latency model: service time added per operation (a $batch or a bulk message of"
            " N records is N operations)."
        ),
    )

    # -- messaging -----------------------------------------------------------------------------
    queue_url: str = Field(
        "sqlite:///.cityzen/queue.db",
        description=(
            "Message bus backend: sqlite:///path, memory://, or servicebus://<namespace FQDN>"
            " (managed identity) / a Service Bus connection string."
        ),
    )
    submissions_queue: str = Field("submissions", description="Queue of portal submissions.")
    case_events_queue: str = Field(
        "case-events",
        description="Queue the Dataverse service endpoint posts case changes to (cases/).",
    )
    # The service endpoint `cityzen dataverse register-events` registers in Dataverse to post
    # there: the queue's namespace and a shared access policy of that queue with Send only.
    case_events_namespace: str = Field(
        "",
        description=(
            "Service Bus namespace the Dataverse service endpoint posts case events to"
            " (contoso.servicebus.windows.net); empty: the embedded queue (local mode)."
        ),
    )
    case_events_sas_key_name: str = Field(
        "dataverse-send",
        description="Shared access policy of the case-events queue (Send only) for Dataverse.",
    )
    case_events_sas_key: SecretStr = Field(
        SecretStr(""),
        description="That policy's key: sent to Dataverse by register-events, never printed.",
    )
    webhooks_queue: str = Field(
        "webhooks", description="Outbox of webhook events waiting for delivery to the portal."
    )
    profile_updates_queue: str = Field(
        "profile-updates",
        description=(
            "Queue of citizens' contact changes (PATCH /api/v1/citizens/me) waiting to be"
            " applied to Dynamics 365 (citizens/; docs/profile.md)."
        ),
    )
    notifier_url: str = Field(
        "file://.cityzen/notifications",
        description=(
            "Who sends citizens' e-mail and SMS notifications: file://folder (one private JSON"
            " file per notification, local mode), memory://, or none:// (the portal notifies"
            " from the webhook's channel)."
        ),
    )
    # Embedded queue only: in Azure these are properties of the queue itself (infra/).
    queue_lock_duration_seconds: float = Field(
        60.0,
        gt=0,
        le=300,
        description="Peek-lock duration (embedded queue; Service Bus: 5 min max).",
    )
    queue_max_delivery_count: int = Field(
        10, ge=1, le=2000, description="Deliveries before dead-letter (embedded queue)."
    )
    queue_duplicate_window_seconds: float = Field(
        600.0, ge=20, le=604800, description="Duplicate detection window by message id (embedded)."
    )
    queue_time_to_live_days: float = Field(
        14.0, gt=0, le=3650, description="Message time-to-live, then dead-letter (embedded queue)."
    )
    # Retry with backoff across deliveries (every backend).
    retry_initial_delay_seconds: float = Field(
        30.0, gt=0, le=3600, description="First delay before retrying a transient failure."
    )
    retry_max_delay_seconds: float = Field(
        900.0, gt=0, le=86400, description="Cap of the doubling retry delay."
    )
    retry_horizon_hours: float = Field(
        24.0, gt=0, le=336, description="Give up and reject after this long since first enqueue."
    )

    # -- webhooks to the portal ----------------------------------------------------------------
    webhook_urls: str = Field(
        "",
        description=(
            "Where the portal receives case status changes (Standard Webhooks), comma-separated;"
            " empty: webhooks off. https, or http to 127.0.0.1/localhost in local mode."
        ),
    )
    webhook_secrets: SecretStr = Field(
        SecretStr(""),
        description=(
            "Signing secret(s), whsec_ + base64 of 24-64 random bytes, comma-separated: each one"
            " signs every delivery (rotation). Prefer a Key Vault reference."
        ),
    )
    webhook_timeout_seconds: float = Field(
        15.0, gt=0, le=60, description="Per-attempt timeout of a delivery (the spec: 15-30 s)."
    )
    webhook_give_up_hours: float = Field(
        72.0,
        gt=0,
        le=336,
        description=(
            "Stop retrying an endpoint this long after the event was queued, then dead-letter"
            " it (replayable); the back-off is the submissions' (retry_* settings)."
        ),
    )
    webhook_max_attempts: int = Field(
        300, ge=1, le=10000, description="Attempts per endpoint before dead-lettering an event."
    )

    # -- state store and attachment blobs ------------------------------------------------------
    store_url: str = Field(
        "sqlite:///.cityzen/state.db",
        description="State store: sqlite:///path, memory://, or azuretables://<account URL>.",
    )
    blob_url: str = Field(
        "file://.cityzen/blobs",
        description=(
            "Attachment blobs: file://folder, memory://, or azureblob://<account URL>/<container>."
        ),
    )
    retention_days: int = Field(
        30, ge=1, le=3650, description="RGPD: days rejected messages, records and blobs are kept."
    )

    # -- identity: who may call the API --------------------------------------------------------
    auth_mode: AuthMode = Field(
        "function_key",
        description="function_key (trusted portal back end), bearer (OAuth access tokens) or both.",
    )
    auth_oidc_issuer: str = Field(
        "", description="Citizens' OpenID Connect issuer (iss), exactly as in its tokens."
    )
    auth_oidc_audience: str = Field(
        "", description="Our API's audience in citizens' access tokens (comma-separated)."
    )
    auth_oidc_discovery_url: str = Field(
        "",
        description="Discovery document URL (default: <issuer>/.well-known/openid-configuration).",
    )
    auth_oidc_jwks_uri: str = Field("", description="JWKS URL; when set, discovery is skipped.")
    auth_oidc_algorithms: str = Field(
        "RS256,ES256", description="Accepted signing algorithms (asymmetric only, comma-separated)."
    )
    auth_oidc_type_check: TokenTypeCheck = Field(
        "claims",
        description="How access tokens are told from ID tokens: rfc9068 (typ at+jwt) or claims.",
    )
    auth_oidc_client_ids: str = Field(
        "", description="Client ids of the portal and apps: tokens for them are ID tokens, refused."
    )
    auth_oidc_required_scopes: str = Field(
        "", description="Scopes a citizen's access token must all carry (comma-separated)."
    )
    auth_oidc_certified_claims: str = Field(
        "given_name,family_name,preferred_username,birthdate,birthplace,birthcountry,gender",
        description="Claims the provider certifies (email/phone also when *_verified is true).",
    )
    auth_oidc_claim_map: dict[str, str] = Field(
        default_factory=dict,
        description='JSON map from our claim names to the provider\'s, e.g. {"birthplace": "..."}.',
    )
    auth_entra_tenant_id: str = Field(
        "", description="Entra ID tenant of agents and ops (empty: agents' tokens not accepted)."
    )
    auth_entra_audience: str = Field(
        "", description="Our API's audience in agents' Entra ID v2.0 tokens (its client id)."
    )
    auth_entra_roles: str = Field(
        "", description="App roles of which an agent's token must carry one (comma-separated)."
    )
    auth_clock_skew_seconds: float = Field(
        60.0, ge=0, le=300, description="Tolerance on exp, nbf and iat."
    )
    auth_jwks_cache_ttl_seconds: float = Field(
        3600.0, gt=0, le=86400, description="How long fetched signing keys are reused."
    )
    auth_jwks_min_refresh_seconds: float = Field(
        60.0, ge=0, le=3600, description="Floor between two JWKS fetches (unknown kid floods)."
    )
    auth_token_max_bytes: int = Field(
        16384, ge=1024, le=65536, description="Bearer tokens larger than this are refused unread."
    )
    signin_provider: bool = Field(
        False,
        description=(
            "Embedded mode only (cityzen run sets it): serve the local OpenID Connect sign-in"
            " provider on 127.0.0.1 and trust its two issuers (FranceConnect-shaped test"
            " identities, portal accounts). Refused when Dataverse is not the local emulator."
        ),
    )
    signin_port: int = Field(
        7076, ge=1, le=65535, description="Port of the local sign-in provider on 127.0.0.1."
    )

    # -- ops API: who may call /api/v1/ops ------------------------------------------------------
    ops_tenant_id: str = Field(
        "",
        description=(
            "Entra ID tenant id (a GUID) whose access tokens open /api/v1/ops. Empty: in local"
            " mode a local key stands in (cityzen identity ops-token); elsewhere every ops call"
            " is refused."
        ),
    )
    ops_audience: str = Field(
        "",
        description=(
            "Our API in ops tokens: its application (client) id, the aud of v2.0 tokens; add"
            " its application ID URI (api://...) for v1.0 tokens. Comma-separated."
        ),
    )
    ops_role: str = Field(
        DEFAULT_OPS_ROLE,
        description="App role an ops token's roles claim must hold (assigned to the ops group).",
    )
    ops_accept_v1_tokens: bool = Field(
        False,
        description="Also accept v1.0 access tokens (issuer https://sts.windows.net/<tenant>/).",
    )
    ops_jwks_uri: str = Field(
        "",
        description=(
            "Signing keys URL (default: https://login.microsoftonline.com/<tenant>/discovery/"
            "v2.0/keys, and .../discovery/keys for v1.0 tokens)."
        ),
    )

    # -- KPIs and open data (docs/kpis.md) ------------------------------------------------------
    stats_roles: str = Field(
        "CityZen.Agent",
        description=(
            "App roles that open GET /api/v1/stats besides the ops role (agents, managers),"
            " comma-separated; tokens of the ops tenant, as the ops routes. Empty: ops only."
        ),
    )
    stats_reconcile_cache_seconds: float = Field(
        300.0,
        ge=0,
        le=86400,
        description="How long Dataverse's counts (one FetchXML aggregate) are reused by the stats.",
    )
    open_data_threshold: int = Field(
        5,
        ge=2,
        le=1000,
        description=(
            "Open data: counts below this are withheld, with complementary cells (statistical"
            " secrecy, as INSEE and CNIL practice for small cells)."
        ),
    )

    # -- mappings and contact matching ---------------------------------------------------------
    mappings_dir: Path = Field(
        Path("mappings"), description="Folder of the mapping files (mappings/*.toml)."
    )
    identity_pepper: SecretStr = Field(
        SecretStr(""),
        description=(
            "Secret HMAC key of the contact keys (identity and pivot). Set once, never change:"
            " changing it re-keys every contact. Use a Key Vault reference in Azure."
        ),
    )

    # -- case status back to citizens (cases/) ------------------------------------------------
    case_history_days: int = Field(
        400,
        ge=1,
        le=3650,
        description="RGPD: days a case's status history is kept after its last change.",
    )
    case_requests_cache_seconds: float = Field(
        60.0,
        ge=0,
        le=3600,
        description='"My requests": how long one Dataverse read of a citizen\'s cases is reused.',
    )

    # -- citizens' data-protection rights (docs/rgpd.md) ---------------------------------------
    rights_export_link_minutes: int = Field(
        1440,
        ge=5,
        le=10080,
        description="RGPD: minutes a ready data export can be downloaded (once), then deleted.",
    )
    rights_audit_days: int = Field(
        1095,
        ge=30,
        le=3650,
        description=(
            "RGPD: days the audit of rights exercised (no personal data) and erasure requests"
            " awaiting the DPO's decision are kept."
        ),
    )
    # -- agents' accounts: Entra ID groups to Dynamics 365 -------------------------------------
    agents_directory_url: str = Field(
        "file:samples/directory.json",
        description=(
            "Where the access model's groups are read: https://graph.microsoft.com (Microsoft"
            " Graph, with the Dataverse app registration's credentials) or file:<path> (a"
            " directory file, local mode)."
        ),
    )
    agents_batch_operations: int = Field(
        500, ge=1, le=1000, description="Agents' reconciliation: writes sent in one $batch."
    )

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

    # -- local Functions host (local mode only) ------------------------------------------------
    localhost_host: str = Field("127.0.0.1", description="Local Functions host listen address.")
    localhost_port: int = Field(
        7071, ge=0, le=65535, description="Local Functions host port (7071 like func start)."
    )
    localhost_app_dir: Path = Field(
        Path("."), description="Folder holding function_app.py and host.json."
    )
    localhost_key_file: Path | None = Field(
        None, description="Local function/master key file, mode 0600 (default: data_dir)."
    )
    localhost_poll_interval_seconds: float = Field(
        0.5, gt=0, le=60, description="How long queue triggers wait for a message per poll."
    )
    localhost_max_body_bytes: int = Field(
        100 * 1024 * 1024, ge=1, description="HTTP request body cap (Azure's default 100 MB)."
    )
    localhost_http_threads: int = Field(
        8, ge=1, le=64, description="Local Functions host HTTP worker threads."
    )
    localhost_read_timeout_seconds: float = Field(
        30.0,
        gt=0,
        le=3600,
        description=(
            "How long a client may take to send a whole request (head and body) from its first"
            " byte; past it the local host answers 408 and closes the connection."
        ),
    )

    # -- submission pipeline -------------------------------------------------------------------
    breaker_open_seconds: float = Field(
        60.0,
        gt=0,
        le=3600,
        description="After a systemic failure, processing pauses this long before a probe.",
    )
    lookup_cache_ttl_seconds: float = Field(
        900.0, gt=0, le=86400, description="How long team and subject ids found by name are reused."
    )
    backlog_submissions_per_batch: int = Field(
        25,
        ge=1,
        le=100,
        description="Backlog drain: submissions (change sets) sent in one $batch request.",
    )

    @model_validator(mode="after")
    def _rules_across_settings(self) -> Settings:
        """Rules that involve several settings, each reported as ``CITYZEN_X: rule`` (one per
        line, never a value): a deployment mistake stops the app at start-up."""
        problems = [
            *self._pepper_problems(),
            *self._dataverse_auth_problems(),
            *self._auth_mode_problems(),
            *self._webhook_problems(),
            *self._geocoder_problems(),
            *self._agents_problems(),
            *self._ops_problems(),
            *self._signin_problems(),
            *self._stats_problems(),
        ]
        if self.retry_initial_delay_seconds > self.retry_max_delay_seconds:
            problems.append(
                f"{ENV_PREFIX}RETRY_INITIAL_DELAY_SECONDS: must not exceed"
                f" {ENV_PREFIX}RETRY_MAX_DELAY_SECONDS"
            )
        if problems:
            raise ValueError("\n".join(problems))
        return self

    def _pepper_problems(self) -> list[str]:
        # The contact keys are HMACs of personal data; with an empty key they are plain hashes
        # a guess can confirm. Local mode (the emulator on loopback) may run without one; a
        # real organisation may not: refuse to start rather than write weak keys that never
        # change.
        if self.local_mode or len(self.identity_pepper.get_secret_value()) >= _MIN_PEPPER_CHARS:
            return []
        return [
            f"{ENV_PREFIX}IDENTITY_PEPPER: must be set (at least {_MIN_PEPPER_CHARS} characters)"
            f" when {ENV_PREFIX}DATAVERSE_URL is not the local emulator: it keys every"
            " contact's identity hash"
        ]

    @property
    def local_mode(self) -> bool:
        """Embedded local mode: Dataverse is the emulator on this machine."""
        return (urlsplit(self.dataverse_url).hostname or "") in _LOOPBACK

    @property
    def webhook_url_list(self) -> tuple[str, ...]:
        return tuple(url.strip() for url in self.webhook_urls.split(",") if url.strip())

    @property
    def feeds_news_url_list(self) -> tuple[str, ...]:
        return tuple(url.strip() for url in self.feeds_news_urls.split(",") if url.strip())

    @property
    def feeds_agenda_url_list(self) -> tuple[str, ...]:
        return tuple(url.strip() for url in self.feeds_agenda_urls.split(",") if url.strip())

    def _webhook_problems(self) -> list[str]:
        # Each URL by its position, never its text (it may carry a token in its query).
        name = f"{ENV_PREFIX}WEBHOOK_URLS"
        urls = self.webhook_url_list
        problems = [
            f"{name}: URL {n} of {len(urls)} {rule}"
            for n, url in enumerate(urls, start=1)
            if (rule := _webhook_url_rule(url, local=self.local_mode))
        ]
        if len(urls) > _MAX_WEBHOOK_URLS:
            problems.append(f"{name}: at most {_MAX_WEBHOOK_URLS} endpoints")
        secrets = self.webhook_secrets.get_secret_value()
        if urls and not secrets.strip():
            problems.append(f"{ENV_PREFIX}WEBHOOK_SECRETS: required when {name} is set")
        if LOCAL_WEBHOOK_SECRET in secrets and not self.local_mode:
            problems.append(
                f"{ENV_PREFIX}WEBHOOK_SECRETS: the local mode's published secret is refused"
                f" when {ENV_PREFIX}DATAVERSE_URL is not the local emulator"
            )
        return problems

    def _geocoder_problems(self) -> list[str]:
        # The URL by its rule only: a proxy's URL may carry a key.
        try:
            parts = urlsplit(self.geocoder_url)
            host = parts.hostname or ""
        except ValueError:
            return [f"{ENV_PREFIX}GEOCODER_URL: is not a URL"]
        if parts.scheme == "https" and host:
            return []
        if parts.scheme == "http" and host in _LOOPBACK:
            return []
        return [f"{ENV_PREFIX}GEOCODER_URL: must use https (http only to 127.0.0.1 or localhost)"]

    def _agents_problems(self) -> list[str]:
        # The URL names a host only, never a secret: still, only its rule is shown.
        name = f"{ENV_PREFIX}AGENTS_DIRECTORY_URL"
        url = self.agents_directory_url
        if url.startswith("file:"):
            return [] if url[5:].strip() else [f"{name}: file: needs a path"]
        parts = urlsplit(url)
        if parts.scheme == "https" and parts.hostname and not parts.query:
            return []
        if parts.scheme == "http" and (parts.hostname or "") in _LOOPBACK:
            return []  # a local stand-in for Graph (tests)
        return [f"{name}: must be https://<Graph host> or file:<path> (http only to 127.0.0.1)"]

    def _dataverse_auth_problems(self) -> list[str]:
        needed: dict[str, bool] = {}
        if self.dataverse_auth in ("client_secret", "certificate"):
            needed["DATAVERSE_TENANT_ID"] = bool(self.dataverse_tenant_id)
            needed["DATAVERSE_CLIENT_ID"] = bool(self.dataverse_client_id)
        if self.dataverse_auth == "client_secret":
            needed["DATAVERSE_CLIENT_SECRET"] = bool(
                self.dataverse_client_secret.get_secret_value()
            )
        if self.dataverse_auth == "certificate":
            needed["DATAVERSE_CERTIFICATE_PATH"] = self.dataverse_certificate_path is not None
        if self.dataverse_auth == "static":
            needed["DATAVERSE_STATIC_TOKEN"] = bool(self.dataverse_static_token.get_secret_value())
        return [
            f"{ENV_PREFIX}{name}: required when {ENV_PREFIX}DATAVERSE_AUTH is {self.dataverse_auth}"
            for name, present in needed.items()
            if not present
        ]

    def _auth_mode_problems(self) -> list[str]:
        if (
            self.auth_mode == "function_key"
            or self.auth_oidc_issuer
            or self.auth_entra_tenant_id
            or self.signin_provider
        ):
            return []
        return [
            f"{ENV_PREFIX}AUTH_MODE: {self.auth_mode} needs {ENV_PREFIX}AUTH_OIDC_ISSUER"
            f" or {ENV_PREFIX}AUTH_ENTRA_TENANT_ID"
        ]

    def _signin_problems(self) -> list[str]:
        # A provider that signs anyone in as anyone: never where real citizens are.
        if self.signin_provider and not self.local_mode:
            return [
                f"{ENV_PREFIX}SIGNIN_PROVIDER: the local sign-in provider runs only in embedded"
                f" mode ({ENV_PREFIX}DATAVERSE_URL must be the local emulator on 127.0.0.1)"
            ]
        return []

    def _ops_problems(self) -> list[str]:
        tenant, audience = f"{ENV_PREFIX}OPS_TENANT_ID", f"{ENV_PREFIX}OPS_AUDIENCE"
        audiences = {a.strip() for a in self.ops_audience.split(",") if a.strip()}
        if self.ops_tenant_id and not audiences:
            return [f"{audience}: required when {tenant} is set"]
        if audiences and not self.ops_tenant_id:
            return [f"{tenant}: required when {audience} is set"]
        citizens = {a.strip() for a in self.auth_oidc_audience.split(",") if a.strip()}
        if audiences & citizens:
            # One audience for both would make the API registration serve citizens and ops.
            return [f"{audience}: must differ from {ENV_PREFIX}AUTH_OIDC_AUDIENCE"]
        return []

    def _stats_problems(self) -> list[str]:
        # An app role's value has no spaces (Entra admin centre, app roles); ours are split on
        # commas. Checked here so that a typo stops the start, not the first stats request.
        roles = [r.strip() for r in self.stats_roles.split(",") if r.strip()]
        if any(not re.fullmatch(r"[!-~]{1,120}", role) for role in roles):
            return [f"{ENV_PREFIX}STATS_ROLES: app role values, comma-separated, without spaces"]
        return []


_MIN_PEPPER_CHARS = 16
_LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})
_MAX_WEBHOOK_URLS = 10
# The secret `cityzen run` signs local webhooks with (its receiver on 127.0.0.1:7073 holds it):
# published in the docs, so never accepted outside local mode.
LOCAL_WEBHOOK_SECRET = "whsec_Y2l0eXplbi1ydW4tbG9jYWwtd2ViaG9vay1zZWNyZXQ="  # noqa: S105


def _webhook_url_rule(url: str, *, local: bool) -> str | None:  # noqa: PLR0911 - flat table
    """The rule ``url`` breaks, or ``None``. Spec, "Enforcing HTTPS": payloads are signed, not
    encrypted; plain http only to this machine, in local mode."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a port out of range
    except ValueError:
        return "is not a URL"
    host = parts.hostname or ""
    if not host:
        return "has no host"
    if parts.username is not None or parts.password is not None:
        return "must not carry a user or password (secrets go in CITYZEN_WEBHOOK_SECRETS)"
    if parts.fragment:
        return "must not have a #fragment"
    if parts.scheme == "https":
        return None
    if parts.scheme == "http" and local and host in _LOOPBACK:
        return None
    return "must use https (http only to 127.0.0.1 or localhost in local mode)"
