"""Random and mutated bodies: the model either accepts or raises ValidationError, nothing else,
and whatever it accepts round-trips through the queue encoding unchanged."""

from __future__ import annotations

import contextlib
import copy
import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from cityzen_connector.models import EXAMPLE_SUBMISSION, Submission, field_errors

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=50),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=20,
)
PATHS = [
    ("subject",),
    ("description",),
    ("theme",),
    ("channel",),
    ("fields",),
    ("attachments",),
    ("location",),
    ("location", "latitude"),
    ("citizen", "sub"),
    ("citizen", "email"),
    ("citizen", "phone"),
    ("citizen", "birthdate"),
    ("citizen", "certified"),
    ("submitted_at",),
]


def _check(data: Any) -> None:
    problems: tuple[object, ...] = ()
    submission = None
    try:
        submission = Submission.model_validate(data)
    except ValidationError as exc:
        problems = field_errors(exc, limit=None)
    if submission is None:
        assert problems, "a refusal always names at least one field"
    else:
        assert Submission.model_validate_json(submission.model_dump_json()) == submission


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(path=st.sampled_from(PATHS), value=JSON)
def test_mutating_one_field_never_crashes(path: tuple[str, ...], value: Any) -> None:
    data = copy.deepcopy(EXAMPLE_SUBMISSION)
    target = data
    for part in path[:-1]:
        target = target[part]
    target[path[-1]] = value
    _check(data)


@settings(max_examples=100, deadline=None)
@given(body=JSON)
def test_arbitrary_json_never_crashes(body: Any) -> None:
    _check(body)
    with contextlib.suppress(ValidationError):
        Submission.model_validate_json(json.dumps(body))
