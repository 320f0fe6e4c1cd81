"""Contact matching: keys first, never a guess.

Both keys are HMAC-SHA256 (RFC 2104) with a secret pepper, hex-encoded (64 characters):

- the identity key, of issuer + ``sub``: hashed because alternate-key values may not contain
  ``/ : ? & %`` and the like (an issuer URL does) and because ``sub`` is personal data;
- the pivot key, of the certified FranceConnect pivot identity (given_name, family_name,
  birthdate, gender, birthplace, birthcountry): FranceConnect gives each client its own ``sub``,
  the pivot identity is the same through the web and the mobile apps.

Why HMAC with a pepper rather than a plain SHA-256: the pivot identity has little entropy (names,
a date, two INSEE codes); anyone who can read the contacts table could confirm a guessed identity
against a plain hash. With a pepper kept out of Dataverse (Key Vault), the keys are pseudonyms
(RGPD art. 4(5)). The pepper must never change once contacts exist: changing it re-keys every
contact. An empty pepper (local mode) still gives deterministic keys.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata
from collections.abc import Mapping
from datetime import datetime
from uuid import UUID

from cityzen_connector.models import PIVOT_FIELDS, Citizen

from ._config import Lookalike
from ._plan_types import Condition, QuerySpec
from ._scope import Scope

# Unit separator: cannot occur in any field (the models refuse control characters).
_SEP = "\x1f"
_IDENTITY_TAG = "cityzen/identity/v1"
_PIVOT_TAG = "cityzen/pivot/v1"


def _hmac(pepper: bytes, parts: tuple[str, ...]) -> str:
    message = _SEP.join(parts).encode("utf-8")
    return hmac.new(pepper, message, hashlib.sha256).hexdigest()


def identity_key(issuer: str, sub: str, *, pepper: bytes) -> str:
    """The contact's key at one identity provider client: HMAC(issuer, sub)."""
    return _hmac(pepper, (_IDENTITY_TAG, issuer, sub))


def normalise_name(value: str) -> str:
    """Compare names as civil registers do: no accents, upper case, single spaces.

    ``"Jean-Noël  d'Orléans"`` and ``"JEAN-NOEL D'ORLEANS"`` give the same text.
    """
    decomposed = unicodedata.normalize("NFKD", value)
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return re.sub(r"\s+", " ", bare).strip().upper()


def pivot_key(citizen: Citizen, *, pepper: bytes) -> str | None:
    """HMAC of the certified pivot identity, or ``None`` unless all six fields are certified."""
    if not citizen.has_certified_pivot:
        return None
    values: list[str] = []
    for name in PIVOT_FIELDS:
        value = getattr(citizen, name)
        text = value.isoformat() if name == "birthdate" else str(value)
        values.append(normalise_name(text) if name in ("given_name", "family_name") else text)
    return _hmac(pepper, (_PIVOT_TAG, *values))


def lookalike_query(
    config: Lookalike, scope: Scope, *, entity_set: str, primary_id: str
) -> QuerySpec | None:
    """Contacts that resemble this citizen, as a query spec with typed literal values.

    A group takes part only when every one of its fields has a value; names are compared as
    given (Dataverse string comparison is case-insensitive). ``None`` when no group applies.
    """
    groups: list[tuple[Condition, ...]] = []
    for group in config.any_of:
        conditions = _conditions(group, scope)
        if conditions:
            groups.append(conditions)
    if not groups:
        return None
    return QuerySpec(
        entity_set=entity_set,
        any_of=tuple(groups),
        select=(primary_id,),
        top=5,
        exclude_primary_id=primary_id,
    )


def _conditions(group: Mapping[str, str], scope: Scope) -> tuple[Condition, ...]:
    conditions = []
    for column, path in group.items():
        value = scope.get(path)
        # Floats and instants are no resemblance criteria; an absent value disables the group.
        if value is None or value == "" or isinstance(value, float | datetime):
            return ()
        # Dates stay dates (an Edm.Date literal), ids become text; never formatted here.
        conditions.append(Condition(column, str(value) if isinstance(value, UUID) else value))
    return tuple(conditions)
