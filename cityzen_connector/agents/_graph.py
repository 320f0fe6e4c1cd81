"""``GraphDirectory``: the ``Directory`` port over Microsoft Graph v1.0, app-only.

Wire format (Microsoft Graph v1.0 reference):

- "List group transitive members": ``GET /groups/{id}/transitiveMembers/microsoft.graph.user``;
  an OData cast "must use the advanced query parameters", i.e. ``ConsistencyLevel: eventual``
  and ``$count=true``. ``$select`` keeps the reply to what we read; ``$top=999`` is the largest
  page ("List group members": default 100, maximum 999). Application permission
  GroupMember.Read.All; users' properties need User.Read.All, else Graph returns members "with
  limited information" (id only), which ``DirectoryUser.upn`` None stands for.
- "List group owners": ``GET /groups/{id}/owners/microsoft.graph.user`` (not transitive).
- "Paging Microsoft Graph data in your app": follow ``@odata.nextLink`` as given, until absent.
- "Microsoft Graph throttling guidance": a 429 carries ``Retry-After`` (seconds); wait that
  long, then retry. 503 and 504 ("Microsoft Graph error responses") may carry it too.
- "user: assignLicense": ``POST /users/{id}/assignLicense`` with ``addLicenses`` (objects with
  ``skuId`` and ``disabledPlans``) and ``removeLicenses`` (SKU ids); 200 and the user.
  Application permission User.ReadWrite.All (or Directory.ReadWrite.All).
- A group or user that does not exist: 404 ``Request_ResourceNotFound``.

The HTTP transport and the token provider are the Dataverse client's seams (``Transport``,
``TokenProvider``), reused: tests script the remote with ``responses`` or any transport.
Nothing here logs a name, user principal name or e-mail address.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlsplit

from cityzen_connector._clock import SYSTEM_MONOTONIC, MonotonicClock
from cityzen_connector._types import Headers
from cityzen_connector.dataverse import (
    DataverseConnectionError,
    HttpRequest,
    HttpResponse,
    InvalidRequestError,
    TokenProvider,
    Transport,
)

from ._directory import DirectoryUser, user_from_graph
from ._errors import DirectoryError, UnknownGroupError

__all__ = ["USER_PROPERTIES", "GraphConfig", "GraphDirectory"]

_LOG = logging.getLogger("cityzen_connector.agents.graph")
USER_PROPERTIES = (
    "id",
    "userPrincipalName",
    "displayName",
    "givenName",
    "surname",
    "mail",
    "accountEnabled",
    "userType",
    "assignedLicenses",
)
_RETRY_STATUSES = frozenset({429, 503, 504})


@dataclass(frozen=True)
class GraphConfig:
    """Where Graph is and how long to wait on it. ``base_url`` without the version segment
    (``https://graph.microsoft.com``); ``max_retry_after`` bounds one wait the server asks
    for, ``max_attempts`` the tries of one request (a daily job may wait, within reason)."""

    base_url: str = "https://graph.microsoft.com"
    timeout: float = 30.0
    max_attempts: int = 6
    max_retry_after: float = 120.0
    backoff: float = 2.0

    def __post_init__(self) -> None:
        parts = urlsplit(self.base_url)
        if parts.scheme not in ("http", "https") or not parts.hostname or parts.query:
            raise ValueError("the Graph URL must be an http(s) URL without a query")
        if self.max_attempts < 1 or self.timeout <= 0:
            raise ValueError("Graph attempts and timeout must be positive")

    @property
    def root(self) -> str:
        return self.base_url.rstrip("/") + "/v1.0/"


class GraphDirectory:
    """Microsoft Graph as the directory (see the module docstring)."""

    def __init__(
        self,
        config: GraphConfig,
        transport: Transport,
        tokens: TokenProvider,
        *,
        clock: MonotonicClock | None = None,
        logger: logging.Logger | None = None,
    ) -> None:
        self.config = config
        self._transport = transport
        self._tokens = tokens
        self._clock = clock or SYSTEM_MONOTONIC
        self._log = logger or _LOG
        self.calls = 0  # requests sent, retries included (benchmarks, tests)

    # -- Directory -------------------------------------------------------------------------
    def members(self, group: uuid.UUID, *, owners: bool = False) -> tuple[DirectoryUser, ...]:
        relation = "owners" if owners else "transitiveMembers"
        url = self._url(
            f"groups/{_id(group)}/{relation}/microsoft.graph.user",
            {"$select": ",".join(USER_PROPERTIES), "$count": "true", "$top": "999"},
        )
        users: dict[uuid.UUID, DirectoryUser] = {}
        try:
            for page in self._pages(url, what=f"group {group}"):
                for raw in page:
                    user = user_from_graph(raw)
                    users.setdefault(user.id, user)  # a member through two nested groups
        except DirectoryError as exc:
            if exc.status == 404:
                raise UnknownGroupError(
                    f"group {group} is not in the directory",
                    status=404,
                    code=exc.code,
                    request_id=exc.request_id,
                ) from exc
            raise
        return tuple(users.values())

    def user(self, user: uuid.UUID) -> DirectoryUser | None:
        url = self._url(f"users/{_id(user)}", {"$select": ",".join(USER_PROPERTIES)})
        try:
            return user_from_graph(self._json(self._send("GET", url), f"user {user}"))
        except DirectoryError as exc:
            if exc.status == 404:  # deleted
                return None
            raise

    def assign_licence(
        self, user: uuid.UUID, *, add: Sequence[uuid.UUID] = (), remove: Sequence[uuid.UUID] = ()
    ) -> None:
        body = {
            "addLicenses": [{"disabledPlans": [], "skuId": str(sku)} for sku in add],
            "removeLicenses": [str(sku) for sku in remove],
        }
        url = self._url(f"users/{_id(user)}/assignLicense", {})
        self._send("POST", url, json.dumps(body).encode(), what=f"assignLicense for {user}")

    # -- paging and sending ----------------------------------------------------------------
    def _pages(self, url: str, *, what: str) -> Iterator[list[Any]]:
        next_url: str | None = url
        while next_url is not None:
            doc = self._json(self._send("GET", next_url, what=what), what)
            value = doc.get("value")
            if not isinstance(value, list):
                raise DirectoryError(f"{what}: the reply has no 'value' list")
            yield value
            link = doc.get("@odata.nextLink")
            if link is not None and not isinstance(link, str):
                raise DirectoryError(f"{what}: '@odata.nextLink' is not a URL")
            if link is not None and not link.startswith(self.config.root):
                # Never send our token to another host than the configured Graph.
                raise DirectoryError(f"{what}: a next link points outside the Graph URL")
            next_url = link

    def _url(self, path: str, query: dict[str, str]) -> str:
        url = self.config.root + path
        if query:
            url += "?" + "&".join(f"{k}={quote(v, safe=',')}" for k, v in query.items())
        return url

    def _send(
        self, method: str, url: str, body: bytes | None = None, *, what: str = "request"
    ) -> HttpResponse:
        attempt = 0
        while True:
            attempt += 1
            response = self._once(method, url, body, what)
            wait = self._retry_wait(response, attempt)
            if wait is None:
                return self._checked(response, what)
            self._log.warning(
                "graph %s: status %s, retry %d in %.1f s", what, response.status, attempt, wait
            )
            self._clock.sleep(wait)

    def _once(self, method: str, url: str, body: bytes | None, what: str) -> HttpResponse:
        refreshed = False
        while True:
            headers = {
                "Authorization": f"Bearer {self._tokens.get_token()}",
                "Accept": "application/json",
                "ConsistencyLevel": "eventual",
            }
            if body is not None:
                headers["Content-Type"] = "application/json"
            request = HttpRequest(method, url, Headers(headers), body)
            self.calls += 1
            try:
                response = self._transport.send(request, timeout=self.config.timeout)
            except (DataverseConnectionError, InvalidRequestError) as exc:
                raise DirectoryError(f"{what}: no answer from Graph", transient=True) from exc
            if response.status == 401 and not refreshed:
                self._tokens.invalidate()  # rotated or revoked: one fresh token, once
                refreshed = True
                continue
            return response

    def _retry_wait(self, response: HttpResponse, attempt: int) -> float | None:
        if response.status not in _RETRY_STATUSES or attempt >= self.config.max_attempts:
            return None
        header = response.headers.get("Retry-After", "")
        if header.strip().isdigit():
            seconds = float(header.strip())
            return seconds if seconds <= self.config.max_retry_after else None
        return min(self.config.max_retry_after, self.config.backoff * 2.0 ** (attempt - 1))

    def _checked(self, response: HttpResponse, what: str) -> HttpResponse:
        if 200 <= response.status < 300:
            return response
        code, request_id = _error_facts(response)
        message = f"{what}: Graph answered {response.status}" + (f" {code}" if code else "")
        transient = response.status in _RETRY_STATUSES or response.status >= 500
        raise DirectoryError(
            message,
            status=response.status,
            code=code,
            request_id=request_id,
            transient=transient,
        )

    @staticmethod
    def _json(response: HttpResponse, what: str) -> dict[str, Any]:
        try:
            doc = json.loads(response.body)
        except (ValueError, UnicodeDecodeError):
            doc = None
        if not isinstance(doc, dict):
            raise DirectoryError(f"{what}: the reply is not a JSON object", status=response.status)
        return doc


def _id(value: uuid.UUID) -> str:
    return str(uuid.UUID(str(value)))  # a GUID in the path, nothing else


def _error_facts(response: HttpResponse) -> tuple[str | None, str | None]:
    """Graph's ``error.code`` and ``innerError.request-id`` ("Microsoft Graph error
    responses"); the message is left out: it may quote the object it is about."""
    request_id = response.headers.get("request-id")
    try:
        error = json.loads(response.body).get("error")
    except (ValueError, UnicodeDecodeError, AttributeError):
        return None, request_id
    if not isinstance(error, dict):
        return None, request_id
    code = error.get("code")
    inner = error.get("innerError")
    if isinstance(inner, dict) and isinstance(inner.get("request-id"), str):
        request_id = inner["request-id"]
    return (code[:80] if isinstance(code, str) else None), request_id
