"""Reconciling the access model against the emulator: what an agent and an administrator see in
Dynamics 365 after ``plan`` and ``apply``, and what it cost in round trips."""

from __future__ import annotations

import copy
import logging
import uuid
from dataclasses import replace

import pytest

from cityzen_connector.agents import Plan, ReconcileError, team_id_for, user_id_for
from cityzen_connector.dataverse import PermissionDeniedError
from cityzen_connector.emulator import CALLER_OBJECT_ID

from .conftest import (
    AGNES,
    BRUNO,
    CAMILLE,
    DAVID,
    DEFAULT_MODEL,
    SKU,
    WRITES,
    World,
    group,
    model,
    person,
)


def _apply_all(world: World) -> Plan:
    reconciliation = world.reconciliation()
    plan = reconciliation.plan()
    report = reconciliation.apply(plan)
    assert report.ok, report.failed
    return plan


def test_first_run_creates_group_teams_users_roles_and_routing_memberships(world: World) -> None:
    plan = world.reconciliation().plan()
    assert plan.by_action() == {
        "create_team": 2,
        "grant_team_role": 2,
        "create_user": 2,  # Camille (nested group) and David: Agnès and Bruno exist
        "grant_user_role": 4,
        "add_member": 4,
        "assign_licence": 1,  # Camille has none
    }
    assert not world.transport.writes  # planning writes nothing
    report = world.reconciliation().apply(plan)
    assert report.ok
    assert report.dataverse_requests == 1  # every Dataverse write in one $batch

    voirie = world.team("Voirie (Entra ID)")
    assert voirie["teamtype"] == 2
    assert voirie["azureactivedirectoryobjectid"] == str(DEFAULT_MODEL.groups[0].object_id)
    assert voirie["membershiptype"] == 0
    assert voirie["teamid"] == str(team_id_for(DEFAULT_MODEL.groups[0]))
    roles = world.related("teams", voirie["teamid"], "teamroles_association", "name")
    assert roles == {"Customer Service Representative"}
    # Cases routed to "Voirie" reach Bruno and Camille before Camille ever signs in.
    assert world.members("Voirie") == {str(BRUNO), str(CAMILLE)}
    assert world.members("Relation usagers") == {str(AGNES), str(DAVID)}
    camille = world.user(CAMILLE)
    assert camille is not None
    assert camille["systemuserid"] == str(user_id_for(CAMILLE))
    assert camille["domainname"] == "camille.nguyen@mairie.example"
    assert (camille["firstname"], camille["lastname"]) == ("Camille", "Nguyen")
    assert camille["internalemailaddress"] == "camille.nguyen@mairie.example"
    assert world.roles_of(CAMILLE) == {"Basic User"}
    assert world.directory is not None
    found = world.directory.user(CAMILLE)
    assert found is not None
    assert SKU in found.licences


def test_plan_apply_plan_gives_an_empty_second_plan(world: World) -> None:
    _apply_all(world)
    sent = len(world.transport.sent)
    second = world.reconciliation().plan()
    assert second.empty
    assert second.changes == ()
    assert not [r for r in world.transport.sent[sent:] if r.method in WRITES]
    assert second.counts["dataverse_requests"] == len(world.transport.sent) - sent


def test_group_teams_get_no_members_dataverse_adds_them_at_sign_in(world: World) -> None:
    _apply_all(world)
    assert world.members("Voirie (Entra ID)") == set()


def test_a_leaver_loses_the_models_roles_and_memberships_but_is_not_deleted(world: World) -> None:
    _apply_all(world)
    document = copy.deepcopy(world.document)
    document["groups"][2]["members"] = [str(AGNES)]  # David left the front office's group
    world.set_document(document)
    plan = world.reconciliation().plan()
    assert plan.by_action() == {"revoke_user_role": 1, "remove_member": 1}
    assert [n.kind for n in plan.notices] == ["leaver"]
    assert plan.notices[0].subject == str(DAVID)
    assert world.reconciliation().apply(plan).ok
    assert world.members("Relation usagers") == {str(AGNES)}
    assert world.roles_of(DAVID) == set()
    assert world.user(DAVID) is not None  # never deleted
    assert world.reconciliation().plan().empty


def test_an_account_disabled_in_entra_is_treated_as_leaving(world: World) -> None:
    _apply_all(world)
    document = copy.deepcopy(world.document)
    document["users"][3]["accountEnabled"] = False  # David
    world.set_document(document)
    plan = world.reconciliation().plan()
    assert {(c.action, c.object_id or c.principal) for c in plan.changes} == {
        ("revoke_user_role", user_id_for(DAVID)),
        ("remove_member", user_id_for(DAVID)),
    }


