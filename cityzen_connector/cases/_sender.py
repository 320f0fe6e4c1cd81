"""The webhook sender seam: one POST to one endpoint, and what came back.

``WebhookSender`` is the port (tests inject a ``requests`` session scripted by ``responses``, or
a real local receiver); ``RequestsWebhookSender`` is the real one. Its duty: send exactly the
given bytes and headers, never follow a redirect ("3xx: failure … update the webhook URL",
spec "Delivery success and failure"), never read the reply's body (a hostile receiver could
send gigabytes; nothing in it is ours to log), and translate ``requests`` errors once, here.

::

    WebhookSendError (Exception)     no HTTP answer: timeout, refused or reset connection,
                                     TLS failure; always worth retrying later (transient)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

import requests

__all__ = ["RequestsWebhookSender", "WebhookReply", "WebhookSendError", "WebhookSender"]

USER_AGENT = "CityZen-Webhooks/1"


@dataclass(frozen=True)
class WebhookReply:
    """The receiver's answer: its status and its raw ``Retry-After``, nothing else."""

    status: int
    retry_after: str | None = None


class WebhookSendError(Exception):
    """No HTTP answer. ``kind`` is a short log-safe code (``timeout``, ``connection``, ``tls``…);
    the message never holds the URL (it may carry a token in its query)."""

    def __init__(self, kind: str) -> None:
        super().__init__(kind)
        self.kind = kind


class WebhookSender(Protocol):
    def post(
        self, url: str, body: bytes, headers: Mapping[str, str], *, timeout: float
    ) -> WebhookReply: ...


class RequestsWebhookSender:
    """``WebhookSender`` over a ``requests.Session`` (its connection pool is reused)."""

    def __init__(self, session: requests.Session | None = None) -> None:
        self._session = session or requests.Session()

    def post(
        self, url: str, body: bytes, headers: Mapping[str, str], *, timeout: float
    ) -> WebhookReply:
        sent = {"User-Agent": USER_AGENT, **headers}
        try:
            response = self._session.post(
                url, data=body, headers=sent, timeout=timeout, allow_redirects=False, stream=True
            )
        except requests.exceptions.SSLError as exc:
            raise WebhookSendError("tls") from exc
        except requests.exceptions.Timeout as exc:
            raise WebhookSendError("timeout") from exc
        except requests.exceptions.ConnectionError as exc:
            raise WebhookSendError("connection") from exc
        except requests.exceptions.RequestException as exc:
            raise WebhookSendError(type(exc).__name__) from exc
        try:
            return WebhookReply(response.status_code, response.headers.get("Retry-After"))
        finally:
            response.close()  # stream=True: the body is never downloaded

    def close(self) -> None:
        self._session.close()
