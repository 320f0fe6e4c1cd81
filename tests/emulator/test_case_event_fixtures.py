"""The fixtures under ``fixtures/case_events`` are what the emulator posts today, and they have
the documented shape ("Use WebHooks…" request body; the 2024 contexts of "Synchronize agent
presence status across multiple systems"), checked key by key."""

from __future__ import annotations

import json
from typing import Any

import pytest

from .case_event_fixtures import CASE, FOLDER, scenario, stable

NAMES = sorted(
    p.name.removesuffix(".json") for p in FOLDER.glob("*.json") if ".message" not in p.name
)
CONTRACTS = "http://schemas.microsoft.com/xrm/2011/Contracts"
ENTITY_KEYS = [
    "Attributes",
    "EntityState",
    "FormattedValues",
    "Id",
    "KeyAttributes",
    "LogicalName",
    "RelatedEntities",
    "RowVersion",
]
REFERENCE_KEYS = ["__type", "Id", "KeyAttributes", "LogicalName", "Name", "RowVersion"]


def _load(name: str) -> tuple[dict[str, Any], dict[str, Any], str]:
    raw = (FOLDER / f"{name}.json").read_text(encoding="utf-8")
    message = json.loads((FOLDER / f"{name}.message.json").read_text(encoding="utf-8"))
    return json.loads(raw), message, raw


def _pairs(items: list[dict[str, Any]]) -> dict[str, Any]:
    assert all(list(item) == ["key", "value"] for item in items)
    return {item["key"]: item["value"] for item in items}


def test_the_fixtures_are_what_the_emulator_posts() -> None:
    played = scenario()
    assert sorted(played) == NAMES
    for name, message in played.items():
        fixture = stable(name, message)
        body = fixture.pop("body")
        _, stored_message, raw = _load(name)
        assert body == raw, f"{name}: regenerate with python -m tests.emulator.case_event_fixtures"
        assert fixture == stored_message, name


@pytest.mark.parametrize("name", NAMES)
def test_each_fixture_has_the_documented_shape(name: str) -> None:
    context, message, raw = _load(name)
    assert "http:\\/\\/schemas.microsoft.com" in raw  # every "/" escaped, as the serializer does
    assert "\\/Date(" in raw
    assert message["content_type"] == "application/json"
    assert message["message_id"] == context["OperationId"]
    assert (context["Stage"], context["Mode"], context["Depth"]) == (40, 1, 1)
    assert context["MessageName"] in ("Create", "Update")
    assert context["OperationCreatedOn"].startswith("/Date(")
    target = _pairs(context["InputParameters"])["Target"]
    assert list(target) == ["__type", *ENTITY_KEYS]
    assert target["__type"] == f"Entity:{CONTRACTS}"
    for value in _pairs(target["Attributes"]).values():
        if isinstance(value, dict) and value["__type"].startswith("EntityReference:"):
            assert list(value) == REFERENCE_KEYS
        elif isinstance(value, dict):
            assert value["__type"] == f"OptionSetValue:{CONTRACTS}"
            assert list(value) == ["__type", "Value"]
    for image in _pairs(context["PostEntityImages"]).values():
        assert list(image) == ENTITY_KEYS  # an image is declared Entity: no __type
    assert list(context["OwningExtension"]) == REFERENCE_KEYS[1:]
    claims = "http://schemas.microsoft.com/xrm/2011/Claims/"
    assert message["properties"][claims + "EntityLogicalName"] == context["PrimaryEntityName"]
    assert message["properties"][claims + "RequestName"] == context["MessageName"]


def test_the_status_fixtures_tell_the_status_in_the_target_and_the_post_image() -> None:
    expected = {
        "case_created": (0, 1, "In Progress"),
        "case_status_waiting_for_details": (0, 3, "Waiting for Details"),
        "case_resolved": (1, 5, "Problem Solved"),
        "phone_case_cancelled": (2, 6, "Canceled"),
    }
    for name, (state, reason, label) in expected.items():
        context, _, _ = _load(name)
        attributes = _pairs(_pairs(context["InputParameters"])["Target"]["Attributes"])
        assert attributes["statecode"]["Value"] == state, name
        assert attributes["statuscode"]["Value"] == reason, name
        image = _pairs(context["PostEntityImages"])["status"]
        assert _pairs(image["FormattedValues"])["statuscode"] == label, name
        assert isinstance(_pairs(image["Attributes"])["versionnumber"], int), name


def test_the_updates_of_one_case_carry_increasing_row_versions() -> None:
    versions = []
    for name in ("case_owner_changed", "case_status_waiting_for_details", "case_resolved"):
        context, _, _ = _load(name)
        assert context["PrimaryEntityId"] == CASE
        versions.append(int(_pairs(context["InputParameters"])["Target"]["RowVersion"]))
    assert versions == sorted(set(versions))
