"""The feed fetcher on the wire (``responses``): conditional headers sent, 304 understood,
redirections bounded and kept to http(s), sizes and time capped while reading, failures as
reason codes."""

from __future__ import annotations

import gzip

import pytest
import requests
import responses
from responses import matchers

from cityzen_connector.portal import (
    Fetched,
    FetchFailed,
    FetchLimits,
    NotModified,
    RequestsFeedFetcher,
    Validators,
)
from cityzen_connector.testing import FakeClock
from tests.portal.feeds import NEWS_URL, RSS_TYPE, item, rss

BODY = rss(item()).encode()
LIMITS = FetchLimits(timeout_seconds=10, max_bytes=64 * 1024, max_redirects=3)


def fetcher(clock: FakeClock | None = None) -> RequestsFeedFetcher:
    return RequestsFeedFetcher(requests.Session(), monotonic=clock or FakeClock())


@responses.activate
def test_a_first_fetch_is_unconditional_and_keeps_the_validators() -> None:
    responses.get(
        NEWS_URL,
        body=BODY,
        headers={"ETag": '"v1"', "Last-Modified": "Tue, 01 Dec 2026 09:00:00 GMT"},
        content_type=RSS_TYPE,
    )
    got = fetcher().fetch(NEWS_URL, Validators(), LIMITS)
    assert isinstance(got, Fetched)
    assert got.body == BODY
    assert got.content_type == RSS_TYPE
    assert got.validators == Validators('"v1"', "Tue, 01 Dec 2026 09:00:00 GMT")
    sent = responses.calls[0].request.headers
    assert "If-None-Match" not in sent
    assert "If-Modified-Since" not in sent
    assert "rss+xml" in sent["Accept"]
    assert sent["User-Agent"].startswith("CityZen-Feeds/")


@responses.activate
def test_an_unchanged_feed_costs_a_304_asked_with_both_validators_as_the_server_sent_them() -> None:
    responses.get(
        NEWS_URL,
        status=304,
        headers={"ETag": '"v1"'},
        match=[
            matchers.header_matcher(
                {"If-None-Match": '"v1"', "If-Modified-Since": "Tue, 01 Dec 2026 09:00:00 GMT"}
            )
        ],
    )
    sent = Validators('"v1"', "Tue, 01 Dec 2026 09:00:00 GMT")
    got = fetcher().fetch(NEWS_URL, sent, LIMITS)
    assert got == NotModified(Validators('"v1"', None))


@responses.activate
def test_a_304_without_validators_keeps_the_ones_sent() -> None:
    responses.get(NEWS_URL, status=304)
    sent = Validators(None, "Tue, 01 Dec 2026 09:00:00 GMT")
    assert fetcher().fetch(NEWS_URL, sent, LIMITS) == NotModified(sent)


@responses.activate
def test_redirections_are_followed_to_the_end_and_the_final_url_is_the_base() -> None:
    responses.get(NEWS_URL, status=301, headers={"Location": "/nouveau/rss.xml"})
    final = "https://www.valmont.example.fr/nouveau/rss.xml"
    responses.get(final, body=BODY, content_type=RSS_TYPE)
    got = fetcher().fetch(NEWS_URL, Validators('"v1"'), LIMITS)
    assert isinstance(got, Fetched)
    assert got.url == final
    assert responses.calls[1].request.headers["If-None-Match"] == '"v1"'


@responses.activate
def test_redirections_are_bounded() -> None:
    for n in range(5):
        responses.get(f"https://r.example.fr/{n}", status=302, headers={"Location": f"/{n + 1}"})
    got = fetcher().fetch("https://r.example.fr/0", Validators(), LIMITS)
    assert got == FetchFailed("too_many_redirects")
    assert len(responses.calls) == LIMITS.max_redirects + 1


@pytest.mark.parametrize("target", ["file:///etc/passwd", "ftp://ftp.example.fr/rss.xml"])
@responses.activate
def test_a_redirection_off_http_is_refused(target: str) -> None:
    responses.get(NEWS_URL, status=302, headers={"Location": target})
    assert fetcher().fetch(NEWS_URL, Validators(), LIMITS) == FetchFailed("redirect_scheme", 302)


