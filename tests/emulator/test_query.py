"""Collections: $filter, $select, $orderby, $top, $count, $expand and paging over HTTP."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from cityzen_connector.emulator import CATALOGUE, subject_id
from cityzen_connector.emulator._collation import fold

from .conftest import Api

VOIRIE = "Travaux : permission de voirie et arrêté de circulation"


def _titles(api: Api, query: str) -> list[str]:
    response = api.get("subjects?" + query)
    assert response.status_code == 200, response.text
    return [row["title"] for row in response.json()["value"]]


def test_navigation_path_filter_finds_sub_themes(api: Api) -> None:
    titles = _titles(
        api, f"$select=title&$filter=parentsubject/title eq '{quote(VOIRIE)}'&$orderby=title"
    )
    assert titles == ["Arrêté de circulation", "Permission de voirie", "Travaux mobilier urbain"]


def test_lookup_value_filter_and_null(api: Api) -> None:
    parent = subject_id("Déchets")
    titles = _titles(api, f"$select=title&$filter=_parentsubject_value eq {parent}")
    assert sorted(titles) == sorted(CATALOGUE["Déchets"][1])
    themes = _titles(api, "$select=title&$filter=_parentsubject_value eq null")
    assert sorted(themes) == sorted(CATALOGUE)


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("contains(title,'voirie')", {"Permission de voirie", "Propreté et voirie", VOIRIE}),
        ("startswith(title,'Acte')", {"Acte de naissance", "Acte de décès"}),
        ("endswith(title,'urbain')", {"Travaux mobilier urbain"}),
        ("title eq 'DÉCHETS' or title eq 'déchets'", {"Déchets"}),
        (
            "(startswith(title,'Carte') and not contains(title,'passeport'))",
            {"Carte de stationnement résident"},
        ),
    ],
)
def test_filter_functions_and_boolean_logic(api: Api, expression: str, expected: set[str]) -> None:
    assert set(_titles(api, "$select=title&$filter=" + quote(expression))) == expected


def test_comparisons_on_numbers_dates_and_choices(api: Api) -> None:
    api.post("accounts", {"name": "Petite", "numberofemployees": 5})
    api.post("accounts", {"name": "Grande", "numberofemployees": 500})
    names = [
        a["name"]
        for a in api.get("accounts?$filter=numberofemployees ge 10&$select=name").json()["value"]
    ]
    assert names == ["Grande"]
    dated = api.get("accounts?$filter=createdon ge 2026-03-02T00:00:00Z and statecode eq 0")
    assert len(dated.json()["value"]) == 2
    assert api.get("accounts?$filter=createdon lt 2026-03-01").json()["value"] == []


def test_select_unknown_property_is_0x0(api: Api) -> None:
    response = api.get("contacts?$select=Name")
    assert response.status_code == 400
    assert response.json()["error"] == {
        "code": "0x0",
        "message": "Could not find a property named 'Name' on type "
        "'Microsoft.Dynamics.CRM.contact'.",
    }


def test_skip_is_refused(api: Api) -> None:
    response = api.get("subjects?$skip=2")
    assert response.status_code == 400
    assert response.json()["error"]["message"] == "The query parameter $skip is not supported"


def test_filter_syntax_error_reports_position(api: Api) -> None:
    response = api.get("subjects?$filter=" + quote("title eqq 'x'"))
    assert response.status_code == 400
    assert response.json()["error"] == {
        "code": "0x80060888",
        "message": "Syntax error at position 6 in 'title eqq 'x''.",
    }


def test_incompatible_types_are_refused(api: Api) -> None:
    response = api.get("subjects?$filter=title eq 3")
    assert response.status_code == 400
    assert "incompatible types" in response.json()["error"]["message"]


def test_top_count_and_order(api: Api) -> None:
    body = api.get("subjects?$select=title&$orderby=title desc&$top=3&$count=true").json()
    assert body["@odata.count"] == len(CATALOGUE) + sum(len(s) for _, s in CATALOGUE.values())
    titles = [row["title"] for row in body["value"]]
    assert titles == sorted(titles, reverse=True)
    assert len(titles) == 3


def test_expand_single_valued_navigation(api: Api) -> None:
    body = api.get(
        "subjects?$select=title&$filter=title eq 'Encombrants'&$expand=parentsubject($select=title)"
    ).json()
    assert body["value"][0]["parentsubject"]["title"] == "Déchets"


def test_paging_with_maxpagesize_follows_next_links(api: Api) -> None:
    headers = {"Prefer": "odata.maxpagesize=4"}
    seen: list[str] = []
    response = api.get("subjects?$select=title&$orderby=title", headers=headers)
    assert response.headers["Preference-Applied"] == "odata.maxpagesize=4"
    pages = 0
    while True:
        body = response.json()
        pages += 1
        assert len(body["value"]) <= 4
        seen.extend(row["title"] for row in body["value"])
        link = body.get("@odata.nextLink")
        if link is None:
            break
        assert "$skiptoken=" in link
        response = api.session.get(link, headers=headers, timeout=10)
    assert len(seen) == len(set(seen)) == _titles(api, "$select=title").__len__()
    assert pages > 1
    # Ordered as the French organisation's collation sorts: "Éclairage" before "Encombrants".
    assert seen == sorted(seen, key=fold)


def test_top_is_ignored_under_maxpagesize(api: Api) -> None:
    # "Page results using OData" (Microsoft Learn, https://learn.microsoft.com/power-apps/
    # developer/data-platform/webapi/query/page-results): "Don't use $top with the Prefer:
    # odata.maxpagesize request header. If you include both, $top is ignored."
    headers = {"Prefer": "odata.maxpagesize=2"}
    response = api.get("subjects?$select=title&$top=3", headers=headers)
    assert response.headers["Preference-Applied"] == "odata.maxpagesize=2"
    titles: list[str] = []
    while True:
        body = response.json()
        assert len(body["value"]) <= 2
        titles += [row["title"] for row in body["value"]]
        if "@odata.nextLink" not in body:
            break
        response = api.session.get(body["@odata.nextLink"], headers=headers, timeout=10)
    assert len(titles) == len(_titles(api, "$select=title")) > 3


def test_top_alone_limits_the_rows(api: Api) -> None:
    body = api.get("subjects?$select=title&$top=3").json()
    assert len(body["value"]) == 3
    assert "@odata.nextLink" not in body
