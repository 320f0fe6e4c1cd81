"""Agents' reconciliation benchmark (one command: ``.venv/bin/python bench/agents.py``).

2,000 members across 20 Entra ID groups (100 each; one in ten without the licence), each group
with a group team, one team role, one role granted to members directly, and a routing team it
serves. The directory is a ``FileDirectory`` built in memory (no Graph); Dataverse is the
emulator in-process, with a latency model of ``BASE`` per request plus ``PER_OPERATION`` per
operation (a ``$batch`` of N writes is N operations; "Use bulk operation messages" and
"Execute batch operations" describe where the time goes).

Two runs, each on a fresh seeded emulator:

- first run: every team, user, role and membership to create;
- no-change run: the same, reconciled again: nothing to write, everything to check.

Ours: ``plan`` (a few paged reads, whatever the number of members) then ``apply`` (per-user
change sets, ``AGENTS_PER_BATCH`` writes per ``$batch``). Baseline: what a straightforward
script does, one call per read and one per write: look each team, user, role grant and
membership up, create or associate what is missing. The baseline detects no leaver (it would
need still more calls); ours does, in the same reads. Printed side by side: Dataverse calls,
calls per member, seconds, milliseconds per member, and the baseline/ours ratios.
"""

from __future__ import annotations

import sys
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:] = [str(ROOT)] + [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]

from cityzen_connector.agents import (  # noqa: E402
    AgentsDeps,
    FileDirectory,
    Reconciliation,
    user_id_for,
)
from cityzen_connector.dataverse import (  # noqa: E402
    DataverseClient,
    DataverseConfig,
    DataverseRequest,
    Expect,
    Query,
    RetryPolicy,
    StaticTokenProvider,
    WsgiTransport,
    and_,
    eq,
)
from cityzen_connector.emulator import (  # noqa: E402
    BUSINESS_UNIT_ID,
    CALLER_ID,
    EmulatorConfig,
    Latency,
    create_app,
    role_id,
    seed,
)
from cityzen_connector.mapping import AccessGroup, AccessModel  # noqa: E402

GROUPS = 20
PER_GROUP = 100
BASE = 0.005  # seconds per request
PER_OPERATION = 0.0005  # seconds per operation in it
AGENTS_PER_BATCH = 500
SKU = uuid.UUID("14832d8a-0f14-4134-afe3-60903101ccb0")
NS = uuid.UUID("6d0a4c1e-2b7f-5e93-8c41-9f2d7a0b3e58")


class Counting:
    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.count = 0

    def send(self, request: Any, *, timeout: float) -> Any:
        self.count += 1
        return self.inner.send(request, timeout=timeout)


def world() -> tuple[Any, DataverseClient, Counting]:
    app = create_app(
        EmulatorConfig(latency=Latency(base_seconds=BASE, per_operation_seconds=PER_OPERATION)),
        sleep=time.sleep,
    )
    seed(app)
    counting = Counting(WsgiTransport(app))
    client = DataverseClient(
        DataverseConfig("http://127.0.0.1:7072"),
        counting,
        StaticTokenProvider("bench"),
        retry=RetryPolicy.QUEUE_WORK,
    )
    setup = DataverseClient(
        DataverseConfig("http://127.0.0.1:7072"), WsgiTransport(app), StaticTokenProvider("b")
    )
    for n in range(GROUPS):  # the routing teams the groups serve (unmetered setup)
        setup.upsert(
            "teams",
            routing_team(n),
            {
                "name": f"Service {n:02d}",
                "teamtype": 0,
                "businessunitid@odata.bind": f"/businessunits({BUSINESS_UNIT_ID})",
            },
        )
    return app, client, counting


def group_id(n: int) -> uuid.UUID:
    return uuid.uuid5(NS, f"group:{n}")


def routing_team(n: int) -> uuid.UUID:
    return uuid.uuid5(NS, f"routing:{n}")


def member_id(n: int, m: int) -> uuid.UUID:
    return uuid.uuid5(NS, f"user:{n}:{m}")


def access_model() -> AccessModel:
    groups = tuple(
        AccessGroup(
            code=f"service-{n:02d}",
            object_id=group_id(n),
            business_unit="Mairie",
            team=f"Service {n:02d} (Entra ID)",
            team_type=2,
            membership_type=0,
            membership="members_and_guests",
            team_roles=("Customer Service Representative",),
            member_roles=("Basic User",),
            licence_sku=SKU,
            assign_licence=False,  # Dataverse only: the directory is not measured
            serves=f"Service {n:02d}",
        )
        for n in range(GROUPS)
    )
    return AccessModel(groups=groups)


def directory() -> FileDirectory:
    users, groups = [], []
    for n in range(GROUPS):
        members = []
        for m in range(PER_GROUP):
            oid = member_id(n, m)
            members.append(str(oid))
            licences = [] if m % 10 == 0 else [{"skuId": str(SKU), "disabledPlans": []}]
            users.append(
                {
                    "id": str(oid),
                    "userPrincipalName": f"agent{n:02d}{m:03d}@mairie.example",
                    "givenName": "Agent",
                    "surname": f"{n:02d}-{m:03d}",
                    "mail": f"agent{n:02d}{m:03d}@mairie.example",
                    "accountEnabled": True,
                    "userType": "Member",
                    "assignedLicenses": licences,
                }
            )
        groups.append({"id": str(group_id(n)), "members": members})
    return FileDirectory({"groups": groups, "users": users})


