"""``mappings/agents.toml``: the agents' access model, validated at load; every error names the
file, the entry and the key, never a person."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from cityzen_connector.mapping import AccessModel, MappingFileError, MappingSet, load_mappings

GROUP = "58a4ea16-d0bf-4432-a3fb-24fc847e22d7"


def _error(folder: Path) -> str:
    with pytest.raises(MappingFileError) as caught:
        load_mappings(folder)
    return str(caught.value)


def _agents(folder: Path, body: str) -> Path:
    (folder / "agents.toml").write_text(body, encoding="utf-8")
    return folder


ENTRY = f"""
[agents.groups.voirie]
object_id = "{GROUP}"
business_unit = "Mairie"
team = "Voirie (Entra ID)"
team_roles = ["Customer Service Representative"]
serves = "Voirie"
"""


def test_the_shipped_access_model_loads(shipped: MappingSet) -> None:
    agents = shipped.agents
    assert [g.code for g in agents.groups] == ["relation-usagers", "voirie", "encadrement"]
    voirie = agents.groups[1]
    assert voirie.entry == "agents.groups.voirie"
    assert (voirie.team_type, voirie.membership_type) == (2, 1)  # AAD Security Group, Members
    assert voirie.serves == "Voirie"
    assert voirie.member_roles == ("Basic User",)
    assert agents.file == "mappings/agents.toml"
    assert not agents.remove_leaver_licences


def test_without_an_agents_table_the_model_is_empty(mapping_dir: Path) -> None:
    (mapping_dir / "agents.toml").unlink()
    assert load_mappings(mapping_dir).agents == AccessModel()


def test_defaults_membership_types_and_the_keep_list(mapping_dir: Path) -> None:
    keep = "30a5d651-b447-48fa-b373-3a4c7ff734e7"
    body = f'[agents]\nkeep = ["{keep}"]\nleavers_licences = "remove"\n' + ENTRY.replace(
        'serves = "Voirie"', 'serves = "Voirie"\ngroup_type = "microsoft365"\nmembership = "guests"'
    )
    agents = load_mappings(_agents(mapping_dir, body)).agents
    (group,) = agents.groups
    assert (group.team_type, group.membership_type) == (3, 3)
    assert group.licence_sku is None
    assert group.assign_licence
    assert agents.keep == frozenset({uuid.UUID(keep)})
    assert agents.remove_leaver_licences


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            ('serves = "Voirie"', 'serves = "Voierie"'),
            "agents.groups.voirie.serves: unknown routing team 'Voierie'"
            " (declare it in routing.teams)",
        ),
        (
            (f'object_id = "{GROUP}"', 'object_id = "not-a-guid"'),
            "agents.groups.voirie.object_id: must be a GUID (an object id as Entra ID shows it)",
        ),
        (
            ('serves = "Voirie"', 'serves = "Voirie"\nmembership = "everyone"'),
            "agents.groups.voirie.membership: Input should be 'members_and_guests'",
        ),
        (
            ('serves = "Voirie"', 'serves = "Voirie"\nadmin = true'),
            "agents.groups.voirie.admin: unknown key",
        ),
        (
            ('team_roles = ["Customer Service Representative"]', 'team_roles = ["A", "A"]'),
            "agents.groups.voirie.team_roles: listed twice: A",
        ),
        (
            ('team = "Voirie (Entra ID)"\n', ""),
            "agents.groups.voirie.team: required key is missing",
        ),
        (
            ('team_roles = ["Customer Service Representative"]\nserves = "Voirie"', ""),
            "agents.groups.voirie: grants nothing: give team_roles, member_roles or serves",
        ),
        (
            ('serves = "Voirie"', 'serves = "Voirie"\nlicence_sku = "E5"'),
            "agents.groups.voirie.licence_sku: must be a GUID",
        ),
    ],
)
def test_a_bad_entry_is_named_with_its_key(
    mapping_dir: Path, change: tuple[str, str], expected: str
) -> None:
    old, new = change
    assert old in ENTRY
    message = _error(_agents(mapping_dir, ENTRY.replace(old, new)))
    assert f"mappings/agents.toml: {expected}" in message


def test_one_group_declared_twice_and_team_names_clashing(mapping_dir: Path) -> None:
    twice = ENTRY + ENTRY.replace("groups.voirie", "groups.voirie-bis")
    message = _error(_agents(mapping_dir, twice))
    assert (
        "agents.groups.voirie-bis.object_id: group and membership already declared in"
        " agents.groups.voirie" in message
    )
    assert (
        "agents.groups.voirie-bis.team: team name already used in this business unit by"
        " agents.groups.voirie" in message
    )


def test_the_same_group_may_have_a_team_per_membership_type(mapping_dir: Path) -> None:
    owners = ENTRY.replace("groups.voirie", "groups.voirie-chefs").replace(
        'team = "Voirie (Entra ID)"', 'team = "Voirie, chefs (Entra ID)"\nmembership = "owners"'
    )
    assert len(load_mappings(_agents(mapping_dir, ENTRY + owners)).agents.groups) == 2


def test_an_agents_table_needs_groups_and_is_defined_once(mapping_dir: Path) -> None:
    _agents(mapping_dir, "[agents]\nkeep = []\n")
    assert "mappings/agents.toml: agents.groups: required key is missing" in _error(mapping_dir)
    _agents(mapping_dir, ENTRY)
    (mapping_dir / "more.toml").write_text(ENTRY, encoding="utf-8")
    assert "mappings/more.toml: agents: already defined in mappings/agents.toml" in _error(
        mapping_dir
    )
