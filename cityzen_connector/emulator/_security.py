"""What the emulator refuses by name about security: role privileges, the team membership
messages and Microsoft Entra ID's just-in-time behaviours.

Roles, teams, users and business units are emulated as data with their many-to-many
associations (``teamroles_association``, ``systemuserroles_association``,
``teammembership_association`` through ``$ref``): that is what an access model reconciles.
Privileges are not: every caller may do everything, so a request that reads or changes what a
role grants would get an answer that means nothing. These answer "does not emulate", naming
the Learn page, rather than a 404 that would read as "no such message in Dataverse".

- The privilege messages of the role and systemuser table references ("Role table/entity
  reference", "SystemUser table/entity reference", Messages): ``AddPrivilegesRole``,
  ``ReplacePrivilegesRole``, ``RemovePrivilegeRole``, ``RetrieveRolePrivilegesRole``,
  ``RetrieveUserPrivileges``, ``RetrievePrincipalAccess``; ``RetrieveAadUserRoles`` and
  ``RetrieveAadUserPrivileges`` ("Work with Microsoft Entra ID group teams", Security roles and
  privileges); the ``roleprivileges_association`` relationship.
- The team messages ``AddMembersTeam``, ``RemoveMembersTeam`` ("Team table/entity reference",
  Messages) and ``SyncGroupMembersToTeam``: membership is emulated through
  ``teammembership_association`` only.
- "Work with Microsoft Entra ID group teams": a group team addressed as
  ``teams(azureactivedirectoryobjectid=…,membershiptype=…)`` or a user as
  ``systemusers(azureactivedirectoryobjectid=…)`` is created just in time when it does not
  exist. The emulator knows no directory to create them from.
"""

from __future__ import annotations

from cityzen_connector.emulator import _error_catalogue as err
from cityzen_connector.emulator._errors import ODataError

_GROUP_TEAMS = "Work with Microsoft Entra ID group teams"
_CRM = "Microsoft.Dynamics.CRM."
# Message name → the Learn page that documents it.
MESSAGES: dict[str, str] = {
    "AddPrivilegesRole": "Role table/entity reference, Messages",
    "ReplacePrivilegesRole": "Role table/entity reference, Messages",
    "RemovePrivilegeRole": "Role table/entity reference, Messages",
    "RetrieveRolePrivilegesRole": "Role table/entity reference, Messages",
    "RetrieveUserPrivileges": "SystemUser table/entity reference, Messages",
    "RetrievePrincipalAccess": _GROUP_TEAMS,
    "RetrieveAadUserRoles": _GROUP_TEAMS,
    "RetrieveAadUserPrivileges": _GROUP_TEAMS,
    "AddMembersTeam": "Team table/entity reference, Messages",
    "RemoveMembersTeam": "Team table/entity reference, Messages",
    "SyncGroupMembersToTeam": _GROUP_TEAMS,
}
NAVIGATION: dict[str, str] = {
    "roleprivileges_association": "Role table/entity reference, Many-to-Many relationships",
}
# Tables whose rows Dataverse creates just in time when addressed by an Entra ID object id.
_JUST_IN_TIME = frozenset({"team", "systemuser"})


def message_refusal(name: str) -> ODataError | None:
    """The refusal of a privilege or team message (bound or not), or None."""
    bare = name.removeprefix(_CRM)
    page = MESSAGES.get(bare)
    if page is None:
        return None
    return err.not_emulated(f"the {bare} message (security roles and privileges)", page)


def navigation_refusal(name: str) -> ODataError | None:
    page = NAVIGATION.get(name)
    return None if page is None else err.not_emulated(f"the {name} relationship", page)


def key_refusal(table: str, columns: set[str]) -> ODataError | None:
    """A group team or user addressed by its Entra ID object id, which Dataverse answers by
    creating it just in time from the directory."""
    if table in _JUST_IN_TIME and "azureactivedirectoryobjectid" in columns:
        return err.not_emulated(
            f"addressing a {table} by azureactivedirectoryobjectid (just-in-time creation from"
            " Microsoft Entra ID)",
            _GROUP_TEAMS,
        )
    return None
