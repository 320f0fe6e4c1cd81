"""Shared fixtures: the shipped mappings, a submission, and small mapping dirs in tmp_path."""

from __future__ import annotations

import copy
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from cityzen_connector.mapping import MappingSet, load_mappings
from cityzen_connector.models import Submission

SHIPPED = Path(__file__).resolve().parents[2] / "mappings"

BASE_SUBMISSION: dict[str, Any] = {
    "id": "8f0c6d2e-3c1f-4b7a-9a51-6f2a0d7f4e11",
    "theme": "voirie",
    "sub_theme": "nid_de_poule",
    "subject": "Nid-de-poule devant l'école",
    "description": "Un trou profond.",
    "location": {"label": "12 Rue de la Paix 75002 Paris", "postcode": "75002"},
    "channel": "portal",
    "fields": {"taille": "grand", "danger": True},
    "attachments": [
        {
            "id": "0d9f9a57-53a4-4a43-9d7c-1b5f6b8f2c3a",
            "blob_name": "2026/11/28/a.jpg",
            "file_name": "trou.jpg",
            "media_type": "image/jpeg",
            "size": 3,
            "sha256": "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
        },
        {
            "id": "1e8a0b68-64b5-4b54-8e8d-2c6a7c9f3d4b",
            "blob_name": "2026/11/28/b.pdf",
            "file_name": "plan.pdf",
            "media_type": "application/pdf",
            "size": 3,
            "sha256": "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
        },
    ],
    "submitted_at": "2026-11-28T21:00:00+01:00",
    "citizen": {
        "issuer": "https://fcp-low.sbx.dev-franceconnect.fr/api/v2",
        "sub": "4abd71ec1f581dce2ea2221cbeac7c97",
        "given_name": "Angela Claire Louise",
        "family_name": "DUBOIS",
        "birthdate": "1962-08-24",
        "gender": "female",
        "birthplace": "75107",
        "birthcountry": "99100",
        "email": "Angela.Dubois@Example.fr",
        "phone": "06 12 34 56 78",
        "eidas_level": "eidas1",
        "certified": [
            "given_name",
            "family_name",
            "birthdate",
            "gender",
            "birthplace",
            "birthcountry",
        ],
    },
}

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
