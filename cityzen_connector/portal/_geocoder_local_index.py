"""The embedded geocoder's search and reverse search over its places (``_geocoder_local_data``).

Matching is a small cousin of addok's (the engine behind the service): accents, case and
punctuation ignored, common abbreviations expanded, every word of the query must match a word of
the address (the last one as a prefix while typing), a leading number asks for house numbers.
It is written from the service's behaviour, never from our client: it must not share its
assumptions.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

from ._geocoder_local_data import STOP_WORDS, LocalIndex, Place, words

_REPETITIONS = frozenset(["bis", "ter", "quater", "quinquies", "a", "b", "c", "d", "e", "f"])
_NUMBER = re.compile(r"^([0-9]{1,5})(bis|ter|quater|quinquies|[a-f])?$")
# gpf-geocodeur's reverse: a 100 m circle, then 200 m when it finds nothing.
REVERSE_RADII = (100.0, 200.0)


@dataclass(frozen=True)
class Hit:
    place: Place
    score: float
    distance: float | None = None


def search(
    index: LocalIndex,
    q: str,
    *,
    limit: int,
    autocomplete: bool,
    filters: dict[str, str],
    center: tuple[float, float] | None,
) -> list[Hit]:
    """The best ``limit`` places for ``q``, best first."""
    tokens = [w for w in words(q) if w not in STOP_WORDS]
    number, repetition = _leading_number(tokens)
    if number is not None:
        tokens = tokens[2 if repetition and tokens[1:2] == [repetition] else 1 :]
    if not tokens:
        return []
    hits = []
    for place in index.places:
        if not _passes(place, filters) or not _wanted(place, number):
            continue
        score = _text_score(place, tokens, autocomplete)
        if score is None:
            continue
        if place.kind == "housenumber":
            exact = place.number == number and place.repetition == repetition
            score = score * (1.0 if exact else 0.9) + (0.05 if exact else 0.0)
        elif number is not None:
            score *= 0.6  # a street when a number was asked: after its house numbers
        if center is not None:
            # addok's score_by_geo_distance in spirit: nearby places first, within ~10 km.
            proximity = 1 - min(1.0, distance_m(center, (place.lon, place.lat)) / 10_000)
            score = 0.7 * score + 0.3 * proximity
        hits.append(Hit(place, round(min(score, 1.0), 6)))
    hits.sort(key=lambda h: (-h.score, h.place.label))
    return hits[:limit]


def _leading_number(tokens: list[str]) -> tuple[str | None, str | None]:
    if not tokens:
        return None, None
    match = _NUMBER.match(tokens[0])
    if match is None:
        return None, None
    number, glued = match.group(1).lstrip("0") or "0", match.group(2)
    if glued:
        return number, glued
    if len(tokens) > 1 and tokens[1] in _REPETITIONS and len(tokens) > 2:
        return number, tokens[1]
    return number, None


def _passes(place: Place, filters: dict[str, str]) -> bool:
    wanted = {"citycode": place.citycode, "postcode": place.postcode, "type": place.kind}
    return all(wanted[name] == value for name, value in filters.items())


def _wanted(place: Place, number: str | None) -> bool:
    # addok: a query with a number looks for house numbers (and their streets), one without
    # for streets and communes.
    if place.kind == "housenumber":
        return number is not None and place.number == number
    return True


def _text_score(place: Place, tokens: list[str], autocomplete: bool) -> float | None:
    weights = []
    matched: set[str] = set()
    for position, token in enumerate(tokens):
        if token in place.tokens:
            weights.append(1.0)
            matched.add(token)
            continue
        may_prefix = autocomplete and position == len(tokens) - 1
        prefixed = [t for t in place.tokens if may_prefix and t.startswith(token)]
        if not prefixed:
            return None
        best = min(prefixed, key=len)
        weights.append(0.5 + 0.5 * len(token) / len(best))
        matched.add(best)
    coverage = len(matched & set(place.name_tokens)) / max(1, len(place.name_tokens))
    return 0.6 * sum(weights) / len(weights) + 0.3 * coverage + 0.1 * place.importance


def reverse(
    index: LocalIndex, center: tuple[float, float], *, limit: int, filters: dict[str, str]
) -> list[Hit]:
    """House numbers within 100 m of ``center`` (lon, lat), else 200 m, nearest first; the
    service's score is ``1 - distance / 10 km``."""
    candidates = [p for p in index.housenumbers if _passes(p, filters)]
    for radius in REVERSE_RADII:
        near = [(distance_m(center, (p.lon, p.lat)), p) for p in candidates]
        found = sorted(((d, p) for d, p in near if d <= radius), key=lambda pair: pair[0])
        if found:
            return [Hit(p, 1 - min(1.0, round(d) / 10_000), d) for d, p in found[:limit]]
    return []


def distance_m(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance in metres between two (lon, lat) points (haversine)."""
    lon1, lat1, lon2, lat2 = map(math.radians, (*a, *b))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * 6_371_008.8 * math.asin(math.sqrt(min(1.0, h)))


def feature(hit: Hit) -> dict[str, Any]:
    """The Géoplateforme's address feature for a hit (``config/open-api/geocode.yaml``)."""
    place = hit.place
    properties: dict[str, Any] = {
        "label": place.label,
        "score": hit.score,
        "id": place.id,
        "name": place.name,
        "postcode": place.postcode,
        "citycode": place.citycode,
        "x": place.x,
        "y": place.y,
        "city": place.city,
        "context": place.citycode[:2],
        "type": place.kind,
        "importance": place.importance,
    }
    if place.housenumber is not None:
        properties["housenumber"] = place.housenumber
    if place.street is not None:
        properties["street"] = place.street
    if hit.distance is not None:
        properties["distance"] = round(hit.distance)
    properties["_type"] = "address"
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [place.lon, place.lat]},
        "properties": properties,
    }
