"""A verifier factory over the token fixtures of ``tests/support/tokens.py``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from cityzen_connector.identity import HttpJwksSource, TokenVerifier, VerifierConfig
from cityzen_connector.testing import FakeClock
from tests.support.tokens import AUDIENCE, CLIENT_ID, ISSUER, JWKS_URI, Fetcher

VerifierFactory = Callable[..., TokenVerifier]


@pytest.fixture
def make_verifier(fetcher: Fetcher, clock: FakeClock) -> VerifierFactory:
    def make(**config: Any) -> TokenVerifier:
        settings: dict[str, Any] = {
            "issuer": ISSUER,
            "audiences": frozenset({AUDIENCE}),
            "client_ids": frozenset({CLIENT_ID}),
        }
        settings.update(config)
        source = HttpJwksSource(
            fetcher, clock=clock, issuer=ISSUER, jwks_uri=JWKS_URI, min_refresh_interval_seconds=30
        )
        return TokenVerifier(VerifierConfig(**settings), source, clock=clock)

    return make


@pytest.fixture
def verifier(make_verifier: VerifierFactory) -> TokenVerifier:
    return make_verifier()
