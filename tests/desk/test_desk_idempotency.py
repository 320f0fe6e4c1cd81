"""A desk reply or question sent again with its Idempotency-Key (a retry after a lost answer)
writes nothing more and answers as the first time; the same key with another body is a 409
that writes nothing; another key, another agent or another case is another message."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from .conftest import Desk, problem_of

PNG = b"\x89PNG\r\n\x1a\n" + b"\x02" * 80


def keyed(key: str) -> dict[str, str]:
    return {"Idempotency-Key": key}


def messages(desk: Desk, ticket: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = desk.call("GET", f"/cases/{ticket}").json()["messages"]
    return found


def test_a_retried_reply_is_posted_once_and_answered_the_same(desk: Desk) -> None:
    ticket = desk.emulator.new_case()
    body = {"text": "Nous passons demain."}
    first = desk.call("POST", f"/cases/{ticket}/reply", json=body, headers=keyed("k-1"))
    again = desk.call("POST", f"/cases/{ticket}/reply", json=body, headers=keyed("k-1"))
    assert first.status_code == 201, first.text
    assert (again.status_code, again.json()) == (201, first.json())
    assert [m["text"] for m in messages(desk, ticket)] == ["Nous passons demain."]


def test_a_retried_reply_with_its_photo_is_posted_once(desk: Desk) -> None:
    ticket = desk.emulator.new_case()

    def send() -> Any:
        files = {
            "message": (None, '{"text": "Le plan."}', "application/json"),
            "file": ("plan.png", PNG, "image/png"),
        }
        return desk.call("POST", f"/cases/{ticket}/reply", files=files, headers=keyed("k-2"))

    first, again = send(), send()
    assert (again.status_code, again.json()) == (201, first.json())
    [message] = messages(desk, ticket)
    assert [a["name"] for a in message["attachments"]] == ["plan.png"]


def test_a_retried_question_is_asked_once(desk: Desk) -> None:
    ticket = desk.emulator.new_case()
    body = {"text": "Quel numéro ?"}
    first = desk.call("POST", f"/cases/{ticket}/hold", json=body, headers=keyed("q-1"))
    assert first.status_code == 200, first.text
    modified = desk.emulator.by_ticket(ticket)
    again = desk.call("POST", f"/cases/{ticket}/hold", json=body, headers=keyed("q-1"))
    assert (again.status_code, again.json()) == (200, first.json())
    assert [m["text"] for m in messages(desk, ticket)] == ["Quel numéro ?"]
    assert desk.emulator.by_ticket(ticket) == modified  # the status is not written again


def test_an_internal_note_retried_is_written_once(desk: Desk) -> None:
    ticket = desk.emulator.new_case()
    body = {"text": "RAS", "internal": True}
    first = desk.call("POST", f"/cases/{ticket}/reply", json=body, headers=keyed("n-1"))
    again = desk.call("POST", f"/cases/{ticket}/reply", json=body, headers=keyed("n-1"))
    assert (again.status_code, again.json()) == (201, first.json())
    case_id = desk.emulator.by_ticket(ticket)["incidentid"]
    notes = desk.emulator.rows(f"annotations?$filter=_objectid_value eq {case_id}")
    assert [n["notetext"] for n in notes] == ["RAS"]


@pytest.mark.parametrize(
    ("action", "second"),
    [
        ("reply", {"text": "Autre chose."}),
        ("reply", {"text": "Nous passons demain.", "subject": "Autre objet"}),
        ("reply", {"text": "Nous passons demain.", "internal": True}),
        ("hold", {"text": "Autre question ?"}),
    ],
)
def test_the_same_key_with_another_body_is_a_conflict_that_writes_nothing(
    desk: Desk, action: str, second: dict[str, Any]
) -> None:
    ticket = desk.emulator.new_case()
    first = {"text": "Nous passons demain."}
    assert desk.call("POST", f"/cases/{ticket}/{action}", json=first, headers=keyed("k")).ok
    before = (messages(desk, ticket), desk.emulator.by_ticket(ticket))
    refused = desk.call("POST", f"/cases/{ticket}/{action}", json=second, headers=keyed("k"))
    problem_of(refused, 409, "idempotency_conflict")
    assert (messages(desk, ticket), desk.emulator.by_ticket(ticket)) == before


def test_a_reply_with_another_photo_under_the_same_key_is_a_conflict(desk: Desk) -> None:
    ticket = desk.emulator.new_case()

    def send(data: bytes) -> Any:
        files = {"message": (None, '{"text": "a"}'), "file": ("p.png", data, "image/png")}
        return desk.call("POST", f"/cases/{ticket}/reply", files=files, headers=keyed("k"))

    assert send(PNG).status_code == 201
    problem_of(send(PNG + b"\x03"), 409, "idempotency_conflict")


def test_another_key_another_case_or_another_agent_is_another_message(desk: Desk) -> None:
    ticket, other = desk.emulator.new_case(), desk.emulator.new_case()
    body = {"text": "Bien reçu."}
    assert desk.call("POST", f"/cases/{ticket}/reply", json=body, headers=keyed("a")).ok
    assert desk.call("POST", f"/cases/{ticket}/reply", json=body, headers=keyed("b")).ok
    assert desk.call("POST", f"/cases/{other}/reply", json=body, headers=keyed("a")).ok
    manager = desk.token("agnes.martin")
    assert desk.call(
        "POST", f"/cases/{ticket}/reply", token=manager, json=body, headers=keyed("a")
    ).ok
    assert len(messages(desk, ticket)) == 3
    assert len(messages(desk, other)) == 1
    unkeyed = [desk.call("POST", f"/cases/{other}/reply", json=body) for _ in range(2)]
    assert all(r.status_code == 201 for r in unkeyed)
    assert len(messages(desk, other)) == 3  # without a key, each call is a message


@pytest.mark.parametrize("key", ["", "é", "x" * 256])
def test_a_malformed_key_is_refused_before_anything_is_written(desk: Desk, key: str) -> None:
    ticket = desk.emulator.new_case()
    before = desk.emulator.by_ticket(ticket)
    for action in ("reply", "hold"):
        response = desk.call(
            "POST",
            f"/cases/{ticket}/{action}",
            json={"text": "a"},
            headers={"Idempotency-Key": key.encode("utf-8")},
        )
        document = problem_of(response, 422, "validation_failed")
        assert document["errors"][0]["field"] == "Idempotency-Key"
    assert messages(desk, ticket) == []
    assert desk.emulator.by_ticket(ticket) == before


def test_two_identical_calls_racing_post_one_message(desk: Desk) -> None:
    # A double click: both calls look, find nothing, write; the loser's create-only write is
    # refused, it looks again and answers as the winner.
    ticket = desk.emulator.new_case()
    body = {"text": "Une seule fois."}
    with ThreadPoolExecutor(4) as pool:
        answers = list(
            pool.map(
                lambda _: desk.call(
                    "POST", f"/cases/{ticket}/reply", json=body, headers=keyed("race")
                ),
                range(4),
            )
        )
    assert {(r.status_code, r.text) for r in answers} == {(201, answers[0].text)}
    assert [m["text"] for m in messages(desk, ticket)] == ["Une seule fois."]
