"""Lambda operators ``any``/``all`` over collection-valued navigation properties.

"Filter rows using OData", Filter using values of related collections (Microsoft Learn):
``<collection>/[any | all](o:<expression to evaluate>)``; "The any operator without an argument
returns true if the collection isn't empty"; nested lambdas are allowed; conditions on a
collection nested in a lookup navigation property are not.
"""

from __future__ import annotations

import re
from urllib.parse import quote

import pytest

from cityzen_connector.emulator import role_id, team_id

from .conftest import Api

AAD = "6f0c1d5e-2a47-4b8e-9c3d-7e1f2a3b4c5d"


def _id(response: object) -> str:
    headers = getattr(response, "headers")  # noqa: B009 - a requests.Response
    match = re.search(r"\(([0-9a-f-]{36})\)$", headers["OData-EntityId"])
    assert match
    return match.group(1)


def _names(api: Api, entity_set: str, column: str, expression: str) -> list[str]:
    response = api.get(
        f"{entity_set}?$select={column}&$orderby={column}&$filter=" + quote(expression)
    )
    assert response.status_code == 200, response.text
    return [row[column] for row in response.json()["value"]]


@pytest.fixture
def cases(api: Api) -> Api:
    """Awa has two cases (one resolved), Binta one open case, Chloé none."""
    people = {n: _id(api.post("contacts", {"lastname": n})) for n in ("Awa", "Binta", "Chloé")}
    for title, who, state in (
        ("Nid-de-poule", "Awa", 0),
        ("Éclairage", "Awa", 1),
        ("Encombrants", "Binta", 0),
    ):
        created = api.post(
            "incidents",
            {"title": title, "customerid_contact@odata.bind": f"contacts({people[who]})"},
        )
        if state:
            # A case is resolved through CloseIncident ("Define custom state model transitions";
            # a PATCH of statecode 1 is refused, as Dataverse refuses it).
            resolution = {
                "subject": "Réparé",
                "incidentid@odata.bind": f"/incidents({_id(created)})",
            }
            closed = api.post("CloseIncident", {"IncidentResolution": resolution, "Status": 5})
            assert closed.status_code == 204, closed.text
    return api


def test_any_finds_parents_with_a_matching_member(cases: Api) -> None:
    found = _names(
        cases, "contacts", "lastname", "incident_customer_contacts/any(i:i/title eq 'ECLAIRAGE')"
    )
    assert found == ["Awa"]


def test_any_without_an_argument_is_true_for_a_non_empty_collection(cases: Api) -> None:
    assert _names(cases, "contacts", "lastname", "incident_customer_contacts/any()") == [
        "Awa",
        "Binta",
    ]
    none = "not incident_customer_contacts/any()"
    assert _names(cases, "contacts", "lastname", none) == ["Chloé"]


def test_all_is_true_when_every_member_matches_and_for_an_empty_collection(cases: Api) -> None:
    found = _names(
        cases, "contacts", "lastname", "incident_customer_contacts/all(i:i/statecode eq 0)"
    )
    assert found == ["Binta", "Chloé"]


def test_lambda_body_combines_conditions_and_outer_properties(cases: Api) -> None:
    expression = (
        "incident_customer_contacts/any(i:contains(i/title,'poule') and i/statecode eq 0) "
        "and startswith(lastname,'A')"
    )
    assert _names(cases, "contacts", "lastname", expression) == ["Awa"]


def test_many_to_many_lambdas_and_nesting(api: Api) -> None:
    user = _id(
        api.post(
            "systemusers",
            {
                "lastname": "Agent",
                "azureactivedirectoryobjectid": AAD,
                "businessunitid@odata.bind": "businessunits(" + _business_unit(api) + ")",
            },
        )
    )
    team = team_id("Voirie")
    member = {"@odata.id": f"{api.root}systemusers({user})"}
    assert api.post(f"teams({team})/teammembership_association/$ref", member).status_code == 204
    role = {"@odata.id": f"{api.root}roles({role_id('Basic User')})"}
    assert (
        api.post(f"systemusers({user})/systemuserroles_association/$ref", role).status_code == 204
    )
    teams = _names(
        api,
        "teams",
        "name",
        f"teammembership_association/any(u:u/azureactivedirectoryobjectid eq {AAD})",
    )
    assert teams == ["Voirie"]
    nested = (
        "teammembership_association/any("
        "u:u/systemuserroles_association/any(r:r/name eq 'basic user'))"
    )
    assert _names(api, "teams", "name", nested) == ["Voirie"]
    users = _names(
        api, "systemusers", "lastname", "teammembership_association/any(t:t/name eq 'voirie')"
    )
    assert users == ["Agent"]


def _business_unit(api: Api) -> str:
    return str(api.get("businessunits?$select=businessunitid").json()["value"][0]["businessunitid"])


@pytest.mark.parametrize(
    ("entity_set", "expression", "message"),
    [
        (
            "contacts",
            "parentcustomerid_account/any(a:a/name eq 'x')",
            "needs a collection-valued navigation property",
        ),
        ("contacts", "nothing_here/any(a:a/name eq 'x')", "Could not find a property named"),
        (
            "incidents",
            "customerid_contact/incident_customer_contacts/any(i:i/title eq 'x')",
            "nested in a lookup navigation property are not supported",
        ),
        ("contacts", "incident_customer_contacts/all()", "Syntax error"),
        ("contacts", "incident_customer_contacts/any(i:i eq 'x')", "is not a property"),
    ],
)
def test_lambdas_the_schema_cannot_serve_are_400s(
    api: Api, entity_set: str, expression: str, message: str
) -> None:
    response = api.get(f"{entity_set}?$filter=" + quote(expression))
    assert response.status_code == 400
    assert message in response.json()["error"]["message"]
