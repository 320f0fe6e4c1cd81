"""``open_bus(url)``: one alias table from a URL-like setting to a ``MessageBus`` backend.

=================================  ===================================================
``sqlite:///path/queue.db``        embedded queue in one file (local default)
``memory://`` / ``memory://name``  embedded queue in memory; a name is shared in-process
``servicebus://<namespace FQDN>``  Azure Service Bus, ``DefaultAzureCredential``
``Endpoint=sb://...;...``          Azure Service Bus, connection string
=================================  ===================================================
"""

from __future__ import annotations

import threading
from typing import Any

from cityzen_connector._clock import WallClock, utc_now
from cityzen_connector._types import url_scheme
from cityzen_connector.messaging._errors import UnsupportedBusUrlError
from cityzen_connector.messaging._port import MessageBus
from cityzen_connector.messaging._sqlite import SqliteBus

# Named in-memory buses, so that an HTTP side and a worker side in one process meet.
_NAMED_MEMORY: dict[str, SqliteBus] = {}
_NAMED_LOCK = threading.Lock()

# Options the embedded backends honour. In Azure they are properties of the queue itself
# (see infra/), so the Service Bus backend accepts and ignores them.
EMBEDDED_OPTIONS = frozenset(
    {
        "sleep",
        "lock_duration",
        "max_delivery_count",
        "duplicate_window",
        "default_time_to_live",
        "poll_interval",
    }
)


def open_bus(url: str, *, clock: WallClock = utc_now, **options: Any) -> MessageBus:
    """Open the backend ``url`` names; ``options`` tune the embedded backends."""
    unknown = set(options) - EMBEDDED_OPTIONS - {"credential", "client"}
    if unknown:
        raise TypeError(f"unknown bus options: {sorted(unknown)}")
    embedded = {k: v for k, v in options.items() if k in EMBEDDED_OPTIONS}
    if url.startswith("sqlite:///"):
        path = url.removeprefix("sqlite:///")
        if not path:
            raise UnsupportedBusUrlError(
                "sqlite:/// needs a file path, e.g. sqlite:///.cityzen/q.db"
            )
        return SqliteBus(path, clock=clock, **embedded)
    if url.startswith("memory://"):
        name = url.removeprefix("memory://")
        if not name:
            return SqliteBus(":memory:", clock=clock, **embedded)
        with _NAMED_LOCK:
            if name not in _NAMED_MEMORY:
                _NAMED_MEMORY[name] = SqliteBus(":memory:", clock=clock, **embedded)
            return _NAMED_MEMORY[name]
    if url.startswith("servicebus://") or url.lower().startswith("endpoint=sb://"):
        from cityzen_connector.messaging._servicebus import open_service_bus  # noqa: PLC0415

        return open_service_bus(
            url, credential=options.get("credential"), client=options.get("client"), clock=clock
        )
    # Never echo the URL: a connection string carries a shared access key.
    scheme = url_scheme(url)
    raise UnsupportedBusUrlError(
        f"unsupported message bus URL (scheme {scheme!r}); expected sqlite:///, memory://,"
        " servicebus:// or a Service Bus connection string"
    )
