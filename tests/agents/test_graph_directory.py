"""``GraphDirectory`` against Microsoft Graph's documented wire shapes, scripted with
``responses`` on 127.0.0.1: transitive members (paged, nested, withheld), owners, throttling,
deleted users and groups, licence assignment."""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import responses

from cityzen_connector.agents import (
    DirectoryError,
    GraphConfig,
    GraphDirectory,
    UnknownGroupError,
)
from cityzen_connector.dataverse import RequestsTransport, StaticTokenProvider
from cityzen_connector.testing import FakeClock

BASE = "http://127.0.0.1:7080"
ROOT = f"{BASE}/v1.0/"
GROUP = uuid.UUID("58a4ea16-d0bf-4432-a3fb-24fc847e22d7")
MEMBERS = f"{ROOT}groups/{GROUP}/transitiveMembers/microsoft.graph.user"
SKU = "14832d8a-0f14-4134-afe3-60903101ccb0"


def user(number: int, **extra: Any) -> dict[str, Any]:
    return {
        "id": str(uuid.UUID(int=number)),
        "userPrincipalName": f"agent{number}@mairie.example",
        "displayName": f"Agent {number}",
        "givenName": "Agent",
        "surname": f"N{number}",
        "mail": f"agent{number}@mairie.example",
        "accountEnabled": True,
        "userType": "Member",
        "assignedLicenses": [{"disabledPlans": [], "skuId": SKU}],
        **extra,
    }


def page(users: list[dict[str, Any]], next_link: str | None = None) -> dict[str, Any]:
    """A page as Graph answers an OData cast with $count ("List group transitive members")."""
    body: dict[str, Any] = {
        "@odata.context": f"{ROOT}$metadata#users(id,userPrincipalName)",
        "@odata.count": 3,
        "value": users,
    }
    if next_link:
        body["@odata.nextLink"] = next_link
    return body


def graph_error(status: int, code: str, message: str) -> dict[str, Any]:
    """ "Microsoft Graph error responses": code, message, innerError with request-id."""
    return {
        "error": {
            "code": code,
            "message": message,
            "innerError": {"date": "2026-03-02T09:00:00", "request-id": "req-42"},
        }
    }


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def graph(clock: FakeClock) -> Iterator[GraphDirectory]:
    directory = GraphDirectory(
        GraphConfig(base_url=BASE, max_attempts=4),
        RequestsTransport(),
        StaticTokenProvider("graph-token"),
        clock=clock,
    )
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        directory.mock = mock  # type: ignore[attr-defined]
        yield directory


def _mock(graph: GraphDirectory) -> responses.RequestsMock:
    mock: responses.RequestsMock = graph.mock  # type: ignore[attr-defined]
    return mock


def test_transitive_members_are_read_with_the_advanced_query_headers_and_paged(
    graph: GraphDirectory,
) -> None:
    mock = _mock(graph)
    second = f"{MEMBERS}?$skiptoken=X%27abc%27"
    mock.get(second, json=page([user(3), user(2)]))  # 2 again: a member of two nested groups
    mock.get(MEMBERS, json=page([user(1), user(2)], next_link=second))
    members = graph.members(GROUP)
    assert [m.id for m in members] == [uuid.UUID(int=n) for n in (1, 2, 3)]
    first = mock.calls[0].request
    assert first.headers["ConsistencyLevel"] == "eventual"
    assert first.headers["Authorization"] == "Bearer graph-token"
    query = parse_qs(urlsplit(first.url).query)
    assert query["$count"] == ["true"]
    assert query["$top"] == ["999"]
    assert query["$select"][0].split(",") == [
        "id", "userPrincipalName", "displayName", "givenName", "surname", "mail",
        "accountEnabled", "userType", "assignedLicenses",
    ]  # fmt: skip
    assert mock.calls[1].request.url == second  # the next link, followed as given
    member = members[0]
    assert member.upn == "agent1@mairie.example"
    assert member.licences == frozenset({uuid.UUID(SKU)})
    assert "agent1" not in repr(member)


def test_disabled_and_withheld_members_are_told_apart(graph: GraphDirectory) -> None:
    withheld = {"@odata.type": "#microsoft.graph.user", "id": str(uuid.UUID(int=9))}
    withheld.update(dict.fromkeys(("userPrincipalName", "mail", "accountEnabled")))
    _mock(graph).get(MEMBERS, json=page([user(1, accountEnabled=False), withheld]))
    disabled, hidden = graph.members(GROUP)
    assert disabled.enabled is False
    assert hidden.upn is None
    assert hidden.enabled is True  # not known to be disabled


def test_owners_are_read_from_the_owners_relation(graph: GraphDirectory) -> None:
    owners = f"{ROOT}groups/{GROUP}/owners/microsoft.graph.user"
    _mock(graph).get(owners, json=page([user(5)]))
    assert [m.id for m in graph.members(GROUP, owners=True)] == [uuid.UUID(int=5)]


