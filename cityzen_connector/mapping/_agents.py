"""Agents' access model: ``[agents]`` in ``mappings/agents.toml``, validated at load.

Each entry of ``[agents.groups.<code>]`` is one Microsoft Entra ID group (by object id) and
what its members get in Dynamics 365: a group team in a business unit with security roles,
optionally roles granted to each member directly, the licence they need, and the routing team
of ``[routing]`` whose cases they handle. Errors name the entry (``agents.groups.voirie``) and
the key, never a person; whether the business units, roles and groups exist is only known at
plan time (``agents/``), which refuses before any write.

Values from Microsoft Learn, "Team table/entity reference": ``teamtype`` 2 AAD Security Group,
3 AAD Office Group (a Microsoft 365 group); ``membershiptype`` 0 Members and guests, 1 Members,
2 Owners, 3 Guests ("Manage group teams": which of the group's users the team takes).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator

from ._config import RoutingConfig
from ._errors import FileProblem

__all__ = [
    "MEMBERSHIP_TYPES",
    "TEAM_TYPES",
    "AccessGroup",
    "AccessModel",
    "AgentsConfig",
    "build_access_model",
]

# "Team table/entity reference": TeamType and MembershipType choices.
TEAM_TYPES: dict[str, int] = {"security": 2, "microsoft365": 3}
MEMBERSHIP_TYPES: dict[str, int] = {
    "members_and_guests": 0,
    "members": 1,
    "owners": 2,
    "guests": 3,
}
Code = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_-]{0,63}$")]
# Role names hold at most 100 characters, team and business unit names 160 (table references).
RoleName = Annotated[str, Field(min_length=1, max_length=100)]
Name = Annotated[str, Field(min_length=1, max_length=160)]


def _guid(value: str) -> str:
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise ValueError("must be a GUID (an object id as Entra ID shows it)") from None


ObjectId = Annotated[str, AfterValidator(_guid)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


def _unique(values: list[str]) -> list[str]:
    repeated = sorted({v for v in values if values.count(v) > 1})
    if repeated:
        raise ValueError(f"listed twice: {', '.join(repeated)}")
    return values


class GroupConfig(_Strict):
    object_id: ObjectId
    business_unit: Name
    team: Name
    group_type: Literal["security", "microsoft365"] = "security"
    membership: Literal["members_and_guests", "members", "owners", "guests"] = "members_and_guests"
    team_roles: list[RoleName] = Field(default_factory=list)
    member_roles: list[RoleName] = Field(default_factory=list)
    licence_sku: ObjectId | None = None
    assign_licence: bool = True
    serves: Name | None = None

    _roles_unique = field_validator("team_roles", "member_roles")(_unique)


class AgentsConfig(_Strict):
    groups: Annotated[dict[Code, GroupConfig], Field(min_length=1)]
    # Object ids of Entra ID users the reconciliation never changes (break-glass administrators).
    keep: list[ObjectId] = Field(default_factory=list)
    # "remove": a leaver's licences among the SKUs this model assigns are removed through Graph
    # (Dataverse then disables the user: "Create users", Enable or disable user accounts).
    leavers_licences: Literal["keep", "remove"] = "keep"


@dataclass(frozen=True)
class AccessGroup:
    """One Entra ID group and what its members get (``agents.groups.<code>``)."""

    code: str
    object_id: uuid.UUID
    business_unit: str
    team: str
    team_type: int
    membership_type: int
    membership: str
    team_roles: tuple[str, ...]
    member_roles: tuple[str, ...]
    licence_sku: uuid.UUID | None
    assign_licence: bool
    serves: str | None

    @property
    def entry(self) -> str:
        """How errors and plans name it."""
        return f"agents.groups.{self.code}"


@dataclass(frozen=True)
class AccessModel:
    """The validated access model; empty when no mapping file declares ``[agents]``."""

    groups: tuple[AccessGroup, ...] = ()
    keep: frozenset[uuid.UUID] = frozenset()
    remove_leaver_licences: bool = False
    file: str = ""

    @property
    def member_roles(self) -> frozenset[str]:
        """Role names granted directly to members by some group."""
        return frozenset(role for group in self.groups for role in group.member_roles)

    @property
    def licences(self) -> frozenset[uuid.UUID]:
        return frozenset(g.licence_sku for g in self.groups if g.licence_sku is not None)


def build_access_model(
    file: str, config: AgentsConfig, routing: RoutingConfig, problems: list[FileProblem]
) -> AccessModel:
    """The model, or problems appended (each naming ``file`` and the entry's key)."""
    groups: list[AccessGroup] = []
    seen: dict[tuple[uuid.UUID, int], str] = {}
    teams: dict[tuple[str, str], str] = {}
    routing_teams = set(routing.teams)

    def report(key: str, message: str) -> None:
        problems.append(FileProblem(file, key, message))

    for code, raw in config.groups.items():
        group = _group(code, raw)
        where = group.entry
        pair = (group.object_id, group.membership_type)
        if pair in seen:
            report(f"{where}.object_id", f"group and membership already declared in {seen[pair]}")
        seen.setdefault(pair, where)
        # "Manage group teams": a team name must be unique within its business unit.
        named = (group.business_unit.casefold(), group.team.casefold())
        if named in teams:
            report(
                f"{where}.team", f"team name already used in this business unit by {teams[named]}"
            )
        teams.setdefault(named, where)
        if group.serves is not None and group.serves not in routing_teams:
            report(
                f"{where}.serves",
                f"unknown routing team '{group.serves}' (declare it in routing.teams)",
            )
        _check_overlap(group, report)
        groups.append(group)
    return AccessModel(
        tuple(groups),
        frozenset(uuid.UUID(value) for value in config.keep),
        config.leavers_licences == "remove",
        file,
    )


def _group(code: str, raw: GroupConfig) -> AccessGroup:
    return AccessGroup(
        code=code,
        object_id=uuid.UUID(raw.object_id),
        business_unit=raw.business_unit,
        team=raw.team,
        team_type=TEAM_TYPES[raw.group_type],
        membership_type=MEMBERSHIP_TYPES[raw.membership],
        membership=raw.membership,
        team_roles=tuple(raw.team_roles),
        member_roles=tuple(raw.member_roles),
        licence_sku=uuid.UUID(raw.licence_sku) if raw.licence_sku else None,
        assign_licence=raw.assign_licence,
        serves=raw.serves,
    )


def _check_overlap(group: AccessGroup, report: Callable[[str, str], None]) -> None:
    if not group.team_roles and not group.member_roles and group.serves is None:
        report(group.entry, "grants nothing: give team_roles, member_roles or serves")
