"""Every knob of the connector, in one typed class read once at the edge.

Each field's environment name is ``CITYZEN_`` + its upper-cased name (the Function App setting
of the same name in Azure). Every default means "embedded local mode": the emulator on
127.0.0.1:7072, an SQLite queue and store under ``.cityzen/``, no Azure at all. Library code
never reads ``os.environ``; it receives this object, or a small frozen piece of it.

The fields are grouped by area in base classes (``cityzen_connector/_settings/``: Dataverse,
messaging, identity, cases, portal); the last groups and every rule across settings are here.
pydantic lists the fields base by base from the last base to this class, so the bases are
named in reverse: the environment's, the errors' and the reference page's order stays the
groups' order.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from cityzen_connector._settings import (
    CasesSettings,
    DataverseAuth,
    DataverseSettings,
    IdentitySettings,
    MessagingSettings,
    PortalSettings,
)
from cityzen_connector.identity import DEFAULT_OPS_ROLE, AuthMode, TokenTypeCheck

# The literals the fields use, where readers of this module have always found them.
__all__ = [
    "DEFAULT_OPS_ROLE",
    "ENV_PREFIX",
    "LOCAL_WEBHOOK_SECRET",
    "AuthMode",
    "DataverseAuth",
    "Settings",
    "TokenTypeCheck",
]

ENV_PREFIX = "CITYZEN_"


class Settings(
    PortalSettings,
    CasesSettings,
    IdentitySettings,
    MessagingSettings,
    DataverseSettings,
    BaseSettings,
):
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
