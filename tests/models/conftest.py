"""A valid submission as the portal sends it, to be varied by each test."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from cityzen_connector.models import EXAMPLE_SUBMISSION


@pytest.fixture
def submission_data() -> dict[str, Any]:
    return copy.deepcopy(EXAMPLE_SUBMISSION)
