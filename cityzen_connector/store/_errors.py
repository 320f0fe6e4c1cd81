"""State store and blob errors, split by "should I retry?".

::

    StoreError
    ├── PreconditionFailedError  (ETag mismatch, or the key exists on a create-only put)
    ├── InvalidKeyError          (a partition/key or blob name no backend accepts)
    ├── ValueTooLargeError       (a record value or blob over its limit)
    ├── BlobNotFoundError
    ├── UnsupportedStoreUrlError (configuration)
    └── StoreUnavailableError    (transient: the backend could not be reached)
"""

from __future__ import annotations


class StoreError(Exception):
    """Base of every store error. ``is_transient`` says whether retrying may help."""

    is_transient: bool = False


class PreconditionFailedError(StoreError):
    """Someone else wrote first (ETag mismatch) or the record already exists (create-only)."""


class InvalidKeyError(StoreError):
    """Partition, key or blob name refused (empty, too long, or a character Azure forbids)."""


class ValueTooLargeError(StoreError):
    def __init__(self, size: int, limit: int) -> None:
        super().__init__(f"value of {size} bytes exceeds the {limit}-byte limit")
        self.size = size
        self.limit = limit


class BlobNotFoundError(StoreError):
    """No blob by that name (never written, deleted, or purged by retention)."""


class UnsupportedStoreUrlError(StoreError):
    """The URL matches no backend of the alias table."""


class StoreUnavailableError(StoreError):
    is_transient = True
