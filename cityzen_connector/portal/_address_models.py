"""Address help on the wire: what the portal asks (query parameters), what it gets back.

``AddressSearchParams`` / ``AddressReverseParams`` are the routes' query parameters, validated
as the Géoplateforme geocoder validates its own (``gpf-geocodeur``, ``api/params/base.js``: q of
3 to 200 characters, limit 1 to 20, lat/lon in range, a 5-digit postcode, an INSEE code with 2A
/2B for Corsica), so that what we accept the service accepts. The OpenAPI document is generated
from them. ``SearchQuery`` / ``ReverseQuery`` are the normalised forms the port receives and the
cache keys on: the same question typed twice (case, spaces, a symbol) is asked once.

``Address`` is one normalised result; its fields are ``models.Location``'s (the very values a
submission's ``location`` takes, with ``geocoder_id`` = ``id``), checked by the same rules:
a result that would not pass as a location is left out rather than passed on.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from cityzen_connector.models import Location

AddressType = Literal["housenumber", "street", "locality", "municipality"]
POSTCODE_PATTERN = r"^[0-9]{5}$"
# INSEE COG commune code; Corsica's départements are 2A and 2B.
CITYCODE_PATTERN = r"^([0-9]{5}|2[AB][0-9]{3})$"
# The service counts a query in UTF-16 code units (JavaScript's String length).
MIN_QUERY, MAX_QUERY = 3, 200
MAX_LIMIT = 20
_PARAMS = ConfigDict(extra="forbid", frozen=True, hide_input_in_errors=True)

Latitude = Annotated[
    float,
    Field(ge=-90, le=90, allow_inf_nan=False, description="Latitude (WGS 84), decimal degrees."),
]
Longitude = Annotated[
    float,
    Field(ge=-180, le=180, allow_inf_nan=False, description="Longitude (WGS 84), decimal degrees."),
]


class AddressSearchParams(BaseModel):
    """``GET /api/v1/address``: suggestions as the citizen types."""

    model_config = _PARAMS

    q: Annotated[
        str,
        Field(
            min_length=MIN_QUERY,
            max_length=MAX_QUERY,
            description="What the citizen typed so far (3 to 200 characters). Symbols and"
            " control characters are ignored.",
        ),
    ]
    limit: Annotated[
        int, Field(ge=1, le=MAX_LIMIT, description="How many suggestions, 1 to 20.")
    ] = 5
    postcode: (
        Annotated[
            str, Field(pattern=POSTCODE_PATTERN, description="Only this postcode (5 digits).")
        ]
        | None
    ) = None
    citycode: (
        Annotated[
            str,
            Field(
                pattern=CITYCODE_PATTERN,
                description="Only this commune: its INSEE code (2A/2B for Corsica), not its"
                " postcode.",
            ),
        ]
        | None
    ) = None
    lat: Annotated[Latitude, Field(description="With lon: prefer results near this point.")] | (
        None
    ) = None
    lon: Annotated[Longitude, Field(description="With lat: prefer results near this point.")] | (
        None
    ) = None


class AddressReverseParams(BaseModel):
    """``GET /api/v1/address/reverse``: "use my location"."""

    model_config = _PARAMS

    lat: Latitude
    lon: Longitude
    limit: Annotated[
        int, Field(ge=1, le=MAX_LIMIT, description="How many addresses, nearest first.")
    ] = 1


@dataclass(frozen=True)
class SearchQuery:
    """A normalised search, hashable: the cache key. ``autocomplete`` is off when resolving
    a chosen result's id (its whole label is known)."""

    q: str
    limit: int
    postcode: str | None = None
    citycode: str | None = None
    lat: float | None = None
    lon: float | None = None
    autocomplete: bool = True


@dataclass(frozen=True)
class ReverseQuery:
    lat: float
    lon: float
    limit: int = 1


