"""TokenVerifier: what is accepted, what is refused and why -- with real keys and signatures."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from datetime import timedelta
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from cityzen_connector.identity import (
    IdentityConfigError,
    InvalidToken,
    TokenVerifier,
    VerifierConfig,
)
from cityzen_connector.testing import FakeClock
from tests.identity.conftest import VerifierFactory
from tests.support.tokens import (
    AUDIENCE,
    CLIENT_ID,
    ISSUER,
    NOW,
    SECRET_CLAIMS,
    START,
    Signer,
    b64,
    claims,
    unsigned,
)


def refused(verifier: TokenVerifier, token: str) -> str:
    with pytest.raises(InvalidToken) as info:
        verifier.verify(token)
    assert token not in str(info.value)
    return info.value.reason


# -- accepted --------------------------------------------------------------------------------


def test_valid_rs256_token_gives_the_citizen_and_their_certified_claims(
    verifier: TokenVerifier, rsa_signer: Signer
) -> None:
    identity = verifier.verify(rsa_signer.sign(claims(email_verified=True), kid=rsa_signer.kid))
    assert identity.kind == "citizen"
    assert identity.issuer == ISSUER
    assert identity.subject == SECRET_CLAIMS["sub"]
    assert identity.client_id == CLIENT_ID
    assert identity.scopes == frozenset({"requests.submit"})
    citizen = identity.citizen
    assert citizen is not None
    assert citizen.family_name == "Delacroix"
    assert citizen.preferred_username == "Dupont-Delacroix"
    assert citizen.birthplace == "75112"
    assert citizen.acr == "eidas1"
    assert citizen.is_certified("birthdate")
    assert citizen.is_certified("email")  # email_verified: true
    assert not citizen.is_certified("phone_number")  # no phone_number_verified
    assert not citizen.is_certified("acr")


def test_valid_es256_token_is_accepted(verifier: TokenVerifier, ec_signer: Signer) -> None:
    identity = verifier.verify(ec_signer.sign(claims(), kid=ec_signer.kid))
    assert identity.subject == SECRET_CLAIMS["sub"]


def test_rfc9068_typed_access_token_is_accepted_without_scope_claims(
    make_verifier: VerifierFactory, rsa_signer: Signer
) -> None:
    verifier = make_verifier(type_check="rfc9068")
    token = rsa_signer.sign(claims(scp=None), kid=rsa_signer.kid, typ="at+jwt")
    assert verifier.verify(token).subject == SECRET_CLAIMS["sub"]


def test_audience_may_be_a_list_containing_ours(
    verifier: TokenVerifier, rsa_signer: Signer
) -> None:
    token = rsa_signer.sign(claims(aud=["https://other.example", AUDIENCE]), kid=rsa_signer.kid)
    assert verifier.verify(token).kind == "citizen"


def test_claim_map_reads_renamed_claims(make_verifier: VerifierFactory, rsa_signer: Signer) -> None:
    verifier = make_verifier(claim_map={"birthplace": "extension_app_birthplace"})
    token = rsa_signer.sign(
        claims(birthplace=None, extension_app_birthplace="69123"), kid=rsa_signer.kid
    )
    citizen = verifier.verify(token).citizen
    assert citizen is not None
    assert citizen.birthplace == "69123"
    assert citizen.is_certified("birthplace")


# -- forged or foreign -----------------------------------------------------------------------


def test_forged_signature_is_refused(verifier: TokenVerifier, rsa_signer: Signer) -> None:
    header, _, signature = rsa_signer.sign(claims(), kid=rsa_signer.kid).split(".")
    tampered = b64(json.dumps(claims(sub="someone-else")))
    assert refused(verifier, f"{header}.{tampered}.{signature}") == "bad_signature"


def test_token_signed_by_another_key_under_a_published_kid_is_refused(
    verifier: TokenVerifier, rsa_signer: Signer, rsa_signer_2: Signer
) -> None:
    token = rsa_signer_2.sign(claims(), kid=rsa_signer.kid)
    assert refused(verifier, token) == "bad_signature"


def test_key_embedded_in_the_header_is_never_trusted(
    verifier: TokenVerifier, rsa_signer_2: Signer
) -> None:
    # The attacker signs with their own key and ships it in the header (jwk, jku).
    token = rsa_signer_2.sign(
        claims(), kid="attacker", jwk=rsa_signer_2.jwk(), jku="https://evil.example/jwks"
    )
    assert refused(verifier, token) == "unknown_kid"


def test_wrong_audience_is_refused(verifier: TokenVerifier, rsa_signer: Signer) -> None:
    token = rsa_signer.sign(claims(aud="api://another-api"), kid=rsa_signer.kid)
    assert refused(verifier, token) == "wrong_audience"


def test_wrong_issuer_is_refused(verifier: TokenVerifier, rsa_signer: Signer) -> None:
    token = rsa_signer.sign(claims(iss="https://evil.example/v2.0"), kid=rsa_signer.kid)
    assert refused(verifier, token) == "wrong_issuer"


# -- time ------------------------------------------------------------------------------------


def test_expired_token_is_refused(verifier: TokenVerifier, rsa_signer: Signer) -> None:
    token = rsa_signer.sign(claims(exp=int(NOW) - 3600), kid=rsa_signer.kid)
    assert refused(verifier, token) == "expired"


def test_nbf_in_the_future_is_refused(verifier: TokenVerifier, rsa_signer: Signer) -> None:
    token = rsa_signer.sign(claims(nbf=int(NOW) + 3600), kid=rsa_signer.kid)
    assert refused(verifier, token) == "not_yet_valid"


def test_iat_in_the_future_is_refused(verifier: TokenVerifier, rsa_signer: Signer) -> None:
    token = rsa_signer.sign(claims(iat=int(NOW) + 3600, nbf=None), kid=rsa_signer.kid)
    assert refused(verifier, token) == "not_yet_valid"


@pytest.mark.parametrize(("offset", "accepted"), [(59, True), (60, True), (61, False)])
def test_expiry_within_the_clock_skew_is_tolerated_and_beyond_it_refused(
    make_verifier: VerifierFactory,
    rsa_signer: Signer,
    clock: FakeClock,
    offset: int,
    accepted: bool,
) -> None:
    verifier = make_verifier(clock_skew_seconds=60)
    token = rsa_signer.sign(claims(exp=int(NOW)), kid=rsa_signer.kid)
    clock.set(START + timedelta(seconds=offset))
    if accepted:
        assert verifier.verify(token).kind == "citizen"
    else:
        assert refused(verifier, token) == "expired"


@pytest.mark.parametrize(("early", "accepted"), [(30, True), (61, False)])
def test_nbf_within_the_clock_skew_is_tolerated_and_beyond_it_refused(
    verifier: TokenVerifier, rsa_signer: Signer, early: int, accepted: bool
) -> None:
    token = rsa_signer.sign(claims(nbf=int(NOW) + early, iat=None), kid=rsa_signer.kid)
    if accepted:
        assert verifier.verify(token).kind == "citizen"
    else:
        assert refused(verifier, token) == "not_yet_valid"


@pytest.mark.parametrize("exp", ["1900000600", True, None])
def test_missing_or_mistyped_exp_is_refused(
    verifier: TokenVerifier, rsa_signer: Signer, exp: Any
) -> None:
    token = rsa_signer.sign(claims(exp=exp), kid=rsa_signer.kid)
    assert refused(verifier, token) in {"missing_claim", "malformed"}


def test_infinite_expiry_is_refused(verifier: TokenVerifier, rsa_signer: Signer) -> None:
    # Python's json writes and reads Infinity; the token is validly signed over it.
    token = jwt.encode(
        {**claims(), "exp": float("inf")},
        rsa_signer.private_key,
        algorithm="RS256",
        headers={"kid": rsa_signer.kid},
    )
    assert refused(verifier, token) == "malformed"


# -- algorithms ------------------------------------------------------------------------------


def test_alg_none_is_refused(verifier: TokenVerifier, rsa_signer: Signer) -> None:
    token = unsigned({"alg": "none", "typ": "JWT", "kid": rsa_signer.kid}, claims())
    assert refused(verifier, token) == "alg_not_allowed"


@pytest.mark.parametrize("alg", ["None", "NONE", "nOnE"])
def test_alg_none_in_any_case_is_refused(verifier: TokenVerifier, alg: str) -> None:
    assert refused(verifier, unsigned({"alg": alg, "kid": "x"}, claims(), "c2ln")) == (
        "alg_not_allowed"
    )


def test_hs256_signed_with_the_rsa_public_key_pem_is_refused(
    verifier: TokenVerifier, rsa_signer: Signer
) -> None:
    # The classic algorithm-confusion forgery: HMAC keyed with the public key everyone has.
    pem = rsa_signer.private_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    signing_input = (
        f"{b64(json.dumps({'alg': 'HS256', 'typ': 'JWT', 'kid': rsa_signer.kid}))}."
        f"{b64(json.dumps(claims()))}"
    )
    mac = hmac.new(pem, signing_input.encode(), hashlib.sha256).digest()
    assert refused(verifier, f"{signing_input}.{b64(mac)}") == "alg_not_allowed"


def test_algorithm_must_match_the_key_type(verifier: TokenVerifier, ec_signer: Signer) -> None:
    # ES256 is allowed, but the kid names an RSA key: never verify across key types.
    token = ec_signer.sign(claims(), kid="rsa-2026-01")
    assert refused(verifier, token) == "alg_not_allowed"


def test_allowed_algorithm_outside_this_deployments_list_is_refused(
    make_verifier: VerifierFactory, ec_signer: Signer
) -> None:
    verifier = make_verifier(algorithms=frozenset({"RS256"}))
    assert refused(verifier, ec_signer.sign(claims(), kid=ec_signer.kid)) == "alg_not_allowed"


@pytest.mark.parametrize("algorithms", [{"HS256"}, {"none"}, {"RS256", "HS512"}, set()])
def test_symmetric_or_none_algorithms_cannot_be_configured(algorithms: set[str]) -> None:
    with pytest.raises(IdentityConfigError):
        VerifierConfig(
            issuer=ISSUER, audiences=frozenset({AUDIENCE}), algorithms=frozenset(algorithms)
        )


def test_weak_rsa_key_published_by_the_provider_is_not_used(
    make_verifier: VerifierFactory, fetcher: Any
) -> None:
    weak = Signer(rsa.generate_private_key(public_exponent=65537, key_size=1024), "weak", "RS256")
    fetcher.publish(weak)
    # Signed by hand: PyJWT rightly warns when asked to sign with a 1024-bit key.
    signing_input = (
        f"{b64(json.dumps({'alg': 'RS256', 'kid': 'weak'}))}.{b64(json.dumps(claims()))}"
    )
    signature = weak.private_key.sign(signing_input.encode(), padding.PKCS1v15(), hashes.SHA256())
    assert refused(make_verifier(), f"{signing_input}.{b64(signature)}") == "unknown_kid"


# -- ID tokens and other JWTs are not access tokens ------------------------------------------


def test_id_token_for_the_portal_client_is_refused(
    verifier: TokenVerifier, rsa_signer: Signer
) -> None:
    # What the OpenID provider gives the portal at sign-in: aud = the client, a nonce, no scp.
    id_token = rsa_signer.sign(
        claims(aud=CLIENT_ID, nonce="n-0S6_WzA2Mj", scp=None), kid=rsa_signer.kid
    )
    assert refused(verifier, id_token) == "id_token_refused"


def test_id_token_with_our_audience_is_still_refused_by_its_claims(
    verifier: TokenVerifier, rsa_signer: Signer
) -> None:
    # A provider where the API and client share an id: nonce/at_hash give the ID token away.
    token = rsa_signer.sign(claims(at_hash="77QmUPtjPfzWtF2AnpK9RQ", scp=None), kid=rsa_signer.kid)
    assert refused(verifier, token) == "id_token_refused"


def test_token_without_any_scope_or_role_is_not_taken_for_an_access_token(
    verifier: TokenVerifier, rsa_signer: Signer
) -> None:
    assert refused(verifier, rsa_signer.sign(claims(scp=None), kid=rsa_signer.kid)) == (
        "id_token_refused"
    )


def test_rfc9068_mode_requires_the_at_jwt_type(
    make_verifier: VerifierFactory, rsa_signer: Signer
) -> None:
    verifier = make_verifier(type_check="rfc9068")
    assert refused(verifier, rsa_signer.sign(claims(), kid=rsa_signer.kid)) == "id_token_refused"


@pytest.mark.parametrize("typ", ["logout+jwt", "dpop+jwt", "secevent+jwt"])
def test_other_kinds_of_jwt_are_refused(
    verifier: TokenVerifier, rsa_signer: Signer, typ: str
) -> None:
    assert refused(verifier, rsa_signer.sign(claims(), kid=rsa_signer.kid, typ=typ)) == (
        "wrong_token_type"
    )


def test_audience_equal_to_a_client_id_cannot_be_configured() -> None:
    with pytest.raises(IdentityConfigError, match="client id"):
        VerifierConfig(
            issuer=ISSUER, audiences=frozenset({CLIENT_ID}), client_ids=frozenset({CLIENT_ID})
        )


# -- claims ----------------------------------------------------------------------------------


def test_missing_subject_is_refused(verifier: TokenVerifier, rsa_signer: Signer) -> None:
    assert refused(verifier, rsa_signer.sign(claims(sub=None), kid=rsa_signer.kid)) == (
        "missing_claim"
    )


def test_required_scope_missing_is_insufficient_scope_and_403(
    make_verifier: VerifierFactory, rsa_signer: Signer
) -> None:
    verifier = make_verifier(required_scopes=frozenset({"requests.read"}))
    with pytest.raises(InvalidToken) as info:
        verifier.verify(rsa_signer.sign(claims(), kid=rsa_signer.kid))
    assert info.value.reason == "insufficient_scope"
    assert info.value.http_status == 403
    assert 'error="insufficient_scope"' in info.value.www_authenticate


@pytest.mark.parametrize("value", [42, ["a"], {"x": 1}, "x" * 513])
def test_claim_of_the_wrong_type_or_size_is_refused(
    verifier: TokenVerifier, rsa_signer: Signer, value: object
) -> None:
    token = rsa_signer.sign(claims(family_name=value), kid=rsa_signer.kid)
    assert refused(verifier, token) == "malformed"


# -- what is logged --------------------------------------------------------------------------


def test_logs_never_contain_the_token_or_a_claim_value(
    verifier: TokenVerifier, rsa_signer: Signer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="cityzen_connector")
    good = rsa_signer.sign(claims(), kid=rsa_signer.kid)
    identity = verifier.verify(good)
    bad = [
        rsa_signer.sign(claims(exp=int(NOW) - 999), kid=rsa_signer.kid),
        rsa_signer.sign(claims(aud="api://x"), kid=rsa_signer.kid),
        rsa_signer.sign(claims(family_name=12), kid=rsa_signer.kid),
        good[:-4] + "AAAA",
    ]
    for token in bad:
        with pytest.raises(InvalidToken):
            verifier.verify(token)
    logging.getLogger("cityzen_connector.test").info("identity %r", identity)
    text = caplog.text
    assert "bearer token refused" in text  # the refusals are logged ...
    for token in [good, *bad]:
        assert token not in text
        assert token.split(".")[1] not in text  # ... without the token or its payload
    for value in SECRET_CLAIMS.values():
        assert value not in text


@pytest.mark.parametrize("cut", [1, 10, 64])
@pytest.mark.parametrize("which", ["rsa", "ec"])
def test_truncated_or_padded_signatures_are_bad_signatures(
    verifier: TokenVerifier, rsa_signer: Signer, ec_signer: Signer, cut: int, which: str
) -> None:
    signer = rsa_signer if which == "rsa" else ec_signer
    token = signer.sign(claims(), kid=signer.kid)
    head, body, signature = token.split(".")
    shorter = signature[: -4 * cut] if len(signature) > 4 * cut else "AAAA"
    assert refused(verifier, f"{head}.{body}.{shorter}") == "bad_signature"
    assert refused(verifier, f"{head}.{body}.{signature}AAAA") == "bad_signature"


def test_signature_over_another_header_is_refused(
    verifier: TokenVerifier, rsa_signer: Signer
) -> None:
    # Same payload and signature, header swapped for one that asks for no checks: refused.
    token = rsa_signer.sign(claims(), kid=rsa_signer.kid)
    _, body, signature = token.split(".")
    header = b64(json.dumps({"alg": "RS256", "kid": rsa_signer.kid, "typ": "at+jwt"}))
    assert refused(verifier, f"{header}.{body}.{signature}") == "bad_signature"
