"""Error classification: status, code and message together; facts carried; no secrets."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from cityzen_connector.dataverse import (
    AlreadyExistsError,
    AuthenticationError,
    DataverseError,
    NotFoundError,
    PermissionDeniedError,
    PreconditionFailedError,
    ServerError,
    ThrottledError,
    TransientServerError,
    UnexpectedResponseError,
    ValidationError,
)
from cityzen_connector.dataverse._errors import error_from_response, parse_retry_after


def _body(code: str, message: str = "m") -> bytes:
    return json.dumps({"error": {"code": code, "message": message}}).encode()


@pytest.mark.parametrize(
    ("status", "code", "message", "expected"),
    [
        (
            429,
            "0x80072322",
            "Number of requests exceeded the limit of 6000 over time window of 300 seconds.",
            ThrottledError,
        ),
        (
            429,
            "0x80072321",
            "Combined execution time of incoming requests exceeded",
            ThrottledError,
        ),
        (
            429,
            "0x80072326",
            "Number of concurrent requests exceeded the limit of 52.",
            ThrottledError,
        ),
        (503, "", "Service Unavailable", TransientServerError),
        (502, "", "Bad Gateway", TransientServerError),
        (504, "", "Gateway Timeout", TransientServerError),
        (500, "0x80044150", "Generic SQL error (deadlock)", TransientServerError),
        (500, "0x80044151", "SQL timeout", TransientServerError),
        (500, "0x80040216", "An unexpected error occurred.", ServerError),
        (401, "", "Unauthorized", AuthenticationError),
        (403, "0x80040220", "Principal user is missing prvCreateIncident", PermissionDeniedError),
        (400, "0x80048306", "Business unit is disabled", PermissionDeniedError),
        (412, "", "A record with matching key values already exists.", AlreadyExistsError),
        (400, "0x80040237", "Cannot insert duplicate key.", AlreadyExistsError),
        (
            400,
            "0x80060892",
            "A record that has the attribute values ... already exists.",
            AlreadyExistsError,
        ),
        (
            412,
            "0x80060882",
            "The version of the existing record doesn't match",
            PreconditionFailedError,
        ),
        (404, "", "Entity 'contact' With Id = x Does Not Exist", NotFoundError),
        (400, "0x80044331", "A validation error occurred.", ValidationError),
        (400, "0x8004431A", "The value of 'x' is not valid", ValidationError),
        (400, "0x80040265", "Plug-in said no", ValidationError),
    ],
)
def test_classification(status: int, code: str, message: str, expected: type) -> None:
    error = error_from_response(status, {"x-ms-service-request-id": "rid-1"}, _body(code, message))
    assert type(error) is expected
    assert (error.status, error.code, error.message, error.request_id) == (
        status,
        code,
        message,
        "rid-1",
    )


def test_transient_flags_split_the_tree() -> None:
    assert ThrottledError("x").is_transient
    assert TransientServerError("x").is_transient
    assert not ValidationError("x").is_transient
    assert not AlreadyExistsError("x").is_transient


def test_throttling_carries_retry_after() -> None:
    error = error_from_response(429, {"Retry-After": "7"}, _body("0x80072322"))
    assert error.retry_after == 7.0


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (502, TransientServerError),
        (404, NotFoundError),
        (200, UnexpectedResponseError),
        (418, UnexpectedResponseError),
    ],
)
def test_html_page_from_a_proxy_is_typed_without_echoing_it(status: int, expected: type) -> None:
    page = b"<html><body>Gateway error for user jean.dupont@example.fr</body></html>"
    error = error_from_response(status, {"Content-Type": "text/html"}, page)
    assert type(error) is expected
    assert "jean.dupont" not in str(error)
    assert "text/html" in str(error)


def test_empty_and_garbage_bodies() -> None:
    for body in (b"", b"{", b"[]", b'{"error": "text"}', b"\xff\xfe"):
        assert isinstance(error_from_response(500, {}, body), DataverseError)


def test_str_names_the_facts() -> None:
    error = error_from_response(404, {"REQ_ID": "r-9"}, _body("", "gone"))
    assert str(error) == "gone (HTTP 404, request id r-9)"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, None),
        ("", None),
        ("7", 7.0),
        ("0", 0.0),
        ("-3", None),
        ("soon", None),
        ("Wed, 21 Oct 2015 07:28:30 GMT", 30.0),
    ],
)
def test_retry_after_forms(value: str | None, expected: float | None) -> None:
    now = datetime(2015, 10, 21, 7, 28, tzinfo=UTC)
    assert parse_retry_after(value, now=now) == expected


def test_summary_is_log_safe() -> None:
    body = _body("0x80060892", "A record with cz_email jeanne@example.fr already exists")
    error = error_from_response(
        412, {"x-ms-service-request-id": "r-1"}, body, client_request_id="c-1"
    )
    assert error.summary == (
        "AlreadyExistsError, HTTP 412, code 0x80060892, request id r-1, client request id c-1"
    )
    assert "jeanne" not in error.summary
