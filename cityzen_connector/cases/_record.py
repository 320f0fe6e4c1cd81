"""A case as the store keeps it: what it is (ticket, contact, theme…) and its history.

Pure data and rules, no I/O. ``CaseRecord.merged(change)`` places one observation in the
history by its order (row version, else time):

- the same state (state, status reason, owner) as the entry before it adds nothing: a change
  seen twice, or seen both through the queue and through change tracking, is one entry;
- the same state as the entry after it moves that entry earlier (the change happened at the
  earlier time; we learnt it late);
- otherwise it is a new entry, at its place: an older event arriving late is history, never the
  current status.

An entry is a step: one or more observations of the same state in a row. It keeps the order
(row version and time) of its first observation and, in ``later``, of the others: events come
in any order, so two observations seen in a row may have had another state between them (a
case resolved, reopened, resolved again, the reopening seen last). When such an observation
lands inside a step, the step is split around it, and the case still ends in its newest state.

An observation that does not say a value (an update without post-image says only what it
changed) takes it from the entry before it. The current status is the last entry's; the first
entry of a case (while its history is whole) reads as ``[status.new]``.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, Literal

from cityzen_connector.mapping import CitizenStatus, StatusVocabulary

from ._events import CaseChange

__all__ = ["MAX_ENTRIES", "MAX_MARKS", "MAX_SEEN", "CaseRecord", "Entry", "Mark", "Placement"]

# A record is one Table Storage property (32K characters): 50 entries of at most ~350
# characters (a service's name is cut at 100), 100 keys of at most ~60 and 100 marks of at most
# ~50 leave room. Older entries go first; the record then says its history is cut. Past 100
# marks, the oldest steps forget their inner observations first (their first and last stay).
MAX_ENTRIES = 50
MAX_SEEN = 100
MAX_MARKS = 100
Placement = Literal["current", "history", "same", "duplicate"]
Mark = tuple[int | None, datetime]  # where an observation goes: (row version, time)


def _precedes(a: Mark, b: Mark) -> bool:
    """Order of two observations: row versions when both have one, else times."""
    if a[0] is not None and b[0] is not None:
        return a[0] < b[0]
    return a[1] < b[1]


@dataclass(frozen=True)
class Entry:
    key: str
    at: datetime
    version: int | None
    state: int | None
    status: int | None
    owner_kind: str | None = None
    owner_id: str | None = None
    service: str | None = None
    # The step's other observations, in order (its first is ``version``/``at``).
    later: tuple[Mark, ...] = ()

    @property
    def first(self) -> Mark:
        return (self.version, self.at)

    @property
    def last(self) -> Mark:
        return self.later[-1] if self.later else self.first

    def with_mark(self, mark: Mark) -> Entry:
        """One more observation of this step (after its first)."""
        if mark == self.first or mark in self.later:
            return self
        place = len(self.later)
        while place > 0 and _precedes(mark, self.later[place - 1]):
            place -= 1
        return replace(self, later=(*self.later[:place], mark, *self.later[place:]))

    def starting(self, mark: Mark) -> Entry:
        """The same state seen earlier: the step began then."""
        return replace(self, version=mark[0], at=mark[1], later=(self.first, *self.later))

    def split(self, mark: Mark) -> tuple[Entry, Entry]:
        """The step's observations before ``mark`` and after it (both sides keep one)."""
        marks = (self.first, *self.later)
        before = [m for m in marks if not _precedes(mark, m)]
        after = [m for m in marks if _precedes(mark, m)]
        head = after[0]
        # The second half's first observation's key was not kept: a stable one of its own.
        key = f"{self.key}/{head[0] if head[0] is not None else head[1].isoformat()}"
        return (
            replace(self, later=tuple(before[1:])),
            replace(self, key=key, version=head[0], at=head[1], later=tuple(after[1:])),
        )

    def same_state(self, other: Entry) -> bool:
        return (self.state, self.status, self.owner_id) == (
            other.state,
            other.status,
            other.owner_id,
        )

    def before(self, other: Entry) -> bool:
        """Order of two steps: their first observations'."""
        return _precedes(self.first, other.first)

    def to_json(self) -> dict[str, Any]:
        later = {"later": [[v, at.isoformat()] for v, at in self.later]} if self.later else {}
        return {
            "key": self.key,
            "at": self.at.isoformat(),
            "version": self.version,
            "state": self.state,
            "status": self.status,
            "owner_kind": self.owner_kind,
            "owner_id": self.owner_id,
            "service": self.service,
            **later,  # absent when empty: records written before it read the same
        }

    @classmethod
    def from_json(cls, value: Mapping[str, Any]) -> Entry:
        return cls(
            key=str(value["key"]),
            at=datetime.fromisoformat(value["at"]),
            version=value.get("version"),
            state=value.get("state"),
            status=value.get("status"),
            owner_kind=value.get("owner_kind"),
            owner_id=value.get("owner_id"),
            service=value.get("service"),
            later=tuple((m[0], datetime.fromisoformat(m[1])) for m in value.get("later", ())),
        )


