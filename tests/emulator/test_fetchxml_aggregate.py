"""Aggregate FetchXML, with the data and results of "Aggregate data using FetchXml" (Microsoft
Learn), and the counts by status and theme a KPI page needs."""

from __future__ import annotations

import pytest

from cityzen_connector.emulator import subject_id

from .conftest import Api
from .fetch import account, error, rows

# The page's ten accounts: (number of employees, city).
ACCOUNTS = [
    (None, None),
    (1500, "Redmond"),
    (2700, "Lynnwood"),
    (2900, "Los Angeles"),
    (2900, "Redmond"),
    (3900, "Phoenix"),
    (4300, "Santa Cruz"),
    (4800, "Missoula"),
    (6000, "Dallas"),
    (6200, "Redmond"),
]


@pytest.fixture
def sample(api: Api) -> None:
    for n, (employees, city) in enumerate(ACCOUNTS):
        columns = {"numberofemployees": employees, "address1_city": city}
        account(api, f"Account {n}", **{k: v for k, v in columns.items() if v is not None})


@pytest.mark.usefixtures("sample")
def test_the_documented_aggregates(api: Api) -> None:
    xml = (
        "<fetch aggregate='true'><entity name='account'>"
        "<attribute name='numberofemployees' alias='Average' aggregate='avg' />"
        "<attribute name='numberofemployees' alias='Count' aggregate='count' />"
        "<attribute name='numberofemployees' alias='ColumnCount' aggregate='countcolumn' />"
        "<attribute name='numberofemployees' alias='Maximum' aggregate='max' />"
        "<attribute name='numberofemployees' alias='Minimum' aggregate='min' />"
        "<attribute name='numberofemployees' alias='Sum' aggregate='sum' />"
        "</entity></fetch>"
    )
    # | Average | Count | ColumnCount | Maximum | Minimum | Sum    |
    # | 3,911   | 10    | 9           | 6,200   | 1,500   | 35,200 |
    assert rows(api, "accounts", xml) == [
        {
            "Average": 3911,
            "Count": 10,
            "ColumnCount": 9,
            "Maximum": 6200,
            "Minimum": 1500,
            "Sum": 35200,
        }
    ]
    distinct = xml.replace("aggregate='countcolumn'", "aggregate='countcolumn' distinct='true'")
    # "the results return 8 rather than 9 because two rows … have 2,900"
    assert rows(api, "accounts", distinct)[0]["ColumnCount"] == 8


@pytest.mark.usefixtures("sample")
def test_grouping_as_documented(api: Api) -> None:
    xml = (
        "<fetch aggregate='true'><entity name='account'>"
        "<attribute name='numberofemployees' alias='Total' aggregate='sum' />"
        "<attribute name='address1_city' alias='Count' aggregate='count' />"
        "<attribute name='address1_city' alias='City' groupby='true' />"
        "<order alias='City' /></entity></fetch>"
    )
    # | Total | Count | City | from the page: NULL first, Redmond's three rows together; the
    # NULL city's row has no City property through the Web API.
    assert rows(api, "accounts", xml) == [
        {"Total": 0, "Count": 1},
        {"Total": 6000, "Count": 1, "City": "Dallas"},
        {"Total": 2900, "Count": 1, "City": "Los Angeles"},
        {"Total": 2700, "Count": 1, "City": "Lynnwood"},
        {"Total": 4800, "Count": 1, "City": "Missoula"},
        {"Total": 3900, "Count": 1, "City": "Phoenix"},
        {"Total": 10600, "Count": 3, "City": "Redmond"},
        {"Total": 4300, "Count": 1, "City": "Santa Cruz"},
    ]


@pytest.fixture
def cases(api: Api) -> None:
    contact = api.post("contacts", {"lastname": "Martin"}).headers["OData-EntityId"]
    customer = contact.split("/api/data/v9.2", 1)[1]
    themes = [
        ("Encombrants", "Déchets"),
        ("Encombrants", "Déchets"),
        ("Bacs et conteneurs", "Déchets"),
        ("Place PMR", "Stationnement"),
    ]
    for n, (sub, theme) in enumerate(themes):
        body = {
            "title": f"Demande {n}",
            "customerid_contact@odata.bind": customer,
            "subjectid@odata.bind": f"/subjects({subject_id(sub, theme)})",
        }
        assert api.post("incidents", body).status_code == 204
    first = rows(
        api,
        "incidents",
        "<fetch top='1'><entity name='incident'><order attribute='title' /></entity></fetch>",
    )[0]
    # A case is resolved through CloseIncident, as Dataverse requires.
    resolution = {
        "subject": "Résolu",
        "incidentid@odata.bind": f"/incidents({first['incidentid']})",
    }
    closed = api.post("CloseIncident", {"IncidentResolution": resolution, "Status": 5})
    assert closed.status_code == 204


