"""The queues as ops see them through the API: counts, failed messages listed by metadata only
(never a body: bodies hold personal data), and replays that put them back on their queue, on
the embedded SQLite queue, idempotently."""

from __future__ import annotations

import json
import logging
import uuid
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from cityzen_connector.api import ApiResponse
from cityzen_connector.messaging import (
    PROP_SCHEMA,
    PROP_VERSION,
    BusUnavailableError,
    OutgoingMessage,
    open_bus,
)
from cityzen_connector.store import SubmissionStatuses
from cityzen_connector.sync.pipeline import PROP_REJECTED_REASON, rejected_queue, sweep_dead_letters
from tests.support.ops import CASE_EVENTS, OID, call, dead_letter, ops_token, with_ops
from tests.support.schema_check import check_response
from tests.support.world import QUEUE, FlakyBus, World, make_world, submission

SECRET = b'{"citizen": {"family_name": "Delacroix", "email": "marianne@example.org"}}'
LIST, REPLAY = "/v1/ops/dead-letters", "/v1/ops/dead-letters/replay"


@pytest.fixture
def world() -> World:
    world = make_world()
    with_ops(world)
    return world


def listing(world: World, **query: str) -> ApiResponse:
    response = call(world, "GET", LIST, ops_token(world), query=query)
    check_response("GET", LIST, response)
    return response


def replay(world: World, body: Any, **headers: str) -> ApiResponse:
    response = call(world, "POST", REPLAY, ops_token(world), body=body, headers=headers)
    check_response("POST", REPLAY, response)
    return response


def reject(world: World, message_id: str, body: bytes = SECRET) -> None:
    """A message our code refused: a copy in ``<queue>-rejected`` with a reason."""
    props = {PROP_REJECTED_REASON: "invalid: theme unknown", PROP_SCHEMA: "cityzen.submission"}
    props[PROP_VERSION] = 1
    message = OutgoingMessage(body=body, message_id=message_id, application_properties=props)
    world.bus.send(rejected_queue(QUEUE), [message])


def test_counts_each_queue_and_its_failed_messages(world: World) -> None:
    world.bus.send(QUEUE, [OutgoingMessage(body=b"{}", message_id="waiting")])
    dead_letter(world.bus, QUEUE, SECRET, "dead-1", "MaxDeliveryCountExceeded")
    reject(world, "rejected-1")
    reject(world, "rejected-2")
    response = call(world, "GET", "/v1/ops/queues", ops_token(world))
    check_response("GET", "/v1/ops/queues", response)
    first = response.json()["queues"][0]
    assert first == {
        "name": "submissions",
        "role": "submissions",
        "state": "ok",
        "active": 1,
        "scheduled": 0,
        "locked": 0,
        "dead_letter": 1,
        "rejected_queue": "submissions-rejected",
        "rejected": 2,
    }


def test_a_queue_the_bus_cannot_count_is_unavailable_and_the_others_still_answer(
    world: World,
) -> None:
    world.bus.fail_stats = True
    response = call(world, "GET", "/v1/ops/queues", ops_token(world))
    check_response("GET", "/v1/ops/queues", response)
    assert response.status == 200
    assert {q["state"] for q in response.json()["queues"]} == {"unavailable"}
    assert response.json()["queues"][0]["active"] is None


def test_dead_letters_are_listed_by_metadata_never_by_body(world: World) -> None:
    dead_letter(world.bus, QUEUE, SECRET, "dead-1", "MaxDeliveryCountExceeded")
    reject(world, "rejected-1")
    response = listing(world, queue="submissions")
    assert response.status == 200
    assert response.headers["Cache-Control"] == "no-store"
    items = response.json()["items"]
    assert [(i["source"], i["message_id"]) for i in items] == [
        ("deadletter", "dead-1"),
        ("rejected", "rejected-1"),
    ]
    assert items[0]["reason"] == "MaxDeliveryCountExceeded"
    assert items[0]["description"] == "test: delivered too often"
    assert items[0]["delivery_count"] == 1
    assert items[1]["reason"] == "invalid: theme unknown"
    assert items[1]["schema"] == "cityzen.submission/v1"
    assert set(items[0]) == {
        "message_id",
        "source",
        "sequence_number",
        "enqueued_time",
        "delivery_count",
        "reason",
        "description",
        "schema",
    }
    for secret in (b"Delacroix", b"marianne@example.org", b"body"):
        assert secret not in response.body
    # Peeking locks nothing and counts no delivery: the messages are as they were.
    again = listing(world, queue="submissions").json()["items"]
    assert [i["delivery_count"] for i in again] == [1, 0]


