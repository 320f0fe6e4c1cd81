"""Errors the pipeline raises to its callers. Most failures are not exceptions here but
outcomes (``_outcome.py``: created, already done, transient, permanent, systemic), which the
worker settles; these are the few that escape as exceptions.

::

    LookupNotFoundError (LookupError)   no record has the team or subject name the mappings
                                        give: permanent until the mappings or Dataverse change
"""

from __future__ import annotations

from cityzen_connector.mapping import LookupRef


class LookupNotFoundError(LookupError):
    """No record has that value. Names and titles come from the mappings, not from citizens,
    so the message may quote them."""

    def __init__(self, ref: LookupRef) -> None:
        super().__init__(f"no {ref.entity_set} record has {ref.column} '{ref.value}'")
        self.ref = ref
