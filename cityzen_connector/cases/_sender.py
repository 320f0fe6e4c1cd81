"""The webhook sender seam: one POST to one endpoint, and what came back.

``WebhookSender`` is the port (tests inject a ``requests`` session scripted by ``responses``, or
a real local receiver); ``RequestsWebhookSender`` is the real one. Its duty: send exactly the
given bytes and headers, never follow a redirect ("3xx: failure … update the webhook URL",
spec "Delivery success and failure"), never keep or log the reply's body and read at most a
short one (a hostile receiver could send gigabytes), and translate ``requests`` errors once.

What came back is a value, not an exception: a ``WebhookReply`` (a status), or ``NoReply``
(timeout, refused or reset connection, TLS failure: always worth retrying later).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:  # requests loads with the first sender: the API's cold start does not pay
    import requests

__all__ = ["NoReply", "RequestsWebhookSender", "WebhookReply", "WebhookSender"]

USER_AGENT = "CityZen-Webhooks/1"
# Replies this short are read to keep the connection alive; nothing of them is kept.
_DRAIN_LIMIT = 64 * 1024


@dataclass(frozen=True)
class WebhookReply:
    """The receiver's answer: its status and its raw ``Retry-After``, nothing else."""

    status: int
    retry_after: str | None = None


@dataclass(frozen=True)
class NoReply:
    """No HTTP answer. ``kind`` is a short log-safe code (``timeout``, ``connection``, ``tls``…),
    never the library's message (it may quote the URL, which may carry a token)."""

    kind: str


class WebhookSender(Protocol):
    def post(
        self, url: str, body: bytes, headers: Mapping[str, str], *, timeout: float
    ) -> WebhookReply | NoReply: ...


class RequestsWebhookSender:
    """``WebhookSender`` over a ``requests.Session`` (its connection pool is reused)."""

    def __init__(self, session: requests.Session | None = None) -> None:
        import requests  # noqa: PLC0415 - loaded with the first sender, not by the API

        self._session = session or requests.Session()

    def post(
        self, url: str, body: bytes, headers: Mapping[str, str], *, timeout: float
    ) -> WebhookReply | NoReply:
        import requests  # noqa: PLC0415 - loaded with the first sender, not by the API

        sent = {"User-Agent": USER_AGENT, **headers}
        try:
            response = self._session.post(
                url, data=body, headers=sent, timeout=timeout, allow_redirects=False, stream=True
            )
        except requests.exceptions.SSLError:  # before ConnectionError: it is one
            return NoReply("tls")
        except requests.exceptions.Timeout:
            return NoReply("timeout")
        except requests.exceptions.ConnectionError:
            return NoReply("connection")
        except requests.exceptions.RequestException as exc:
            return NoReply(type(exc).__name__)
        try:
            _drain_small(response)
            return WebhookReply(response.status_code, response.headers.get("Retry-After"))
        finally:
            response.close()

    def close(self) -> None:
        self._session.close()


def _drain_small(response: requests.Response) -> None:
    """Read (and drop) a short declared body, so the connection goes back to the pool for the
    next delivery; a long, undeclared or broken one is not read: the connection is closed."""
    import requests  # noqa: PLC0415 - loaded with the first sender, not by the API

    length = response.headers.get("Content-Length", "")
    if length.isdigit() and int(length) <= _DRAIN_LIMIT:
        try:
            # Read through requests (it then knows the body is consumed and releases the
            # connection); urllib3 stops at the declared length.
            response.content  # noqa: B018
        except (requests.exceptions.RequestException, OSError, ValueError):
            return  # the status is known; a broken body changes nothing
