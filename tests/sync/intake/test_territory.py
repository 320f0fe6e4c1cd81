"""An address outside the territory is refused when it is filed, if its commune is known then
(typed, or the commune address help gave for a suggestion's id); nothing is written."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from cityzen_connector.api import ApiResponse
from cityzen_connector.identity import CallerIdentity
from cityzen_connector.models import Location
from cityzen_connector.sync.intake import (
    InvalidSubmissionError,
    OutsideTerritoryError,
    SubmissionInput,
    submit,
)
from tests.support.geocoder import HAUTBOIS_2, SAINT_CLAIR_3, VALBRUME_12
from tests.support.world import World, make_world, submission

PORTAL = CallerIdentity.trusted_portal()


class Served:
    """Address help's memory, as the intake reads it: ids it served, with their commune."""

    def __init__(self, **communes: str) -> None:
        self.communes = communes
        self.asked: list[str] = []

    def cached(self, geocoder_id: str) -> Location | None:
        self.asked.append(geocoder_id)
        citycode = self.communes.get(geocoder_id)
        return Location(geocoder_id=geocoder_id, citycode=citycode) if citycode else None


def located(**location: Any) -> dict[str, Any]:
    return submission(location=location)


def with_addresses(world: World, served: Served) -> World:
    ingest = dataclasses.replace(world.ingest, addresses=served)
    return dataclasses.replace(world, deps=dataclasses.replace(world.deps, ingest=ingest))


@pytest.fixture
def world() -> World:
    return make_world()


def test_an_address_in_a_member_commune_is_accepted(world: World) -> None:
    body = located(label=SAINT_CLAIR_3["label"], citycode=SAINT_CLAIR_3["citycode"])
    assert submit(SubmissionInput(body=body), PORTAL, world.ingest).replayed is False


def test_a_typed_commune_outside_the_territory_is_refused_and_nothing_written(
    world: World,
) -> None:
    body = located(label=HAUTBOIS_2["label"], citycode=HAUTBOIS_2["citycode"])
    with pytest.raises(OutsideTerritoryError) as caught:
        submit(SubmissionInput(body=body), PORTAL, world.ingest)
    assert (caught.value.status, caught.value.code) == (422, "outside_territory")
    assert "00201" not in caught.value.message
    assert world.queued() == []


def test_an_unknown_commune_is_not_refused(world: World) -> None:
    # Only a postcode, or nothing: the commune is not known at filing time.
    for body in (located(label="1 chemin creux", postcode="00200"), submission(location=None)):
        submit(SubmissionInput(body=body), PORTAL, world.ingest)
    assert len(world.queued()) == 2


def test_the_commune_address_help_gave_for_the_id_wins_over_the_typed_one(world: World) -> None:
    served = with_addresses(world, Served(**{HAUTBOIS_2["id"]: HAUTBOIS_2["citycode"]}))
    # A client claiming Valbrume for a suggestion that was in Hautbois-le-Vieux.
    body = located(
        label=HAUTBOIS_2["label"], citycode=VALBRUME_12["citycode"], geocoder_id=HAUTBOIS_2["id"]
    )
    with pytest.raises(OutsideTerritoryError):
        submit(SubmissionInput(body=body), PORTAL, served.ingest)


def test_an_id_not_served_recently_leaves_the_typed_commune_to_decide(world: World) -> None:
    memory = Served()
    served = with_addresses(world, memory)
    body = located(label="12 rue", citycode=VALBRUME_12["citycode"], geocoder_id="00201_0010_00099")
    submit(SubmissionInput(body=body), PORTAL, served.ingest)
    assert memory.asked == ["00201_0010_00099"]  # looked up in memory only; the pipeline resolves


def test_invalid_fields_are_reported_before_the_territory(world: World) -> None:
    body = located(citycode=HAUTBOIS_2["citycode"], postcode="123")
    with pytest.raises(InvalidSubmissionError) as caught:
        submit(SubmissionInput(body=body), PORTAL, world.ingest)
    assert [e.field for e in caught.value.errors] == ["location.postcode"]


def test_the_api_answers_a_bilingual_outside_territory_problem(world: World) -> None:
    response: ApiResponse = world.post_json(located(citycode=HAUTBOIS_2["citycode"]))
    assert response.status == 422
    assert response.content_type == "application/problem+json"
    problem = response.json()
    assert problem["code"] == "outside_territory"
    assert problem["messages"] == {
        "fr": "Cette adresse est en dehors du territoire desservi.",
        "en": "This address is outside the territory we serve.",
    }
    assert "errors" not in problem
