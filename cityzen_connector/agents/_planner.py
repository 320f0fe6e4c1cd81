"""From the access model, the directory and Dataverse's state to a ``Plan``. Pure but for the
directory reads it asks for; Dataverse's state is read before (``_state.read_state``).

What "kept true" means, relation by relation (each computed as wanted minus held, held minus
wanted, so a second run over an applied plan finds nothing to do):

- each group has its group team (``teamtype`` 2 or 3, the group's object id, its membership
  type, in its business unit), holding exactly the model's ``team_roles``;
- each member has a Dataverse user (created with the directory's principal name, names, mail,
  in the first group's business unit, so cases can be assigned before a first sign-in);
- each routing team a group ``serves`` has exactly those groups' members;
- a group team keeps no member who left its group; Dataverse adds members itself, just in time
  ("Work with Microsoft Entra ID group teams"), so none is added here;
- each member holds exactly the ``member_roles`` of their groups (the copy of the role in their
  business unit), among the roles the model grants directly;
- each member's licence: missing ones reported, and assigned where the model says so.

The model owns the users it placed: a user is changed only if they are in a mapped group, or a
member of a mapped team (group or routing team). Application users, the calling user and the
``keep`` list are never changed. A leaver (in a mapped team, in no mapped group, or disabled in
Entra ID) loses the model's roles and team memberships; users are never deleted.
"""

from __future__ import annotations

import uuid
from typing import Any

from cityzen_connector.mapping import MEMBERSHIP_TYPES, AccessGroup, AccessModel

from ._directory import Directory, DirectoryUser
from ._plan import ORDER, Action, Change, Notice, Plan
from ._resolve import Resolved, resolve
from ._state import DataverseState

__all__ = ["NAMESPACE", "plan_reconciliation", "team_id_for", "user_id_for"]

# Ids of the rows the connector creates are chosen (uuid5), so a create repeated after a lost
# reply finds its row ("Use Upsert to Create or Update a record": create-only by id).
NAMESPACE = uuid.UUID("3f7c2a91-6e0b-5d4c-8a19-0c2e7b5f4d61")
_MAX_NAME, _MAX_MAIL = 256, 100  # systemuser firstname/lastname and internalemailaddress


def team_id_for(group: AccessGroup) -> uuid.UUID:
    return uuid.uuid5(NAMESPACE, f"team:{group.object_id}:{group.membership_type}")


def user_id_for(object_id: uuid.UUID) -> uuid.UUID:
    return uuid.uuid5(NAMESPACE, f"systemuser:{object_id}")


def plan_reconciliation(model: AccessModel, directory: Directory, state: DataverseState) -> Plan:
    """The plan; ``ReconcileError`` listing every reference the model makes that Dataverse or
    the directory lacks (nothing is written then)."""
    resolved = resolve(model, directory, state)
    return _Planner(model, directory, state, resolved).plan()


def _takes(group: AccessGroup, user: DirectoryUser) -> bool:
    """Whether the group team takes this user ("Manage group teams", membership types);
    disabled accounts are leaving."""
    if not user.enabled:
        return False
    if group.membership_type == MEMBERSHIP_TYPES["guests"]:
        return user.user_type == "Guest"
    if group.membership_type == MEMBERSHIP_TYPES["members_and_guests"]:
        return True
    return user.user_type != "Guest"  # members, owners: user type Member


