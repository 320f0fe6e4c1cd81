"""The ``StateStore`` and ``BlobStore`` ports: small JSON records and attachment bytes.

Records are addressed by (partition, key), as Azure Table Storage does, with ETag optimistic
concurrency (``if_match``), create-only puts and an optional expiry after which a record reads
as absent and is purged. Blobs are immutable bytes named by the store, with size and SHA-256.
"""

from __future__ import annotations

import abc
import json
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cityzen_connector.store._errors import InvalidKeyError, ValueTooLargeError

# Table Storage forbids / \ # ? and control characters in PartitionKey and RowKey.
# https://learn.microsoft.com/rest/api/storageservices/understanding-the-table-service-data-model
_FORBIDDEN_KEY = re.compile(r"[/\\#?\x00-\x1f\x7f-\x9f]")
MAX_KEY_LENGTH = 255
# A string property holds 64 KiB as UTF-16: 32K characters. Records are meant to be small.
MAX_VALUE_CHARS = 32_000


def check_key(kind: str, value: str) -> None:
    if not value or len(value) > MAX_KEY_LENGTH or _FORBIDDEN_KEY.search(value):
        raise InvalidKeyError(
            f"{kind} must be 1-{MAX_KEY_LENGTH} characters without / \\ # ? or control characters"
        )


def dump_value(value: Mapping[str, Any]) -> str:
    """The JSON text of a record value, refused when it would not fit in a Table property."""
    if not isinstance(value, Mapping):
        raise TypeError("a record value is a JSON object (a mapping)")
    text = json.dumps(dict(value), separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    if len(text) > MAX_VALUE_CHARS:
        raise ValueTooLargeError(len(text), MAX_VALUE_CHARS)
    return text


_BLOB_NAME = re.compile(r"^[0-9a-f]{32}$")
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


def new_blob_name() -> str:
    """Random, not content-derived: two citizens' identical photos stay two blobs."""
    return uuid.uuid4().hex


def check_blob_name(name: str) -> None:
    if not _BLOB_NAME.match(name):
        raise InvalidKeyError("blob names are 32 lower-case hexadecimal characters")


@dataclass(frozen=True)
class Record:
    partition: str
    key: str
    value: Mapping[str, Any]
    etag: str
    updated_at: datetime
    expires_at: datetime | None = None


class StateStore(abc.ABC):
    """Small JSON records by (partition, key). Backends are chosen by URL (``open_store``)."""

    @abc.abstractmethod
    def get(self, partition: str, key: str) -> Record | None:
        """The record, or ``None`` if absent or expired."""

    @abc.abstractmethod
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
        """Write; ``if_match`` needs the current ETag, ``create_only`` needs no live record."""

    @abc.abstractmethod
    def delete(self, partition: str, key: str, *, if_match: str | None = None) -> bool:
        """Remove; ``False`` if there was nothing to remove."""

    @abc.abstractmethod
    def query(self, partition: str, *, limit: int | None = None) -> list[Record]:
        """Live records of a partition, by key."""

    @abc.abstractmethod
    def purge(self, *, now: datetime, updated_before: datetime | None = None) -> int:
        """Delete expired records (and, for retention, those not updated since a date)."""

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release connections."""


@dataclass(frozen=True)
class BlobRef:
    """What a message carries instead of the bytes (claim check)."""

    name: str
    size: int
    sha256: str
    media_type: str

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "size": self.size,
            "sha256": self.sha256,
            "media_type": self.media_type,
        }

    @classmethod
    def from_json(cls, value: Any) -> BlobRef:
        """Read a reference from a message payload; anything malformed is ``InvalidKeyError``."""
        if not isinstance(value, Mapping):
            raise InvalidKeyError("a blob reference is a JSON object")
        name, size, digest, media_type = (
            value.get("name"),
            value.get("size"),
            value.get("sha256"),
            value.get("media_type"),
        )
        if not isinstance(name, str):
            raise InvalidKeyError("blob reference without a name")
        check_blob_name(name)
        if isinstance(size, bool) or not isinstance(size, int) or size < 0:
            raise InvalidKeyError("blob reference with an invalid size")
        if not isinstance(digest, str) or not _SHA256.match(digest):
            raise InvalidKeyError("blob reference with an invalid sha256")
        if not isinstance(media_type, str) or not media_type or len(media_type) > 255:
            raise InvalidKeyError("blob reference with an invalid media type")
        return cls(name, size, digest, media_type)


class BlobStore(abc.ABC):
    """Attachment bytes. Backends are chosen by URL (``open_blobs``)."""

    @abc.abstractmethod
    def put(self, data: bytes, *, media_type: str) -> BlobRef:
        """Store the bytes under a new unique name."""

    @abc.abstractmethod
    def get(self, name: str) -> bytes:
        """The bytes; ``BlobNotFoundError`` if absent."""

    @abc.abstractmethod
    def delete(self, name: str) -> bool:
        """Remove; ``False`` if there was nothing to remove."""

    @abc.abstractmethod
    def list_older_than(self, cutoff: datetime) -> list[str]:
        """Names of blobs created before ``cutoff`` (retention purge)."""

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release connections."""
