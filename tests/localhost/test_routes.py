"""Route templates: parameters, constraints, catch-alls, precedence, bad templates."""

from __future__ import annotations

import pytest

from cityzen_connector.localhost import AppLoadError, RouteTemplate

GUID = "0f8fad5b-d9cb-469f-a165-70867728950e"


def test_literal_routes_match_case_insensitively_with_the_prefix() -> None:
    route = RouteTemplate("api", "v1/health")
    assert route.template == "/api/v1/health"
    assert route.match("/api/v1/health") == {}
    assert route.match("/API/V1/Health/") == {}
    assert route.match("/v1/health") is None
    assert route.match("/api/v1/health/extra") is None


def test_parameters_and_constraints() -> None:
    route = RouteTemplate("api", "v1/requests/{id:guid}")
    assert route.match(f"/api/v1/requests/{GUID}") == {"id": GUID}
    assert route.match("/api/v1/requests/not-a-guid") is None
    assert route.match("/api/v1/requests/") is None


@pytest.mark.parametrize(
    ("constraint", "good", "bad"),
    [
        ("int", "-42", "4.2"),
        ("int", "2147483647", "2147483648"),
        ("long", "9223372036854775807", "9223372036854775808"),
        ("bool", "True", "yes"),
        ("alpha", "abcXYZ", "abc1"),
        ("decimal", "3.14", "pi"),
        ("datetime", "2026-01-05", "yesterday"),
        ("min(10)", "10", "9"),
        ("max(10)", "10", "11"),
        ("range(1,3)", "2", "4"),
        ("length(3)", "abc", "abcd"),
        ("length(2,4)", "abcd", "a"),
        ("minlength(2)", "ab", "a"),
        ("maxlength(2)", "ab", "abc"),
        ("regex(^[a-z]{{2}}\\d$)", "ab1", "abc"),
    ],
)
def test_each_constraint_accepts_and_refuses(constraint: str, good: str, bad: str) -> None:
    # Braces inside a template are doubled, as ASP.NET requires ({{2}} is the regex {2}).
    route = RouteTemplate("", "x/{value:" + constraint + "}")
    assert route.match(f"/x/{good}") == {"value": good}
    assert route.match(f"/x/{bad}") is None


def test_several_constraints_must_all_hold() -> None:
    route = RouteTemplate("", "n/{n:int:min(5)}")
    assert route.match("/n/7") == {"n": "7"}
    assert route.match("/n/3") is None


def test_optional_and_catch_all_parameters() -> None:
    optional = RouteTemplate("api", "themes/{id?}")
    assert optional.match("/api/themes") == {}
    assert optional.match("/api/themes/12") == {"id": "12"}
    catch_all = RouteTemplate("api", "files/{*path}")
    assert catch_all.match("/api/files/a/b/c.txt") == {"path": "a/b/c.txt"}
    assert catch_all.match("/api/files") == {}


def test_complex_segments() -> None:
    route = RouteTemplate("", "img/{name}.{ext:alpha}")
    assert route.match("/img/photo.jpg") == {"name": "photo", "ext": "jpg"}
    assert route.match("/img/photo.123") is None


def test_empty_prefix_and_root_route() -> None:
    assert RouteTemplate("", "").match("/") == {}
    assert RouteTemplate("api", "").match("/api") == {}


def test_precedence_puts_literals_before_parameters_before_catch_alls() -> None:
    routes = [
        RouteTemplate("api", "{*rest}"),
        RouteTemplate("api", "items/{id}"),
        RouteTemplate("api", "items/{id:int}"),
        RouteTemplate("api", "items/special"),
    ]
    ordered = [r.template for r in sorted(routes, key=lambda r: r.precedence)]
    assert ordered == [
        "/api/items/special",
        "/api/items/{id:int}",
        "/api/items/{id}",
        "/api/{*rest}",
    ]


@pytest.mark.parametrize(
    ("route", "message"),
    [
        ("a/{id", "unbalanced"),
        ("a/id}", "unbalanced"),
        ("a/{1x}", "bad parameter name"),
        ("a/{x:unknown}", "not supported"),
        ("a/{x:min(a)}", "integers"),
        ("a/{x:range(1)}", "wrong number"),
        ("a/{x:regex([)}", "valid regex"),
        ("a/{*rest}/b", "last segment"),
        ("a/{x?}/b", "last segment"),
        ("a/{x:!!}", "not understood"),
    ],
)
def test_bad_templates_are_refused_at_load(route: str, message: str) -> None:
    with pytest.raises(AppLoadError, match=message):
        RouteTemplate("api", route)
