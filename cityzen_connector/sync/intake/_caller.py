"""Whose request it is, and which id it goes by.

The trusted portal (function key) sends the citizen's claims in the body. A citizen (bearer
token) never does: their claims come from the verified token, and a ``citizen`` member in the
body is refused rather than silently ignored, so a client bug cannot file under another name.
"""

from __future__ import annotations

import uuid
from typing import Any

from pydantic import ValidationError

from cityzen_connector.identity import CallerIdentity
from cityzen_connector.models import (
    RESERVED_IDS,
    CertifiableField,
    Citizen,
    FieldError,
    uuid_from_text,
)

from ._errors import CallerNotAllowedError, InvalidSubmissionError

# Our Citizen model names the OIDC ``phone_number`` claim ``phone``.
_CERTIFIED_NAMES: dict[str, CertifiableField] = {
    "given_name": "given_name",
    "family_name": "family_name",
    "preferred_username": "preferred_username",
    "birthdate": "birthdate",
    "gender": "gender",
    "birthplace": "birthplace",
    "birthcountry": "birthcountry",
    "email": "email",
    "phone_number": "phone",
}
_CLAIMS: tuple[str, ...] = (
    *("given_name", "family_name", "preferred_username", "birthdate", "gender"),
    *("birthplace", "birthcountry", "email", "phone_number", "acr"),
)
# RFC 9110 field values are visible ASCII; an idempotency key longer than this is abuse.
_MAX_KEY = 255
_KEY_NAMESPACE = uuid.UUID("5b0cf1a4-52f8-4c43-9c0e-9c1f33f0c0de")


# The body had no ``citizen`` member at all (``null`` is a value, and is refused as one).
ABSENT: Any = object()


def citizen_from_caller(caller: CallerIdentity, body_citizen: Any) -> Citizen:
    """The citizen: the body's ``citizen`` for the portal, the token's claims for a citizen
    (whose body must then have no ``citizen`` member, not even ``null``)."""
    if caller.kind == "portal":
        if body_citizen is ABSENT:
            problem = FieldError.of("citizen", "missing", "Field required")
            raise InvalidSubmissionError([problem])
        try:
            return Citizen.model_validate(body_citizen)
        except ValidationError as exc:
            raise InvalidSubmissionError.from_validation(exc, "citizen") from None
    if caller.kind != "citizen" or caller.citizen is None:
        raise CallerNotAllowedError("only citizens and the portal file requests")
    if body_citizen is not ABSENT:
        problem = FieldError.of("citizen", "extra_forbidden", "the identity comes from the token")
        raise InvalidSubmissionError([problem])
    claims = caller.citizen
    values: dict[str, object] = {"iss": caller.issuer, "sub": caller.subject}
    values.update({name: getattr(claims, name) for name in _CLAIMS})
    certified = [_CERTIFIED_NAMES[n] for n in sorted(claims.certified) if n in _CERTIFIED_NAMES]
    try:
        return Citizen.from_claims(values, certified=certified)
    except ValidationError as exc:
        # The token is valid but a claim does not fit our model (an odd birthplace...).
        raise InvalidSubmissionError.from_validation(exc, "token") from None


def resolve_id(body_id: uuid.UUID | None, header: str | None) -> uuid.UUID:
    """The submission id: the body's ``id``, the ``Idempotency-Key`` header, or a fresh one.

    A key that is not a UUID is mapped to one deterministically (UUIDv5), so any opaque key a
    client library generates works (draft-ietf-httpapi-idempotency-key-header section 2.2).
    """
    key_id: uuid.UUID | None = None
    if header is not None:
        key = header.strip()
        if not key or len(key) > _MAX_KEY or not key.isascii() or not key.isprintable():
            problem = FieldError.of("Idempotency-Key", "invalid_key", "1-255 visible characters")
            raise InvalidSubmissionError([problem])
        # A UUID as RFC 9562 writes it is used as is; any other key is opaque.
        key_id = uuid_from_text(key.strip('"')) or uuid.uuid5(_KEY_NAMESPACE, key)
        if key_id in RESERVED_IDS:
            problem = FieldError.of("Idempotency-Key", "reserved_id", "the nil and max UUIDs")
            raise InvalidSubmissionError([problem])
    if body_id is not None and key_id is not None and body_id != key_id:
        problem = FieldError.of("id", "id_mismatch", "the body id and Idempotency-Key differ")
        raise InvalidSubmissionError([problem])
    return body_id or key_id or uuid.uuid4()
