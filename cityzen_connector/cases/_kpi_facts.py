"""What the KPIs need of one request, read once from its status history (docs/kpis.md).

A ``Fact`` is a request reduced to its dimensions (theme, sub-theme, channel, team,
citizen-facing status) and its few instants. The rules, applied to the history as
``CaseRecord`` keeps it (ordered by row version, else time, whatever order the events came in):

- **received**: the case's ``createdon``, else its first entry's time;
- **first agent action**: the first change after the case was created (each entry is a change of
  state, status reason or owner); a case whose first known state is not the new-case pair
  (an agent filed it already in progress, by phone) was acted on when it was created. Unknown
  when the history was cut (``trimmed``);
- **resolved**: the case's *current* state is Resolved (``statecode`` 1 of the incident table);
  the time is when it last entered that state: a case resolved, reopened and resolved again is
  timed to its last resolution, and a reopened case still active is in the backlog, not
  resolved;
- **withdrawn**: the current state is Canceled (``statecode`` 2: cancelled, merged into another
  case): counted as received, left out of resolution times and of the backlog;
- **team**: the last team that held the case (a case an agent took keeps counting for the
  team it came from: an agent's name is never a dimension);
- a submission still ``queued`` (accepted, no case yet) is received, status ``queued``, with
  unknown theme, channel and team (the queue message is not read for figures).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from cityzen_connector.mapping import StatusVocabulary

from ._record import CaseRecord

__all__ = [
    "QUEUED",
    "RESOLVED_STATE",
    "UNKNOWN",
    "WITHDRAWN_STATE",
    "Fact",
    "FactReader",
    "queued_fact",
]

# The incident table's states ("Define custom state model transitions"; mappings/status.toml):
# Active 0, Resolved 1, Canceled 2 (Canceled, Merged).
RESOLVED_STATE = 1
WITHDRAWN_STATE = 2
UNKNOWN = "inconnu"
QUEUED = "queued"


@dataclass(frozen=True, slots=True)
class Fact:
    received: datetime
    theme: str
    sub_theme: str
    channel: str
    team: str
    status: str
    first_action: datetime | None = None
    resolved: datetime | None = None
    withdrawn: bool = False
    target_days: int | None = None
    has_case: bool = True

    @property
    def open(self) -> bool:
        return self.resolved is None and not self.withdrawn

    def dimension(self, name: str) -> str:
        return str(getattr(self, name))


@dataclass(frozen=True)
class FactReader:
    """Reads facts with the deployment's vocabulary: subject title → (theme, sub-theme),
    ``caseorigincode`` → channel name (mappings/incident.toml's ``map``), targets."""

    vocabulary: StatusVocabulary
    subjects: Mapping[str, tuple[str, str]]
    channels: Mapping[int, str]
    targets: Mapping[tuple[str, str], int]
    # Code → title, for the labels of the stats (mappings/themes.toml).
    theme_titles: Mapping[str, str] = field(default_factory=dict)
    sub_theme_titles: Mapping[str, str] = field(default_factory=dict)

    def of_record(self, record: CaseRecord) -> Fact | None:
        entries = record.entries
        if not entries:
            return None
        received = record.created_on or entries[0].at
        theme, sub_theme = self.subjects.get(record.subject_name or "", (UNKNOWN, UNKNOWN))
        last = entries[-1]
        current = record.current(self.vocabulary)
        withdrawn = last.state == WITHDRAWN_STATE
        resolved = None
        if last.state == RESOLVED_STATE:
            index = len(entries) - 1
            while index > 0 and entries[index - 1].state == RESOLVED_STATE:
                index -= 1
            resolved = entries[index].at
        return Fact(
            received=received,
            theme=theme,
            sub_theme=sub_theme,
            channel=self.channels.get(record.origin, UNKNOWN)
            if record.origin is not None
            else UNKNOWN,
            team=next((e.service for e in reversed(entries) if e.service), UNKNOWN),
            status=current.code if current is not None else UNKNOWN,
            first_action=self._first_action(record),
            resolved=resolved,
            withdrawn=withdrawn,
            target_days=self.targets.get((theme, sub_theme)),
        )

    def _first_action(self, record: CaseRecord) -> datetime | None:
        if record.trimmed:
            return None
        first = record.entries[0]
        if (first.state, first.status) != self.vocabulary.new_pair:
            return first.at
        return record.entries[1].at if len(record.entries) > 1 else None

    def of_json(self, value: Mapping[str, Any]) -> Fact | None:
        return self.of_record(CaseRecord.from_json(value))


def queued_fact(received: datetime) -> Fact:
    return Fact(
        received=received,
        theme=UNKNOWN,
        sub_theme=UNKNOWN,
        channel=UNKNOWN,
        team=UNKNOWN,
        status=QUEUED,
        has_case=False,
    )
