"""Malformed, oversized and hostile PATCH bodies: each is refused with a problem that names the
field and the rule (never the value), nothing is queued and the record is unchanged."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.citizens.conftest import Desk

HUGE = "x" * 2000


@pytest.mark.parametrize(
    ("document", "field", "code"),
    [
        ({"contact": {"nickname": "M"}}, "contact.nickname", "extra_forbidden"),
        ({"profile": {}}, "profile", "extra_forbidden"),
        ({"contact": ["city"]}, "contact", "model_type"),
        ({"contact": {"city": 75}}, "contact.city", "string_type"),
        ({"contact": {"city": ["Paris"]}}, "contact.city", "string_type"),
        ({"contact": {"city": True}}, "contact.city", "string_type"),
        ({"contact": {"city": HUGE}}, "contact.city", "string_too_long"),
        ({"contact": {"city": "a" * 81}}, "contact.city", "string_too_long"),
        ({"contact": {"city": "Par\u0000is"}}, "contact.city", "invalid_text"),
        ({"contact": {"city": "Paris\nBcc: x@y.fr"}}, "contact.city", "invalid_text"),
        ({"contact": {"city": "\u202eParis"}}, "contact.city", "invalid_text"),
        ({"contact": {"city": "\ud800"}}, "contact.city", "invalid_text"),
        ({"contact": {"email": "not-an-email"}}, "contact.email", "invalid_email"),
        ({"contact": {"email": "a@b"}}, "contact.email", "invalid_email"),
        ({"contact": {"email": '"x"@[127.0.0.1]'}}, "contact.email", "invalid_email"),
        ({"contact": {"phone": "12"}}, "contact.phone", "invalid_phone"),
        ({"contact": {"phone": "+33 6 12"}}, "contact.phone", "invalid_phone"),
        ({"contact": {"postal_code": "750 02 !"}}, "contact.postal_code", "invalid_postal_code"),
        ({"preferences": {"status_changed": "pigeon"}}, "preferences.status_changed", None),
        ({"preferences": {"language": "de"}}, "preferences.language", "literal_error"),
        ({"preferences": {"frequency": "daily"}}, "preferences.frequency", "extra_forbidden"),
        ({"preferences": "sms"}, "preferences", "model_type"),
        ([], "body", "model_type"),
        ("city", "body", "model_type"),
    ],
)
def test_an_invalid_field_is_a_422_naming_it(
    desk: Desk, document: Any, field: str, code: str | None
) -> None:
    etag = desk.get().headers["ETag"]
    response = desk.patch(document, etag)
    assert response.status == 422
    problem = response.json()
    assert problem["code"] == "validation_failed"
    assert [e["field"] for e in problem["errors"]] == [field]
    if code is not None:
        assert problem["errors"][0]["code"] == code
    assert problem["errors"][0]["message_fr"]
    assert "Bcc" not in response.body.decode()
    assert HUGE not in response.body.decode()
    assert desk.queued() == []
    assert desk.get().headers["ETag"] == etag


def test_many_bad_fields_are_listed_within_a_bound(desk: Desk) -> None:
    document = {"contact": {f"f{i}": "x" for i in range(500)}}
    response = desk.patch(document, desk.get().headers["ETag"])
    assert response.status == 422
    assert len(response.json()["errors"]) == 50


@pytest.mark.parametrize(
    ("raw", "content_type", "status", "code"),
    [
        (b"{not json", "application/merge-patch+json", 400, "invalid_json"),
        (b'{"contact": {}, "contact": {}}', "application/merge-patch+json", 400, "invalid_json"),
        (b'{"contact": {"city": NaN}}', "application/merge-patch+json", 400, "invalid_json"),
        (b"\xff\xfe{}", "application/merge-patch+json", 400, "invalid_json"),
        (b"[" * 100 + b"]" * 100, "application/merge-patch+json", 400, "invalid_json"),
        (b"{}", "application/json", 415, "unsupported_media_type"),
        (b"{}", "text/plain", 415, "unsupported_media_type"),
        (b"{}", "application/merge-patch+json; charset=latin-1", 415, "unsupported_media_type"),
        (b"{}", 'multipart/form-data; boundary="', 415, "unsupported_media_type"),
        (
            json.dumps({"contact": {"city": "x" * 20_000}}).encode(),
            "application/merge-patch+json",
            413,
            "payload_too_large",
        ),
    ],
)
def test_a_body_that_is_no_merge_patch_is_refused(
    desk: Desk, raw: bytes, content_type: str, status: int, code: str
) -> None:
    response = desk.patch(None, desk.get().headers["ETag"], raw=raw, content_type=content_type)
    assert (response.status, response.json()["code"]) == (status, code)
    assert desk.queued() == []


def test_an_empty_string_clears_a_field_and_values_are_normalised(desk: Desk) -> None:
    etag = desk.get().headers["ETag"]
    response = desk.patch(
        {
            "contact": {
                "address_line1": "  ",
                "email": "  Marianne.Dupont@Example.FR ",
                "city": "  Saint-E\u0301tienne ",
            }
        },
        etag,
    )
    assert response.status == 202
    contact = response.json()["contact"]
    assert contact["address_line1"] is None
    assert contact["email"] == "marianne.dupont@example.fr"  # unchanged once normalised
    assert contact["city"] == "Saint-\u00c9tienne"  # NFC
    assert response.json()["pending"] == ["address_line1", "city"]


def test_an_empty_patch_changes_nothing(desk: Desk) -> None:
    etag = desk.get().headers["ETag"]
    response = desk.patch({}, etag)
    assert (response.status, response.headers["ETag"]) == (200, etag)
    assert desk.queued() == []
