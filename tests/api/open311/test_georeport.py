"""GeoReport v2 as the specification writes it (https://wiki.open311.org/GeoReport_v2, "API
Methods"), in both formats: services, service definitions, POST requests, GET requests and
tokens, the discovery document, and each method's documented errors (a list of code and
description, the HTTP status as the code, in JSON or in XML as ``errors``/``error``)."""

from __future__ import annotations

import json

import pytest

from tests.support.open311 import POTHOLE, App, open311_world, xml
from tests.support.world import make_world


@pytest.fixture
def app() -> App:
    return open311_world()


def _catalogue_codes(app: App) -> list[str]:
    themes = app.world.mappings.catalog.themes
    return [f"{code}.{sub}" for code, theme in themes.items() for sub in theme.sub_themes]


def test_services_are_the_sub_themes_with_their_theme_as_group(app: App) -> None:
    response = app.get("services")
    assert response.status == 200
    assert response.headers["Content-Type"] == "application/json; charset=utf-8"
    services = response.json()
    assert [s["service_code"] for s in services] == _catalogue_codes(app)
    pothole = next(s for s in services if s["service_code"] == "voirie.nid_de_poule")
    assert pothole == {
        "service_code": "voirie.nid_de_poule",
        "service_name": "Nid-de-poule et chaussée",
        "description": "Nid-de-poule et chaussée",
        "metadata": True,
        "type": "realtime",
        "keywords": "Propreté et voirie, Nid-de-poule et chaussée",
        "group": "Propreté et voirie",
    }
    no_form = next(s for s in services if s["service_code"] == "papiers.recensement")
    assert no_form["metadata"] is False


def test_services_in_xml_are_service_elements_under_services(app: App) -> None:
    root = xml(app.get("services", "xml"))
    assert root.tag == "services"
    assert [s.findtext("service_code") for s in root.findall("service")] == _catalogue_codes(app)
    first = root.find("service")
    assert first is not None
    assert first.findtext("metadata") == "true"
    assert first.findtext("type") == "realtime"


def test_a_service_definition_is_the_form_as_attributes_in_both_formats(app: App) -> None:
    response = app.get("services/etat_civil.naissance")
    assert response.status == 200
    definition = response.json()
    assert definition["service_code"] == "etat_civil.naissance"
    kind, copies = definition["attributes"]
    assert kind == {
        "variable": True,
        "code": "type_acte",
        "datatype": "singlevaluelist",
        "required": True,
        "datatype_description": "One of the values.",
        "order": 1,
        "description": "Type d'acte",
        "values": [
            {"key": "copie intégrale", "name": "copie intégrale"},
            {"key": "extrait avec filiation", "name": "extrait avec filiation"},
            {"key": "extrait sans filiation", "name": "extrait sans filiation"},
        ],
    }
    assert (copies["datatype"], copies["required"], copies["order"]) == ("number", False, 2)
    assert copies["datatype_description"] == "A number (min 1, max 5)."
    root = xml(app.get("services/etat_civil.naissance", "xml"))
    assert root.tag == "service_definition"
    attributes = root.findall("attributes/attribute")
    assert [a.findtext("code") for a in attributes] == ["type_acte", "exemplaires"]
    keys = [v.findtext("key") for v in attributes[0].findall("values/value")]
    assert keys == ["copie intégrale", "extrait avec filiation", "extrait sans filiation"]


def test_booleans_and_dates_have_their_datatypes(app: App) -> None:
    pothole = app.get("services/voirie.nid_de_poule").json()["attributes"]
    danger = next(a for a in pothole if a["code"] == "danger")
    assert danger["datatype"] == "singlevaluelist"
    assert danger["values"] == [{"key": "true", "name": "Oui"}, {"key": "false", "name": "Non"}]
    wedding = app.get("services/etat_civil.mariage").json()["attributes"]
    assert wedding[0]["datatype"] == "datetime"


