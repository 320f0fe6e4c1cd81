"""Errors of the themes, provisioning, readiness and queue use cases. The intake's errors are
in ``intake/_errors.py`` and the pipeline's in ``pipeline/_errors.py``.

::

    ProvisionError (RuntimeError)   the mappings ask for something provisioning cannot
                                    create: fix the mappings or create it by hand
    UnknownQueueError (LookupError) not a queue the connector uses (the API answers 404)
    ReplayInterruptedError          a replay failed half-way: ``result`` says what was done,
                                    ``is_transient`` whether asking again may finish it
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cityzen_connector.models import ReplayResult


class ProvisionError(RuntimeError):
    """The mappings ask for something provisioning cannot create."""


class UnknownQueueError(LookupError):
    """Not a queue the connector uses (the API answers 404)."""


class ReplayInterruptedError(RuntimeError):
    """A replay failed half-way (the queue went away): the messages in ``result`` were replayed,
    the others are still where they were, so asking again finishes the job."""

    def __init__(self, result: ReplayResult) -> None:
        self.result = result
        super().__init__(f"replay interrupted after {len(result.replayed)} message(s)")

    @property
    def is_transient(self) -> bool:
        return getattr(self.__cause__, "is_transient", False) is True
