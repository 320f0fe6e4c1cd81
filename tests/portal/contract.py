"""What every geocoder behind the adapter must do, from the portal's point of view.

One class, inherited by each backend's tests: the Géoplateforme's recorded answers (scripted with
``responses``) and the embedded geocoder served on 127.0.0.1. A subclass names the address it
knows and gives ``help``, an ``AddressHelp`` over ``GeoplateformeGeocoder`` pointed at it.
"""

from __future__ import annotations

import pytest

from cityzen_connector.models import Location
from cityzen_connector.portal import (
    AddressHelp,
    AddressReverseParams,
    AddressSearchParams,
)


class GeocoderContract:
    TYPED: str  # what a citizen types
    ID: str
    LABEL: str
    HOUSE: str
    STREET: str
    POSTCODE: str
    CITYCODE: str
    CITY: str
    POINT: tuple[float, float]  # (lat, lon) of the address, to 1e-4
    WHERE: tuple[float, float]  # where a citizen stands, a few metres from it
    NOTHING = "zzqxw vvqkk"

    @pytest.fixture
    def help(self) -> AddressHelp:
        raise NotImplementedError

    def test_the_typed_address_comes_first_normalised(self, help: AddressHelp) -> None:
        results = help.search(AddressSearchParams(q=self.TYPED)).results
        first = results[0]
        assert (first.id, first.type, first.label) == (self.ID, "housenumber", self.LABEL)
        assert (first.house_number, first.street) == (self.HOUSE, self.STREET)
        assert (first.postcode, first.citycode, first.city) == (
            self.POSTCODE,
            self.CITYCODE,
            self.CITY,
        )
        assert (round(first.latitude, 4), round(first.longitude, 4)) == self.POINT
        assert 0 < first.score <= 1
        assert [r.score for r in results] == sorted((r.score for r in results), reverse=True)

    def test_a_query_matching_nothing_is_an_empty_answer(self, help: AddressHelp) -> None:
        assert help.search(AddressSearchParams(q=self.NOTHING)).results == ()

    def test_a_commune_filter_keeps_that_commune_only(self, help: AddressHelp) -> None:
        params = AddressSearchParams(q=self.TYPED, citycode=self.CITYCODE)
        results = help.search(params).results
        assert results
        assert {r.citycode for r in results} == {self.CITYCODE}

    def test_use_my_location_finds_the_nearest_address(self, help: AddressHelp) -> None:
        lat, lon = self.WHERE
        results = help.reverse(AddressReverseParams(lat=lat, lon=lon)).results
        assert len(results) == 1
        assert results[0].id == self.ID
        assert results[0].distance is not None
        assert results[0].distance < 30

    def test_every_result_is_a_location_a_submission_may_carry(self, help: AddressHelp) -> None:
        for result in help.search(AddressSearchParams(q=self.TYPED)).results:
            location = result.location()
            assert Location.model_validate(location.model_dump()) == location
            assert location.geocoder_id == result.id

    def test_a_chosen_id_resolves_to_the_services_address_not_the_clients(
        self, help: AddressHelp
    ) -> None:
        # A fresh help (nothing served yet): the id is found again by its label.
        sent = Location(
            label=self.LABEL,
            geocoder_id=self.ID,
            citycode=self.CITYCODE,
            latitude=0.0,
            longitude=0.0,
            city="Ailleurs",
        )
        resolved = help.resolve(sent)
        assert resolved is not None
        assert (resolved.geocoder_id, resolved.label, resolved.city) == (
            self.ID,
            self.LABEL,
            self.CITY,
        )
        assert (round(resolved.latitude or 0, 4), round(resolved.longitude or 0, 4)) == self.POINT
