"""The desk API: a WSGI application of JSON routes under ``/desk/api/`` for the agent desk
page (embedded mode only; mounted at ``/desk/api`` on the local host's port).

- ``GET  /desk/api/cases?top=20``             the latest cases (list view)
- ``GET  /desk/api/cases/{ticket}``           one case and its conversation
- ``POST /desk/api/cases/{ticket}/hold``      ask the citizen for details (Waiting for
  Details), with an optional message ``{"text": …}``
- ``POST /desk/api/cases/{ticket}/reply``     a message (JSON, or multipart: a ``message`` JSON
  part and a ``file`` part, a photo or a PDF of 5 MB at most), or an internal note
- ``POST /desk/api/cases/{ticket}/resolve``   CloseIncident
- ``POST /desk/api/cases/{ticket}/status``    any status reason; ``…/assign`` a team
- ``GET  /desk/api/cases/{ticket}/files/{id}`` a file on the case (a note's document), as an
  attachment

``hold`` and ``reply`` take an ``Idempotency-Key`` header: the same key and body again answer
as the first time, without writing twice; the same key with another body is a 409
(``_replay``).

Every route takes the agent's bearer token, verified by the authenticator the ops routes use
(same issuers, audience, tenant and roles); the agent is the token's ``oid``, passed to
Dataverse as ``CallerObjectId`` so the case records who did it. CSRF-safe by construction: the
credential is an ``Authorization`` header a page sets itself, never a cookie, so a form or a
link from another site cannot carry it (OWASP CSRF Prevention Cheat Sheet). Errors are
``application/problem+json`` from the API's catalogue. The log holds the method, the route's
pattern, the status and the agent's object id (the audit trail the ops routes keep): never a
ticket's text, a message, a file name or a token.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Callable
from typing import Any, Literal
from urllib.parse import parse_qs

from pydantic import BaseModel, ConfigDict, Field

from cityzen_connector.dataverse import DataverseError
from cityzen_connector.identity import InvalidToken, KeysUnavailable, OpsAuthenticator
from cityzen_connector.models import ProblemCode

from ._desk import MAX_ATTACHMENT_BYTES, Attachment, Desk
from ._errors import DeskError, InvalidActionError, Refusal
from ._http import (
    MAX_JSON_BYTES,
    Reply,
    StartResponse,
    file_reply,
    invalid,
    json_object,
    json_reply,
    media_type,
    multipart,
    problem_reply,
    read_body,
    refuse,
    validated,
)
from ._reasons import REASON_LABELS, REASONS, STATES
from ._replay import keyed_row

logger = logging.getLogger(__name__)

PREFIX = "/desk/api"
Sniff = Callable[[bytes], str | None]
# A photo or a document, proved by its first bytes (sync.intake's sniffing, injected).
ACCEPTED_TYPES = frozenset({"image/jpeg", "image/png", "image/webp", "application/pdf"})
# Case numbers as Dynamics 365 formats them (CAS-01234-X1Y2Z3); the $filter escapes anyway.
_TICKET = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]{0,99}")
_ROUTE = re.compile(rf"^{PREFIX}/cases(?:/([^/]+)(?:/([a-z]+))?)?$")
_FILE_ROUTE = re.compile(rf"^{PREFIX}/cases/([^/]+)/files/([^/]+)$")
_MAX_MULTIPART = MAX_ATTACHMENT_BYTES + 64 * 1024


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=False)


class HoldBody(_Strict):
    text: str | None = Field(None, min_length=1, max_length=2000)


class ReplyBody(_Strict):
    text: str = Field(min_length=1, max_length=2000)
    subject: str = Field("Réponse de la mairie", min_length=1, max_length=200)
    internal: bool = False


class ResolveBody(_Strict):
    resolution: str = Field("Demande traitée", min_length=1, max_length=200)
    reason: Literal["problem-solved", "information-provided"] = "problem-solved"


class StatusBody(_Strict):
    reason: str = Field(min_length=1, max_length=40)


class AssignBody(_Strict):
    team: str = Field(min_length=1, max_length=160)


class DeskApp:
    """The WSGI callable. ``authenticator``: the stats routes' (ops role or agents' roles);
    ``None`` refuses every call, as the ops routes do without an ops tenant."""

    def __init__(self, desk: Desk, authenticator: OpsAuthenticator | None, *, sniff: Sniff) -> None:
        self._desk, self._auth, self._sniff = desk, authenticator, sniff

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> list[bytes]:
        method = str(environ.get("REQUEST_METHOD", "GET"))
        # Mounted either way: the whole path in PATH_INFO, or the prefix in SCRIPT_NAME (PEP 3333).
        path = str(environ.get("SCRIPT_NAME", "")) + str(environ.get("PATH_INFO", "/"))
        agent, route = "", "?"
        try:
            route, handler = self._route(method, path)
            agent = self._agent(environ)
            reply = handler(agent, environ)
        except Refusal as exc:
            reply = exc.reply
        except DeskError as exc:
            reply = _desk_problem(exc)
        except DataverseError as exc:
            logger.warning("desk: Dataverse failed: %s", exc.summary)
            # Unreachable or throttled: try again later; anything else is ours to look at.
            transient = exc.is_transient
            code = ProblemCode.SERVICE_UNAVAILABLE if transient else ProblemCode.INTERNAL_ERROR
            reply = problem_reply(code)
        except Exception as exc:  # noqa: BLE001 -- one 500 problem, the type logged, nothing else
            logger.error("desk: unexpected %s", type(exc).__name__)
            reply = problem_reply(ProblemCode.INTERNAL_ERROR)
        logger.info("desk %s %s -> %d agent=%s", method, route, reply.status, agent or "-")
        return reply.send(start_response)

    # -- routing and authentication --------------------------------------------------------------
    def _route(self, method: str, path: str) -> tuple[str, Callable[[str, Any], Reply]]:
        allowed: dict[str, Callable[[str, str, Any], Reply]]
        file = _FILE_ROUTE.match(path)
        if file is not None:
            return self._file_route(method, file.group(1), file.group(2))
        match = _ROUTE.match(path)
        if match is None:
            raise refuse(ProblemCode.NOT_FOUND)
        ticket, action = match.group(1), match.group(2)
        if ticket is not None and not _TICKET.fullmatch(ticket):
            raise refuse(ProblemCode.NOT_FOUND, "No case has such a ticket.")
        if ticket is None:
            route, allowed = f"{PREFIX}/cases", {"GET": self._cases}
        elif action is None:
            route, allowed = f"{PREFIX}/cases/{{ticket}}", {"GET": self._case}
        else:
            actions = {
                "hold": self._hold,
                "reply": self._reply,
                "resolve": self._resolve,
                "status": self._status,
                "assign": self._assign,
            }
            if action not in actions:
                raise refuse(ProblemCode.NOT_FOUND)
            route, allowed = f"{PREFIX}/cases/{{ticket}}/{action}", {"POST": actions[action]}
        handler = allowed.get(method)
        if handler is None:
            allow = [("Allow", ", ".join(allowed))]
            raise Refusal(problem_reply(ProblemCode.METHOD_NOT_ALLOWED, headers=allow))
        return route, lambda agent, environ: handler(agent, ticket or "", environ)

    def _file_route(
        self, method: str, ticket: str, note: str
    ) -> tuple[str, Callable[[str, Any], Reply]]:
        route = f"{PREFIX}/cases/{{ticket}}/files/{{file}}"
        if not _TICKET.fullmatch(ticket):
            raise refuse(ProblemCode.NOT_FOUND, "No case has such a ticket.")
        try:
            note_id = uuid.UUID(note)
        except ValueError:
            raise refuse(ProblemCode.NOT_FOUND, "No such file on this case.") from None
        if method != "GET":
            allow = [("Allow", "GET")]
            raise Refusal(problem_reply(ProblemCode.METHOD_NOT_ALLOWED, headers=allow))
        return route, lambda agent, environ: file_reply(
            self._desk.file(agent, ticket, note_id), ACCEPTED_TYPES
        )

    def _agent(self, environ: dict[str, Any]) -> str:
        if self._auth is None:
            raise refuse(ProblemCode.UNAUTHORIZED, "No agent tokens are accepted here.")
        try:
            return self._auth.authenticate(environ.get("HTTP_AUTHORIZATION")).object_id
        except InvalidToken as exc:
            code = ProblemCode.FORBIDDEN if exc.http_status == 403 else ProblemCode.UNAUTHORIZED
            header = [("WWW-Authenticate", exc.www_authenticate)]
            raise Refusal(problem_reply(code, headers=header)) from exc
        except KeysUnavailable as exc:
            raise refuse(ProblemCode.SERVICE_UNAVAILABLE) from exc

    # -- handlers ----------------------------------------------------------------------------------
    def _cases(self, agent: str, ticket: str, environ: dict[str, Any]) -> Reply:
        query = parse_qs(str(environ.get("QUERY_STRING", "")), max_num_fields=5)
        raw = query.get("top", ["20"])
        if len(raw) != 1 or not raw[0].isdigit() or not 1 <= int(raw[0]) <= 100:
            raise refuse(ProblemCode.INVALID_PARAMETER, "top is a whole number, 1 to 100.")
        return json_reply({"items": self._desk.cases(agent, int(raw[0]))})

    def _case(self, agent: str, ticket: str, environ: dict[str, Any]) -> Reply:
        return json_reply(self._desk.case(agent, ticket))

    def _hold(self, agent: str, ticket: str, environ: dict[str, Any]) -> Reply:
        body = validated(HoldBody, _json(environ))
        # The status first: when Dataverse refuses it, nothing reaches the citizen (a message
        # failing after it leaves the case waiting; the agent sends it again with reply).
        row_id = keyed_row(environ, agent, ticket, "hold")
        subject = "Demande de précisions"
        if row_id is not None and body.text is not None:
            # A retry after a lost answer: its message is there, the status was set before it.
            replayed = self._desk.replayed(agent, ticket, row_id, body.text, subject)
            if replayed:
                label = _label("waiting-for-details")
                return json_reply(_done(ticket, label) | {"message_id": str(row_id)})
        label = self._desk.set_reason(agent, ticket, "waiting-for-details")
        message = None
        if body.text is not None:
            message = self._desk.reply(agent, ticket, body.text, subject=subject, row_id=row_id)
        return json_reply(_done(ticket, label) | {"message_id": _id(message)})

    def _reply(self, agent: str, ticket: str, environ: dict[str, Any]) -> Reply:
        file = None
        if media_type(environ) == "multipart/form-data":
            data = read_body(environ, _MAX_MULTIPART)
            document, file = self._parts(data, str(environ.get("CONTENT_TYPE")))
        else:
            document = _json(environ)
        body = validated(ReplyBody, document)
        row_id = keyed_row(environ, agent, ticket, "reply")
        row = self._desk.reply(
            agent,
            ticket,
            body.text,
            subject=body.subject,
            attachment=file,
            internal=body.internal,
            row_id=row_id,
        )
        kind = "internal_note" if body.internal else "message"
        return json_reply({"ticket": ticket, "kind": kind, "id": str(row)}, 201)

    def _parts(self, data: bytes, content_type: str) -> tuple[dict[str, Any], Attachment | None]:
        parts = {part.name: part for part in multipart(data, content_type)}
        if "message" not in parts or set(parts) - {"message", "file"}:
            raise refuse(ProblemCode.MALFORMED_REQUEST, "Parts: message (JSON) and file.")
        document = json_object(parts["message"].data)
        found = parts.get("file")
        if found is None:
            return document, None
        if len(found.data) > MAX_ATTACHMENT_BYTES:
            raise refuse(ProblemCode.PAYLOAD_TOO_LARGE, "A file is 5 MB at most.")
        kind = self._sniff(found.data)
        if kind not in ACCEPTED_TYPES:
            raise refuse(ProblemCode.UNSUPPORTED_FILE_TYPE, "JPEG, PNG, WebP or PDF only.")
        name = _safe_name(found.filename or "", kind)
        return document, Attachment(name, kind, found.data)

    def _resolve(self, agent: str, ticket: str, environ: dict[str, Any]) -> Reply:
        body = validated(ResolveBody, _json(environ))
        label = self._desk.resolve(agent, ticket, body.resolution, body.reason)
        return json_reply(_done(ticket, label))

    def _status(self, agent: str, ticket: str, environ: dict[str, Any]) -> Reply:
        body = validated(StatusBody, _json(environ))
        if body.reason not in REASONS:
            raise invalid("reason", "enum", f"One of: {', '.join(REASONS)}.")
        return json_reply(_done(ticket, self._desk.set_reason(agent, ticket, body.reason)))

    def _assign(self, agent: str, ticket: str, environ: dict[str, Any]) -> Reply:
        body = validated(AssignBody, _json(environ))
        self._desk.assign(agent, ticket, body.team)
        return json_reply({"ticket": ticket, "owner": body.team})


def _json(environ: dict[str, Any]) -> dict[str, Any]:
    data = read_body(environ, MAX_JSON_BYTES)
    if data.strip() and media_type(environ) != "application/json":
        raise refuse(ProblemCode.UNSUPPORTED_MEDIA_TYPE, "application/json is expected.")
    return json_object(data)


def _label(reason: str) -> str:
    state, code = REASONS[reason]
    return f"{STATES[state]} / {REASON_LABELS[code]}"


def _done(ticket: str, label: str) -> dict[str, Any]:
    return {"ticket": ticket, "status": label}


def _id(value: object) -> str | None:
    return None if value is None else str(value)


_UNSAFE = re.compile(r"[^\w.\- ]", re.UNICODE)
_EXTENSIONS = {"image/jpeg": ".jpg", "image/png": ".png", "image/webp": ".webp"}


def _safe_name(name: str, kind: str) -> str:
    """A file name a note can hold: no path, no control character, the extension of what the
    bytes are."""
    base = _UNSAFE.sub("_", name.replace("\\", "/").rsplit("/", 1)[-1]).strip(" .")[:150]
    extension = _EXTENSIONS.get(kind, ".pdf")
    stem = base.rsplit(".", 1)[0] if "." in base else base
    return f"{stem or 'fichier'}{extension}"


def _desk_problem(exc: DeskError) -> Reply:
    if isinstance(exc, InvalidActionError) and exc.field:
        reply: Reply = invalid(exc.field, "value_error", str(exc)).reply
        return reply
    return problem_reply(exc.code, detail=str(exc))


def make_app(desk: Desk, authenticator: OpsAuthenticator | None, *, sniff: Sniff) -> DeskApp:
    """The desk API over ``desk``, its callers verified by ``authenticator``."""
    return DeskApp(desk, authenticator, sniff=sniff)
