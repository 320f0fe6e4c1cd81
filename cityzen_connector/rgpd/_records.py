"""Where the rights keep their records in the state store, and the one pseudonym they show.

- ``rgpd-exports``, key = export id: who asked (their identity key, the HMAC the contact's
  ``cz_identitykey`` holds, never an identity), the hash of the download token, the state, the
  export file's blob. Expires with the retention; the file itself goes when it is downloaded or
  its link expires (``DataExports.purge``).
- ``rgpd-erasures``, key = the erasure request's submission id: who asked and the state of the
  erasure (``filed``, ``erasing``, ``done``, ``refused``); once done, only counts remain.
- ``rgpd-erased``, key = the citizen's audit pseudonym: when their data was erased, so that a
  change of their record still queued then is dropped rather than written back
  (``Eraser.erased_at``). Nothing else; kept ``rights_audit_days``.
- ``rgpd-audit``, key = ``<right>-<request id>``: which right, when, outcome, counts and a keyed
  pseudonym of the citizen: no personal data. Kept ``rights_audit_days``.
"""

from __future__ import annotations

import hashlib
import hmac

EXPORTS_PARTITION = "rgpd-exports"
ERASURES_PARTITION = "rgpd-erasures"
AUDIT_PARTITION = "rgpd-audit"
ERASED_PARTITION = "rgpd-erased"


def pseudonym(identity_key: str, *, pepper: bytes) -> str:
    """A keyed pseudonym of the citizen for the audit: tells two requests of one person apart
    from two people's, without being the key the contact is found by (another HMAC label)."""
    digest = hmac.new(pepper, b"rgpd-audit:" + identity_key.encode(), hashlib.sha256)
    return digest.hexdigest()[:24]


def token_hash(token: str) -> str:
    """Only the hash of a download token is stored: the store alone cannot download."""
    return hashlib.sha256(token.encode("utf-8", "surrogateescape")).hexdigest()
