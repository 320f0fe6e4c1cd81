"""Who may call: citizens' and agents' tokens, the ops API, the KPIs' readers.

Fields of ``cityzen_connector.settings.Settings``, which inherits this class: see there
for how they are read and checked.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from cityzen_connector.identity import DEFAULT_OPS_ROLE, AuthMode, TokenTypeCheck


class IdentitySettings(BaseModel):
    """Settings' fields of this area (env names: ``CITYZEN_`` + the field's name)."""

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
