"""The client's configuration: a small frozen value, built from Settings at the edge."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from ._errors import InvalidRequestError

# Dataverse refuses more than 52 concurrent requests per user ("Service protection API
# limits", concurrent requests); we never go above it locally either.
MAX_CONCURRENCY = 52


@dataclass(frozen=True)
class DataverseConfig:
    """Where Dataverse is and how to talk to it.

    ``max_concurrency`` is a per-process guard only: Dataverse counts its limits per
    application user across every instance of the Function App, so N instances may together
    run N x this many requests (throttling then answers 429, which the retry policy honours).
    """

    org_url: str
    api_version: str = "v9.2"
    timeout: float = 30.0
    max_concurrency: int = 5
    bulk_chunk_size: int = 100
    caller_object_id: str | None = None
    include_annotations: str | None = None
    max_page_size: int | None = None
    user_agent: str = "cityzen-connector"

    def __post_init__(self) -> None:
        parts = urlsplit(self.org_url)
        if parts.scheme not in ("http", "https") or not parts.hostname or parts.query:
            raise InvalidRequestError("org_url must be an http(s) URL without a query")
        if not 1 <= self.max_concurrency <= MAX_CONCURRENCY:
            raise InvalidRequestError(f"max_concurrency must be 1..{MAX_CONCURRENCY}")
        if not 1 <= self.bulk_chunk_size <= 1000:
            raise InvalidRequestError("bulk_chunk_size must be 1..1000")
        if self.timeout <= 0:
            raise InvalidRequestError("timeout must be positive")

    @property
    def service_root(self) -> str:
        """``<org>/api/data/v9.2/`` — every request path is relative to it."""
        return f"{self.org_url.rstrip('/')}/api/data/{self.api_version}/"
