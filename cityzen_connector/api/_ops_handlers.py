"""The ops routes' handlers: the caller is checked first, then the use case runs, then one audit
line is written. Answers are never cached (``no-store``): they describe live queues, and a
plan names agents."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping

from pydantic import ValidationError

from cityzen_connector.identity import OpsCaller
from cityzen_connector.models import (
    MAX_PAGE_SIZE,
    PROBLEM_CONTENT_TYPE,
    AgentsPlanView,
    AgentsReportView,
    FieldError,
    ProblemCode,
    ReplayAll,
    ReplayByIds,
    SourceChoice,
    validation_problem,
)
from cityzen_connector.models._ops import PAGE_TOKEN_PATTERN, QUEUE_NAME_PATTERN
from cityzen_connector.sync import ReplayInterruptedError, UnknownQueueError

from ._app import Deps, Handler
from ._body import parse_json
from ._errors import BodyError, QueryError
from ._http import ApiRequest, ApiResponse, json_response, problem_response
from ._ops import (
    AgentsReconciler,
    OpsDependencies,
    audit,
    fingerprint,
    if_match_allows,
    ops_caller,
    to_jsonable,
)
from ._routes import PREFIX

logger = logging.getLogger(__name__)

_NO_STORE = "no-store"
_SOURCES: tuple[SourceChoice, ...] = ("deadletter", "rejected", "all")
_DEFAULT_PAGE = 50
# 100 ids of 128 characters, JSON-escaped at worst (6 bytes a character), and room to spare.
MAX_REPLAY_BODY = 128 * 1024


def _ops(lazy: Deps) -> OpsDependencies | None:
    return lazy().ops


def _unknown_queue(request: ApiRequest) -> ApiResponse:
    return problem_response(
        ProblemCode.NOT_FOUND,
        detail="not a queue the connector uses",
        instance=PREFIX + request.path,
    )


def ops_queues(request: ApiRequest, _: dict[str, str], lazy: Deps) -> ApiResponse:
    ops = _ops(lazy)
    caller = ops_caller(request, ops)
    assert ops is not None  # ops_caller refuses every caller without them
    view = ops.queues.stats()
    audit(ops, caller, "queues.read", queues=len(view.queues))
    return json_response(200, view, cache_control=_NO_STORE)


def _list_query(query: Mapping[str, str]) -> tuple[str, SourceChoice, int, str | None]:
    """``queue``, ``source``, ``page_size``, ``page_token``, or 422 with each bad one named."""
    errors: list[FieldError] = []
    queue = query.get("queue")
    if queue is None:
        errors.append(FieldError.of("query.queue", "missing", "Field required"))
    elif not re.fullmatch(QUEUE_NAME_PATTERN, queue):
        errors.append(FieldError.of("query.queue", "string_pattern_mismatch", "not a queue name"))
    source = query.get("source", "all")
    if source not in _SOURCES:
        errors.append(FieldError.of("query.source", "literal_error", "deadletter, rejected or all"))
    raw_size = query.get("page_size", str(_DEFAULT_PAGE))
    # Digits only, and few: int() of a 5,000-digit string raises rather than answers.
    size = int(raw_size) if raw_size.isascii() and raw_size.isdigit() and len(raw_size) < 5 else 0
    if not 1 <= size <= MAX_PAGE_SIZE:
        errors.append(
            FieldError.of("query.page_size", "int_parsing", f"an integer from 1 to {MAX_PAGE_SIZE}")
        )
    token = query.get("page_token")
    if token is not None and not re.fullmatch(PAGE_TOKEN_PATTERN, token):
        errors.append(
            FieldError.of("query.page_token", "string_pattern_mismatch", "not a token we gave")
        )
    chosen = next((choice for choice in _SOURCES if choice == source), None)
    if errors or queue is None or chosen is None:
        raise QueryError(errors)
    return queue, chosen, size, token


def ops_dead_letters(request: ApiRequest, _: dict[str, str], lazy: Deps) -> ApiResponse:
    ops = _ops(lazy)
    caller = ops_caller(request, ops)
    assert ops is not None
    try:
        queue, source, size, token = _list_query(request.query)
    except QueryError as exc:
        return problem_response(
            ProblemCode.VALIDATION_FAILED, instance=PREFIX + request.path, errors=exc.errors
        )

    def run() -> ApiResponse:
        try:
            page = ops.queues.dead_letters(queue, source=source, page_size=size, page_token=token)
        except UnknownQueueError:
            return _unknown_queue(request)
        audit(ops, caller, "dead_letters.list", queue=queue, source=source, count=len(page.items))
        return json_response(200, page, cache_control=_NO_STORE)

    return _guarded(request, run, "queue")


def _read_replay(request: ApiRequest) -> ReplayByIds | ReplayAll | ApiResponse:
    """The replay request in the body, or the problem answering why it is not one."""
    instance = PREFIX + request.path
    if len(request.body) > MAX_REPLAY_BODY:
        return problem_response(
            ProblemCode.PAYLOAD_TOO_LARGE,
            detail=f"a replay request is at most {MAX_REPLAY_BODY} bytes",
            instance=instance,
        )
    kind = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if kind != "application/json":
        return problem_response(
            ProblemCode.UNSUPPORTED_MEDIA_TYPE, detail="send application/json", instance=instance
        )
    try:
        document = parse_json(request.body)
        # The two shapes never overlap: "all" says which one the caller meant, so errors are
        # reported for that one alone.
        model = ReplayAll if isinstance(document, dict) and "all" in document else ReplayByIds
        return model.model_validate(document)
    except BodyError as exc:
        return problem_response(exc.code, detail=exc.detail, instance=instance)
    except ValidationError as exc:
        body = validation_problem(exc, instance=instance)
        return ApiResponse(422, body.to_bytes(), {"Content-Type": PROBLEM_CONTENT_TYPE})


def ops_replay(request: ApiRequest, _: dict[str, str], lazy: Deps) -> ApiResponse:
    ops = _ops(lazy)
    caller = ops_caller(request, ops)
    assert ops is not None
    wanted = _read_replay(request)
    if isinstance(wanted, ApiResponse):
        return wanted
    ids = wanted.message_ids if isinstance(wanted, ReplayByIds) else None
    limit = wanted.limit if isinstance(wanted, ReplayAll) else None
    figures: dict[str, str | int] = {
        "queue": wanted.queue,
        "source": wanted.source,
        "selection": "oldest" if ids is None else "ids",
        "requested": len(set(ids)) if ids is not None else limit or 0,
    }
    try:
        result = ops.queues.replay(wanted.queue, source=wanted.source, message_ids=ids, limit=limit)
    except UnknownQueueError:
        return _unknown_queue(request)
    except ReplayInterruptedError as exc:
        # What was done is audited even when the rest could not be: asking again finishes it.
        done = len(exc.result.replayed)
        audit(ops, caller, "dead_letters.replay", **figures, replayed=done, outcome="interrupted")
        if not exc.is_transient:
            raise
        return _unavailable(request, exc, "queue", f"{done} message(s) replayed before it failed")
    counts = {"replayed": len(result.replayed), "not_found": len(result.not_found)}
    audit(ops, caller, "dead_letters.replay", **figures, **counts)
    return json_response(200, result, cache_control=_NO_STORE)


def _reconciler(
    request: ApiRequest, lazy: Deps
) -> tuple[OpsDependencies, OpsCaller, AgentsReconciler] | ApiResponse:
    ops = _ops(lazy)
    caller = ops_caller(request, ops)  # before anything: strangers learn nothing of the setup
    assert ops is not None
    if ops.agents is None:
        return problem_response(
            ProblemCode.AGENTS_UNAVAILABLE,
            detail="no agents access model is configured (mappings/agents.toml)",
            instance=PREFIX + request.path,
        )
    return ops, caller, ops.agents


def _guarded(request: ApiRequest, run: Callable[[], ApiResponse], what: str) -> ApiResponse:
    """A failure that says it is transient (the queue, Graph or Dataverse unreachable) is a 503
    to retry; anything else is left to the API's last resort (500, nothing told)."""
    try:
        return run()
    except Exception as exc:
        if getattr(exc, "is_transient", False) is not True:
            raise
        return _unavailable(request, exc, what)


