"""The Géoplateforme adapter on the wire (``responses``): what it sends, and every way the
service's answer can go wrong, each becoming one error of ``portal._errors`` or a result left
out — never an exception of ``requests`` or ``json``, never a query in the log."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
import requests
import responses
from responses import matchers

from cityzen_connector.portal import (
    DEFAULT_RATE_LIMIT_WAIT,
    GeocoderRateLimitedError,
    GeocoderRefusedError,
    GeocoderUnavailableError,
    GeoplateformeGeocoder,
    ReverseQuery,
    SearchQuery,
    retry_after_seconds,
)
from cityzen_connector.testing import FakeClock
from tests.portal import recorded
from tests.portal.recorded import BASE, HOUSE, STREET, collection, feature_with

SEARCH = f"{BASE}/search"
QUERY = SearchQuery(q="73 avenue de paris", limit=5)
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def mock() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock() as scripted:
        yield scripted


@pytest.fixture
def geocoder() -> GeoplateformeGeocoder:
    return GeoplateformeGeocoder(BASE, clock=FakeClock(NOW), max_bytes=64 * 1024)


def answer(mock: responses.RequestsMock, body: bytes | str, status: int = 200, **kw: Any) -> None:
    kw.setdefault("content_type", "application/json")
    mock.get(SEARCH, body=body, status=status, **kw)


def test_a_search_sends_the_documented_parameters(
    mock: responses.RequestsMock, geocoder: GeoplateformeGeocoder
) -> None:
    query = SearchQuery(
        q="12 rue", limit=3, postcode="94160", citycode="2A004", lat=48.844, lon=-0.001
    )
    expected = {
        "q": "12 rue",
        "index": "address",
        "limit": "3",
        "autocomplete": "1",
        "postcode": "94160",
        "citycode": "2A004",
        # gpf-geocodeur reads floats without an exponent.
        "lat": "48.844",
        "lon": "-0.001",
    }
    mock.get(
        SEARCH,
        body=collection(),
        content_type="application/json",
        match=[matchers.query_param_matcher(expected)],
    )
    assert geocoder.search(query) == ()
    assert mock.calls[0].request.headers["Accept"] == "application/json"


def test_a_reverse_sends_the_point_and_the_address_index(
    mock: responses.RequestsMock, geocoder: GeoplateformeGeocoder
) -> None:
    expected = {"lat": "0.00001", "lon": "2.5", "index": "address", "limit": "2"}
    mock.get(
        f"{BASE}/reverse",
        body=collection(),
        content_type="application/json",
        match=[matchers.query_param_matcher(expected)],
    )
    assert geocoder.reverse(ReverseQuery(lat=0.00001, lon=2.5, limit=2)) == ()


def test_results_are_normalised_and_cut_to_the_limit(
    mock: responses.RequestsMock, geocoder: GeoplateformeGeocoder
) -> None:
    answer(mock, collection(HOUSE, STREET, HOUSE))
    first, street = geocoder.search(SearchQuery(q="73 avenue", limit=2))
    assert first.model_dump() == {
        "id": "94067_7115_00073",
        "type": "housenumber",
        "score": pytest.approx(0.97345636),
        "label": "73 Avenue de Paris 94160 Saint-Mandé",
        "house_number": "73",
        "street": "Avenue de Paris",
        "postcode": "94160",
        "citycode": "94067",
        "city": "Saint-Mandé",
        "latitude": 48.843613,
        "longitude": 2.418302,
        "distance": None,
    }
    assert (street.type, street.house_number, street.street) == ("street", None, "Avenue de Paris")


@pytest.mark.parametrize(
    ("header", "wait"),
    [("7", 7.0), ("Mon, 02 Mar 2026 09:00:30 GMT", 30.0), (None, DEFAULT_RATE_LIMIT_WAIT)],
)
def test_a_429_says_how_long_to_wait(
    mock: responses.RequestsMock, geocoder: GeoplateformeGeocoder, header: str | None, wait: float
) -> None:
    headers = {"Retry-After": header} if header else {}
    mock.get(
        SEARCH,
        body=recorded.RATE_LIMITED_PAGE,
        status=429,
        content_type="text/html",
        headers=headers,
    )
    with pytest.raises(GeocoderRateLimitedError) as caught:
        geocoder.search(QUERY)
    assert caught.value.retry_after == wait
    assert caught.value.status == 429


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_a_server_error_is_unavailable(
    mock: responses.RequestsMock, geocoder: GeoplateformeGeocoder, status: int
) -> None:
    answer(mock, b"<html>oops</html>", status=status, content_type="text/html")
    with pytest.raises(GeocoderUnavailableError) as caught:
        geocoder.search(QUERY)
    assert caught.value.status == status
    assert not isinstance(caught.value, GeocoderRateLimitedError)


@pytest.mark.parametrize(
    ("failure", "summary"),
    [
        (requests.exceptions.ReadTimeout("slow"), "did not answer in time"),
        (requests.exceptions.ConnectTimeout("slow"), "did not answer in time"),
        (requests.exceptions.ConnectionError("refused"), "cannot be reached"),
    ],
)
def test_no_answer_is_unavailable(
    mock: responses.RequestsMock,
    geocoder: GeoplateformeGeocoder,
    failure: Exception,
    summary: str,
) -> None:
    mock.get(SEARCH, body=failure)
    with pytest.raises(GeocoderUnavailableError, match=summary):
        geocoder.search(QUERY)


def test_a_refused_query_is_our_bug_not_an_outage(
    mock: responses.RequestsMock, geocoder: GeoplateformeGeocoder
) -> None:
    answer(mock, json.dumps(recorded.REFUSED), status=400)
    with pytest.raises(GeocoderRefusedError) as caught:
        geocoder.search(QUERY)
    assert caught.value.status == 400
    assert not caught.value.is_transient


def test_a_redirect_is_refused_not_followed(
    mock: responses.RequestsMock, geocoder: GeoplateformeGeocoder
) -> None:
    mock.get(SEARCH, status=302, headers={"Location": "https://elsewhere.example/search"})
    with pytest.raises(GeocoderUnavailableError):
        geocoder.search(QUERY)
    assert len(mock.calls) == 1


@pytest.mark.parametrize(
    "body",
    [
        b"{",
        b"not json",
        b"\xff\xfe{}",
        b"[]",
        b'{"type": "FeatureCollection"}',
        b'{"type": "FeatureCollection", "features": {}}',
        b'{"type": "Feature", "features": []}',
        b'{"type": "FeatureCollection", "features": [], "type": "FeatureCollection"}',
        b'{"type": "FeatureCollection", "features": [{"score": NaN}]}',
        b"[" * 100_000 + b"]" * 100_000,
    ],
    ids=[
        "truncated",
        "text",
        "not-utf8",
        "array",
        "no-features",
        "features-object",
        "not-a-collection",
        "duplicate-member",
        "nan",
        "deep",
    ],
)
def test_a_malformed_answer_is_unavailable(mock: responses.RequestsMock, body: bytes) -> None:
    answer(mock, body)
    geocoder = GeoplateformeGeocoder(BASE, max_bytes=1024 * 1024)
    with pytest.raises(GeocoderUnavailableError, match=r"malformed|not a FeatureCollection"):
        geocoder.search(QUERY)


def test_an_answer_that_is_not_json_is_unavailable(
    mock: responses.RequestsMock, geocoder: GeoplateformeGeocoder
) -> None:
    answer(mock, collection(HOUSE), content_type="text/html")
    with pytest.raises(GeocoderUnavailableError, match="not JSON"):
        geocoder.search(QUERY)


def test_an_oversized_answer_is_refused_before_it_is_read(mock: responses.RequestsMock) -> None:
    geocoder = GeoplateformeGeocoder(BASE, max_bytes=1000)
    # Declared too large: refused on its Content-Length, the body is never read.
    answer(mock, collection(), headers={"Content-Length": "5000000"})
    with pytest.raises(GeocoderUnavailableError, match="too large"):
        geocoder.search(QUERY)


def test_an_oversized_answer_is_refused_while_it_is_read(mock: responses.RequestsMock) -> None:
    big = collection(*[HOUSE] * 40)
    geocoder = GeoplateformeGeocoder(BASE, max_bytes=len(big) - 1)
    answer(mock, big, auto_calculate_content_length=False)
    with pytest.raises(GeocoderUnavailableError, match="too large"):
        geocoder.search(QUERY)


HOSTILE: dict[str, dict[str, Any]] = {
    "control-in-label": {"label": "73 Avenue\x00 de Paris"},
    "bidi-override": {"label": "73 Avenue \u202ede Paris"},
    "huge-label": {"label": "A" * 5000},
    "empty-label": {"label": "  "},
    "no-id": {"id": None},
    "id-with-path": {"id": "../../etc/passwd"},
    "id-not-text": {"id": 94067},
    "house-number-injection": {"housenumber": "12; DROP TABLE"},
    "postcode-letters": {"postcode": "ABCDE"},
    "citycode-six-digits": {"citycode": "940670"},
    "score-text": {"score": "0.9"},
    "score-boolean": {"score": True},
    "type-poi": {"type": "poi"},
    "index-poi": {"_type": "poi"},
    "city-list": {"city": ["Saint-Mandé"]},
    "negative-distance": {"distance": -5},
}


@pytest.mark.parametrize("change", list(HOSTILE.values()), ids=list(HOSTILE))
def test_a_hostile_result_is_left_out_and_the_others_kept(
    mock: responses.RequestsMock, geocoder: GeoplateformeGeocoder, change: dict[str, Any]
) -> None:
    answer(mock, collection(feature_with(**change), STREET))
    assert [a.id for a in geocoder.search(QUERY)] == ["94067_7115"]


@pytest.mark.parametrize(
    "feature",
    [
        "a string",
        {**HOUSE, "type": "FeatureCollection"},
        {**HOUSE, "geometry": {"type": "LineString", "coordinates": [[2.4, 48.8], [2.5, 48.9]]}},
        {**HOUSE, "geometry": {"type": "Point", "coordinates": [200.0, 48.8]}},
        {**HOUSE, "geometry": {"type": "Point", "coordinates": ["2.4", "48.8"]}},
        {**HOUSE, "geometry": {"type": "Point", "coordinates": [2.4]}},
        {**HOUSE, "properties": "label"},
    ],
)
def test_a_result_that_is_not_an_address_point_is_left_out(
    mock: responses.RequestsMock, geocoder: GeoplateformeGeocoder, feature: Any
) -> None:
    answer(mock, collection(feature, STREET))
    assert [a.id for a in geocoder.search(QUERY)] == ["94067_7115"]


def test_markup_is_kept_as_text_like_any_typed_text(
    mock: responses.RequestsMock, geocoder: GeoplateformeGeocoder
) -> None:
    # The text rules of every field: markup stays verbatim, the portal escapes it on display.
    answer(mock, collection(feature_with(label="73 <b>Avenue</b> de Paris")))
    assert geocoder.search(QUERY)[0].label == "73 <b>Avenue</b> de Paris"


def test_scores_out_of_range_are_clamped(
    mock: responses.RequestsMock, geocoder: GeoplateformeGeocoder
) -> None:
    answer(mock, collection(feature_with(score=1.7), feature_with(score=-0.2)))
    assert [a.score for a in geocoder.search(QUERY)] == [1.0, 0.0]


def test_failures_never_log_the_query(
    mock: responses.RequestsMock,
    geocoder: GeoplateformeGeocoder,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    secret = SearchQuery(q="12 rue du secret bien gardé", limit=5)
    answer(mock, collection(feature_with(label="\x00"), STREET))
    answer(mock, b"{", status=200)
    answer(mock, b"", status=503)
    geocoder.search(secret)
    for _ in range(2):
        with pytest.raises(GeocoderUnavailableError) as caught:
            geocoder.search(secret)
        assert "secret" not in str(caught.value)
    assert "secret" not in caplog.text
    assert "1 of 2 results left out" in caplog.text


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("120", 120.0),
        ("0", 1.0),
        ("999999999999", 3600.0),
        ("Mon, 02 Mar 2026 09:01:00 GMT", 60.0),
        ("Mon, 02 Mar 2026 08:00:00 GMT", 1.0),
        ("soon", None),
        ("-5", None),
        ("", None),
        (None, None),
    ],
)
def test_retry_after_reads_seconds_and_dates(value: str | None, seconds: float | None) -> None:
    assert retry_after_seconds(value, now=NOW) == seconds
