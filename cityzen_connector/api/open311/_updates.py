"""mySociety's POST Service Request Update: what a citizen adds on an app becomes a message on
the case, through the portal's own message intake (queued, then written to the case's timeline
in one change set; a request waiting for the citizen goes back to "in progress" when the
status vocabulary says so). A closed request takes none (409), as on the portal.

The app's ``update_id`` is the message's idempotency key: the same update sent again is
accepted once (the same ``update_id`` answered), another text under it is a 409.
"""

from __future__ import annotations

import uuid

from cityzen_connector.cases import ThreadMessage
from cityzen_connector.models import Open311UpdateAccepted
from cityzen_connector.sync.intake import ApiKeyInfo, accept_message, filed_by_app

from .._app import ApiDependencies
from .._messages import open_request
from ._errors import GeoReportError
from ._filing import MEDIA_URL, with_photos
from ._form import Form

UPDATE_ARGUMENTS = frozenset(
    {
        *("jurisdiction_id", "api_key", "service_request_id", "update_id", "updated_datetime"),
        *("status", "description", "email", "phone", "first_name", "last_name", "title"),
        *("media_url", "account_id"),
        # What FixMyStreet may add (Open311.pm, _populate_service_request_update_params): a
        # body's configured service_code, Bromley's alerts flag. Read, ignored.
        *("service_code", "email_alerts_requested"),
    }
)
_NAMESPACE = uuid.UUID("3f0c1f4e-9a7b-4f43-8d1e-0311f0c0ffee")


def post_update(form: Form, key: ApiKeyInfo, deps: ApiDependencies) -> Open311UpdateAccepted:
    problems = [
        f"{name}: required"
        for name in ("service_request_id", "update_id", "description")
        if form.get(name) is None
    ]
    update_id = form.get("update_id") or ""
    if update_id and (len(update_id) > 100 or not update_id.isprintable()):
        problems.append("update_id: 1 to 100 visible characters")
    if problems:
        raise GeoReportError("validation_failed", *problems)
    record = filed_by_app(str(form.get("service_request_id")), key, deps.ingest)
    request_id = uuid.UUID(record.key)
    reopen_status = open_request(request_id, deps)
    text = str(form.get("description"))
    photos = tuple(u for u in form.every("media_url") if MEDIA_URL.match(u))
    text = with_photos(text, photos)
    # The same app's update id names the same message: a retry is accepted once.
    message_id = uuid.uuid5(_NAMESPACE, f"{key.key_id}:{update_id}")
    accepted = accept_message(
        request_id,
        {"message_id": str(message_id), "text": text},
        deps.ingest,
        reopen_status=reopen_status,
    )
    if deps.case_threads is not None and not accepted.replay:
        deps.case_threads.record_citizen(
            request_id,
            ThreadMessage(
                row_id=accepted.message_id,
                case_id=None,
                direction="from_citizen",
                created_at=deps.ingest.clock(),
                version=None,
                text=text,
            ),
        )
    return Open311UpdateAccepted(update_id=str(accepted.message_id))
