"""Fixtures: the seeded emulator in-process, a memory store, a fake clock, and a search index
over small hand-made documents."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from cityzen_connector.portal import SearchDocument, SearchIndex
from cityzen_connector.store import StateStore
from cityzen_connector.testing import EmulatorClient, FakeClock, emulator_client, memory_store


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def dataverse(clock: FakeClock) -> Iterator[EmulatorClient]:
    seeded = emulator_client(clock)
    yield seeded
    seeded.close()


@pytest.fixture
def store(clock: FakeClock) -> StateStore:
    return memory_store(clock)


def procedure(key: str, title: str, body: str = "") -> SearchDocument:
    theme, _, sub = key.partition("/")
    return SearchDocument("procedure", key, title, body, theme=theme, sub_theme=sub or None)


def article(key: str, title: str, body: str = "", keywords: str = "") -> SearchDocument:
    return SearchDocument("article", key, title, body, number=f"KA-{key}", curated=keywords)


@pytest.fixture
def index() -> SearchIndex:
    return SearchIndex(
        [
            procedure("etat_civil", "État civil", "Naissance, mariage, décès."),
            procedure("etat_civil/naissance", "Acte de naissance", "État civil copie intégrale"),
            procedure("dechets/bacs", "Bacs et conteneurs", "Remplacer une poubelle cassée."),
            procedure("stationnement/carte_resident", "Carte de stationnement résident"),
            article("1", "Poubelle jaune : le tri", "Les emballages vont dans le bac jaune."),
            article(
                "2",
                "Collecte des ordures ménagères",
                "Sortez vos poubelles la veille. La collecte passe rue Saint-Martin le lundi.",
                keywords="déchets, collecte",
            ),
            article("3", "Inscriptions scolaires", "Inscrire son enfant à l'école maternelle."),
        ]
    )
