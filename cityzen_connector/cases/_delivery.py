"""Delivering the webhook outbox: sign each event, POST it to every endpoint, settle.

``deliver_webhook_message(message, deps)`` is what the outbox queue trigger calls. Every result
means "now complete the original": each endpoint has by then either taken the event (2xx), or
been given a scheduled retry copy of the message, or a dead letter with its reason. Anything
the bus refuses raises, so the original is abandoned and redelivered: nothing is lost.

Several endpoints: the first delivery tries them all; an endpoint that fails gets its *own*
retry copy (property ``cityzen-webhook-endpoint``), so the others are not sent the event again.
A crash between two sends may deliver an event twice to an endpoint: receivers deduplicate on
``webhook-id``, which stays the same on every attempt, retry and replay (property
``cityzen-webhook-id``), as the spec requires ("Webhook metadata").

Each attempt's verdict (``_verdict.py``): 2xx delivered; 408/409/425/429, 5xx and no answer
retried with back-off (``Retry-After`` honoured) until the give-up age or attempt count; other
4xx and 3xx dead-lettered at once, with a reason naming the status, never the reply's body.

Dead letters go to ``<queue>-rejected`` with ``cityzen-rejected-reason``, as rejected
submissions do, so ``cityzen queue --queue webhooks dead list|replay`` handle them; a replayed
copy keeps its endpoint and its ``webhook-id``.
"""

from __future__ import annotations

import logging
import random
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal

from cityzen_connector._clock import WallClock
from cityzen_connector._metrics import METRICS, WEBHOOKS_DELIVERED, WEBHOOKS_FAILED
from cityzen_connector.messaging import (
    MAX_MESSAGE_ID,
    PROP_ATTEMPT,
    PROP_FIRST_ENQUEUED,
    PROP_ORIGIN_ID,
    InvalidMessage,
    MessageBus,
    ReceivedMessage,
    attempt_of,
    copy_of,
    first_enqueued,
    origin_id,
)

from ._outbox import PROP_WEBHOOK_ID, event_from_body
from ._sender import NoReply, WebhookSender
from ._signing import check_webhook_id, signed_headers
from ._verdict import GiveUp, Retry, Verdict, judge
from ._webhook_config import WebhookConfig, WebhookEndpoint

__all__ = [
    "MAX_WEBHOOK_BODY_BYTES",
    "PROP_ENDPOINT",
    "EndpointOutcome",
    "WebhookDeliveryDeps",
    "WebhookDeliveryResult",
    "deliver_webhook_message",
    "webhook_rejected_queue",
]

_LOG = logging.getLogger("cityzen_connector.cases.webhooks")

PROP_ENDPOINT = "cityzen-webhook-endpoint"
# The submissions pipeline's names (sync/pipeline/_delivery.py), so that the queue commands
# read a webhook's dead letter as they read a submission's (a test keeps them equal).
PROP_LAST_ERROR = "cityzen-last-error"
PROP_REJECTED_REASON = "cityzen-rejected-reason"
PROP_REJECTED_AT = "cityzen-rejected-at"
_REJECTED_SUFFIX = "-rejected"
# "Keep the size of payloads small, usually smaller than 20kb" (spec, "Payload size"): a status
# change is a few hundred bytes; anything near this is not an event the outbox wrote.
MAX_WEBHOOK_BODY_BYTES = 20 * 1024
_MAX_REASON = 256
# "Event types … a hierarchical, and full-stop delimited, list of identifiers … limited to
# [a-zA-Z0-9_]" (spec, "Event types"); it is also what the logs may show of a body.
_EVENT_TYPE = re.compile(r"[A-Za-z0-9_]{1,32}(?:\.[A-Za-z0-9_]{1,32}){0,3}")

Action = Literal["delivered", "retry_scheduled", "rejected"]


def webhook_rejected_queue(queue: str) -> str:
    return f"{queue}{_REJECTED_SUFFIX}"


@dataclass(frozen=True)
class WebhookDeliveryDeps:
    bus: MessageBus
    queue: str
    config: WebhookConfig
    sender: WebhookSender
    clock: WallClock
    spread: Callable[[], float] = random.random  # jitter; tests pass a constant
    logger: logging.Logger = _LOG


@dataclass(frozen=True)
class EndpointOutcome:
    endpoint: str  # the endpoint's key, never its URL
    action: Action
    reason: str = ""
    status: int | None = None
    retry_at: datetime | None = None


