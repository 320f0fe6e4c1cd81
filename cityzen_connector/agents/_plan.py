"""The reconciliation plan, as data: what ``apply`` would write, and what it only reports.

A ``Plan`` is frozen and JSON-serialisable (``to_json``, ``Plan.from_json`` for a plan reviewed
then applied as reviewed). Each ``Change`` is one write: a Dataverse request or a Graph call,
grouped by the principal it is about (a team, a user) so that a principal's changes travel in
one change set. ``Notice``s are facts an operator should see and nothing writes.

Labels (team and role names, a new user's principal name) are for the operator reading the plan
(an admin tool); logs carry counts and object ids only (``Plan.summary``).
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, get_args

__all__ = ["ACTIONS", "FIELDS", "Action", "Change", "Notice", "Plan"]

Action = Literal[
    "create_team",
    "grant_team_role",
    "revoke_team_role",
    "create_user",
    "grant_user_role",
    "add_member",
    "revoke_user_role",
    "remove_member",
    "assign_licence",
    "remove_licence",
]
ACTIONS: tuple[Action, ...] = get_args(Action)
# Inside one principal's change set: creation first, then what it gains, then what it loses
# (roles before memberships: a user stays in the model's teams until the rest is done).
ORDER = {action: rank for rank, action in enumerate(ACTIONS)}
GRAPH_ACTIONS = frozenset({"assign_licence", "remove_licence"})
# What a created row's ``fields`` may hold (``apply`` builds the request body from them).
FIELDS: dict[str, frozenset[str]] = {
    "create_team": frozenset(
        {"name", "business_unit", "team_type", "membership_type", "administrator"}
    ),
    "create_user": frozenset({"upn", "firstname", "lastname", "mail", "business_unit"}),
}
_LIMIT = 10_000  # changes in a plan read back from JSON


@dataclass(frozen=True)
class Change:
    """One write. ``principal``: the team or user (Dataverse id; for a licence, the Entra
    object id) the change set groups on; ``target``: the role, team or SKU; ``fields``: a
    created row's columns (lookups as ``<nav>@odata.bind`` values)."""

    action: Action
    principal: uuid.UUID
    target: uuid.UUID | None = None
    entry: str = ""  # the access model entry asking for it; "" for a leaver
    object_id: uuid.UUID | None = None  # the user's or group's Entra object id
    label: str = ""  # the principal, as the operator knows it
    target_label: str = ""
    fields: tuple[tuple[str, str], ...] = ()

    @property
    def on_graph(self) -> bool:
        return self.action in GRAPH_ACTIONS

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "action": self.action,
            "principal": str(self.principal),
            "target": None if self.target is None else str(self.target),
            "entry": self.entry,
            "object_id": None if self.object_id is None else str(self.object_id),
            "label": self.label,
            "target_label": self.target_label,
        }
        if self.fields:
            out["fields"] = dict(self.fields)
        return out

    @classmethod
    def from_json(cls, raw: Any) -> Change:
        if not isinstance(raw, dict):
            raise ValueError("a change is not a JSON object")
        action = raw.get("action")
        if action not in ACTIONS:
            raise ValueError("a change has an unknown action")
        fields = raw.get("fields") or {}
        if not isinstance(fields, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in fields.items()
        ):
            raise ValueError("a change's fields are not an object of strings")
        if not set(fields) <= FIELDS.get(action, frozenset()):
            raise ValueError(f"a {action} change has fields it may not have")
        _check_fields(action, fields)
        object_id = _optional_guid(raw.get("object_id"), "object_id")
        if object_id is None and (action in FIELDS or action in GRAPH_ACTIONS):
            raise ValueError(f"a {action} change needs the object_id it is about")
        return cls(
            action=action,
            principal=_guid(raw.get("principal"), "principal"),
            target=_optional_guid(raw.get("target"), "target"),
            entry=_text(raw.get("entry")),
            object_id=object_id,
            label=_text(raw.get("label")),
            target_label=_text(raw.get("target_label")),
            fields=tuple(fields.items()),
        )


