"""``$batch``: multipart/mixed requests with change sets, as in "Execute batch operations using
the Web API" (Microsoft Learn) and OData v4 part 1, section 11.7.

Each part is turned into a :class:`Request` and handled by the same router as a standalone
call. A change set runs in one SQLite transaction: if one of its requests fails, the others are
rolled back and the change set answers with that failure alone. Without ``Prefer:
odata.continue-on-error`` the batch stops at the first failure, and the batch's status is that
failure's (the documented example answers ``400``).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import unquote

from cityzen_connector.emulator import _cost as cost
from cityzen_connector.emulator import _error_catalogue as err
from cityzen_connector.emulator._context import HandlerContext
from cityzen_connector.emulator._errors import ChangeSetFailedError, ODataError
from cityzen_connector.emulator._http import (
    BASE_PATH,
    Request,
    Response,
    error_response,
    parse_query,
)

MAX_OPERATIONS = 1000
# The router's entry point for one operation: a batch part is handled as a standalone call.
Handler = Callable[[Request], Response]
_BOUNDARY_RE = re.compile(r'boundary="?([^";]{1,70})"?', re.IGNORECASE)


@dataclass
class _Part:
    headers: dict[str, str]
    body: bytes


def _split(body: bytes, boundary: str) -> list[_Part]:
    delimiter = b"--" + boundary.encode("latin-1")
    chunks = body.split(delimiter)
    if len(chunks) < 2 or not chunks[-1].lstrip().startswith(b"--"):
        raise err.bad_request("The batch request body is not valid multipart/mixed content.")
    parts = []
    for raw in chunks[1:-1]:
        chunk = raw[2:] if raw.startswith(b"\r\n") else raw.lstrip(b"\n")
        headers, rest = _headers(chunk)
        parts.append(_Part(headers, rest))
    return parts


def _headers(chunk: bytes) -> tuple[dict[str, str], bytes]:
    for sep in (b"\r\n\r\n", b"\n\n"):
        head, found, rest = chunk.partition(sep)
        if found:
            break
    else:
        head, rest = chunk, b""
    headers: dict[str, str] = {}
    for line in head.decode("utf-8", "replace").splitlines():
        name, colon, value = line.partition(":")
        if colon:
            headers[name.strip().lower()] = value.strip()
    return headers, rest


def _strip_trailing_newline(body: bytes) -> bytes:
    if body.endswith(b"\r\n"):
        return body[:-2]
    return body[:-1] if body.endswith(b"\n") else body


def _request_line(line: str) -> tuple[str, str]:
    """``METHOD URL HTTP/1.1`` → (method, URL). The URL is what lies between the first and the
    last space: "Execute batch operations using the Web API" (Microsoft Learn) writes each
    part's request line as ``GET /api/data/v9.2/accounts(…)/Account_Tasks?$select=subject
    HTTP/1.1``, and a client may leave a space unencoded in a ``$filter`` literal."""
    method, _, rest = line.strip().partition(" ")
    url, _, version = rest.rpartition(" ")
    if not method or not url.strip() or not version.upper().startswith("HTTP/"):
        raise err.bad_request("A batch part does not start with an HTTP request line.")
    return method.upper(), url.strip()


def _inner_request(part: _Part, outer: Request, in_changeset: bool, ids: dict[str, str]) -> Request:
    text = _strip_trailing_newline(part.body)
    line, _, rest = text.partition(b"\n")
    method, url = _request_line(line.decode("utf-8", "replace"))
    headers, body = _headers(rest)
    if url.startswith("$"):
        ref, _, tail = url[1:].partition("/")
        target = ids.get(ref)
        if target is None:
            raise err.bad_request(
                f"Content-ID Reference: '${ref}' does not exist in the batch context."
            )
        url = target + ("/" + tail if tail else "")
    if BASE_PATH in url:
        url = url.split(BASE_PATH, 1)[1]
    path, _, query = url.lstrip("/").partition("?")
    # A server hands a handler its path percent-decoded (PATH_INFO, PEP 3333); so does this.
    path = unquote(path)
    # The batch's own headers that reach its parts: the token, the preferences and the user
    # it runs as (CallerObjectId / MSCRMCallerID, impersonation); a part may set its own.
    inherited = ("authorization", "prefer", "callerobjectid", "mscrmcallerid")
    merged = {k: v for k, v in outer.headers.items() if k in inherited}
    if in_changeset or "prefer" in headers:
        merged.pop("prefer", None)
    merged.update(headers)
    return Request(
        method=method,
        path=path,
        query=parse_query(query),
        headers=merged,
        body=body,
        base_url=outer.base_url,
        in_changeset=in_changeset,
        content_ids=ids,
    )


def _render(response: Response, content_id: str | None) -> bytes:
    head = ["Content-Type: application/http", "Content-Transfer-Encoding: binary"]
    if content_id:
        head.append(f"Content-ID: {content_id}")
    lines = [*head, "", f"HTTP/1.1 {response.status_line()}", "OData-Version: 4.0"]
    lines += [f"{name}: {value}" for name, value in response.headers]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + response.body + b"\r\n"


def handle_batch(context: HandlerContext, handle: Handler, req: Request) -> Response:
    if req.method != "POST":
        raise err.method_not_allowed(req.method)
    match = _BOUNDARY_RE.search(req.header("content-type") or "")
    if not (req.header("content-type") or "").lower().startswith("multipart/mixed") or not match:
        raise err.bad_request("A $batch request needs Content-Type: multipart/mixed; boundary=….")
    parts = _split(req.body, match.group(1))
    plan: list[tuple[_Part, list[_Part] | None]] = []
    count = 0
    for part in parts:
        ctype = part.headers.get("content-type", "")
        inner = _BOUNDARY_RE.search(ctype)
        if ctype.lower().startswith("multipart/mixed") and inner:
            members = _split(part.body, inner.group(1))
            count += len(members)
            plan.append((part, members))
        else:
            count += 1
            plan.append((part, None))
    if count > MAX_OPERATIONS:
        raise err.bad_request(
            f"The number of requests in a batch exceeds the limit of {MAX_OPERATIONS}."
        )
    continue_on_error = "odata.continue-on-error" in req.prefer()
    boundary = f"batchresponse_{uuid.uuid4()}"
    out: list[bytes] = []
    failure: Response | None = None
    ran: list[Response] = []  # every part's reply, change sets' members included (_cost.py)
    for part, group in plan:
        if group is None:
            response = _single(handle, part, req)
            ran.append(response)
            out.append(_render(response, part.headers.get("content-id")))
        else:
            body, response = _changeset(context, handle, group, req, ran)
            out.append(body)
        if response.status >= 400 and not continue_on_error:
            failure = response
            break
    payload = b"".join(f"--{boundary}\r\n".encode() + chunk for chunk in out)
    payload += f"--{boundary}--\r\n".encode()
    headers = [("Content-Type", f"multipart/mixed; boundary={boundary}")]
    if continue_on_error:
        headers.append(("Preference-Applied", "odata.continue-on-error"))
    status = failure.status if failure is not None else 200
    return Response(status, headers, payload, operations=cost.total(ran))


def _single(handle: Handler, part: _Part, outer: Request) -> Response:
    try:
        inner = _inner_request(part, outer, False, {})
    except ODataError as exc:
        return error_response(exc)
    return handle(inner)


def _changeset(
    context: HandlerContext,
    handle: Handler,
    members: list[_Part],
    outer: Request,
    ran: list[Response],
) -> tuple[bytes, Response]:
    ids: dict[str, str] = {}
    rendered: list[bytes] = []
    store = context.store
    failure: Response | None = None  # the member's reply that rolls the change set back
    try:
        with store.transaction():
            for member in members:
                content_id = member.headers.get("content-id")
                try:
                    inner = _inner_request(member, outer, True, ids)
                    # Some clients put Content-ID among the inner request's headers instead.
                    content_id = content_id or inner.headers.get("content-id")
                    if inner.method == "GET":
                        raise err.bad_request("GET requests are not allowed within a change set.")
                except ODataError as exc:
                    failure = error_response(exc)
                    ran.append(failure)
                    raise ChangeSetFailedError from None
                response = handle(inner)
                ran.append(response)
                if response.status >= 400:
                    failure = response
                    raise ChangeSetFailedError
                # "$n" names the row operation n wrote, whatever its reply carried (a reply
                # with the row has no OData-EntityId: see _written).
                entity_id = response.entity_url or response.headers_dict().get("odata-entityid")
                if content_id and entity_id:
                    ids[content_id] = entity_id
                rendered.append(_render(response, content_id))
    except ChangeSetFailedError:
        assert failure is not None
        return _render(failure, None), failure
    boundary = f"changesetresponse_{uuid.uuid4()}"
    inner_body = b"".join(f"--{boundary}\r\n".encode() + chunk for chunk in rendered)
    inner_body += f"--{boundary}--\r\n".encode()
    head = f"Content-Type: multipart/mixed; boundary={boundary}\r\n\r\n".encode()
    return head + inner_body, Response(200)
