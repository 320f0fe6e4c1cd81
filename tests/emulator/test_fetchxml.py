"""FetchXML through the Web API: the row shape of "Use FetchXml to query data", conditions of
"Filter rows using FetchXml", link-entities of "Join tables" and orders of "Order rows"."""

from __future__ import annotations

from datetime import timedelta

import pytest

from cityzen_connector.emulator import CATALOGUE
from cityzen_connector.emulator._collation import fold
from cityzen_connector.testing import FakeClock

from .conftest import Api
from .fetch import account, fetch, rows


def test_rows_have_the_documented_shape(api: Api) -> None:
    for n in range(6):
        account(api, f"Compte {n}")
    xml = "<fetch top='5'><entity name='account'><attribute name='name' /></entity></fetch>"
    response = fetch(api, "accounts", xml)
    assert response.status_code == 200, response.text
    body = response.json()
    # "@odata.context": "[Organization URI]/api/data/v9.2/$metadata#accounts(name,accountid)"
    assert body["@odata.context"] == api.root + "$metadata#accounts(name,accountid)"
    assert len(body["value"]) == 5
    for row in body["value"]:
        assert list(row) == ["@odata.etag", "name", "accountid"]
        assert row["@odata.etag"].startswith('W/"')


def test_null_values_are_not_returned(api: Api) -> None:
    account(api, "Sans effectif")
    xml = (
        "<fetch><entity name='account'><attribute name='name' />"
        "<attribute name='numberofemployees' /><attribute name='address1_city' /></entity></fetch>"
    )
    # "FetchXML queries sent using Web API don't return properties with null values."
    assert set(rows(api, "accounts", xml)[0]) == {"@odata.etag", "name", "accountid"}


def test_without_attributes_every_column_is_returned(api: Api) -> None:
    account(api, "Tout", numberofemployees=3)
    response = fetch(api, "accounts", "<fetch><entity name='account' /></fetch>")
    row = response.json()["value"][0]
    assert {"name", "numberofemployees", "_ownerid_value", "createdon", "statecode"} <= set(row)
    assert "accountnumber" not in row  # null, so left out
    assert response.json()["@odata.context"] == api.root + "$metadata#accounts"


@pytest.fixture
def towns(api: Api, clock: FakeClock) -> None:
    account(api, "Mairie de Lyon", numberofemployees=500, address1_city="Lyon")
    account(api, "Mairie de Paris", numberofemployees=2000, address1_city="Paris")
    clock.advance(timedelta(days=1))
    account(api, "Café de l'Église", numberofemployees=5)
    account(api, "100% bio", numberofemployees=12, address1_city="Lyon")


CONDITIONS = [
    ("<condition attribute='name' operator='eq' value='MAIRIE DE LYON' />", {"Mairie de Lyon"}),
    (
        "<condition attribute='address1_city' operator='ne' value='Lyon' />",
        {"Mairie de Paris"},  # a null is neither equal nor unequal
    ),
    ("<condition attribute='numberofemployees' operator='lt' value='12' />", {"Café de l'Église"}),
    (
        "<condition attribute='numberofemployees' operator='le' value='12' />",
        {"Café de l'Église", "100% bio"},
    ),
    ("<condition attribute='numberofemployees' operator='gt' value='500' />", {"Mairie de Paris"}),
    (
        "<condition attribute='numberofemployees' operator='ge' value='500' />",
        {"Mairie de Lyon", "Mairie de Paris"},
    ),
    (
        "<condition attribute='name' operator='like' value='%de%' />",
        {"Mairie de Lyon", "Mairie de Paris", "Café de l'Église"},
    ),
    ("<condition attribute='name' operator='not-like' value='%de%' />", {"100% bio"}),
    ("<condition attribute='name' operator='like' value='100[%]%' />", {"100% bio"}),
    ("<condition attribute='name' operator='like' value='Mairie de _aris' />", {"Mairie de Paris"}),
    (
        "<condition attribute='numberofemployees' operator='in'>"
        "<value>5</value><value>12</value></condition>",
        {"Café de l'Église", "100% bio"},
    ),
    ("<condition attribute='address1_city' operator='null' />", {"Café de l'Église"}),
    (
        "<condition attribute='address1_city' operator='not-null' />",
        {"Mairie de Lyon", "Mairie de Paris", "100% bio"},
    ),
    (
        "<condition attribute='name' operator='begins-with' value='mairie' />",
        {"Mairie de Lyon", "Mairie de Paris"},
    ),
    ("<condition attribute='name' operator='ends-with' value='Église' />", {"Café de l'Église"}),
    (
        "<condition attribute='createdon' operator='on-or-after' value='2026-03-03' />",
        {"Café de l'Église", "100% bio"},
    ),
    (
        "<condition attribute='createdon' operator='on-or-before' value='2026-03-02' />",
        {"Mairie de Lyon", "Mairie de Paris"},
    ),
    (
        "<filter type='or'><condition attribute='address1_city' operator='eq' value='Paris' />"
        "<filter type='and'><condition attribute='address1_city' operator='eq' value='Lyon' />"
        "<condition attribute='numberofemployees' operator='lt' value='100' /></filter></filter>",
        {"Mairie de Paris", "100% bio"},
    ),
]


@pytest.mark.usefixtures("towns")
@pytest.mark.parametrize(("condition", "expected"), CONDITIONS)
def test_conditions(api: Api, condition: str, expected: set[str]) -> None:
    xml = (
        "<fetch><entity name='account'><attribute name='name' />"
        f"<filter>{condition}</filter></entity></fetch>"
    )
    assert {r["name"] for r in rows(api, "accounts", xml)} == expected


