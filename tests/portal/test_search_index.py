"""The FTS5 index: what is found, in which order, and that no query text is ever syntax."""

from __future__ import annotations

import pytest

from cityzen_connector.portal import SearchIndex
from cityzen_connector.portal._search_text import words

from .conftest import article, procedure


def keys(index: SearchIndex, query: str, **page: int) -> list[str]:
    _, hits, _ = index.search(query, offset=page.get("offset", 0), limit=page.get("limit", 50))
    return [h.document.key for h in hits]


def test_accents_case_and_plurals_do_not_matter(index: SearchIndex) -> None:
    assert keys(index, "etat civil")[0] == "etat_civil"
    assert keys(index, "ÉTAT CIVIL") == keys(index, "etat civil")
    assert set(keys(index, "poubelles")) == {"1", "2", "dechets/bacs"}
    assert keys(index, "inscription scolaire") == ["3"]


def test_every_word_must_match_title_or_body(index: SearchIndex) -> None:
    assert keys(index, "poubelle jaune") == ["1"]
    assert keys(index, "poubelle piscine") == []


def test_a_title_match_ranks_above_a_body_match() -> None:
    index = SearchIndex(
        [
            article("body", "Collecte", "Où jeter sa poubelle ? " + "Consignes de tri. " * 3),
            article("title", "Poubelle", "Consignes de tri. " * 20),
        ]
    )
    assert keys(index, "poubelle") == ["title", "body"]


def test_procedures_come_before_articles_on_a_tie() -> None:
    documents = [
        article("a", "Carte de résident", "Stationnement résidentiel."),
        procedure("p", "Carte de résident", "Stationnement résidentiel."),
    ]
    for order in (documents, documents[::-1]):
        assert keys(SearchIndex(order), "carte resident") == ["p", "a"]


def test_paging_gives_the_total_and_consecutive_pages(index: SearchIndex) -> None:
    everything = keys(index, "poubelle")
    total, first, _ = index.search("poubelle", offset=0, limit=2)
    _, second, _ = index.search("poubelle", offset=2, limit=2)
    assert total == len(everything) == 3
    assert [h.document.key for h in first + second] == everything


@pytest.mark.parametrize(
    "hostile",
    [
        '"',
        '"poubelle',
        "poubelle*",
        "*",
        "NEAR(poubelle jaune)",
        "poubelle AND jaune",
        "poubelle OR piscine",
        "NOT poubelle",
        "(poubelle",
        "poubelle)",
        "title:poubelle",
        "{title body}: poubelle",
        "^poubelle",
        "poubelle + jaune - tri",
        "poubelle\x00jaune",
        "poubelle\u202ejaune",
        "'; DROP TABLE docs; --",
        "",
    ],
)
def test_query_syntax_typed_by_a_user_is_text(index: SearchIndex, hostile: str) -> None:
    # Never raises, and finds what its words alone find: no operator changes the meaning.
    assert keys(index, hostile) == keys(index, " ".join(words(hostile)))


def test_or_and_not_are_words_not_operators(index: SearchIndex) -> None:
    assert keys(index, "poubelle OR piscine") == []  # "or" is searched as a word
    assert keys(index, "NOT poubelle") == []


def test_a_query_of_stop_words_only_finds_nothing(index: SearchIndex) -> None:
    assert index.search("de la le", offset=0, limit=10)[0] == 0


def test_suggestions_match_the_last_word_as_a_prefix(index: SearchIndex) -> None:
    def titles(typed: str) -> list[str]:
        return [d.title for d in index.suggest(typed, limit=5)[0]]

    assert titles("stationnem") == ["Carte de stationnement résident"]
    assert titles("etat ci") == ["État civil"]
    assert titles("poubelles") == ["Poubelle jaune : le tri"]  # a whole plural, by its stem
    assert titles("inscriptions scol") == ["Inscriptions scolaires"]
    assert titles('"*NEAR(') == []
    assert titles("zzz") == []


def test_the_vocabulary_leaves_out_words_only_ever_capitalised(index: SearchIndex) -> None:
    assert index.knows("poubelles")
    assert index.knows("collecte")
    assert not index.knows("martin")  # "rue Saint-Martin": a street, a surname
    assert index.spelling("etat") == "état"