@dataclass(frozen=True)
class CaseRecord:
    case_id: uuid.UUID
    entries: tuple[Entry, ...] = ()
    seen: tuple[str, ...] = ()
    trimmed: bool = False
    rev: int = 0
    ticket_number: str | None = None
    submission_id: uuid.UUID | None = None
    contact_id: uuid.UUID | None = None
    subject_id: uuid.UUID | None = None
    subject_name: str | None = None
    origin: int | None = None
    created_on: datetime | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)

    # -- reading -----------------------------------------------------------------------------
    def status_at(self, index: int, vocabulary: StatusVocabulary) -> CitizenStatus:
        entry = self.entries[index]
        return vocabulary.of(entry.state, entry.status, first=index == 0 and not self.trimmed)

    def current(self, vocabulary: StatusVocabulary) -> CitizenStatus | None:
        return self.status_at(len(self.entries) - 1, vocabulary) if self.entries else None

    @property
    def updated_at(self) -> datetime | None:
        return self.entries[-1].at if self.entries else None

    # -- merging -----------------------------------------------------------------------------
    def merged(self, change: CaseChange) -> tuple[CaseRecord, Placement]:
        if change.key in self.seen:
            return self, "duplicate"
        entry = Entry(
            key=change.key,
            at=change.at,
            version=change.version,
            state=change.state,
            status=change.status,
            owner_kind=change.owner.kind if change.owner else None,
            owner_id=str(change.owner.id) if change.owner else None,
            service=change.owner.service if change.owner else None,
        )
        entries = list(self.entries)
        mark = entry.first
        place = len(entries)
        while place > 0 and _precedes(mark, entries[place - 1].first):
            place -= 1
        previous = entries[place - 1] if place > 0 else None
        following = entries[place] if place < len(entries) else None
        entry = _inherit(entry, previous or following)
        placement: Placement
        inside = previous is not None and _precedes(mark, previous.last)
        if previous is not None and inside:
            # Between two observations of one step, whose first is before it.
            if previous.same_state(entry):
                entries[place - 1] = previous.with_mark(mark)
                placement = "same"
            else:
                # Another state between them: the step was two, this one between.
                head, tail = previous.split(mark)
                entries[place - 1 : place] = [head, entry, tail]
                placement = "history"
        elif self.trimmed and previous is None:
            # Older than every step kept: it is in the part of the history that was cut.
            placement = "same"
        elif previous is not None and previous.same_state(entry):
            entries[place - 1] = previous.with_mark(mark)
            placement = "same"
        elif following is not None and following.same_state(entry):
            entries[place] = following.starting(mark)
            placement = "same"
        else:
            entries.insert(place, entry)
            placement = "current" if place == len(entries) - 1 else "history"
        trimmed = self.trimmed or len(entries) > MAX_ENTRIES
        newest = following is None and not inside
        record = replace(
            self._described(change, newest=newest),
            entries=_capped(entries[-MAX_ENTRIES:]),
            seen=(*self.seen, change.key)[-MAX_SEEN:],
            trimmed=trimmed,
            rev=self.rev + 1,
        )
        return record, placement

    def _described(self, change: CaseChange, *, newest: bool) -> CaseRecord:
        """What the case is: the newest observation says it, an older one fills blanks."""
        said: dict[str, Any] = {
            "ticket_number": change.ticket_number,
            "submission_id": change.submission_id,
            "contact_id": change.contact_id,
            "subject_id": change.subject_id,
            "subject_name": change.subject_name,
            "origin": change.origin,
            "created_on": change.created_on,
        }
        updates: dict[str, Any] = {
            name: value
            for name, value in said.items()
            if value is not None and (newest or getattr(self, name) is None)
        }
        return replace(self, **updates)

    # -- storage -----------------------------------------------------------------------------
    def to_json(self) -> dict[str, Any]:
        return {
            **self.extra,
            "case_id": str(self.case_id),
            "entries": [e.to_json() for e in self.entries],
            "seen": list(self.seen),
            "trimmed": self.trimmed,
            "rev": self.rev,
            "ticket_number": self.ticket_number,
            "submission_id": _text(self.submission_id),
            "contact_id": _text(self.contact_id),
            "subject_id": _text(self.subject_id),
            "subject_name": self.subject_name,
            "origin": self.origin,
            "created_on": self.created_on.isoformat() if self.created_on else None,
        }

    @classmethod
    def from_json(cls, value: Mapping[str, Any]) -> CaseRecord:
        known = {f for f in cls.__dataclass_fields__ if f != "extra"}
        created = value.get("created_on")
        return cls(
            case_id=uuid.UUID(value["case_id"]),
            entries=tuple(Entry.from_json(e) for e in value.get("entries", ())),
            seen=tuple(value.get("seen", ())),
            trimmed=bool(value.get("trimmed")),
            rev=int(value.get("rev", 0)),
            ticket_number=value.get("ticket_number"),
            submission_id=_guid(value.get("submission_id")),
            contact_id=_guid(value.get("contact_id")),
            subject_id=_guid(value.get("subject_id")),
            subject_name=value.get("subject_name"),
            origin=value.get("origin"),
            created_on=datetime.fromisoformat(created) if created else None,
            # A newer version's members survive a write by this one.
            extra={k: v for k, v in value.items() if k not in known},
        )


def _capped(entries: list[Entry]) -> tuple[Entry, ...]:
    """At most ``MAX_MARKS`` marks: the oldest steps keep only their first and last."""
    excess = sum(len(e.later) for e in entries) - MAX_MARKS
    kept = list(entries)
    for index, step in enumerate(kept):
        if excess <= 0:
            break
        inner = min(excess, len(step.later) - 1)
        if inner > 0:
            kept[index] = replace(step, later=(*step.later[inner:],))
            excess -= inner
    return tuple(kept)


def _inherit(entry: Entry, neighbour: Entry | None) -> Entry:
    if neighbour is None:
        return entry
    owner_missing = entry.owner_id is None
    return replace(
        entry,
        state=neighbour.state if entry.state is None else entry.state,
        status=neighbour.status if entry.status is None else entry.status,
        owner_kind=neighbour.owner_kind if owner_missing else entry.owner_kind,
        owner_id=neighbour.owner_id if owner_missing else entry.owner_id,
        service=neighbour.service if owner_missing else entry.service,
    )


def _text(value: uuid.UUID | None) -> str | None:
    return None if value is None else str(value)


def _guid(value: object) -> uuid.UUID | None:
    return uuid.UUID(value) if isinstance(value, str) else None
