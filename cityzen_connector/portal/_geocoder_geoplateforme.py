"""The IGN Géoplateforme geocoding service over HTTP (``GET {base}/search`` and ``/reverse``).

What it speaks, from the service's own documentation and source:

- geoservices.ign.fr, "Service Géoplateforme de géocodage": ``https://data.geopf.fr/geocodage
  /search`` and ``/reverse``; the address index is the Base Adresse Nationale (BAN), updated
  weekly; "le service est limité à 50 requêtes/s" per IP, past which every request gets an HTML
  error page with status 429. The former api-adresse.data.gouv.fr closed in January 2026.
- gpf-geocodeur (the service's code), ``api/params/base.js``: ``q`` 3-200 characters starting
  with a letter or digit, ``index`` (address, poi, parcel; default address), ``limit`` 1-20
  (default 10), ``lat``/``lon`` together, ``postcode`` 5 digits, ``citycode`` INSEE,
  ``autocomplete`` (default on); a refused query is a 400 ``{code, message, detail}``;
  ``api/router.js``: the answer is ``{"type": "FeatureCollection", "features": [...]}``;
  ``config/open-api/geocode.yaml``: each address feature is a GeoJSON Point (lon, lat) whose
  properties are label, id, postcode, city, district, street, housenumber, citycode, x, y (Lambert
  93), score, name, type (housenumber, street, locality, municipality), _type ("address"),
  context, importance, and on ``/reverse`` distance (metres).

Requests are built as data (``search_request``, ``reverse_request``) and sent by one method
through an injected ``requests.Session`` (the seam ``responses`` scripts in tests). Everything
the service sends is untrusted: the answer is read up to a size cap, parsed strictly, and each
feature is kept only if it passes as a submission's ``location`` (``models.Location``).
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Mapping
from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import Any, get_args

import requests
from pydantic import ValidationError

from cityzen_connector._clock import WallClock, utc_now
from cityzen_connector._strict_json import no_duplicate_members, refuse_constant
from cityzen_connector.models import Location

from ._address_models import Address, AddressType, ReverseQuery, SearchQuery
from ._errors import (
    GeocoderRateLimitedError,
    GeocoderRefusedError,
    GeocoderUnavailableError,
    UnfitFeatureError,
)

logger = logging.getLogger("cityzen_connector.portal")

# 20 results of about 600 bytes each; an answer a thousand times larger is not an answer.
MAX_ANSWER_BYTES = 1024 * 1024
# The documentation says a 429 blocks the caller briefly but our copy of the page is cut
# before it says how long; without a Retry-After we wait this long.
DEFAULT_RATE_LIMIT_WAIT = 5.0
_TYPES = frozenset(get_args(AddressType))

Params = dict[str, str]


def _decimal(value: float) -> str:
    # gpf-geocodeur parses floats with ^[+-]?(\d+(\.\d*)?)$: no exponent.
    return f"{value:.6f}".rstrip("0").rstrip(".")


def search_request(query: SearchQuery) -> tuple[str, Params]:
    params: Params = {
        "q": query.q,
        "index": "address",
        "limit": str(query.limit),
        "autocomplete": "1" if query.autocomplete else "0",
    }
    if query.postcode:
        params["postcode"] = query.postcode
    if query.citycode:
        params["citycode"] = query.citycode
    if query.lat is not None and query.lon is not None:
        params["lat"], params["lon"] = _decimal(query.lat), _decimal(query.lon)
    return "search", params


def reverse_request(query: ReverseQuery) -> tuple[str, Params]:
    return "reverse", {
        "lat": _decimal(query.lat),
        "lon": _decimal(query.lon),
        "index": "address",
        "limit": str(query.limit),
    }


class GeoplateformeGeocoder:
    """The ``Geocoder`` port over HTTP. ``base_url`` ends before ``/search``."""

    def __init__(
        self,
        base_url: str,
        session: requests.Session | None = None,
        *,
        timeout: float = 3.0,
        max_bytes: int = MAX_ANSWER_BYTES,
        clock: WallClock = utc_now,
    ) -> None:
        self._base = base_url.rstrip("/")
        self._session = session or requests.Session()
        self._timeout = timeout
        self._max_bytes = max_bytes
        self._clock = clock

    def search(self, query: SearchQuery) -> tuple[Address, ...]:
        return self._ask(*search_request(query), limit=query.limit)

    def reverse(self, query: ReverseQuery) -> tuple[Address, ...]:
        return self._ask(*reverse_request(query), limit=query.limit)

    def close(self) -> None:
        self._session.close()

    # -- one exchange --------------------------------------------------------------------------
    def _ask(self, path: str, params: Params, *, limit: int) -> tuple[Address, ...]:
        try:
            response = self._session.get(
                f"{self._base}/{path}",
                params=params,
                timeout=self._timeout,
                stream=True,
                # A redirect is not part of the service's contract: it is refused, not followed.
                allow_redirects=False,
                headers={"Accept": "application/json"},
            )
        except requests.Timeout as exc:
            raise GeocoderUnavailableError("the geocoder did not answer in time") from exc
        except requests.RequestException as exc:
            reason = f"the geocoder cannot be reached ({type(exc).__name__})"
            raise GeocoderUnavailableError(reason) from exc
        with response:
            self._check_status(response)
            body = self._read(response)
        return parse_collection(body, limit=limit)

    def _check_status(self, response: requests.Response) -> None:
        status = response.status_code
        if status == 200:
            return
        if status == 429:
            wait = retry_after_seconds(response.headers.get("Retry-After"), now=self._clock())
            raise GeocoderRateLimitedError(
                "the geocoder's rate limit was reached (429)",
                retry_after=DEFAULT_RATE_LIMIT_WAIT if wait is None else wait,
                status=status,
            )
        if 400 <= status < 500:
            raise GeocoderRefusedError(f"the geocoder refused the query ({status})", status=status)
        raise GeocoderUnavailableError(f"the geocoder answered {status}", status=status)

    def _read(self, response: requests.Response) -> bytes:
        media = response.headers.get("Content-Type", "").partition(";")[0].strip().lower()
        if media != "application/json" and not media.endswith("+json"):
            raise GeocoderUnavailableError("the geocoder's answer is not JSON", status=200)
        declared = response.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > self._max_bytes:
            raise GeocoderUnavailableError("the geocoder's answer is too large", status=200)
        chunks, size = [], 0
        try:
            for chunk in response.iter_content(chunk_size=64 * 1024):
                size += len(chunk)
                if size > self._max_bytes:
                    raise GeocoderUnavailableError("the geocoder's answer is too large", status=200)
                chunks.append(chunk)
        except requests.RequestException as exc:
            raise GeocoderUnavailableError("the geocoder's answer was cut short") from exc
        return b"".join(chunks)


def retry_after_seconds(value: str | None, *, now: datetime) -> float | None:
    """``Retry-After`` as delay-seconds or an HTTP-date (RFC 9110 section 10.2.3), at least 1 s
    and at most an hour; ``None`` when absent or unreadable."""
    if value is None:
        return None
    text = value.strip()
    if text.isdigit():
        seconds = float(int(text[:9]))
    else:
        try:
            when = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:
            return None
        seconds = (when - now).total_seconds()
    return min(max(seconds, 1.0), 3600.0)


def parse_collection(body: bytes, *, limit: int) -> tuple[Address, ...]:
    """The addresses of a FeatureCollection; a feature that is not a valid address is left out
    (counted in the log, never shown). ``GeocoderUnavailableError`` if the whole is not one."""
    try:
        document = json.loads(
            body.decode("utf-8"),
            object_pairs_hook=no_duplicate_members,
            parse_constant=refuse_constant,
        )
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise GeocoderUnavailableError("the geocoder's answer is malformed JSON") from exc
    if not isinstance(document, dict) or document.get("type") != "FeatureCollection":
        raise GeocoderUnavailableError("the geocoder's answer is not a FeatureCollection")
    features = document.get("features")
    if not isinstance(features, list):
        raise GeocoderUnavailableError("the geocoder's answer is not a FeatureCollection")
    addresses = [address_of(feature) for feature in features[:limit]]
    kept = tuple(address for address in addresses if address is not None)
    if len(kept) < len(addresses):
        dropped = len(addresses) - len(kept)
        logger.info("geocoder: %d of %d results left out", dropped, len(addresses))
    return kept


def address_of(feature: object) -> Address | None:
    """One feature as an ``Address``, or ``None`` when it is not a valid address result."""
    try:
        return _address(feature)
    except (UnfitFeatureError, ValidationError):
        return None


def _address(feature: object) -> Address:
    if not isinstance(feature, dict) or feature.get("type") != "Feature":
        raise UnfitFeatureError
    longitude, latitude = _point(feature.get("geometry"))
    props = feature.get("properties")
    if not isinstance(props, dict) or props.get("_type", "address") != "address":
        raise UnfitFeatureError
    kind = props.get("type")
    if kind not in _TYPES:
        raise UnfitFeatureError
    text = _strings(props, ("id", "label", "housenumber", "street", "name", "postcode"))
    text |= _strings(props, ("citycode", "city"))
    if not text["id"] or not text["label"]:
        raise UnfitFeatureError
    street = text["street"] or (text["name"] if kind in ("street", "locality") else None)
    location = Location.model_validate(
        {
            "label": text["label"],
            "house_number": text["housenumber"] if kind == "housenumber" else None,
            "street": street,
            "postcode": text["postcode"],
            "citycode": text["citycode"],
            "city": text["city"],
            "latitude": latitude,
            "longitude": longitude,
            "geocoder_id": text["id"],
            "geocoder_score": _score(props.get("score")),
        }
    )
    return Address(
        id=location.geocoder_id or text["id"],
        type=kind,
        score=location.geocoder_score or 0.0,
        label=location.label or text["label"],
        house_number=location.house_number,
        street=location.street,
        postcode=location.postcode,
        citycode=location.citycode,
        city=location.city,
        latitude=latitude,
        longitude=longitude,
        distance=_distance(props.get("distance")),
    )


def _number(value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise UnfitFeatureError
    return float(value)


def _point(geometry: object) -> tuple[float, float]:
    if not isinstance(geometry, dict) or geometry.get("type") != "Point":
        raise UnfitFeatureError
    coordinates = geometry.get("coordinates")
    if not isinstance(coordinates, list) or len(coordinates) < 2:
        raise UnfitFeatureError
    longitude, latitude = _number(coordinates[0]), _number(coordinates[1])
    if not (-180 <= longitude <= 180 and -90 <= latitude <= 90):
        raise UnfitFeatureError
    return longitude, latitude


def _strings(props: Mapping[str, Any], names: tuple[str, ...]) -> dict[str, str | None]:
    found: dict[str, str | None] = {}
    for name in names:
        value = props.get(name)
        if value is not None and not isinstance(value, str):
            raise UnfitFeatureError
        found[name] = value.strip() or None if isinstance(value, str) else None
    return found


def _score(value: object) -> float:
    return min(max(_number(value), 0.0), 1.0)


def _distance(value: object) -> int | None:
    if value is None:
        return None
    distance = _number(value)
    if distance < 0:
        raise UnfitFeatureError
    return round(distance)
