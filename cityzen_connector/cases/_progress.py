"""Where a submission's case stands, for ``GET /api/v1/requests/{id}``: the citizen-facing
status, its labels, since when, and the history, oldest first."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from cityzen_connector.mapping import CitizenStatus
from cityzen_connector.models import HistoryItem

from ._history import CaseHistory

__all__ = ["Progress", "progress_of"]


@dataclass(frozen=True)
class Progress:
    status: CitizenStatus
    updated_at: datetime | None
    history: tuple[HistoryItem, ...]


def progress_of(
    history: CaseHistory, submission_id: uuid.UUID, case_id: uuid.UUID | None
) -> Progress:
    """The case's progress; before any case event, the new-case status (``[status.new]``)."""
    case = case_id or history.case_of_submission(submission_id)
    record = history.get(case) if case is not None else None
    vocabulary = history.vocabulary
    if record is None or not record.entries:
        return Progress(vocabulary.new_status or vocabulary.unknown, None, ())
    items = []
    for index, entry in enumerate(record.entries):
        said = record.status_at(index, vocabulary)
        items.append(
            HistoryItem(
                status=said.code,
                label_fr=said.label_fr,
                label_en=said.label_en,
                closed=said.closed,
                at=entry.at,
                service=entry.service,
            )
        )
    current = record.current(vocabulary)
    assert current is not None
    return Progress(current, record.updated_at, tuple(items))
