"""What Dataverse holds that the access model is about, read in a few paged queries.

Business units, the roles the model names (every business unit's copy: "a role is defined in a
business unit"), the group teams (by Entra object id) and the routing teams (by name), the
users that have an Entra object id, then each mapped team's members and roles and each member
role's holders, through the many-to-many collections ("Associate and disassociate table rows
using the Web API": ``teams(<id>)/teammembership_association`` is a filtered collection). About
``8 + 2 x teams + role copies`` requests, whatever the number of members: no per-user query.

Ids, the names of teams, roles and business units, flags, and users' domain names (their
principal names, which the plan shows the operator) are read; no log line carries any name.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace

from cityzen_connector._types import JsonObject
from cityzen_connector.dataverse import (
    DataverseClient,
    DataverseRequest,
    Expect,
    Filter,
    Query,
    in_,
    ne,
    ops,
)
from cityzen_connector.mapping import AccessModel

__all__ = ["DataverseState", "DvTeam", "DvUser", "read_state"]

PAGE_SIZE = 5000  # the largest page Dataverse serves ("Page results using OData")
_CHUNK = 50  # values per `or` of eq: keeps each URL far below the 32,768-character limit


@dataclass(frozen=True)
class DvUser:
    id: uuid.UUID
    object_id: uuid.UUID | None
    business_unit: uuid.UUID | None
    application: bool  # an application user (applicationid set): never managed
    disabled: bool
    domain_name: str = ""  # the user principal name: the plan shows it, logs never do

    def __repr__(self) -> str:
        return f"DvUser({self.id})"


@dataclass(frozen=True)
class DvTeam:
    id: uuid.UUID
    name: str
    team_type: int
    object_id: uuid.UUID | None
    membership_type: int | None
    business_unit: uuid.UUID | None


@dataclass(frozen=True)
class DataverseState:
    caller: uuid.UUID  # the application user (WhoAmI), administrator of the teams it creates
    business_units: dict[str, list[uuid.UUID]]  # name (casefolded) → ids
    business_unit_names: dict[uuid.UUID, str]
    roles: dict[tuple[str, uuid.UUID], uuid.UUID]  # (name casefolded, business unit) → role
    role_names: dict[uuid.UUID, str]
    teams: tuple[DvTeam, ...]
    users: dict[uuid.UUID, DvUser]  # by object id
    users_by_id: dict[uuid.UUID, DvUser]
    team_members: dict[uuid.UUID, frozenset[uuid.UUID]] = field(default_factory=dict)
    team_roles: dict[uuid.UUID, frozenset[uuid.UUID]] = field(default_factory=dict)
    role_holders: dict[uuid.UUID, frozenset[uuid.UUID]] = field(default_factory=dict)
    requests: int = 0  # Dataverse requests the reading took

    def group_team(self, object_id: uuid.UUID, membership_type: int) -> DvTeam | None:
        for team in self.teams:
            same = team.object_id == object_id and team.membership_type == membership_type
            if same and team.team_type in (2, 3):  # AAD Security / Office Group
                return team
        return None

    def teams_named(self, name: str) -> list[DvTeam]:
        wanted = name.casefold()
        return [team for team in self.teams if team.name.casefold() == wanted]


class _Counter:
    def __init__(self, client: DataverseClient) -> None:
        self.client = client
        self.requests = 0

    def rows(self, request: DataverseRequest[object]) -> Iterator[JsonObject]:
        for page in self.client.pages(request):  # type: ignore[arg-type]
            self.requests += 1
            yield from page.records

    def query(self, query: Query) -> Iterator[JsonObject]:
        return self.rows(ops.query(query, max_page_size=PAGE_SIZE))

    def related(
        self, entity_set: str, row: uuid.UUID, navigation: str, column: str
    ) -> set[uuid.UUID]:
        request: DataverseRequest[object] = DataverseRequest(
            "GET",
            f"{entity_set}({row})/{navigation}",
            f"query {entity_set}.{navigation}",
            Expect.COLLECTION,
            safe_to_repeat=True,
            query=(("$select", column),),
            prefer=(f"odata.maxpagesize={PAGE_SIZE}",),
        )
        return {uuid.UUID(str(r[column])) for r in self.rows(request)}


def read_state(client: DataverseClient, model: AccessModel) -> DataverseState:
    reader = _Counter(client)
    caller = client.who_am_i().user_id
    reader.requests += 1
    units: dict[str, list[uuid.UUID]] = {}
    unit_names: dict[uuid.UUID, str] = {}
    for row in reader.query(Query("businessunits").select("businessunitid", "name")):
        unit = uuid.UUID(str(row["businessunitid"]))
        units.setdefault(str(row.get("name") or "").casefold(), []).append(unit)
        unit_names[unit] = str(row.get("name") or "")
    role_names_wanted = sorted({r for g in model.groups for r in (*g.team_roles, *g.member_roles)})
    roles: dict[tuple[str, uuid.UUID], uuid.UUID] = {}
    role_names: dict[uuid.UUID, str] = {}
    for chunk in _chunks(role_names_wanted):
        query = Query("roles").select("roleid", "name", "_businessunitid_value")
        for row in reader.query(query.where(in_("name", chunk))):
            role = uuid.UUID(str(row["roleid"]))
            role_names[role] = str(row.get("name") or "")
            role_unit = _guid(row.get("_businessunitid_value"))
            if role_unit is not None:
                roles[(role_names[role].casefold(), role_unit)] = role
    teams = _teams(reader, model)
    users = _users(reader)
    by_object = {u.object_id: u for u in users if u.object_id is not None}
    state = DataverseState(
        caller=caller,
        business_units=units,
        business_unit_names=unit_names,
        roles=roles,
        role_names=role_names,
        teams=tuple(teams),
        users=by_object,
        users_by_id={u.id: u for u in users},
    )
    return _with_associations(reader, state, model)


def _teams(reader: _Counter, model: AccessModel) -> list[DvTeam]:
    ids = [g.object_id for g in model.groups]
    names = sorted({n for g in model.groups for n in (g.team, g.serves) if n is not None})
    conditions: list[Filter] = [in_("azureactivedirectoryobjectid", c) for c in _chunks(ids)]
    conditions += [in_("name", c) for c in _chunks(names)]
    found: dict[uuid.UUID, DvTeam] = {}
    columns = (
        "teamid",
        "name",
        "teamtype",
        "azureactivedirectoryobjectid",
        "membershiptype",
        "_businessunitid_value",
    )
    for condition in conditions:
        for row in reader.query(Query("teams").select(*columns).where(condition)):
            team = DvTeam(
                id=uuid.UUID(str(row["teamid"])),
                name=str(row.get("name") or ""),
                team_type=int(row.get("teamtype") or 0),
                object_id=_guid(row.get("azureactivedirectoryobjectid")),
                membership_type=_int(row.get("membershiptype")),
                business_unit=_guid(row.get("_businessunitid_value")),
            )
            found[team.id] = team
    return list(found.values())


def _users(reader: _Counter) -> list[DvUser]:
    query = Query("systemusers").select(
        "systemuserid",
        "azureactivedirectoryobjectid",
        "_businessunitid_value",
        "applicationid",
        "isdisabled",
        "domainname",
    )
    users = []
    for row in reader.query(query.where(ne("azureactivedirectoryobjectid", None))):
        users.append(
            DvUser(
                id=uuid.UUID(str(row["systemuserid"])),
                object_id=_guid(row.get("azureactivedirectoryobjectid")),
                business_unit=_guid(row.get("_businessunitid_value")),
                application=row.get("applicationid") is not None,
                disabled=row.get("isdisabled") is True,
                domain_name=str(row.get("domainname") or ""),
            )
        )
    return users


def _with_associations(
    reader: _Counter, state: DataverseState, model: AccessModel
) -> DataverseState:
    """Members of every mapped team, roles of every group team, holders of every copy of every
    role granted to members directly."""
    mapped: dict[uuid.UUID, bool] = {}  # team id → is a group team (its roles are read too)
    for group in model.groups:
        team = state.group_team(group.object_id, group.membership_type)
        if team is not None:
            mapped[team.id] = True
        if group.serves is not None:
            for routing in state.teams_named(group.serves):
                mapped.setdefault(routing.id, False)
    for team_id, is_group_team in mapped.items():
        state.team_members[team_id] = frozenset(
            reader.related("teams", team_id, "teammembership_association", "systemuserid")
        )
        if is_group_team:
            state.team_roles[team_id] = frozenset(
                reader.related("teams", team_id, "teamroles_association", "roleid")
            )
    member_roles = {name.casefold() for name in model.member_roles}
    for (name, _), role in sorted(state.roles.items(), key=lambda item: str(item[1])):
        if name in member_roles:
            state.role_holders[role] = frozenset(
                reader.related("roles", role, "systemuserroles_association", "systemuserid")
            )
    return replace(state, requests=reader.requests)


def _chunks(values: Sequence[str] | Sequence[uuid.UUID]) -> Iterable[list[str | uuid.UUID]]:
    items: list[str | uuid.UUID] = list(values)
    for start in range(0, len(items), _CHUNK):
        yield items[start : start + _CHUNK]


def _guid(value: object) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value)) if value else None
    except ValueError:
        return None


def _int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None
