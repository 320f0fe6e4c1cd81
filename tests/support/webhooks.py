"""An independent check of our webhook signatures: the ``standardwebhooks`` package (the
Standard Webhooks project's own Python library), never our signing code.

``verify`` is the package's whole verification (signature and a 5-minute tolerance against
the real wall clock), for headers signed at the real time; ``package_signature_matches`` uses
the package's HMAC at the header's own timestamp, for headers signed with a test's fake clock.
"""

from __future__ import annotations

import base64
import hmac
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from standardwebhooks import Webhook

# whsec_ + base64 of 32 bytes each; made up for tests.
SECRET = "whsec_" + base64.b64encode(b"tests-webhook-secret-number-one!").decode()
OLD_SECRET = "whsec_" + base64.b64encode(b"tests-webhook-secret-number-two!").decode()
OTHER_SECRET = "whsec_" + base64.b64encode(b"an-attacker-guess-at-the-secret!").decode()


def verify(secret: str, body: bytes, headers: Mapping[str, str]) -> Any:
    """The package's ``Webhook.verify``: raises ``WebhookVerificationError`` on any refusal."""
    return Webhook(secret).verify(body, dict(headers))


def package_signature_matches(secret: str, body: bytes, headers: Mapping[str, str]) -> bool:
    """Whether one of the header's ``v1`` signatures is the package's own for these bytes."""
    lowered = {k.lower(): v for k, v in headers.items()}
    stamp = datetime.fromtimestamp(int(lowered["webhook-timestamp"]), tz=UTC)
    expected = Webhook(secret).sign(lowered["webhook-id"], stamp, body.decode())
    return any(
        hmac.compare_digest(expected, candidate)
        for candidate in lowered["webhook-signature"].split(" ")
    )
