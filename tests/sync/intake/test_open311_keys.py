"""Open311 api keys: shown once, kept as a keyed hash, found in one read, revocable."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from cityzen_connector.store import open_store
from cityzen_connector.sync.intake import KEYS_PARTITION, ApiKeyError, ApiKeys
from cityzen_connector.testing import FakeClock

START = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


@pytest.fixture
def keys() -> ApiKeys:
    clock = FakeClock(START)
    return ApiKeys(open_store("memory://", clock=clock), pepper=b"pepper", clock=clock)


def test_an_issued_key_is_verified_and_only_its_keyed_hash_is_stored(keys: ApiKeys) -> None:
    key, info = keys.issue("FixMyStreet")
    assert key.startswith(f"o311_{info.key_id}_")
    assert keys.verify(key) == info
    stored = json.dumps([r.value for r in keys._store.query(KEYS_PARTITION)])
    assert key.split("_", 2)[2] not in stored
    assert "FixMyStreet" in stored


def test_the_same_secret_under_another_pepper_is_no_key(keys: ApiKeys) -> None:
    key, _ = keys.issue("FixMyStreet")
    clock = FakeClock(START)
    other = ApiKeys(keys._store, pepper=b"another", clock=clock)
    assert other.verify(key) is None


# The last character replaced by another (a random key may already end with "A": then the
# "changed" key was the key itself, one run in 64).
@pytest.mark.parametrize(
    "mangle", [str.upper, lambda k: k[:-1] + ("B" if k.endswith("A") else "A"), lambda k: k + "x"]
)
def test_a_changed_key_is_refused(keys: ApiKeys, mangle: object) -> None:
    key, _ = keys.issue("FixMyStreet")
    assert callable(mangle)
    assert keys.verify(mangle(key)) is None
    assert keys.verify(None) is None
    assert keys.verify("") is None


def test_a_revoked_key_is_refused_from_the_next_request_and_stays_listed(keys: ApiKeys) -> None:
    key, info = keys.issue("FixMyStreet")
    keys._clock.advance(timedelta(days=1))  # type: ignore[attr-defined]
    revoked = keys.revoke(info.key_id)
    assert revoked.revoked_at == START + timedelta(days=1)
    assert keys.verify(key) is None
    assert [(i.key_id, i.active) for i in keys.list()] == [(info.key_id, False)]
    assert keys.revoke(info.key_id) == revoked  # twice is once


@pytest.mark.parametrize("name", ["", "x" * 81, "a/b", "line\nbreak"])
def test_an_app_name_that_cannot_be_one_is_refused(keys: ApiKeys, name: str) -> None:
    with pytest.raises(ApiKeyError):
        keys.issue(name)


@pytest.mark.parametrize("key_id", ["0000000000000000", "../../etc", "", "A" * 300])
def test_revoking_no_such_key_says_so(keys: ApiKeys, key_id: str) -> None:
    with pytest.raises(ApiKeyError, match="no such key id"):
        keys.revoke(key_id)
