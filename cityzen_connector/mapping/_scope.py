"""Field paths a mapping may read, checked at load time and resolved at plan time.

A path is ``root.name``: ``submission.subject``, ``citizen.email``, ``location.postcode``,
``fields.<form field>``, ``attachment.file_name`` (per-attachment targets only), and values the
planner derives: ``match.identity_key``, ``match.pivot_key``, ``routing.team``,
``routing.subject``, ``routing.theme_title``, ``routing.sub_theme_title``, ``forms.summary``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import Enum
from uuid import UUID

from cityzen_connector.models import AttachmentRef, Citizen, Location, Submission

Value = str | int | float | bool | date | datetime | UUID
_SUBMISSION_SCALARS = frozenset(
    {"id", "theme", "sub_theme", "subject", "description", "channel", "submitted_at"}
)
_DERIVED: Mapping[str, frozenset[str]] = {
    "match": frozenset({"identity_key", "pivot_key"}),
    "routing": frozenset({"team", "subject", "theme_title", "sub_theme_title"}),
    "forms": frozenset({"summary"}),
}
_MODEL_ROOTS: Mapping[str, frozenset[str]] = {
    "submission": _SUBMISSION_SCALARS,
    "citizen": frozenset(Citizen.model_fields) - {"certified"},
    "location": frozenset(Location.model_fields),
    "attachment": frozenset(AttachmentRef.model_fields),
}
_SCALARS = (str, int, float, bool, date, datetime, UUID)
_FORM_FIELD = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
# Claims that come from the token itself rather than from the citizen's typing.
_ALWAYS_TRUSTED = frozenset({"issuer", "sub", "eidas_level"})


def path_problem(path: str, *, per_attachment: bool) -> str | None:
    """Why ``path`` is not readable (``None`` when it is). Used by the loader."""
    root, dot, name = path.partition(".")
    if not dot or not name:
        return f"field path '{path}' must look like 'root.name'"
    if root == "fields":
        return None if _FORM_FIELD.match(name) else f"invalid form field name in '{path}'"
    if root == "attachment" and not per_attachment:
        return f"'{path}' is only available in a target with for_each = \"attachments\""
    known = _MODEL_ROOTS.get(root) or _DERIVED.get(root)
    if known is None:
        roots = ", ".join(sorted([*_MODEL_ROOTS, *_DERIVED, "fields"]))
        return f"unknown field path root '{root}' (known: {roots})"
    if name not in known:
        return f"unknown field '{name}' in '{path}'"
    return None


@dataclass(frozen=True)
class Scope:
    """What expressions read for one record: the submission plus derived values."""

    submission: Submission
    derived: Mapping[str, Value | None] = field(default_factory=dict)
    attachment: AttachmentRef | None = None

    def get(self, path: str) -> Value | None:
        root, _, name = path.partition(".")
        if root == "submission":
            value: object = getattr(self.submission, name)
        elif root == "citizen":
            value = getattr(self.submission.citizen, name)
        elif root == "location":
            location = self.submission.location
            value = getattr(location, name) if location is not None else None
        elif root == "attachment":
            value = getattr(self.attachment, name) if self.attachment is not None else None
        elif root == "fields":
            value = self.submission.fields.get(name)
        else:
            value = self.derived.get(path)
        if isinstance(value, Enum):
            return str(value.value)  # plain text in bodies, not an enum member
        if value is None or isinstance(value, _SCALARS):
            return value
        raise TypeError(f"path '{path}' does not hold a scalar")  # pragma: no cover - invariant

    def is_typed(self, path: str) -> bool:
        """True when ``path`` is a citizen claim the identity provider did not certify."""
        root, _, name = path.partition(".")
        if root != "citizen" or name in _ALWAYS_TRUSTED:
            return False
        return name not in self.submission.citizen.certified
