"""The ``Directory`` port: who is in each Microsoft Entra ID group, and their licences.

Two implementations: ``GraphDirectory`` (``_graph.py``, Microsoft Graph v1.0) in Azure, and
``FileDirectory`` here, a JSON file of groups and users for local runs (``make run`` works
offline) and benchmarks. The file holds what Graph would return::

    {"groups": [{"id": "<object id>", "displayName": "…", "members": ["<user or group id>", …],
                 "owners": ["<user id>", …]}],
     "users": [{"id": "<object id>", "userPrincipalName": "…", "givenName": "…", "surname": "…",
                "mail": "…", "displayName": "…", "accountEnabled": true, "userType": "Member",
                "assignedLicenses": [{"skuId": "<sku id>", "disabledPlans": []}]}]}

Members are transitive, as Graph's ``transitiveMembers`` (a nested group's members count;
a cycle is followed once); owners are not ("List group owners").
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from cityzen_connector._private import private_folder, write_private

from ._errors import DirectoryError, UnknownGroupError

__all__ = ["Directory", "DirectoryUser", "FileDirectory", "user_from_graph"]

MAX_FILE_BYTES = 64 * 1024 * 1024


@dataclass(frozen=True)
class DirectoryUser:
    """A user as the directory describes it. ``upn`` is None when the directory withheld the
    user's properties ("limited information returned for inaccessible member objects": the
    app lacks User.Read.All): such a user cannot be provisioned."""

    id: uuid.UUID
    upn: str | None = None
    given_name: str | None = None
    surname: str | None = None
    display_name: str | None = None
    mail: str | None = None
    enabled: bool = True
    user_type: str | None = None
    licences: frozenset[uuid.UUID] = field(default_factory=frozenset)

    def __repr__(self) -> str:  # object ids only: the rest is personal data
        return f"DirectoryUser({self.id})"


class Directory(Protocol):
    """Read side for planning, one write (licences) for applying. Whose duty: the directory
    implementation retries what its remote asks to retry (429 with Retry-After) and raises
    ``DirectoryError`` for the rest; ``UnknownGroupError`` when a group does not exist."""

    def members(self, group: uuid.UUID, *, owners: bool = False) -> tuple[DirectoryUser, ...]:
        """The group's users: transitive members, or its owners."""
        ...

    def user(self, user: uuid.UUID) -> DirectoryUser | None:
        """One user, None when deleted."""
        ...

    def assign_licence(
        self, user: uuid.UUID, *, add: Sequence[uuid.UUID] = (), remove: Sequence[uuid.UUID] = ()
    ) -> None:
        """``assignLicense``: add and remove subscriptions (SKU ids)."""
        ...


def user_from_graph(raw: Any) -> DirectoryUser:
    """A Graph ``user`` object (as ``$select`` returns it) as a ``DirectoryUser``."""
    if not isinstance(raw, dict):
        raise DirectoryError("a directory user is not a JSON object")
    try:
        user_id = uuid.UUID(str(raw.get("id")))
    except ValueError:
        raise DirectoryError("a directory user has no valid id") from None
    licences = raw.get("assignedLicenses") or []
    skus: set[uuid.UUID] = set()
    if isinstance(licences, list):
        for entry in licences:
            try:
                skus.add(uuid.UUID(str(entry.get("skuId"))))
            except (AttributeError, ValueError):
                raise DirectoryError(f"user {user_id}: an assigned licence without skuId") from None
    return DirectoryUser(
        id=user_id,
        upn=_text(raw.get("userPrincipalName")),
        given_name=_text(raw.get("givenName")),
        surname=_text(raw.get("surname")),
        display_name=_text(raw.get("displayName")),
        mail=_text(raw.get("mail")),
        # Graph omits accountEnabled only for objects it withholds: not known to be disabled.
        enabled=raw.get("accountEnabled") is not False,
        user_type=_text(raw.get("userType")),
        licences=frozenset(skus),
    )


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


