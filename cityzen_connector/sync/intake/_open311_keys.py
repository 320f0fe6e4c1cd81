"""Open311 api keys: one per client app, issued by ops, kept hashed, revocable.

GeoReport v2 has each POST carry an ``api_key`` ("POST Service Request", required arguments)
and lets a server decide what else needs one. A key reads ``o311_<id>_<secret>``: the id finds
its record in one read (no scan of every key), the secret is compared with the record's keyed
hash (HMAC-SHA256 with the identity pepper, RFC 2104): a copy of the store gives no usable key,
and the comparison takes the same time whatever the secret (``hmac.compare_digest``). The key
itself is shown once, when it is issued, and never stored.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime

from cityzen_connector.store import StateStore

from ._errors import ApiKeyError, unavailable_as_503

KEYS_PARTITION = "open311-keys"
_PREFIX = "o311"
_KEY = re.compile(r"^o311_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$")
_NAME = re.compile(r"^[\w .@()'-]{1,80}$")
_TAG = b"cityzen/open311-key/v1\x1f"


@dataclass(frozen=True)
class ApiKeyInfo:
    """What is known of a key: never the key itself."""

    key_id: str
    name: str
    created_at: datetime
    revoked_at: datetime | None = None

    @property
    def active(self) -> bool:
        return self.revoked_at is None


class ApiKeys:
    """Issue, verify, list and revoke the Open311 keys kept in the state store."""

    def __init__(self, store: StateStore, *, pepper: bytes, clock: Callable[[], datetime]) -> None:
        self._store = store
        self._pepper = pepper
        self._clock = clock

    def _hash(self, secret: str) -> str:
        return hmac.new(self._pepper, _TAG + secret.encode("ascii"), hashlib.sha256).hexdigest()

    def issue(self, name: str) -> tuple[str, ApiKeyInfo]:
        """A new key for the app ``name``: the key (to give the app, once) and its record."""
        if not _NAME.match(name):
            raise ApiKeyError("an app name is 1 to 80 letters, digits, spaces or . @ ( ) ' - _")
        key_id, secret = secrets.token_hex(8), secrets.token_urlsafe(32)
        now = self._clock()
        value = {"name": name, "hash": self._hash(secret), "created_at": now.isoformat()}
        self._store.put(KEYS_PARTITION, key_id, value, create_only=True)
        return f"{_PREFIX}_{key_id}_{secret}", ApiKeyInfo(key_id, name, now)

    @unavailable_as_503
    def verify(self, presented: str | None) -> ApiKeyInfo | None:
        """The key's record when ``presented`` is an active key; ``None`` otherwise."""
        found = _KEY.match(presented or "")
        if found is None:
            return None
        key_id, secret = found.groups()
        record = self._store.get(KEYS_PARTITION, key_id)
        if record is None:
            return None
        expected = str(record.value.get("hash", ""))
        if not hmac.compare_digest(expected, self._hash(secret)):
            return None
        info = _info(key_id, record.value)
        return info if info.active else None

    def list(self) -> list[ApiKeyInfo]:
        return [_info(r.key, r.value) for r in self._store.query(KEYS_PARTITION)]

    def revoke(self, key_id: str) -> ApiKeyInfo:
        """Revoke at once: the next request with this key is refused. Kept, for the record."""
        valid = re.fullmatch(r"[0-9a-f]{16}", key_id) is not None
        record = self._store.get(KEYS_PARTITION, key_id) if valid else None
        if record is None:
            raise ApiKeyError("no such key id")
        if record.value.get("revoked_at"):
            return _info(key_id, record.value)
        value = {**record.value, "revoked_at": self._clock().isoformat()}
        self._store.put(KEYS_PARTITION, key_id, value, if_match=record.etag)
        return _info(key_id, value)


def _info(key_id: str, value: Mapping[str, object]) -> ApiKeyInfo:
    revoked = value.get("revoked_at")
    return ApiKeyInfo(
        key_id=key_id,
        name=str(value.get("name", "")),
        created_at=datetime.fromisoformat(str(value["created_at"])),
        revoked_at=datetime.fromisoformat(revoked) if isinstance(revoked, str) else None,
    )
