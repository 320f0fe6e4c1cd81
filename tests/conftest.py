"""Fixtures for every test."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

# Shared fixtures: signing keys, a scripted identity provider and its clock, the session's
# emulator server, the Dataverse a test runs against (the emulator, or a real organisation with
# ``-m live``); a suite's own conftest may define a fixture of the same name, which then wins.
pytest_plugins = ["tests.support.tokens", "tests.support.emulator", "tests.support.live"]


@pytest.fixture(autouse=True)
def _environment_restored() -> Iterator[None]:
    """Each test leaves the process environment as it found it: ``cityzen run`` sets its
    ``CITYZEN_*`` values in its own process on purpose (the app it loads reads them), and a test
    running it in-process must not hand them to the next test."""
    saved = dict(os.environ)
    yield
    if dict(os.environ) != saved:
        os.environ.clear()
        os.environ.update(saved)


@pytest.fixture(scope="session")
def _notifications_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("notifications")


@pytest.fixture(autouse=True)
def _notifications_kept_out_of_the_worktree(
    _notifications_folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The local notifier's default folder is relative (``.cityzen/notifications``, for
    ``make run``): a test that builds a container without naming one would leave files holding
    test citizens' e-mail addresses in the working copy. A test that names one still wins."""
    monkeypatch.setenv("CITYZEN_NOTIFIER_URL", f"file://{_notifications_folder}")