@dataclass(frozen=True)
class WebhookDeliveryResult:
    """What was decided; the original message must now be completed in every case."""

    webhook_id: str
    outcomes: tuple[EndpointOutcome, ...] = ()
    rejected_reason: str | None = None  # the message itself was refused (malformed…)

    @property
    def action(self) -> str:
        if self.rejected_reason is not None:
            return "rejected"
        if not self.outcomes:
            return "no_endpoint"
        return ",".join(sorted({o.action for o in self.outcomes}))


def deliver_webhook_message(
    message: ReceivedMessage, deps: WebhookDeliveryDeps
) -> WebhookDeliveryResult:
    """Deliver one outbox message to its endpoint(s) and send what settling needs."""
    webhook_id = webhook_id_of(message)
    try:
        kind = read_event(message, webhook_id)
    except InvalidMessage as exc:
        return _reject_invalid(message, webhook_id, exc, deps)
    targets, missing = _targets(message, deps.config)
    if missing is not None:
        reason = f"endpoint {missing} is no longer configured (CITYZEN_WEBHOOK_URLS)"
        outcome = _reject(message, deps, webhook_id=webhook_id, key=missing, reason=reason)
        return WebhookDeliveryResult(webhook_id, (outcome,))
    if not targets:
        deps.logger.info("webhook %s (%s): no endpoint configured, not sent", webhook_id, kind)
        return WebhookDeliveryResult(webhook_id)
    outcomes = tuple(_deliver_to(message, webhook_id, kind, endpoint, deps) for endpoint in targets)
    return WebhookDeliveryResult(webhook_id, outcomes)


def webhook_id_of(message: ReceivedMessage) -> str:
    """The ``webhook-id``: the property every copy carries, else the first message's id."""
    value = message.application_properties.get(PROP_WEBHOOK_ID)
    return value if isinstance(value, str) and value else origin_id(message)


def read_event(message: ReceivedMessage, webhook_id: str) -> str:
    """The event type of a well-formed outbox message; ``InvalidMessage`` with a stable reason
    otherwise (never quoting the body)."""
    size = len(message.body)
    if size > MAX_WEBHOOK_BODY_BYTES:
        raise InvalidMessage(
            "MessageTooLarge", f"body of {size} bytes, more than {MAX_WEBHOOK_BODY_BYTES}"
        )
    content_type = (message.content_type or "application/json").split(";")[0].strip().lower()
    if content_type != "application/json":
        raise InvalidMessage("InvalidContentType", f"content type {content_type[:64]!r}")
    try:
        check_webhook_id(webhook_id)
    except ValueError as exc:
        raise InvalidMessage("InvalidWebhookId", str(exc)) from None
    try:
        event = event_from_body(webhook_id, message.body)
    except (ValueError, RecursionError):  # UnicodeDecodeError and JSONDecodeError included
        raise InvalidMessage(
            "InvalidWebhookEvent", "the body is not a JSON event with type, timestamp and data"
        ) from None
    if not _EVENT_TYPE.fullmatch(event.type):
        raise InvalidMessage("InvalidWebhookEvent", "the type is not a dotted identifier")
    return event.type


def _targets(
    message: ReceivedMessage, config: WebhookConfig
) -> tuple[tuple[WebhookEndpoint, ...], str | None]:
    """Every endpoint for a first delivery; the one a retry copy names, or its missing key."""
    key = message.application_properties.get(PROP_ENDPOINT)
    if not isinstance(key, str) or not key:
        return config.endpoints, None
    endpoint = config.endpoint(key)
    return ((endpoint,), None) if endpoint is not None else ((), key[:32])


def _deliver_to(
    message: ReceivedMessage,
    webhook_id: str,
    kind: str,
    endpoint: WebhookEndpoint,
    deps: WebhookDeliveryDeps,
) -> EndpointOutcome:
    now = deps.clock()
    # The attempt's own time, signed with the id and the body: a receiver refuses it once it is
    # older than its tolerance, so a captured request cannot be replayed later ("Webhook
    # metadata"). Integer seconds ("Webhook headers").
    headers = signed_headers(
        deps.config.secrets, webhook_id, int(now.timestamp()), message.body
    ) | {"content-type": "application/json"}
    reply = deps.sender.post(
        endpoint.url, message.body, headers, timeout=deps.config.timeout_seconds
    )
    status = None if isinstance(reply, NoReply) else reply.status
    verdict: Verdict = Retry(reply.kind) if isinstance(reply, NoReply) else judge(reply, now=now)
    attempt = attempt_of(message)
    if verdict == "delivered":
        deps.logger.info(
            "webhook %s (%s) delivered to endpoint %s (attempt %d)",
            webhook_id,
            kind,
            endpoint.key,
            attempt,
        )
        METRICS.count(WEBHOOKS_DELIVERED)
        return EndpointOutcome(endpoint.key, "delivered", status=status)
    if isinstance(verdict, GiveUp):
        return _reject(
            message,
            deps,
            webhook_id=webhook_id,
            key=endpoint.key,
            reason=verdict.reason,
            status=verdict.status,
        )
    return _retry(message, webhook_id, endpoint.key, verdict, deps)


