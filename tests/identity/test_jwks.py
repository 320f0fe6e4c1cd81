"""HttpJwksSource: discovery, caching, key rotation, and a floor against kid floods."""

from __future__ import annotations

import logging
import threading

import pytest

from cityzen_connector.identity import (
    HttpJwksSource,
    IdentityConfigError,
    InvalidToken,
    JwkSet,
    JwksSource,
    KeysUnavailable,
    StaticJwksSource,
    TokenVerifier,
    VerifierConfig,
)
from cityzen_connector.testing import FakeClock
from tests.identity.conftest import VerifierFactory
from tests.support.tokens import (
    AUDIENCE,
    ISSUER,
    JWKS_URI,
    Fetcher,
    Signer,
    claims,
    unsigned,
)

DISCOVERY = ISSUER + "/.well-known/openid-configuration"


def refusal(source: JwksSource, clock: FakeClock, token: str) -> str:
    config = VerifierConfig(issuer=ISSUER, audiences=frozenset({AUDIENCE}))
    with pytest.raises(InvalidToken) as info:
        TokenVerifier(config, source, clock=clock).verify(token)
    return info.value.reason


def test_unknown_kid_refetches_once_then_accepts_the_rotated_key(
    make_verifier: VerifierFactory,
    fetcher: Fetcher,
    rsa_signer: Signer,
    rsa_signer_2: Signer,
    clock: FakeClock,
) -> None:
    verifier = make_verifier()
    verifier.verify(rsa_signer.sign(claims(), kid=rsa_signer.kid))
    assert fetcher.calls == [JWKS_URI]
    clock.advance(120)  # past the refresh floor, within the TTL
    fetcher.publish(rsa_signer, rsa_signer_2)  # the provider rotates in a new key
    identity = verifier.verify(rsa_signer_2.sign(claims(), kid=rsa_signer_2.kid))
    assert identity.kind == "citizen"
    assert fetcher.calls == [JWKS_URI, JWKS_URI]
    verifier.verify(rsa_signer_2.sign(claims(), kid=rsa_signer_2.kid))
    assert len(fetcher.calls) == 2  # now cached


def test_a_flood_of_unknown_kids_fetches_at_most_once_per_floor_period(
    make_verifier: VerifierFactory, fetcher: Fetcher, rsa_signer: Signer, clock: FakeClock
) -> None:
    verifier = make_verifier()  # floor: 30 s
    verifier.verify(rsa_signer.sign(claims(), kid=rsa_signer.kid))
    fetches_before = len(fetcher.calls)
    clock.advance(31)
    for i in range(500):
        with pytest.raises(InvalidToken) as info:
            # Unsigned is enough: an unknown kid is refused before any signature work.
            verifier.verify(unsigned({"alg": "RS256", "kid": f"random-{i}"}, claims(), "c2ln"))
        assert info.value.reason == "unknown_kid"
        clock.advance(0.01)  # 500 tokens within 5 seconds
    assert len(fetcher.calls) - fetches_before == 1
    clock.advance(30)
    with pytest.raises(InvalidToken):
        verifier.verify(rsa_signer.sign(claims(), kid="random-late"))
    assert len(fetcher.calls) - fetches_before == 2


def test_keys_are_cached_for_the_ttl_then_refreshed(fetcher: Fetcher, clock: FakeClock) -> None:
    source = HttpJwksSource(fetcher, clock=clock, jwks_uri=JWKS_URI, cache_ttl_seconds=600)
    source.get_keys()
    clock.advance(599)
    source.get_keys()
    assert len(fetcher.calls) == 1
    clock.advance(2)
    source.get_keys()
    assert len(fetcher.calls) == 2


def test_discovery_finds_the_jwks_uri(
    fetcher: Fetcher, clock: FakeClock, rsa_signer: Signer
) -> None:
    fetcher.documents[DISCOVERY] = {"issuer": ISSUER, "jwks_uri": JWKS_URI}
    source = HttpJwksSource(fetcher, clock=clock, issuer=ISSUER)
    assert source.get_keys().find(rsa_signer.kid) is not None
    assert fetcher.calls == [DISCOVERY, JWKS_URI]


def test_discovery_naming_another_issuer_is_not_trusted(fetcher: Fetcher, clock: FakeClock) -> None:
    # OpenID Connect Discovery 1.0 section 4.3: a mix-up or a hijacked document.
    fetcher.documents[DISCOVERY] = {"issuer": "https://evil.example", "jwks_uri": JWKS_URI}
    with pytest.raises(KeysUnavailable, match="another issuer"):
        HttpJwksSource(fetcher, clock=clock, issuer=ISSUER).get_keys()


@pytest.mark.parametrize(
    "jwks_uri", ["http://idp.example.fr/keys", "file:///etc/passwd", "ftp://x/keys", 42]
)
def test_discovered_jwks_uri_must_be_https(
    fetcher: Fetcher, clock: FakeClock, jwks_uri: object
) -> None:
    fetcher.documents[DISCOVERY] = {"issuer": ISSUER, "jwks_uri": jwks_uri}
    with pytest.raises(KeysUnavailable):
        HttpJwksSource(fetcher, clock=clock, issuer=ISSUER).get_keys()