def test_a_mover_changes_routing_team(world: World) -> None:
    _apply_all(world)
    document = copy.deepcopy(world.document)
    document["groups"][0]["members"].append(str(DAVID))  # into Voirie
    document["groups"][2]["members"] = [str(AGNES)]  # out of the front office
    world.set_document(document)
    plan = world.reconciliation().plan()
    assert plan.by_action() == {"add_member": 1, "remove_member": 1}
    assert not [n for n in plan.notices if n.kind == "leaver"]
    assert world.reconciliation().apply(plan).ok
    assert str(DAVID) in world.members("Voirie")
    assert str(DAVID) not in world.members("Relation usagers")
    assert world.roles_of(DAVID) == {"Basic User"}  # kept: Voirie grants it too


def test_someone_added_by_hand_to_a_served_routing_team_is_removed(world: World) -> None:
    _apply_all(world)
    user = world.user(BRUNO)
    assert user is not None
    team = world.team("Relation usagers")["teamid"]
    world.client.associate(
        "teams", team, "teammembership_association", "systemusers", user["systemuserid"]
    )
    plan = world.reconciliation().plan()
    assert [(c.action, c.label, c.target_label) for c in plan.changes] == [
        ("remove_member", "bruno.lefevre@mairie.example", "Relation usagers")
    ]


def test_the_keep_list_and_application_users_are_never_changed(world: World) -> None:
    _apply_all(world)
    app_user = world.user(uuid.UUID(CALLER_OBJECT_ID))
    assert app_user is not None
    team = world.team("Voirie")["teamid"]
    world.client.associate(
        "teams", team, "teammembership_association", "systemusers", app_user["systemuserid"]
    )
    document = copy.deepcopy(world.document)
    document["groups"][2]["members"] = [str(AGNES)]  # David left
    world.set_document(document)
    world.model = replace(DEFAULT_MODEL, keep=frozenset({DAVID}))
    assert world.reconciliation().plan().empty


def test_extra_team_roles_are_revoked_and_missing_ones_granted(world: World) -> None:
    _apply_all(world)
    world.model = model(
        group("voirie", DEFAULT_MODEL.groups[0].object_id, serves="Voirie",
              team_roles=("Customer Service Manager",)),
        DEFAULT_MODEL.groups[1],
    )  # fmt: skip
    plan = world.reconciliation().plan()
    assert [(c.action, c.target_label) for c in plan.changes] == [
        ("grant_team_role", "Customer Service Manager"),
        ("revoke_team_role", "Customer Service Representative"),
    ]


def test_licences_not_assigned_are_only_reported(world: World) -> None:
    world.model = model(
        group("voirie", DEFAULT_MODEL.groups[0].object_id, assign_licence=False),
    )
    plan = world.reconciliation().plan()
    assert "assign_licence" not in plan.by_action()
    assert [(n.kind, n.subject) for n in plan.notices] == [("licence_missing", str(CAMILLE))]


def test_leavers_licences_are_removed_when_the_model_says_so(world: World) -> None:
    _apply_all(world)
    document = copy.deepcopy(world.document)
    document["groups"][2]["members"] = [str(AGNES)]
    world.set_document(document)
    world.model = replace(DEFAULT_MODEL, remove_leaver_licences=True)
    plan = world.reconciliation().plan()
    assert ("remove_licence", DAVID, SKU) in {
        (c.action, c.principal, c.target) for c in plan.changes
    }
    assert world.reconciliation().apply(plan).ok
    assert world.directory is not None
    found = world.directory.user(DAVID)
    assert found is not None
    assert SKU not in found.licences


def test_a_member_the_directory_withholds_is_reported_not_provisioned(world: World) -> None:
    document = copy.deepcopy(world.document)
    document["users"][2] = {"id": str(CAMILLE)}  # no User.Read.All: the id only
    world.set_document(document)
    plan = world.reconciliation().plan()
    assert "create_user" in plan.by_action()  # David still is
    assert all(c.object_id != CAMILLE for c in plan.changes)
    assert ("withheld", str(CAMILLE)) in {(n.kind, n.subject) for n in plan.notices}


