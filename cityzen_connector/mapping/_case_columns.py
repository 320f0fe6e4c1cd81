"""The case table's columns a citizen-facing status needs: what the registered post-image carries
(``sync`` registers it) and what the case-events consumer and the reconciliation read
(``cases``). One list, so the registration can never ask for less than the consumer reads. Not
the title nor the description: a citizen's words stay out of the queue."""

from __future__ import annotations

__all__ = ["CASE_STATUS_COLUMNS"]

CASE_STATUS_COLUMNS: tuple[str, ...] = (
    "statecode",
    "statuscode",
    "ownerid",
    "ticketnumber",
    "customerid",
    "subjectid",
    "caseorigincode",
    "createdon",
    "modifiedon",
    "versionnumber",
)
