"""Which failed messages are a citizen's: by their ids, or by the citizen in the body (a
submission rejected before any record of ours could name it), never by a name."""

from __future__ import annotations

import json
import uuid

from cityzen_connector.mapping import identity_key
from cityzen_connector.messaging import encode
from cityzen_connector.models import SUBMISSION_SCHEMA
from cityzen_connector.rgpd._queues import Matcher
from tests.support.messages import received

ISSUER = "https://franceconnect.gouv.fr/api/v2"
PEPPER = b"test-pepper"


def _envelope(sub: str) -> bytes:
    payload = {"citizen": {"issuer": ISSUER, "sub": sub, "given_name": "Marianne"}}
    return encode(SUBMISSION_SCHEMA, payload, correlation_id=str(uuid.uuid4())).body


def test_a_rejected_envelope_is_matched_by_its_citizen_not_by_their_name() -> None:
    mine = Matcher((), identity_key(ISSUER, "sub-marianne", pepper=PEPPER), PEPPER)
    assert mine(received(_envelope("sub-marianne")))
    assert not mine(received(_envelope("sub-namesake")))  # the same given name, someone else


def test_ids_in_the_body_or_the_message_id_match_and_garbage_does_not() -> None:
    case = str(uuid.uuid4())
    mine = Matcher((case,), "k", PEPPER)
    assert mine(received(json.dumps({"case": case}).encode()))
    assert not mine(received(b"\xff\xfe not json"))
    assert not mine(received(b"[1, 2]"))
    assert not mine(received(json.dumps({"citizen": {"issuer": 1}}).encode()))
