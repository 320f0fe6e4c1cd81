"""The embedded geocoder's data: BAN "adresses" CSV files read into house numbers, streets and
communes, and a small search and reverse search over them.

The files are in the Base Adresse Nationale's CSV format (adresse.data.gouv.fr, "Schéma des
données Adresses au format CSV": ``;``-separated UTF-8, one address per line, columns by name:
``id`` the interoperability key, ``id_fantoir`` the street, ``numero`` and ``rep`` the number and
its repetition index, ``nom_voie``, ``code_postal``, ``code_insee``, ``nom_commune``, ``x``/``y``
in Lambert 93, ``lon``/``lat`` in WGS 84). The shipped sample is a fictional metropolis
(``samples/addresses/``); a real commune's BAN extract works as well.

Matching is a small cousin of addok's (the engine behind the service): accents, case and
punctuation ignored, common abbreviations expanded, every word of the query must match a word of
the address (the last one as a prefix while typing), a leading number asks for house numbers.
It is written from the service's behaviour, never from our client: it must not share its
assumptions.
"""

from __future__ import annotations

import csv
import math
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ._errors import LocalGeocoderDataError

REQUIRED_COLUMNS = (
    "id",
    "id_fantoir",
    "numero",
    "rep",
    "nom_voie",
    "code_postal",
    "code_insee",
    "nom_commune",
    "lon",
    "lat",
)
MAX_FILE_BYTES = 64 * 1024 * 1024
_STOP_WORDS = frozenset(
    ["a", "au", "aux", "d", "de", "des", "du", "en", "et", "l", "la", "le", "les", "sur"]
)
_ABBREVIATIONS = {
    "av": "avenue",
    "ave": "avenue",
    "bd": "boulevard",
    "bld": "boulevard",
    "ch": "chemin",
    "che": "chemin",
    "imp": "impasse",
    "pl": "place",
    "r": "rue",
    "rte": "route",
    "st": "saint",
    "ste": "sainte",
    "all": "allee",
}
_REPETITIONS = frozenset(["bis", "ter", "quater", "quinquies", "a", "b", "c", "d", "e", "f"])
_NUMBER = re.compile(r"^([0-9]{1,5})(bis|ter|quater|quinquies|[a-f])?$")
_NON_WORD = re.compile(r"[^0-9a-z]+")
# gpf-geocodeur's reverse: a 100 m circle, then 200 m when it finds nothing.
REVERSE_RADII = (100.0, 200.0)


def words(text: str) -> list[str]:
    """Lower-case ASCII words, accents and punctuation gone, abbreviations expanded."""
    plain = unicodedata.normalize("NFKD", text)
    plain = "".join(ch for ch in plain if not unicodedata.combining(ch)).lower()
    return [_ABBREVIATIONS.get(w, w) for w in _NON_WORD.sub(" ", plain).split()]


@dataclass
class Place:
    """One result candidate: a house number, a street or a commune."""

    kind: str
    id: str
    label: str
    name: str
    postcode: str
    citycode: str
    city: str
    lon: float
    lat: float
    x: float | None
    y: float | None
    street: str | None = None
    housenumber: str | None = None
    number: str | None = None  # the number alone, for matching ("3" of "3 bis")
    repetition: str | None = None
    importance: float = 0.0
    tokens: frozenset[str] = field(default_factory=frozenset)
    name_tokens: tuple[str, ...] = ()


@dataclass
class LocalIndex:
    places: list[Place]

    @property
    def housenumbers(self) -> list[Place]:
        return [p for p in self.places if p.kind == "housenumber"]


def load_addresses(directory: Path) -> LocalIndex:
    """Every ``*.csv`` of ``directory``; ``LocalGeocoderDataError`` naming the file and line."""
    files = sorted(directory.glob("*.csv")) if directory.is_dir() else []
    if not files:
        raise LocalGeocoderDataError(f"{directory}: no *.csv address file")
    rows: list[dict[str, str]] = []
    for path in files:
        rows.extend(_read(path))
    return build_index(rows)


