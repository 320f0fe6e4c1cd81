"""The in-process world every API test starts from."""

from __future__ import annotations

import pytest

from tests.support.world import World, make_world


@pytest.fixture
def world() -> World:
    return make_world()
