"""Answers in the IGN Géoplateforme geocoder's shape, as its documentation and source show them.

The shape is the service's (gpf-geocodeur ``config/open-api/geocode.yaml`` and ``api/router.js``:
a GeoJSON FeatureCollection of Points whose properties are label, score, housenumber, id, banId,
name, postcode, citycode, x/y in Lambert 93, city, context, type, importance, street and
``_type``; ``distance`` on /reverse); the address is the service's own acceptance example
("73 Avenue de Paris Saint-Mandé" → ``94067_7115_00073``), its coordinates illustrative. A 429
is an HTML page (geoservices.ign.fr: "une erreur HTML Erreur 429"); a refused query is a 400
``{"code", "message", "detail"}`` (``lib/error-handler.js``).
"""

from __future__ import annotations

import json
from typing import Any

BASE = "https://data.geopf.fr/geocodage"

HOUSE: dict[str, Any] = {
    "type": "Feature",
    "geometry": {"type": "Point", "coordinates": [2.418302, 48.843613]},
    "properties": {
        "label": "73 Avenue de Paris 94160 Saint-Mandé",
        "score": 0.9734563636363636,
        "housenumber": "73",
        "id": "94067_7115_00073",
        "banId": "0e3b2b9f-6e5d-4c4b-9a7e-3f1d0c2a5b61",
        "name": "73 Avenue de Paris",
        "postcode": "94160",
        "citycode": "94067",
        "x": 656321.44,
        "y": 6860912.31,
        "city": "Saint-Mandé",
        "context": "94, Val-de-Marne, Île-de-France",
        "type": "housenumber",
        "importance": 0.70799,
        "street": "Avenue de Paris",
        "_type": "address",
    },
}
STREET: dict[str, Any] = {
    "type": "Feature",
    "geometry": {"type": "Point", "coordinates": [2.417566, 48.843844]},
    "properties": {
        "label": "Avenue de Paris 94160 Saint-Mandé",
        "score": 0.7052772727272727,
        "id": "94067_7115",
        "banId": "6c2a8f4e-1b3d-4f6a-8e9c-0d5b7a3c2e14",
        "name": "Avenue de Paris",
        "postcode": "94160",
        "citycode": "94067",
        "x": 656267.61,
        "y": 6860938.28,
        "city": "Saint-Mandé",
        "context": "94, Val-de-Marne, Île-de-France",
        "type": "street",
        "importance": 0.70799,
        "street": "Avenue de Paris",
        "_type": "address",
    },
}
NEAREST: dict[str, Any] = {
    **HOUSE,
    "properties": {**HOUSE["properties"], "score": 0.9988, "distance": 12},
}
# What the service's HTML 429 page looks like to a client: not JSON.
RATE_LIMITED_PAGE = (
    "<html><head><title>429 Too Many Requests</title></head><body><h1>Erreur 429</h1></body></html>"
)
REFUSED = {"code": 400, "message": "Failed parsing query", "detail": ["q: required param"]}


def collection(*features: dict[str, Any]) -> bytes:
    return json.dumps({"type": "FeatureCollection", "features": list(features)}).encode()


def feature_with(**properties: Any) -> dict[str, Any]:
    """The house-number feature with some properties replaced (``None`` removes one)."""
    merged = {**HOUSE["properties"], **properties}
    return {**HOUSE, "properties": {k: v for k, v in merged.items() if v is not None}}


# The requests the shared contract makes, and what the service answered them.
SEARCH_KNOWN = {
    "q": "73 avenue de paris saint-mandé",
    "index": "address",
    "limit": "5",
    "autocomplete": "1",
}
SEARCH_NOTHING = {"q": "zzqxw vvqkk", "index": "address", "limit": "5", "autocomplete": "1"}
SEARCH_IN_COMMUNE = {**SEARCH_KNOWN, "citycode": "94067"}
REVERSE_KNOWN = {"lat": "48.84361", "lon": "2.4183", "index": "address", "limit": "1"}
RESOLVE_KNOWN = {
    "q": "73 avenue de paris 94160 saint-mandé",
    "index": "address",
    "limit": "20",
    "autocomplete": "0",
}
RECORDED: list[tuple[str, dict[str, str], bytes]] = [
    ("search", SEARCH_KNOWN, collection(HOUSE, STREET)),
    ("search", SEARCH_NOTHING, collection()),
    ("search", SEARCH_IN_COMMUNE, collection(HOUSE, STREET)),
    ("reverse", REVERSE_KNOWN, collection(NEAREST)),
    ("search", RESOLVE_KNOWN, collection(HOUSE, STREET)),
]
