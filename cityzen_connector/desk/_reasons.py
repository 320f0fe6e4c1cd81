"""The case's states and status reasons ("Case (Incident) table/entity reference": ``statecode``
and ``statuscode``, their default options), by the names the CLI and the desk API take."""

from __future__ import annotations

# name → (statecode, statuscode)
REASONS: dict[str, tuple[int, int]] = {
    "in-progress": (0, 1),
    "on-hold": (0, 2),
    "waiting-for-details": (0, 3),
    "researching": (0, 4),
    "problem-solved": (1, 5),
    "information-provided": (1, 1000),
    "canceled": (2, 6),
    "merged": (2, 2000),
}
STATES = {0: "Active", 1: "Resolved", 2: "Canceled"}
REASON_LABELS = {
    1: "In Progress",
    2: "On Hold",
    3: "Waiting for Details",
    4: "Researching",
    5: "Problem Solved",
    1000: "Information Provided",
    6: "Canceled",
    2000: "Merged",
}
REASON_NAMES = {code: name for name, (_, code) in REASONS.items()}