def _unavailable(
    request: ApiRequest, exc: Exception, what: str, detail: str | None = None
) -> ApiResponse:
    logger.warning("%s unavailable: %s", what, type(exc.__cause__ or exc).__name__)
    return problem_response(
        ProblemCode.SERVICE_UNAVAILABLE,
        detail=detail,
        instance=PREFIX + request.path,
        retry_after="30",
    )


def ops_agents_plan(request: ApiRequest, _: dict[str, str], lazy: Deps) -> ApiResponse:
    found = _reconciler(request, lazy)
    if isinstance(found, ApiResponse):
        return found
    ops, caller, agents = found

    def run() -> ApiResponse:
        document = to_jsonable(agents.plan())
        etag = fingerprint(document)
        audit(ops, caller, "agents.plan", plan=etag.strip('"'))
        view = AgentsPlanView(plan=document)
        return json_response(200, view, cache_control=_NO_STORE, etag=etag)

    return _guarded(request, run, "agents reconciliation")


def ops_agents_apply(request: ApiRequest, _: dict[str, str], lazy: Deps) -> ApiResponse:
    found = _reconciler(request, lazy)
    if isinstance(found, ApiResponse):
        return found
    ops, caller, agents = found

    def run() -> ApiResponse:
        # The plan is made here, never taken from the caller: a body cannot smuggle changes.
        plan = agents.plan()
        etag = fingerprint(to_jsonable(plan))
        if not if_match_allows(request.headers.get("if-match"), etag):
            audit(ops, caller, "agents.apply", plan=etag.strip('"'), outcome="plan_changed")
            return problem_response(
                ProblemCode.PLAN_CHANGED, instance=PREFIX + request.path, etag=etag
            )
        try:
            report = to_jsonable(agents.apply(plan, caller=caller.object_id))
        except Exception:
            # It may have written some of the plan: the attempt is on record all the same.
            audit(ops, caller, "agents.apply", plan=etag.strip('"'), outcome="failed")
            raise
        audit(ops, caller, "agents.apply", plan=etag.strip('"'), outcome="applied")
        return json_response(200, AgentsReportView(report=report), cache_control=_NO_STORE)

    return _guarded(request, run, "agents reconciliation")


OPS_HANDLERS: dict[str, Handler] = {
    "getQueueStats": ops_queues,
    "listDeadLetters": ops_dead_letters,
    "replayDeadLetters": ops_replay,
    "planAgents": ops_agents_plan,
    "applyAgents": ops_agents_apply,
}