class FileDirectory:
    """A directory file (see the module docstring). Licences assigned through it are kept in
    ``licences_path`` (a small JSON overlay: user id → SKU ids) so the file itself stays as
    written; without one they are kept in memory."""

    def __init__(self, document: Mapping[str, Any], *, licences_path: Path | None = None) -> None:
        self._groups: dict[uuid.UUID, dict[str, list[uuid.UUID]]] = {}
        self._users: dict[uuid.UUID, DirectoryUser] = {}
        self._licences_path = licences_path
        self._overlay: dict[uuid.UUID, frozenset[uuid.UUID]] = {}
        self._load(document)
        if licences_path is not None:
            self._overlay = _read_overlay(licences_path)

    @classmethod
    def from_file(cls, path: Path, *, licences_path: Path | None = None) -> FileDirectory:
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise DirectoryError(f"cannot read the directory file {path.name}") from exc
        if len(data) > MAX_FILE_BYTES:
            raise DirectoryError(f"the directory file {path.name} is larger than allowed")
        try:
            document = json.loads(data)
        except (ValueError, UnicodeDecodeError) as exc:
            raise DirectoryError(f"the directory file {path.name} is not JSON") from exc
        if not isinstance(document, dict):
            raise DirectoryError(f"the directory file {path.name} is not a JSON object")
        return cls(document, licences_path=licences_path)

    def _load(self, document: Mapping[str, Any]) -> None:
        groups, users = document.get("groups", []), document.get("users", [])
        if not isinstance(groups, list) or not isinstance(users, list):
            raise DirectoryError("a directory file holds a 'groups' list and a 'users' list")
        for raw in users:
            user = user_from_graph(raw)
            self._users[user.id] = user
        for index, raw in enumerate(groups):
            if not isinstance(raw, dict):
                raise DirectoryError(f"directory group {index} is not a JSON object")
            group_id = _guid(raw.get("id"), f"directory group {index}: id")
            self._groups[group_id] = {
                part: [_guid(v, f"group {group_id}: {part}") for v in _list(raw, part, group_id)]
                for part in ("members", "owners")
            }

    # -- Directory -------------------------------------------------------------------------
    def members(self, group: uuid.UUID, *, owners: bool = False) -> tuple[DirectoryUser, ...]:
        if group not in self._groups:
            raise UnknownGroupError(f"group {group} is not in the directory file", status=404)
        if owners:
            ids: Iterable[uuid.UUID] = self._groups[group]["owners"]
        else:
            ids = self._transitive(group)
        return tuple(
            self._with_overlay(self._users[i]) for i in dict.fromkeys(ids) if i in self._users
        )

    def _transitive(self, group: uuid.UUID) -> list[uuid.UUID]:
        found: list[uuid.UUID] = []
        seen: set[uuid.UUID] = set()
        pending = [group]
        while pending:
            current = pending.pop()
            if current in seen:
                continue
            seen.add(current)
            for member in self._groups[current]["members"]:
                if member in self._groups:
                    pending.append(member)
                else:
                    found.append(member)
        return found

    def user(self, user: uuid.UUID) -> DirectoryUser | None:
        found = self._users.get(user)
        return None if found is None else self._with_overlay(found)

    def assign_licence(
        self, user: uuid.UUID, *, add: Sequence[uuid.UUID] = (), remove: Sequence[uuid.UUID] = ()
    ) -> None:
        current = self.user(user)
        if current is None:
            raise DirectoryError(f"user {user} is not in the directory file", status=404)
        self._overlay[user] = (current.licences | frozenset(add)) - frozenset(remove)
        if self._licences_path is not None:
            _write_overlay(self._licences_path, self._overlay)

    def _with_overlay(self, user: DirectoryUser) -> DirectoryUser:
        licences = self._overlay.get(user.id)
        if licences is None:
            return user
        return DirectoryUser(**{**user.__dict__, "licences": licences})


def _list(raw: Mapping[str, Any], part: str, group: uuid.UUID) -> list[Any]:
    value = raw.get(part, [])
    if not isinstance(value, list):
        raise DirectoryError(f"group {group}: '{part}' is not a list")
    return value


def _guid(value: object, what: str) -> uuid.UUID:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise DirectoryError(f"{what} is not a GUID") from None


def _read_overlay(path: Path) -> dict[uuid.UUID, frozenset[uuid.UUID]]:
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        raise DirectoryError(f"cannot read the licences file {path.name}") from exc
    if not isinstance(raw, dict):
        raise DirectoryError(f"the licences file {path.name} is not a JSON object")
    return {
        _guid(user, "licences file: user"): frozenset(_guid(s, "licences file: sku") for s in skus)
        for user, skus in raw.items()
    }


def _write_overlay(path: Path, overlay: Mapping[uuid.UUID, frozenset[uuid.UUID]]) -> None:
    """All or nothing, 0600 in a 0700 folder (who holds which licence is about people)."""
    body = {str(user): sorted(str(s) for s in skus) for user, skus in overlay.items()}
    private_folder(path.parent, tighten_existing=False)
    write_private(path, json.dumps(body, indent=1, sort_keys=True).encode())
