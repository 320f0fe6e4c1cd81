"""What the emulator refuses in FetchXML: hostile XML before it is parsed, Dataverse's documented
errors for queries Dataverse refuses, and a 400 naming whatever Dataverse answers but the
emulator does not emulate — never a guess."""

from __future__ import annotations

import pytest

from .conftest import Api
from .fetch import account, error, rows

NOT_EMULATED = "is not emulated by the CityZen Dataverse emulator"


def _q(inside: str, fetch_attrs: str = "") -> str:
    return f"<fetch{fetch_attrs}><entity name='account'>{inside}</entity></fetch>"


def _link(attrs: str = "alias='c'") -> str:
    return f"<link-entity name='contact' from='contactid' to='primarycontactid' {attrs} />"


def _where(attribute: str, operator: str, value: str = "x", extra: str = "") -> str:
    condition = (
        f"<condition attribute='{attribute}' operator='{operator}' value='{value}'{extra} />"
    )
    return f"<filter>{condition}</filter>"


LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
    "<fetch><entity name='account'><filter><condition attribute='name' operator='eq' "
    "value='&lol2;' /></filter></entity></fetch>"
)


@pytest.mark.parametrize(
    ("xml", "said"),
    [
        (LAUGHS, "DOCTYPE"),
        ("<!DOCTYPE fetch SYSTEM 'file:///etc/passwd'><fetch />", "DOCTYPE"),
        (
            _q("<filter><condition attribute='name' operator='eq' value='&xxe;' /></filter>"),
            "well-formed",
        ),
        (_q("<attribute name='name'>"), "well-formed"),
        (_q("<filter>" * 60 + "</filter>" * 60), "nested"),
        (_q("<attribute name='name' />" * 2000), "exceeds"),
    ],
)
def test_hostile_xml_is_refused_before_it_is_read(api: Api, xml: str, said: str) -> None:
    assert said in error(api, "accounts", xml)["message"]


@pytest.mark.parametrize(
    ("xml", "what"),
    [
        (
            _q("<filter><condition attribute='name' operator='under' value='x' /></filter>"),
            "operator 'under'",
        ),
        (
            _q(
                "<attribute name='createdon' alias='d' groupby='true' dategrouping='month' />",
                " aggregate='true'",
            ),
            "'dategrouping'",
        ),
        (
            _q("<attribute name='name' />", " returntotalrecordcount='true'"),
            "'returntotalrecordcount'",
        ),
        (
            _q(_link("link-type='any' alias='c'")),
            "link-type 'any'",
        ),
        (
            _q(_link("")),
            "without an alias",
        ),
        (
            _q(f"<filter>{_link()}</filter>"),
            "inside a filter",
        ),
        (
            _q(_where("name", "eq", extra=" valueof='accountnumber'")),
            "'valueof'",
        ),
        (
            _q("<filter><condition attribute='name' operator='like' value='[a-c]%' /></filter>"),
            "wildcard set",
        ),
    ],
)
def test_what_is_not_emulated_is_refused_by_name(api: Api, xml: str, what: str) -> None:
    body = error(api, "accounts", xml)
    assert NOT_EMULATED in body["message"]
    assert what in body["message"]


DOCUMENTED = [
    # (query, code of "Web service error codes")
    (
        _q("<filter><condition attribute='name' operator='sounds-like' value='x' /></filter>"),
        "0x80041120",
    ),
    (_q("<attribute name='nickname' />"), "0x80041103"),  # QueryBuilderNoAttribute
    (_q("<link-entity name='pokemon' from='id' to='accountid' alias='p' />"), "0x80041102"),
    ("<fetch><entity name='contact' /></fetch>", "0x80041128"),  # not the entity set's table
    (_q("<unknown />"), "0x8004111c"),  # QueryBuilderDeserializeInvalidNode
    (_q("<filter type='xor' />"), "0x80041122"),
    (
        _q(_link("link-type='sideways' alias='c'")),
        "0x80041117",
    ),
    (
        _q(_where("numberofemployees", "eq", "many")),
        "0x80041108",
    ),
    (_q("<link-entity name='contact' from='firstname' to='accountid' alias='c' />"), "0x80041104"),
    (_q("<attribute name='name' />", " distinct='yes'"), "0x80041115"),
    (_q("<order attribute='name' descending='maybe' />"), "0x80041119"),
    (_q("<attribute name='name' />", " count='0'"), "0x8004110c"),
    (
        _q("<attribute name='name' alias='x' /><attribute name='accountnumber' alias='x' />"),
        "0x80041130",
    ),
    (_q("<order entityname='nowhere' attribute='name' />"), "0x8004110a"),
    (
        _q("".join(_link(f"alias='c{n}'") for n in range(16))),
        "0x8004430D",
    ),
]


