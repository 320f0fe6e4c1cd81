"""The embedded geocoder's data: BAN "adresses" CSV files read into house numbers, streets and
communes, each with the words it is matched on.

The files are in the Base Adresse Nationale's CSV format (adresse.data.gouv.fr, "Schéma des
données Adresses au format CSV": ``;``-separated UTF-8, one address per line, columns by name:
``id`` the interoperability key, ``id_fantoir`` the street, ``numero`` and ``rep`` the number and
its repetition index, ``nom_voie``, ``code_postal``, ``code_insee``, ``nom_commune``, ``x``/``y``
in Lambert 93, ``lon``/``lat`` in WGS 84). The shipped sample is a fictional metropolis
(``samples/addresses/``); a real commune's BAN extract works as well.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

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
STOP_WORDS = frozenset(
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
_NON_WORD = re.compile(r"[^0-9a-z]+")


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
        place.name_tokens = tuple(w for w in name_words if w not in STOP_WORDS)
        place.tokens = frozenset({*place.name_tokens, place.postcode})
    return LocalIndex(places)


def _mean(values: Iterable[float]) -> float:
    listed = list(values)
    return round(sum(listed) / len(listed), 6)


def _mean_or_none(values: list[float | None]) -> float | None:
    known = [v for v in values if v is not None]
    return round(sum(known) / len(known), 2) if known else None
