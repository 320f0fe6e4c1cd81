"""$batch over HTTP: change sets are atomic, Content-ID references work, errors stop the batch
unless odata.continue-on-error is preferred (Microsoft Learn, "Execute batch operations")."""

from __future__ import annotations

import json
import re
from typing import Any

import requests

from .conftest import Api

ROOT = "/api/data/v9.2/"


def _op(method: str, url: str, body: dict[str, Any] | None = None, cid: str | None = None) -> str:
    head = "Content-Type: application/http\r\nContent-Transfer-Encoding: binary\r\n"
    if cid:
        head += f"Content-ID: {cid}\r\n"
    text = f"{head}\r\n{method} {url} HTTP/1.1\r\n"
    if body is not None:
        text += "Content-Type: application/json; type=entry\r\n\r\n" + json.dumps(body)
    return text + "\r\n"


def _changeset(ops: list[str], boundary: str = "changeset_1") -> str:
    inner = "".join(f"--{boundary}\r\n{op}" for op in ops) + f"--{boundary}--\r\n"
    return f"Content-Type: multipart/mixed; boundary={boundary}\r\n\r\n{inner}"


def _batch(api: Api, parts: list[str], prefer: str | None = None) -> requests.Response:
    body = "".join(f"--batch_x\r\n{p}" for p in parts) + "--batch_x--\r\n"
    headers = {"Content-Type": 'multipart/mixed; boundary="batch_x"'}
    if prefer:
        headers["Prefer"] = prefer
    return api.session.post(api.url("$batch"), data=body.encode(), headers=headers, timeout=10)


def _statuses(response: requests.Response) -> list[int]:
    return [int(s) for s in re.findall(r"HTTP/1\.1 (\d{3})", response.text)]


def test_changeset_with_content_id_references(api: Api) -> None:
    parts = [
        _changeset(
            [
                _op("POST", ROOT + "contacts", {"firstname": "Léa", "lastname": "Martin"}, "1"),
                _op(
                    "POST",
                    ROOT + "incidents",
                    {"title": "Encombrants", "customerid_contact@odata.bind": "$1"},
                    "2",
                ),
                _op("PATCH", "$1", {"telephone1": "0102030405"}, "3"),
            ]
        ),
        _op("GET", ROOT + "incidents?$select=title,_customerid_value"),
    ]
    response = _batch(api, parts)
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"].startswith("multipart/mixed; boundary=batchresponse_")
    assert "changesetresponse_" in response.text
    assert _statuses(response) == [204, 204, 204, 200]
    contact = api.get("contacts?$select=telephone1").json()["value"][0]
    incident = api.get("incidents?$select=_customerid_value").json()["value"][0]
    assert incident["_customerid_value"] == contact["contactid"]
    assert contact["telephone1"] == "0102030405"


def test_failed_changeset_rolls_back_everything(api: Api) -> None:
    parts = [
        _changeset(
            [
                _op("POST", ROOT + "contacts", {"lastname": "Ok"}, "1"),
                _op("POST", ROOT + "contacts", {"lastname": "x" * 80}, "2"),
            ]
        )
    ]
    response = _batch(api, parts)
    assert response.status_code == 400
    assert _statuses(response) == [400]
    assert "0x80044331" in response.text
    assert api.get("contacts").json()["value"] == []


def test_get_inside_a_changeset_is_refused(api: Api) -> None:
    parts = [
        _changeset(
            [
                _op("POST", ROOT + "contacts", {"lastname": "A"}, "1"),
                _op("GET", ROOT + "contacts"),
            ]
        )
    ]
    response = _batch(api, parts)
    assert response.status_code == 400
    assert api.get("contacts").json()["value"] == []


def test_reference_to_an_undeclared_content_id(api: Api) -> None:
    parts = [
        _changeset(
            [_op("POST", ROOT + "incidents", {"title": "T", "customerid_contact@odata.bind": "$9"})]
        )
    ]
    response = _batch(api, parts)
    assert response.status_code == 400
    assert "Content-ID Reference: '$9' does not exist in the batch context." in response.text


def test_first_error_stops_the_batch_without_continue_on_error(api: Api) -> None:
    parts = [
        _op("POST", ROOT + "contacts", {"lastname": "x" * 80}),
        _op("POST", ROOT + "contacts", {"lastname": "B"}),
    ]
    response = _batch(api, parts)
    assert response.status_code == 400
    assert _statuses(response) == [400]
    assert api.get("contacts").json()["value"] == []