@pytest.mark.parametrize(("xml", "code"), DOCUMENTED)
def test_dataverse_errors_keep_their_documented_codes(api: Api, xml: str, code: str) -> None:
    assert error(api, "accounts", xml)["code"] == code


def test_an_unknown_column_is_named(api: Api) -> None:
    body = error(api, "accounts", _q("<attribute name='nickname' />"))
    assert body == {
        "code": "0x80041103",
        "message": "The specified attribute does not exist on this entity. Entity: account, "
        "attribute: nickname.",
    }


def test_top_and_paging_do_not_mix(api: Api) -> None:
    # "Don't use the fetch element top attribute with paging."
    assert "top" in error(api, "accounts", _q("", " top='5' count='2'"))["message"]
    # top "cannot exceed 5,000".
    assert "5000" in error(api, "accounts", _q("", " top='5001'"))["message"]


@pytest.mark.parametrize(
    ("query", "prefer"),
    [
        ("&$select=name", None),
        ("&$filter=name eq 'x'", None),
        ("", "odata.maxpagesize=2"),
        ("", "odata.track-changes"),
    ],
)
def test_odata_options_with_fetchxml_are_refused(api: Api, query: str, prefer: str | None) -> None:
    headers = {"Prefer": prefer} if prefer else {}
    response = api.get(
        "accounts?fetchXml=%3Cfetch%3E%3Centity%20name%3D%27account%27%2F%3E%3C%2Ffetch%3E" + query,
        headers=headers,
    )
    assert response.status_code == 400
    assert NOT_EMULATED in response.json()["error"]["message"]


def test_count_rides_along_as_in_the_documented_example(api: Api) -> None:
    # The page's request carries &$count=true; its answer has no count.
    response = api.get(
        "accounts?fetchXml=%3Cfetch%3E%3Centity%20name%3D%27account%27%2F%3E%3C%2Ffetch%3E&$count=true"
    )
    assert response.status_code == 200
    assert "@odata.count" not in response.json()


def test_settings_without_effect_are_accepted(api: Api) -> None:
    account(api, "A")
    account(api, "B")
    xml = (
        "<fetch version='1.0' output-format='xml-platform' mapping='logical' no-lock='true'>"
        "<entity name='account'><attribute name='name' /><filter hint='union'><condition "
        "attribute='name' operator='eq' value='A' uiname='A' uitype='account' /></filter>"
        "</entity></fetch>"
    )
    assert [r["name"] for r in rows(api, "accounts", xml)] == ["A"]


def test_a_link_through_an_intersect_table_is_refused_by_name(api: Api) -> None:
    # "Join tables using FetchXml", many-to-many: link-entity name='teammembership'
    # intersect='true'. The emulator keeps the pairs of teammembership_association, not an
    # intersect table FetchXML can join: refused by name, not "The specified entity was not
    # found".
    xml = (
        "<fetch><entity name='team'><attribute name='name' />"
        "<link-entity name='teammembership' from='teamid' to='teamid' alias='m' "
        "intersect='true' /></entity></fetch>"
    )
    body = error(api, "teams", xml)
    assert NOT_EMULATED in body["message"]
    assert "intersect table 'teammembership'" in body["message"]
