"""Who filed a submission: the identity provider's subject and the claims we received.

Claim names and formats are FranceConnect's (OpenID Connect "identité pivot"): ``given_name``
(all first names, space separated), ``family_name`` (birth name), ``preferred_username`` (usage
name), ``birthdate`` (``YYYY-MM-DD``), ``gender`` (``male`` / ``female``), ``birthplace`` (INSEE
COG code of the birth commune, empty when born abroad), ``birthcountry`` (INSEE COG code of the
country, ``99100`` for France), ``email``. ``certified`` says which of them the identity provider
vouched for; everything else was typed by the citizen and is treated as such downstream.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Annotated, Literal, get_args

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

from ._scalars import PastDate
from ._text import (
    EMAIL_PATTERN,
    FILLED_LINE_PATTERN,
    PHONE_PATTERN,
    clean_text,
    email_address,
    phone_to_e164,
)

CertifiableField = Literal[
    "given_name",
    "family_name",
    "preferred_username",
    "birthdate",
    "gender",
    "birthplace",
    "birthcountry",
    "email",
    "phone",
]
#: The FranceConnect pivot identity: all six certified links the same person across clients.
PIVOT_FIELDS: tuple[CertifiableField, ...] = (
    "given_name",
    "family_name",
    "birthdate",
    "gender",
    "birthplace",
    "birthcountry",
)
EidasLevel = Literal["eidas1", "eidas2", "eidas3"]
# Claims taken under their own name (the phone arrives as OIDC's ``phone_number``).
_CLAIMS = tuple(name for name in get_args(CertifiableField) if name != "phone")
Gender = Literal["male", "female"]


def _single_line(value: str) -> str:
    return clean_text(value, multiline=False)


def _phone(value: str) -> str:
    return phone_to_e164(value)


Name = Annotated[
    str,
    Field(strict=True, json_schema_extra={"pattern": FILLED_LINE_PATTERN}),
    AfterValidator(_single_line),
    StringConstraints(min_length=1, max_length=100),
]
Phone = Annotated[
    str,
    Field(
        strict=True,
        description="E.164, or a French national number; stored as E.164. Brackets, a"
        " '(0)' after the country code and a 00 prefix are read too.",
        json_schema_extra={"pattern": PHONE_PATTERN},
    ),
    AfterValidator(_phone),
]
Email = Annotated[
    str,
    Field(strict=True, max_length=254, json_schema_extra={"pattern": EMAIL_PATTERN}),
    AfterValidator(email_address),
]


class Citizen(BaseModel):
    """The citizen behind a submission. ``issuer`` + ``sub`` identify them at one client."""

    model_config = ConfigDict(extra="forbid", frozen=True, hide_input_in_errors=True)

    issuer: Annotated[
        str,
        # Explicit classes: "\s" differs between pydantic's regex engine and ECMA-262 (U+0085).
        Field(
            strict=True,
            min_length=1,
            max_length=300,
            pattern=r"^https?://[^\x00-\x20\x7f-\xa0\u1680\u2000-\u200a"
            r"\u2028\u2029\u202f\u205f\u3000\ufeff]+$",
        ),
    ]
    # OIDC Core §2: sub is at most 255 ASCII characters.
    sub: Annotated[str, Field(strict=True, min_length=1, max_length=255, pattern=r"^[\x21-\x7e]+$")]
    given_name: Name | None = None
    family_name: Name | None = None
    preferred_username: Name | None = None
    birthdate: PastDate | None = None
    gender: Gender | None = None
    # INSEE COG commune code (Corsica: 2A/2B); "" is FranceConnect's value for born abroad.
    birthplace: (
        Annotated[str, Field(strict=True, pattern=r"^(|[0-9]{5}|2[AB][0-9]{3})$")] | None
    ) = None
    # INSEE COG country codes are 99XXX (99100 = France).
    birthcountry: Annotated[str, Field(strict=True, pattern=r"^99[0-9]{3}$")] | None = None
    email: Email | None = None
    phone: Phone | None = None
    eidas_level: EidasLevel | None = None
    certified: Annotated[
        frozenset[CertifiableField],
        Field(description="Claims the identity provider vouched for; each must have a value."),
    ] = frozenset()

    @model_validator(mode="after")
    def _certified_fields_are_present(self) -> Citizen:
        missing = sorted(name for name in self.certified if getattr(self, name) is None)
        if missing:
            # Names of fields only: the values are personal data.
            raise ValueError("certified fields without a value: " + ", ".join(missing))
        return self

    @classmethod
    def from_claims(
        cls, claims: Mapping[str, object], *, certified: Iterable[CertifiableField] = ()
    ) -> Citizen:
        """Build a citizen from verified OpenID Connect claims (ID token or userinfo).

        Takes ``iss``, ``sub``, the FranceConnect identity claims, ``phone_number`` and an
        ``acr`` of ``eidas1``..``eidas3``; ignores every other claim (``aud``, ``exp``,
        ``given_name_array``...). ``certified`` lists the claims this issuer vouches for (for
        FranceConnect: the pivot identity, and ``preferred_username`` / ``email``); only those
        present are kept. Raises ``ValidationError`` without echoing values.
        """
        data: dict[str, object] = {"issuer": claims.get("iss"), "sub": claims.get("sub")}
        for name in _CLAIMS:
            if claims.get(name) not in (None, ""):
                data[name] = claims[name]
        if "birthplace" in claims and claims.get("birthcountry") not in (None, "", "99100"):
            data["birthplace"] = claims["birthplace"] or ""  # "" when born abroad
        if claims.get("phone_number") not in (None, ""):
            data["phone"] = claims["phone_number"]
        acr = claims.get("acr")
        if isinstance(acr, str) and acr in ("eidas1", "eidas2", "eidas3"):
            data["eidas_level"] = acr
        data["certified"] = sorted(name for name in certified if name in data)
        return cls.model_validate(data)

    def is_certified(self, name: CertifiableField) -> bool:
        return name in self.certified

    @property
    def has_certified_pivot(self) -> bool:
        """True when the whole pivot identity was certified by the identity provider."""
        return all(name in self.certified for name in PIVOT_FIELDS)
