"""Address help: suggestions as the citizen types, "use my location", and a chosen result's id
resolved again for the pipeline.

Every answer goes through one bounded TTL cache keyed on the normalised question (text, filters,
limit, rounded bias point), so the keystrokes of many citizens typing the same street cost the
service one request each. What is not cached waits its turn in a token bucket kept under the
service's limit (50 requests/s per IP for the Géoplateforme; our default is 40): a short wait
at most, else a refusal that the API turns into a 503 with ``Retry-After``. A 429 from the
service holds every request until its ``Retry-After`` has passed: we never hammer it.

Each result served is also remembered by id, so that resolving the id a submission carries is
usually free (``cached``, ``resolve``). The service has no lookup by id: on a miss, ``resolve``
searches the location's own label (the chosen result's, as the portal sent it back) and keeps
the result whose id matches.
"""

from __future__ import annotations

from dataclasses import dataclass

from cityzen_connector._clock import MonotonicClock
from cityzen_connector.models import Location

from ._address_models import (
    MAX_LIMIT,
    Address,
    AddressResults,
    AddressReverseParams,
    AddressSearchParams,
    ReverseQuery,
    SearchQuery,
    normalise_query,
    reverse_query,
    search_query,
)
from ._errors import GeocoderRateLimitedError
from ._geocoder import Geocoder
from ._geocoding_cache import CacheStats, TokenBucket, TtlCache


@dataclass(frozen=True)
class AddressHelpConfig:
    """How hard we may ask the service, and how long an answer is reused."""

    # Under the Géoplateforme's 50 requests/s per IP: per process, so with N instances behind
    # one outbound address each should get 50/N.
    requests_per_second: float = 40.0
    burst: int = 10
    # A typing citizen barely notices 0.5 s; past that, a 503 with Retry-After.
    max_wait_seconds: float = 0.5
    # The BAN index is refreshed weekly: an hour-old answer is as good as a new one.
    cache_seconds: float = 3600.0
    cache_entries: int = 10_000


Query = SearchQuery | ReverseQuery


class AddressHelp:
    def __init__(
        self,
        geocoder: Geocoder,
        config: AddressHelpConfig,
        *,
        clock: MonotonicClock,
    ) -> None:
        self._geocoder = geocoder
        self._clock = clock
        self._answers: TtlCache[Query, tuple[Address, ...]] = TtlCache(
            max_entries=config.cache_entries, ttl=config.cache_seconds, clock=clock
        )
        self._by_id: TtlCache[str, Address] = TtlCache(
            max_entries=config.cache_entries, ttl=config.cache_seconds, clock=clock
        )
        self._bucket = TokenBucket(
            rate=config.requests_per_second,
            burst=config.burst,
            max_wait=config.max_wait_seconds,
            clock=clock,
        )
        self.calls = 0  # requests sent to the service (benchmarks and tests read it)

    def search(self, params: AddressSearchParams) -> AddressResults:
        """Suggestions for what was typed; raises ``GeocoderError`` when the service cannot
        answer and nothing is cached."""
        query = search_query(params)
        if query is None:  # only symbols or spaces: nothing a geocoder could match
            return AddressResults(results=())
        return AddressResults(results=self._answer(query))

    def reverse(self, params: AddressReverseParams) -> AddressResults:
        return AddressResults(results=self._answer(reverse_query(params)))

    def cached(self, geocoder_id: str) -> Location | None:
        """The address behind an id served recently, without asking anyone (intake's check)."""
        found = self._by_id.peek(geocoder_id)
        return found.location() if found is not None else None

    def resolve(self, location: Location) -> Location | None:
        """The geocoder's own address for ``location.geocoder_id``: every field from the
        service, none from the client; ``None`` when the service does not know that id.
        Raises ``GeocoderError`` when it cannot be asked."""
        wanted = location.geocoder_id
        if wanted is None:
            return None
        known = self.cached(wanted)
        if known is not None:
            return known
        text = location.label or " ".join(
            part
            for part in (
                location.house_number,
                location.street,
                location.postcode,
                location.city,
            )
            if part
        )
        q = normalise_query(text)
        if q is None:
            return None
        found = self._answer(SearchQuery(q=q, limit=MAX_LIMIT, autocomplete=False))
        return next((a.location() for a in found if a.id == wanted), None)

    def stats(self) -> CacheStats:
        return self._answers.stats()

    # -- the cache, the bucket, the service ----------------------------------------------------
    def _answer(self, query: Query) -> tuple[Address, ...]:
        cached = self._answers.get(query)
        if cached is not None:
            return cached
        wait = self._bucket.reserve()
        if wait > 0:
            self._clock.sleep(wait)
        self.calls += 1
        try:
            if isinstance(query, SearchQuery):
                found = self._geocoder.search(query)
            else:
                found = self._geocoder.reverse(query)
        except GeocoderRateLimitedError as exc:
            self._bucket.hold(exc.retry_after)
            raise
        self._answers.put(query, found)
        for address in found:
            self._by_id.put(address.id, address)
        return found