@dataclass(frozen=True)
class Notice:
    """A fact the plan reports without writing: ``kind`` says which (``licence_missing``,
    ``leaver``, ``withheld``, ``role_missing``, ``team_elsewhere``)."""

    kind: str
    entry: str
    subject: str  # an object id
    detail: str = ""

    def to_json(self) -> dict[str, str]:
        return {
            "kind": self.kind,
            "entry": self.entry,
            "subject": self.subject,
            "detail": self.detail,
        }


@dataclass(frozen=True)
class Plan:
    changes: tuple[Change, ...] = ()
    notices: tuple[Notice, ...] = ()
    # What the plan was computed from: groups, distinct members, Dataverse requests it took.
    counts: Mapping[str, int] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        """Nothing to write (notices may remain: they are the operator's to act on)."""
        return not self.changes

    def by_action(self) -> Counter[str]:
        return Counter(change.action for change in self.changes)

    def summary(self) -> str:
        """Counts only: safe for logs."""
        counted = self.by_action()
        parts = [f"{counted[a]} {a}" for a in ACTIONS if counted[a]]
        kinds = Counter(notice.kind for notice in self.notices)
        notes = [f"{n} {k}" for k, n in sorted(kinds.items())]
        return (", ".join(parts) or "no change") + (f" ({', '.join(notes)})" if notes else "")

    def to_json(self) -> dict[str, Any]:
        return {
            "changes": [change.to_json() for change in self.changes],
            "notices": [notice.to_json() for notice in self.notices],
            "counts": dict(self.counts),
        }

    @classmethod
    def from_json(cls, raw: Any) -> Plan:
        """A plan as ``to_json`` wrote it; ``ValueError`` naming what is wrong, not a value."""
        if not isinstance(raw, dict) or not isinstance(raw.get("changes"), list):
            raise ValueError("a plan is a JSON object with a 'changes' list")
        if len(raw["changes"]) > _LIMIT:
            raise ValueError(f"a plan holds at most {_LIMIT} changes")
        changes = []
        for index, item in enumerate(raw["changes"]):
            try:
                changes.append(Change.from_json(item))
            except ValueError as exc:
                raise ValueError(f"change {index}: {exc}") from None
        notices = raw.get("notices") or []
        if not isinstance(notices, list) or not all(isinstance(n, dict) for n in notices):
            raise ValueError("a plan's 'notices' is a list of objects")
        counts = raw.get("counts") or {}
        if not isinstance(counts, dict) or not all(isinstance(v, int) for v in counts.values()):
            raise ValueError("a plan's 'counts' is an object of integers")
        return cls(
            tuple(changes),
            tuple(
                Notice(
                    _text(n.get("kind")),
                    _text(n.get("entry")),
                    _text(n.get("subject")),
                    _text(n.get("detail")),
                )
                for n in notices
            ),
            {str(k): v for k, v in counts.items()},
        )


# A created row's fields that name rows or choices (the rest is text Dataverse checks).
_GUID_FIELDS = ("business_unit", "administrator")
_CHOICES = {"team_type": ("2", "3"), "membership_type": ("0", "1", "2", "3")}


def _check_fields(action: str, fields: Mapping[str, str]) -> None:
    if action not in FIELDS:
        return
    required = {"name", "business_unit", "team_type", "membership_type", "administrator"}
    if action == "create_user":
        required = {"upn", "lastname", "business_unit"}
    if not required <= set(fields):
        raise ValueError(f"a {action} change lacks {', '.join(sorted(required - set(fields)))}")
    for name in _GUID_FIELDS:
        if name in fields:
            _guid(fields[name], name)
    for name, allowed in _CHOICES.items():
        if name in fields and fields[name] not in allowed:
            raise ValueError(f"{name} is not one of {', '.join(allowed)}")


def _guid(value: object, what: str) -> uuid.UUID:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise ValueError(f"{what} is not a GUID") from None


def _optional_guid(value: object, what: str) -> uuid.UUID | None:
    return None if value is None else _guid(value, what)


def _text(value: object) -> str:
    if value is None:
        return ""
    if not isinstance(value, str) or len(value) > 1024:
        raise ValueError("a text field is not a string of at most 1024 characters")
    return value
