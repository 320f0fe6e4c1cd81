"""What one webhook attempt came to, from the receiver's status (pure).

Spec, "Delivery success and failure"; RFC 9110 for the statuses:

- 2xx → delivered;
- 408 Request Timeout, 409 Conflict, 425 Too Early, 429 Too Many Requests, 5xx, any other
  status outside 2xx-4xx, and no answer at all (timeout, refused or reset connection, TLS) →
  retry later, ``Retry-After`` honoured ("should be taken into consideration when scheduling
  the next attempt");
- 3xx → give up: redirects are not followed ("update the webhook URL instead");
- 410 Gone → give up: "no longer interested in receiving webhooks from this source";
- any other 4xx (400, 401 wrong signature or stale timestamp, 403, 404, 413…) → give up: the
  same request would be refused again.

A reason names the status, never the reply's body (never read).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Literal

from ._sender import WebhookReply

__all__ = ["Delivered", "GiveUp", "Retry", "Verdict", "judge", "parse_retry_after"]

_TRANSIENT_4XX = frozenset({408, 409, 425, 429})
# A Retry-After further away than this is read as this: the give-up age decides before.
_RETRY_AFTER_CAP = timedelta(days=30)

Delivered = Literal["delivered"]


@dataclass(frozen=True)
class Retry:
    error: str  # short and log-safe: "HTTP 503", "timeout", "connection"
    status: int | None = None
    retry_after: timedelta | None = None


@dataclass(frozen=True)
class GiveUp:
    reason: str
    status: int | None = None


Verdict = Delivered | Retry | GiveUp


def judge(reply: WebhookReply, *, now: datetime) -> Verdict:
    """The verdict on one reply (see the module docstring)."""
    status = reply.status
    if 200 <= status <= 299:
        return "delivered"
    if 300 <= status <= 399:
        return GiveUp(f"HTTP {status}: redirects are not followed, update the URL", status)
    if status == 410:
        return GiveUp("HTTP 410: the receiver asks to stop; remove the endpoint", status)
    if 400 <= status <= 499 and status not in _TRANSIENT_4XX:
        return GiveUp(f"HTTP {status}: refused by the receiver", status)
    return Retry(f"HTTP {status}", status, parse_retry_after(reply.retry_after, now=now))


def parse_retry_after(value: str | None, *, now: datetime) -> timedelta | None:
    """``Retry-After`` as delay-seconds or an HTTP-date (RFC 9110 §10.2.3); ``None`` when
    absent or unreadable; capped (see ``_RETRY_AFTER_CAP``)."""
    text = (value or "").strip()
    if not text:
        return None
    if text.isascii() and text.isdigit():
        if len(text) > 8:  # more than three years in seconds
            return _RETRY_AFTER_CAP
        return min(timedelta(seconds=int(text)), _RETRY_AFTER_CAP)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:  # "-0000" or no zone: not an HTTP-date (always GMT)
        return None
    return min(max(when - now, timedelta(0)), _RETRY_AFTER_CAP)