@pytest.mark.parametrize("url", ["http://idp.example.fr/keys", "keys.json", "https://"])
def test_configured_urls_must_be_https_except_loopback(
    fetcher: Fetcher, clock: FakeClock, url: str
) -> None:
    with pytest.raises(IdentityConfigError):
        HttpJwksSource(fetcher, clock=clock, jwks_uri=url)
    HttpJwksSource(fetcher, clock=clock, jwks_uri="http://127.0.0.1:7073/keys")  # local mode


def test_provider_down_with_nothing_cached_is_keys_unavailable_not_a_refusal(
    make_verifier: VerifierFactory, fetcher: Fetcher, rsa_signer: Signer
) -> None:
    fetcher.failing = True
    with pytest.raises(KeysUnavailable):
        make_verifier().verify(rsa_signer.sign(claims(), kid=rsa_signer.kid))


def test_provider_down_after_a_success_serves_the_cached_keys(
    fetcher: Fetcher, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    source = HttpJwksSource(fetcher, clock=clock, jwks_uri=JWKS_URI, cache_ttl_seconds=60)
    first = source.get_keys()
    fetcher.failing = True
    clock.advance(3600)
    with caplog.at_level(logging.WARNING):
        assert source.get_keys() == first
    assert "serving the cached key set" in caplog.text


def test_failed_fetch_is_not_retried_before_the_floor(fetcher: Fetcher, clock: FakeClock) -> None:
    fetcher.failing = True
    source = HttpJwksSource(
        fetcher, clock=clock, jwks_uri=JWKS_URI, min_refresh_interval_seconds=30
    )
    for _ in range(50):
        with pytest.raises(KeysUnavailable):
            source.get_keys(force_refresh=True)
    assert len(fetcher.calls) == 1
    fetcher.failing = False
    clock.advance(30)
    assert source.get_keys().keys


@pytest.mark.parametrize(
    "document",
    [
        [],
        {"keys": "nope"},
        {"keys": [42]},
        {"keys": [{"kid": "no-kty"}]},
        {"keys": [{"kty": "RSA", "kid": str(i)} for i in range(65)]},
    ],
)
def test_invalid_jwk_set_documents_are_refused(
    fetcher: Fetcher, clock: FakeClock, document: object
) -> None:
    fetcher.documents[JWKS_URI] = document
    with pytest.raises(KeysUnavailable, match="JWK Set"):
        HttpJwksSource(fetcher, clock=clock, jwks_uri=JWKS_URI).get_keys()


def test_encryption_keys_are_never_used_to_verify(
    fetcher: Fetcher, clock: FakeClock, rsa_signer: Signer
) -> None:
    fetcher.documents[JWKS_URI] = {"keys": [{**rsa_signer.jwk(), "use": "enc"}]}
    source = HttpJwksSource(fetcher, clock=clock, jwks_uri=JWKS_URI)
    assert refusal(source, clock, rsa_signer.sign(claims(), kid=rsa_signer.kid)) == "unknown_kid"


def test_jwk_alg_member_must_match_the_token_alg(clock: FakeClock, rsa_signer: Signer) -> None:
    source = StaticJwksSource(JwkSet(({**rsa_signer.jwk(), "alg": "RS512"},)))
    token = rsa_signer.sign(claims(), kid=rsa_signer.kid)
    assert refusal(source, clock, token) == "alg_not_allowed"


def test_source_needs_somewhere_to_get_keys(fetcher: Fetcher, clock: FakeClock) -> None:
    with pytest.raises(IdentityConfigError):
        HttpJwksSource(fetcher, clock=clock)
    with pytest.raises(IdentityConfigError):
        HttpJwksSource(fetcher, clock=clock, discovery_url=DISCOVERY)  # cannot check its issuer


def test_keys_whose_key_ops_exclude_verify_are_not_used(
    fetcher: Fetcher, clock: FakeClock, rsa_signer: Signer
) -> None:
    fetcher.documents[JWKS_URI] = {"keys": [{**rsa_signer.jwk(), "key_ops": ["encrypt"]}]}
    source = HttpJwksSource(fetcher, clock=clock, jwks_uri=JWKS_URI)
    assert refusal(source, clock, rsa_signer.sign(claims(), kid=rsa_signer.kid)) == "unknown_kid"


def test_requests_keep_the_current_keys_while_another_thread_refreshes(
    fetcher: Fetcher, clock: FakeClock
) -> None:
    started, release = threading.Event(), threading.Event()
    slow = False

    def fetch(url: str) -> object:
        if slow:  # the provider turns slow for the second fetch
            started.set()
            assert release.wait(timeout=5)
        return fetcher(url)

    source = HttpJwksSource(fetch, clock=clock, jwks_uri=JWKS_URI, cache_ttl_seconds=60)
    first = source.get_keys()
    clock.advance(61)
    slow = True
    refresher = threading.Thread(target=source.get_keys)
    refresher.start()
    try:
        assert started.wait(timeout=5)
        assert source.get_keys() is first  # answered at once, without waiting for the fetch
    finally:
        release.set()
        refresher.join(timeout=5)
    assert source.get_keys() is not first  # the refresh landed