def _retry(
    message: ReceivedMessage,
    webhook_id: str,
    key: str,
    verdict: Retry,
    deps: WebhookDeliveryDeps,
) -> EndpointOutcome:
    """Schedule the next attempt to this endpoint alone, or give up past the age or count."""
    policy = deps.config.retry
    now = deps.clock()  # the attempt may have taken the whole timeout
    failures = attempt_of(message)
    wait = policy.delay(failures, deps.spread())
    if verdict.retry_after is not None:
        wait = max(wait, verdict.retry_after)  # honoured, never shortened by jitter
    retry_at = now + wait
    start = first_enqueued(message)
    if failures >= policy.max_attempts or retry_at - start > policy.give_up_after:
        limits = f"limits {policy.max_attempts} attempts, {_age(policy.give_up_after)}"
        reason = f"gave up after {failures} attempt(s) ({limits})"
        return _reject(
            message,
            deps,
            webhook_id=webhook_id,
            key=key,
            reason=f"{reason}: {verdict.error}",
            status=verdict.status,
        )
    base = origin_id(message)
    suffix = f"~{key}~r{failures + 1}"
    copy = copy_of(
        message,
        message_id=base[: MAX_MESSAGE_ID - len(suffix)] + suffix,
        properties={
            PROP_ATTEMPT: failures + 1,
            PROP_FIRST_ENQUEUED: start.astimezone(UTC).isoformat(),
            PROP_ORIGIN_ID: base,
            PROP_WEBHOOK_ID: webhook_id,
            PROP_ENDPOINT: key,
            PROP_LAST_ERROR: verdict.error[:_MAX_REASON],
        },
        scheduled_enqueue_time=retry_at,
    )
    deps.bus.send(deps.queue, [copy])
    deps.logger.warning(
        "webhook %s to endpoint %s failed (%s, attempt %d): retry at %s",
        webhook_id,
        key,
        verdict.error,
        failures,
        retry_at.isoformat(timespec="seconds"),
    )
    return EndpointOutcome(key, "retry_scheduled", verdict.error, verdict.status, retry_at)


def _age(age: timedelta) -> str:
    minutes = age.total_seconds() / 60
    return f"{minutes / 60:g} h" if minutes >= 60 else f"{minutes:g} min"


def _reject(
    message: ReceivedMessage,
    deps: WebhookDeliveryDeps,
    *,
    webhook_id: str,
    key: str,
    reason: str,
    status: int | None = None,
) -> EndpointOutcome:
    """A dead letter for this endpoint: a copy in ``<queue>-rejected`` with its reason."""
    reason = reason[:_MAX_REASON]
    suffix = f"~{key}"
    base = origin_id(message)
    copy = copy_of(
        message,
        message_id=base[: MAX_MESSAGE_ID - len(suffix)] + suffix,
        properties={
            PROP_WEBHOOK_ID: webhook_id,
            PROP_ENDPOINT: key,
            PROP_REJECTED_REASON: reason,
            PROP_REJECTED_AT: deps.clock().astimezone(UTC).isoformat(),
        },
    )
    deps.bus.send(webhook_rejected_queue(deps.queue), [copy])
    deps.logger.warning("webhook %s to endpoint %s dead-lettered: %s", webhook_id, key, reason)
    METRICS.count(WEBHOOKS_FAILED)
    return EndpointOutcome(key, "rejected", reason, status)


def _reject_invalid(
    message: ReceivedMessage, webhook_id: str, exc: InvalidMessage, deps: WebhookDeliveryDeps
) -> WebhookDeliveryResult:
    reason = f"invalid webhook message: {exc.reason}: {exc.description}"[:_MAX_REASON]
    copy = copy_of(
        message,
        message_id=message.message_id,  # a second rejection is dropped as a duplicate
        properties={
            PROP_REJECTED_REASON: reason,
            PROP_REJECTED_AT: deps.clock().astimezone(UTC).isoformat(),
        },
    )
    deps.bus.send(webhook_rejected_queue(deps.queue), [copy])
    deps.logger.warning("webhook message %s rejected: %s", message.message_id, exc.reason)
    return WebhookDeliveryResult(webhook_id[:128], rejected_reason=reason)