def test_pages_go_through_both_sources_once_each(world: World) -> None:
    for n in range(5):
        dead_letter(world.bus, QUEUE, b"{}", f"dead-{n}", "TTLExpiredException")
    for n in range(3):
        reject(world, f"rejected-{n}")
    seen: list[str] = []
    tokens: list[str | None] = []
    query = {"queue": "submissions", "page_size": "3"}
    while True:
        page = listing(world, **query).json()
        seen += [item["message_id"] for item in page["items"]]
        tokens.append(page["next_page_token"])
        if page["next_page_token"] is None:
            break
        query["page_token"] = page["next_page_token"]
    assert seen == [*(f"dead-{n}" for n in range(5)), *(f"rejected-{n}" for n in range(3))]
    assert str(tokens[0]).startswith("deadletter:")
    assert str(tokens[1]).startswith("rejected:")
    only = listing(world, queue="submissions", source="rejected").json()["items"]
    assert [i["message_id"] for i in only] == ["rejected-0", "rejected-1", "rejected-2"]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({}, "query.queue"),
        ({"queue": "submissions", "page_size": "0"}, "query.page_size"),
        ({"queue": "submissions", "page_size": "201"}, "query.page_size"),
        ({"queue": "submissions", "page_size": "٣"}, "query.page_size"),
        ({"queue": "submissions", "page_size": "9" * 5000}, "query.page_size"),
        ({"queue": "submissions", "source": "inbox"}, "query.source"),
        ({"queue": "submissions", "page_token": "deadletter:x"}, "query.page_token"),
        ({"queue": "sub missions"}, "query.queue"),
    ],
)
def test_bad_query_parameters_are_a_422_naming_each(
    world: World, query: dict[str, str], field: str
) -> None:
    response = listing(world, **query)
    assert response.status == 422
    assert [e["field"] for e in response.json()["errors"]] == [field]


def test_a_queue_the_connector_does_not_use_is_a_404(world: World) -> None:
    assert listing(world, queue="payroll").status == 404
    assert replay(world, {"queue": "payroll", "all": True}).status == 404


def test_replay_round_trip_on_the_embedded_queue(tmp_path: Path) -> None:
    world = make_world()
    bus = open_bus(f"sqlite:///{tmp_path / 'queue.db'}", clock=world.clock)
    with_ops(world, bus=bus)
    body = json.dumps({"payload": submission()}).encode()
    dead_letter(bus, QUEUE, body, "dead-1", "MaxDeliveryCountExceeded")
    first = replay(world, {"queue": "submissions", "message_ids": ["dead-1", "never-there"]})
    assert first.status == 200
    result = first.json()
    (replayed,) = result["replayed"]
    assert (replayed["message_id"], replayed["source"]) == ("dead-1", "deadletter")
    assert result["not_found"] == ["never-there"]
    (back,) = bus.peek(QUEUE, max_messages=10)
    assert back.message_id == replayed["new_message_id"]
    assert back.body == body
    assert bus.stats(QUEUE).dead_letter == 0
    # Idempotent: the same request again replays nothing and says so.
    second = replay(world, {"queue": "submissions", "message_ids": ["dead-1"]}).json()
    assert second == {"queue": "submissions", "replayed": [], "not_found": ["dead-1"]}
    assert len(bus.peek(QUEUE, max_messages=10)) == 1


def test_replay_all_takes_the_oldest_up_to_the_limit_across_sources(world: World) -> None:
    dead_letter(world.bus, CASE_EVENTS, b"{}", "event-dead", "MaxDeliveryCountExceeded")
    world.bus.send(
        rejected_queue(CASE_EVENTS),
        [OutgoingMessage(body=b"{}", message_id=f"event-{n}") for n in range(3)],
    )
    result = replay(world, {"queue": "case-events", "all": True, "limit": 2}).json()
    assert [(r["source"], r["message_id"]) for r in result["replayed"]] == [
        ("deadletter", "event-dead"),
        ("rejected", "event-0"),
    ]
    left = world.bus.peek(rejected_queue(CASE_EVENTS), max_messages=10)
    assert [m.message_id for m in left] == ["event-1", "event-2"]
    assert len(world.bus.peek(CASE_EVENTS, max_messages=10)) == 2


def test_a_limit_written_as_an_integral_number_is_an_integer(world: World) -> None:
    # JSON Schema's "integer" is any number with no fractional part: 2.0 is one (schemathesis
    # sends it), and a strict model must not refuse what the document allows.
    world.bus.send(
        rejected_queue(CASE_EVENTS),
        [OutgoingMessage(body=b"{}", message_id=f"event-{n}") for n in range(3)],
    )
    result = replay(world, {"queue": "case-events", "all": True, "limit": 2.0})
    assert result.status == 200, result.body
    assert len(result.json()["replayed"]) == 2


def test_a_replayed_submission_is_queued_again(world: World) -> None:
    body = submission()
    assert world.post_json(body).status == 202
    (message,) = world.bus.receive(QUEUE, max_messages=1)
    world.bus.dead_letter(message, reason="MaxDeliveryCountExceeded", description="")
    statuses = SubmissionStatuses(world.store, clock=world.clock, retention=timedelta(days=30))
    assert sweep_dead_letters(world.bus, statuses, QUEUE).marked_failed == 1
    status = world.request("GET", f"/v1/requests/{body['id']}")
    assert status.json()["status"] == "failed"
    result = replay(world, {"queue": "submissions", "message_ids": [message.message_id]})
    assert len(result.json()["replayed"]) == 1
    assert world.request("GET", f"/v1/requests/{body['id']}").json()["status"] == "queued"


