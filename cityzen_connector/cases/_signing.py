"""Standard Webhooks signatures: the ``whsec_`` secrets and the ``webhook-*`` headers.

Written from the specification
(https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md,
"Signature scheme" and "Webhook headers"), a few lines of ``hmac`` rather than the
``standardwebhooks`` package: the package stays an *independent* verifier (the tests, the local
receiver and the portal developers' example use it), and the attempt's timestamp comes from our
injected clock. What is signed is ``{webhook-id}.{webhook-timestamp}.{body}``, HMAC-SHA256,
base64, prefixed ``v1,``; with several secrets (rotation) every one signs and the signatures
are sent space-separated, so a receiver holding either the old or the new secret accepts.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

__all__ = [
    "SECRET_PREFIX",
    "WebhookSecret",
    "check_webhook_id",
    "parse_secrets",
    "sign",
    "signed_headers",
]

SECRET_PREFIX = "whsec_"  # noqa: S105 - the spec's prefix, not a secret
# "Signing secret: random, between 24 bytes (192 bits) and 64 bytes (512 bits)" (the spec's
# comparison table).
_MIN_SECRET_BYTES, _MAX_SECRET_BYTES = 24, 64
# "It's important that both the message id and the timestamp not be user controlled, or at the
# very least not be allowed to include any ``.``" (spec, "Signature scheme"): ours are visible
# ASCII without a dot (a header value), at most 128 characters (a Service Bus message id).
_WEBHOOK_ID = re.compile(r"[\x21-\x2d\x2f-\x7e]{1,128}")


@dataclass(frozen=True)
class WebhookSecret:
    """One signing key (the bytes behind ``whsec_<base64>``); never printed."""

    key: bytes = field(repr=False)


def parse_secrets(text: str) -> tuple[WebhookSecret, ...]:
    """``whsec_…`` secrets separated by commas or spaces (base64 holds neither), in order.

    Raises ``ValueError`` naming the position and the rule, never the value.
    """
    items = [item for item in re.split(r"[,\s]+", text.strip()) if item]
    secrets: list[WebhookSecret] = []
    for position, item in enumerate(items, start=1):
        where = f"secret {position} of {len(items)}"
        if not item.startswith(SECRET_PREFIX):
            raise ValueError(f"{where} must start with {SECRET_PREFIX}")
        encoded = item[len(SECRET_PREFIX) :]
        try:
            key = base64.b64decode(encoded + "=" * (-len(encoded) % 4), validate=True)
        except (binascii.Error, ValueError):
            raise ValueError(f"{where} is not {SECRET_PREFIX} followed by base64") from None
        if not _MIN_SECRET_BYTES <= len(key) <= _MAX_SECRET_BYTES:
            raise ValueError(
                f"{where} must hold {_MIN_SECRET_BYTES} to {_MAX_SECRET_BYTES} random bytes"
            )
        secrets.append(WebhookSecret(key))
    if len({s.key for s in secrets}) != len(secrets):
        raise ValueError("the same secret is listed twice")
    return tuple(secrets)


def check_webhook_id(webhook_id: str) -> str:
    """The id, if it may be signed and sent as a header; ``ValueError`` otherwise."""
    if not _WEBHOOK_ID.fullmatch(webhook_id):
        raise ValueError("a webhook id is 1-128 visible ASCII characters, no dot")
    return webhook_id


def sign(secret: WebhookSecret, webhook_id: str, timestamp: int, body: bytes) -> str:
    """One ``v1,<base64>`` signature of ``{id}.{timestamp}.{body}`` (the exact bytes sent)."""
    content = f"{webhook_id}.{timestamp}.".encode() + body
    digest = hmac.new(secret.key, content, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode("ascii")


def signed_headers(
    secrets: Sequence[WebhookSecret], webhook_id: str, timestamp: int, body: bytes
) -> dict[str, str]:
    """The three ``webhook-*`` headers ("Webhook headers": ``webhook-timestamp`` is integer
    seconds since the epoch; ``webhook-signature`` a space-delimited list, one per secret)."""
    if not secrets:
        raise ValueError("at least one secret is needed to sign")
    check_webhook_id(webhook_id)
    return {
        "webhook-id": webhook_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": " ".join(sign(s, webhook_id, timestamp, body) for s in secrets),
    }
