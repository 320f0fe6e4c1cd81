"""Small state (submission status and more) and attachment blobs, each behind one port."""

from cityzen_connector.store._errors import (
    BlobNotFoundError,
    InvalidKeyError,
    PreconditionFailedError,
    StoreError,
    StoreUnavailableError,
    UnsupportedStoreUrlError,
    ValueTooLargeError,
)
from cityzen_connector.store._open import open_blobs, open_store
from cityzen_connector.store._port import BlobRef, BlobStore, Record, StateStore
from cityzen_connector.store._status import (
    INGEST_PARTITION,
    SUBMISSIONS_PARTITION,
    SubmissionStatus,
    SubmissionStatuses,
)

__all__ = [
    "INGEST_PARTITION",
    "SUBMISSIONS_PARTITION",
    "BlobNotFoundError",
    "BlobRef",
    "BlobStore",
    "InvalidKeyError",
    "PreconditionFailedError",
    "Record",
    "StateStore",
    "StoreError",
    "StoreUnavailableError",
    "SubmissionStatus",
    "SubmissionStatuses",
    "UnsupportedStoreUrlError",
    "ValueTooLargeError",
    "open_blobs",
    "open_store",
]
