"""Delivering the webhook outbox, as the portal sees it on the wire (``responses`` plays the
portal): signed requests, back-off, dead letters with reasons, several endpoints."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from email.utils import format_datetime

import pytest
import requests
import responses

from cityzen_connector._metrics import WEBHOOKS_DELIVERED, WEBHOOKS_FAILED
from cityzen_connector.cases import WebhookRetryPolicy, deliver_webhook_message, endpoint_key
from cityzen_connector.messaging import BusUnavailableError, OutgoingMessage
from cityzen_connector.sync.pipeline import replay
from tests.support.metrics import read_metrics
from tests.support.webhooks import SECRET, package_signature_matches

from .webhook_world import ANALYTICS, NOW, PORTAL, QUEUE, World, status_changed, world

PORTAL_KEY, ANALYTICS_KEY = endpoint_key(PORTAL), endpoint_key(ANALYTICS)


@pytest.fixture
def portal() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


def _headers(call: responses.Call) -> dict[str, str]:
    return {k.lower(): v for k, v in call.request.headers.items()}


def _body(call: responses.Call) -> bytes:
    body = call.request.body
    assert isinstance(body, bytes)
    return body


def _reason(w: World) -> str:
    (dead,) = w.rejected()
    value = dead.application_properties["cityzen-rejected-reason"]
    assert isinstance(value, str)
    return value


def test_a_status_change_reaches_the_portal_signed_over_the_exact_bytes_queued(
    portal: responses.RequestsMock,
) -> None:
    portal.add(responses.POST, PORTAL, status=204)
    w = world()
    w.publish()
    queued = w.waiting()[0].body
    result = w.deliver_next()
    assert result is not None
    assert result.action == "delivered"
    (call,) = portal.calls
    headers = _headers(call)
    assert call.request.method == "POST"
    assert call.request.url == PORTAL
    assert _body(call) == queued
    assert headers["content-type"] == "application/json"
    assert headers["webhook-id"] == "evt_01"
    assert headers["webhook-timestamp"] == str(int(NOW.timestamp()))  # the attempt's, seconds
    assert package_signature_matches(SECRET, _body(call), headers)
    assert json.loads(_body(call)) == {
        "type": "request.status_changed",
        "timestamp": "2026-12-03T09:29:55Z",
        "data": {
            "request_id": "4f1c9a52-7a1e-4d0b-9c57-0c1f7f1f2b10",
            "ticket_number": "CAS-01042-X7Y8Z9",
            "status": "resolved",
            "label": {"fr": "Résolue", "en": "Resolved"},
            "closed": True,
        },
    }
    assert w.waiting() == []
    assert w.rejected() == []


def test_receiver_down_then_delivered_later_once_with_the_same_id(
    portal: responses.RequestsMock,
) -> None:
    portal.add(responses.POST, PORTAL, body=requests.ConnectionError("connection refused"))
    portal.add(responses.POST, PORTAL, status=200)
    w = world()
    w.publish()
    first = w.deliver_next()
    assert first is not None
    assert first.action == "retry_scheduled"
    assert first.outcomes[0].retry_at == NOW + timedelta(seconds=30)  # retry_initial_delay
    w.advance(timedelta(seconds=29))
    assert w.deliver_next() is None  # not before its time
    w.advance(timedelta(seconds=1))
    second = w.deliver_next()
    assert second is not None
    assert second.action == "delivered"
    assert w.deliver_next() is None  # once: nothing else is waiting
    assert w.rejected() == []
    ids = [_headers(c)["webhook-id"] for c in portal.calls]
    assert ids == ["evt_01", "evt_01"]
    later = _headers(portal.calls[1])
    assert later["webhook-timestamp"] == str(int(NOW.timestamp()) + 30)  # a fresh attempt time
    assert package_signature_matches(SECRET, _body(portal.calls[1]), later)


@pytest.mark.parametrize("status", [400, 401, 403, 404, 410, 413, 422, 301, 302])
def test_a_refusal_is_dead_lettered_at_once_with_a_reason_naming_the_status(
    portal: responses.RequestsMock, status: int
) -> None:
    # A redirect is not followed: the Location below is not mocked, following it would fail.
    portal.add(
        responses.POST,
        PORTAL,
        status=status,
        body="the receiver's own words: Jeanne Dupont",
        headers={"Location": "https://elsewhere.example.fr/"} if status < 400 else {},
    )
    w = world()
    w.publish()
    result = w.deliver_next()
    assert result is not None
    assert result.action == "rejected"
    assert len(portal.calls) == 1
    reason = _reason(w)
    assert reason.startswith(f"HTTP {status}:")
    assert "Jeanne" not in reason
    assert "portal.example.fr" not in reason
    assert "token" not in reason
    (dead,) = w.rejected()
    assert dead.application_properties["cityzen-webhook-id"] == "evt_01"
    assert dead.application_properties["cityzen-webhook-endpoint"] == PORTAL_KEY
    assert w.waiting() == []  # no retry


def test_410_gone_tells_the_operator_to_remove_the_endpoint(
    portal: responses.RequestsMock,
) -> None:
    portal.add(responses.POST, PORTAL, status=410)
    w = world()
    w.publish()
    w.deliver_next()
    assert _reason(w) == "HTTP 410: the receiver asks to stop; remove the endpoint"


@pytest.mark.parametrize(
    ("reply", "error"),
    [
        (408, "HTTP 408"),
        (409, "HTTP 409"),
        (425, "HTTP 425"),
        (429, "HTTP 429"),
        (500, "HTTP 500"),
        (502, "HTTP 502"),
        (503, "HTTP 503"),
        (504, "HTTP 504"),
        (requests.ReadTimeout("read timed out"), "timeout"),
        (requests.ConnectTimeout("connect timed out"), "timeout"),
        (requests.ConnectionError("reset by peer"), "connection"),
        (requests.exceptions.SSLError("certificate verify failed"), "tls"),
    ],
)
def test_a_transient_failure_is_retried_with_back_off_for_this_endpoint(
    portal: responses.RequestsMock, reply: int | Exception, error: str
) -> None:
    if isinstance(reply, int):
        portal.add(responses.POST, PORTAL, status=reply)
    else:
        portal.add(responses.POST, PORTAL, body=reply)
    w = world()
    w.publish()
    queued = w.waiting()[0].body
    result = w.deliver_next()
    assert result is not None
    assert result.action == "retry_scheduled"
    (copy,) = w.waiting()
    assert copy.body == queued  # the same bytes, signed again at the next attempt
    props = copy.application_properties
    assert props["cityzen-webhook-id"] == "evt_01"
    assert props["cityzen-webhook-endpoint"] == PORTAL_KEY
    assert props["cityzen-attempt"] == 2
    assert props["cityzen-last-error"] == error
    assert w.rejected() == []


@pytest.mark.parametrize(
    ("retry_after", "seconds"),
    [
        ("120", 120),  # longer than the back-off: honoured
        ("5", 30),  # shorter: the back-off still applies
        (format_datetime(NOW + timedelta(minutes=10), usegmt=True), 600),  # an HTTP-date
        ("soon", 30),  # unreadable: ignored
    ],
)
def test_429_waits_as_long_as_retry_after_asks(
    portal: responses.RequestsMock, retry_after: str, seconds: int
) -> None:
    portal.add(responses.POST, PORTAL, status=429, headers={"Retry-After": retry_after})
    portal.add(responses.POST, PORTAL, status=200)
    w = world()
    w.publish()
    result = w.deliver_next()
    assert result is not None
    assert result.outcomes[0].retry_at == NOW + timedelta(seconds=seconds)
    w.advance(timedelta(seconds=seconds - 1))
    assert w.deliver_next() is None
    w.advance(timedelta(seconds=1))
    again = w.deliver_next()
    assert again is not None
    assert again.action == "delivered"


def test_jitter_only_shortens_the_back_off_delay() -> None:
    policy = WebhookRetryPolicy()
    assert policy.delay(1, 0.0) == timedelta(seconds=30)
    assert policy.delay(1, 0.5) == timedelta(seconds=27)
    assert policy.delay(3, 0.0) == timedelta(seconds=120)
    assert policy.delay(50, 0.0) == timedelta(minutes=15)  # the cap
    assert timedelta(minutes=12) <= policy.delay(50, 0.9999) <= timedelta(minutes=15)


def test_past_the_give_up_age_the_event_is_dead_lettered_then_replayed_with_its_id(
    portal: responses.RequestsMock,
) -> None:
    portal.add(responses.POST, PORTAL, status=503)
    policy = WebhookRetryPolicy(
        initial_delay=timedelta(seconds=30),
        max_delay=timedelta(seconds=60),
        give_up_after=timedelta(minutes=5),
    )
    w = world(retry=policy)
    w.publish()
    while not w.rejected():
        result = w.deliver_next()
        assert result is not None
        if result.action == "retry_scheduled":
            at = result.outcomes[0].retry_at
            assert at is not None
            w.clock.set(at)
    # Attempts at 0, 30, 90, 150, 210 and 270 s; the next would be past 5 min.
    assert len(portal.calls) == 6
    assert _reason(w) == "gave up after 6 attempt(s) (limits 300 attempts, 5 min): HTTP 503"
    assert w.waiting() == []
    # The portal is back; an operator replays the dead letter (`cityzen queue dead replay`).
    portal.replace(responses.POST, PORTAL, status=200)
    report = replay(w.bus, QUEUE, source="rejected", now=w.clock())
    assert report.replayed == 1
    result = w.deliver_next()
    assert result is not None
    assert result.action == "delivered"
    assert {_headers(c)["webhook-id"] for c in portal.calls} == {"evt_01"}


def test_past_the_attempt_count_the_event_is_dead_lettered(
    portal: responses.RequestsMock,
) -> None:
    portal.add(responses.POST, PORTAL, status=500)
    w = world(retry=WebhookRetryPolicy(max_attempts=2))
    w.publish()
    w.deliver_next()
    w.advance(timedelta(seconds=30))
    w.deliver_next()
    assert _reason(w) == "gave up after 2 attempt(s) (limits 2 attempts, 72 h): HTTP 500"


def _raw(w: World, body: bytes, *, message_id: str = "evt_bad", content_type: str = "") -> None:
    w.bus.send(
        QUEUE,
        [
            OutgoingMessage(
                body=body, message_id=message_id, content_type=content_type or "application/json"
            )
        ],
    )


GOOD = json.dumps(
    {"type": "request.status_changed", "timestamp": "2026-12-03T09:29:55Z", "data": {}}
).encode()


@pytest.mark.parametrize(
    ("body", "options", "code"),
    [
        (
            json.dumps(
                {
                    "type": "request.status_changed",
                    "timestamp": "2026-12-03T09:29:55Z",
                    "data": {"note": "Jeanne Dupont " * 1600},
                }
            ).encode(),
            {},
            "MessageTooLarge: body of 22",
        ),
        (b"Jeanne Dupont, 3 rue des Lilas", {}, "InvalidWebhookEvent"),
        (b'["Jeanne Dupont"]', {}, "InvalidWebhookEvent"),
        (b'{"type":"request.status_changed","timestamp":"2026-12-03T09:29:55Z"}', {}, "Invalid"),
        (b'{"type":"a","timestamp":"2026-12-03T09:29:55","data":{}}', {}, "InvalidWebhookEvent"),
        (b"\xff\xfeJeanne", {}, "InvalidWebhookEvent"),
        (b"[" * 20000, {}, "InvalidWebhookEvent"),
        (GOOD.replace(b"request.status_changed", b"Jeanne Dupont"), {}, "InvalidWebhookEvent"),
        (GOOD, {"content_type": "text/plain"}, "InvalidContentType"),
        (GOOD, {"message_id": "evt.1"}, "InvalidWebhookId"),
    ],
)
def test_a_malformed_or_oversized_outbox_message_is_dead_lettered_with_its_reason(
    portal: responses.RequestsMock, body: bytes, options: dict[str, str], code: str
) -> None:
    w = world()
    _raw(w, body, **options)
    result = w.deliver_next()
    assert result is not None
    assert result.action == "rejected"
    assert len(portal.calls) == 0  # nothing was sent to the portal
    reason = _reason(w)
    assert reason.startswith("invalid webhook message: " + code)
    assert "Jeanne" not in reason
    assert w.waiting() == []


def test_two_endpoints_one_failing_only_the_failing_one_is_sent_it_again(
    portal: responses.RequestsMock,
) -> None:
    portal.add(responses.POST, PORTAL, status=200)
    portal.add(responses.POST, ANALYTICS, status=503)
    portal.add(responses.POST, ANALYTICS, status=200)
    w = world((PORTAL, ANALYTICS))
    w.publish()
    first = w.deliver_next()
    assert first is not None
    assert {(o.endpoint, o.action) for o in first.outcomes} == {
        (PORTAL_KEY, "delivered"),
        (ANALYTICS_KEY, "retry_scheduled"),
    }
    w.advance(timedelta(seconds=30))
    second = w.deliver_next()
    assert second is not None
    assert [(o.endpoint, o.action) for o in second.outcomes] == [(ANALYTICS_KEY, "delivered")]
    urls = [c.request.url for c in portal.calls]
    assert urls.count(PORTAL) == 1
    assert urls.count(ANALYTICS) == 2
    assert {_headers(c)["webhook-id"] for c in portal.calls} == {"evt_01"}
    assert w.deliver_next() is None


def test_a_retry_for_an_endpoint_removed_from_the_settings_is_dead_lettered(
    portal: responses.RequestsMock,
) -> None:
    portal.add(responses.POST, PORTAL, status=200)
    portal.add(responses.POST, ANALYTICS, status=503)
    w = world((PORTAL, ANALYTICS))
    w.publish()
    w.deliver_next()
    only_portal = world((PORTAL,)).deps.config
    w.deps = replace(w.deps, config=only_portal)
    w.advance(timedelta(seconds=30))
    w.deliver_next()
    assert _reason(w) == (
        f"endpoint {ANALYTICS_KEY} is no longer configured (CITYZEN_WEBHOOK_URLS)"
    )
    assert [c.request.url for c in portal.calls] == [PORTAL, ANALYTICS]


def test_without_an_endpoint_the_event_is_completed_unsent(portal: responses.RequestsMock) -> None:
    w = world((), secrets="")
    w.publish()
    result = w.deliver_next()
    assert result is not None
    assert result.action == "no_endpoint"
    assert w.waiting() == []
    assert w.rejected() == []


def test_a_redelivery_after_a_crash_does_not_double_the_retry_or_the_dead_letter(
    portal: responses.RequestsMock,
) -> None:
    portal.add(responses.POST, PORTAL, status=503)
    portal.add(responses.POST, ANALYTICS, status=410)
    w = world((PORTAL, ANALYTICS))
    w.publish()
    message = w.receive()
    assert message is not None
    deliver_webhook_message(message, w.deps)
    deliver_webhook_message(message, w.deps)  # the same delivery again (lock lost, crash)
    assert len(w.waiting()) == 2  # the original (still locked) and ONE retry copy
    assert len(w.rejected()) == 1  # one dead letter


class _BusDown:
    """The bus refuses every send (an outage of Service Bus itself)."""

    def send(self, queue: str, messages: object) -> None:
        raise BusUnavailableError("the bus is down (test)")


def test_when_a_retry_cannot_be_queued_the_message_is_not_settled_so_nothing_is_lost(
    portal: responses.RequestsMock,
) -> None:
    portal.add(responses.POST, PORTAL, status=503)
    w = world()
    w.publish()
    message = w.receive()
    assert message is not None
    down = replace(w.deps, bus=_BusDown())
    with pytest.raises(BusUnavailableError):
        deliver_webhook_message(message, down)  # the trigger raises: the runtime abandons
    w.bus.abandon(message)
    again = w.deliver_next()  # redelivered at once, and now the retry copy is queued
    assert again is not None
    assert again.action == "retry_scheduled"


def test_logs_hold_ids_and_statuses_never_a_secret_a_signature_a_url_or_the_payload(
    portal: responses.RequestsMock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("DEBUG")
    portal.add(responses.POST, PORTAL, status=200)
    portal.add(responses.POST, ANALYTICS, status=503)
    w = world((PORTAL, ANALYTICS))
    w.publish(status_changed("evt_01"))
    w.deliver_next()
    portal.replace(responses.POST, ANALYTICS, status=401)
    w.advance(timedelta(seconds=30))
    w.deliver_next()
    _raw(w, b'{"note": "Jeanne Dupont"}')
    w.deliver_next()
    text = caplog.text
    assert "evt_01" in text
    assert "HTTP 503" in text
    assert "HTTP 401" in text
    signatures = [_headers(c)["webhook-signature"] for c in portal.calls]
    forbidden = [
        SECRET,
        SECRET.removeprefix("whsec_")[:16],
        *(s.split(",")[1][:16] for sig in signatures for s in sig.split(" ")),
        "portal.example.fr",
        "analytics.example.fr",
        "portal-side-token",
        "4f1c9a52",  # request id
        "CAS-01042",  # ticket
        "Résolue",
        "Jeanne",
    ]
    for secret_or_payload in forbidden:
        assert secret_or_payload not in text, secret_or_payload


def test_deliveries_and_give_ups_are_counted_per_endpoint(
    portal: responses.RequestsMock,
) -> None:
    portal.add(responses.POST, PORTAL, status=204)
    portal.add(responses.POST, PORTAL, status=410)
    w = world()
    with read_metrics() as readings:
        w.publish()
        w.deliver_next()
        w.publish(status_changed(event_id="evt_02"))
        w.deliver_next()
        assert readings.total(WEBHOOKS_DELIVERED) == 1
        assert readings.total(WEBHOOKS_FAILED) == 1
