"""Knowledge articles from Dataverse: the exact query on the wire (every value an escaped
literal), what the seeded emulator gives back, what a hostile or malformed reply costs, and the
cache in the store."""

from __future__ import annotations

import logging
from urllib.parse import parse_qs, urlsplit

import pytest
import responses

from cityzen_connector.dataverse import (
    DataverseClient,
    DataverseConfig,
    DataverseConnectionError,
    RequestsTransport,
    RetryPolicy,
    StaticTokenProvider,
)
from cityzen_connector.emulator._seed_knowledge import PUBLISHED_FRENCH, SUPERSEDED, article_id
from cityzen_connector.portal import (
    KnowledgeArticle,
    KnowledgeCache,
    fetch_articles,
    html_text,
    published_articles_query,
)
from cityzen_connector.store import StateStore
from cityzen_connector.store._port import MAX_KEY_LENGTH, MAX_VALUE_CHARS
from cityzen_connector.testing import EmulatorClient, FakeClock

ORG = "https://contoso.crm4.dynamics.com"
ROOT = ORG + "/api/data/v9.2/"


def test_the_query_asks_for_published_latest_external_articles_in_one_language() -> None:
    params = dict(published_articles_query(1036).params())
    assert params["$filter"] == (
        "(((statecode eq 3) and (islatestversion eq true)) and (isinternal eq false))"
        " and (languagelocaleid/localeid eq 1036)"
    )
    assert params["$select"].split(",")[0] == "knowledgearticleid"


def test_on_the_wire_one_get_with_the_filter(clock: FakeClock) -> None:
    client = DataverseClient(
        DataverseConfig(ORG),
        RequestsTransport(),
        StaticTokenProvider("t"),
        clock=clock,
        retry=RetryPolicy.NO_RETRY,
    )
    page = {
        "value": [
            {
                "knowledgearticleid": "a1",
                "title": "Tri",
                "content": "<p>bac</p>",
                "articlepublicnumber": "KA-1",
            }
        ]
    }
    with responses.RequestsMock() as wire:
        wire.get(ROOT + "knowledgearticles", json=page)
        found = fetch_articles(client, locale=1036)
        sent = urlsplit(wire.calls[0].request.url or "")
        query = parse_qs(sent.query)
        assert query["$filter"] == [dict(published_articles_query(1036).params())["$filter"]]
        assert len(wire.calls) == 1
    assert [(a.id, a.title, a.text) for a in found] == [("a1", "Tri", "bac")]


def test_the_seeded_emulator_gives_exactly_the_articles_a_portal_may_show(
    dataverse: EmulatorClient,
) -> None:
    found = fetch_articles(dataverse.client)
    expected = {article_id(s) for s in PUBLISHED_FRENCH if s not in SUPERSEDED}
    assert {a.id for a in found} == expected
    naissance = next(a for a in found if a.id == article_id("acte-naissance"))
    assert naissance.number.startswith("KA-")
    assert "lieu de naissance" in naissance.text
    assert "<strong>" not in naissance.text


def test_a_reply_row_without_id_or_title_is_skipped_and_counted(
    clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    client = DataverseClient(
        DataverseConfig(ORG), RequestsTransport(), StaticTokenProvider("t"), clock=clock
    )
    rows = [
        {"knowledgearticleid": "a1", "title": "  Tri   sélectif  "},
        {"knowledgearticleid": "a2", "title": None},
        {"knowledgearticleid": 3, "title": "Nombre"},
        {"title": "Sans id"},
        {"knowledgearticleid": "a5", "title": "Contenu", "content": 42, "keywords": ["x"]},
    ]
    with responses.RequestsMock() as wire:
        wire.get(ROOT + "knowledgearticles", json={"value": rows})
        found = fetch_articles(client)
    assert [(a.id, a.title, a.text, a.keywords) for a in found] == [
        ("a1", "Tri sélectif", "", ""),
        ("a5", "Contenu", "", ""),
    ]
    assert "3 row(s) without id or title skipped" in caplog.text


@pytest.mark.parametrize(
    ("fragment", "text"),
    [
        ("<p>Bonjour&nbsp;<b>à</b> tous</p><p>Suite</p>", "Bonjour à tous Suite"),
        ("<script>alert('x')</script><p>Texte</p>", "Texte"),
        ("<style>p{}</style>Texte<img src=x onerror=alert(1)>", "Texte"),
        ("&lt;script&gt;", "<script>"),  # text, to be escaped where it is shown
        ("<p>non fermé", "non fermé"),
        ("<<>>&&&", "<<>>&&&"),
    ],
)
def test_only_the_text_of_the_html_content_is_kept(fragment: str, text: str) -> None:
    assert html_text(fragment) == text


def article(n: int, **changes: str) -> KnowledgeArticle:
    values = {
        "id": f"id-{n}",
        "number": f"KA-{n}",
        "title": f"Titre {n}",
        "description": "",
        "keywords": "",
        "text": "Texte",
        "modified_on": "",
    }
    values.update(changes)
    return KnowledgeArticle(**values)


def test_the_cache_holds_exactly_the_last_refresh(store: StateStore, clock: FakeClock) -> None:
    cache = KnowledgeCache(store, clock)
    first = cache.replace([article(1), article(2), article(3)])
    assert (first.written, first.deleted, first.summary.count) == (3, 0, 3)
    clock.advance(60)
    second = cache.replace([article(1), article(2, text="Nouveau"), article(4)])
    assert (second.written, second.deleted) == (2, 1)
    assert sorted(a.id for a in cache.articles()) == ["id-1", "id-2", "id-4"]
    summary = cache.summary()
    assert summary is not None
    assert summary.refreshed_at == clock()
    assert summary.digest != first.summary.digest
    assert cache.replace(cache.articles()).summary.digest == summary.digest


def test_a_huge_article_is_cut_to_fit_a_store_record(store: StateStore, clock: FakeClock) -> None:
    cache = KnowledgeCache(store, clock)
    huge = article(1, text="é" * 200_000, title="T" * 5000, keywords="k" * 5000)
    cache.replace([huge])
    (kept,) = cache.articles()
    assert len(kept.text) == 24_000
    assert len(kept.title) == 1000
    assert sum(len(v) for v in vars(kept).values()) < MAX_VALUE_CHARS
    assert len(kept.id) < MAX_KEY_LENGTH


def test_a_refresh_that_fails_keeps_the_last_good_copy(
    dataverse: EmulatorClient, store: StateStore, clock: FakeClock
) -> None:
    cache = KnowledgeCache(store, clock)
    good = cache.refresh(dataverse.client)
    broken = DataverseClient(
        DataverseConfig(ORG),
        RequestsTransport(),
        StaticTokenProvider("t"),
        clock=clock,
        retry=RetryPolicy.NO_RETRY,
    )
    with responses.RequestsMock() as wire:
        wire.get(ROOT + "knowledgearticles", body=DataverseConnectionError("refused (test)"))
        with pytest.raises(Exception, match="refused"):
            cache.refresh(broken)
    assert cache.summary() == good.summary
    assert len(cache.articles()) == good.summary.count


def test_unreadable_cache_records_are_skipped(
    store: StateStore, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    cache = KnowledgeCache(store, clock)
    cache.replace([article(1)])
    store.put("knowledge-articles", "bad", {"id": "bad", "title": 7})
    store.put("cache", "knowledge-articles", {"refreshed_at": "hier", "count": 1, "digest": "x"})
    assert [a.id for a in cache.articles()] == ["id-1"]
    assert cache.summary() is None
    assert "1 unreadable record(s) skipped" in caplog.text
