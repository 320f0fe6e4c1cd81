"""Who is calling, as plain frozen data: the verified result the rest of the app consumes.

Citizens' claims follow FranceConnect's names (OpenID Connect core claims plus ``birthplace`` and
``birthcountry``, INSEE codes); ``acr`` carries the eIDAS level (``eidas1``..``eidas3``). See
https://docs.partenaires.franceconnect.gouv.fr/fs/fs-technique/fs-technique-scope-fc/ .
The ``repr`` of these objects never shows a claim value (RGPD): log them freely.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Literal

from ._errors import InvalidToken

CallerKind = Literal["citizen", "agent", "portal"]

#: Our field names, which are also FranceConnect's claim names.
CITIZEN_CLAIMS: tuple[str, ...] = (
    # the civil-registry "pivot identity" and usage name first: DEFAULT_CERTIFIED_CLAIMS
    "given_name",
    "family_name",
    "preferred_username",
    "birthdate",
    "birthplace",
    "birthcountry",
    "gender",
    "email",
    "phone_number",
    "acr",
)

#: The "pivot identity" and usage name FranceConnect takes from the civil registry; e-mail and
#: phone are what the person typed at their identity provider, certified only when the token
#: says ``email_verified`` / ``phone_number_verified`` (OpenID Connect Core 1.0, section 5.1).
DEFAULT_CERTIFIED_CLAIMS: frozenset[str] = frozenset(CITIZEN_CLAIMS[:7])

# A signed claim longer than this is an identity provider misconfiguration or an attack on a
# downstream column; either way we refuse rather than truncate.
_MAX_CLAIM_CHARS = 512


@dataclass(frozen=True)
class CitizenClaims:
    """A citizen's identity claims; ``certified`` names those the identity provider vouches for."""

    given_name: str | None = field(default=None, repr=False)
    family_name: str | None = field(default=None, repr=False)
    preferred_username: str | None = field(default=None, repr=False)
    birthdate: str | None = field(default=None, repr=False)
    birthplace: str | None = field(default=None, repr=False)
    birthcountry: str | None = field(default=None, repr=False)
    gender: str | None = field(default=None, repr=False)
    email: str | None = field(default=None, repr=False)
    phone_number: str | None = field(default=None, repr=False)
    acr: str | None = None
    certified: frozenset[str] = frozenset()

    def present(self) -> frozenset[str]:
        """Names of the claims that have a value (no values: safe to log)."""
        return frozenset(
            f.name for f in fields(self) if f.name in CITIZEN_CLAIMS and getattr(self, f.name)
        )

    def is_certified(self, claim: str) -> bool:
        return claim in self.certified


@dataclass(frozen=True)
class CallerIdentity:
    """A verified caller. ``subject`` is ``sub`` for citizens and ``oid`` for Entra ID agents."""

    kind: CallerKind
    issuer: str
    subject: str = field(repr=False)
    citizen: CitizenClaims | None = None
    tenant_id: str | None = None
    client_id: str | None = None
    scopes: frozenset[str] = frozenset()
    roles: frozenset[str] = frozenset()

    @classmethod
    def trusted_portal(cls, name: str = "portal") -> CallerIdentity:
        """The portal back end, known by its function key; citizens' claims are in the body."""
        return cls(kind="portal", issuer="function-key", subject=name)


def _string_claim(payload: Mapping[str, object], name: str) -> str | None:
    value = payload.get(name)
    if value is None:
        return None
    if not isinstance(value, str) or len(value) > _MAX_CLAIM_CHARS:
        # The claim's *name* is safe to report; its value is not.
        raise InvalidToken("malformed", f"claim {name!r} is not a string of acceptable length")
    return value or None


def citizen_claims_from_payload(
    payload: Mapping[str, object],
    *,
    claim_map: Mapping[str, str],
    certified_claims: frozenset[str],
) -> CitizenClaims:
    """Read a citizen's claims from a verified payload.

    ``claim_map`` renames claims for providers that do not use FranceConnect's names (an Entra
    External ID custom claim such as ``extension_<app>_birthplace``): our name -> token claim.
    """
    values: dict[str, str | None] = {
        name: _string_claim(payload, claim_map.get(name, name)) for name in CITIZEN_CLAIMS
    }
    certified = {name for name in certified_claims if values.get(name)}
    if values["email"] and payload.get(claim_map.get("email_verified", "email_verified")) is True:
        certified.add("email")
    phone_verified = claim_map.get("phone_number_verified", "phone_number_verified")
    if values["phone_number"] and payload.get(phone_verified) is True:
        certified.add("phone_number")
    certified.discard("acr")  # the level of assurance describes the sign-in, not the person
    return CitizenClaims(**values, certified=frozenset(certified))
