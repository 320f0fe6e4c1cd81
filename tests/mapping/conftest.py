"""Shared fixtures: the shipped mappings, a submission, and small mapping dirs in tmp_path."""

from __future__ import annotations

import copy
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from cityzen_connector.mapping import MappingSet, load_mappings
from cityzen_connector.models import EXAMPLE_SUBMISSION, Submission

SHIPPED = Path(__file__).resolve().parents[2] / "mappings"

BASE_SUBMISSION = EXAMPLE_SUBMISSION

MakeSubmission = Callable[..., Submission]


@pytest.fixture(scope="session")
def shipped() -> MappingSet:
    return load_mappings(SHIPPED)


@pytest.fixture
def make_submission() -> MakeSubmission:
    """A valid submission; keyword arguments replace top-level keys, ``citizen`` merges."""

    def make(**changes: Any) -> Submission:
        data = copy.deepcopy(BASE_SUBMISSION)
        citizen = changes.pop("citizen", {})
        data.update(changes)
        data["citizen"].update(citizen)
        return Submission.model_validate(data)

    return make


@pytest.fixture
def mapping_dir(tmp_path: Path) -> Path:
    """A copy of the shipped mappings that a test may edit."""
    target = tmp_path / "mappings"
    shutil.copytree(SHIPPED, target)
    return target


MINIMAL_THEMES = """
[themes.voirie]
title = "Voirie"
[themes.voirie.sub_themes.nid_de_poule]
title = "Nid-de-poule"
fields = [
  { name = "taille", label = "Taille", type = "choice", choices = ["petit", "grand"] },
  { name = "danger", label = "Danger", type = "boolean" },
]
[routing]
teams = ["Voirie", "Accueil"]
default_team = "Accueil"
rules = { voirie = "Voirie" }
"""


@pytest.fixture
def probe(tmp_path: Path) -> Callable[[str], MappingSet]:
    """Load a one-target mapping whose ``[targets.probe.columns]`` body is given as TOML."""

    def load(columns: str, *, extra: str = "") -> MappingSet:
        folder = tmp_path / "probe"
        folder.mkdir(exist_ok=True)
        (folder / "themes.toml").write_text(MINIMAL_THEMES, encoding="utf-8")
        (folder / "plan.toml").write_text(
            '[plan]\norder = ["probe"]\ncase = "probe"\n', encoding="utf-8"
        )
        (folder / "probe.toml").write_text(
            "[targets.probe]\n"
            'table = "cz_probe"\nentity_set = "cz_probes"\nprimary_id = "cz_probeid"\n'
            'mode = "create_only"\nkeys = [["cz_probeid"]]\n'
            f"{extra}\n"
            "[targets.probe.columns]\n"
            'cz_probeid = { uuid5 = "submission.subject", namespace = "submission.id" }\n'
            f"{columns}\n",
            encoding="utf-8",
        )
        return load_mappings(folder)

    return load
