"""The discovery document of each issuer (OpenID Connect Discovery 1.0 section 3): the
citizens' issuers' (RS256 and ES256, FranceConnect's claims), the agents' (Entra ID's v2.0 ID
token claims, RS256 only)."""

from __future__ import annotations

from typing import Any

from ._config import IssuerName, SigninConfig


def discovery_document(config: SigninConfig, issuer: IssuerName) -> dict[str, Any]:
    """OpenID Connect Discovery 1.0 section 3 for one issuer."""
    iss = config.issuers[issuer]
    common = {
        "issuer": iss,
        "authorization_endpoint": f"{iss}/authorize",
        "token_endpoint": f"{iss}/token",
        "userinfo_endpoint": f"{iss}/userinfo",
        "jwks_uri": f"{iss}/jwks",
        "end_session_endpoint": f"{iss}/logout",
        "scopes_supported": list(config.scopes_of(issuer)),
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": ["authorization_code"],
        "subject_types_supported": ["pairwise"],
        "token_endpoint_auth_methods_supported": ["none"],
        "code_challenge_methods_supported": ["S256"],
        "authorization_response_iss_parameter_supported": True,
    }
    if issuer == "agents":
        # Entra ID's v2.0 ID token claims (id-token-claims-reference); RS256 only.
        return {
            **common,
            "id_token_signing_alg_values_supported": ["RS256"],
            "claims_supported": [
                *("sub", "iss", "aud", "exp", "iat", "nbf", "nonce", "oid", "tid"),
                *("name", "preferred_username", "ver"),
            ],
        }
    return {
        **common,
        "id_token_signing_alg_values_supported": ["RS256", "ES256"],
        "claims_supported": [
            "sub",
            "iss",
            "aud",
            "exp",
            "iat",
            "auth_time",
            "nonce",
            "acr",
            "amr",
            "given_name",
            "family_name",
            "preferred_username",
            "birthdate",
            "gender",
            "birthplace",
            "birthcountry",
            "email",
            "email_verified",
        ],
        "acr_values_supported": ["eidas1"] if issuer == "franceconnect" else [],
    }
