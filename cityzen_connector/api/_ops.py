"""What the ops routes (``/api/v1/ops/...``) need, who may call them, and what they log.

Who: only an Entra ID access token of the ops tenant, for our API, carrying the ops app role
(``identity.OpsAuthenticator``). A function key never opens these routes, whatever the auth
mode: it is a secret shared with the portal back end, it names nobody (no ``oid`` to audit, to
impersonate in Dataverse or to revoke when one person leaves) and its leak would hand replays
and account changes to whoever holds it. The Functions host lets these routes through
anonymously; the token is the check (docs/ops-api.md).

Audit: every ops action is one log line on ``cityzen_connector.audit`` with the caller's object
id, the action and its figures (queue, source, counts, the plan's fingerprint) -- never a name,
a UPN, an e-mail address, a message body or an id the caller typed.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import Enum
from typing import Any, Protocol
from uuid import UUID

from pydantic import BaseModel

from cityzen_connector.identity import InvalidToken, OpsAuthenticator, OpsCaller, bearer_token
from cityzen_connector.sync import ConnectorQueues

from ._http import ApiRequest

AUDIT = logging.getLogger("cityzen_connector.audit")


class AgentsReconciler(Protocol):
    """The agents reconciliation as the ops routes call it (the ``agents`` package provides
    it; the composition root injects it). ``plan()`` reads and changes nothing and returns a
    value with ``to_json()`` or a (frozen) dataclass of JSON-friendly fields; ``apply`` executes
    a plan on behalf of ``caller``, the agent's Entra ID object id, which Dataverse is to
    impersonate (``CallerObjectId``), and returns a report of the same kind. An error whose
    ``is_transient`` is true is answered 503 (retry later), any other 500."""

    def plan(self) -> object: ...

    def apply(self, plan: Any, *, caller: str) -> object: ...


@dataclass(frozen=True)
class OpsDependencies:
    """``authenticator``: ``None`` when no ops tenant is configured (every ops call is then
    refused as ``wrong_issuer``). ``agents``: ``None`` when the deployment has no agents
    access model (the agents routes answer 503 ``agents_unavailable``)."""

    authenticator: OpsAuthenticator | None
    queues: ConnectorQueues
    agents: AgentsReconciler | None = None
    # ``GET /api/v1/stats``: the ops role or an agents' role (api/_stats.py); None: ops only.
    stats_authenticator: OpsAuthenticator | None = None
    audit: logging.Logger = field(default=AUDIT, repr=False)


def ops_caller(request: ApiRequest, ops: OpsDependencies | None) -> OpsCaller:
    """The verified ops caller, or ``InvalidToken`` (401, or 403 without the role). A function
    key, valid or not, is not looked at."""
    authorization = request.headers.get("authorization")
    if ops is None or ops.authenticator is None:
        if bearer_token(authorization) is None:
            raise InvalidToken("missing")
        raise InvalidToken("wrong_issuer", "no ops tenant is configured")
    return ops.authenticator.authenticate(authorization)


def audit(ops: OpsDependencies, caller: OpsCaller, action: str, **figures: str | int) -> None:
    """One line per ops action: the caller's object id, the action, its figures (fixed keys,
    values our code chose or counted)."""
    details = "".join(f" {name}={value}" for name, value in figures.items())
    ops.audit.info("ops action=%s oid=%s%s", action, caller.object_id, details)


def to_jsonable(value: object) -> Any:
    """A plan or report as JSON values: its ``to_json()`` if it has one, else its fields
    (dataclasses, pydantic models, mappings, sequences, enums, dates, UUIDs)."""
    to_json = getattr(value, "to_json", None)
    if callable(to_json):
        produced = to_json()
        if isinstance(produced, str | bytes):
            return json.loads(produced)
        return _plain(produced)
    return _plain(value)


def _plain(value: object) -> Any:  # noqa: PLR0911 - one flat table of types
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise TypeError("NaN and infinities are not JSON")
        return value
    if isinstance(value, Enum):
        return _plain(value.value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    if isinstance(value, set | frozenset):
        items = [_plain(item) for item in value]
        return sorted(items, key=lambda item: json.dumps(item, sort_keys=True))
    raise TypeError(f"{type(value).__name__} is not JSON-serialisable")


def fingerprint(document: Any) -> str:
    """A strong ETag for a plan (RFC 9110 section 8.8.3): its canonical JSON, hashed."""
    canonical = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return '"' + hashlib.sha256(canonical.encode()).hexdigest()[:32] + '"'


def if_match_allows(header: str | None, etag: str) -> bool:
    """RFC 9110 section 13.1.1: absent or ``*`` allows; otherwise one of the listed entity tags
    must equal ``etag`` by strong comparison (a weak tag never matches)."""
    if header is None:
        return True
    tags = [tag.strip() for tag in header.split(",")]
    return "*" in tags or etag in tags
