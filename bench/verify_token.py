"""Cost of verifying one bearer token: our TokenVerifier vs a bare PyJWT ``jwt.decode``.

The baseline is the least a verifier can do (signature, exp, aud, iss with a key already in
hand); ours adds the strict parsing, kid lookup, key-type checks, ID-token refusal and the
citizen claims. Also: how fast garbage and oversized tokens are refused. One command:
``.venv/bin/python bench/verify_token.py``.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import jwt
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import ECAlgorithm, RSAAlgorithm

from cityzen_connector.identity import (
    InvalidToken,
    JwkSet,
    StaticJwksSource,
    TokenVerifier,
    VerifierConfig,
)

ISSUER = "https://idp.example.fr/v2.0"
AUDIENCE = "api://cityzen"
NOW = time.time()


def claims() -> dict[str, object]:
    return {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": "s",
        "iat": int(NOW),
        "exp": int(NOW) + 600,
        "scp": "requests.submit",
        "given_name": "A",
        "family_name": "B",
        "birthdate": "1980-01-01",
        "acr": "eidas1",
    }


def per_second(fn: Callable[[], object], seconds: float = 1.5) -> float:
    count, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        for _ in range(50):
            fn()
        count += 50
    return count / (time.perf_counter() - start)


def refuse(verifier: TokenVerifier, token: str) -> None:
    try:
        verifier.verify(token)
    except InvalidToken:
        return
    raise AssertionError("accepted")


def main() -> None:
    rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    ec_key = ec.generate_private_key(ec.SECP256R1())
    rsa_jwk = {**RSAAlgorithm.to_jwk(rsa_key.public_key(), as_dict=True), "kid": "r"}
    ec_jwk = {**ECAlgorithm.to_jwk(ec_key.public_key(), as_dict=True), "kid": "e"}
    source = StaticJwksSource(JwkSet((rsa_jwk, ec_jwk)))
    verifier = TokenVerifier(VerifierConfig(issuer=ISSUER, audiences=frozenset({AUDIENCE})), source)
    print(f"{'case':<34}{'ours /s':>12}{'PyJWT /s':>12}{'ratio':>8}")
    for name, key, kid, alg in (("RS256", rsa_key, "r", "RS256"), ("ES256", ec_key, "e", "ES256")):
        token = jwt.encode(claims(), key, algorithm=alg, headers={"kid": kid})
        public = key.public_key()
        ours = per_second(lambda t=token: verifier.verify(t))
        base = per_second(
            lambda t=token, k=public, a=alg: jwt.decode(
                t, k, algorithms=[a], audience=AUDIENCE, issuer=ISSUER
            )
        )
        print(f"{'valid ' + name:<34}{ours:>12,.0f}{base:>12,.0f}{ours / base:>8.2f}")
    garbage = per_second(lambda: refuse(verifier, "not.a.token"))
    big = "a" * 1_000_000
    oversized = per_second(lambda: refuse(verifier, big))
    forged = jwt.encode(claims(), rsa_key, algorithm="RS256", headers={"kid": "r"})[:-6] + "AAAAAA"
    bad_sig = per_second(lambda: refuse(verifier, forged))
    print(f"{'refused: garbage':<34}{garbage:>12,.0f}")
    print(f"{'refused: 1 MB token':<34}{oversized:>12,.0f}")
    print(f"{'refused: forged RS256 signature':<34}{bad_sig:>12,.0f}")


if __name__ == "__main__":
    main()
