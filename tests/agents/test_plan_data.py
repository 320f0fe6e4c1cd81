"""The plan is data: JSON out and back in, counts-only summaries, hostile plan files refused."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest

from cityzen_connector.agents import Change, Plan, request_for

from .conftest import World


def test_a_plan_round_trips_through_json(world: World) -> None:
    plan = world.reconciliation().plan()
    text = json.dumps(plan.to_json())
    assert Plan.from_json(json.loads(text)) == plan


def test_a_plan_read_back_applies_as_reviewed(world: World) -> None:
    reviewed = Plan.from_json(json.loads(json.dumps(world.reconciliation().plan().to_json())))
    assert world.reconciliation().apply(reviewed).ok
    assert world.reconciliation().plan().empty


def test_the_summary_holds_counts_only(world: World) -> None:
    summary = world.reconciliation().plan().summary()
    assert summary.startswith("2 create_team, 2 grant_team_role, 2 create_user")
    assert "@" not in summary


def _plan(change: dict[str, Any]) -> dict[str, Any]:
    base = {"action": "grant_user_role", "principal": str(uuid.UUID(int=1)),
            "target": str(uuid.UUID(int=2))}  # fmt: skip
    return {"changes": [{**base, **change}]}


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ([], "a plan is a JSON object with a 'changes' list"),
        ({"changes": "x"}, "a plan is a JSON object with a 'changes' list"),
        (_plan({"action": "delete_user"}), "change 0: a change has an unknown action"),
        (_plan({"principal": "robert'); drop"}), "change 0: principal is not a GUID"),
        (_plan({"fields": {"isdisabled": "true"}}), "change 0: a grant_user_role change has"),
        (
            _plan({"action": "create_user", "fields": {"upn": "x", "isdisabled": "1"}}),
            "change 0: a create_user change has fields it may not have",
        ),
        (_plan({"label": "x" * 5000}), "change 0: a text field is not a string"),
        (
            _plan(
                {
                    "action": "create_user",
                    "object_id": str(uuid.UUID(int=3)),
                    "fields": {"upn": "a@b.fr", "lastname": "B", "business_unit": "Mairie"},
                }
            ),
            "change 0: business_unit is not a GUID",
        ),
        (
            _plan(
                {
                    "action": "create_user",
                    "fields": {
                        "upn": "a@b.fr",
                        "lastname": "B",
                        "business_unit": str(uuid.UUID(int=8)),
                    },
                }
            ),
            "change 0: a create_user change needs the object_id it is about",
        ),
        (
            _plan(
                {
                    "action": "create_team",
                    "object_id": str(uuid.UUID(int=3)),
                    "fields": {
                        "name": "T",
                        "business_unit": str(uuid.UUID(int=8)),
                        "administrator": str(uuid.UUID(int=9)),
                        "team_type": "0",
                        "membership_type": "0",
                    },
                }
            ),
            "change 0: team_type is not one of 2, 3",
        ),
        (
            _plan(
                {
                    "action": "create_user",
                    "object_id": str(uuid.UUID(int=3)),
                    "fields": {"upn": "a@b.fr"},
                }
            ),
            "change 0: a create_user change lacks business_unit, lastname",
        ),
        ({"changes": [], "counts": {"groups": "many"}}, "'counts' is an object of integers"),
        ({"changes": [None] * 10_001}, "at most 10000 changes"),
    ],
)
def test_hostile_plan_files_are_refused_naming_what_is_wrong(raw: Any, message: str) -> None:
    with pytest.raises(ValueError) as caught:  # noqa: PT011 - the message is checked below
        Plan.from_json(raw)
    assert message in str(caught.value)
    assert "drop" not in str(caught.value)


def test_each_change_is_one_documented_web_api_request() -> None:
    root = "http://127.0.0.1:7072/api/data/v9.2/"
    team, role, user = uuid.UUID(int=1), uuid.UUID(int=2), uuid.UUID(int=3)
    grant = request_for(Change("grant_team_role", team, role), root)
    assert (grant.method, grant.path) == ("POST", f"teams({team})/teamroles_association/$ref")
    assert grant.body == {"@odata.id": f"{root}roles({role})"}
    member = request_for(Change("add_member", user, team), root)
    assert member.path == f"teams({team})/teammembership_association/$ref"
    assert member.body == {"@odata.id": f"{root}systemusers({user})"}
    removal = request_for(Change("remove_member", user, team), root)
    assert (removal.method, removal.path) == (
        "DELETE", f"teams({team})/teammembership_association({user})/$ref",
    )  # fmt: skip
    revoke = request_for(Change("revoke_user_role", user, role), root)
    assert revoke.path == f"systemusers({user})/systemuserroles_association({role})/$ref"
    created = request_for(
        Change("create_user", user, None, object_id=uuid.UUID(int=9),
               fields=(("upn", "a@b.fr"), ("lastname", "B"),
                       ("business_unit", str(uuid.UUID(int=8))))),
        root,
    )  # fmt: skip
    assert (created.method, created.path) == ("PATCH", f"systemusers({user})")
    assert created.headers.get("If-None-Match") == "*"  # create only: a repeat finds its row
    assert created.body == {
        "azureactivedirectoryobjectid": str(uuid.UUID(int=9)),
        "domainname": "a@b.fr",
        "lastname": "B",
        "businessunitid@odata.bind": f"/businessunits({uuid.UUID(int=8)})",
    }