def test_continue_on_error_processes_the_rest(api: Api) -> None:
    parts = [
        _op("POST", ROOT + "contacts", {"lastname": "x" * 80}),
        _op("POST", ROOT + "contacts", {"lastname": "B"}),
        _op("POST", ROOT + "contacts", {"lastname": "C"}),
    ]
    response = _batch(api, parts, prefer="odata.continue-on-error")
    assert response.status_code == 200
    assert response.headers["Preference-Applied"] == "odata.continue-on-error"
    assert _statuses(response) == [400, 204, 204]
    assert len(api.get("contacts").json()["value"]) == 2


def test_more_than_1000_operations_is_refused(api: Api) -> None:
    parts = [_op("POST", ROOT + "contacts", {"lastname": "N"}) for _ in range(1001)]
    response = _batch(api, parts)
    assert response.status_code == 400
    assert api.get("contacts?$count=true&$top=0").json()["@odata.count"] == 0


def test_batch_requires_multipart_content(api: Api) -> None:
    response = api.session.post(
        api.url("$batch"), data=b"{}", headers={"Content-Type": "application/json"}, timeout=10
    )
    assert response.status_code == 400
    truncated = api.session.post(
        api.url("$batch"),
        data=b"--batch_x\r\nContent-Type: application/http\r\n\r\nGET x HTTP/1.1\r\n",
        headers={"Content-Type": "multipart/mixed; boundary=batch_x"},
        timeout=10,
    )
    assert truncated.status_code == 400


def test_content_id_among_the_inner_request_headers(api: Api) -> None:
    create = (
        "Content-Type: application/http\r\nContent-Transfer-Encoding: binary\r\n\r\n"
        f"POST {ROOT}accounts HTTP/1.1\r\nContent-ID: 7\r\nContent-Type: application/json\r\n\r\n"
        '{"name": "Mairie annexe"}\r\n'
    )
    link = _op(
        "POST", ROOT + "contacts", {"lastname": "R", "parentcustomerid_account@odata.bind": "$7"}
    )
    response = _batch(api, [_changeset([create, link])])
    assert response.status_code == 200, response.text
    contact = api.get("contacts?$select=_parentcustomerid_value").json()["value"][0]
    account = api.get("accounts?$select=name").json()["value"][0]
    assert contact["_parentcustomerid_value"] == account["accountid"]


def _bodies(response: requests.Response) -> list[dict[str, Any]]:
    return [json.loads(m) for m in re.findall(r"^(\{.*\})\r?$", response.text, re.MULTILINE)]


def test_the_url_is_what_lies_between_the_first_and_the_last_space(api: Api) -> None:
    # "Execute batch operations using the Web API" (Microsoft Learn, https://learn.microsoft.com/
    # power-apps/developer/data-platform/webapi/execute-batch-operations-using-web-api) writes
    # each request line as "GET /api/data/v9.2/accounts(…)/Account_Tasks?$select=subject
    # HTTP/1.1": a space left unencoded in a $filter literal is part of the URL, not its end.
    raw = ROOT + "subjects?$select=title&$filter=title eq 'Acte de naissance'"
    encoded = ROOT + "subjects?$select=title&$filter=title%20eq%20%27Acte%20de%20naissance%27"
    response = _batch(api, [_op("GET", raw), _op("GET", encoded)])
    assert response.status_code == 200, response.text
    assert _statuses(response) == [200, 200]
    assert [[row["title"] for row in body["value"]] for body in _bodies(response)] == [
        ["Acte de naissance"],
        ["Acte de naissance"],
    ]


def test_a_percent_encoded_path_is_decoded_as_a_standalone_request_is(api: Api) -> None:
    response = _batch(api, [_op("GET", ROOT + "EntityDefinitions(LogicalName=%27contact%27)")])
    assert _statuses(response) == [200], response.text
    assert _bodies(response)[0]["LogicalName"] == "contact"


def test_a_part_without_an_http_version_is_refused(api: Api) -> None:
    part = "Content-Type: application/http\r\n\r\nGET " + ROOT + "subjects\r\n\r\n"
    response = _batch(api, [part])
    assert _statuses(response) == [400]
    assert "HTTP request line" in response.text
