"""The typed surface (``typed_surface.py``) as mypy --strict sees it with the project's config:
requests typed by what their response means, ``execute`` returning that, copies returning
``Self``."""

from __future__ import annotations

import copy
import pickle
import subprocess
import sys
from pathlib import Path

from cityzen_connector.dataverse import Expect, ops

ROOT = Path(__file__).resolve().parents[2]


def test_the_client_surface_is_typed_as_documented() -> None:
    surface = Path(__file__).with_name("typed_surface.py")
    run = subprocess.run(
        [sys.executable, "-m", "mypy", "--config-file", "pyproject.toml", str(surface)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0, run.stdout + run.stderr


def test_an_expect_stays_its_named_value_through_copies_and_pickles() -> None:
    request = ops.create("contacts", {"lastname": "x"})
    assert request.expect is Expect.ENTITY
    assert copy.deepcopy(request).expect is Expect.ENTITY
    assert pickle.loads(pickle.dumps(request)).expect is Expect.ENTITY
    assert repr(Expect.COLLECTION) == "Expect.COLLECTION"
