"""Generated case histories for the KPI tests and bench: each case a life of changes (created,
taken in charge, resolved, reopened, cancelled, merged) applied through ``CaseHistory`` as the
queue worker does, in any order."""

from __future__ import annotations

import random
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from cityzen_connector.cases import CaseChange, CaseHistory, FactReader, Owner
from cityzen_connector.mapping import MappingSet

T0 = datetime(2026, 10, 1, 8, 0, tzinfo=UTC)
TEAMS = {"voirie": uuid.UUID(int=1), "etat-civil": uuid.UUID(int=2)}
AGENT = uuid.UUID(int=99)
NEW, IN_PROGRESS, ON_HOLD = (0, 1), (0, 1), (0, 2)
RESOLVED, CANCELLED, MERGED = (1, 5), (2, 6), (2, 2000)
SUB_THEMES = [("voirie", "nid_de_poule"), ("voirie", "eclairage"), ("etat_civil", "naissance")]


@dataclass
class Life:
    """One case: created ``at`` by ``channel`` (caseorigincode) in a sub-theme, then ``steps``
    of (hours after creation, (state, status), owner: a user id or None for the same)."""

    at: datetime
    sub_theme: tuple[str, str] = ("voirie", "nid_de_poule")
    origin: int = 3
    team: str = "voirie"
    steps: list[tuple[float, tuple[int, int], uuid.UUID | None]] = field(default_factory=list)
    case_id: uuid.UUID = field(default_factory=uuid.uuid4)

    def changes(self, subjects: dict[tuple[str, str], str]) -> list[CaseChange]:
        version = 1000
        found = [
            CaseChange(
                case_id=self.case_id,
                source="queue",
                message="Create",
                key=f"v{version}",
                at=self.at,
                version=version,
                state=0,
                status=1,
                owner=Owner("team", TEAMS[self.team], self.team),
                subject_name=subjects[self.sub_theme],
                origin=self.origin,
                created_on=self.at,
            )
        ]
        for hours, (state, status), owner in self.steps:
            version += 1
            found.append(
                CaseChange(
                    case_id=self.case_id,
                    source="queue",
                    message="Update",
                    key=f"v{version}",
                    at=self.at + timedelta(hours=hours),
                    version=version,
                    state=state,
                    status=status,
                    owner=Owner("systemuser", owner) if owner else None,
                )
            )
        return found


def subjects_of(mappings: MappingSet) -> dict[tuple[str, str], str]:
    return {pair: title for title, pair in mappings.catalog.by_subject().items()}


def reader_of(mappings: MappingSet) -> FactReader:
    channels = mappings.option_map(mappings.case_target, "submission.channel")
    return FactReader(
        vocabulary=mappings.statuses,
        subjects=mappings.catalog.by_subject(),
        channels={number: name for name, number in channels.items()},
        targets=mappings.catalog.target_days(),
        theme_titles=mappings.catalog.titles()[0],
        sub_theme_titles=mappings.catalog.titles()[1],
    )


def apply(
    history: CaseHistory,
    lives: Sequence[Life],
    mappings: MappingSet,
    *,
    shuffle: random.Random | None = None,
) -> None:
    subjects = subjects_of(mappings)
    changes = [c for life in lives for c in life.changes(subjects)]
    if shuffle is not None:
        shuffle.shuffle(changes)
    for change in changes:
        history.apply(change)


def generated(count: int, seed: int = 7, *, reopen: bool = True) -> list[Life]:
    """``count`` plausible lives over three months: most resolved, some on hold, some
    reopened, some cancelled or merged, some untouched."""
    rng = random.Random(seed)
    pairs = list(SUB_THEMES)
    lives = []
    for _ in range(count):
        at = T0 + timedelta(minutes=rng.randrange(0, 90 * 24 * 60))
        pair = rng.choice(pairs)
        life = Life(
            at=at,
            sub_theme=pair,
            origin=rng.choice((1, 2, 3, 3, 3)),
            team="voirie" if pair[0] == "voirie" else "etat-civil",
        )
        fate = rng.random()
        first = rng.uniform(0.5, 72)
        if fate < 0.1:
            pass  # untouched
        elif fate < 0.15:
            life.steps = [(first, CANCELLED, AGENT)]
        elif fate < 0.2:
            life.steps = [(first, MERGED, AGENT)]
        elif fate < 0.3 and reopen:
            done = first + rng.uniform(1, 200)
            life.steps = [
                (first, IN_PROGRESS, AGENT),
                (done, RESOLVED, None),
                (done + 24, ON_HOLD, None),
                (done + rng.uniform(25, 300), RESOLVED, None),
            ]
        else:
            life.steps = [
                (first, IN_PROGRESS, AGENT),
                (first + rng.uniform(1, 600), RESOLVED, None),
            ]
        lives.append(life)
    return lives
