"""The Dataverse Web API client: requests as data, a transport seam, ``$batch``, retries.

Knows nothing of citizens. Importing it stays light (no msal, tenacity or requests until they
are used) because Azure Functions cold starts pay for every import.
"""

from . import _operations as requests_
from ._api import DataverseClient, WhoAmI
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
from ._config import MAX_CONCURRENCY, DataverseConfig
from ._http import Headers, HttpRequest, HttpResponse, Transport
from ._limiter import ConcurrencyLimiter
from ._odata import Key, guid, literal
from ._query import (
    Expand,
    Filter,
    Query,
    and_,
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
from ._retry import Clock, RetryPolicy, SystemClock
from ._transport import RequestsTransport, WsgiTransport
from .errors import (
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

__all__ = [
    "MAX_BATCH_OPERATIONS",
    "MAX_CONCURRENCY",
    "AlreadyExistsError",
    "AuthenticationError",
    "BatchItem",
    "BatchResult",
    "BulkResult",
    "ChangeSet",
    "Clock",
    "ConcurrencyLimiter",
    "DataverseClient",
    "DataverseConfig",
    "DataverseConnectionError",
    "DataverseError",
    "DataverseRequest",
    "Expand",
    "Expect",
    "Filter",
    "Headers",
    "HttpRequest",
    "HttpResponse",
    "InvalidRequestError",
    "Key",
    "ManagedIdentityProvider",
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
    "SystemClock",
    "ThrottledError",
    "TokenProvider",
    "TransientServerError",
    "Transport",
    "UnexpectedResponseError",
    "ValidationError",
    "WhoAmI",
    "WriteResult",
    "WsgiTransport",
    "and_",
    "bulk_request",
    "contains",
    "decode_batch",
    "encode_batch",
    "endswith",
    "eq",
    "ge",
    "gt",
    "guid",
    "in_",
    "interpret",
    "le",
    "literal",
    "lt",
    "ne",
    "not_",
    "or_",
    "requests_",
    "scope_for",
    "startswith",
]
