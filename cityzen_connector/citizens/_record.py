"""The local copy of a citizen's record, in the state store, and the values it holds.

Kept minimal: one record per contact (``citizen-profiles``, keyed by the contact id) with the
mapped fields as Dynamics 365 last said them (``values``, ordered by the contact's
``versionnumber``), the citizen's changes not yet applied (``pending``, with what they saw,
``base``), their notification preferences (kept here only: the connector is the one that
notifies) and the conflicts last reported. A link (``citizen-profile-keys``) leads from the
identity key (the HMAC pseudonym) to the contact id. Both expire with the case histories'
retention and are refreshed by every write. The SQLite store is an owner-only file
(``_sqlite.private_database``).

The portal's ETag is a digest of the view the citizen reads: any visible change changes it,
and nothing else does.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any

from cityzen_connector.mapping import ProfileField, ProfileMapping
from cityzen_connector.models import (
    NotificationPreferences,
    ProfileConflict,
    ProfileView,
)

__all__ = [
    "PROFILES",
    "PROFILE_KEYS",
    "ProfileRecord",
    "etag_of",
    "value_from_row",
    "value_to_row",
    "view_of",
]

PROFILES = "citizen-profiles"
PROFILE_KEYS = "citizen-profile-keys"
Values = Mapping[str, str | None]


@dataclass(frozen=True)
class ProfileRecord:
    contact_id: uuid.UUID
    identity_key: str
    values: Values
    version: int | None = None  # the contact's versionnumber the values come from
    pending: Values = field(default_factory=dict)
    base: Values = field(default_factory=dict)  # what the citizen saw of each pending field
    preferences: NotificationPreferences = field(default_factory=NotificationPreferences)
    conflicts: tuple[ProfileConflict, ...] = ()
    updated_at: datetime | None = None
    # FranceConnect certified the names and birth data (the contact has a pivot key): read
    # only. A copy from before this was known is taken as certified (the safe side).
    certified_identity: bool = True

    def to_json(self) -> dict[str, Any]:
        return {
            "contact_id": str(self.contact_id),
            "identity_key": self.identity_key,
            "values": dict(self.values),
            "version": self.version,
            "pending": dict(self.pending),
            "base": dict(self.base),
            "preferences": self.preferences.model_dump(),
            "conflicts": [c.model_dump(mode="json") for c in self.conflicts],
            "updated_at": self.updated_at.isoformat() if self.updated_at else None,
            "certified_identity": self.certified_identity,
        }

    @classmethod
    def from_json(cls, value: Mapping[str, Any]) -> ProfileRecord:
        stamp = value.get("updated_at")
        return cls(
            contact_id=uuid.UUID(value["contact_id"]),
            identity_key=str(value["identity_key"]),
            values=dict(value.get("values") or {}),
            version=value.get("version"),
            pending=dict(value.get("pending") or {}),
            base=dict(value.get("base") or {}),
            preferences=NotificationPreferences.model_validate(value.get("preferences") or {}),
            conflicts=tuple(
                ProfileConflict.model_validate(c) for c in value.get("conflicts") or ()
            ),
            updated_at=datetime.fromisoformat(stamp) if isinstance(stamp, str) else None,
            certified_identity=value.get("certified_identity") is not False,
        )

    def shown(self, name: str) -> str | None:
        """What the citizen reads of a field: their own change while it waits, else Dynamics
        365's value."""
        return self.pending[name] if name in self.pending else self.values.get(name)

    def with_values(self, values: Values, version: int | None) -> ProfileRecord:
        return replace(self, values={**self.values, **values}, version=version)


def view_of(record: ProfileRecord, mapping: ProfileMapping) -> ProfileView:
    """Certified claims under ``certified`` for a FranceConnect citizen; a citizen who typed
    their names (a portal account, Open311) finds them under ``contact``, theirs to correct."""
    certified = record.certified_identity
    return ProfileView(
        contact={f.name: record.shown(f.name) for f in mapping.editable_for(certified)},
        certified={f.name: record.values.get(f.name) for f in mapping.certified_for(certified)},
        preferences=record.preferences,
        pending=sorted(record.pending),
        conflicts=list(record.conflicts),
        updated_at=record.updated_at,
    )


def etag_of(view: ProfileView) -> str:
    """A strong ETag (RFC 9110 section 8.8.3): the digest of the view's JSON."""
    body = json.dumps(view.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
    return f'"{hashlib.sha256(body.encode()).hexdigest()[:32]}"'


# -- values between a Web API row and the record ---------------------------------------------


def value_from_row(spec: ProfileField, raw: object) -> str | None:
    """A column's value as the profile shows it: text as is, a date as ``YYYY-MM-DD``, an
    option as its code in the mapping's ``map`` (an unmapped option reads as ``None``)."""
    if raw is None:
        return None
    if spec.format == "option":
        value = raw.get("Value") if isinstance(raw, Mapping) else raw
        names = {number: name for name, number in (spec.options or {}).items()}
        return names.get(value) if isinstance(value, int) else None
    if spec.format == "date":
        if isinstance(raw, datetime):
            return raw.date().isoformat()
        return str(raw)[:10]
    return str(raw)[: spec.max_length]


def value_to_row(spec: ProfileField, value: str | None) -> object:
    """The value a PATCH of the contact sends for a field (text; a date or an option for a
    citizen who typed their birth data)."""
    if value is None or spec.format not in ("option", "date"):
        return value
    if spec.format == "option":
        return (spec.options or {}).get(value)
    return date.fromisoformat(value).isoformat()
