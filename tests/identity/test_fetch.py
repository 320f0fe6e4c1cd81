"""requests_fetcher: the exact GET on the wire, and every failure as KeysUnavailable."""

from __future__ import annotations

import json

import pytest
import requests
import responses

from cityzen_connector.identity import KeysUnavailable, requests_fetcher

URL = "https://idp.example.fr/citizens/keys"


@pytest.fixture
def fetch() -> object:
    return requests_fetcher(requests.Session(), timeout_seconds=2.5, max_bytes=1024)


@responses.activate
def test_gets_json_without_following_redirects(fetch: object) -> None:
    responses.get(URL, json={"keys": []})
    assert fetch(URL) == {"keys": []}  # type: ignore[operator]
    call = responses.calls[0]
    assert call.request.method == "GET"
    assert call.request.headers["Accept"] == "application/json"
    assert call.request.req_kwargs["timeout"] == 2.5


@responses.activate
def test_redirects_are_not_followed(fetch: object) -> None:
    responses.get(URL, status=302, headers={"Location": "https://evil.example/keys"})
    responses.get("https://evil.example/keys", json={"keys": []})
    with pytest.raises(KeysUnavailable, match="302"):
        fetch(URL)  # type: ignore[operator]
    assert [c.request.url for c in responses.calls] == [URL]


@responses.activate
@pytest.mark.parametrize("status", [301, 404, 500, 503])
def test_non_200_is_unavailable(fetch: object, status: int) -> None:
    responses.get(URL, status=status, headers={"Location": "https://evil.example/keys"})
    with pytest.raises(KeysUnavailable, match=str(status)):
        fetch(URL)  # type: ignore[operator]


@responses.activate
def test_oversized_document_is_unavailable(fetch: object) -> None:
    responses.get(URL, body=json.dumps({"keys": ["x" * 2000]}))
    with pytest.raises(KeysUnavailable, match="larger"):
        fetch(URL)  # type: ignore[operator]


@responses.activate
@pytest.mark.parametrize("body", [b"<html>", b"\xff\xfe", b""])
def test_non_json_is_unavailable(fetch: object, body: bytes) -> None:
    responses.get(URL, body=body)
    with pytest.raises(KeysUnavailable, match="not JSON"):
        fetch(URL)  # type: ignore[operator]


@responses.activate
def test_connection_errors_are_unavailable(fetch: object) -> None:
    responses.get(URL, body=requests.ConnectionError("refused"))
    with pytest.raises(KeysUnavailable, match="ConnectionError"):
        fetch(URL)  # type: ignore[operator]