@pytest.fixture
def families(api: Api) -> dict[str, str]:
    lyon = account(api, "Mairie de Lyon", address1_city="Lyon")
    paris = account(api, "Mairie de Paris", address1_city="Paris")
    for first, parent in (("Anne", lyon), ("Bruno", paris), ("Chloé", None)):
        body = {"firstname": first, "lastname": "Martin"}
        if parent:
            body["parentcustomerid_account@odata.bind"] = f"/accounts({parent})"
        assert api.post("contacts", body).status_code == 204
    return {"lyon": lyon, "paris": paris}


def _contacts_with(api: Api, link: str) -> list[tuple[str, str | None]]:
    xml = (
        "<fetch><entity name='contact'><attribute name='firstname' />"
        f"<order attribute='firstname' />{link}</entity></fetch>"
    )
    return [(r["firstname"], r.get("acc.name")) for r in rows(api, "contacts", xml)]


@pytest.mark.usefixtures("families")
def test_inner_and_outer_link_entities(api: Api) -> None:
    link = (
        "<link-entity name='account' from='accountid' to='parentcustomerid' link-type='{}' "
        "alias='acc'><attribute name='name' /></link-entity>"
    )
    # Columns of a link-entity are named {alias}.{column} ("Select columns using FetchXml").
    assert _contacts_with(api, link.format("inner")) == [
        ("Anne", "Mairie de Lyon"),
        ("Bruno", "Mairie de Paris"),
    ]
    assert _contacts_with(api, link.format("outer"))[-1] == ("Chloé", None)


@pytest.mark.usefixtures("families")
def test_a_link_entity_filter_applies_with_the_join(api: Api) -> None:
    link = (
        "<link-entity name='account' from='accountid' to='parentcustomerid' alias='acc'>"
        "<attribute name='name' /><filter><condition attribute='address1_city' operator='eq' "
        "value='Lyon' /></filter></link-entity>"
    )
    assert _contacts_with(api, link) == [("Anne", "Mairie de Lyon")]
    outer = link.replace("alias='acc'", "alias='acc' link-type='outer'")
    assert _contacts_with(api, outer) == [
        ("Anne", "Mairie de Lyon"),
        ("Bruno", None),
        ("Chloé", None),
    ]


def test_lookups_answer_their_value_and_annotations(api: Api, families: dict[str, str]) -> None:
    xml = (
        "<fetch><entity name='contact'><attribute name='parentcustomerid' /><filter>"
        "<condition attribute='parentcustomerid' operator='eq' "
        f"value='{{{families['lyon'].upper()}}}' /></filter></entity></fetch>"
    )
    [row] = rows(api, "contacts", xml, 'odata.include-annotations="*"')
    assert row["_parentcustomerid_value"] == families["lyon"]
    assert row["_parentcustomerid_value@Microsoft.Dynamics.CRM.lookuplogicalname"] == "account"


def test_orders_lookups_by_name_and_choices_by_label(api: Api, families: dict[str, str]) -> None:
    contacts = rows(
        api,
        "contacts",
        "<fetch><entity name='contact'><attribute name='contactid' /></entity></fetch>",
    )
    for row, priority in zip(contacts, (1, 2, 3), strict=True):
        api.post(
            "incidents",
            {
                "title": f"P{priority}",
                "prioritycode": priority,
                "customerid_contact@odata.bind": f"/contacts({row['contactid']})",
            },
        )
    # "Choice column values are also sorted using the formatted values": High, Low, Normal.
    by_label = (
        "<fetch><entity name='incident'><attribute name='title' />"
        "<order attribute='prioritycode' /></entity></fetch>"
    )
    assert [r["title"] for r in rows(api, "incidents", by_label)] == ["P1", "P3", "P2"]
    # "sorted using the primary name field for the related table"
    by_name = (
        "<fetch><entity name='contact'><attribute name='firstname' />"
        "<order attribute='parentcustomerid' descending='true' /><order attribute='firstname' />"
        "</entity></fetch>"
    )
    assert [r["firstname"] for r in rows(api, "contacts", by_name)] == ["Bruno", "Anne", "Chloé"]


def test_entity_orders_come_before_link_entity_orders(api: Api) -> None:
    xml = (
        "<fetch><entity name='subject'><attribute name='title' />"
        "<link-entity name='subject' from='subjectid' to='parentsubject' alias='theme'>"
        "<attribute name='title' /><order attribute='title' descending='true' /></link-entity>"
        "<order attribute='title' /></entity></fetch>"
    )
    titles = [r["title"] for r in rows(api, "subjects", xml)]
    assert titles == sorted(titles, key=fold)  # under the organisation's collation
    first = "<order entityname='theme' attribute='title' descending='true' />"
    linked = rows(
        api,
        "subjects",
        xml.replace("<order attribute='title' />", first + "<order attribute='title' />"),
    )
    assert linked[0]["theme.title"] == max(CATALOGUE, key=fold)


def test_distinct_values_without_primary_key(api: Api) -> None:
    for name, city in (("A", "Lyon"), ("B", "Lyon"), ("C", "Paris")):
        account(api, name, address1_city=city)
    xml = (
        "<fetch distinct='true'><entity name='account'><attribute name='address1_city' />"
        "<order attribute='address1_city' /></entity></fetch>"
    )
    # "the primary key value for each record isn't included in the results"
    assert rows(api, "accounts", xml) == [{"address1_city": "Lyon"}, {"address1_city": "Paris"}]
