"""``POST /api/v1/requests/{id}/messages``: the citizen who filed a request writes on it while it
is open — queued as ``cityzen.case-message/v1``, in the thread at once; malformed and hostile
bodies refused with the field named; a closed request a 409 ``request_closed`` in French and
English; someone else's request a 404; the same message sent twice one message."""

from __future__ import annotations

import json
import logging
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest

from cityzen_connector.cases import CaseChange
from cityzen_connector.models import CASE_MESSAGE_SCHEMA
from tests.api.test_request_messages import _named, _world
from tests.support.schema_check import check_response
from tests.support.world import JPEG, World, multipart, submission

TEXT = "Voici la photo demandée, le trou est devant le n° 12."


def _filed(world: World) -> tuple[str, dict[str, str]]:
    body = submission()
    assert world.post_json(body).status == 202
    return body["id"], _named(body)


def _post(world: World, request_id: str, headers: dict[str, str], body: Any, **extra: str) -> Any:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    merged = {"Content-Type": "application/json", **headers, **extra}
    return world.request("POST", f"/v1/requests/{request_id}/messages", raw, merged)


def _queued_messages(world: World) -> list[dict[str, Any]]:
    return [m for m in world.queued() if m.get("schema") == CASE_MESSAGE_SCHEMA]


def test_a_message_is_accepted_queued_and_in_the_thread_at_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    world = _world()
    request_id, named = _filed(world)
    answer = _post(world, request_id, named, {"text": TEXT})
    assert answer.status == 202, answer.body
    check_response("POST", "/v1/requests/{id}/messages", answer)
    accepted = json.loads(answer.body)
    assert accepted["request_id"] == request_id
    assert accepted["status"] == "queued"
    [queued] = _queued_messages(world)
    assert queued["payload"]["text"] == TEXT
    assert queued["payload"]["message_id"] == accepted["message_id"]
    thread = world.request("GET", f"/v1/requests/{request_id}/messages", headers=named)
    [shown] = json.loads(thread.body)["messages"]
    assert (shown["text"], shown["direction"]) == (TEXT, "from_citizen")
    assert TEXT not in caplog.text


def test_the_same_message_twice_is_one_message_and_another_text_under_its_id_a_409() -> None:
    world = _world()
    request_id, named = _filed(world)
    message_id = str(uuid.uuid4())
    first = _post(world, request_id, named, {"message_id": message_id, "text": TEXT})
    again = _post(world, request_id, named, {"message_id": message_id, "text": TEXT})
    assert (first.status, again.status) == (202, 202)
    assert json.loads(again.body)["message_id"] == message_id
    assert len(_queued_messages(world)) == 1  # the queue drops the repeated message id
    thread = world.request("GET", f"/v1/requests/{request_id}/messages", headers=named)
    assert len(json.loads(thread.body)["messages"]) == 1
    other = _post(world, request_id, named, {"message_id": message_id, "text": "autre chose"})
    assert other.status == 409
    assert json.loads(other.body)["code"] == "idempotency_conflict"


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        (b"{not json", 400, None),
        (b'["text"]', 422, "(body)"),  # as a submission's: a JSON object is expected
        (b'{"text": "a", "text": "b"}', 400, None),  # duplicate members
        (b"\xff\xfe", 400, None),
        ({}, 422, "text"),
        ({"text": ""}, 422, "text"),
        ({"text": "   \n"}, 422, "text"),
        ({"text": "x" * 2001}, 422, "text"),
        ({"text": 42}, 422, "text"),
        ({"text": "a\u0000b"}, 422, "text"),
        ({"text": "ok", "message_id": "not-a-uuid"}, 422, "message_id"),
        ({"text": "ok", "citizen": {"sub": "x"}}, 422, "citizen"),
        (b'{"text": "' + b"a" * 20_000 + b'"}', 413, None),
    ],
)
def test_malformed_and_hostile_bodies_are_refused_and_nothing_is_queued(
    body: Any, status: int, field: str | None
) -> None:
    world = _world()
    request_id, named = _filed(world)
    answer = _post(world, request_id, named, body)
    assert answer.status == status, answer.body
    assert answer.headers["Content-Type"] == "application/problem+json"
    if field is not None:
        assert field in [e["field"] for e in json.loads(answer.body)["errors"]]
    assert _queued_messages(world) == []


def _multipart(text: str, files: list[tuple[str, bytes]]) -> tuple[bytes, str]:
    body, kind = multipart({"text": text}, files)
    return body.replace(b'name="submission"', b'name="message"', 1), kind


