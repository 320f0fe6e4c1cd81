"""The status vocabulary (``[status]`` in ``mappings/status.toml``): what a citizen reads for
each (state, status reason) pair of a case.

Dataverse gives a case a state (``statecode``: Active 0, Resolved 1, Canceled 2) and a status
reason that belongs to one state (``statuscode``; "Define custom state model transitions",
https://learn.microsoft.com/power-apps/developer/data-platform/define-custom-state-model-transitions).
Agents' words are not citizens' words: each pair maps to a stable ``code`` the portal can
switch on, French and English labels, and whether the request is over (``closed``).

- ``[status.new]``: the pair a new case starts in and what it reads as until an agent first
  acts on the case (changes its owner, state or status reason): "Reçue", not "En cours".
- ``reopen_on_citizen_message = true`` on an entry (out of the box: "waiting for you"): a
  citizen's message on a case in that pair moves it back to ``[status.new]``'s status reason
  (In Progress), in the change set that writes the message (docs/cases.md, "The
  conversation"). Only within the same state: a status reason belongs to one state.
- ``[status.unknown]``: what any pair the file does not list reads as. Such a pair is still
  stored as it came (a status reason added in Dynamics 365 later is never dropped); it is shown
  with this neutral label, ``closed`` if its state is one of ``closed_states``.

Errors name the entry (``status.values.3.code``) and the rule, never another entry's value.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StringConstraints

from ._errors import FileProblem

# A stable identifier the portal switches on.
Code = Annotated[str, StringConstraints(strict=True, pattern=r"^[a-z][a-z0-9_]{0,31}$")]
# One line a person reads: no control characters, no bidirectional overrides.
Label = Annotated[
    str,
    StringConstraints(
        strict=True, min_length=1, max_length=100, pattern=r"^[^\x00-\x1f\x7f\u202a-\u202e]+$"
    ),
]
OptionValue = Annotated[int, Field(strict=True, ge=0, le=2_147_483_647)]


class _Words(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    code: Code
    label_fr: Label
    label_en: Label


class StatusEntry(_Words):
    """One (state, status reason) pair and what a citizen reads for it."""

    state: OptionValue
    status: OptionValue
    closed: StrictBool
    # The label Dynamics 365 shows agents: documentation for whoever edits the file.
    dataverse_label: Label | None = None
    # A citizen's message moves the case back to [status.new]'s status reason.
    reopen_on_citizen_message: StrictBool = False


class NewCase(_Words):
    state: OptionValue
    status: OptionValue


class StatusConfig(BaseModel):
    """The ``[status]`` table as written."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    closed_states: tuple[OptionValue, ...] = (1, 2)
    new: NewCase
    unknown: _Words
    values: Annotated[tuple[StatusEntry, ...], Field(min_length=1, max_length=500)]


@dataclass(frozen=True)
class CitizenStatus:
    """What a citizen reads for a case at one point of its history."""

    code: str
    label_fr: str
    label_en: str
    closed: bool


@dataclass(frozen=True)
class StatusVocabulary:
    """(state, status reason) → ``CitizenStatus``. ``StatusVocabulary()`` knows no pair: every
    case reads as the neutral label (a mapping directory without ``[status]``)."""

    entries: Mapping[tuple[int, int], CitizenStatus] = field(default_factory=dict)
    new_pair: tuple[int, int] | None = None
    new_status: CitizenStatus | None = None
    unknown: CitizenStatus = CitizenStatus(
        "updated", "Demande mise à jour", "Request updated", False
    )
    closed_states: frozenset[int] = frozenset({1, 2})
    # (state, status reason) → the status reason a citizen's message moves the case to.
    reopen: Mapping[tuple[int, int], int] = field(default_factory=dict)

    def reopen_status(self, state: int | None, status: int | None) -> int | None:
        """The status reason to set when the citizen writes on a case in this pair, if any."""
        if state is None or status is None:
            return None
        return self.reopen.get((state, status))

    def of(self, state: int | None, status: int | None, *, first: bool = False) -> CitizenStatus:
        """The status for a pair; ``first``: the pair is the case's first known one (a new
        case reads as ``[status.new]`` while it is still in that pair)."""
        if state is None or status is None:
            return self.unknown
        if first and self.new_status is not None and (state, status) == self.new_pair:
            return self.new_status
        found = self.entries.get((state, status))
        if found is not None:
            return found
        closed = state in self.closed_states
        return CitizenStatus(
            self.unknown.code, self.unknown.label_fr, self.unknown.label_en, closed
        )

    def codes(self) -> tuple[str, ...]:
        """Every code a case may read as, sorted (what the OpenAPI document lists)."""
        found = {s.code for s in self.entries.values()} | {self.unknown.code}
        if self.new_status is not None:
            found.add(self.new_status.code)
        return tuple(sorted(found))


def build_vocabulary(config: StatusConfig, file: str) -> tuple[StatusVocabulary, list[FileProblem]]:
    """The vocabulary, and the problems of rules across entries (each naming its entry)."""
    problems: list[FileProblem] = []
    entries: dict[tuple[int, int], CitizenStatus] = {}
    first_at: dict[tuple[int, int], int] = {}
    states: dict[int, set[int]] = {}
    for index, entry in enumerate(config.values):
        pair = (entry.state, entry.status)
        where = f"status.values.{index}"
        if pair in first_at:
            problems.append(
                FileProblem(file, where, f"this pair is already defined by {_at(first_at[pair])}")
            )
            continue
        others = [s for s, reasons in states.items() if entry.status in reasons]
        if others:
            # A status reason belongs to one state ("StatusOptionMetadata.State").
            problems.append(FileProblem(file, f"{where}.status", "used under another state too"))
        states.setdefault(entry.state, set()).add(entry.status)
        first_at[pair] = index
        entries[pair] = CitizenStatus(entry.code, entry.label_fr, entry.label_en, entry.closed)
    new = config.new
    reopen: dict[tuple[int, int], int] = {}
    for index, entry in enumerate(config.values):
        if not entry.reopen_on_citizen_message:
            continue
        where = f"status.values.{index}.reopen_on_citizen_message"
        if entry.closed:
            problems.append(FileProblem(file, where, "a closed request takes no messages"))
        elif entry.state != new.state:
            problems.append(FileProblem(file, where, "only within the state of status.new"))
        elif (entry.state, entry.status) != (new.state, new.status):
            reopen[(entry.state, entry.status)] = new.status
    if (new.state, new.status) not in entries:
        problems.append(FileProblem(file, "status.new", "its pair is not one of status.values"))
    elif entries[(new.state, new.status)].closed:
        problems.append(FileProblem(file, "status.new", "a new case cannot be closed"))
    vocabulary = StatusVocabulary(
        entries=entries,
        new_pair=(new.state, new.status),
        new_status=CitizenStatus(new.code, new.label_fr, new.label_en, False),
        unknown=CitizenStatus(
            config.unknown.code, config.unknown.label_fr, config.unknown.label_en, False
        ),
        closed_states=frozenset(config.closed_states),
        reopen=reopen,
    )
    return vocabulary, problems


def _at(index: int) -> str:
    return f"status.values.{index}"
