"""What the Open311 facade needs besides the portal API's dependencies."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from cityzen_connector.sync.intake import ApiKeys


@dataclass(frozen=True)
class Open311Dependencies:
    """``jurisdiction_id``: the one this deployment serves (GeoReport v2: optional when an
    endpoint serves one; another value is the spec's 404). ``immediate_id``: answer POST
    requests with the ``service_request_id`` at once instead of a token (clients that cannot
    follow tokens). ``base_url``: where the discovery document says the endpoint is."""

    keys: ApiKeys
    jurisdiction_id: str = ""
    immediate_id: bool = False
    base_url: str = "http://127.0.0.1:7071/api/open311/v2"
    contact: str = ""
    # The services list in each format, with the catalog it was built from: a pure function of
    # the (frozen) theme catalog, built and serialised once per catalog, not on every call.
    services_cache: dict[str, tuple[Any, bytes]] = field(
        default_factory=dict, compare=False, repr=False
    )
