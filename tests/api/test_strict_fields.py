"""What the portal sees when a field is outside the contract: a 422 naming it, in both languages,
and nothing queued."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.schema_check import check_response
from tests.support.world import World, submission

NIL = "00000000-0000-0000-0000-000000000000"


def _refused(world: World, body: dict[str, Any], **headers: str) -> dict[str, dict[str, str]]:
    response = world.post_json(body, **headers)
    check_response("POST", "/v1/requests", response)
    assert response.status == 422, response.body
    assert world.queued() == []
    return {error["field"]: error for error in response.json()["errors"]}


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        ("location.latitude", "48.8", "float_type"),
        ("location.longitude", "2.35", "float_type"),
        ("citizen.birthdate", "2999-01-01", "future_date"),
        ("id", NIL, "reserved_id"),
    ],
)
def test_a_field_outside_the_contract_is_a_422_naming_it(
    world: World, field: str, value: str, code: str
) -> None:
    body = submission()
    target = body
    *parents, last = field.split(".")
    for part in parents:
        target = target[part]
    target[last] = value
    error = _refused(world, body)[field]
    assert error["code"] == code
    assert error["message_fr"] != "Cette valeur n’est pas valide."
    assert value not in error["message_en"]


def test_the_nil_uuid_as_idempotency_key_is_a_422(world: World) -> None:
    body = submission()
    del body["id"]
    error = _refused(world, body, **{"Idempotency-Key": NIL})["Idempotency-Key"]
    assert error["code"] == "reserved_id"


def test_only_a_uuid_written_as_rfc_9562_does_is_taken_as_the_id(world: World) -> None:
    # uuid.UUID also reads bare hex, braces and urn:uuid:; the document says a UUID in its
    # hyphenated form is the id and any other key is opaque (mapped to a UUIDv5).
    canonical = "6f1c2b9e-4c2a-4a39-9a53-0d7f7b0c9f10"
    for key, taken_as_is in ((canonical, True), (canonical.replace("-", ""), False)):
        body = submission()
        del body["id"]
        response = world.post_json(body, **{"Idempotency-Key": key})
        assert response.status == 202, response.body
        assert (response.json()["id"] == canonical) is taken_as_is