@pytest.mark.parametrize(
    ("body", "status"),
    [
        (b"{", 400),
        ({"queue": "submissions"}, 422),
        ({"queue": "submissions", "all": True, "message_ids": ["a"]}, 422),
        ({"queue": "submissions", "message_ids": []}, 422),
        ({"queue": "submissions", "message_ids": [f"id-{n}" for n in range(101)]}, 422),
        ({"queue": "submissions", "message_ids": ["with space"]}, 422),
        ({"queue": "submissions", "all": True, "limit": 501}, 422),
        ({"queue": "submissions", "all": True, "limit": "10"}, 422),
        ({"queue": "submissions", "all": True, "limit": 2.5}, 422),
        ({"queue": "submissions", "all": True, "limit": True}, 422),
        ({"queue": "submissions", "all": False}, 422),
        ([], 422),
    ],
)
def test_a_bad_replay_body_is_refused_and_replays_nothing(
    world: World, body: Any, status: int
) -> None:
    reject(world, "rejected-1")
    response = replay(world, body)
    assert response.status == status, response.body
    assert [m.message_id for m in world.bus.peek(rejected_queue(QUEUE))] == ["rejected-1"]


def test_a_replay_body_larger_than_any_replay_request_is_refused_unread(world: World) -> None:
    ids = ["x" * 128] * 100_000
    response = replay(world, {"queue": "submissions", "message_ids": ids})
    assert response.status == 413
    assert response.json()["code"] == "payload_too_large"


def test_replay_wants_json(world: World) -> None:
    response = replay(world, b"queue=submissions", **{"Content-Type": "text/plain"})
    assert response.status == 415


def test_every_ops_action_is_logged_with_the_object_id_and_figures_only(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    dead_letter(world.bus, QUEUE, SECRET, "dead-1", "MaxDeliveryCountExceeded")
    typed = str(uuid.uuid4())
    with caplog.at_level(logging.INFO, logger="cityzen_connector.audit"):
        listing(world, queue="submissions")
        replay(world, {"queue": "submissions", "message_ids": ["dead-1", typed]})
    lines = [r.getMessage() for r in caplog.records if r.name == "cityzen_connector.audit"]
    assert lines == [
        f"ops action=dead_letters.list oid={OID} queue=submissions source=all count=1",
        f"ops action=dead_letters.replay oid={OID} queue=submissions source=all selection=ids"
        " requested=2 replayed=1 not_found=1",
    ]
    for secret in ("Delacroix", "marianne@example.org", typed, "dead-1"):
        assert secret not in caplog.text


@dataclass
class FailingLater(FlakyBus):
    """A real bus whose ``send`` fails from the ``fail_from``-th call on, and whose ``peek``
    can be made to fail: the queue going away half-way."""

    fail_from: int | None = None
    sends: int = 0
    fail_peek: bool = False

    def send(self, queue: str, messages: Any) -> None:
        self.sends += 1
        if self.fail_from is not None and self.sends >= self.fail_from:
            raise BusUnavailableError("queue down (test)")
        self.inner.send(queue, messages)

    def peek(self, *args: Any, **kwargs: Any) -> Any:
        if self.fail_peek:
            raise BusUnavailableError("queue down (test)")
        return self.inner.peek(*args, **kwargs)


def test_a_replay_cut_short_is_audited_answered_503_and_finished_by_asking_again(
    caplog: pytest.LogCaptureFixture,
) -> None:
    world = make_world()
    bus = FailingLater(world.bus.inner)
    with_ops(world, bus=bus)
    for n in range(3):
        reject(world, f"rejected-{n}")  # sent through world.bus: the same queue underneath
    bus.fail_from = 2  # the first copy goes out, the second does not
    body = {"queue": "submissions", "message_ids": ["rejected-0", "rejected-1", "rejected-2"]}
    with caplog.at_level(logging.INFO, logger="cityzen_connector.audit"):
        cut = replay(world, body)
    assert cut.status == 503
    assert cut.headers["Retry-After"] == "30"
    assert cut.json()["detail"] == "1 message(s) replayed before it failed"
    assert f"oid={OID} queue=submissions source=all selection=ids requested=3 replayed=1" in (
        caplog.text
    )
    assert "outcome=interrupted" in caplog.text
    left = [m.message_id for m in world.bus.peek(rejected_queue(QUEUE), max_messages=10)]
    assert left == ["rejected-1", "rejected-2"]  # untouched, where they were
    bus.fail_from = None
    again = replay(world, body).json()
    assert [r["message_id"] for r in again["replayed"]] == ["rejected-1", "rejected-2"]
    assert again["not_found"] == ["rejected-0"]
    assert len(world.bus.peek(QUEUE, max_messages=10)) == 3


def test_listing_while_the_queue_is_unreachable_is_a_503_to_retry() -> None:
    world = make_world()
    bus = FailingLater(world.bus.inner, fail_peek=True)
    with_ops(world, bus=bus)
    response = listing(world, queue="submissions")
    assert response.status == 503
    assert response.headers["Retry-After"] == "30"
