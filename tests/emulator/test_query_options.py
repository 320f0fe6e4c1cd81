"""Query options and Dataverse query functions: each served or refused by name, never ignored.

"Use OData to query data" lists the options (``$select``, ``$expand``, ``$orderby``,
``$filter``, ``$apply``, ``$top``, ``$count``), parameter aliases and the unsupported
``$skip``, ``$search``, ``$format``; ``fetchXml``, ``savedQuery``/``userQuery`` and ``sql``
are other kinds of queries ("Use FetchXml to query data", "Retrieve and execute predefined
queries", "Use SQL to query data"). "Filter rows using OData" lists the query functions.
"""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import quote

import pytest

from cityzen_connector.emulator import BUSINESS_UNIT_ID, CALLER_ID
from cityzen_connector.testing import FakeClock

from .conftest import Api


@pytest.mark.parametrize(
    ("query", "named"),
    [
        ("savedQuery=00000000-0000-0000-00aa-000010001002", "savedQuery"),
        ("userQuery=121c6fd8-1975-e511-80d4-00155d2a68d1", "userQuery"),
        ("sql=" + quote("SELECT fullname FROM contact"), "sql"),
        ("$apply=" + quote("groupby((statecode))"), "$apply"),
    ],
)
def test_other_kinds_of_queries_are_refused_by_name(api: Api, query: str, named: str) -> None:
    api.post("contacts", {"lastname": "Diallo"})
    response = api.get("contacts?" + query)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "0x80060888"
    assert f"does not emulate the {named} query option" in error["message"]
    assert "Microsoft Learn" in error["message"]


def test_fetch_xml_is_served_at_the_same_dispatch_point(api: Api) -> None:
    # "Use FetchXml to query data" (Web API): GET contacts?fetchXml=<url-encoded fetch>.
    api.post("contacts", {"lastname": "Diallo"})
    fetch = '<fetch><entity name="contact"><attribute name="lastname"/></entity></fetch>'
    response = api.get("contacts?fetchXml=" + quote(fetch))
    assert response.status_code == 200, response.text
    assert [row["lastname"] for row in response.json()["value"]] == ["Diallo"]
    # On a filtered collection it is not emulated, and says so.
    team = api.get("teams?$select=teamid&$top=1").json()["value"][0]["teamid"]
    scoped = api.get(f"teams({team})/teammembership_association?fetchXml=" + quote(fetch))
    assert scoped.status_code == 400
    assert "does not emulate the fetchXml query option" in scoped.json()["error"]["message"]


def test_those_options_on_one_row_are_refused_too(api: Api) -> None:
    api.post("contacts", {"contactid": "00000000-0000-0000-0000-0000000000c1", "lastname": "D"})
    response = api.get("contacts(00000000-0000-0000-0000-0000000000c1)?fetchXml=x")
    assert response.status_code == 400
    assert "fetchXml" in response.json()["error"]["message"]


@pytest.mark.parametrize("option", ["$search=x", "$format=json", "$levels=2", "$whatever=1"])
def test_unknown_and_unsupported_dollar_options_are_400s(api: Api, option: str) -> None:
    response = api.get("contacts?" + option)
    assert response.status_code == 400
    assert option.split("=", maxsplit=1)[0] in response.json()["error"]["message"]


def test_custom_query_options_are_ignored_as_dataverse_does(api: Api) -> None:
    # "tag" only reaches plug-ins ("Compose HTTP requests and handle errors", Add a shared
    # variable from the Web API).
    assert api.get("contacts?tag=CreateUpdateMultiple").status_code == 200


def _lastnames(api: Api, query: str) -> list[str]:
    response = api.get("contacts?$select=lastname&$orderby=lastname&" + query)
    assert response.status_code == 200, response.text
    return [row["lastname"] for row in response.json()["value"]]


@pytest.fixture
def three(api: Api) -> Api:
    for last, age in (("OBrian", 30), ("O'Brian", 40), ("Ndiaye", 50)):
        body = {"lastname": last, "description": str(age), "address1_latitude": age / 10}
        assert api.post("contacts", body).status_code == 204
    return api


def test_in_with_parameter_aliases_as_documented(three: Api) -> None:
    # "Manage single quotes": values with an apostrophe go in double quotes.
    query = (
        "$filter="
        + quote("Microsoft.Dynamics.CRM.In(PropertyName=@p1,PropertyValues=@p2)")
        + "&@p1="
        + quote("'lastname'")
        + "&@p2="
        + quote('["OBRIAN","O\'Brian"]')
    )
    assert _lastnames(three, query) == ["O'Brian", "OBrian"]


def test_in_notin_and_between_inline(three: Api) -> None:
    inline = "Microsoft.Dynamics.CRM.In(PropertyName='lastname',PropertyValues=['ndiaye'])"
    assert _lastnames(three, "$filter=" + quote(inline)) == ["Ndiaye"]
    negated = "Microsoft.Dynamics.CRM.NotIn(PropertyName='lastname',PropertyValues=['ndiaye'])"
    assert _lastnames(three, "$filter=" + quote(negated)) == ["O'Brian", "OBrian"]
    between = (
        "Microsoft.Dynamics.CRM.Between(PropertyName='address1_latitude',"
        'PropertyValues=["3.5","5"])'
    )
    assert _lastnames(three, "$filter=" + quote(between)) == ["Ndiaye", "O'Brian"]


