"""AddressHelp: one question asked once (a bounded TTL cache keyed on the normalised question),
a token bucket under the service's limit, a 429 that holds everything until Retry-After, and a
chosen id resolved to the service's own address — on a scripted geocoder and a fake clock."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from cityzen_connector.models import Location
from cityzen_connector.portal import (
    Address,
    AddressHelp,
    AddressHelpConfig,
    AddressReverseParams,
    AddressSearchParams,
    GeocoderError,
    GeocoderRateLimitedError,
    GeocoderUnavailableError,
    ReverseQuery,
    SearchQuery,
    TokenBucket,
    TtlCache,
    normalise_query,
)
from cityzen_connector.testing import FakeClock

HOUSE = Address(
    id="00101_0010_00012",
    type="housenumber",
    score=0.97,
    label="12 Rue de la République 00100 Valbrume",
    house_number="12",
    street="Rue de la République",
    postcode="00100",
    citycode="00101",
    city="Valbrume",
    latitude=46.39993,
    longitude=2.602816,
)


@dataclass
class ScriptedGeocoder:
    """A real ``Geocoder``: answers ``results`` (or raises ``failure``) and records each ask."""

    results: tuple[Address, ...] = (HOUSE,)
    failure: GeocoderError | None = None
    asked: list[SearchQuery | ReverseQuery] = field(default_factory=list)

    def search(self, query: SearchQuery) -> tuple[Address, ...]:
        return self._answer(query)

    def reverse(self, query: ReverseQuery) -> tuple[Address, ...]:
        return self._answer(query)

    def _answer(self, query: SearchQuery | ReverseQuery) -> tuple[Address, ...]:
        self.asked.append(query)
        if self.failure is not None:
            raise self.failure
        return self.results


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def geocoder() -> ScriptedGeocoder:
    return ScriptedGeocoder()


def helper(geocoder: ScriptedGeocoder, clock: FakeClock, **config: float) -> AddressHelp:
    return AddressHelp(geocoder, AddressHelpConfig(**config), clock=clock)  # type: ignore[arg-type]


def search(help: AddressHelp, q: str, **params: object) -> tuple[Address, ...]:
    return help.search(AddressSearchParams(q=q, **params)).results  # type: ignore[arg-type]


def test_the_same_question_typed_differently_is_asked_once(
    geocoder: ScriptedGeocoder, clock: FakeClock
) -> None:
    help = helper(geocoder, clock)
    for typed in (
        "12 Rue de la",
        "12  rue de la ",
        "12 RUE DE LA",
        "12 rue de la ★",
        "« 12 rue de la",
    ):
        assert search(help, typed) == (HOUSE,)
    assert geocoder.asked == [SearchQuery(q="12 rue de la", limit=5)]
    assert help.stats().hits == 4


def test_filters_limit_and_the_bias_point_are_part_of_the_question(
    geocoder: ScriptedGeocoder, clock: FakeClock
) -> None:
    help = helper(geocoder, clock)
    search(help, "rue de la")
    search(help, "rue de la", limit=10)
    search(help, "rue de la", citycode="00101")
    search(help, "rue de la", lat=46.40012, lon=2.60049)
    search(help, "rue de la", lat=46.40041, lon=2.60001)  # the same point, to about 100 m
    assert len(geocoder.asked) == 4
    assert geocoder.asked[-1] == SearchQuery(q="rue de la", limit=5, lat=46.4, lon=2.6)


def test_one_of_lat_or_lon_alone_biases_nothing(
    geocoder: ScriptedGeocoder, clock: FakeClock
) -> None:
    help = helper(geocoder, clock)
    search(help, "rue de la", lat=46.4)
    assert geocoder.asked == [SearchQuery(q="rue de la", limit=5)]


def test_a_query_of_symbols_asks_nothing(geocoder: ScriptedGeocoder, clock: FakeClock) -> None:
    help = helper(geocoder, clock)
    assert search(help, "★★★ !!") == ()
    assert geocoder.asked == []


@pytest.mark.parametrize(
    ("typed", "sent"),
    [
        ("  12 Rue  de la Paix ", "12 rue de la paix"),
        ("'12 rue", "12 rue"),
        ("ＡＶＥＮＵＥ", "avenue"),  # full-width letters
        ("rue\u0000de\u202ela paix", "rue de la paix"),
        ("12 rue 🏠 des lilas", "12 rue des lilas"),
        ("--", None),
        ("a" * 199 + "\U0001d400", "a" * 200),  # 𝐀 is A once NFKC-folded
        ("é" + "\U00020000" * 150, "é" + "\U00020000" * 99),  # 200 UTF-16 code units
    ],
)
def test_queries_are_normalised_as_the_service_counts_them(typed: str, sent: str | None) -> None:
    assert normalise_query(typed) == sent


def test_answers_expire(geocoder: ScriptedGeocoder, clock: FakeClock) -> None:
    help = helper(geocoder, clock, cache_seconds=60)
    search(help, "rue de la")
    clock.advance(59)
    search(help, "rue de la")
    clock.advance(2)
    search(help, "rue de la")
    assert len(geocoder.asked) == 2


def test_the_cache_is_bounded_and_forgets_the_least_recently_used(clock: FakeClock) -> None:
    cache: TtlCache[str, int] = TtlCache(max_entries=2, ttl=60, clock=clock)
    cache.put("a", 1)
    cache.put("b", 2)
    assert cache.get("a") == 1  # a is now the most recent
    cache.put("c", 3)
    assert (cache.get("a"), cache.get("b"), cache.get("c")) == (1, None, 3)
    assert cache.stats().entries == 2


def test_failures_are_not_cached(geocoder: ScriptedGeocoder, clock: FakeClock) -> None:
    help = helper(geocoder, clock)
    geocoder.failure = GeocoderUnavailableError("down")
    with pytest.raises(GeocoderUnavailableError):
        search(help, "rue de la")
    geocoder.failure = None
    assert search(help, "rue de la") == (HOUSE,)


def test_a_burst_waits_its_turn(geocoder: ScriptedGeocoder, clock: FakeClock) -> None:
    help = helper(geocoder, clock, requests_per_second=10, burst=3, max_wait_seconds=0.25)
    for n in range(5):
        search(help, f"rue numero {n}")
    # Three at once, then one every 0.1 s: the service never sees more than 10 a second.
    assert clock.slept == [pytest.approx(0.1), pytest.approx(0.1)]
    assert len(geocoder.asked) == 5


def test_callers_queued_beyond_the_longest_wait_are_refused_with_the_wait(
    clock: FakeClock,
) -> None:
    # Concurrent callers reserve before any of them has waited: the clock does not move.
    bucket = TokenBucket(rate=10, burst=3, max_wait=0.25, clock=clock)
    assert [bucket.reserve() for _ in range(5)] == [0, 0, 0, pytest.approx(0.1), pytest.approx(0.2)]
    with pytest.raises(GeocoderRateLimitedError) as caught:
        bucket.reserve()
    assert caught.value.retry_after == pytest.approx(0.3)
    clock.advance(0.3)  # three tokens back, two of them owed: the refused one took none
    assert bucket.reserve() == pytest.approx(0, abs=1e-6)


def test_a_429_holds_every_request_until_retry_after(
    geocoder: ScriptedGeocoder, clock: FakeClock
) -> None:
    help = helper(geocoder, clock)
    geocoder.failure = GeocoderRateLimitedError("429", retry_after=5)
    with pytest.raises(GeocoderRateLimitedError):
        search(help, "rue de la")
    geocoder.failure = None
    clock.advance(3)
    with pytest.raises(GeocoderRateLimitedError) as caught:
        help.reverse(AddressReverseParams(lat=46.4, lon=2.6))
    assert caught.value.retry_after == pytest.approx(2)
    assert len(geocoder.asked) == 1  # never knocked again while held
    clock.advance(2)
    assert search(help, "rue de la") == (HOUSE,)
    # The cache still answers what it knows while the service holds us.
    geocoder.failure = GeocoderRateLimitedError("429", retry_after=60)
    with pytest.raises(GeocoderRateLimitedError):
        search(help, "autre rue")
    assert search(help, "rue de la") == (HOUSE,)


def test_reverse_rounds_the_point_to_about_a_metre(
    geocoder: ScriptedGeocoder, clock: FakeClock
) -> None:
    help = helper(geocoder, clock)
    help.reverse(AddressReverseParams(lat=46.399931, lon=2.602816))
    help.reverse(AddressReverseParams(lat=46.399934, lon=2.602819))
    assert geocoder.asked == [ReverseQuery(lat=46.39993, lon=2.60282, limit=1)]


def test_an_id_served_recently_resolves_without_asking(
    geocoder: ScriptedGeocoder, clock: FakeClock
) -> None:
    help = helper(geocoder, clock)
    search(help, "12 rue de la")
    sent = Location(geocoder_id=HOUSE.id, label="12 rue de la", latitude=0.0, longitude=0.0)
    assert help.cached(HOUSE.id) == HOUSE.location()
    assert help.resolve(sent) == HOUSE.location()
    assert len(geocoder.asked) == 1


def test_an_unknown_id_is_searched_by_its_label_then_given_up(
    geocoder: ScriptedGeocoder, clock: FakeClock
) -> None:
    help = helper(geocoder, clock)
    sent = Location(geocoder_id="00101_0010_00099", label="99 Rue de la République 00100 Valbrume")
    assert help.resolve(sent) is None
    assert geocoder.asked == [
        SearchQuery(q="99 rue de la république 00100 valbrume", limit=20, autocomplete=False)
    ]
    assert help.cached("00101_0010_00099") is None


def test_a_location_without_id_or_text_resolves_to_nothing(
    geocoder: ScriptedGeocoder, clock: FakeClock
) -> None:
    help = helper(geocoder, clock)
    assert help.resolve(Location(label="12 rue")) is None
    assert help.resolve(Location(geocoder_id="x1")) is None
    assert geocoder.asked == []


def test_a_label_less_location_is_searched_by_its_parts(
    geocoder: ScriptedGeocoder, clock: FakeClock
) -> None:
    help = helper(geocoder, clock)
    sent = Location(
        geocoder_id=HOUSE.id,
        house_number="12",
        street="Rue de la République",
        postcode="00100",
        city="Valbrume",
    )
    assert help.resolve(sent) == HOUSE.location()
    assert geocoder.asked[0].q == "12 rue de la république 00100 valbrume"  # type: ignore[union-attr]
