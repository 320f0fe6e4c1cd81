"""Fixtures for every test."""

from __future__ import annotations

import os
from collections.abc import Iterator

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


@pytest.fixture(scope="session", autouse=True)
def _notifications_kept_out_of_the_worktree(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[None]:
    """The local notifier's default folder is relative (``.cityzen/notifications``, for
    ``make run``): a test that builds a container without naming one would leave files holding
    test citizens' e-mail addresses in the working copy. Set for the whole session, before any
    module's stack starts (a test that names a notifier still wins)."""
    folder = tmp_path_factory.mktemp("notifications")
    before = os.environ.get("CITYZEN_NOTIFIER_URL")
    os.environ["CITYZEN_NOTIFIER_URL"] = f"file://{folder}"
    yield
    if before is None:
        os.environ.pop("CITYZEN_NOTIFIER_URL", None)
    else:
        os.environ["CITYZEN_NOTIFIER_URL"] = before