@pytest.mark.parametrize("fmt", ["json", "xml"])
@pytest.mark.parametrize(
    "path",
    [
        "services/voirie.nope",
        "services/nope.nid_de_poule",
        "services/VOIRIE",
        "services/..%2F..%2Fetc%2Fpasswd",
        "services/voirie.nid_de_poule.txt",
    ],
)
def test_an_unknown_service_is_a_404_error_list(app: App, fmt: str, path: str) -> None:
    response = app.get(path, fmt)
    assert response.status == 404
    if fmt == "xml":
        root = xml(response)
        assert root.tag == "errors"
        assert root.findtext("error/code") == "404"
        assert "Not found" in str(root.findtext("error/description")) or "service_code" in str(
            root.findtext("error/description")
        )
    else:
        [error] = response.json()
        assert error["code"] == 404
        assert " / " in error["description"]  # English, then French


@pytest.mark.parametrize(
    "path", ["/open311/v2/../../etc/passwd.json", "/open311/v2/services", "/open311/v3/x.json"]
)
def test_paths_that_are_no_method_are_404_error_lists(app: App, path: str) -> None:
    response = app.world.request("GET", path, key=False)
    assert response.status == 404
    assert response.json()[0]["code"] == 404


def test_jurisdiction_id_is_optional_and_another_one_is_the_spec_404() -> None:
    app = open311_world(jurisdiction_id="ville-exemple.fr")
    assert app.get("services").status == 200
    assert app.get("services", jurisdiction_id="ville-exemple.fr").status == 200
    wrong = app.get("services", "xml", jurisdiction_id="autre.fr")
    assert wrong.status == 404
    assert "jurisdiction_id" in str(xml(wrong).findtext("error/description"))
    posted = app.post("requests", {**POTHOLE, "api_key": app.key, "jurisdiction_id": "autre.fr"})
    assert posted.status == 404
    assert app.world.queued() == []


def test_post_requests_answers_a_token_as_the_spec_shows(app: App) -> None:
    response = app.post("requests", {**POTHOLE, "api_key": app.key})
    assert response.status == 200
    [answer] = response.json()
    assert list(answer) == ["token"]
    root = xml(app.post("requests", {**POTHOLE, "api_key": app.key}, "xml"))
    assert root.tag == "service_requests"
    assert root.find("request/token") is not None


def test_with_immediate_ids_post_requests_answers_the_service_request_id() -> None:
    app = open311_world(immediate_id=True)
    [answer] = app.post("requests", {**POTHOLE, "api_key": app.key}).json()
    assert set(answer) == {"service_request_id", "service_notice", "account_id"}
    mine = app.mine(f"requests/{answer['service_request_id']}").json()
    assert mine[0]["service_request_id"] == answer["service_request_id"]


def test_the_discovery_document_names_the_endpoint_and_its_formats(app: App) -> None:
    document = app.get("discovery").json()
    [endpoint] = document["endpoints"]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["formats"] == ["text/xml", "application/json"]
    root = xml(app.get("discovery", "xml"))
    assert root.tag == "discovery"
    assert root.findtext("endpoints/endpoint/formats/format") == "text/xml"


def test_without_the_facade_every_route_is_a_503_error_list() -> None:
    world = make_world()
    response = world.request("GET", "/open311/v2/services.json", key=False)
    assert response.status == 503
    assert response.headers["Retry-After"] == "30"
    assert response.json()[0]["code"] == 503


def test_token_gives_the_id_once_the_request_is_a_case(app: App) -> None:
    token = app.file()
    [view] = app.mine(f"tokens/{token}").json()
    assert view == {"token": token, "service_request_id": None}
    root = xml(app.mine(f"tokens/{token}", "xml"))
    assert root.findtext("request/token") == token


def test_errors_are_utf8_json_arrays(app: App) -> None:
    response = app.post("requests", {**POTHOLE, "api_key": "nope"})
    assert response.status == 403
    assert json.loads(response.body.decode("utf-8")) == [
        {
            "code": 403,
            "description": "api_key -- The api_key is missing, unknown or revoked. / La clé"
            " api_key est absente, inconnue ou révoquée.",
        }
    ]
