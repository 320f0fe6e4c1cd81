"""GeoReport v2 checked method by method against the specification (https://wiki.open311.org/
GeoReport_v2 and its Service_Discovery page): every documented error as the spec's error list
in both formats, W3C dates with their offsets, the token without a key, the discovery
document's shape; and hostile forms -- markup and JSON in attributes, huge attribute names,
URLs that are not http(s) or point inside, overlong descriptions -- refused with a reason or
kept as plain text, never fetched."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

import pytest

from tests.support.open311 import POTHOLE, App, open311_world, xml


@pytest.fixture
def app() -> App:
    return open311_world(jurisdiction_id="mairie-exemple.fr")


def _errors_in_both_formats(app: App, call: Any, status: int) -> None:
    as_json = call("json")
    assert as_json.status == status
    assert as_json.headers["Content-Type"] == "application/json; charset=utf-8"
    listed = json.loads(as_json.body.decode("utf-8"))
    assert listed
    assert all(set(e) == {"code", "description"} for e in listed)
    assert all(e["code"] == status and e["description"] for e in listed)
    as_xml = call("xml")
    assert as_xml.status == status
    root = xml(as_xml)
    assert root.tag == "errors"
    assert [e.tag for e in root] == ["error"] * len(listed)
    assert all(e.findtext("code") == str(status) and e.findtext("description") for e in root)


@pytest.mark.parametrize(
    ("case", "status"),
    [
        ("another jurisdiction_id on GET services", 404),
        ("an unknown service_code", 404),
        ("POST requests without an api_key", 403),
        ("POST requests with a required field missing", 400),
        ("GET requests without an api_key", 403),
        ("GET requests with a bad start_date", 400),
        ("GET requests/{id} unknown", 404),
        ("GET tokens/{token} unknown", 404),
        ("GET tokens/{token} with a wrong api_key", 403),
    ],
)
def test_each_documented_error_is_the_spec_error_list_in_both_formats(
    app: App, case: str, status: int
) -> None:
    missing = "00000000-0000-4000-8000-000000000000"
    calls = {
        "another jurisdiction_id on GET services": lambda f: app.get(
            "services", f, jurisdiction_id="elsewhere"
        ),
        "an unknown service_code": lambda f: app.get("services/voirie.inconnu", f),
        "POST requests without an api_key": lambda f: app.post("requests", POTHOLE, f),
        "POST requests with a required field missing": lambda f: app.post(
            "requests", {**POTHOLE, "api_key": app.key, "service_code": ""}, f
        ),
        "GET requests without an api_key": lambda f: app.get("requests", f),
        "GET requests with a bad start_date": lambda f: app.mine(
            "requests", f, start_date="2026-11-28"
        ),
        "GET requests/{id} unknown": lambda f: app.mine(f"requests/{missing}", f),
        "GET tokens/{token} unknown": lambda f: app.get(f"tokens/{missing}", f),
        "GET tokens/{token} with a wrong api_key": lambda f: app.get(
            f"tokens/{missing}", f, api_key="wrong"
        ),
    }
    _errors_in_both_formats(app, calls[case], status)


def test_the_token_alone_reads_its_request_but_not_once_the_app_is_revoked(app: App) -> None:
    token = app.file(jurisdiction_id="mairie-exemple.fr")
    [view] = app.get(f"tokens/{token}").json()
    assert view == {"token": token, "service_request_id": None}
    app.keys.revoke(app.key.split("_")[1])
    assert app.get(f"tokens/{token}").status == 404
    assert app.get(f"tokens/{token}", api_key=app.key).status == 403


@pytest.mark.parametrize(
    "start",
    [
        "2026-11-28T09:00:00Z",
        "2026-11-28T10:00:00+01:00",
        "2026-11-28T04:00:00-05:00",
        "2026-11-28T09:00Z",  # W3C: seconds may be left out
        "2026-11-28T09:00:00.000000000Z",  # a nanosecond clock's fraction
        "2026-11-28T10:00:00 01:00",  # "+01:00" sent unencoded, read back as a space
    ],
)
def test_start_date_is_a_w3c_instant_whatever_its_offset(app: App, start: str) -> None:
    token = app.file()  # requested at 2026-11-28T09:00:00Z
    found = app.mine("requests", start_date=start, end_date="2026-11-28T09:00:00Z")
    assert found.status == 200, found.body
    assert [r["service_request_id"] for r in found.json()] == [token]
    later = app.mine("requests", start_date="2026-11-28T10:00:01+01:00")
    assert later.json() == []


@pytest.mark.parametrize(
    "value",
    ["2026-11-28", "2026-11-28T09:00:00", "28/11/2026", "2026-11-28T09:00:00+1", "now", "9" * 50],
)
def test_a_date_without_an_offset_or_not_w3c_is_a_400_naming_it(app: App, value: str) -> None:
    for path in ("requests", "servicerequestupdates"):
        response = app.mine(path, start_date=value)
        assert response.status == 400
        [error] = response.json()
        assert error["description"].startswith("start_date: a W3C date and time")
        assert value not in error["description"]


def test_the_discovery_document_has_the_spec_shape(app: App) -> None:
    document = app.get("discovery").json()
    assert set(document) == {"changeset", "contact", "key_service", "endpoints"}
    [endpoint] = document["endpoints"]
    assert set(endpoint) == {"specification", "url", "changeset", "type", "formats"}
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["type"] in ("production", "test")
    assert endpoint["formats"] == ["text/xml", "application/json"]
    root = xml(app.get("discovery", "xml"))
    assert root.tag == "discovery"
    assert [f.text for f in root.findall("endpoints/endpoint/formats/format")] == [
        "text/xml",
        "application/json",
    ]


# Hostile forms.


def test_a_huge_attribute_name_is_refused_without_being_echoed(app: App) -> None:
    name = "attribute[" + "a" * 10_000 + "]"
    response = app.post("requests", {**POTHOLE, "api_key": app.key, name: "x"})
    assert response.status == 400
    [error] = response.json()
    assert error["description"].startswith("attribute[aaaa")
    assert len(error["description"]) < 300
    assert app.world.queued() == []


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "file:///etc/passwd",
        "ftp://example.org/x.jpg",
        "data:image/png;base64,AAAA",
        "gopher://127.0.0.1:6379/_FLUSHALL",
        "//example.org/x.jpg",
        "http://exa mple.org/x.jpg",
    ],
)
def test_a_media_url_that_is_not_http_is_refused_each_time_it_is_given(app: App, url: str) -> None:
    body = {**POTHOLE, "api_key": app.key}
    body["media_url"] = ["https://images.example.org/a.jpg", url]  # type: ignore[assignment]
    response = app.post("requests", body)
    assert response.status == 400
    assert response.json()[0]["description"].startswith("media_url: an http(s) URL")
    assert app.world.queued() == []


def test_a_media_url_pointing_inside_is_only_text_never_fetched(app: App) -> None:
    inside = ["http://127.0.0.1:7072/api/data/v9.2/contacts", "http://169.254.169.254/metadata"]
    before = app.world.transport.count
    response = app.post("requests", {**POTHOLE, "api_key": app.key, "media_url": inside})
    assert response.status == 200, response.body
    assert app.world.transport.count == before  # no HTTP call at all while filing
    [message] = app.world.queued()
    assert all(f"Photo : {url}" in message["payload"]["description"] for url in inside)


@pytest.mark.parametrize(
    "value",
    [
        '"}],"x":[{"',  # JSON breaking out of its string
        "</numero><status>closed</status>",  # XML breaking out of its element
        "<![CDATA[x]]>&amp;",
    ],
)
def test_markup_or_json_in_a_text_attribute_stays_the_text_typed(app: App, value: str) -> None:
    form = {
        **{k: v for k, v in POTHOLE.items() if not k.startswith("attribute[")},
        "service_code": "voirie.eclairage",
        "attribute[numero]": value[:20],
        "api_key": app.key,
    }
    response = app.post("requests", form, "xml")
    assert response.status == 200, response.body
    [message] = app.world.queued()
    assert message["payload"]["fields"] == {"numero": value[:20]}


def test_an_overlong_description_is_a_400_naming_it_and_files_nothing(app: App) -> None:
    response = app.post("requests", {**POTHOLE, "api_key": app.key, "description": "é" * 2001})
    assert response.status == 400
    assert any(e["description"].startswith("description") for e in response.json())
    assert app.world.queued() == []


def test_an_unencoded_body_with_a_repeated_api_key_is_refused(app: App) -> None:
    body = urlencode({**POTHOLE, "api_key": app.key}) + "&api_key=" + app.key
    response = app.post("requests", body.encode())
    assert response.status == 400
    assert response.json()[0]["description"].startswith("api_key: given more than once")
    assert app.world.queued() == []
