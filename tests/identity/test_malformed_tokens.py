"""Garbage, oversized and hostile tokens are refused with a typed error, never a crash."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cityzen_connector.identity import HttpJwksSource, InvalidToken, TokenVerifier, VerifierConfig
from cityzen_connector.testing import FakeClock
from tests.support.tokens import (
    AUDIENCE,
    ISSUER,
    JWKS_URI,
    START,
    Fetcher,
    Signer,
    b64,
    claims,
    unsigned,
)


def reason(verifier: TokenVerifier, token: object) -> str:
    with pytest.raises(InvalidToken) as info:
        verifier.verify(token)  # type: ignore[arg-type]
    if isinstance(token, str) and token:
        assert token[:200] not in str(info.value)
    return info.value.reason


@pytest.mark.parametrize(
    "token",
    [
        "garbage",
        "a.b",
        "a.b.c.d",
        "....",
        "eyJhbGciOiJSUzI1NiJ9..sig",  # empty payload segment
        "%%%.***.!!!",
        "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxIn0=.c2ln",  # padding is not base64url
        "W10.e30.c2ln",  # header is a JSON array
        "bnVsbA.e30.c2ln",  # header is null
        "e30.e30.c2ln",  # header without alg
        "eyJhbGciOjF9.e30.c2ln",  # alg is a number
        "YWJj.e30.c2ln",  # header not JSON
        "_w.e30.c2ln",  # header not UTF-8
        "A.e30.c2ln",  # impossible base64 length
        "jwt.with.ünicode",
    ],
)
def test_garbage_is_malformed(verifier: TokenVerifier, token: str) -> None:
    assert reason(verifier, token) == "malformed"


def test_jwe_is_refused_as_malformed(verifier: TokenVerifier) -> None:
    assert reason(verifier, "eyJhbGciOiJSU0EtT0FFUCJ9.a.b.c.d") == "malformed"


@pytest.mark.parametrize("token", ["", None, 42])
def test_missing_token(verifier: TokenVerifier, token: object) -> None:
    assert reason(verifier, token) == "missing"


def test_oversized_token_is_refused_before_parsing(
    verifier: TokenVerifier, rsa_signer: Signer
) -> None:
    big = rsa_signer.sign(claims(padding="x" * 20_000), kid=rsa_signer.kid)
    assert len(big) > 16 * 1024
    assert reason(verifier, big) == "oversized"
    assert reason(verifier, "a" * 10_000_000) == "oversized"


def test_duplicate_header_members_are_refused(verifier: TokenVerifier) -> None:
    header = '{"alg":"none","alg":"RS256","kid":"rsa-2026-01"}'
    assert reason(verifier, f"{b64(header)}.{b64(json.dumps(claims()))}.c2ln") == "malformed"


def test_duplicate_payload_members_are_refused(verifier: TokenVerifier, rsa_signer: Signer) -> None:
    # Signed over a payload that says two things about aud: which one would a reader believe?
    header = b64(json.dumps({"alg": "RS256", "kid": rsa_signer.kid}))
    body = json.dumps(claims())[:-1] + ', "aud": "api://elsewhere"}'
    assert reason(verifier, f"{header}.{b64(body)}.c2ln") == "malformed"


def test_unknown_critical_header_is_refused(verifier: TokenVerifier) -> None:
    token = unsigned({"alg": "RS256", "kid": "rsa-2026-01", "crit": ["exp"]}, claims(), "c2ln")
    assert reason(verifier, token) == "malformed"


def test_missing_kid_is_refused(verifier: TokenVerifier, rsa_signer: Signer) -> None:
    assert reason(verifier, rsa_signer.sign(claims())) == "malformed"


def test_deeply_nested_json_is_refused_not_crashing(verifier: TokenVerifier) -> None:
    deep = "[" * 4000 + "]" * 4000  # beyond the JSON parser's recursion limit, under the cap
    payload = b64('{"x":' + deep + "}")
    token = f"{b64(json.dumps({'alg': 'RS256', 'kid': 'k'}))}.{payload}.c2ln"
    assert len(token) < 16 * 1024
    assert reason(verifier, token) == "malformed"


@settings(max_examples=200, deadline=None)
@given(token=st.one_of(st.text(max_size=300), st.from_regex(r"[A-Za-z0-9_\-.]{0,300}")))
def test_any_string_is_either_refused_with_a_reason_or_never_crashes(token: str) -> None:
    # Built inline: hypothesis runs many examples per function-scoped fixture instance.
    fetch, clock = Fetcher(), FakeClock(START)
    source = HttpJwksSource(fetch, clock=clock, jwks_uri=JWKS_URI)
    verifier = TokenVerifier(
        VerifierConfig(issuer=ISSUER, audiences=frozenset({AUDIENCE})), source, clock=clock
    )
    with pytest.raises(InvalidToken):
        verifier.verify(token)