def test_throttling_waits_what_retry_after_says(
    graph: GraphDirectory, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    mock = _mock(graph)
    mock.get(MEMBERS, status=429, headers={"Retry-After": "7"},
             json=graph_error(429, "TooManyRequests", "Too many requests"))  # fmt: skip
    mock.get(MEMBERS, status=503, json=graph_error(503, "serviceNotAvailable", "Unavailable"))
    mock.get(MEMBERS, json=page([user(1)]))
    caplog.set_level(logging.WARNING)
    assert len(graph.members(GROUP)) == 1
    assert clock.slept == [7.0, 4.0]  # Retry-After, then our back-off (2 s x 2)
    assert graph.calls == 3
    assert "status 429" in caplog.text
    assert "mairie.example" not in caplog.text


def test_throttling_beyond_the_attempts_is_a_transient_error(graph: GraphDirectory) -> None:
    for _ in range(4):
        _mock(graph).get(MEMBERS, status=429, headers={"Retry-After": "1"})
    with pytest.raises(DirectoryError) as caught:
        graph.members(GROUP)
    assert caught.value.is_transient
    assert caught.value.status == 429


def test_a_retry_after_beyond_the_cap_is_not_slept(graph: GraphDirectory, clock: FakeClock) -> None:
    _mock(graph).get(MEMBERS, status=429, headers={"Retry-After": "3600"})
    with pytest.raises(DirectoryError):
        graph.members(GROUP)
    assert clock.slept == []


def test_a_deleted_group_is_an_unknown_group(graph: GraphDirectory) -> None:
    message = (
        f"Resource '{GROUP}' does not exist or one of its queried reference-property objects"
        " are not present."
    )
    _mock(graph).get(
        MEMBERS, status=404, json=graph_error(404, "Request_ResourceNotFound", message)
    )
    with pytest.raises(UnknownGroupError) as caught:
        graph.members(GROUP)
    assert caught.value.code == "Request_ResourceNotFound"
    assert caught.value.request_id == "req-42"
    assert not caught.value.is_transient


def test_a_deleted_user_is_none(graph: GraphDirectory) -> None:
    gone = uuid.UUID(int=4)
    _mock(graph).get(f"{ROOT}users/{gone}", status=404,
                     json=graph_error(404, "Request_ResourceNotFound", "gone"))  # fmt: skip
    assert graph.user(gone) is None


def test_a_next_link_to_another_host_is_refused(graph: GraphDirectory) -> None:
    _mock(graph).get(MEMBERS, json=page([user(1)], next_link="https://evil.example/v1.0/x"))
    with pytest.raises(DirectoryError, match="outside the Graph URL"):
        graph.members(GROUP)
    assert len(_mock(graph).calls) == 1


@pytest.mark.parametrize(
    "body",
    [b"<html>gateway</html>", b'{"value": {}}', b'{"value": [{"id": "not-a-guid"}]}',
     b'{"value": [{"id": "00000000-0000-0000-0000-000000000001", "assignedLicenses": [{}]}]}'],
)  # fmt: skip
def test_malformed_replies_are_directory_errors(graph: GraphDirectory, body: bytes) -> None:
    _mock(graph).get(MEMBERS, body=body, status=200)
    with pytest.raises(DirectoryError):
        graph.members(GROUP)


def test_a_revoked_token_is_refreshed_once(graph: GraphDirectory) -> None:
    tokens = StaticTokenProvider("graph-token")
    graph._tokens = tokens
    _mock(graph).get(MEMBERS, status=401)
    _mock(graph).get(MEMBERS, json=page([user(1)]))
    assert len(graph.members(GROUP)) == 1
    assert tokens.invalidations == 1


def test_assign_licence_posts_the_documented_body(graph: GraphDirectory) -> None:
    target = uuid.UUID(int=3)
    url = f"{ROOT}users/{target}/assignLicense"
    _mock(graph).post(url, json=user(3))
    graph.assign_licence(target, add=[uuid.UUID(SKU)])
    sent = _mock(graph).calls[0].request
    assert json.loads(sent.body) == {
        "addLicenses": [{"disabledPlans": [], "skuId": SKU}],
        "removeLicenses": [],
    }
    assert sent.headers["Content-Type"] == "application/json"


def test_a_refused_licence_says_graphs_code_not_its_message(graph: GraphDirectory) -> None:
    target = uuid.UUID(int=3)
    message = "License assignment cannot be done for user with invalid usage location."
    _mock(graph).post(f"{ROOT}users/{target}/assignLicense", status=400,
                      json=graph_error(400, "Request_BadRequest", message))  # fmt: skip
    with pytest.raises(DirectoryError) as caught:
        graph.assign_licence(target, remove=[uuid.UUID(SKU)])
    assert str(caught.value) == f"assignLicense for {target}: Graph answered 400 Request_BadRequest"
    assert not caught.value.is_transient


def test_the_graph_url_must_be_http() -> None:
    with pytest.raises(ValueError, match="http"):
        GraphConfig(base_url="ftp://graph")
