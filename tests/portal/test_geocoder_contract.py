"""The shared geocoder contract, run twice through the very adapter deployed in Azure: against
the Géoplateforme's recorded answers (``responses``: an unexpected request fails the test) and
against the embedded geocoder served on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import responses
from responses import matchers

from cityzen_connector.portal import AddressHelp
from tests.portal import recorded
from tests.portal.contract import GeocoderContract
from tests.support.geocoder import address_help, served_geocoder


@pytest.fixture(scope="module")
def geocoder_url() -> Iterator[str]:
    with served_geocoder() as url:
        yield url


class TestRecordedGeoplateforme(GeocoderContract):
    TYPED = "73 Avenue de Paris Saint-Mandé"
    ID = "94067_7115_00073"
    LABEL = "73 Avenue de Paris 94160 Saint-Mandé"
    HOUSE = "73"
    STREET = "Avenue de Paris"
    POSTCODE = "94160"
    CITYCODE = "94067"
    CITY = "Saint-Mandé"
    POINT = (48.8436, 2.4183)
    WHERE = (48.843612, 2.418298)

    @pytest.fixture
    def help(self) -> Iterator[AddressHelp]:
        with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
            for path, params, body in recorded.RECORDED:
                mock.get(
                    f"{recorded.BASE}/{path}",
                    body=body,
                    content_type="application/json; charset=utf-8",
                    match=[matchers.query_param_matcher(params)],
                )
            yield address_help(recorded.BASE)


class TestEmbeddedGeocoder(GeocoderContract):
    TYPED = "12 rue de la République, Valbrume"
    ID = "00101_0010_00012"
    LABEL = "12 Rue de la République 00100 Valbrume"
    HOUSE = "12"
    STREET = "Rue de la République"
    POSTCODE = "00100"
    CITYCODE = "00101"
    CITY = "Valbrume"
    POINT = (46.3999, 2.6028)
    WHERE = (46.39995, 2.60285)

    @pytest.fixture
    def help(self, geocoder_url: str) -> AddressHelp:
        return address_help(geocoder_url)
