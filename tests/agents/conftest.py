"""A reconciliation world: the emulator (in-process, seeded) behind a counting transport that
can crash after N writes, a directory file built in the test, and an access model.

Seeded people (``cityzen_connector.emulator``): agnes.martin and bruno.lefevre already have
Dataverse users; the directory adds others as tests need them.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from typing import Any

import pytest

from cityzen_connector.agents import AgentsDeps, FileDirectory, Reconciliation
from cityzen_connector.dataverse import (
    DataverseClient,
    DataverseConfig,
    DataverseConnectionError,
    DataverseRequest,
    Expect,
    HttpRequest,
    HttpResponse,
    Query,
    RetryPolicy,
    StaticTokenProvider,
    Transport,
    WsgiTransport,
    eq,
)
from cityzen_connector.emulator import (
    EmulatorApp,
    EmulatorConfig,
    agent_object_id,
    create_app,
    seed,
)
from cityzen_connector.mapping import MEMBERSHIP_TYPES, AccessGroup, AccessModel
from cityzen_connector.testing import FakeClock

VOIRIE_GROUP = uuid.UUID("58a4ea16-d0bf-4432-a3fb-24fc847e22d7")
ACCUEIL_GROUP = uuid.UUID("2ff4d8f7-2245-424d-9dbb-1300a8c300c7")
NESTED_GROUP = uuid.UUID("8570deef-2a6f-4007-bd3f-87279430c9f3")
SKU = uuid.UUID("14832d8a-0f14-4134-afe3-60903101ccb0")
AGNES = uuid.UUID(agent_object_id("agnes.martin"))
BRUNO = uuid.UUID(agent_object_id("bruno.lefevre"))
CAMILLE = uuid.UUID("5b47a087-4eea-43bf-92a9-81b14b4db082")
DAVID = uuid.UUID("a63d8a83-83f9-4e4c-8091-7a8338a284fa")
WRITES = frozenset({"POST", "PATCH", "PUT", "DELETE"})


def group(code: str, object_id: uuid.UUID, **changes: Any) -> AccessGroup:
    base = AccessGroup(
        code=code,
        object_id=object_id,
        business_unit="Mairie",
        team=f"{code.capitalize()} (Entra ID)",
        team_type=2,
        membership_type=MEMBERSHIP_TYPES["members_and_guests"],
        membership="members_and_guests",
        team_roles=("Customer Service Representative",),
        member_roles=("Basic User",),
        licence_sku=SKU,
        assign_licence=True,
        serves=None,
    )
    return replace(base, **changes)


def model(*groups: AccessGroup, **changes: Any) -> AccessModel:
    return replace(AccessModel(groups=groups, file="mappings/agents.toml"), **changes)


DEFAULT_MODEL = model(
    group("voirie", VOIRIE_GROUP, serves="Voirie"),
    group("accueil", ACCUEIL_GROUP, serves="Relation usagers"),
)


def person(
    object_id: uuid.UUID, login: str, *, licensed: bool = True, **extra: Any
) -> dict[str, Any]:
    first, _, last = login.partition(".")
    return {
        "id": str(object_id),
        "userPrincipalName": f"{login}@mairie.example",
        "displayName": f"{first.capitalize()} {last.capitalize()}",
        "givenName": first.capitalize(),
        "surname": last.capitalize(),
        "mail": f"{login}@mairie.example",
        "accountEnabled": True,
        "userType": "Member",
        "assignedLicenses": [{"skuId": str(SKU), "disabledPlans": []}] if licensed else [],
        **extra,
    }


def directory_document() -> dict[str, Any]:
    """Voirie: Bruno, and Camille through a nested group; Accueil: Agnès and David."""
    return {
        "groups": [
            {"id": str(VOIRIE_GROUP), "members": [str(BRUNO), str(NESTED_GROUP)]},
            {"id": str(NESTED_GROUP), "members": [str(CAMILLE)]},
            {"id": str(ACCUEIL_GROUP), "members": [str(AGNES), str(DAVID)]},
        ],
        "users": [
            person(AGNES, "agnes.martin"),
            person(BRUNO, "bruno.lefevre"),
            person(CAMILLE, "camille.nguyen", licensed=False),
            person(DAVID, "david.roux"),
        ],
    }


class CrashingTransport:
    """Counts requests; after ``crash_after`` write requests it fails the next one, before
    sending it (``lose_reply`` False) or after Dataverse did it (the reply lost)."""

    def __init__(self, inner: Transport) -> None:
        self.inner = inner
        self.sent: list[HttpRequest] = []
        self.crash_after: int | None = None
        self.lose_reply = False

    @property
    def writes(self) -> list[HttpRequest]:
        return [r for r in self.sent if r.method in WRITES]

    def send(self, request: HttpRequest, *, timeout: float) -> HttpResponse:
        crash = (
            self.crash_after is not None
            and request.method in WRITES
            and len(self.writes) >= self.crash_after
        )
        self.sent.append(request)
        if crash and not self.lose_reply:
            raise DataverseConnectionError("connection reset (test)")
        response = self.inner.send(request, timeout=timeout)
        if crash:
            raise DataverseConnectionError("reply lost (test)")
        return response


@dataclass
class World:
    emulator: EmulatorApp
    transport: CrashingTransport
    client: DataverseClient
    document: dict[str, Any]
    model: AccessModel = DEFAULT_MODEL
    logger: logging.Logger = field(default_factory=lambda: logging.getLogger("tests.agents"))
    directory: FileDirectory | None = None

    def reconciliation(self, **changes: Any) -> Reconciliation:
        if self.directory is None:
            self.directory = FileDirectory(self.document)
        deps = AgentsDeps(self.client, self.directory, self.model, logger=self.logger)
        return Reconciliation(replace(deps, **changes))

    def set_document(self, document: dict[str, Any]) -> None:
        """The directory changed (licences assigned so far are kept, as Graph would)."""
        previous = self.directory
        self.document = document
        self.directory = FileDirectory(json.loads(json.dumps(document)))
        if previous is not None:
            for user in document["users"]:
                found = previous.user(uuid.UUID(user["id"]))
                if found is not None and found.licences:
                    self.directory.assign_licence(found.id, add=sorted(found.licences))

    def related(self, entity_set: str, row: object, navigation: str, column: str) -> set[str]:
        """``<entity_set>(<row>)/<navigation>``: the ``column`` of every related row."""
        request = DataverseRequest(
            "GET", f"{entity_set}({row})/{navigation}", "test", Expect.COLLECTION, True,
            query=(("$select", column),),
        )  # fmt: skip
        return {str(r[column]) for r in self.client.execute(request).records}

    def user(self, object_id: uuid.UUID) -> dict[str, Any] | None:
        query = Query("systemusers").where(eq("azureactivedirectoryobjectid", object_id))
        return self.client.first(query)

    def team(self, name: str) -> dict[str, Any]:
        found = self.client.first(Query("teams").where(eq("name", name)))
        assert found is not None, name
        return found

    def members(self, team_name: str) -> set[str]:
        """The object ids of the team's members."""
        return self.related("teams", self.team(team_name)["teamid"], "teammembership_association",
                           "azureactivedirectoryobjectid")  # fmt: skip

    def roles_of(self, object_id: uuid.UUID) -> set[str]:
        user = self.user(object_id)
        assert user is not None
        return self.related("systemusers", user["systemuserid"], "systemuserroles_association",
                            "name")  # fmt: skip


@pytest.fixture
def world() -> Iterator[World]:
    clock = FakeClock()
    app = create_app(EmulatorConfig(database=":memory:"), clock=clock, sleep=clock.sleep)
    seed(app)
    transport = CrashingTransport(WsgiTransport(app))
    client = DataverseClient(
        DataverseConfig(org_url="http://127.0.0.1:7072"),
        transport,
        StaticTokenProvider("local-dev-token"),
        clock=clock,
        retry=RetryPolicy.NO_RETRY,
    )
    yield World(app, transport, client, directory_document())
    app.close()
