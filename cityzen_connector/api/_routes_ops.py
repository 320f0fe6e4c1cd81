"""The service's own routes (health, the OpenAPI document) and the ops routes."""

from __future__ import annotations

from cityzen_connector.models import MAX_PAGE_SIZE as MAX_DEAD_LETTER_PAGE
from cityzen_connector.models._ops import PAGE_TOKEN_PATTERN

from ._route_answers import COMMON, HOST_401
from ._route_types import Answer, Operation, Param, Route

SERVICE_ROUTES: tuple[Route, ...] = (
    Route(
        "/v1/health",
        "health",
        "anonymous",
        (
            Operation(
                "GET", "liveness", "Liveness (calls nothing)", {200: Answer("Alive", "Liveness")}
            ),
        ),
    ),
    Route(
        "/v1/health/ready",
        "health_ready",
        "function",
        (
            Operation(
                "GET",
                "readiness",
                "Readiness: Dataverse, queue, store, circuit breaker (cached briefly)",
                {
                    200: Answer(
                        "Ready (ok, or degraded: accepting but not processing)", "Readiness"
                    ),
                    503: Answer("Not ready: cannot accept requests", "Readiness"),
                    401: Answer(f"Function key missing or wrong: {HOST_401}"),
                    **COMMON,
                },
            ),
        ),
    ),
    Route(
        "/v1/openapi.json",
        "openapi",
        "anonymous",
        (Operation("GET", "openapi", "This document", {200: Answer("OpenAPI 3.1 document")}),),
    ),
)
# The ops routes: the Functions host lets them through (anonymous level); the API checks the
# token. Every answer may also be a 503 while the tenant's signing keys cannot be fetched.
OPS_ANSWERS = {
    401: Answer(
        "Missing or invalid ops token (WWW-Authenticate says why); a function key is never"
        " enough here"
    ),
    403: Answer("A valid ops token without the ops app role"),
    503: Answer(
        "The tenant's signing keys or the queue cannot be reached now; retry later (a replay"
        " cut short says how many it did: asking again finishes it)"
    ),
    **COMMON,
}
_AGENTS_503 = Answer(
    "Reconciliation not configured on this deployment (agents_unavailable), or Entra ID,"
    " Graph or Dataverse unreachable now (service_unavailable, with Retry-After)",
    sometimes=("Retry-After",),
)
OPS_ROUTES: tuple[Route, ...] = (
    Route(
        "/v1/ops/queues",
        "ops_queues",
        "ops",
        (
            Operation(
                "GET",
                "getQueueStats",
                "Counts of each queue the connector uses and of its failed messages",
                {200: Answer("The counts", "QueuesView"), **OPS_ANSWERS},
            ),
        ),
    ),
    Route(
        "/v1/ops/dead-letters",
        "ops_dead_letters",
        "ops",
        (
            Operation(
                "GET",
                "listDeadLetters",
                "A queue's failed messages, oldest first, by their metadata (never a body)",
                {
                    200: Answer("One page of failed messages", "DeadLetterPage"),
                    404: Answer("Not a queue the connector uses"),
                    422: Answer("A query parameter is not valid, each listed"),
                    **OPS_ANSWERS,
                },
                params=(
                    Param("queue", "ops_queue", "One of the queues the connector uses.", True),
                    Param(
                        "source",
                        {"enum": ["deadletter", "rejected", "all"], "default": "all"},
                        "deadletter: the queue's dead-letter sub-queue; rejected:"
                        " <queue>-rejected; all: both.",
                    ),
                    Param(
                        "page_size",
                        {
                            "type": "integer",
                            "minimum": 1,
                            "maximum": MAX_DEAD_LETTER_PAGE,
                            "default": 50,
                        },
                        "Messages per page.",
                    ),
                    Param(
                        "page_token",
                        {"type": "string", "pattern": PAGE_TOKEN_PATTERN},
                        "Where the previous page ended (its next_page_token).",
                    ),
                ),
            ),
        ),
    ),
    Route(
        "/v1/ops/dead-letters/replay",
        "ops_replay",
        "ops",
        (
            Operation(
                "POST",
                "replayDeadLetters",
                "Send failed messages back to their queue: by id, or the oldest up to a limit",
                {
                    200: Answer("What was replayed, and the ids not found", "ReplayResult"),
                    400: Answer("The body is not valid JSON"),
                    404: Answer("Not a queue the connector uses"),
                    413: Answer("The body is larger than a replay request can be"),
                    415: Answer("The body is not application/json"),
                    422: Answer("The body is not valid, each field listed"),
                    **OPS_ANSWERS,
                },
                request_body="ReplayRequest",
            ),
        ),
    ),
    Route(
        "/v1/ops/agents/plan",
        "ops_agents_plan",
        "ops",
        (
            Operation(
                "GET",
                "planAgents",
                "What reconciling agent accounts would change (Entra ID groups to Dataverse"
                " users, teams and roles); changes nothing",
                {
                    200: Answer("The plan", "AgentsPlanView", ("ETag",)),
                    **OPS_ANSWERS,
                    503: _AGENTS_503,
                },
            ),
        ),
    ),
    Route(
        "/v1/ops/agents/apply",
        "ops_agents_apply",
        "ops",
        (
            Operation(
                "POST",
                "applyAgents",
                "Reconcile agent accounts now, on the caller's behalf (If-Match: only the plan"
                " that was reviewed)",
                {
                    200: Answer("What was done", "AgentsReportView"),
                    412: Answer("The plan changed since the ETag in If-Match", headers=("ETag",)),
                    **OPS_ANSWERS,
                    503: _AGENTS_503,
                },
                headers=("If-Match",),
            ),
        ),
    ),
)
