"""Hostile and random input straight at the handler: never a 5xx, never an invalid message on
the queue, never a blob that no queued message references."""

from __future__ import annotations

import base64
import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cityzen_connector.messaging import decode
from cityzen_connector.models import SUBMISSION_SCHEMA, Submission
from tests.support.schema_check import check_response
from tests.support.world import HEIC, JPEG, PDF, PNG, QUEUE, WEBP, make_world, multipart, submission

# About 2,000 bodies in all, in a few seconds (a fixed budget: no flaky timing).
_QUIET = [HealthCheck.too_slow, HealthCheck.data_too_large]
FUZZ_CHEAP = settings(max_examples=1200, deadline=None, suppress_health_check=_QUIET)
FUZZ = settings(max_examples=400, deadline=None, suppress_health_check=_QUIET)

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=6,
)
file_bytes = st.one_of(
    st.binary(max_size=64),
    st.sampled_from([JPEG, PNG, PDF, WEBP, HEIC]).flatmap(
        lambda head: st.binary(max_size=32).map(lambda tail: head + tail)
    ),
)
content_types = st.sampled_from(
    [
        "application/json",
        "application/json; charset=utf-8",
        "multipart/form-data; boundary=xYzZy",
        "multipart/form-data",
        "text/plain",
        "",
        "application/json; charset=",
        'multipart/form-data; boundary="',
    ]
)


class Watched:
    """A world and what its queue held at the last check (read incrementally)."""

    def __init__(self) -> None:
        self.world = make_world()
        self.next_sequence = 0
        self.referenced: set[str] = set()

    def check(self, response: Any) -> None:
        assert response.status < 500, response.body
        check_response("POST", "/v1/requests", response)
        new = self.world.bus.peek(QUEUE, max_messages=100, from_sequence_number=self.next_sequence)
        for message in new:
            envelope = decode(message, accept=(SUBMISSION_SCHEMA,))
            queued = Submission.model_validate(envelope.payload)
            assert str(queued.id) == message.message_id == envelope.correlation_id
            self.referenced |= {a.blob_name for a in queued.attachments}
            self.next_sequence = message.sequence_number + 1
        # A 202 enqueues one message (none for an idempotent replay); a refusal none at all.
        assert len(new) <= (1 if response.status == 202 else 0)
        assert self.world.blob_names() == self.referenced


WATCHED: dict[str, Watched] = {}


def watched(name: str) -> Watched:
    if name not in WATCHED:
        WATCHED[name] = Watched()
    return WATCHED[name]


@FUZZ_CHEAP
@given(body=st.binary(max_size=300), content_type=content_types)
def test_random_bytes(body: bytes, content_type: str) -> None:
    spot = watched("bytes")
    response = spot.world.request("POST", "/v1/requests", body, {"Content-Type": content_type})
    spot.check(response)


@FUZZ
@given(
    field=st.sampled_from(
        ["id", "theme", "sub_theme", "subject", "description", "location", "channel", "fields",
         "attachments", "citizen", "extra", "submitted_at"]
    ),
    value=json_values,
    files=st.lists(file_bytes, max_size=3),
    key=st.none() | st.text(max_size=40),
)  # fmt: skip
def test_mutated_submissions(field: str, value: Any, files: list[bytes], key: str | None) -> None:
    spot = watched("mutated")
    body = submission()
    body[field] = value
    body["attachments"] = [
        {"file_name": f"f{i}.jpg", "content_base64": base64.b64encode(f).decode()}
        for i, f in enumerate(files)
    ] if field != "attachments" else value  # fmt: skip
    headers = {"Content-Type": "application/json"}
    if key is not None:
        headers["Idempotency-Key"] = key
    try:
        raw = json.dumps(body).encode()
    except ValueError:
        return
    spot.check(spot.world.request("POST", "/v1/requests", raw, headers))


@FUZZ
@given(
    document=json_values,
    files=st.lists(st.tuples(st.text(max_size=20), file_bytes), max_size=4),
    valid=st.booleans(),
    cut=st.integers(min_value=0, max_value=400),
)
def test_multipart_bodies(
    document: Any, files: list[tuple[str, bytes]], valid: bool, cut: int
) -> None:
    spot = watched("multipart")
    names = [
        (name.replace('"', "").replace("\r", "").replace("\n", ""), data) for name, data in files
    ]
    raw, content_type = multipart(submission() if valid else document, names)
    if cut and not valid:
        raw = raw[:-cut]
    response = spot.world.request("POST", "/v1/requests", raw, {"Content-Type": content_type})
    spot.check(response)