def test_aliases_as_filter_operands(three: Api) -> None:
    query = "$filter=" + quote("lastname eq @name") + "&@name=" + quote("'ndiaye'")
    assert _lastnames(three, query) == ["Ndiaye"]
    unassigned = "$filter=" + quote("description eq @missing")  # "assumed to be null"
    assert _lastnames(three, unassigned) == []


def test_user_and_business_unit_functions_use_the_caller(three: Api) -> None:
    other = three.post(
        "systemusers",
        {"lastname": "Autre", "businessunitid@odata.bind": f"businessunits({BUSINESS_UNIT_ID})"},
    ).headers["OData-EntityId"]
    owned = {"lastname": "Sall", "ownerid@odata.bind": other.split("/api/data/v9.2/")[1]}
    assert three.post("contacts", owned).status_code == 204
    mine = "Microsoft.Dynamics.CRM.EqualUserId(PropertyName='ownerid')"
    assert _lastnames(three, "$filter=" + quote(mine)) == ["Ndiaye", "O'Brian", "OBrian"]
    others = "Microsoft.Dynamics.CRM.NotEqualUserId(PropertyName='ownerid')"
    assert _lastnames(three, "$filter=" + quote(others)) == ["Sall"]
    unit = "Microsoft.Dynamics.CRM.EqualBusinessId(PropertyName='owningbusinessunit')"
    assert len(_lastnames(three, "$filter=" + quote(unit))) == 4
    elsewhere = "Microsoft.Dynamics.CRM.NotEqualBusinessId(PropertyName='owningbusinessunit')"
    assert _lastnames(three, "$filter=" + quote(elsewhere)) == []
    assert CALLER_ID not in other  # Sall's owner is not the caller


def test_day_functions_count_whole_utc_days(api: Api, clock: FakeClock) -> None:
    api.post("contacts", {"lastname": "Ancien"})  # created 2026-03-02 09:00 UTC
    clock.advance(timedelta(days=3).total_seconds())  # now 2026-03-05 09:00
    api.post("contacts", {"lastname": "Récent"})
    today = "Microsoft.Dynamics.CRM.Today(PropertyName='createdon')"
    assert _lastnames(api, "$filter=" + quote(today)) == ["Récent"]
    last = "Microsoft.Dynamics.CRM.LastXDays(PropertyName='createdon',PropertyValue=3)"
    assert _lastnames(api, "$filter=" + quote(last)) == ["Ancien", "Récent"]
    last2 = "Microsoft.Dynamics.CRM.LastXDays(PropertyName='createdon',PropertyValue=2)"
    assert _lastnames(api, "$filter=" + quote(last2)) == ["Récent"]
    on = "Microsoft.Dynamics.CRM.On(PropertyName='createdon',PropertyValue=2026-03-02)"
    assert _lastnames(api, "$filter=" + quote(on)) == ["Ancien"]
    after = "Microsoft.Dynamics.CRM.OnOrAfter(PropertyName='createdon',PropertyValue='2026-03-03')"
    assert _lastnames(api, "$filter=" + quote(after)) == ["Récent"]


def test_documented_functions_not_emulated_are_refused_by_name(api: Api) -> None:
    fiscal = "Microsoft.Dynamics.CRM.ThisFiscalYear(PropertyName='createdon')"
    response = api.get("contacts?$filter=" + quote(fiscal))
    assert response.status_code == 400
    assert response.json()["error"] == {
        "code": "0x80060888",
        "message": "The Dataverse emulator does not emulate the query function "
        "Microsoft.Dynamics.CRM.ThisFiscalYear (Microsoft Learn: Filter rows using OData, "
        "Dataverse query functions).",
    }


def test_unknown_functions_are_refused_as_odata_does(api: Api) -> None:
    response = api.get("contacts?$filter=" + quote("Microsoft.Dynamics.CRM.Nope(PropertyName='x')"))
    assert response.status_code == 400
    assert "An unknown function with name 'Microsoft.Dynamics.CRM.Nope'" in response.text


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        (
            "Microsoft.Dynamics.CRM.In(PropertyName='nope',PropertyValues=['a'])",
            "Could not find a property named 'nope'",
        ),
        (
            "Microsoft.Dynamics.CRM.In(PropertyName='lastname',PropertyValues=[])",
            "needs PropertyValues",
        ),
        ("Microsoft.Dynamics.CRM.Today(PropertyName='lastname')", "needs a date column"),
        (
            "Microsoft.Dynamics.CRM.In(PropertyName='gendercode',PropertyValues=['x'])",
            "'x' is not a value of 'gendercode'",
        ),
    ],
)
def test_function_arguments_are_checked(api: Api, expression: str, message: str) -> None:
    response = api.get("contacts?$filter=" + quote(expression))
    assert response.status_code == 400
    assert message in response.json()["error"]["message"]