@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        (
            {"member_roles": ("Agent voirie",)},
            "agents.groups.voirie.member_roles: no role 'Agent voirie' in business unit 'Mairie'",
        ),
        (
            {"business_unit": "Métropole"},
            "agents.groups.voirie.business_unit: no business unit named 'Métropole' in Dataverse",
        ),
        (
            {"object_id": uuid.UUID("00000000-0000-0000-0000-0000000000aa")},
            "agents.groups.voirie.object_id: group 00000000-0000-0000-0000-0000000000aa is not"
            " in the directory",
        ),
        (
            {"serves": "Espaces verts"},
            "agents.groups.voirie.serves: no team named 'Espaces verts' in Dataverse",
        ),
        (
            {"team": "Population"},
            "agents.groups.voirie.team: a team named 'Population' already exists in business"
            " unit 'Mairie' and is not this group's team",
        ),
    ],
)
def test_bad_references_fail_before_any_write(
    world: World, changes: dict[str, object], problem: str
) -> None:
    world.model = model(replace(DEFAULT_MODEL.groups[0], **changes))
    with pytest.raises(ReconcileError) as caught:
        world.reconciliation().plan()
    assert caught.value.problems == (problem,)
    assert world.transport.writes == []


@pytest.mark.parametrize("lose_reply", [False, True])
@pytest.mark.parametrize("per_batch", [1, 3])
def test_a_crash_between_writes_is_completed_by_the_next_run(
    world: World, lose_reply: bool, per_batch: int
) -> None:
    world.transport.crash_after = 1
    world.transport.lose_reply = lose_reply
    reconciliation = world.reconciliation(per_batch=per_batch)
    with pytest.raises(Exception, match="test"):
        reconciliation.apply(reconciliation.plan())
    world.transport.crash_after = None
    again = world.reconciliation(per_batch=per_batch)
    plan = again.plan()
    assert not plan.empty
    report = again.apply(plan)
    assert report.ok, report.failed
    assert world.reconciliation().plan().empty
    assert world.members("Voirie") == {str(BRUNO), str(CAMILLE)}


def test_a_stale_plan_applied_twice_counts_what_was_done_already(world: World) -> None:
    reconciliation = world.reconciliation()
    plan = reconciliation.plan()
    assert reconciliation.apply(plan).ok
    again = reconciliation.apply(plan)  # every change set refused, then replayed one by one
    assert again.ok
    assert sum(again.already.values()) == len(plan.changes) - 1  # the licence: Graph's own
    assert sum(again.done.values()) == 1


def test_one_request_per_write_when_not_batched(world: World) -> None:
    reconciliation = world.reconciliation()
    plan = reconciliation.plan()
    report = reconciliation.apply(plan, batched=False)
    assert report.ok
    assert report.dataverse_requests == len(plan.changes) - 1  # the licence goes to Graph
    assert world.reconciliation().plan().empty


def test_writes_done_for_an_agent_are_audited_as_that_agent(world: World) -> None:
    reconciliation = world.reconciliation()
    report = reconciliation.apply(reconciliation.plan(), acting_for=AGNES)
    assert report.ok
    agnes = world.user(AGNES)
    assert agnes is not None
    team = world.team("Voirie (Entra ID)")
    assert team["_createdby_value"] == agnes["systemuserid"]
    assert team["_createdonbehalfby_value"] is not None  # the application user
    sent = [r for r in world.transport.sent if r.method in WRITES]
    assert sent
    assert all(r.headers.get("CallerObjectId") == str(AGNES) for r in sent)


def test_an_unknown_agent_is_refused_before_any_write(world: World) -> None:
    reconciliation = world.reconciliation()
    plan = reconciliation.plan()
    with pytest.raises(PermissionDeniedError) as caught:
        reconciliation.apply(plan, acting_for=uuid.UUID(int=7))
    assert caught.value.code == "0x8004049e"
    assert world.transport.writes == []


def test_an_empty_model_reads_and_writes_nothing(world: World) -> None:
    world.model = model()
    assert world.reconciliation().plan() == Plan()
    assert world.transport.sent == []


def test_logs_name_no_one(world: World, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    world.logger = logging.getLogger("tests.agents.logs")
    reconciliation = world.reconciliation()
    reconciliation.apply(reconciliation.plan())
    text = caplog.text
    assert "agents plan: 2 group(s), 4 member(s)" in text
    for secret in ("mairie.example", "Camille", "Nguyen", "Bruno", "Agnès", "david"):
        assert secret not in text


def test_a_new_member_of_an_applied_model_is_provisioned_on_the_next_run(world: World) -> None:
    _apply_all(world)
    newcomer = uuid.UUID("7dcbe049-9ac0-4600-b770-627f85e6214d")
    document = copy.deepcopy(world.document)
    document["users"].append(person(newcomer, "eve.durand"))
    document["groups"][0]["members"].append(str(newcomer))
    world.set_document(document)
    plan = world.reconciliation().plan()
    assert plan.by_action() == {"create_user": 1, "grant_user_role": 1, "add_member": 1}
    assert world.reconciliation().apply(plan).dataverse_requests == 1
