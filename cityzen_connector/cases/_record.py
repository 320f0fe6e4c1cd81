"""A case as the store keeps it: what it is (ticket, contact, theme…) and its history.

Pure data and rules, no I/O. ``CaseRecord.merged(change)`` places one observation in the
history by its order (row version, else time):

- the same state (state, status reason, owner) as the entry before it adds nothing: a change
  seen twice, or seen both through the queue and through change tracking, is one entry;
- the same state as the entry after it moves that entry earlier (the change happened at the
  earlier time; we learnt it late);
- otherwise it is a new entry, at its place: an older event arriving late is history, never the
  current status.

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

__all__ = ["MAX_ENTRIES", "MAX_SEEN", "CaseRecord", "Entry", "Placement"]

# A record is one Table Storage property (32K characters): 50 entries of at most ~350
# characters (a service's name is cut at 100) and 100 keys of at most ~60 leave room. Older
# entries go first; the record then says its history is cut.
MAX_ENTRIES = 50
MAX_SEEN = 100
Placement = Literal["current", "history", "same", "duplicate"]


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

    def same_state(self, other: Entry) -> bool:
        return (self.state, self.status, self.owner_id) == (
            other.state,
            other.status,
            other.owner_id,
        )

    def before(self, other: Entry) -> bool:
        """Order of two observations: row versions when both have one, else times."""
        if self.version is not None and other.version is not None:
            return self.version < other.version
        return self.at < other.at

    def to_json(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "at": self.at.isoformat(),
            "version": self.version,
            "state": self.state,
            "status": self.status,
            "owner_kind": self.owner_kind,
            "owner_id": self.owner_id,
            "service": self.service,
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
        place = len(entries)
        while place > 0 and entry.before(entries[place - 1]):
            place -= 1
        previous = entries[place - 1] if place > 0 else None
        following = entries[place] if place < len(entries) else None
        entry = _inherit(entry, previous or following)
        placement: Placement
        if self.trimmed and previous is None:
            # Older than every step kept: it is in the part of the history that was cut.
            placement = "same"
        elif previous is not None and previous.same_state(entry):
            placement = "same"
        elif following is not None and following.same_state(entry):
            entries[place] = replace(following, at=entry.at, version=entry.version)
            placement = "same"
        else:
            entries.insert(place, entry)
            placement = "current" if place == len(entries) - 1 else "history"
        trimmed = self.trimmed or len(entries) > MAX_ENTRIES
        newest = following is None
        record = replace(
            self._described(change, newest=newest),
            entries=tuple(entries[-MAX_ENTRIES:]),
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
