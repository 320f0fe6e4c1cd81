"""Team and subject lookups: escaped literals, one round trip per miss set, TTL cache."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import unquote

import pytest

from cityzen_connector.dataverse import DataverseClient
from cityzen_connector.mapping import LookupRef
from cityzen_connector.sync.pipeline import LookupCache, LookupNotFoundError
from cityzen_connector.testing import FakeClock
from tests.support.transports import CountingTransport
from tests.sync.conftest import Rows

VOIRIE = LookupRef("teams", "name", "Voirie")
SUBJECT = LookupRef("subjects", "title", "Dépôt sauvage")


def test_misses_are_fetched_in_one_batch_then_cached_until_the_ttl(
    client: DataverseClient, transport: CountingTransport, clock: FakeClock, rows: Rows
) -> None:
    cache = LookupCache(client, clock=clock, ttl=timedelta(minutes=15))
    found = cache.resolve([VOIRIE, SUBJECT])
    assert transport.count == 1
    teams = {t["name"]: t["teamid"] for t in rows.all("teams", "teamid,name")}
    assert str(found[VOIRIE]) == teams["Voirie"]
    assert cache.resolve([VOIRIE, SUBJECT]) == found
    assert transport.count == 1
    clock.advance(15 * 60 + 1)
    cache.resolve([VOIRIE])
    assert transport.count == 2


def test_quotes_in_a_name_are_escaped(
    client: DataverseClient, transport: CountingTransport, clock: FakeClock, rows: Rows
) -> None:
    rows.client.who_am_i()
    unit = rows.client.who_am_i().business_unit_id
    name = "Service d'O'Brien & co"
    rows.client.create(
        "teams",
        {"name": name, "teamtype": 0, "businessunitid@odata.bind": f"/businessunits({unit})"},
    )
    cache = LookupCache(client, clock=clock)
    found = cache.resolve([LookupRef("teams", "name", name)])
    assert len(found) == 1
    assert "'Service d''O''Brien & co'" in unquote(transport.sent[-1].url)


def test_a_missing_record_is_reported_and_not_cached(
    client: DataverseClient, transport: CountingTransport, clock: FakeClock, rows: Rows
) -> None:
    cache = LookupCache(client, clock=clock)
    ghost = LookupRef("teams", "name", "Service fantôme")
    with pytest.raises(LookupNotFoundError, match="no teams record has name 'Service fantôme'"):
        cache.resolve([ghost])
    unit = rows.client.who_am_i().business_unit_id
    rows.client.create(
        "teams",
        {"name": "Service fantôme", "teamtype": 0,
         "businessunitid@odata.bind": f"/businessunits({unit})"},
    )  # fmt: skip
    assert ghost in cache.resolve([ghost])


def test_injection_attempt_is_a_plain_value(client: DataverseClient, clock: FakeClock) -> None:
    cache = LookupCache(client, clock=clock)
    hostile = LookupRef("teams", "name", "x' or name ne 'y")
    with pytest.raises(LookupNotFoundError):
        cache.resolve([hostile])
