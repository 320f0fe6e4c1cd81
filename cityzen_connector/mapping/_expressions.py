"""Column expressions: how each Dataverse column gets its value from a submission.

In TOML each column is an inline table whose one "kind" key says what it is::

    title          = { copy = "submission.subject", normalise = ["collapse_spaces"] }
    lastname       = { copy = ["citizen.preferred_username", "citizen.family_name"] }
    description    = { template = "{submission.description}\\n\\n{forms.summary}" }
    caseorigincode = { option = "submission.channel", map = { portal = 3, email = 2 } }
    birthdate      = { date = "citizen.birthdate" }
    cz_filedon     = { datetime = "submission.submitted_at" }
    prioritycode   = { const = 2 }
    annotationid   = { uuid5 = "attachment.id", namespace = "submission.id" }
    documentbody   = { blob = "attachment" }
    customerid_contact = { ref = "contact" }
    ownerid        = { bind = "teams", where = { name = "routing.team" } }
    parentcustomerid_account = { bind = "accounts", id = "fields.account_id" }
    cz_previous    = { bind = "incidents", key = { cz_submissionid = "fields.previous" } }
"""

from __future__ import annotations

import string
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from ._errors import PlanError
from ._normalise import apply_normalisers
from ._plan_types import BlobContent, LookupRef, RecordRef, Scalar
from ._scope import Scope, Value


@dataclass(frozen=True, kw_only=True)
class _OnePath:
    """An expression reading one field path."""

    path: str
    required: bool = False

    def paths(self) -> tuple[str, ...]:
        return (self.path,)


@dataclass(frozen=True)
class Copy:
    """The first of ``sources`` that has a value (``copy = ["a.b", "c.d"]`` is a fallback)."""

    sources: tuple[str, ...]
    normalise: tuple[str, ...] = ()
    required: bool = False
    max_length: int | None = None

    def paths(self) -> tuple[str, ...]:
        return self.sources

    def _first(self, scope: Scope) -> tuple[str, Value] | None:
        for path in self.sources:
            value = scope.get(path)
            if value is not None and value != "":
                return path, value
        return None

    def source(self, scope: Scope) -> str | None:
        """The path the value comes from for this scope."""
        found = self._first(scope)
        return None if found is None else found[0]

    def evaluate(self, scope: Scope) -> Scalar:
        found = self._first(scope)
        if found is None:
            return None
        value = found[1]
        if isinstance(value, str):
            return truncate(apply_normalisers(self.normalise, value), self.max_length) or None
        return scalar_of(value)


@dataclass(frozen=True)
class Template:
    """``str.format``-like placeholders, substituted by us: no attribute access, no specs."""

    template: str
    normalise: tuple[str, ...] = ()
    required: bool = False
    max_length: int | None = None

    def paths(self) -> tuple[str, ...]:
        return tuple(name for _, name, _, _ in string.Formatter().parse(self.template) if name)

    def evaluate(self, scope: Scope) -> Scalar:
        parts: list[str] = []
        for literal, name, _, _ in string.Formatter().parse(self.template):
            parts.append(literal)
            if name:
                value = Copy((name,)).evaluate(scope)
                parts.append("" if value is None else str(value))
        text = truncate(apply_normalisers(self.normalise, "".join(parts).strip()), self.max_length)
        return text or None


@dataclass(frozen=True, kw_only=True)
class Option(_OnePath):
    map: tuple[tuple[str, int], ...]
    default: int | None = None

    def evaluate(self, scope: Scope) -> Scalar:
        value = scope.get(self.path)
        if value is None:
            return self.default
        found = dict(self.map).get(str(value).lower() if isinstance(value, bool) else str(value))
        if found is None and self.default is None:
            raise PlanError(
                "unmapped_option", f"no option value is mapped for this value of {self.path}"
            )
        return found if found is not None else self.default


@dataclass(frozen=True, kw_only=True)
class DateOnly(_OnePath):
    """Dataverse DateOnly columns take ``YYYY-MM-DD`` (no time, no offset)."""

    def evaluate(self, scope: Scope) -> Scalar:
        value = scope.get(self.path)
        if isinstance(value, datetime):
            return value.astimezone(UTC).date().isoformat()
        if isinstance(value, date):
            return value.isoformat()
        if isinstance(value, str) and value:
            try:
                return date.fromisoformat(value).isoformat()
            except ValueError as exc:
                raise PlanError("invalid_date", f"{self.path} is not a YYYY-MM-DD date") from exc
        return None


