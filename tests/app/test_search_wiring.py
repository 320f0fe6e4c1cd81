"""The mappings' procedures as search sees them: each theme and sub-theme with its help text and
form words, only those the portal offers (the cached theme tree) once there is one."""

from __future__ import annotations

from cityzen_connector.app._search import procedures
from cityzen_connector.emulator import subject_id
from cityzen_connector.mapping import MappingSet, load_mappings
from cityzen_connector.portal import SearchIndex
from cityzen_connector.portal._search_procedures import procedure_documents
from cityzen_connector.store import StateStore
from cityzen_connector.sync import refresh_themes
from cityzen_connector.testing import FakeClock, emulator_client, memory_store
from tests.support.paths import MAPPINGS


def test_every_theme_and_sub_theme_with_its_help_and_form_words() -> None:
    catalog = load_mappings(MAPPINGS).catalog
    found = procedures(catalog, memory_store())
    subs = [p for p in found if p.sub_theme is not None]
    assert len(found) - len(subs) == len(catalog.themes)
    assert len(subs) == sum(len(t.sub_themes) for t in catalog.themes.values())
    permission = next(p for p in subs if p.sub_theme == "permission_voirie")
    assert permission.theme_title.startswith("Travaux")
    assert "échafaudage" in permission.help
    assert "Surface occupée (m²)" in permission.words
    assert "benne" in permission.words  # a choice


def test_a_sub_theme_whose_subject_was_retired_is_not_searched() -> None:
    mappings: MappingSet = load_mappings(MAPPINGS)
    clock = FakeClock()
    store: StateStore = memory_store(clock)
    dataverse = emulator_client(clock)
    dataverse.client.delete("subjects", subject_id("Tags et graffitis", "Propreté et voirie"))
    refresh_themes(dataverse.client, mappings, store, clock)
    found = procedures(mappings.catalog, store)
    assert ("voirie", "tags") not in {(p.theme, p.sub_theme) for p in found}
    index = SearchIndex(procedure_documents(found))
    assert index.search("graffitis", offset=0, limit=5)[0] == 0
    dataverse.close()
