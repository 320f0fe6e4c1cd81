"""A suggestion's id resolved before the case is written: the geocoder's address and
coordinates on the case (never the client's), routing by the resolved commune, the typed address
kept when the id is unknown or the geocoder cannot be asked, and an address resolved outside the
territory rejected. The geocoder is the embedded one, served on 127.0.0.1."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import pytest

from cityzen_connector.dataverse import DataverseClient
from cityzen_connector.mapping import MappingSet, PlanContext
from cityzen_connector.portal import AddressHelp
from cityzen_connector.store import BlobStore, SubmissionStatuses
from cityzen_connector.sync.pipeline import (
    CircuitBreaker,
    Created,
    LookupCache,
    Permanent,
    SubmissionProcessor,
)
from cityzen_connector.testing import FakeClock
from tests.support.geocoder import HAUTBOIS_2, SAINT_CLAIR_3, VALBRUME_12, address_help
from tests.support.geocoder import served_geocoder as serve_geocoder
from tests.sync.conftest import PEPPER, MakeSubmission, Rows
from tests.sync.pipeline.test_process import team_id

CASE_COLUMNS = (
    "incidentid,_ownerid_value,cz_address,cz_postcode,cz_citycode,cz_latitude,cz_longitude"
)


@pytest.fixture(scope="module")
def geocoder_url() -> Iterator[str]:
    with serve_geocoder() as url:
        yield url


def processor_with(
    help: AddressHelp | None,
    client: DataverseClient,
    mappings: MappingSet,
    blobs: BlobStore,
    statuses: SubmissionStatuses,
    breaker: CircuitBreaker,
    clock: FakeClock,
) -> SubmissionProcessor:
    return SubmissionProcessor(
        client,
        mappings,
        blobs,
        statuses,
        breaker,
        clock=clock,
        logger=logging.getLogger("cityzen_connector.sync.test"),
        context=PlanContext(pepper=PEPPER),
        lookups=LookupCache(client, clock=clock),
        addresses=help,
    )


@pytest.fixture
def help(geocoder_url: str) -> AddressHelp:
    return address_help(geocoder_url)


@pytest.fixture
def build(
    client: DataverseClient,
    mappings: MappingSet,
    blobs: BlobStore,
    statuses: SubmissionStatuses,
    breaker: CircuitBreaker,
    clock: FakeClock,
) -> Any:
    def make(help: AddressHelp | None) -> SubmissionProcessor:
        return processor_with(help, client, mappings, blobs, statuses, breaker, clock)

    return make


def the_case(rows: Rows) -> dict[str, Any]:
    (case,) = rows.all("incidents", CASE_COLUMNS)
    return case


def test_with_an_id_the_case_gets_the_geocoders_address_never_the_clients(
    build: Any, help: AddressHelp, make_submission: MakeSubmission, rows: Rows
) -> None:
    lying = {
        "label": "12 rue de la République, Valbrume",  # as the portal may show it
        "postcode": "00100",
        "citycode": "00101",
        "latitude": 0.5,
        "longitude": -0.5,
        "geocoder_id": VALBRUME_12["id"],
    }
    outcome = build(help).process(make_submission(location=lying))
    assert isinstance(outcome, Created)
    case = the_case(rows)
    assert case["cz_address"] == VALBRUME_12["label"]
    assert (case["cz_postcode"], case["cz_citycode"]) == ("00100", "00101")
    assert (case["cz_latitude"], case["cz_longitude"]) == pytest.approx((46.39993, 2.602816))
    assert help.calls == 1  # one search by the label; the id was matched in its answer


def test_the_resolved_commune_decides_the_team(
    build: Any, help: AddressHelp, make_submission: MakeSubmission, rows: Rows
) -> None:
    # A Saint-Clair-sur-Orme suggestion, whatever commune the client claims for it.
    location = {
        "label": SAINT_CLAIR_3["label"],
        "citycode": "00101",
        "geocoder_id": SAINT_CLAIR_3["id"],
    }
    assert isinstance(build(help).process(make_submission(location=location)), Created)
    case = the_case(rows)
    assert case["cz_citycode"] == "00102"
    assert case["_ownerid_value"] == team_id(rows, "Services techniques de Saint-Clair-sur-Orme")


def test_an_unknown_id_keeps_the_typed_address(
    build: Any, help: AddressHelp, make_submission: MakeSubmission, rows: Rows
) -> None:
    typed = {
        "label": "99 Rue de la République 00100 Valbrume",
        "citycode": "00101",
        "latitude": 46.4,
        "longitude": 2.6,
        "geocoder_id": "00101_0010_00099",
    }
    assert isinstance(build(help).process(make_submission(location=typed)), Created)
    case = the_case(rows)
    assert case["cz_address"] == typed["label"]
    assert (case["cz_latitude"], case["cz_longitude"]) == pytest.approx((46.4, 2.6))


def test_a_geocoder_that_cannot_be_asked_delays_nothing(
    build: Any,
    make_submission: MakeSubmission,
    rows: Rows,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    down = address_help("http://127.0.0.1:9/geocodage")  # the discard port: nobody listens
    outcome = build(down).process(make_submission())
    assert isinstance(outcome, Created)
    assert the_case(rows)["cz_address"] == VALBRUME_12["label"]  # as typed in the example
    assert "address not resolved (GeocoderUnavailableError), kept as typed" in caplog.text
    assert "République" not in caplog.text


def test_an_address_resolved_outside_the_territory_is_rejected(
    build: Any, help: AddressHelp, make_submission: MakeSubmission, rows: Rows
) -> None:
    location = {"label": HAUTBOIS_2["label"], "citycode": "00101", "geocoder_id": HAUTBOIS_2["id"]}
    outcome = build(help).process(make_submission(location=location))
    assert isinstance(outcome, Permanent)
    assert outcome.code == "outside_territory"
    assert rows.all("incidents", "incidentid") == []


def test_without_an_id_the_geocoder_is_not_asked(
    build: Any, help: AddressHelp, make_submission: MakeSubmission, rows: Rows
) -> None:
    typed = {"label": "Sous le pont", "citycode": "00103"}
    assert isinstance(build(help).process(make_submission(location=typed)), Created)
    assert help.calls == 0
    assert the_case(rows)["_ownerid_value"] == team_id(rows, "Services techniques de Roche-Aiguë")