def test_a_message_with_a_photo_is_checked_stored_as_a_blob_and_listed() -> None:
    world = _world()
    request_id, named = _filed(world)
    raw, kind = _multipart(TEXT, [("IMG_0042.HEIC.jpg", JPEG)])
    answer = _post(world, request_id, named, raw, **{"Content-Type": kind})
    assert answer.status == 202, answer.body
    [queued] = _queued_messages(world)
    [file] = queued["payload"]["attachments"]
    assert (file["media_type"], file["size"]) == ("image/jpeg", len(JPEG))
    assert world.blobs.get(file["blob_name"]) == JPEG
    thread = world.request("GET", f"/v1/requests/{request_id}/messages", headers=named)
    [shown] = json.loads(thread.body)["messages"]
    assert shown["attachments"] == [
        {"name": file["file_name"], "type": "image/jpeg", "size": len(JPEG)}
    ]


@pytest.mark.parametrize(
    ("files", "status"),
    [
        ([("photo.jpg", b"<script>alert(1)</script>")], 415),  # the name lies: the bytes decide
        ([("vide.jpg", b"")], 422),
        ([(f"p{i}.jpg", JPEG) for i in range(6)], 422),  # more than the submission's limit
    ],
)
def test_hostile_files_are_refused_as_a_submissions_are(
    files: list[tuple[str, bytes]], status: int
) -> None:
    world = _world()
    request_id, named = _filed(world)
    raw, kind = _multipart(TEXT, files)
    answer = _post(world, request_id, named, raw, **{"Content-Type": kind})
    assert answer.status == status, answer.body
    assert _queued_messages(world) == []


def test_a_malformed_multipart_or_another_type_is_refused() -> None:
    world = _world()
    request_id, named = _filed(world)
    answer = _post(world, request_id, named, b"--x\r\n", **{"Content-Type": "multipart/form-data"})
    assert answer.status == 400
    raw, kind = multipart({"text": TEXT}, [])  # its JSON part is not named "message"
    assert _post(world, request_id, named, raw, **{"Content-Type": kind}).status == 422
    answer = _post(world, request_id, named, b"text=hi", **{"Content-Type": "text/plain"})
    assert answer.status == 415
    assert _queued_messages(world) == []


def test_someone_elses_request_is_a_404_and_nothing_is_queued() -> None:
    world = _world()
    request_id, named = _filed(world)
    other = {**named, "CityZen-Citizen-Sub": "someone-else"}
    assert _post(world, request_id, other, {"text": TEXT}).status == 404
    assert _post(world, str(uuid.uuid4()), named, {"text": TEXT}).status == 404
    assert _queued_messages(world) == []


def test_a_closed_request_takes_no_message_409_in_french_and_english() -> None:
    world = _world()
    request_id, named = _filed(world)
    history = world.deps.case_history
    assert history is not None
    at = datetime(2026, 3, 2, 9, tzinfo=UTC)
    # The agent resolved the case (statecode 1, statuscode 5: "resolved" in the vocabulary).
    history.apply(
        CaseChange(
            uuid.uuid4(), "queue", "Update", "v9", at, 9, 1, 5, submission_id=uuid.UUID(request_id)
        )
    )
    answer = _post(world, request_id, named, {"text": TEXT})
    assert answer.status == 409
    problem = json.loads(answer.body)
    assert problem["code"] == "request_closed"
    assert problem["messages"] == {
        "fr": "Cette demande est close : elle ne reçoit plus de messages.",
        "en": "This request is closed: it takes no more messages.",
    }
    assert _queued_messages(world) == []


@pytest.mark.parametrize(("status", "reopen"), [(3, 1), (2, None), (1, None)])
def test_a_message_on_a_request_waiting_for_the_citizen_asks_to_reopen_it(
    status: int, reopen: int | None
) -> None:
    # mappings/status.toml: "Waiting for Details" (0, 3) has reopen_on_citizen_message.
    world = _world()
    request_id, named = _filed(world)
    history = world.deps.case_history
    assert history is not None
    at = datetime(2026, 3, 2, 9, tzinfo=UTC)
    change = CaseChange(
        uuid.uuid4(), "queue", "Update", "v4", at, 4, 0, status, submission_id=uuid.UUID(request_id)
    )
    history.apply(change)
    assert _post(world, request_id, named, {"text": TEXT}).status == 202
    [queued] = _queued_messages(world)
    assert queued["payload"]["reopen_status"] == reopen
