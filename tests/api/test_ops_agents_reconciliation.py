"""The ops routes on the real agents reconciliation (``agents.OpsReconciliation``): the shipped
access model, the sample directory file and the seeded emulator. A reviewed plan is applied
on behalf of the calling agent, whom Dataverse then names as the author of every write."""

from __future__ import annotations

import uuid
from pathlib import Path

from cityzen_connector import app
from cityzen_connector.agents import (
    AgentsDeps,
    FileDirectory,
    OpsReconciliation,
    Reconciliation,
)
from cityzen_connector.dataverse import Query, eq
from cityzen_connector.emulator import agent_object_id
from cityzen_connector.mapping import load_mappings
from cityzen_connector.settings import Settings
from tests.support.ops import call, ops_token, with_ops
from tests.support.paths import ROOT
from tests.support.world import World, make_world

PLAN, APPLY = "/v1/ops/agents/plan", "/v1/ops/agents/apply"
AGENT = agent_object_id("agnes.martin")


def wired() -> World:
    world = make_world()
    model = load_mappings(ROOT / "mappings").agents
    directory = FileDirectory.from_file(ROOT / "samples" / "directory.json")
    deps = AgentsDeps(world.client, directory, model)
    with_ops(world, agents=OpsReconciliation(lambda: Reconciliation(deps)))
    return world


def test_the_plan_applied_through_the_ops_routes_is_written_as_the_calling_agent() -> None:
    world = wired()
    token = ops_token(world, oid=AGENT)
    planned = call(world, "GET", PLAN, token)
    assert planned.status == 200, planned.body
    assert len(planned.json()["plan"]["changes"]) == 14
    applied = call(world, "POST", APPLY, token, headers={"If-Match": planned.headers["ETag"]})
    assert applied.status == 200, applied.body
    assert call(world, "GET", PLAN, token).json()["plan"]["changes"] == []  # nothing left
    # Dataverse audits the agent: each team the plan created was created by that agent.
    agent = world.client.first(
        Query("systemusers").where(eq("azureactivedirectoryobjectid", uuid.UUID(AGENT)))
    )
    assert agent is not None
    teams = list(world.client.query(Query("teams").where(eq("teamtype", 2))))
    assert teams
    assert {t["_createdby_value"] for t in teams} == {agent["systemuserid"]}


def test_an_agent_unknown_to_dataverse_cannot_apply_and_nothing_is_written() -> None:
    world = wired()
    stranger = ops_token(world, oid=str(uuid.uuid4()))
    assert call(world, "POST", APPLY, stranger).status >= 400
    token = ops_token(world, oid=AGENT)
    assert len(call(world, "GET", PLAN, token).json()["plan"]["changes"]) == 14


def test_the_composition_root_wires_the_routes_to_the_access_model(tmp_path: Path) -> None:
    shipped = app.Container(Settings(_env_file=None, data_dir=tmp_path))
    assert isinstance(shipped.ops.agents, OpsReconciliation)  # mappings/agents.toml declares groups
    (tmp_path / "mappings").mkdir()
    for source in (ROOT / "mappings").glob("*.toml"):
        if source.name != "agents.toml":
            (tmp_path / "mappings" / source.name).write_text(source.read_text(encoding="utf-8"))
    bare = app.Container(
        Settings(_env_file=None, data_dir=tmp_path, mappings_dir=tmp_path / "mappings")
    )
    assert bare.ops.agents is None  # no access model: the routes answer 503 agents_unavailable
