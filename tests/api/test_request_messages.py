"""``GET /api/v1/requests/{id}/messages``: the conversation on a request, oldest first, only
for the citizen who filed it — by bearer token, or the portal naming that citizen; anyone
else, and an unknown id, the same 404; the texts never in a log."""

from __future__ import annotations

import json
import logging
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from cityzen_connector.cases import (
    CaseChange,
    CaseHistory,
    CaseThreads,
    QueueWebhookOutbox,
    ThreadMessage,
)
from cityzen_connector.mapping import load_mappings
from tests.api.test_tokens import citizen_body, post, token, world_with_tokens
from tests.support.paths import MAPPINGS
from tests.support.schema_check import check_response
from tests.support.world import World, make_world, submission

TEXT = "Pouvez-vous envoyer une photo du trou ?"


def _conversation(world: World) -> tuple[CaseHistory, CaseThreads]:
    outbox = QueueWebhookOutbox(world.bus, "webhooks")
    statuses = load_mappings(MAPPINGS).statuses
    keep = timedelta(days=400)
    history = CaseHistory(world.store, outbox, statuses, clock=world.clock, retention=keep)
    threads = CaseThreads(world.store, outbox, history, clock=world.clock, retention=keep)
    return history, threads


def _world(**kwargs: Any) -> World:
    store_world = make_world()
    history, threads = _conversation(store_world)
    return make_world(store=store_world.store, case_history=history, case_threads=threads, **kwargs)


def _case_with_messages(world: World, request_id: str) -> uuid.UUID:
    """The request became a case; an agent wrote twice (the later one recorded first)."""
    history, threads = world.deps.case_history, world.deps.case_threads
    assert history is not None
    assert threads is not None
    case = uuid.uuid4()
    at = datetime(2026, 3, 2, 9, tzinfo=UTC)
    history.apply(
        CaseChange(case, "queue", "Create", "v1", at, 1, 0, 1, submission_id=uuid.UUID(request_id))
    )
    for minutes, version, text in ((5, 30, "Merci, c'est noté."), (0, 20, TEXT)):
        threads.record(
            ThreadMessage(
                uuid.uuid4(), case, "to_citizen", at + timedelta(minutes=minutes), version, text
            )
        )
    return case


def _named(body: dict[str, Any]) -> dict[str, str]:
    citizen = body["citizen"]
    return {"CityZen-Citizen-Issuer": citizen["issuer"], "CityZen-Citizen-Sub": citizen["sub"]}


def test_the_portal_reads_the_thread_of_the_citizen_it_names_oldest_first(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    world = _world()
    body = submission()
    assert world.post_json(body).status == 202
    _case_with_messages(world, body["id"])
    answer = world.request("GET", f"/v1/requests/{body['id']}/messages", headers=_named(body))
    assert answer.status == 200, answer.body
    check_response("GET", "/v1/requests/{id}/messages", answer)
    shown = json.loads(answer.body)
    assert shown["request_id"] == body["id"]
    assert [m["text"] for m in shown["messages"]] == [TEXT, "Merci, c'est noté."]
    assert {m["direction"] for m in shown["messages"]} == {"to_citizen"}
    assert answer.headers["Cache-Control"] == "private, no-store"
    assert TEXT not in caplog.text


def test_a_request_not_yet_a_case_has_an_empty_thread() -> None:
    world = _world()
    body = submission()
    assert world.post_json(body).status == 202
    answer = world.request("GET", f"/v1/requests/{body['id']}/messages", headers=_named(body))
    assert json.loads(answer.body)["messages"] == []


def test_someone_elses_request_and_an_unknown_one_are_the_same_404() -> None:
    world = _world()
    body = submission()
    assert world.post_json(body).status == 202
    _case_with_messages(world, body["id"])
    other = {**_named(body), "CityZen-Citizen-Sub": "someone-else"}
    for path, headers in (
        (f"/v1/requests/{body['id']}/messages", other),
        (f"/v1/requests/{uuid.uuid4()}/messages", _named(body)),
        ("/v1/requests/not-a-uuid/messages", _named(body)),
    ):
        answer = world.request("GET", path, headers=headers)
        assert answer.status == 404, path
        assert TEXT.encode() not in answer.body


def test_the_portal_must_name_the_citizen() -> None:
    world = _world()
    body = submission()
    assert world.post_json(body).status == 202
    answer = world.request("GET", f"/v1/requests/{body['id']}/messages")
    assert answer.status == 422
    assert answer.headers["Content-Type"] == "application/problem+json"


def test_a_citizen_reads_their_own_thread_with_their_token_and_nobody_elses() -> None:
    store_world = make_world()
    history, threads = _conversation(store_world)
    world, _ = world_with_tokens(
        store=store_world.store, case_history=history, case_threads=threads
    )
    filed = post(world, token(world), citizen_body())
    assert filed.status == 202, filed.body
    request_id = json.loads(filed.body)["id"]
    _case_with_messages(world, request_id)
    path = f"/v1/requests/{request_id}/messages"
    mine = world.request(
        "GET", path, headers={"Authorization": f"Bearer {token(world)}"}, key=False
    )
    assert mine.status == 200, mine.body
    assert len(json.loads(mine.body)["messages"]) == 2
    stranger = token(world, sub="another-citizen")
    theirs = world.request("GET", path, headers={"Authorization": f"Bearer {stranger}"}, key=False)
    assert theirs.status == 404
