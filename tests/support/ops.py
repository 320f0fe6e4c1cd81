"""The ops side of a test world: an Entra ID tenant that publishes its keys where Microsoft
does, tokens shaped as its v2.0 (and v1.0) access tokens, the connector's queues, and a small
real agents reconciler, all in-process."""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import jwt

from cityzen_connector.api import ApiRequest, ApiResponse, Headers, OpsDependencies, build_api
from cityzen_connector.identity import (
    BearerAuthenticator,
    HttpJwksSource,
    KeysUnavailable,
    OpsAuthenticator,
    TokenVerifier,
    entra_ops_issuers,
    entra_style_claims,
)
from cityzen_connector.messaging import MessageBus, OutgoingMessage
from cityzen_connector.store import SubmissionStatuses
from cityzen_connector.sync import ConnectorQueue, ConnectorQueues
from tests.support.tokens import KEY_1, jwk_of
from tests.support.world import QUEUE, World

# The examples of learn.microsoft.com/entra/identity-platform/access-tokens.
TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"
API_CLIENT_ID = "6e74172b-be56-4843-9ff4-e66a39bb12e3"
API_ID_URI = "api://cityzen-ops"
OID = "690222be-ff1a-4d56-abd1-7e4f7d38e474"
ROLE = "CityZen.Ops"
V2_KEYS = f"https://login.microsoftonline.com/{TENANT}/discovery/v2.0/keys"
V1_KEYS = f"https://login.microsoftonline.com/{TENANT}/discovery/keys"
KID = "entra-2026"
# What an Entra ID token may carry and a log line must never show.
PERSONAL = {
    "name": "Marianne Delacroix",
    "preferred_username": "marianne.delacroix@ville-exemple.fr",
    "upn": "m.delacroix@ville-exemple.fr",
    "email": "marianne.delacroix@ville-exemple.fr",
}
CASE_EVENTS, WEBHOOKS = "case-events", "webhooks"


@dataclass
class Tenant:
    """The tenant's keys endpoints as the verifier reaches them; calls recorded."""

    keys: dict[str, Any] = field(default_factory=lambda: {KID: KEY_1})
    calls: list[str] = field(default_factory=list)
    down: bool = False

    def __call__(self, url: str) -> object:
        self.calls.append(url)
        if self.down or url not in (V2_KEYS, V1_KEYS):
            raise KeysUnavailable("tenant unreachable (test)")
        return {"keys": [jwk_of(kid, key) for kid, key in self.keys.items()]}


def ops_token(world: World, key: Any = KEY_1, kid: str = KID, **overrides: Any) -> str:
    """An Entra ID v2.0 access token for our API, with the ops role, signed as the tenant does;
    ``overrides`` replace claims (``None`` removes one)."""
    claims: dict[str, Any] = {
        **entra_style_claims(
            tenant_id=TENANT,
            audience=API_CLIENT_ID,
            object_id=OID,
            roles=[ROLE],
            now=world.clock.now(),
        ),
        **PERSONAL,
    }
    claims.update(overrides)
    present = {k: v for k, v in claims.items() if v is not None}
    return jwt.encode(present, key, algorithm="RS256", headers={"kid": kid, "typ": "JWT"})


def queues_over(bus: MessageBus, world: World) -> ConnectorQueues:
    statuses = SubmissionStatuses(world.store, clock=world.clock, retention=timedelta(days=30))
    return ConnectorQueues(
        bus,
        (
            ConnectorQueue(QUEUE, "submissions", statuses),
            ConnectorQueue(CASE_EVENTS, "case-events"),
            ConnectorQueue(WEBHOOKS, "webhooks"),
        ),
        clock=world.clock,
    )


def with_ops(
    world: World,
    *,
    agents: Any = None,
    accept_v1: bool = False,
    tenant: Tenant | None = None,
    bus: MessageBus | None = None,
    configured: bool = True,
) -> Tenant:
    """Give ``world`` its ops routes (over ``bus``, the world's by default); the tenant."""
    tenant = tenant or Tenant()
    authenticator = None
    if configured:
        issuers = entra_ops_issuers(
            TENANT, frozenset({API_CLIENT_ID, API_ID_URI}), ROLE, accept_v1=accept_v1
        )
        verifiers = [
            TokenVerifier(
                issuer.config,
                HttpJwksSource(
                    tenant, clock=world.clock, issuer=issuer.config.issuer, jwks_uri=issuer.jwks_uri
                ),
                clock=world.clock,
            )
            for issuer in issuers
        ]
        authenticator = OpsAuthenticator(BearerAuthenticator(verifiers))
    ops = OpsDependencies(
        authenticator=authenticator, queues=queues_over(bus or world.bus, world), agents=agents
    )
    world.deps = dataclasses.replace(world.deps, ops=ops)
    world.api = build_api(world.deps)
    return tenant


def call(
    world: World,
    method: str,
    path: str,
    token: str | None,
    *,
    body: Any = None,
    query: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
    key: bool = False,
) -> ApiResponse:
    sent = dict(headers or {})
    if token is not None:
        sent["Authorization"] = f"Bearer {token}"
    raw = b""
    if body is not None:
        raw = body if isinstance(body, bytes) else json.dumps(body).encode()
        sent.setdefault("Content-Type", "application/json")
    request = ApiRequest(method, path, Headers(sent), raw, query or {}, function_key_valid=key)
    return world.api.handle(request)


def dead_letter(bus: MessageBus, queue: str, body: bytes, message_id: str, reason: str) -> None:
    """A message that reached the queue's dead-letter sub-queue (as Service Bus would put it)."""
    bus.send(queue, [OutgoingMessage(body=body, message_id=message_id)])
    (received,) = bus.receive(queue, max_messages=1)
    bus.dead_letter(received, reason=reason, description="test: delivered too often")


# -- a small real reconciler --------------------------------------------------------------------
@dataclass(frozen=True)
class Change:
    action: str
    group: str
    member: str  # a UPN: personal data the plan may show ops, never a log


@dataclass(frozen=True)
class Plan:
    changes: tuple[Change, ...]


@dataclass
class Directory:
    """Entra ID groups (wanted) and Dataverse teams (actual), by member UPN."""

    wanted: dict[str, set[str]]
    actual: dict[str, set[str]] = field(default_factory=dict)
    applied_by: list[str] = field(default_factory=list)


class SmallReconciler:
    """Plans the differences between the groups and the teams; applies them for a caller."""

    def __init__(
        self,
        directory: Directory,
        *,
        failure: Exception | None = None,
        apply_failure: Exception | None = None,
    ) -> None:
        self.directory = directory
        self.failure = failure
        self.apply_failure = apply_failure

    def plan(self) -> Plan:
        if self.failure is not None:
            raise self.failure
        changes = []
        for group, members in sorted(self.directory.wanted.items()):
            have = self.directory.actual.get(group, set())
            changes += [Change("add", group, m) for m in sorted(members - have)]
            changes += [Change("remove", group, m) for m in sorted(have - members)]
        return Plan(tuple(changes))

    def apply(self, plan: Plan, *, caller: str) -> dict[str, Any]:
        self.directory.applied_by.append(caller)
        if self.apply_failure is not None:
            raise self.apply_failure
        for change in plan.changes:
            team = self.directory.actual.setdefault(change.group, set())
            (team.add if change.action == "add" else team.discard)(change.member)
        return {"applied": len(plan.changes), "caller": caller}