def _read(path: Path) -> Iterable[dict[str, str]]:
    if path.stat().st_size > MAX_FILE_BYTES:
        raise LocalGeocoderDataError(f"{path.name}: larger than {MAX_FILE_BYTES} bytes")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise LocalGeocoderDataError(f"{path.name}: not UTF-8 text") from exc
    reader = csv.DictReader(text.splitlines(), delimiter=";")
    missing = [c for c in REQUIRED_COLUMNS if c not in (reader.fieldnames or ())]
    if missing:
        raise LocalGeocoderDataError(f"{path.name}: missing columns {', '.join(missing)}")
    for row in reader:
        if any(row.get(column) is None for column in REQUIRED_COLUMNS):
            raise LocalGeocoderDataError(f"{path.name}: line {reader.line_num} has too few fields")
        try:
            float(row["lon"]), float(row["lat"])
        except ValueError as exc:
            raise LocalGeocoderDataError(f"{path.name}: line {reader.line_num}: lon/lat") from exc
        yield row


def _coordinate(value: str | None) -> float | None:
    try:
        return float(value) if value else None
    except ValueError:
        return None


def build_index(rows: Sequence[dict[str, str]]) -> LocalIndex:
    places: list[Place] = []
    streets: dict[str, list[Place]] = {}
    communes: dict[str, list[Place]] = {}
    for row in rows:
        number, rep = row["numero"].strip(), row["rep"].strip()
        housenumber = f"{number} {rep}" if rep else number
        street, city = row["nom_voie"].strip(), row["nom_commune"].strip()
        postcode, citycode = row["code_postal"].strip(), row["code_insee"].strip()
        place = Place(
            kind="housenumber",
            id=row["id"].strip(),
            label=f"{housenumber} {street} {postcode} {city}",
            name=f"{housenumber} {street}",
            postcode=postcode,
            citycode=citycode,
            city=city,
            lon=float(row["lon"]),
            lat=float(row["lat"]),
            x=_coordinate(row.get("x")),
            y=_coordinate(row.get("y")),
            street=street,
            housenumber=housenumber,
            number=number,
            repetition=rep.lower() or None,
            importance=0.3,
        )
        places.append(place)
        streets.setdefault(row["id_fantoir"].strip(), []).append(place)
        communes.setdefault(citycode, []).append(place)
    for street_id, numbers in streets.items():
        first = numbers[0]
        places.append(
            Place(
                kind="street",
                id=street_id,
                label=f"{first.street} {first.postcode} {first.city}",
                name=first.street or "",
                postcode=first.postcode,
                citycode=first.citycode,
                city=first.city,
                lon=_mean(p.lon for p in numbers),
                lat=_mean(p.lat for p in numbers),
                x=_mean_or_none([p.x for p in numbers]),
                y=_mean_or_none([p.y for p in numbers]),
                street=first.street,
                importance=0.4,
            )
        )
    for citycode, members in communes.items():
        first = members[0]
        places.append(
            Place(
                kind="municipality",
                id=citycode,
                label=first.city,
                name=first.city,
                postcode=first.postcode,
                citycode=citycode,
                city=first.city,
                lon=_mean(p.lon for p in members),
                lat=_mean(p.lat for p in members),
                x=_mean_or_none([p.x for p in members]),
                y=_mean_or_none([p.y for p in members]),
                importance=0.6,
            )
        )
    for place in places:
        name_words = list(words(f"{place.street or place.name} {place.city}"))
        place.name_tokens = tuple(w for w in name_words if w not in _STOP_WORDS)
        place.tokens = frozenset({*place.name_tokens, place.postcode})
    return LocalIndex(places)


def _mean(values: Iterable[float]) -> float:
    listed = list(values)
    return round(sum(listed) / len(listed), 6)


def _mean_or_none(values: list[float | None]) -> float | None:
    known = [v for v in values if v is not None]
    return round(sum(known) / len(known), 2) if known else None


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
    tokens = [w for w in words(q) if w not in _STOP_WORDS]
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
