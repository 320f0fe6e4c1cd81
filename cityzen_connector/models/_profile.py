"""The citizen's own record as the portal reads and changes it (``GET`` and ``PATCH
/api/v1/citizens/me``). Which contact fields there are is the mapping's (``mappings/
profile.toml``): ``contact`` holds those the citizen may change, ``certified`` those the
identity provider vouched for (read only)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

NotificationChannel = Literal["email", "sms", "none"]
Language = Literal["fr", "en"]
CHANNELS: tuple[NotificationChannel, ...] = ("email", "sms", "none")
LANGUAGES: tuple[Language, ...] = ("fr", "en")
# The kinds of event a citizen chooses a channel for (the webhook types they come with).
EVENT_KINDS = ("status_changed", "agent_reply")


class NotificationPreferences(BaseModel):
    """How the citizen wants to hear of each kind of event, and in which language."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    status_changed: NotificationChannel = Field("email", description="A request's status changed.")
    agent_reply: NotificationChannel = Field("email", description="An agent wrote on a request.")
    language: Language = "fr"


class ProfileConflict(BaseModel):
    """A change the citizen asked for that an agent's change in Dynamics 365 overrode: the
    agent's value is kept (docs/profile.md, "The conflict rule")."""

    model_config = ConfigDict(frozen=True)

    field: str
    at: datetime = Field(description="When the citizen's change was applied (UTC).")


class ProfileView(BaseModel):
    """The citizen's record; the ``ETag`` header goes with it (send it back in ``If-Match``)."""

    model_config = ConfigDict(frozen=True)

    contact: dict[str, str | None] = Field(
        description="Contact details the citizen may change (fields from the mapping)."
    )
    certified: dict[str, str | None] = Field(
        description=(
            "Certified identity (FranceConnect): shown, never changed here. Empty for a"
            " citizen FranceConnect did not vouch for: their names are under contact."
        )
    )
    preferences: NotificationPreferences
    pending: list[str] = Field(
        default_factory=list, description="Fields changed here not yet applied in Dynamics 365."
    )
    conflicts: list[ProfileConflict] = Field(default_factory=list)
    updated_at: datetime | None = None


class PreferencesPatch(BaseModel):
    """The preferences a merge patch may set (``null``: back to the default)."""

    model_config = ConfigDict(extra="forbid")

    status_changed: NotificationChannel | None = None
    agent_reply: NotificationChannel | None = None
    language: Language | None = None


class ProfilePatch(BaseModel):
    """A JSON merge patch (RFC 7396) of the record: members absent are unchanged, ``null``
    clears a contact field or resets a preference to its default. Documentation only: the
    route reads the body itself, field by field, against the mapping."""

    model_config = ConfigDict(extra="forbid")

    contact: dict[str, str | None] | None = Field(
        None, description="Contact fields by name (the mapping's; certified ones refused)."
    )
    preferences: PreferencesPatch | None = None
