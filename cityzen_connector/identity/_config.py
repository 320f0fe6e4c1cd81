"""How one identity provider's tokens are verified, as one frozen, validated value."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Literal

from ._claims import DEFAULT_CERTIFIED_CLAIMS
from ._errors import IdentityConfigError
from ._modes import TokenTypeCheck

# (TokenTypeCheck, the ``type_check`` vocabulary, is in ``_modes``, which settings imports.)
VerifiedKind = Literal["citizen", "agent"]

#: Asymmetric algorithms we can verify, mapped to the JWK key type they need (RFC 7518
#: section 3.1, RFC 8037). HS* and ``none`` are absent on purpose: a shared secret has no place
#: in verifying a third party's tokens, and HS256 keyed with the provider's public key is the
#: classic algorithm-confusion forgery.
ALGORITHM_KEY_TYPES: Mapping[str, tuple[str, str | None]] = MappingProxyType(
    {
        "RS256": ("RSA", None),
        "RS384": ("RSA", None),
        "RS512": ("RSA", None),
        "PS256": ("RSA", None),
        "PS384": ("RSA", None),
        "PS512": ("RSA", None),
        "ES256": ("EC", "P-256"),
        "ES384": ("EC", "P-384"),
        "ES512": ("EC", "P-521"),
        "EdDSA": ("OKP", None),
    }
)
DEFAULT_ALGORITHMS: frozenset[str] = frozenset({"RS256", "ES256"})
ENTRA_V2_ISSUER = "https://login.microsoftonline.com/{tenant}/v2.0"


@dataclass(frozen=True)
class VerifierConfig:
    """One trusted issuer: what its access tokens must look like to be accepted."""

    issuer: str
    audiences: frozenset[str]
    kind: VerifiedKind = "citizen"
    algorithms: frozenset[str] = DEFAULT_ALGORITHMS
    clock_skew_seconds: float = 60.0
    type_check: TokenTypeCheck = "claims"
    client_ids: frozenset[str] = frozenset()
    required_scopes: frozenset[str] = frozenset()
    accepted_roles: frozenset[str] = frozenset()
    subject_claim: str = "sub"
    tenant_id: str = ""
    certified_claims: frozenset[str] = DEFAULT_CERTIFIED_CLAIMS
    claim_map: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    max_token_bytes: int = 16 * 1024

    def __post_init__(self) -> None:
        if not self.issuer:
            raise IdentityConfigError("an issuer is required")
        if not self.audiences or "" in self.audiences:
            raise IdentityConfigError("at least one non-empty audience (our API) is required")
        if not self.algorithms:
            raise IdentityConfigError("at least one signing algorithm must be allowed")
        unsafe = sorted(self.algorithms - ALGORITHM_KEY_TYPES.keys())
        if unsafe:
            raise IdentityConfigError(
                f"algorithms not allowed (only asymmetric ones are): {', '.join(unsafe)}"
            )
        if self.audiences & self.client_ids:
            raise IdentityConfigError(
                "an audience is also a client id: ID tokens could not be told apart"
            )
        if not 0 <= self.clock_skew_seconds <= 300:
            raise IdentityConfigError("clock skew must be between 0 and 300 seconds")
        if not 1024 <= self.max_token_bytes <= 64 * 1024:
            raise IdentityConfigError("token size cap must be between 1 KB and 64 KB")
        if self.type_check not in ("rfc9068", "claims"):
            raise IdentityConfigError("type_check must be 'rfc9068' or 'claims'")
        # Freeze a caller's dict so the config stays immutable and hashable in spirit.
        object.__setattr__(self, "claim_map", MappingProxyType(dict(self.claim_map)))


def entra_agent_config(
    tenant_id: str,
    audiences: frozenset[str],
    *,
    accepted_roles: frozenset[str] = frozenset(),
    clock_skew_seconds: float = 60.0,
    max_token_bytes: int = 16 * 1024,
) -> VerifierConfig:
    """Agents' and ops' Microsoft Entra ID v2.0 access tokens for our API.

    The v2.0 issuer is ``https://login.microsoftonline.com/{tenant}/v2.0`` and the subject is
    ``oid``, stable across applications (learn.microsoft.com/entra/identity-platform/
    access-token-claims-reference). Entra ID signs with RS256 and types tokens ``JWT``.
    """
    if not tenant_id:
        raise IdentityConfigError("the agents' Entra ID tenant id is required")
    return VerifierConfig(
        issuer=ENTRA_V2_ISSUER.format(tenant=tenant_id),
        audiences=audiences,
        kind="agent",
        algorithms=frozenset({"RS256"}),
        clock_skew_seconds=clock_skew_seconds,
        type_check="claims",
        accepted_roles=accepted_roles,
        subject_claim="oid",
        tenant_id=tenant_id,
        certified_claims=frozenset(),
        max_token_bytes=max_token_bytes,
    )