class _Planner:
    def __init__(
        self, model: AccessModel, directory: Directory, state: DataverseState, resolved: Resolved
    ) -> None:
        self.model, self.directory, self.state, self.resolved = model, directory, state, resolved
        self.changes: list[Change] = []
        self.notices: list[Notice] = []
        self.team_of: dict[str, uuid.UUID] = {}
        self.user_of: dict[uuid.UUID, uuid.UUID] = {}  # object id → systemuserid
        self.unit_of: dict[uuid.UUID, uuid.UUID | None] = {}  # systemuserid → business unit
        self.label_of: dict[uuid.UUID, str] = {}  # systemuserid → principal name
        self.effective = {
            g.code: [u for u in resolved.members[g.code] if _takes(g, u)] for g in model.groups
        }
        protected = {u.id for u in state.users_by_id.values() if u.application}
        protected |= {u.id for o, u in state.users.items() if o in model.keep}
        # A team member without an Entra object id is no one the directory can speak of.
        in_teams = {u for members in state.team_members.values() for u in members}
        protected |= in_teams - set(state.users_by_id)
        self.protected = protected | {state.caller}
        self.managed: set[uuid.UUID] = set()

    def change(  # noqa: PLR0917 - a Change's own fields, in its order
        self, action: Action, principal: uuid.UUID, target: uuid.UUID | None,
        entry: str, label: str, target_label: str, **extra: Any,
    ) -> None:  # fmt: skip
        self.changes.append(Change(action, principal, target, entry, label=label,
                                   target_label=target_label, **extra))  # fmt: skip

    def note(self, kind: str, entry: str, subject: object, detail: str = "") -> None:
        self.notices.append(Notice(kind, entry, str(subject), detail))

    def plan(self) -> Plan:
        for group in self.model.groups:
            self._group_team(group)
        self._users()
        wanted_in = self._memberships()
        self._direct_roles(wanted_in)
        self._licences()
        changes = sorted(self.changes, key=lambda c: (ORDER[c.action], c.label, c.target_label))
        members = {u.id for users in self.effective.values() for u in users}
        counts = {
            "groups": len(self.model.groups),
            "members": len(members),
            "dataverse_requests": self.state.requests,
        }
        return Plan(tuple(changes), tuple(self.notices), counts)

    # -- group teams -----------------------------------------------------------------------
    def _group_team(self, group: AccessGroup) -> None:
        unit = self.resolved.unit[group.code]
        existing = self.state.group_team(group.object_id, group.membership_type)
        team_unit = unit
        if existing is None:
            team = team_id_for(group)
            fields = {
                "name": group.team,
                "business_unit": str(unit),
                "team_type": str(group.team_type),
                "membership_type": str(group.membership_type),
                "administrator": str(self.state.caller),
            }
            self.change("create_team", team, None, group.entry, group.team, group.business_unit,
                        object_id=group.object_id, fields=tuple(fields.items()))  # fmt: skip
        else:
            team, team_unit = existing.id, existing.business_unit or unit
            if team_unit != unit:
                detail = "the group team is in another business unit than the model says"
                self.note("team_elsewhere", group.entry, group.object_id, detail)
        self.team_of[group.code] = team
        wanted = set()
        for name in group.team_roles:
            role = self.state.roles.get((name.casefold(), team_unit))
            if role is None:
                self.note("role_missing", group.entry, group.object_id, name)
            else:
                wanted.add(role)
        held = self.state.team_roles.get(team, frozenset())
        for role in sorted(wanted - held, key=str):
            self.change("grant_team_role", team, role, group.entry, group.team,
                        self.state.role_names[role], object_id=group.object_id)  # fmt: skip
        for role in sorted(held - wanted, key=str):
            self.change("revoke_team_role", team, role, group.entry, group.team,
                        self._role(role), object_id=group.object_id)  # fmt: skip

    def _role(self, role: uuid.UUID) -> str:
        return self.state.role_names.get(role, str(role))

    # -- users -----------------------------------------------------------------------------
    def _users(self) -> None:
        first_group: dict[uuid.UUID, tuple[AccessGroup, DirectoryUser]] = {}
        for group in self.model.groups:
            for user in self.effective[group.code]:
                first_group.setdefault(user.id, (group, user))
        for object_id, (group, user) in first_group.items():
            existing = self.state.users.get(object_id)
            if existing is not None:
                self.user_of[object_id] = existing.id
                self.unit_of[existing.id] = existing.business_unit
                self.label_of[existing.id] = user.upn or existing.domain_name or str(object_id)
                continue
            if user.upn is None:
                self.note(
                    "withheld", group.entry, object_id, "the directory withheld its properties"
                )
                continue
            created = user_id_for(object_id)
            unit = self.resolved.unit[group.code]
            self.user_of[object_id], self.unit_of[created] = created, unit
            self.label_of[created] = user.upn
            self.change("create_user", created, None, group.entry, user.upn, group.business_unit,
                        object_id=object_id, fields=_user_fields(user, unit))  # fmt: skip

    def _label(self, user: uuid.UUID) -> str:
        if user in self.label_of:
            return self.label_of[user]
        known = self.state.users_by_id.get(user)
        return (known.domain_name or str(known.object_id)) if known else str(user)

    # -- team memberships ------------------------------------------------------------------
    def _memberships(self) -> dict[uuid.UUID, set[str]]:
        """Add and remove members of routing teams, remove leavers from group teams; returns
        the groups each wanted user is in (by Dataverse user id)."""
        wanted_in: dict[uuid.UUID, set[str]] = {}
        routing_wanted: dict[uuid.UUID, set[uuid.UUID]] = {}
        routing_entry: dict[uuid.UUID, str] = {}
        names = {team_id: name for name, team_id in self.resolved.routing.items()}
        for group in self.model.groups:
            users = {self.user_of[u.id] for u in self.effective[group.code] if u.id in self.user_of}
            for user in users:
                wanted_in.setdefault(user, set()).add(group.code)
            if group.serves is not None:
                team = self.resolved.routing[group.serves]
                routing_wanted.setdefault(team, set()).update(users)
                routing_entry.setdefault(team, group.entry)
            self._remove_members(self.team_of[group.code], users, group.entry, group.team)
        for team, users in routing_wanted.items():
            held = self.state.team_members.get(team, frozenset())
            for user in sorted(users - held, key=str):
                self.change("add_member", user, team, routing_entry[team], self._label(user),
                            names[team])  # fmt: skip
            self._remove_members(team, users, routing_entry[team], names[team])
        in_teams = {u for members in self.state.team_members.values() for u in members}
        self.managed = in_teams - self.protected
        for user in sorted(self.managed - set(wanted_in), key=str):
            known = self.state.users_by_id[user]
            self.note("leaver", "", known.object_id, "in no mapped group any more")
        return wanted_in

    def _remove_members(
        self, team: uuid.UUID, wanted: set[uuid.UUID], entry: str, team_name: str
    ) -> None:
        held = self.state.team_members.get(team, frozenset())
        for user in sorted(held - wanted - self.protected, key=str):
            self.change("remove_member", user, team, entry, self._label(user), team_name)

    # -- roles granted to members directly -------------------------------------------------
    def _direct_roles(self, wanted_in: dict[uuid.UUID, set[str]]) -> None:
        held: dict[uuid.UUID, set[uuid.UUID]] = {}
        for role, holders in self.state.role_holders.items():
            for user in holders:
                held.setdefault(user, set()).add(role)
        for user in sorted((set(wanted_in) | self.managed) - self.protected, key=str):
            groups = [g for g in self.model.groups if g.code in wanted_in.get(user, ())]
            entry = next((g.entry for g in groups if g.member_roles), "")
            wanted = self._wanted_roles(user, groups)
            has = held.get(user, set())
            known = self.state.users_by_id.get(user)
            if known is not None and known.disabled and wanted - has:
                # Dataverse refuses roles to disabled users ("Create users", unless the
                # organisation allows it): they come with the run after the user is enabled.
                self.note("disabled", entry, known.object_id, "disabled in Dataverse")
                wanted &= has
            label = self._label(user)
            for role in sorted(wanted - has, key=str):
                self.change("grant_user_role", user, role, entry, label, self._role(role))
            for role in sorted(has - wanted, key=str):
                self.change("revoke_user_role", user, role, entry, label, self._role(role))

    def _wanted_roles(self, user: uuid.UUID, groups: list[AccessGroup]) -> set[uuid.UUID]:
        """The copies, in the user's business unit, of the roles their groups grant."""
        unit = self.unit_of.get(user)
        if unit is None and user in self.state.users_by_id:
            unit = self.state.users_by_id[user].business_unit
        wanted = set()
        for group in groups:
            for name in group.member_roles:
                role = self.state.roles.get((name.casefold(), unit)) if unit else None
                if role is None:
                    self.note("role_missing", group.entry, user, name)
                else:
                    wanted.add(role)
        return wanted

    # -- licences --------------------------------------------------------------------------
    def _licences(self) -> None:
        planned: set[tuple[uuid.UUID, uuid.UUID]] = set()
        for group in self.model.groups:
            sku = group.licence_sku
            if sku is None:
                continue
            for user in self.effective[group.code]:
                if user.upn is None or sku in user.licences or (user.id, sku) in planned:
                    continue  # withheld: the directory did not say which licences it holds
                planned.add((user.id, sku))
                if group.assign_licence:
                    self.change("assign_licence", user.id, sku, group.entry, user.upn, str(sku),
                                object_id=user.id)  # fmt: skip
                else:
                    self.note("licence_missing", group.entry, user.id, str(sku))
        if self.model.remove_leaver_licences:
            self._leavers_licences(self.model.licences)

    def _leavers_licences(self, skus: frozenset[uuid.UUID]) -> None:
        for notice in [n for n in self.notices if n.kind == "leaver"]:
            object_id = uuid.UUID(notice.subject)
            user = self.directory.user(object_id)
            if user is None:
                continue  # deleted: its licences went with it
            for sku in sorted(user.licences & skus, key=str):
                self.change("remove_licence", object_id, sku, "", user.upn or notice.subject,
                            str(sku), object_id=object_id)  # fmt: skip


def _user_fields(user: DirectoryUser, unit: uuid.UUID) -> tuple[tuple[str, str], ...]:
    upn = user.upn or ""
    fields = {
        "upn": upn,
        # Dataverse needs a last name; an account without one (a shared mailbox) gets its
        # display name, or the principal name's local part.
        "lastname": (user.surname or user.display_name or upn.split("@")[0])[:_MAX_NAME],
        "business_unit": str(unit),
    }
    if user.given_name:
        fields["firstname"] = user.given_name[:_MAX_NAME]
    if user.mail and len(user.mail) <= _MAX_MAIL:  # never a truncated address
        fields["mail"] = user.mail
    return tuple(fields.items())
