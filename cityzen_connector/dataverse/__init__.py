"""The Dataverse Web API client: requests as data, a transport seam, ``$batch``, retries.

``ops`` holds the pure request builders (``ops.create``, ``ops.upsert``, ``ops.query``...);
``DataverseClient.execute`` sends what they return. Knows nothing of citizens. Importing it
stays light (no msal, tenacity or requests until they are used) because Azure Functions cold
starts pay for every import.
"""

from typing import TYPE_CHECKING

from cityzen_connector._lazy import lazy_exports
from cityzen_connector._types import Headers

from . import _operations as ops
from ._client import DataverseClient, WhoAmI
from ._config import MAX_CONCURRENCY, DataverseConfig
from ._errors import (
    AlreadyExistsError,
    AuthenticationError,
    DataverseConnectionError,
    DataverseError,
    InvalidRequestError,
    NotFoundError,
    PermissionDeniedError,
    PreconditionFailedError,
    ServerError,
    ThrottledError,
    TransientServerError,
    UnexpectedResponseError,
    ValidationError,
)
from ._http import HttpRequest, HttpResponse, Transport
from ._limiter import ConcurrencyLimiter
from ._odata import Key, guid, literal
from ._query import (
    Expand,
    Filter,
    LambdaVariable,
    Query,
    all_,
    and_,
    any_,
    contains,
    endswith,
    eq,
    ge,
    gt,
    in_,
    le,
    lt,
    ne,
    not_,
    or_,
    startswith,
)
from ._request import DataverseRequest, Expect, Page, WriteResult, interpret
from ._retry import RetryPolicy

if TYPE_CHECKING:
    from ._auth import (
        ManagedIdentityProvider,
        MsalClientCredentialsProvider,
        StaticTokenProvider,
        TokenProvider,
        scope_for,
    )
    from ._batch import (
        MAX_BATCH_OPERATIONS,
        BatchItem,
        BatchResult,
        ChangeSet,
        OperationResult,
        decode_batch,
        encode_batch,
    )
    from ._bulk import BulkResult, bulk_request
    from ._metadata import (
        AlternateKey,
        ColumnSpec,
        EntityDefinition,
        Metadata,
        create_column_request,
        entity_definition_request,
    )
    from ._metadata_writes import (
        TableSpec,
        create_key_request,
        create_table_request,
        insert_option_value_request,
    )
    from ._transport import RequestsTransport, WsgiTransport

# Loaded on first access (PEP 562): $batch, bulk, metadata, msal providers and the requests
# transport are not needed by every cold start.
_LAZY = {
    "ManagedIdentityProvider": "_auth",
    "MsalClientCredentialsProvider": "_auth",
    "StaticTokenProvider": "_auth",
    "TokenProvider": "_auth",
    "scope_for": "_auth",
    "MAX_BATCH_OPERATIONS": "_batch",
    "BatchItem": "_batch",
    "BatchResult": "_batch",
    "ChangeSet": "_batch",
    "OperationResult": "_batch",
    "decode_batch": "_batch",
    "encode_batch": "_batch",
    "BulkResult": "_bulk",
    "bulk_request": "_bulk",
    "AlternateKey": "_metadata",
    "ColumnSpec": "_metadata",
    "EntityDefinition": "_metadata",
    "Metadata": "_metadata",
    "create_column_request": "_metadata",
    "create_key_request": "_metadata_writes",
    "entity_definition_request": "_metadata",
    "insert_option_value_request": "_metadata_writes",
    "TableSpec": "_metadata_writes",
    "create_table_request": "_metadata_writes",
    "RequestsTransport": "_transport",
    "WsgiTransport": "_transport",
}


__getattr__ = lazy_exports(__name__, _LAZY)


__all__ = [
    "MAX_BATCH_OPERATIONS",
    "MAX_CONCURRENCY",
    "AlreadyExistsError",
    "AlternateKey",
    "AuthenticationError",
    "BatchItem",
    "BatchResult",
    "BulkResult",
    "ChangeSet",
    "ColumnSpec",
    "ConcurrencyLimiter",
    "DataverseClient",
    "DataverseConfig",
    "DataverseConnectionError",
    "DataverseError",
    "DataverseRequest",
    "EntityDefinition",
    "Expand",
    "Expect",
    "Filter",
    "Headers",
    "HttpRequest",
    "HttpResponse",
    "InvalidRequestError",
    "Key",
    "LambdaVariable",
    "ManagedIdentityProvider",
    "Metadata",
    "MsalClientCredentialsProvider",
    "NotFoundError",
    "OperationResult",
    "Page",
    "PermissionDeniedError",
    "PreconditionFailedError",
    "Query",
    "RequestsTransport",
    "RetryPolicy",
    "ServerError",
    "StaticTokenProvider",
    "TableSpec",
    "ThrottledError",
    "TokenProvider",
    "TransientServerError",
    "Transport",
    "UnexpectedResponseError",
    "ValidationError",
    "WhoAmI",
    "WriteResult",
    "WsgiTransport",
    "all_",
    "and_",
    "any_",
    "bulk_request",
    "contains",
    "create_column_request",
    "create_key_request",
    "create_table_request",
    "decode_batch",
    "encode_batch",
    "endswith",
    "entity_definition_request",
    "eq",
    "ge",
    "gt",
    "guid",
    "in_",
    "insert_option_value_request",
    "interpret",
    "le",
    "literal",
    "lt",
    "ne",
    "not_",
    "ops",
    "or_",
    "scope_for",
    "startswith",
]