@responses.activate
def test_a_redirection_without_location_is_refused() -> None:
    responses.get(NEWS_URL, status=302)
    got = fetcher().fetch(NEWS_URL, Validators(), LIMITS)
    assert got == FetchFailed("redirect_without_location", 302)


@responses.activate
def test_a_declared_oversize_body_is_refused_unread() -> None:
    responses.get(
        NEWS_URL,
        body=b"<rss/>",
        headers={"Content-Length": str(LIMITS.max_bytes + 1)},
        auto_calculate_content_length=False,
    )
    assert fetcher().fetch(NEWS_URL, Validators(), LIMITS) == FetchFailed("too_large", 200)


@responses.activate
def test_an_undeclared_oversize_body_is_cut_while_streaming() -> None:
    huge = b"<rss>" + b"x" * (LIMITS.max_bytes * 4)
    responses.get(NEWS_URL, body=huge, auto_calculate_content_length=False)
    assert fetcher().fetch(NEWS_URL, Validators(), LIMITS) == FetchFailed("too_large", 200)


@responses.activate
def test_the_size_cap_applies_to_the_decompressed_bytes() -> None:
    bomb = gzip.compress(b" " * (LIMITS.max_bytes * 20))  # a few KB on the wire
    responses.get(NEWS_URL, body=bomb, headers={"Content-Encoding": "gzip"})
    assert len(bomb) < LIMITS.max_bytes
    assert fetcher().fetch(NEWS_URL, Validators(), LIMITS) == FetchFailed("too_large", 200)


class _SlowClock(FakeClock):
    """Each reading of the monotonic time is 4 seconds after the last: a dripping server."""

    def now(self) -> float:
        self.advance(4)
        return super().now()


@responses.activate
def test_a_body_that_takes_too_long_in_all_is_cut() -> None:
    responses.get(NEWS_URL, body=BODY * 400, content_type=RSS_TYPE)  # several chunks
    limits = FetchLimits(timeout_seconds=10, max_bytes=10**7, max_redirects=0)
    got = RequestsFeedFetcher(requests.Session(), monotonic=_SlowClock()).fetch(
        NEWS_URL, Validators(), limits
    )
    assert got == FetchFailed("timeout", 200)


@pytest.mark.parametrize(
    ("error", "reason"),
    [
        (requests.exceptions.ConnectTimeout("t"), "timeout"),
        (requests.exceptions.ReadTimeout("t"), "timeout"),
        (requests.exceptions.SSLError("s"), "tls"),
        (requests.exceptions.ConnectionError("refused"), "connection"),
    ],
)
@responses.activate
def test_transport_failures_become_reason_codes(error: Exception, reason: str) -> None:
    responses.get(NEWS_URL, body=error)
    assert fetcher().fetch(NEWS_URL, Validators(), LIMITS) == FetchFailed(reason)


@pytest.mark.parametrize("status", [404, 410, 500, 503])
@responses.activate
def test_http_errors_are_failures_with_their_status(status: int) -> None:
    responses.get(NEWS_URL, status=status, body=b"<html>erreur</html>")
    got = fetcher().fetch(NEWS_URL, Validators(), LIMITS)
    assert got == FetchFailed(f"http_{status}", status)


@pytest.mark.parametrize("content_type", ["image/png", "application/pdf", "video/mp4"])
@responses.activate
def test_a_body_whose_type_cannot_be_a_feed_is_refused_unread(content_type: str) -> None:
    responses.get(NEWS_URL, body=b"\x89PNG" + b"\x00" * 100, content_type=content_type)
    assert fetcher().fetch(NEWS_URL, Validators(), LIMITS) == FetchFailed("content_type", 200)


@pytest.mark.parametrize("content_type", ["text/html", "text/plain", "application/octet-stream"])
@responses.activate
def test_a_feed_mislabelled_as_text_is_still_read(content_type: str) -> None:
    responses.get(NEWS_URL, body=BODY, content_type=content_type)
    assert isinstance(fetcher().fetch(NEWS_URL, Validators(), LIMITS), Fetched)
