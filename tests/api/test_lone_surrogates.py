"""Strings that are not Unicode text: JSON's ``"\\ud800"`` escape decodes to a lone UTF-16
surrogate, which no UTF-8 encoder accepts. Wherever one hides in a body, the client gets a 422
naming the field (code ``invalid_text``), never a 500, and nothing is written."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cityzen_connector.api import ApiResponse
from cityzen_connector.models import PROBLEM_CONTENT_TYPE
from cityzen_connector.store import SUBMISSIONS_PARTITION
from cityzen_connector.sync.intake import INGEST_PARTITION
from tests.support.world import JPEG, World, make_world, multipart, submission

LONE = "X\ud800X"


def nothing_written(world: World) -> None:
    assert world.queued() == []
    assert world.blob_names() == set()
    assert world.store.query(INGEST_PARTITION) == []
    assert world.store.query(SUBMISSIONS_PARTITION) == []


def refused_as_text(response: ApiResponse, field: str) -> None:
    assert response.status == 422, response.body
    assert response.content_type == PROBLEM_CONTENT_TYPE
    body = response.json()
    assert body["code"] == "validation_failed"
    [error] = body["errors"]
    assert error["field"] == field
    assert error["code"] == "invalid_text"
    assert error["message_fr"] == "Ce texte contient un caractère non valide."
    assert "surrogate" in error["message_en"]


def _set(document: dict[str, Any], path: str, value: Any) -> None:
    *parents, last = path.split(".")
    for name in parents:
        document = document[int(name)] if isinstance(document, list) else document[name]
    document[last] = value


@pytest.mark.parametrize(
    "path",
    [
        "subject",
        "description",
        "theme",
        "citizen.given_name",
        "citizen.sub",
        "location.label",
        "fields.taille",
        "attachments.0.file_name",
    ],
)
def test_a_lone_surrogate_in_any_text_field_is_a_422_naming_it(path: str) -> None:
    world = make_world()
    body = submission(
        attachments=[{"file_name": "a.jpg", "content_base64": base64.b64encode(JPEG).decode()}]
    )
    _set(body, path, LONE)
    refused_as_text(world.post_json(body), path)
    nothing_written(world)


def test_a_lone_surrogate_in_a_member_name_is_named_without_it() -> None:
    world = make_world()
    body = submission()
    body["fields"] = {"taille\udc00": "grand"}
    # The location shows "?" for the character: a problem document must itself be UTF-8.
    refused_as_text(world.post_json(body), "fields.taille?")
    nothing_written(world)


def test_a_lone_surrogate_in_the_json_part_of_a_multipart_body_is_a_422() -> None:
    world = make_world()
    raw, content_type = multipart(submission(subject=LONE), [("photo.jpg", JPEG)])
    response = world.request("POST", "/v1/requests", raw, {"Content-Type": content_type})
    refused_as_text(response, "subject")
    nothing_written(world)


def test_a_surrogate_encoded_in_a_multipart_file_name_is_not_utf8_and_a_400() -> None:
    # Header bytes are decoded strictly: CESU-style bytes ED A0 80 (a surrogate) are not UTF-8
    # (RFC 3629 section 3), nor is their percent-encoded RFC 8187 form.
    world = make_world()
    raw, content_type = multipart(submission(), [("photo.jpg", JPEG)])
    for name in (b'filename="a\xed\xa0\x80.jpg"', b"filename*=utf-8''a%ED%A0%80.jpg"):
        hostile = raw.replace(b'filename="photo.jpg"', name)
        response = world.request("POST", "/v1/requests", hostile, {"Content-Type": content_type})
        assert response.status == 400, response.body
        assert response.json()["code"] == "invalid_json"
    nothing_written(world)


# Every string and member name of a valid body, as a path of keys and indexes.
def _slots(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[tuple[Any, ...], bool]]:
    found: list[tuple[tuple[Any, ...], bool]] = []
    if isinstance(value, dict):
        for key, child in value.items():
            found.append(((*path, key), True))
            found += _slots(child, (*path, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            found += _slots(child, (*path, index))
    elif isinstance(value, str):
        found.append((path, False))
    return found


def _full_body() -> dict[str, Any]:
    body = submission(
        attachments=[{"file_name": "a.jpg", "content_base64": base64.b64encode(JPEG).decode()}]
    )
    body["location"] = {"label": "1 rue de la Paix 75002 Paris", "city": "Paris"}
    return body


SLOTS = _slots(_full_body())
surrogates = st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF)
# Every example is refused, so one world serves them all (and proves nothing accumulates).
WORLD = make_world()


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    slot=st.sampled_from(SLOTS),
    lone=surrogates,
    at=st.integers(min_value=0, max_value=40),
    multipart_body=st.booleans(),
)
def test_a_surrogate_anywhere_in_the_body_is_a_4xx_never_a_5xx(
    slot: tuple[tuple[Any, ...], bool], lone: str, at: int, multipart_body: bool
) -> None:
    world = WORLD
    body = _full_body()
    path, is_name = slot
    parent: Any = body
    for step in path[:-1]:
        parent = parent[step]
    last = path[-1]
    if is_name:
        parent[last[:at] + lone + last[at:]] = parent.pop(last)
    else:
        parent[last] = parent[last][:at] + lone + parent[last][at:]
    raw = json.dumps(body).encode()  # ensure_ascii: the surrogate travels as a "\udXXX" escape
    if multipart_body:
        raw, content_type = multipart(raw, [("photo.jpg", JPEG)])
    else:
        content_type = "application/json"
    response = world.request("POST", "/v1/requests", raw, {"Content-Type": content_type})
    assert response.status == 422, response.body
    assert "invalid_text" in {error["code"] for error in response.json()["errors"]}
    nothing_written(world)


def test_a_path_that_is_not_text_is_a_404_whose_instance_is_a_uri_not_a_crash() -> None:
    # Hosts hand paths over as str; an in-process caller can pass one that is not text. The
    # problem's instance is a URI reference (RFC 9457 section 3.1.5): percent-encoded, ASCII.
    world = make_world()
    for path, instance in (
        ("/v1/requests/\ud800", "/api/v1/requests/%ED%A0%80"),
        ("/v1/rien/é è", "/api/v1/rien/%C3%A9%20%C3%A8"),
        ("/v1/rien/%C3%A9", "/api/v1/rien/%C3%A9"),
    ):
        response = world.request("GET", path)
        assert response.status == 404, response.body
        assert response.json()["instance"] == instance
