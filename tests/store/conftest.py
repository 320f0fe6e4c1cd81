from __future__ import annotations

from collections.abc import Iterator

import pytest

from .azurite import running_azurite


@pytest.fixture(scope="session")
def azurite(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A storage connection string to a private Azurite, started once per test session."""
    with running_azurite(tmp_path_factory.mktemp("azurite")) as connection_string:
        yield connection_string
