"""What the records layer tells the event pipeline about each write, and the port it tells it
through (``Records.observer``): the records layer knows no step, no service endpoint and no
sink; the pipeline (``_pipeline``) knows no SQL.

"Event framework" (Microsoft Learn,
https://learn.microsoft.com/power-apps/developer/data-platform/event-framework): every data
operation is a message (``Create``, ``Update``…) going through the stages of the event
pipeline; steps registered on a message and table run in the stage they name. The emulator
runs post-operation asynchronous steps only (``_registrations`` refuses the others).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from cityzen_connector.emulator._http import Caller
from cityzen_connector.emulator._schema import Entity
from cityzen_connector.emulator._store import Row

__all__ = ["Write", "WriteObserver"]


@dataclass(frozen=True)
class Write:
    """One core operation of the pipeline (stage 30), once written.

    ``message`` is the SDK message steps are registered on (``Create``, ``Update``);
    ``request`` the message the client called (``Update``, ``CloseIncident``), which differs
    when a message performs an update of its own; ``sent`` the columns the operation was
    given, with their values as stored (lookups: the referenced id), before the platform
    added its own (``modifiedon``, a state's default status reason…)."""

    message: str
    request: str
    entity: Entity
    before: Row | None
    after: Row
    sent: Mapping[str, Any]
    caller: Caller


class WriteObserver(Protocol):
    """Told of every record write, inside its transaction."""

    def check(self, entity: Entity, data: Mapping[str, Any], before: Row | None) -> None:
        """Refuse (raise ``ODataError``) a row the platform would not accept, before it is
        written: the registration tables' rules live there."""

    def written(self, write: Write) -> None:
        """A write happened (not yet committed: deliveries wait for the commit)."""
