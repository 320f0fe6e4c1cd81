"""The citizen's profile (``[profile]``, ``mappings/profile.toml``): which contact columns the
portal shows and may change, and which hold certified identity claims it may never change.

The contact is the one the submissions write (``target``), found by the column that copies
``match.identity_key`` (the same no-merge rule: a key, never a name). Each field names its
column, a format the connector checks (``text``, ``email``, ``phone``, ``postal_code``,
``date``, ``option`` with its ``map``) and ``certified = true`` for a claim the identity
provider vouched for (FranceConnect's pivot identity): shown, never written by the portal.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Literal

from pydantic import Field, model_validator

from ._config import LogicalName, _Strict
from ._errors import FileProblem

__all__ = ["ProfileConfig", "ProfileField", "ProfileMapping", "build_profile"]

Format = Literal["text", "email", "phone", "postal_code", "date", "option"]
# Names the profile document uses for itself: a field may not take them.
_RESERVED = frozenset({"contact", "certified", "preferences", "conflicts", "pending"})
FieldName = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,39}$")]


class ProfileFieldConfig(_Strict):
    column: LogicalName
    format: Format = "text"
    certified: bool = False
    max_length: Annotated[int, Field(ge=1, le=4000)] = 250
    map: Mapping[Annotated[str, Field(pattern=r"^[a-z][a-z0-9_-]{0,39}$")], int] | None = None

    @model_validator(mode="after")
    def _map_with_option(self) -> ProfileFieldConfig:
        if (self.format == "option") != (self.map is not None):
            raise ValueError("an option field needs a map, and only an option field has one")
        return self


class ProfileConfig(_Strict):
    target: LogicalName = "contact"
    fields: Annotated[dict[FieldName, ProfileFieldConfig], Field(min_length=1, max_length=40)]


@dataclass(frozen=True)
class ProfileField:
    name: str
    column: str
    format: Format
    certified: bool
    max_length: int
    options: Mapping[str, int] | None = None


@dataclass(frozen=True)
class ProfileMapping:
    """What ``cityzen_connector.citizens`` reads and writes of a contact."""

    table: str
    entity_set: str
    primary_id: str
    key_column: str  # the column holding match.identity_key
    fields: tuple[ProfileField, ...]
    # The column holding match.pivot_key: written only from a pivot identity FranceConnect
    # certified, so a contact with one is FranceConnect's (None: every contact is taken so).
    pivot_column: str | None = None

    @property
    def editable(self) -> tuple[ProfileField, ...]:
        return tuple(f for f in self.fields if not f.certified)

    @property
    def certified(self) -> tuple[ProfileField, ...]:
        return tuple(f for f in self.fields if f.certified)

    def editable_for(self, certified_identity: bool) -> tuple[ProfileField, ...]:
        """What a citizen may change: all but the certified claims, when FranceConnect
        certified them; everything when they typed them (a portal account, Open311)."""
        return self.editable if certified_identity else self.fields

    def certified_for(self, certified_identity: bool) -> tuple[ProfileField, ...]:
        return self.certified if certified_identity else ()

    def is_certified(self, row: Mapping[str, object]) -> bool:
        """Whether a contact row (read with ``pivot_column``) is FranceConnect's."""
        return self.pivot_column is None or bool(row.get(self.pivot_column))

    def field(self, name: str) -> ProfileField | None:
        return next((f for f in self.fields if f.name == name), None)

    def columns(self) -> tuple[str, ...]:
        return tuple(f.column for f in self.fields)

    def extra_columns(self) -> tuple[str, ...]:
        """Read with the fields: whether the contact is FranceConnect's."""
        return (self.pivot_column,) if self.pivot_column else ()


def build_profile(
    file: str,
    config: ProfileConfig,
    targets: Mapping[str, tuple[str, str, str]],
    key_columns: Mapping[str, str],
    problems: list[FileProblem],
    *,
    pivot_columns: Mapping[str, str] | None = None,
) -> ProfileMapping | None:
    """``targets``: name → (table, entity set, primary id); ``key_columns``: target name → the
    column copying ``match.identity_key``."""
    found = targets.get(config.target)
    if found is None:
        problems.append(FileProblem(file, "profile.target", "no such target"))
        return None
    key = key_columns.get(config.target)
    if key is None:
        message = "the target has no column copying match.identity_key (the contact's key)"
        problems.append(FileProblem(file, "profile.target", message))
        return None
    fields: list[ProfileField] = []
    seen: dict[str, str] = {}
    for name, spec in config.fields.items():
        if name in _RESERVED:
            problems.append(FileProblem(file, f"profile.fields.{name}", "a reserved name"))
            continue
        if spec.column in seen or spec.column == key:
            problems.append(
                FileProblem(file, f"profile.fields.{name}", "column used twice, or the key")
            )
            continue
        seen[spec.column] = name
        options = dict(spec.map) if spec.map is not None else None
        fields.append(
            ProfileField(name, spec.column, spec.format, spec.certified, spec.max_length, options)
        )
    table, entity_set, primary_id = found
    pivot = (pivot_columns or {}).get(config.target)
    return ProfileMapping(table, entity_set, primary_id, key, tuple(fields), pivot)