# Categories kept in a query: letters, marks, numbers, punctuation, separators. Symbols and
# control, format, private-use and unassigned characters become spaces.
_KEPT = frozenset("LMNPZ")
_SPACES = re.compile(r"\s+")
# A bias point is a hint: about 100 m is plenty, and nearby users share cache entries.
BIAS_DECIMALS = 3
# "Use my location" is an answer: about 1 m.
REVERSE_DECIMALS = 5


def normalise_query(text: str) -> str | None:
    """The text as sent to the service and used as the cache key, or ``None`` when nothing
    searchable is left. NFKC (full-width and styled letters become plain ones), symbols and
    controls dropped, spaces collapsed, lower case (the service ignores case); then it starts
    as the service requires (a letter that has a case, or a digit 0-9) and is cut to 200
    UTF-16 code units."""
    folded = unicodedata.normalize("NFKC", text)
    kept = "".join(ch if unicodedata.category(ch)[0] in _KEPT else " " for ch in folded)
    query = _SPACES.sub(" ", kept).strip().lower()
    start = next((i for i, ch in enumerate(query) if _starts_a_query(ch)), len(query))
    query = query[start:]
    while _utf16_length(query) > MAX_QUERY:
        query = query[:-1].rstrip()
    return query if _utf16_length(query) >= MIN_QUERY else None


def _starts_a_query(ch: str) -> bool:
    # gpf-geocodeur's isFirstCharValid: a letter that has a case, or an ASCII digit.
    return ch in "0123456789" or ch.lower() != ch.upper()


def _utf16_length(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def search_query(params: AddressSearchParams) -> SearchQuery | None:
    """The normalised search for validated parameters; ``None``: nothing to search for."""
    q = normalise_query(params.q)
    if q is None:
        return None
    # One of lat/lon alone biases nothing: it is ignored (the service would refuse it).
    lat = lon = None
    if params.lat is not None and params.lon is not None:
        lat, lon = _rounded(params.lat, BIAS_DECIMALS), _rounded(params.lon, BIAS_DECIMALS)
    return SearchQuery(
        q=q,
        limit=params.limit,
        postcode=params.postcode,
        citycode=params.citycode,
        lat=lat,
        lon=lon,
    )


def _rounded(value: float, decimals: int) -> float:
    return round(value, decimals) + 0.0  # + 0.0: -0.0 and 0.0 are one key


def reverse_query(params: AddressReverseParams) -> ReverseQuery:
    return ReverseQuery(
        lat=_rounded(params.lat, REVERSE_DECIMALS),
        lon=_rounded(params.lon, REVERSE_DECIMALS),
        limit=params.limit,
    )


class Address(BaseModel):
    """One normalised result: what a submission's ``location`` takes (``geocoder_id`` = ``id``,
    ``geocoder_score`` = ``score``)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(description="The service's id of this address (BAN interoperability key).")
    type: AddressType = Field(
        description="housenumber, street, locality (lieu-dit) or municipality."
    )
    score: float = Field(ge=0, le=1, description="Relevance, 0 to 1.")
    label: str
    house_number: str | None = None
    street: str | None = None
    postcode: str | None = None
    citycode: str | None = Field(None, description="INSEE code of the commune.")
    city: str | None = None
    latitude: float = Field(ge=-90, le=90)
    longitude: float = Field(ge=-180, le=180)
    distance: int | None = Field(
        None, ge=0, description="Reverse geocoding: metres from the given point."
    )

    def location(self) -> Location:
        """The submission's ``location`` for this result."""
        return Location(
            label=self.label,
            house_number=self.house_number,
            street=self.street,
            postcode=self.postcode,
            citycode=self.citycode,
            city=self.city,
            latitude=self.latitude,
            longitude=self.longitude,
            geocoder_id=self.id,
            geocoder_score=self.score,
        )


class AddressResults(BaseModel):
    """The answer of both address routes (an empty list: nothing matches)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    results: tuple[Address, ...]
