"""Literals, keys, names and the query builder: user input never shapes the URL."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any
from urllib.parse import unquote

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cityzen_connector.dataverse import (
    Expand,
    InvalidRequestError,
    Query,
    all_,
    any_,
    contains,
    eq,
    in_,
    literal,
    ne,
    not_,
    ops,
    startswith,
)
from cityzen_connector.dataverse._odata import encode_query, key_segment
from cityzen_connector.emulator import team_id
from cityzen_connector.testing import emulator_client


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("O'Brien", "'O''Brien'"),
        ("", "''"),
        (None, "null"),
        (True, "true"),
        (False, "false"),
        (42, "42"),
        (-1.5, "-1.5"),
        (Decimal("12.50"), "12.50"),
        (uuid.UUID(int=1), "00000000-0000-0000-0000-000000000001"),
        (date(2024, 2, 29), "2024-02-29"),
        (datetime(2024, 1, 1, 12, tzinfo=UTC), "2024-01-01T12:00:00Z"),
        (
            datetime(2024, 1, 1, 12, tzinfo=timezone(timedelta(hours=2))),
            "2024-01-01T12:00:00+02:00",
        ),
    ],
)
def test_literals_are_typed_and_escaped(value: object, expected: str) -> None:
    assert literal(value) == expected  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "value",
    [float("nan"), float("inf"), Decimal("NaN"), datetime(2024, 1, 1), "a\x00b", object(), [1]],
)
def test_unsafe_literals_are_refused(value: object) -> None:
    with pytest.raises(InvalidRequestError):
        literal(value)  # type: ignore[arg-type]


@given(st.text())
def test_any_string_stays_one_quoted_literal(text: str) -> None:
    if "\x00" in text:
        return
    rendered = literal(text)
    inner = rendered[1:-1]
    assert rendered[0] == rendered[-1] == "'"
    # Every quote inside is doubled, so the literal cannot be closed early.
    assert "'" not in inner.replace("''", "")
    assert inner.replace("''", "'") == text


def test_injection_attempt_stays_inside_the_literal() -> None:
    hostile = "x' or 1 eq 1 or name eq '"
    text = eq("lastname", hostile).text
    assert text == "lastname eq 'x'' or 1 eq 1 or name eq '''"


@pytest.mark.parametrize(
    "name", ["", "contacts;drop", "con tacts", "contacts(1)", "../x", "1abc", "a" * 200, "é"]
)
def test_invalid_names_are_refused_before_any_call(name: str) -> None:
    with pytest.raises(InvalidRequestError):
        Query(name)
    with pytest.raises(InvalidRequestError):
        ops.retrieve(name, uuid.UUID(int=1))
    with pytest.raises(InvalidRequestError):
        eq(name, 1)


def test_keys_single_composite_and_guid() -> None:
    assert key_segment(uuid.UUID(int=5)) == "(00000000-0000-0000-0000-000000000005)"
    assert key_segment("00000000-0000-0000-0000-000000000005") == key_segment(uuid.UUID(int=5))
    assert key_segment({"accountnumber": "A-1"}) == "(accountnumber='A-1')"
    assert key_segment({"a": "x", "b": 2}) == "(a='x',b=2)"


@pytest.mark.parametrize(
    "key", [{}, {"a": None}, {"a": "  "}, {"a": "x/y"}, {"a": "50%"}, {"bad name": "x"}, "nope"]
)
def test_bad_keys_are_refused(key: object) -> None:
    with pytest.raises(InvalidRequestError):
        key_segment(key)  # type: ignore[arg-type]


def test_query_builder_renders_every_option_in_order() -> None:
    query = (
        Query("incidents")
        .select("title", "ticketnumber")
        .where(eq("statecode", 0))
        .where(contains("title", "voirie") | startswith("title", "Éclairage"))
        .order_by("createdon", descending=True)
        .order_by("title")
        .top(50)
        .expand("customerid_contact", select=["fullname"], filter=ne("statecode", 1), top=1)
        .count()
    )
    assert query.params() == [
        ("$select", "title,ticketnumber"),
        (
            "$filter",
            "(statecode eq 0) and ((contains(title,'voirie')) or (startswith(title,'Éclairage')))",
        ),
        ("$orderby", "createdon desc,title asc"),
        ("$top", "50"),
        ("$expand", "customerid_contact($select=fullname;$filter=statecode ne 1;$top=1)"),
        ("$count", "true"),
    ]


def test_in_and_not() -> None:
    assert in_("statuscode", [1, 2]).text == "(statuscode eq 1) or (statuscode eq 2)"
    assert not_(eq("a", 1)).text == "not (a eq 1)"
    with pytest.raises(InvalidRequestError):
        in_("statuscode", [])


@pytest.mark.parametrize("top", [0, -1, True, 2.5])
def test_top_must_be_a_positive_integer(top: object) -> None:
    with pytest.raises(InvalidRequestError):
        Query("contacts").top(top)  # type: ignore[arg-type]


def test_where_refuses_raw_strings() -> None:
    with pytest.raises(InvalidRequestError):
        Query("contacts").where("name eq 'x'")  # type: ignore[arg-type]
    with pytest.raises(InvalidRequestError):
        contains("name", 3)  # type: ignore[arg-type]
    with pytest.raises(InvalidRequestError):
        Expand("bad nav").render()


def test_query_encoding_escapes_url_specials() -> None:
    encoded = encode_query([("$filter", "name eq 'a&b#c+d%e f'")])
    assert encoded == "$filter=name%20eq%20'a%26b%23c%2Bd%25e%20f'"


def test_bind_references_escape_their_keys() -> None:
    assert ops.ref("contacts", {"cz_portalid": "o'neil"}) == "/contacts(cz_portalid='o''neil')"
    assert (
        ops.ref("contacts", uuid.UUID(int=3)) == "/contacts(00000000-0000-0000-0000-000000000003)"
    )
    with pytest.raises(InvalidRequestError):
        ops.ref("contacts", {"cz_portalid": "a/b"})


@given(st.text().filter(lambda t: "\x00" not in t))
def test_filter_values_survive_url_encoding_exactly(text: str) -> None:
    query = Query("contacts").where(eq("lastname", text))
    encoded = encode_query(query.params())
    name, _, value = encoded.partition("=")
    assert name == "$filter"
    assert not {"&", "#", " ", "+"} & set(value)
    assert unquote(value) == "lastname eq " + literal(text)


def test_any_renders_a_lambda_with_escaped_values() -> None:
    where = any_("contact_customer_accounts", lambda c: eq(c("lastname"), "O'Brien"))
    assert where.text == "contact_customer_accounts/any(m:m/lastname eq 'O''Brien')"
    assert any_("Account_Tasks").text == "Account_Tasks/any()"


def test_all_and_nested_lambdas_name_their_variables() -> None:
    where = any_(
        "teammembership_association",
        lambda u: all_(u("systemuserroles_association"), lambda r: ne(r("name"), "x"), var="r"),
        var="u",
    )
    assert where.text == (
        "teammembership_association/any(u:u/systemuserroles_association/all(r:r/name ne 'x'))"
    )
    combined = any_(
        "incident_customer_contacts", lambda i: contains(i("title"), "%") & eq(i("statecode"), 0)
    )
    assert combined.text == (
        "incident_customer_contacts/any(m:(contains(m/title,'%')) and (m/statecode eq 0))"
    )


@pytest.mark.parametrize(
    "build",
    [
        lambda: any_("a b", lambda m: eq(m("x"), 1)),
        lambda: any_("nav", lambda m: eq(m("x);drop"), 1)),
        lambda: any_("nav", lambda m: eq(m("x"), 1), var="1m"),
        lambda: any_("nav", lambda m: eq(m("x"), 1), var="and"),
        lambda: all_("nav", lambda m: "m/x eq 1"),  # type: ignore[arg-type, return-value]
    ],
)
def test_lambda_names_and_conditions_are_checked(build: Any) -> None:
    with pytest.raises(InvalidRequestError):
        build()


def test_lambdas_run_against_the_emulator() -> None:
    emulated = emulator_client()
    try:
        client = emulated.client
        user = client.create("systemusers", {"lastname": "Sow", "isdisabled": False}).id
        client.associate(
            "teams", team_id("Voirie"), "teammembership_association", "systemusers", user
        )
        query = (
            Query("teams")
            .select("name")
            .where(any_("teammembership_association", lambda u: eq(u("lastname"), "SOW"), var="u"))
        )
        assert [row["name"] for row in client.query(query)] == ["Voirie"]
    finally:
        emulated.close()
