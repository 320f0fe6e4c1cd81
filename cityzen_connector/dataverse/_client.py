"""``DataverseClient``: one method per Web API operation, each a builder plus ``execute``."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from cityzen_connector._types import JsonObject

from . import _operations as ops
from ._core import ClientCore
from ._errors import NotFoundError, UnexpectedResponseError
from ._odata import Key
from ._odata import Literal as ODataLiteral
from ._query import Expand, Query
from ._request import Page, WriteResult
from ._retry import RetryPolicy

if TYPE_CHECKING:  # loaded on first use: $batch, bulk and metadata cost import time
    from . import _batch, _bulk, _metadata


@dataclass(frozen=True)
class WhoAmI:
    user_id: uuid.UUID
    business_unit_id: uuid.UUID
    organization_id: uuid.UUID


class DataverseClient(ClientCore):
    """The Dataverse Web API client. Every method builds a request (pure) and sends it."""

    @property
    def metadata(self) -> _metadata.Metadata:
        """Table definitions (cached on this client and the clients derived from it)."""
        from ._metadata import Metadata  # noqa: PLC0415 - lazy, see imports

        return Metadata(self, self.metadata_cache, self.metadata_lock)

    # -- single operations -----------------------------------------------------------------------
    def create(
        self,
        entity_set: str,
        record: Mapping[str, Any],
        *,
        return_record: bool = False,
        select: Sequence[str] = (),
        suppress_duplicate_detection: bool | None = None,
        primary_id: str | None = None,
    ) -> WriteResult:
        """``primary_id``: the table's primary key column (``contactid``), where a returned row
        holds its id: with ``return_record`` Dataverse sends no ``OData-EntityId``."""
        return self.execute(
            ops.create(
                entity_set,
                record,
                return_record=return_record,
                select=select,
                suppress_duplicate_detection=suppress_duplicate_detection,
                primary_id=primary_id,
            )
        )

    def retrieve(
        self,
        entity_set: str,
        key: Key,
        *,
        select: Sequence[str] = (),
        expand: Sequence[Expand] = (),
    ) -> JsonObject:
        return self.execute(ops.retrieve(entity_set, key, select=select, expand=expand))

    def update(
        self,
        entity_set: str,
        key: Key,
        changes: Mapping[str, Any],
        *,
        etag: str | None = None,
        return_record: bool = False,
        primary_id: str | None = None,
    ) -> WriteResult:
        return self.execute(
            ops.update(
                entity_set,
                key,
                changes,
                etag=etag,
                return_record=return_record,
                primary_id=primary_id,
            )
        )

    def upsert(
        self,
        entity_set: str,
        key: Key,
        record: Mapping[str, Any],
        *,
        mode: ops.UpsertMode = "upsert",
        return_record: bool = False,
        primary_id: str | None = None,
    ) -> WriteResult:
        """By alternate key, the row's id comes back only with ``return_record`` and
        ``primary_id``; without them ``WriteResult.key`` names the row (Dataverse answers the
        key URL, not the GUID)."""
        return self.execute(
            ops.upsert(
                entity_set,
                key,
                record,
                mode=mode,
                return_record=return_record,
                primary_id=primary_id,
            )
        )

    def delete(
        self, entity_set: str, key: Key, *, etag: str | None = None, missing_ok: bool = False
    ) -> None:
        """Delete a row. ``missing_ok`` makes a 404 success (a repeat after a lost response)."""
        try:
            self.execute(ops.delete(entity_set, key, etag=etag))
        except NotFoundError:
            if not missing_ok:
                raise

    def associate(
        self,
        entity_set: str,
        key: Key,
        navigation: str,
        target_set: str,
        target_key: Key,
        *,
        single_valued: bool = False,
    ) -> None:
        self.execute(
            ops.associate(
                entity_set,
                key,
                navigation,
                target_set,
                target_key,
                service_root=self.config.service_root,
                single_valued=single_valued,
            )
        )

    def disassociate(
        self,
        entity_set: str,
        key: Key,
        navigation: str,
        target_id: str | uuid.UUID | None = None,
    ) -> None:
        self.execute(ops.disassociate(entity_set, key, navigation, target_id))

    # -- queries ---------------------------------------------------------------------------------
    def query_pages(self, query: Query, *, page_size: int | None = None) -> Iterator[Page]:
        """Pages of results, fetched lazily (``Prefer: odata.maxpagesize``)."""
        size = page_size or self.config.max_page_size
        return self.pages(ops.query(query, max_page_size=size))

    def query(self, query: Query, *, page_size: int | None = None) -> Iterator[JsonObject]:
        """Every matching row, following ``@odata.nextLink`` only as far as you iterate."""
        for page in self.query_pages(query, page_size=page_size):
            yield from page.records

    def first(self, query: Query) -> JsonObject | None:
        """The first matching row, or None (asks for ``$top=1``)."""
        return next(iter(self.query(query.top(1))), None)

    # -- actions and functions -------------------------------------------------------------------
    def call_action(
        self,
        name: str,
        parameters: Mapping[str, Any] | None = None,
        *,
        bound_to: str | tuple[str, Key] | None = None,
        safe_to_repeat: bool = False,
        retry: RetryPolicy | None = None,
    ) -> JsonObject:
        return self.execute(
            ops.action(name, parameters, bound_to=bound_to, safe_to_repeat=safe_to_repeat),
            retry=retry,
        )

    def call_function(
        self,
        name: str,
        parameters: Mapping[str, ODataLiteral] | None = None,
        *,
        bound_to: str | tuple[str, Key] | None = None,
    ) -> JsonObject:
        return self.execute(ops.function(name, parameters, bound_to=bound_to))

    def who_am_i(self) -> WhoAmI:
        doc = self.call_function("WhoAmI")
        try:
            return WhoAmI(
                uuid.UUID(str(doc["UserId"])),
                uuid.UUID(str(doc["BusinessUnitId"])),
                uuid.UUID(str(doc["OrganizationId"])),
            )
        except (KeyError, ValueError) as exc:
            raise UnexpectedResponseError("WhoAmI: response lacks its three ids") from exc

    # -- $batch and bulk -------------------------------------------------------------------------
    def execute_batch(
        self,
        items: Iterable[_batch.BatchItem],
        *,
        continue_on_error: bool = False,
        retry: RetryPolicy | None = None,
    ) -> _batch.BatchResult:
        """Send requests and change sets in one ``$batch``; results come back per operation."""
        from ._batch import execute_batch  # noqa: PLC0415 - lazy, see imports

        return execute_batch(self, items, continue_on_error=continue_on_error, retry=retry)

    def create_multiple(
        self,
        entity_set: str,
        logical_name: str,
        records: Sequence[Mapping[str, Any]],
        *,
        chunk_size: int | None = None,
    ) -> _bulk.BulkResult:
        from ._bulk import run_bulk  # noqa: PLC0415 - lazy, see imports

        return run_bulk(
            self, "CreateMultiple", entity_set, logical_name, records, chunk_size=chunk_size
        )

    def upsert_multiple(
        self,
        entity_set: str,
        logical_name: str,
        records: Sequence[Mapping[str, Any]],
        *,
        key_columns: Sequence[str],
        chunk_size: int | None = None,
    ) -> _bulk.BulkResult:
        """Each record carries the values of its alternate key ``key_columns``; they also
        key the one-record upserts a failed chunk is replayed as."""
        from ._bulk import run_bulk  # noqa: PLC0415 - lazy, see imports

        return run_bulk(
            self,
            "UpsertMultiple",
            entity_set,
            logical_name,
            records,
            chunk_size=chunk_size,
            key_columns=key_columns,
        )
