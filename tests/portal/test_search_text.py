"""Folding and stemming: what makes a search case-, accent- and plural-blind."""

from __future__ import annotations

import pytest

from cityzen_connector.portal._search_text import fold, fts_string, terms, words


def test_case_accents_and_ligatures_fold_away() -> None:
    assert fold("État CIVIL, Œuvre, Ærø, Straße") == "etat civil, oeuvre, aerø, strasse"


@pytest.mark.parametrize(
    ("typed", "indexed"),
    [
        ("etat civil", "État civil"),
        ("poubelles", "Poubelle"),
        ("inscriptions scolaires", "Inscription scolaire"),
        ("encombrant", "Encombrants"),
        ("CRECHES", "crèche"),
        ("journaux", "journal"),
        ("residentielle", "résidentiel"),
    ],
)
def test_a_query_and_a_title_meet_on_the_same_terms(typed: str, indexed: str) -> None:
    assert terms(typed) == terms(indexed)


def test_stop_words_and_elisions_are_dropped_apostrophes_and_hyphens_split() -> None:
    assert words("L'acte d'état-civil") == ["l", "acte", "d", "etat", "civil"]
    assert terms("l'acte de l'état civil") == terms("acte état civil")


def test_an_fts_string_is_always_one_quoted_literal() -> None:
    assert fts_string('a"b') == '"a""b"'
    assert all(set(t) <= set("abcdefghijklmnopqrstuvwxyz0123456789") for t in terms('NEAR("x"*)'))
