"""Azure Table Storage backend of the ``StateStore`` (azure-data-tables 12.x).

One table; PartitionKey/RowKey are the record's partition and key; the JSON value is one string
property. Optimistic concurrency uses the entity ETag with ``If-Match``.
https://learn.microsoft.com/rest/api/storageservices/update-entity2
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from datetime import UTC, datetime
from typing import Any

from azure.core import MatchConditions
from azure.core.exceptions import (
    AzureError,
    HttpResponseError,
    ResourceExistsError,
    ResourceNotFoundError,
)
from azure.data.tables import TableClient, TableEntity, UpdateMode

from cityzen_connector._clock import WallClock
from cityzen_connector.store._azure_url import split_table_url
from cityzen_connector.store._errors import PreconditionFailedError, StoreUnavailableError
from cityzen_connector.store._port import Record, StateStore, check_key, dump_value

DEFAULT_TABLE = "cityzenstate"


@contextmanager
def _translated() -> Iterator[None]:
    try:
        yield
    except HttpResponseError as exc:
        if exc.status_code == 412:
            raise PreconditionFailedError("the record changed since it was read") from exc
        raise StoreUnavailableError(f"table storage error {exc.status_code}") from exc
    except AzureError as exc:
        raise StoreUnavailableError("table storage unreachable") from exc


class TableStore(StateStore):
    """A ``StateStore`` on one Azure table. Seam: the injected ``TableClient``."""

    def __init__(self, table: TableClient, *, clock: WallClock) -> None:
        self._table = table
        self._clock = clock
        with _translated(), suppress(ResourceExistsError):
            table.create_table()

    def _record(self, entity: TableEntity) -> Record:
        expires = entity.get("ExpiresAt")
        return Record(
            partition=entity["PartitionKey"],
            key=entity["RowKey"],
            value=json.loads(entity["Value"]),
            etag=str(entity.metadata["etag"]),
            updated_at=_aware(entity["UpdatedAt"]),
            expires_at=_aware(expires) if expires is not None else None,
        )

    def _live(self, entity: TableEntity) -> bool:
        expires = entity.get("ExpiresAt")
        return expires is None or _aware(expires) > self._clock()

    def _fetch(self, partition: str, key: str) -> TableEntity | None:
        with _translated():
            try:
                return self._table.get_entity(partition, key)
            except ResourceNotFoundError:
                return None

    def get(self, partition: str, key: str) -> Record | None:
        check_key("partition", partition)
        check_key("key", key)
        entity = self._fetch(partition, key)
        return self._record(entity) if entity is not None and self._live(entity) else None

    def put(
        self,
        partition: str,
        key: str,
        value: Mapping[str, Any],
        *,
        if_match: str | None = None,
        create_only: bool = False,
        expires_at: datetime | None = None,
    ) -> Record:
        check_key("partition", partition)
        check_key("key", key)
        now = self._clock()
        entity: dict[str, Any] = {
            "PartitionKey": partition,
            "RowKey": key,
            "Value": dump_value(value),
            "UpdatedAt": now,
        }
        if expires_at is not None:
            entity["ExpiresAt"] = expires_at
        with _translated():
            if create_only:
                try:
                    meta = self._table.create_entity(entity)
                except ResourceExistsError:
                    current = self._fetch(partition, key)
                    if current is not None and self._live(current):
                        raise PreconditionFailedError("the record already exists") from None
                    if_match = current.metadata["etag"] if current is not None else None
                    meta = self._replace(entity, if_match)
            elif if_match is not None:
                meta = self._replace(entity, if_match)
            else:
                meta = self._table.upsert_entity(entity, mode=UpdateMode.REPLACE)
        return Record(partition, key, dict(value), meta["etag"], now, expires_at)

    def _replace(self, entity: dict[str, Any], if_match: str | None) -> dict[str, Any]:
        try:
            return self._table.update_entity(
                entity,
                mode=UpdateMode.REPLACE,
                etag=if_match,
                match_condition=MatchConditions.IfNotModified,
            )
        except ResourceNotFoundError as exc:
            raise PreconditionFailedError("the record no longer exists") from exc

    def delete(self, partition: str, key: str, *, if_match: str | None = None) -> bool:
        check_key("partition", partition)
        check_key("key", key)
        current = self._fetch(partition, key)
        if current is None or not self._live(current):
            if if_match is not None:
                raise PreconditionFailedError("the record no longer exists")
            if current is None:
                return False
        etag = if_match or current.metadata["etag"]
        with _translated():
            self._table.delete_entity(
                partition, key, etag=etag, match_condition=MatchConditions.IfNotModified
            )
        return self._live(current)

    def query(self, partition: str, *, limit: int | None = None) -> list[Record]:
        check_key("partition", partition)
        out: list[Record] = []
        with _translated():
            for entity in self._table.query_entities(
                "PartitionKey eq @p", parameters={"p": partition}
            ):
                if self._live(entity):
                    out.append(self._record(entity))
        out.sort(key=lambda r: r.key)
        return out if limit is None else out[:limit]

    def purge(self, *, now: datetime, updated_before: datetime | None = None) -> int:
        query = "ExpiresAt le @now"
        params: dict[str, Any] = {"now": now}
        if updated_before is not None:
            query += " or UpdatedAt lt @before"
            params["before"] = updated_before
        count = 0
        with _translated():
            for entity in self._table.query_entities(query, parameters=params):
                try:
                    self._table.delete_entity(entity["PartitionKey"], entity["RowKey"])
                except ResourceNotFoundError:
                    continue
                count += 1
        return count

    def close(self) -> None:
        self._table.close()


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def open_table_store(url: str, *, clock: WallClock, credential: Any = None) -> TableStore:
    if url.startswith("azuretables://"):
        endpoint, table = split_table_url(url, DEFAULT_TABLE)
        if credential is None:
            from azure.identity import DefaultAzureCredential  # noqa: PLC0415

            credential = DefaultAzureCredential()
        return TableStore(TableClient(endpoint, table, credential=credential), clock=clock)
    return TableStore(TableClient.from_connection_string(url, DEFAULT_TABLE), clock=clock)
