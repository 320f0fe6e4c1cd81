"""Where webhooks go, how they are signed, and how long a failing endpoint is retried.

One frozen value built once from the settings (``app.webhook_config``); the delivery code sees
nothing else. The back-off is the submissions' one (same settings: first delay doubling up to a
cap) with jitter, as the spec recommends ("add some level of random jitter to retries",
"Deliverability and reliability"), and its own give-up age: a portal outage may last longer
than a Dataverse one, and the spec's example schedule spans three days.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta

from ._signing import WebhookSecret, parse_secrets

__all__ = ["WebhookConfig", "WebhookEndpoint", "WebhookRetryPolicy", "endpoint_key"]


def endpoint_key(url: str) -> str:
    """A short stable name of an endpoint for message properties and logs: a URL may carry a
    token in its query, so it is never written there itself."""
    return hashlib.sha256(url.encode()).hexdigest()[:12]


@dataclass(frozen=True)
class WebhookEndpoint:
    url: str = field(repr=False)
    key: str = ""

    def __post_init__(self) -> None:
        if not self.key:
            object.__setattr__(self, "key", endpoint_key(self.url))


@dataclass(frozen=True)
class WebhookRetryPolicy:
    """Exponential back-off with jitter, capped; give up past an age or a number of attempts."""

    initial_delay: timedelta = timedelta(seconds=30)
    max_delay: timedelta = timedelta(minutes=15)
    give_up_after: timedelta = timedelta(hours=72)
    max_attempts: int = 300
    # Each delay is shortened by up to this fraction, at random: endpoints that failed together
    # (a portal restart) are not all retried in the same second.
    jitter: float = 0.2

    def __post_init__(self) -> None:
        if not timedelta(0) < self.initial_delay <= self.max_delay:
            raise ValueError("0 < initial delay <= max delay is required")
        if self.give_up_after <= timedelta(0) or self.max_attempts < 1:
            raise ValueError("the give-up age and the attempts must be positive")
        if not 0 <= self.jitter < 1:
            raise ValueError("jitter must be in [0, 1)")

    def delay(self, failures: int, spread: float) -> timedelta:
        """Wait after the ``failures``-th failure (1 → about ``initial_delay``); ``spread`` is
        a random number in [0, 1)."""
        exponent = min(max(failures, 1) - 1, 32)  # 2**32 x 30 s is far past any cap
        base: timedelta = min(self.initial_delay * (2**exponent), self.max_delay)
        return base * (1 - self.jitter * min(max(spread, 0.0), 1.0))


@dataclass(frozen=True)
class WebhookConfig:
    """Endpoints (none: webhooks are off), signing secrets, per-request timeout, back-off."""

    endpoints: tuple[WebhookEndpoint, ...] = ()
    secrets: tuple[WebhookSecret, ...] = ()
    timeout_seconds: float = 15.0
    retry: WebhookRetryPolicy = field(default_factory=WebhookRetryPolicy)

    def __post_init__(self) -> None:
        if self.endpoints and not self.secrets:
            raise ValueError("a webhook endpoint needs at least one signing secret")
        if len({e.key for e in self.endpoints}) != len(self.endpoints):
            raise ValueError("the same endpoint URL is listed twice")
        if self.timeout_seconds <= 0:
            raise ValueError("the timeout must be positive")

    @classmethod
    def of(
        cls,
        urls: Sequence[str],
        secrets: str,
        *,
        timeout_seconds: float = 15.0,
        retry: WebhookRetryPolicy | None = None,
    ) -> WebhookConfig:
        """From the settings' text forms (``ValueError`` names rules, never values)."""
        return cls(
            endpoints=tuple(WebhookEndpoint(url) for url in urls),
            secrets=parse_secrets(secrets),
            timeout_seconds=timeout_seconds,
            retry=retry or WebhookRetryPolicy(),
        )

    def endpoint(self, key: str) -> WebhookEndpoint | None:
        return next((e for e in self.endpoints if e.key == key), None)