def ours(client: DataverseClient, folder: FileDirectory, model: AccessModel) -> None:
    reconciliation = Reconciliation(AgentsDeps(client, folder, model, per_batch=AGENTS_PER_BATCH))
    plan = reconciliation.plan()
    report = reconciliation.apply(plan)
    assert report.ok, report.failed[:3]


def _exists(client: DataverseClient, path: str, column: str, value: uuid.UUID) -> bool:
    request: DataverseRequest[Any] = DataverseRequest(
        "GET", path, "naive", Expect.COLLECTION, True,
        query=(("$select", column), ("$filter", f"{column} eq {value}")),
    )  # fmt: skip
    return bool(client.execute(request).records)


def naive(client: DataverseClient, folder: FileDirectory, model: AccessModel) -> None:
    """One call per read, one per write."""
    representative, basic = role_id("Customer Service Representative"), role_id("Basic User")
    for n, group in enumerate(model.groups):
        found = client.first(
            Query("teams").select("teamid").where(
                and_(eq("azureactivedirectoryobjectid", group.object_id), eq("membershiptype", 0))
            )
        )  # fmt: skip
        if found is None:
            team = uuid.uuid5(NS, f"naive-team:{n}")
            client.create("teams", {
                "teamid": str(team), "name": group.team, "teamtype": 2, "membershiptype": 0,
                "azureactivedirectoryobjectid": str(group.object_id),
                "businessunitid@odata.bind": f"/businessunits({BUSINESS_UNIT_ID})",
                "administratorid@odata.bind": f"/systemusers({CALLER_ID})",
            })  # fmt: skip
        else:
            team = uuid.UUID(found["teamid"])
        if not _exists(client, f"teams({team})/teamroles_association", "roleid", representative):
            client.associate("teams", team, "teamroles_association", "roles", representative)
        for user in folder.members(group.object_id):
            row = client.first(
                Query("systemusers").select("systemuserid")
                .where(eq("azureactivedirectoryobjectid", user.id))
            )  # fmt: skip
            if row is None:
                uid = user_id_for(user.id)
                client.create("systemusers", {
                    "systemuserid": str(uid), "azureactivedirectoryobjectid": str(user.id),
                    "domainname": user.upn, "firstname": user.given_name,
                    "lastname": user.surname, "internalemailaddress": user.mail,
                    "businessunitid@odata.bind": f"/businessunits({BUSINESS_UNIT_ID})",
                })  # fmt: skip
            else:
                uid = uuid.UUID(row["systemuserid"])
            path = f"systemusers({uid})/systemuserroles_association"
            if not _exists(client, path, "roleid", basic):
                client.associate("systemusers", uid, "systemuserroles_association", "roles", basic)
            routing = routing_team(n)
            path = f"teams({routing})/teammembership_association"
            if not _exists(client, path, "systemuserid", uid):
                client.associate("teams", routing, "teammembership_association", "systemusers", uid)


def measure(run: Any, label: str) -> dict[str, tuple[int, float]]:
    """(calls, seconds) of a first run and of a no-change run, on a fresh emulator."""
    app, client, counting = world()
    folder, model = directory(), access_model()
    out = {}
    for phase in ("first run", "no-change run"):
        before, started = counting.count, time.perf_counter()
        run(client, folder, model)
        out[phase] = (counting.count - before, time.perf_counter() - started)
        print(
            f"  {label:<9} {phase:<14} {out[phase][0]:>6} calls {out[phase][1]:>8.1f} s", flush=True
        )
    app.close()
    return out


def main() -> None:
    members = GROUPS * PER_GROUP
    print(
        f"== agents: {members} members across {GROUPS} groups, emulator latency"
        f" {BASE * 1000:.0f} ms per request + {PER_OPERATION * 1000:.1f} ms per operation"
    )
    mine = measure(ours, "ours")
    base = measure(naive, "baseline")
    print()
    print(f"{'run':<14} {'':>10} {'calls':>8} {'calls/member':>13} {'s':>8} {'ms/member':>10}")
    for phase in ("first run", "no-change run"):
        for label, result in (("ours", mine), ("baseline", base)):
            calls, seconds = result[phase]
            print(
                f"{phase:<14} {label:>10} {calls:>8} {calls / members:>13.3f}"
                f" {seconds:>8.1f} {seconds * 1000 / members:>10.2f}"
            )
        calls_ratio = base[phase][0] / mine[phase][0]
        time_ratio = base[phase][1] / mine[phase][1]
        print(f"{phase:<14} {'ratio':>10} {calls_ratio:>7.0f}x {'':>13} {time_ratio:>7.1f}x")


if __name__ == "__main__":
    main()
