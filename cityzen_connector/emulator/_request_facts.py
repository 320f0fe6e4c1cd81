"""What the event pipeline needs to know of the request a write belongs to, without the
records layer passing it along: one context variable, set by the router around each request
(and each ``$batch`` part), read by ``_pipeline``.

- ``request_id``: one per top-level request (``RequestId``, as the 2024 examples of
  ``_remote_context`` carry one);
- ``user_agent``: the client's ``User-Agent`` (``InitiatingUserAgent`` in those examples);
- ``correlation_id``: one per top-level request, shared by a ``$batch``'s parts and by every
  event one request causes (``IExecutionContext.CorrelationId``, "Use WebHooks…": the
  ``x-ms-correlation-request-id`` the platform uses for loop prevention).
- ``organization_url``: the organisation URI the client called (the ``Organization`` property of
  a posted message, "Write a listener application for an Azure solution", "Filter messages").
- ``tag``: the ``tag`` query parameter, a shared variable of the plug-in execution context, and
  ``bypass``: ``MSCRM.BypassBusinessLogicExecution`` ("Use optional parameters", Microsoft
  Learn: ``CustomAsync`` bypasses asynchronous custom logic, as a service endpoint step is).
- ``suppress_duplicate_detection``: ``MSCRM.SuppressDuplicateDetection``, an input parameter of
  the request when sent.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from cityzen_connector.emulator._http import Request

__all__ = ["RequestFacts", "current", "request_scope"]


@dataclass(frozen=True)
class RequestFacts:
    correlation_id: str
    request_id: str
    organization_url: str
    user_agent: str = ""
    tag: str | None = None
    bypass: frozenset[str] = frozenset()
    suppress_duplicate_detection: bool | None = None


_CURRENT: ContextVar[RequestFacts | None] = ContextVar("emulator_request", default=None)


def current() -> RequestFacts | None:
    """The facts of the request being handled; None for a write made outside one (seeding)."""
    return _CURRENT.get()


@contextmanager
def request_scope(req: Request) -> Iterator[RequestFacts]:
    """The facts of ``req``, for the writes it makes; a ``$batch`` part keeps its batch's
    correlation id."""
    outer = _CURRENT.get()
    bypass = req.header("MSCRM.BypassBusinessLogicExecution") or ""
    suppress = (req.header("MSCRM.SuppressDuplicateDetection") or "").strip().lower()
    facts = RequestFacts(
        correlation_id=outer.correlation_id if outer is not None else str(uuid.uuid4()),
        request_id=outer.request_id if outer is not None else str(uuid.uuid4()),
        organization_url=req.base_url,
        user_agent=req.header("User-Agent") or "",
        tag=req.query.get("tag"),
        bypass=frozenset(part.strip() for part in bypass.split(",") if part.strip()),
        suppress_duplicate_detection={"true": True, "false": False}.get(suppress),
    )
    token = _CURRENT.set(facts)
    try:
        yield facts
    finally:
        _CURRENT.reset(token)
