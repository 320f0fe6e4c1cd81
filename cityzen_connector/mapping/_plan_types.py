"""The frozen plan the pipeline executes: operations, binds, placeholders, a duplicate check.

Nothing here performs I/O. ``ContentRef`` points at an earlier operation of the same change set
(OData ``$batch`` Content-ID, referenced as ``$n``); ``RecordRef`` at a record by primary id or
alternate key; ``LookupRef`` at a record the pipeline finds by a column value at run time (a
team by name, a subject by title) and caches; ``BlobContent`` stands for attachment bytes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Literal
from uuid import UUID

from cityzen_connector.dataverse import Query, and_, eq, ne, or_

Scalar = str | int | float | bool | None
Mode = Literal["upsert", "create_only", "update"]


@dataclass(frozen=True)
class ContentRef:
    """The record written by operation ``content_id`` of the same change set (``$1``)."""

    content_id: str


@dataclass(frozen=True)
class RecordRef:
    """A record by primary id (``id``) or by alternate key (``key``: column, value pairs)."""

    entity_set: str
    id: UUID | None = None
    key: tuple[tuple[str, Scalar], ...] = ()


@dataclass(frozen=True)
class LookupRef:
    """A record found by ``column eq value`` at run time (resolved to an id, then cached)."""

    entity_set: str
    column: str
    value: str


Bind = ContentRef | RecordRef | LookupRef


@dataclass(frozen=True)
class BlobContent:
    """Attachment bytes to read from the blob store, check against ``sha256``, base64-encode."""

    blob_name: str
    sha256: str
    size: int


@dataclass(frozen=True)
class Operation:
    """One write of the change set.

    ``mode`` ``upsert``: ``PATCH set(key)``; ``create_only``: the same with ``If-None-Match: *``
    so an existing record is never updated (Dataverse answers 412); ``update``: with
    ``If-Match: *`` so a missing record is never created (404). ``fill_blanks`` are values
    the citizen typed: write them only to columns still empty on a record this plan created.
    """

    content_id: str
    target: str
    table: str
    entity_set: str
    primary_id: str
    key: tuple[tuple[str, Scalar], ...]
    mode: Mode
    body: Mapping[str, Scalar]
    binds: Mapping[str, Bind]
    blobs: Mapping[str, BlobContent]
    fill_blanks: Mapping[str, Scalar]


@dataclass(frozen=True)
class Condition:
    """``column eq value`` with the value kept typed (the query builder formats literals)."""

    column: str
    value: str | int | bool | date


@dataclass(frozen=True)
class QuerySpec:
    """``$filter`` as data: OR of groups, each an AND of conditions; ``$select``; ``$top``."""

    entity_set: str
    any_of: tuple[tuple[Condition, ...], ...]
    select: tuple[str, ...]
    top: int
    exclude_primary_id: str

    def to_query(self, exclude: UUID) -> Query:
        """The OData query, leaving out the record ``exclude`` (the contact just created)."""
        groups = [and_(*(eq(c.column, c.value) for c in group)) for group in self.any_of if group]
        where = and_(or_(*groups), ne(self.exclude_primary_id, exclude))
        return Query(self.entity_set).select(*self.select).where(where).top(self.top)


@dataclass(frozen=True)
class LookalikeCheck:
    """For a contact this plan CREATED: run ``query`` excluding the new record
    (``exclude_primary_id ne <new id>``); if any row comes back, apply ``flag`` to the case."""

    query: QuerySpec
    flag: Operation


@dataclass(frozen=True)
class Route:
    theme: str
    sub_theme: str
    team: str
    subject: str


@dataclass(frozen=True)
class SubmissionPlan:
    submission_id: UUID
    route: Route
    operations: tuple[Operation, ...]
    lookups: frozenset[LookupRef]
    lookalike: LookalikeCheck | None

    def operation(self, target: str) -> Operation:
        return next(op for op in self.operations if op.target == target)
