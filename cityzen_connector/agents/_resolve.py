"""The model's references, resolved against Dataverse and the directory before planning.

Every business unit, role and routing team the access model names must exist in Dataverse
(one of each name), every group in the directory, and a group team to be created must not
clash with a team of the same name in its business unit ("Manage group teams": names are
unique within a business unit). All problems are collected, then ``ReconcileError`` lists them:
nothing has been written.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from cityzen_connector.mapping import AccessGroup, AccessModel

from ._directory import Directory, DirectoryUser
from ._errors import ReconcileError, UnknownGroupError
from ._state import DataverseState

__all__ = ["Resolved", "resolve"]


@dataclass
class Resolved:
    unit: dict[str, uuid.UUID] = field(default_factory=dict)  # group code → business unit
    routing: dict[str, uuid.UUID] = field(default_factory=dict)  # routing team name → team
    members: dict[str, list[DirectoryUser]] = field(default_factory=dict)


def resolve(model: AccessModel, directory: Directory, state: DataverseState) -> Resolved:
    problems: list[str] = []
    out = Resolved()
    for group in model.groups:
        _resolve_group(group, directory, state, out, problems)
    if problems:
        raise ReconcileError(problems)
    return out


def _resolve_group(
    group: AccessGroup,
    directory: Directory,
    state: DataverseState,
    out: Resolved,
    problems: list[str],
) -> None:
    where = group.entry
    units = state.business_units.get(group.business_unit.casefold(), [])
    if len(units) != 1:
        problems.append(
            f"{where}.business_unit: {'several' if units else 'no'} business unit"
            f" named '{group.business_unit}' in Dataverse"
        )
        return
    unit = out.unit[group.code] = units[0]
    for key, names in (("team_roles", group.team_roles), ("member_roles", group.member_roles)):
        problems.extend(
            f"{where}.{key}: no role '{name}' in business unit '{group.business_unit}'"
            for name in names
            if (name.casefold(), unit) not in state.roles
        )
    if group.serves is not None:
        found = state.teams_named(group.serves)
        if len(found) == 1:
            out.routing[group.serves] = found[0].id
        else:
            problems.append(
                f"{where}.serves: {'several teams' if found else 'no team'} named"
                f" '{group.serves}' in Dataverse"
            )
    if state.group_team(group.object_id, group.membership_type) is None:
        problems.extend(
            f"{where}.team: a team named '{group.team}' already exists in business unit"
            f" '{group.business_unit}' and is not this group's team"
            for team in state.teams_named(group.team)
            if team.business_unit == unit
        )
    try:
        out.members[group.code] = list(
            directory.members(group.object_id, owners=group.membership == "owners")
        )
    except UnknownGroupError:
        problems.append(f"{where}.object_id: group {group.object_id} is not in the directory")