@dataclass(frozen=True, kw_only=True)
class DateTimeUtc(_OnePath):
    """Date and time columns: ISO 8601 in UTC with ``Z`` (Dataverse stores UTC)."""

    def evaluate(self, scope: Scope) -> Scalar:
        value = scope.get(self.path)
        return _iso_utc(value) if isinstance(value, datetime) else None


@dataclass(frozen=True)
class Const:
    value: str | int | float | bool
    required: bool = False

    def paths(self) -> tuple[str, ...]:
        return ()

    def evaluate(self, scope: Scope) -> Scalar:
        return self.value


@dataclass(frozen=True)
class Uuid5:
    """A deterministic id: ``uuid5(namespace, str(name))`` so replays address the same row."""

    path: str
    namespace: str
    required: bool = True

    def paths(self) -> tuple[str, ...]:
        return (self.path, self.namespace)

    def evaluate(self, scope: Scope) -> Scalar:
        namespace, name = scope.get(self.namespace), scope.get(self.path)
        if not isinstance(namespace, uuid.UUID) or name is None:
            return None
        return str(uuid.uuid5(namespace, str(name)))


@dataclass(frozen=True)
class Blob:
    """The current attachment's bytes: a placeholder the pipeline fills from the blob store."""

    required: bool = True

    def paths(self) -> tuple[str, ...]:
        return ()

    def content(self, scope: Scope) -> BlobContent | None:
        a = scope.attachment
        return None if a is None else BlobContent(a.blob_name, a.sha256, a.size)


@dataclass(frozen=True)
class Ref:
    """The record another target writes earlier in the same change set."""

    target: str
    required: bool = True

    def paths(self) -> tuple[str, ...]:
        return ()


@dataclass(frozen=True, kw_only=True)
class BindId(_OnePath):
    entity_set: str

    def record(self, scope: Scope) -> RecordRef | None:
        value = scope.get(self.path)
        if value is None:
            return None
        try:
            return RecordRef(self.entity_set, id=uuid.UUID(str(value)))
        except ValueError as exc:
            raise PlanError("invalid_id", f"{self.path} is not an id") from exc


@dataclass(frozen=True)
class BindKey:
    entity_set: str
    key: tuple[tuple[str, str], ...]
    required: bool = False

    def paths(self) -> tuple[str, ...]:
        return tuple(path for _, path in self.key)

    def record(self, scope: Scope) -> RecordRef | None:
        values = [(column, Copy((path,)).evaluate(scope)) for column, path in self.key]
        if any(value is None for _, value in values):
            return None
        return RecordRef(self.entity_set, key=tuple(values))


@dataclass(frozen=True, kw_only=True)
class BindWhere(_OnePath):
    entity_set: str
    column: str

    def lookup(self, scope: Scope) -> LookupRef | None:
        value = Copy((self.path,)).evaluate(scope)
        return None if value is None else LookupRef(self.entity_set, self.column, str(value))


ValueExpression = Copy | Template | Option | DateOnly | DateTimeUtc | Const | Uuid5
BindExpression = Ref | BindId | BindKey | BindWhere
Expression = ValueExpression | BindExpression | Blob


def truncate(text: str, max_length: int | None) -> str:
    """Fit ``text`` in a column of ``max_length`` characters, marking the cut with "…"."""
    if max_length is None or len(text) <= max_length:
        return text
    return text[: max_length - 1].rstrip() + "…"


def _iso_utc(value: datetime) -> str:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def describe(value: Any) -> str:
    """A short, safe rendering of a TOML value for error messages (mapping data, not PII)."""
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def scalar_of(value: Value | None) -> Scalar:
    """A value as JSON can carry it (dates and UUIDs as strings)."""
    if value is None or isinstance(value, str | int | float | bool):
        return value
    if isinstance(value, datetime):
        return _iso_utc(value)
    return str(value)
