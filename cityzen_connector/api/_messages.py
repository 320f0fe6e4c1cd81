"""The conversation on a request, on the portal API: ``GET /api/v1/requests/{id}/messages``.

Only the citizen who filed the request reads its thread: a citizen's bearer token, or the
trusted portal (function key) naming the citizen with ``CityZen-Citizen-Issuer`` and
``CityZen-Citizen-Sub`` as "my requests" does (``_cases.citizen_named``). The named citizen's
pseudonym must be the request's filer (the intake record keeps it, as the status route checks
it); anyone else, and an unknown id, get the same 404. The texts are personal: never logged,
never cached by a shared cache.
"""

from __future__ import annotations

from cityzen_connector.models import AttachmentInfo, ThreadItem, ThreadView
from cityzen_connector.sync.intake import filed_by

from ._app import Deps, caller_of
from ._cases import citizen_named
from ._http import ApiRequest, ApiResponse, json_response

__all__ = ["request_messages"]


def request_messages(request: ApiRequest, params: dict[str, str], lazy: Deps) -> ApiResponse:
    deps = lazy()
    caller = caller_of(request, deps)
    issuer, sub = citizen_named(request, caller)
    request_id = filed_by(params["id"], issuer, sub, deps.ingest)
    items: list[ThreadItem] = []
    history, threads = deps.case_history, deps.case_threads
    case_id = history.case_of_submission(request_id) if history is not None else None
    if case_id is not None and threads is not None:
        items = [
            ThreadItem(
                id=m.row_id,
                direction=m.direction,
                text=m.text,
                created_at=m.created_at,
                attachments=tuple(AttachmentInfo.model_validate(a) for a in m.attachments),
            )
            for m in threads.thread(case_id)
        ]
    view = ThreadView(request_id=request_id, messages=tuple(items))
    # One citizen's words: never kept by a shared cache (RFC 9111 section 5.2.2.3).
    return json_response(200, view, cache_control="private, no-store")
