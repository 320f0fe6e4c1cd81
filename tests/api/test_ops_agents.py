"""The agents reconciliation through the ops routes: a thin call to the reconciler the
composition root injects. Without one the routes answer 503 ``agents_unavailable`` (a
deployment without an agents access model); with one, the plan is shown with its ETag and
applied on the caller's behalf, only as reviewed when If-Match is sent."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import pytest

from cityzen_connector.api import ApiResponse
from tests.support.ops import OID, Directory, SmallReconciler, call, ops_token, with_ops
from tests.support.schema_check import check_response
from tests.support.world import World, make_world

PLAN, APPLY = "/v1/ops/agents/plan", "/v1/ops/agents/apply"
UPN = "marianne.delacroix@ville-exemple.fr"


def reconciler() -> SmallReconciler:
    return SmallReconciler(
        Directory(wanted={"voirie": {UPN, "paul.martin@ville-exemple.fr"}, "etat-civil": set()})
    )


def world_with(agents: Any) -> World:
    world = make_world()
    with_ops(world, agents=agents)
    return world


def plan(world: World) -> ApiResponse:
    response = call(world, "GET", PLAN, ops_token(world))
    check_response("GET", PLAN, response)
    return response


def apply(world: World, **headers: str) -> ApiResponse:
    response = call(world, "POST", APPLY, ops_token(world), headers=headers)
    check_response("POST", APPLY, response)
    return response


def test_without_a_reconciler_both_routes_answer_503_agents_unavailable() -> None:
    world = world_with(None)
    for response in (plan(world), apply(world)):
        assert response.status == 503
        body = response.json()
        assert body["code"] == "agents_unavailable"
        assert body["messages"]["fr"].startswith("La réconciliation des comptes des agents")
        assert body["messages"]["en"].startswith("Agent account reconciliation")
        assert "Retry-After" not in response.headers  # a state of the deployment, not an outage


def test_strangers_learn_nothing_of_the_setup() -> None:
    world = world_with(None)
    assert call(world, "GET", PLAN, None).status == 401
    assert call(world, "POST", APPLY, ops_token(world, roles=[])).status == 403


def test_plan_shows_the_changes_with_an_etag_and_changes_nothing() -> None:
    agents = reconciler()
    world = world_with(agents)
    response = plan(world)
    assert response.status == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["ETag"].startswith('"')
    assert response.json() == {
        "plan": {
            "changes": [
                {"action": "add", "group": "voirie", "member": UPN},
                {"action": "add", "group": "voirie", "member": "paul.martin@ville-exemple.fr"},
            ]
        }
    }
    assert agents.directory.actual == {}
    assert plan(world).headers["ETag"] == response.headers["ETag"]  # same plan, same tag


def test_apply_as_reviewed_acts_for_the_caller_then_the_next_plan_is_empty() -> None:
    agents = reconciler()
    world = world_with(agents)
    etag = plan(world).headers["ETag"]
    response = apply(world, **{"If-Match": etag})
    assert response.status == 200
    assert response.json() == {"report": {"applied": 2, "caller": OID}}
    assert agents.directory.applied_by == [OID]  # Dataverse impersonates this object id
    assert plan(world).json() == {"plan": {"changes": []}}


def test_apply_refuses_a_plan_that_changed_since_it_was_reviewed() -> None:
    agents = reconciler()
    world = world_with(agents)
    etag = plan(world).headers["ETag"]
    agents.directory.wanted["etat-civil"].add("lea.bernard@ville-exemple.fr")  # meanwhile
    response = apply(world, **{"If-Match": etag})
    assert response.status == 412
    assert response.json()["code"] == "plan_changed"
    assert response.headers["ETag"] == plan(world).headers["ETag"]
    assert agents.directory.applied_by == []
    assert apply(world, **{"If-Match": f"{etag}, *"}).status == 200  # RFC 9110 13.1.1


def test_without_if_match_the_current_plan_is_applied() -> None:
    agents = reconciler()
    world = world_with(agents)
    assert apply(world).status == 200
    assert agents.directory.actual["voirie"] == {UPN, "paul.martin@ville-exemple.fr"}


@dataclass(frozen=True)
class JsonPlan:
    """A plan that writes its own JSON (``to_json``), as the agents package may."""

    text: str

    def to_json(self) -> str:
        return self.text


class JsonReconciler:
    def plan(self) -> JsonPlan:
        return JsonPlan('{"teams": [{"name": "Voirie", "roles": ["Agent"]}]}')

    def apply(self, plan: JsonPlan, *, caller: str) -> JsonPlan:
        return JsonPlan('{"done": 1}')


def test_a_plan_with_to_json_is_shown_as_it_writes_itself() -> None:
    world = world_with(JsonReconciler())
    assert plan(world).json() == {"plan": {"teams": [{"name": "Voirie", "roles": ["Agent"]}]}}
    assert apply(world).json() == {"report": {"done": 1}}


class GraphDown(Exception):  # noqa: N818 - as a package's transient error reads
    is_transient = True


def test_a_transient_failure_is_a_503_to_retry_and_any_other_a_500_without_detail() -> None:
    world = world_with(SmallReconciler(Directory({}), failure=GraphDown("graph.microsoft.com")))
    response = plan(world)
    assert response.status == 503
    assert response.json()["code"] == "service_unavailable"
    assert response.headers["Retry-After"] == "30"
    world = world_with(SmallReconciler(Directory({}), failure=KeyError(UPN)))
    response = apply(world)
    assert response.status == 500
    assert UPN.encode() not in response.body


def test_the_audit_log_holds_the_object_id_and_the_plans_fingerprint_never_a_name(
    caplog: pytest.LogCaptureFixture,
) -> None:
    world = world_with(reconciler())
    with caplog.at_level(logging.DEBUG):
        etag = plan(world).headers["ETag"].strip('"')
        apply(world, **{"If-Match": '"stale"'})
        apply(world)
    lines = [r.getMessage() for r in caplog.records if r.name == "cityzen_connector.audit"]
    assert lines == [
        f"ops action=agents.plan oid={OID} plan={etag}",
        f"ops action=agents.apply oid={OID} plan={etag} outcome=plan_changed",
        f"ops action=agents.apply oid={OID} plan={etag} outcome=applied",
    ]
    assert UPN not in caplog.text
    assert "paul.martin" not in caplog.text


def test_an_apply_that_fails_is_on_record_with_the_caller(
    caplog: pytest.LogCaptureFixture,
) -> None:
    agents = SmallReconciler(Directory({"voirie": {UPN}}), apply_failure=GraphDown("half-way"))
    world = world_with(agents)
    with caplog.at_level(logging.INFO, logger="cityzen_connector.audit"):
        response = apply(world)
    assert response.status == 503
    (line,) = [r.getMessage() for r in caplog.records if r.name == "cityzen_connector.audit"]
    assert line.startswith(f"ops action=agents.apply oid={OID} plan=")
    assert line.endswith(" outcome=failed")
    assert agents.directory.applied_by == [OID]
