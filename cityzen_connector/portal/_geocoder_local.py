"""The embedded geocoder: the Géoplateforme's ``/search`` and ``/reverse`` over a local sample.

A WSGI app that answers as https://data.geopf.fr/geocodage does (gpf-geocodeur: query
parameters as ``api/params/base.js`` validates them, a 400 ``{"code", "message", "detail"}``
for a refused query, ``{"type": "FeatureCollection", "features": [...]}`` otherwise, features
as ``config/open-api/geocode.yaml`` describes them), from BAN-format CSV files
(``_geocoder_local_index.py``). ``cityzen run`` serves it on 127.0.0.1 and points
``CITYZEN_GEOCODER_URL`` at it, so the very adapter deployed in Azure runs in the demo, with no
internet.

What it does not do, it refuses loudly (a 400 naming the parameter) rather than answer
something else: the ``poi`` and ``parcel`` indexes, ``searchgeom``, ``city``, ``category``.
Unknown parameters are ignored, as the service ignores them. Nothing is logged: a query is
what a citizen typed.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any
from urllib.parse import parse_qsl

from ._errors import LocalQueryRefusedError
from ._geocoder_local_data import LocalIndex
from ._geocoder_local_index import feature, reverse, search

StartResponse = Callable[[str, list[tuple[str, str]]], Any]
PREFIX = "/geocodage"
_FLOAT = re.compile(r"^[+-]?([0-9]+(\.[0-9]*)?)$")
_INTEGER = re.compile(r"^([+-]?[1-9][0-9]*|0)$")
_POSTCODE = re.compile(r"^[0-9]{5}$")
_CITYCODE = re.compile(r"^([0-9]{5}|[0-9][AB][0-9]{3})$")
_TYPES = ("housenumber", "street", "locality", "municipality")
_NOT_EMULATED = ("searchgeom", "city", "category")
_MAX_QUERY_STRING = 8192


class LocalGeocoderApp:
    """The WSGI app; ``index`` is read once (``load_addresses``)."""

    def __init__(self, index: LocalIndex, *, prefix: str = PREFIX) -> None:
        self._index = index
        self._prefix = prefix.rstrip("/")

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        method = environ.get("REQUEST_METHOD", "GET").upper()
        operation = path.removeprefix(self._prefix) if path.startswith(self._prefix) else None
        if operation not in ("/search", "/reverse"):
            return _json(start_response, 404, {"code": 404, "message": "Not Found"})
        if method not in ("GET", "HEAD"):
            return _json(start_response, 405, {"code": 405, "message": "Method Not Allowed"})
        raw = environ.get("QUERY_STRING", "")
        try:
            if len(raw) > _MAX_QUERY_STRING:
                raise LocalQueryRefusedError("query string too long")
            params = _single(parse_qsl(raw, keep_blank_values=True))
            answer = self._search(params) if operation == "/search" else self._reverse(params)
        except LocalQueryRefusedError as exc:
            body = {"code": 400, "message": "Failed parsing query", "detail": [str(exc)]}
            return _json(start_response, 400, body)
        features = [feature(hit) for hit in answer]
        return _json(start_response, 200, {"type": "FeatureCollection", "features": features})

    def _search(self, params: Mapping[str, str]) -> list[Any]:
        _refuse_not_emulated(params)
        q = params.get("q")
        if q is None:
            raise LocalQueryRefusedError("q: required param")
        if not (3 <= len(q.encode("utf-16-le")) // 2 <= 200) or not _first_char_valid(q):
            raise LocalQueryRefusedError(
                "q: must contain between 3 and 200 chars and start with a number or a letter"
            )
        center = _center(params)
        return search(
            self._index,
            q,
            limit=_limit(params),
            autocomplete=_boolean(params, "autocomplete", default=True),
            filters=_filters(params),
            center=center,
        )

    def _reverse(self, params: Mapping[str, str]) -> list[Any]:
        _refuse_not_emulated(params)
        center = _center(params)
        if center is None:
            raise LocalQueryRefusedError("At least lon/lat or searchgeom must be defined")
        return reverse(self._index, center, limit=_limit(params), filters=_filters(params))


def _single(pairs: list[tuple[str, str]]) -> dict[str, str]:
    # gpf-geocodeur's normalizeQuery: names and values trimmed, the last of repeated names;
    # extractParam: an empty value is an absent one.
    values: dict[str, str] = {}
    for name, value in pairs:
        values[name.strip()] = value.strip()
    return {name: value for name, value in values.items() if value}


def _refuse_not_emulated(params: Mapping[str, str]) -> None:
    indexes = [i.strip() for i in params.get("index", "address").split(",") if i.strip()]
    unknown = [i for i in indexes if i not in ("address", "poi", "parcel")]
    if unknown:
        raise LocalQueryRefusedError(f"index: unexpected value '{unknown[0]}'")
    if indexes != ["address"]:
        raise LocalQueryRefusedError("index: only 'address' is available in the embedded geocoder")
    for name in _NOT_EMULATED:
        if name in params:
            raise LocalQueryRefusedError(f"{name}: not available in the embedded geocoder")


def _first_char_valid(text: str) -> bool:
    first = text[:1]
    return first.lower() != first.upper() or first in "0123456789"


def _float(params: Mapping[str, str], name: str, bound: float) -> float | None:
    value = params.get(name)
    if value is None:
        return None
    if not _FLOAT.match(value):
        raise LocalQueryRefusedError(f"{name}: unable to parse value as float")
    number = float(value)
    if not -bound <= number <= bound:
        raise LocalQueryRefusedError(f"{name}: must be a float between -{bound:g} and {bound:g}")
    return number


def _center(params: Mapping[str, str]) -> tuple[float, float] | None:
    lon, lat = _float(params, "lon", 180), _float(params, "lat", 90)
    if (lon is None) != (lat is None):
        raise LocalQueryRefusedError("lon/lat must be present together if defined")
    return None if lon is None or lat is None else (lon, lat)


def _limit(params: Mapping[str, str]) -> int:
    value = params.get("limit", "10")
    if not _INTEGER.match(value):
        raise LocalQueryRefusedError("limit: unable to parse value as integer")
    limit = int(value)
    if not 1 <= limit <= 20:
        raise LocalQueryRefusedError("limit: must be an integer between 1 and 20")
    return limit


def _boolean(params: Mapping[str, str], name: str, *, default: bool) -> bool:
    value = params.get(name)
    if value is None:
        return default
    if value.lower() in ("1", "true", "yes"):
        return True
    if value.lower() in ("0", "false", "no"):
        return False
    raise LocalQueryRefusedError(f"{name}: unable to parse value as boolean")


def _filters(params: Mapping[str, str]) -> dict[str, str]:
    filters = {}
    postcode, citycode, kind = params.get("postcode"), params.get("citycode"), params.get("type")
    if postcode is not None:
        if not _POSTCODE.match(postcode):
            raise LocalQueryRefusedError("postcode: must contain 5 digits")
        filters["postcode"] = postcode
    if citycode is not None:
        if not _CITYCODE.match(citycode):
            raise LocalQueryRefusedError("citycode: not valid")
        filters["citycode"] = citycode
    if kind is not None:
        if kind not in _TYPES:
            raise LocalQueryRefusedError(f"type: unexpected value '{kind}'")
        filters["type"] = kind
    return filters


def _json(start_response: StartResponse, status: int, body: object) -> list[bytes]:
    data = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    reason = {200: "OK", 400: "Bad Request", 404: "Not Found", 405: "Method Not Allowed"}[status]
    headers = [
        ("Content-Type", "application/json; charset=utf-8"),
        ("Content-Length", str(len(data))),
    ]
    start_response(f"{status} {reason}", headers)
    return [data]
