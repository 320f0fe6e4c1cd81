"""Our signer against the Standard Webhooks project's published vector and its Python package:
what a portal developer's verifier accepts, and what it refuses."""

from __future__ import annotations

import base64
import time

import pytest
from standardwebhooks import WebhookVerificationError

from cityzen_connector.cases import parse_secrets, sign, signed_headers
from tests.support.webhooks import OLD_SECRET, OTHER_SECRET, SECRET, verify

BODY = (
    b'{"type":"request.status_changed","timestamp":"2026-12-03T09:30:00Z",'
    b'"data":{"status":"resolved"}}'
)


def test_our_signature_is_the_published_test_vector() -> None:
    # libraries/python/tests/test_webhooks.py, test_sign_function, in standard-webhooks.
    (secret,) = parse_secrets("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
    signature = sign(secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, b'{"test": 2432232314}')
    assert signature == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="


def test_the_package_accepts_our_headers_with_either_secret_during_a_rotation() -> None:
    headers = signed_headers(
        parse_secrets(f"{SECRET}, {OLD_SECRET}"), "evt_1", int(time.time()), BODY
    )
    assert set(headers) == {"webhook-id", "webhook-timestamp", "webhook-signature"}
    assert headers["webhook-timestamp"].isdigit()  # integer seconds
    assert len(headers["webhook-signature"].split(" ")) == 2  # one v1 signature per secret
    # A receiver holding only the new secret, or still only the old one, accepts the same request.
    assert verify(SECRET, BODY, headers)["data"] == {"status": "resolved"}
    assert verify(OLD_SECRET, BODY, headers)["type"] == "request.status_changed"


def test_the_package_refuses_another_secret_a_changed_body_and_a_stale_timestamp() -> None:
    now = int(time.time())
    headers = signed_headers(parse_secrets(SECRET), "evt_1", now, BODY)
    with pytest.raises(WebhookVerificationError, match="signature"):
        verify(OTHER_SECRET, BODY, headers)
    with pytest.raises(WebhookVerificationError, match="signature"):
        verify(SECRET, BODY.replace(b"resolved", b"received"), headers)
    stale = signed_headers(parse_secrets(SECRET), "evt_1", now - 3600, BODY)
    with pytest.raises(WebhookVerificationError, match="too old"):
        verify(SECRET, BODY, stale)


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("c2VjcmV0LXdpdGhvdXQtdGhlLXByZWZpeC0zMmJ5dGVz", "must start with whsec_"),
        ("whsec_not*base64!", "followed by base64"),
        ("whsec_" + base64.b64encode(b"too-short").decode(), "24 to 64 random bytes"),
        ("whsec_" + base64.b64encode(b"x" * 65).decode(), "24 to 64 random bytes"),
        (f"{SECRET},{SECRET}", "listed twice"),
    ],
)
def test_a_bad_secret_is_refused_by_position_and_rule_never_by_value(text: str, rule: str) -> None:
    with pytest.raises(ValueError, match=rule) as caught:
        parse_secrets(text)
    message = str(caught.value)
    assert text.removeprefix("whsec_")[:12] not in message


@pytest.mark.parametrize("webhook_id", ["evt.1", "", "evt 1", "é", "x" * 129])
def test_an_id_a_receiver_could_misread_is_never_signed(webhook_id: str) -> None:
    with pytest.raises(ValueError, match="webhook id"):
        signed_headers(parse_secrets(SECRET), webhook_id, 1, BODY)
