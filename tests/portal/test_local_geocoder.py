"""The embedded geocoder answers as the Géoplateforme does: the same refusals (400 with
``code``, ``message``, ``detail``), loud refusals of what it does not emulate, matching that
forgives accents, case and abbreviations, and BAN CSV files read or refused by file and line."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest

from cityzen_connector.portal import LocalGeocoderApp, LocalGeocoderDataError, load_addresses
from tests.support.geocoder import INDEX, SAMPLE

APP = LocalGeocoderApp(INDEX)


def call(path: str, query: str = "", method: str = "GET") -> tuple[int, dict[str, str], Any]:
    seen: dict[str, Any] = {}

    def start_response(status: str, headers: list[tuple[str, str]]) -> None:
        seen["status"], seen["headers"] = int(status.split(maxsplit=1)[0]), dict(headers)

    environ = {
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "REQUEST_METHOD": method,
        "wsgi.input": io.BytesIO(),
    }
    body = b"".join(APP(environ, start_response))
    return seen["status"], seen["headers"], json.loads(body)


def labels(query: str) -> list[str]:
    status, headers, body = call("/geocodage/search", query)
    assert status == 200, body
    assert headers["Content-Type"] == "application/json; charset=utf-8"
    assert body["type"] == "FeatureCollection"
    return [f["properties"]["label"] for f in body["features"]]


@pytest.mark.parametrize(
    ("query", "detail"),
    [
        ("", "q: required param"),
        ("q=ab", "q: must contain between 3 and 200 chars"),
        ("q=-12+rue", "q: must contain between 3 and 200 chars"),
        ("q=" + "a" * 201, "q: must contain between 3 and 200 chars"),
        # 101 astral characters are 202 UTF-16 code units: too long for the service.
        ("q=a" + "%F0%9D%90%80" * 100, "q: must contain between 3 and 200 chars"),
        ("q=rue&limit=0", "limit: must be an integer between 1 and 20"),
        ("q=rue&limit=21", "limit: must be an integer between 1 and 20"),
        ("q=rue&limit=2.5", "limit: unable to parse value as integer"),
        ("q=rue&lat=46.4", "lon/lat must be present together if defined"),
        ("q=rue&lat=4e1&lon=2", "lat: unable to parse value as float"),
        ("q=rue&lat=91&lon=2", "lat: must be a float between -90 and 90"),
        ("q=rue&postcode=7500", "postcode: must contain 5 digits"),
        ("q=rue&citycode=2C004", "citycode: not valid"),
        ("q=rue&type=building", "type: unexpected value 'building'"),
        ("q=rue&autocomplete=maybe", "autocomplete: unable to parse value as boolean"),
        ("q=rue&index=streets", "index: unexpected value 'streets'"),
        ("q=rue&index=poi", "index: only 'address' is available in the embedded geocoder"),
        ("q=rue&city=valbrume", "city: not available in the embedded geocoder"),
    ],
)
def test_a_query_the_service_refuses_is_refused_the_same_way(query: str, detail: str) -> None:
    status, _, body = call("/geocodage/search", query)
    assert status == 400
    assert body["code"] == 400
    assert body["message"] == "Failed parsing query"
    assert body["detail"][0].startswith(detail)


def test_reverse_needs_a_point() -> None:
    status, _, body = call("/geocodage/reverse", "limit=3")
    assert (status, body["detail"]) == (400, ["At least lon/lat or searchgeom must be defined"])


def test_other_paths_and_methods_are_refused() -> None:
    assert call("/geocodage/completion", "text=rue")[0] == 404
    assert call("/search", "q=rue")[0] == 404
    assert call("/geocodage/search", "q=rue", method="POST")[0] == 405


def test_unknown_parameters_and_empty_values_are_ignored_as_the_service_does() -> None:
    assert labels("q=avenue+jean+jaures&foo=bar&postcode=") == ["Avenue Jean Jaurès 00100 Valbrume"]


def test_matching_forgives_accents_case_and_abbreviations() -> None:
    assert labels("q=AV+JEAN+JAURES&limit=1") == ["Avenue Jean Jaurès 00100 Valbrume"]
    assert labels("q=3bis+r+victor+hugo&limit=1") == ["3 bis Rue Victor Hugo 00100 Valbrume"]
    assert labels("q=roche-aigue&type=municipality") == ["Roche-Aiguë"]


def test_while_typing_the_last_word_is_a_prefix_but_not_otherwise() -> None:
    assert labels("q=12+rue+de+la+rep&limit=1") == ["12 Rue de la République 00100 Valbrume"]
    assert labels("q=12+rue+de+la+rep&autocomplete=0") == []


def test_a_number_asks_for_house_numbers_first_then_their_street() -> None:
    found = labels("q=7+chemin+des+vignes")
    assert found == ["7 Chemin des Vignes 00100 Valbrume", "Chemin des Vignes 00100 Valbrume"]


def test_filters_and_the_bias_point_narrow_and_order() -> None:
    both = labels("q=rue+de+la+republique")
    assert set(both) == {
        "Rue de la République 00100 Valbrume",
        "Rue de la République 00120 Roche-Aiguë",
    }
    assert labels("q=rue+de+la+republique&citycode=00103") == [
        "Rue de la République 00120 Roche-Aiguë"
    ]
    near_roche = labels("q=rue+de+la+republique&lat=46.37&lon=2.59")
    assert near_roche[0] == "Rue de la République 00120 Roche-Aiguë"


def test_features_have_the_services_properties() -> None:
    _, _, body = call("/geocodage/search", "q=12+rue+de+la+republique+valbrume&limit=1")
    (feature,) = body["features"]
    assert feature["geometry"] == {"type": "Point", "coordinates": [2.602816, 46.39993]}
    assert feature["properties"] == {
        "label": "12 Rue de la République 00100 Valbrume",
        "score": feature["properties"]["score"],
        "housenumber": "12",
        "id": "00101_0010_00012",
        "name": "12 Rue de la République",
        "postcode": "00100",
        "citycode": "00101",
        "x": 669484.29,
        "y": 6588963.5,
        "city": "Valbrume",
        "context": "00",
        "type": "housenumber",
        "importance": 0.3,
        "street": "Rue de la République",
        "_type": "address",
    }


def test_reverse_widens_to_200_m_then_gives_up() -> None:
    def nearest(lat: float, lon: float) -> list[Any]:
        status, _, body = call("/geocodage/reverse", f"lat={lat}&lon={lon}")
        assert status == 200
        return [(f["properties"]["id"], f["properties"]["distance"]) for f in body["features"]]

    (close,) = nearest(46.39995, 2.60285)[:1]
    assert close[0] == "00101_0010_00012"
    assert close[1] < 10
    # About 150 m north of the last house of Avenue Jean Jaurès: found on the second pass.
    assert nearest(46.3995, 2.6060)
    assert nearest(46.5, 2.9) == []


HEADER = "id;id_fantoir;numero;rep;nom_voie;code_postal;code_insee;nom_commune;lon;lat"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("id;numero\n1;2\n", "a.csv: missing columns id_fantoir, rep"),
        (HEADER + "\n1_0_1;1_0;1;;Rue;00100;00101;V;east;46\n", "a.csv: line 2: lon/lat"),
        (HEADER + "\n1_0_1;1_0;1\n", "a.csv: line 2 has too few fields"),
    ],
)
def test_an_address_file_that_cannot_be_read_is_named_with_its_line(
    tmp_path: Path, content: str, message: str
) -> None:
    (tmp_path / "a.csv").write_text(content, encoding="utf-8")
    with pytest.raises(LocalGeocoderDataError) as caught:
        load_addresses(tmp_path)
    assert str(caught.value).startswith(message)


def test_no_file_and_a_file_that_is_not_text_are_refused(tmp_path: Path) -> None:
    with pytest.raises(LocalGeocoderDataError, match=r"no \*\.csv address file"):
        load_addresses(tmp_path)
    (tmp_path / "a.csv").write_bytes(b"\xff\xfe\x00id")
    with pytest.raises(LocalGeocoderDataError, match=r"a\.csv: not UTF-8 text"):
        load_addresses(tmp_path)


def test_the_sample_is_a_small_fictional_metropolis() -> None:
    index = load_addresses(SAMPLE)
    communes = {p.citycode: p.city for p in index.places if p.kind == "municipality"}
    assert communes == {
        "00101": "Valbrume",
        "00102": "Saint-Clair-sur-Orme",
        "00103": "Roche-Aiguë",
        "00201": "Hautbois-le-Vieux",
    }
    assert 200 <= len(index.housenumbers) <= 250