@pytest.mark.usefixtures("cases")
def test_counts_by_status_and_by_theme(api: Api) -> None:
    by_status = (
        "<fetch aggregate='true'><entity name='incident'>"
        "<attribute name='incidentid' alias='cases' aggregate='count' />"
        "<attribute name='statecode' alias='state' groupby='true' />"
        "<order alias='state' /></entity></fetch>"
    )
    assert rows(api, "incidents", by_status) == [{"cases": 3, "state": 0}, {"cases": 1, "state": 1}]
    by_theme = (
        "<fetch aggregate='true'><entity name='incident'>"
        "<attribute name='incidentid' alias='cases' aggregate='count' />"
        "<link-entity name='subject' from='subjectid' to='subjectid' alias='sub'>"
        "<link-entity name='subject' from='subjectid' to='parentsubject' alias='theme'>"
        "<attribute name='title' alias='theme' groupby='true' /></link-entity></link-entity>"
        "<filter><condition attribute='statecode' operator='eq' value='0' /></filter>"
        "<order alias='cases' descending='true' /><order alias='theme' /></entity></fetch>"
    )
    assert rows(api, "incidents", by_theme) == [
        {"cases": 2, "theme": "Déchets"},
        {"cases": 1, "theme": "Stationnement"},
    ]


@pytest.mark.usefixtures("cases")
def test_a_grouped_choice_has_its_label(api: Api) -> None:
    xml = (
        "<fetch aggregate='true'><entity name='incident'>"
        "<attribute name='incidentid' alias='n' aggregate='count' />"
        "<attribute name='prioritycode' alias='priority' groupby='true' /></entity></fetch>"
    )
    formatted = 'odata.include-annotations="OData.Community.Display.V1.FormattedValue"'
    assert rows(api, "incidents", xml, formatted) == [
        {"n": 4, "priority": 2, "priority@OData.Community.Display.V1.FormattedValue": "Normal"}
    ]


AGGREGATE_ERRORS = [
    # (attributes and orders, documented QueryBuilder code)
    ("<attribute name='name' aggregate='count' />", "0x80041109"),  # alias required
    ("<attribute name='name' alias='n' />", "0x80041107"),  # neither aggregate nor group
    ("<attribute name='name' alias='n' aggregate='count' groupby='true' />", "0x80041137"),
    ("<attribute name='name' alias='n' aggregate='sum' />", "0x8004112F"),  # sum of text
    (
        "<attribute name='name' alias='n' aggregate='count' /><order attribute='name' />",
        "0x80041131",
    ),
    ("<attribute name='name' alias='n' aggregate='median' />", "0x8004111a"),
]


def _plain(inside: str) -> str:
    return f"<fetch><entity name='account'>{inside}</entity></fetch>"


@pytest.mark.parametrize(("inside", "code"), AGGREGATE_ERRORS)
def test_aggregate_errors(api: Api, inside: str, code: str) -> None:
    xml = f"<fetch aggregate='true'><entity name='account'>{inside}</entity></fetch>"
    assert error(api, "accounts", xml)["code"] == code


def test_an_alias_order_in_a_row_query_is_refused(api: Api) -> None:
    xml = _plain("<attribute name='name' alias='n' /><order alias='n' />")
    assert error(api, "accounts", xml)["code"] == "0x80041132"


@pytest.mark.usefixtures("sample")
def test_the_aggregate_record_limit(api: Api) -> None:
    xml = (
        "<fetch aggregate='true' aggregatelimit='9'><entity name='account'>"
        "<attribute name='name' alias='n' aggregate='count' /></entity></fetch>"
    )
    # AggregateQueryRecordLimitExceeded, as "Aggregate data using FetchXml" quotes it.
    assert error(api, "accounts", xml) == {
        "code": "0x8004E023",
        "message": "The maximum record limit is exceeded. Reduce the number of records.",
    }
    assert rows(api, "accounts", xml.replace("'9'", "'10'")) == [{"n": 10}]
