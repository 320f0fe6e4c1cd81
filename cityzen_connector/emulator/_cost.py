"""What a request costs: the number of operations in it, the one measure that service
protection's execution-time budget and the latency model both read.

"Service protection API limits" (Microsoft Learn,
https://learn.microsoft.com/power-apps/developer/data-platform/api-limits): "You could send
fewer requests by bundling them in batch operations. The combined execution time limit will
counter this", and "A batch can contain up to 1000 operations and will avoid the number of
requests limit. However, you will need to be prepared for the execution time limit." So a
request is one request, but it costs one operation per thing it does:

- a plain request (create, retrieve, update, upsert, delete, query, metadata, WhoAmI): 1;
- a bulk message (``CreateMultiple``, ``UpdateMultiple``, ``UpsertMultiple``) of N
  ``Targets``: N ("Use bulk operation messages": each target is a create or an update run in
  one transaction), whether it answers its ``Ids`` or ``204 NoContent``;
- a ``$batch``: the sum of the operations of the parts it ran (a change set's members
  included, a bulk message inside it counted as its N); the parts after a failure that
  stopped the batch do not run and cost nothing;
- a refused request (an error reply) and anything else: 1.

Each handler states its count on the :class:`~._http.Response` it returns
(``Response.operations``); nothing else counts.
"""

from __future__ import annotations

from collections.abc import Iterable

from cityzen_connector.emulator._config import Latency
from cityzen_connector.emulator._http import Response


def total(responses: Iterable[Response]) -> int:
    """The operations of a request made of the parts that answered ``responses``."""
    return max(1, sum(max(1, response.operations) for response in responses))


def service_seconds(latency: Latency, operations: int) -> float:
    """The simulated service time of a request of ``operations`` operations. Linear on
    purpose: "Use bulk operation messages" (Microsoft Learn) says bulk operations on standard
    tables grow more efficient per record as a request holds more of them; the model charges
    every operation the same, so a bulk request is never flattered, and a chunked bulk sent in
    parallel pays the base once per chunk but waits only for its slowest chunk."""
    return latency.base_seconds + latency.per_operation_seconds * max(1, operations)
