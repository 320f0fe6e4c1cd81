"""bench/chaos.py's figures: what Dataverse holds against what the clients were promised.

- accepted: submission ids that got a 202;
- cases: incidents in Dataverse (the case carries its submission id in ``cz_submissionid``,
  the alternate key of ``mappings/incident.toml``);
- lost: accepted, no case, not ``failed`` (a failed one was told to the citizen) and no
  message waiting for it in the queue either;
- still queued: accepted, no case, and a message waiting for it when the deadline passed;
- duplicated: submission ids with more than one case;
- contacts missing a typed detail: contacts of the run's citizens (the cases' customers) without
  the e-mail or phone the citizen typed (``fill_blanks`` in ``mappings/contact.toml``);
- the drains' exit codes, and the messages still in the queue at the deadline (a follow-up
  that has not run yet is one).
"""

from __future__ import annotations

import json
import sqlite3
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from _chaos_load import Citizen

Status = tuple[str, str | None]  # ("queued" | "created" | "failed" | "unknown", reason)


@dataclass
class Figures:
    accepted: int
    cases: int
    failed: int
    lost: int
    still_queued: int
    duplicated: int
    contacts_missing_typed_detail: int
    citizens_with_several_contacts: int
    drain_exit_codes: list[int]
    left_in_queue: int = 0
    failure_reasons: dict[str, int] = field(default_factory=dict)

    def problems(self) -> list[str]:
        """What makes the run fail, in words (empty: it passed)."""
        found = [
            f"{self.lost} lost" if self.lost else "",
            f"{self.still_queued} still queued at the deadline" if self.still_queued else "",
            f"{self.duplicated} duplicated" if self.duplicated else "",
            f"{self.contacts_missing_typed_detail} contacts missing a typed detail"
            if self.contacts_missing_typed_detail
            else "",
            f"drain exit codes {self.drain_exit_codes}" if any(self.drain_exit_codes) else "",
            f"{self.left_in_queue} messages still in the queue at the deadline"
            if self.left_in_queue
            else "",
        ]
        return [text for text in found if text]


def figures(
    accepted: Iterable[str],
    cases: Iterable[Mapping[str, Any]],
    contacts: Mapping[str, Mapping[str, Any]],
    statuses: Mapping[str, Status],
    owners: Mapping[str, Citizen],
    drain_exit_codes: list[int],
    waiting: Iterable[str] = (),
    left_in_queue: int = 0,
) -> Figures:
    """``cases``: incident columns (``cz_submissionid``, ``customerid``); ``contacts``: contact
    columns by contact id; ``statuses`` and ``owners`` (who filed it) by submission id;
    ``waiting``: submission ids of the messages left in the queue."""
    by_submission: dict[str, list[Mapping[str, Any]]] = defaultdict(list)
    for case in cases:
        by_submission[str(case.get("cz_submissionid"))].append(case)
    ids = set(accepted)
    failed = {i for i in ids if statuses.get(i, ("unknown", None))[0] == "failed"}
    contacts_of: dict[str, set[str]] = defaultdict(set)
    people: dict[str, Citizen] = {}
    for submission_id, rows in by_submission.items():
        person = owners.get(submission_id)
        if person is not None:
            people[person.sub] = person
            contacts_of[person.sub].update(str(row.get("customerid")) for row in rows)
    missing = 0
    for sub, contact_ids in contacts_of.items():
        typed = (people[sub].expected_email, people[sub].expected_phone)
        for contact_id in contact_ids:
            contact = contacts.get(contact_id, {})
            missing += (contact.get("emailaddress1"), contact.get("mobilephone")) != typed
    unsettled = {i for i in ids if i not in by_submission and i not in failed}
    queued = set(waiting)
    # Reasons are our own codes and words (never a submitted value): safe to print.
    reasons = Counter((statuses[i][1] or "no reason")[:80] for i in failed)
    return Figures(
        accepted=len(ids),
        cases=sum(len(rows) for rows in by_submission.values()),
        failed=len(failed),
        lost=len(unsettled - queued),
        still_queued=len(unsettled & queued),
        duplicated=sum(1 for rows in by_submission.values() if len(rows) > 1),
        contacts_missing_typed_detail=missing,
        citizens_with_several_contacts=sum(1 for c in contacts_of.values() if len(c) > 1),
        drain_exit_codes=drain_exit_codes,
        left_in_queue=left_in_queue,
        failure_reasons=dict(reasons),
    )


def read_dataverse(database: Path) -> tuple[list[dict[str, Any]], dict[str, dict[str, Any]]]:
    """Cases and contacts, read from the emulator's SQLite file once it is stopped (through
    its Web API, the injected faults would only slow the count down). A row's columns are a
    JSON object; a lookup such as ``customerid`` holds the related record's id."""
    connection = sqlite3.connect(database)
    try:
        rows = connection.execute(
            "SELECT entity, id, data FROM records WHERE entity IN ('incident', 'contact')"
        ).fetchall()
    finally:
        connection.close()
    cases, contacts = [], {}
    for entity, record_id, data in rows:
        if entity == "incident":
            cases.append(json.loads(data))
        else:
            contacts[record_id] = json.loads(data)
    return cases, contacts


def table(result: Figures, header: Iterable[str]) -> str:
    drains = " ".join(str(code) for code in result.drain_exit_codes) or "none ran"
    rows = [
        ("accepted (202)", str(result.accepted), ""),
        ("cases in Dataverse", str(result.cases), ""),
        ("failed (status)", str(result.failed), ""),
        ("lost", str(result.lost), "0"),
        ("still queued at the deadline", str(result.still_queued), "0"),
        ("duplicated", str(result.duplicated), "0"),
        ("contacts missing a typed detail", str(result.contacts_missing_typed_detail), "0"),
        ("citizens with several contacts", str(result.citizens_with_several_contacts), ""),
        ("drain exit codes", drains, "0"),
        ("messages left in the queue", str(result.left_in_queue), "0"),
    ]
    lines = [*header, "", f"  {'':<34} {'':>8}   must be"]
    lines += [f"  {name:<34} {value:>8}   {rule}".rstrip() for name, value, rule in rows]
    lines += [f"  failed: {reason} ({count})" for reason, count in result.failure_reasons.items()]
    return "\n".join(lines)
