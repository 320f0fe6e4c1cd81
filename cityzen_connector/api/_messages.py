"""The conversation on a request, on the portal API: ``GET /api/v1/requests/{id}/messages``
(the thread), ``POST`` on it (the citizen writes, while the request is open), and ``GET
…/messages/{message_id}/attachments/{n}`` (a file an agent attached, as a download).

Only the citizen who filed the request reads its thread: a citizen's bearer token, or the
trusted portal (function key) naming the citizen with ``CityZen-Citizen-Issuer`` and
``CityZen-Citizen-Sub`` as "my requests" does (``_cases.citizen_named``). The named citizen's
pseudonym must be the request's filer (the intake record keeps it, as the status route checks
it); anyone else, and an unknown id, get the same 404. The texts are personal: never logged,
never cached by a shared cache.
"""

from __future__ import annotations

import uuid
from urllib.parse import quote

from cityzen_connector.cases import ThreadMessage
from cityzen_connector.models import (
    AttachmentInfo,
    MessageAccepted,
    ProblemCode,
    ThreadItem,
    ThreadView,
)
from cityzen_connector.sync.intake import (
    RequestClosedError,
    SubmissionNotFoundError,
    accept_message,
    filed_by,
    safe_file_name,
    sniff,
)

from ._app import ApiDependencies, Deps, caller_of
from ._body import read_message
from ._cases import citizen_named
from ._errors import BodyError
from ._http import ApiRequest, ApiResponse, json_response, problem_response
from ._routes import PREFIX

__all__ = ["post_request_message", "request_messages"]

# A message body is a JSON object with a text of 2,000 characters at most: 16 KB is ample
# (each character escaped as \uXXXX is 12 KB), and a larger one is refused unread.
MAX_MESSAGE_BODY_BYTES = 16 * 1024


def request_messages(request: ApiRequest, params: dict[str, str], lazy: Deps) -> ApiResponse:
    deps = lazy()
    caller = caller_of(request, deps)
    issuer, sub = citizen_named(request, caller)
    request_id = filed_by(params["id"], issuer, sub, deps.ingest)
    items: list[ThreadItem] = []
    history, threads = deps.case_history, deps.case_threads
    case_id = history.case_of_submission(request_id) if history is not None else None
    if threads is not None:
        items = [
            ThreadItem(
                id=m.row_id,
                direction=m.direction,
                text=m.text,
                created_at=m.created_at,
                attachments=tuple(AttachmentInfo.model_validate(a) for a in m.attachments),
            )
            for m in threads.thread(case_id, request_id)
        ]
    view = ThreadView(request_id=request_id, messages=tuple(items))
    # One citizen's words: never kept by a shared cache (RFC 9111 section 5.2.2.3).
    return json_response(200, view, cache_control="private, no-store")


def open_request(request_id: uuid.UUID, deps: ApiDependencies) -> int | None:
    """``RequestClosedError`` when the request is over: failed, or its case's citizen-facing
    status is a closed one (resolved, cancelled…). A request still queued is open. Else the
    status reason the message moves the case to (``reopen_on_citizen_message``), if any."""
    status = deps.ingest.statuses.get(str(request_id))
    if status is not None and status.status == "failed":
        raise RequestClosedError("this request failed: it takes no messages")
    history = deps.case_history
    case_id = history.case_of_submission(request_id) if history is not None else None
    record = history.get(case_id) if history is not None and case_id is not None else None
    current = record.current(history.vocabulary) if history and record else None
    if current is not None and current.closed:
        raise RequestClosedError("this request is closed: it takes no more messages")
    if history is None or record is None or not record.entries:
        return None
    last = record.entries[-1]
    return history.vocabulary.reopen_status(last.state, last.status)


def post_request_message(request: ApiRequest, params: dict[str, str], lazy: Deps) -> ApiResponse:
    deps = lazy()
    instance = PREFIX + request.path
    json_body = (request.headers.get("content-type") or "").lower().startswith("application/json")
    limit = MAX_MESSAGE_BODY_BYTES if json_body else deps.max_body_bytes
    if len(request.body) > limit:
        detail = f"the body exceeds {limit} bytes"
        return problem_response(ProblemCode.PAYLOAD_TOO_LARGE, detail=detail, instance=instance)
    caller = caller_of(request, deps)
    issuer, sub = citizen_named(request, caller)
    request_id = filed_by(params["id"], issuer, sub, deps.ingest)
    reopen_status = open_request(request_id, deps)
    try:
        parsed = read_message(request, max_body_bytes=deps.max_body_bytes)
    except BodyError as exc:
        return problem_response(exc.code, detail=exc.detail, instance=instance)
    accepted = accept_message(
        request_id, parsed.body, deps.ingest, reopen_status=reopen_status, files=parsed.files or ()
    )
    threads = deps.case_threads
    if threads is not None and not accepted.replay:
        files = tuple(
            {"name": f.file_name, "type": f.media_type, "size": f.size} for f in accepted.files
        )
        threads.record_citizen(
            request_id,
            ThreadMessage(
                row_id=accepted.message_id,
                case_id=None,
                direction="from_citizen",
                created_at=deps.ingest.clock(),
                version=None,
                text=str(parsed.body["text"]),
                attachments=files,
            ),
        )
    answer = MessageAccepted(request_id=request_id, message_id=accepted.message_id)
    return json_response(202, answer)


def message_attachment(request: ApiRequest, params: dict[str, str], lazy: Deps) -> ApiResponse:
    """An agent's file, streamed as a download with the type its bytes prove; ``nosniff`` so a
    browser never runs it as something else."""
    deps = lazy()
    caller = caller_of(request, deps)
    issuer, sub = citizen_named(request, caller)
    request_id = filed_by(params["id"], issuer, sub, deps.ingest)
    missing = SubmissionNotFoundError("no such file")
    history, threads = deps.case_history, deps.case_threads
    case_id = history.case_of_submission(request_id) if history is not None else None
    if threads is None or threads.notes is None or case_id is None:
        raise missing
    try:
        message_id, index = uuid.UUID(params["message_id"]), int(params["n"])
    except ValueError:
        raise missing from None
    found = [m for m in threads.thread(case_id) if m.row_id == message_id]
    if (
        not found
        or found[0].direction != "to_citizen"
        or not 0 <= index < len(found[0].attachments)
    ):
        raise missing
    attachment = found[0].attachments[index]
    data = threads.notes.content(uuid.UUID(str(attachment["note_id"])))
    if data is None:
        raise missing
    kind = sniff(data) or "application/octet-stream"
    return ApiResponse(
        200,
        data,
        {
            "Content-Type": kind,
            "Content-Disposition": _disposition(str(attachment.get("name") or "fichier"), kind),
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "private, no-store",
        },
    )


def _disposition(name: str, kind: str) -> str:
    """``attachment`` with an ASCII fallback and the UTF-8 name (RFC 6266 section 4.3)."""
    safe = safe_file_name(name, kind)
    ascii_name = safe.encode("ascii", "replace").decode("ascii").replace('"', "_")
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(safe)}"
