"""An app's requests and their updates as GeoReport reads them.

Status is ``open`` or ``closed`` as the status vocabulary says of the case's current state
(mappings/status.toml, ``closed``); ``status_notes`` is what the citizen reads of it;
``agency_responsible`` the team holding the case (else the routing team at filing). Updates
(mySociety's extension) are the case's status steps and the agents' replies to the citizen
(the conversation's ``to_citizen`` messages), never an internal note.

An update's ``status`` uses mySociety's additional states where the vocabulary's code says
one ("Open311 FMS - Proposed differences to Open311", "Additional states"; FixMyStreet reads
them in ``Open311.pm``'s ``map_state``, lower-cased, ``_`` as a space): a resolved case is
``fixed`` (else FixMyStreet shows "closed" as fixed only on bodies without extended
statuses), under review ``in_progress``, merged ``duplicate``; any other is ``open`` or
``closed``.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from cityzen_connector.cases import progress_of
from cityzen_connector.models import Open311Request, Open311Update, Open311UpdateStatus
from cityzen_connector.sync.intake import FiledRequest as Record

from .._app import ApiDependencies

# The status vocabulary's codes (mappings/status.toml) with a mySociety state of their own.
_CLOSED_AS: dict[str, Open311UpdateStatus] = {"resolved": "fixed", "merged": "duplicate"}
_OPEN_AS: dict[str, Open311UpdateStatus] = {"in_progress": "in_progress"}


def update_status(code: str | None, closed: bool) -> Open311UpdateStatus:
    """mySociety's state for the vocabulary's ``code``, else open or closed."""
    return (_CLOSED_AS if closed else _OPEN_AS).get(code or "", "closed" if closed else "open")


_UPDATES = uuid.UUID("0b2f3d5e-6a1c-4e0b-9f73-311aa0c0ffee")


def _title(deps: ApiDependencies, theme: str, sub_theme: str) -> str:
    found = deps.ingest.catalog.themes.get(theme)
    sub = found.sub_themes.get(sub_theme) if found is not None else None
    return sub.title if sub is not None else sub_theme


def request_view(record: Record, deps: ApiDependencies) -> Open311Request:
    value: dict[str, Any] = dict(record.value)
    submission_id = uuid.UUID(record.key)
    closed, notes, updated, agency = False, None, None, value.get("team")
    status = deps.ingest.statuses.get(record.key)
    history = deps.case_history
    if status is not None and status.status == "failed":
        closed, notes = True, "Demande non enregistrée / Request not filed"
    elif history is not None:
        progress = progress_of(history, submission_id, None)
        closed, updated = progress.status.closed, progress.updated_at
        notes = f"{progress.status.label_fr} / {progress.status.label_en}"
        services = [item.service for item in progress.history if item.service]
        agency = services[-1] if services else agency
    theme, sub_theme = str(value["theme"]), str(value["sub_theme"])
    return Open311Request(
        service_request_id=record.key,
        status="closed" if closed else "open",
        status_notes=notes,
        service_name=_title(deps, theme, sub_theme),
        service_code=f"{theme}.{sub_theme}",
        description=value.get("description") or None,
        agency_responsible=agency,
        requested_datetime=datetime.fromisoformat(str(value["requested_at"])),
        updated_datetime=updated,
        address=value.get("address"),
        address_id=value.get("address_id"),
        zipcode=value.get("zipcode"),
        lat=value.get("lat"),
        long=value.get("long"),
        media_url=value.get("media_url"),
    )


def updates_of(record: Record, deps: ApiDependencies) -> list[Open311Update]:
    """The request's status steps and agents' replies, oldest first."""
    history, threads = deps.case_history, deps.case_threads
    if history is None:
        return []
    submission_id = uuid.UUID(record.key)
    progress = progress_of(history, submission_id, None)
    found: list[Open311Update] = []
    for item in progress.history:
        found.append(
            Open311Update(
                update_id=str(
                    uuid.uuid5(_UPDATES, f"{record.key}:{item.at.isoformat()}:{item.status}")
                ),
                service_request_id=record.key,
                status=update_status(item.status, item.closed),
                updated_datetime=item.at,
                description=f"{item.label_fr} / {item.label_en}",
                external_status_code=item.status,
            )
        )
    case_id = history.case_of_submission(submission_id)
    if threads is not None and case_id is not None:
        for message in threads.thread(case_id):
            if message.direction != "to_citizen":
                continue
            before = [i for i in progress.history if i.at <= message.created_at]
            step = before[-1] if before else None
            found.append(
                Open311Update(
                    update_id=str(message.row_id),
                    service_request_id=record.key,
                    status=update_status(
                        step.status if step else None, step is not None and step.closed
                    ),
                    updated_datetime=message.created_at,
                    description=message.text,
                    external_status_code=step.status if step is not None else None,
                )
            )
    return sorted(found, key=lambda u: (u.updated_datetime, u.update_id))
