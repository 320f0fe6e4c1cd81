"""Search and type-ahead latency, ours (SQLite FTS5 in memory, Snowball stems, bm25, snippets)
beside a naive scan of the same documents (casefold + accent strip, substring match of every
word, title matches first), over the seeded catalogue alone and with 2,000 generated articles.

Cold: building the index (ours) or the folded copy of every text (naive). Warm: one query,
p50 and p99 over every query of a fixed list, several rounds, the two taking turns (the
machine is shared). Ours includes what the API answers: a page of 10 with highlighted titles
and snippets. "Found" counts the documents each finds for the whole query list: the naive scan
misses plurals and other forms ("poubelles" → "poubelle").

Run: .venv/bin/python bench/search.py
"""

from __future__ import annotations

import gc
import random
import statistics
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from cityzen_connector.app._search import procedures
from cityzen_connector.mapping import load_mappings
from cityzen_connector.portal import SearchDocument, SearchIndex, fetch_articles
from cityzen_connector.portal._search_procedures import article_documents, procedure_documents
from cityzen_connector.portal._search_snippet import highlight, snippet
from cityzen_connector.portal._search_text import fold, words
from cityzen_connector.testing import emulator_client, memory_store

ROOT = Path(__file__).resolve().parents[1]
GENERATED = 2000
ROUNDS = 8
QUERIES = (
    "poubelles",
    "etat civil",
    "acte de naissance",
    "inscriptions scolaires",
    "carte de resident",
    "stationnement genant",
    "encombrants",
    "permis de construire",
    "nid de poule",
    "eclairage public",
    "cantine tarifs",
    "mariage pacs",
    "passeport rendez-vous",
    "dechets verts",
    "collecte des ordures",
    "elections",
    "creche",
    "graffitis",
    "travaux voirie",
    "urbanisme declaration prealable",
    "bac jaune",
    "piscine horaires",
    "recensement",
    "deces",
    "benne",
)
PREFIXES = tuple(q[: max(2, len(q) * 2 // 3)] for q in QUERIES)


def seeded_documents() -> list[SearchDocument]:
    catalog = load_mappings(ROOT / "mappings").catalog
    dataverse = emulator_client()
    try:
        articles = fetch_articles(dataverse.client)
    finally:
        dataverse.close()
    return [
        *procedure_documents(procedures(catalog, memory_store())),
        *article_documents(articles),
    ]


def generated(seed_docs: Sequence[SearchDocument], count: int) -> list[SearchDocument]:
    """French-looking articles: titles and bodies drawn from the seeded texts' words."""
    rng = random.Random(15)
    pool = [w for d in seed_docs for w in (d.title + " " + d.body).split() if len(w) > 2]
    docs = []
    for n in range(count):
        title = " ".join(rng.choice(pool) for _ in range(rng.randint(3, 7))).capitalize()
        body = " ".join(rng.choice(pool) for _ in range(rng.randint(80, 300)))
        docs.append(SearchDocument("article", f"gen-{n}", title, body, excerpt=body))
    return docs


class NaiveScan:
    """The baseline: every document's folded title and body, scanned for each query."""

    def __init__(self, documents: Sequence[SearchDocument]) -> None:
        self.docs = [(d, fold(d.title), fold(d.body)) for d in documents]

    def search(self, query: str, limit: int = 10) -> tuple[int, list[SearchDocument]]:
        wanted = words(query)
        title_hits, body_hits = [], []
        for doc, title, body in self.docs:
            if all(w in title or w in body for w in wanted):
                (title_hits if any(w in title for w in wanted) else body_hits).append(doc)
        found = title_hits + body_hits
        return len(found), found[:limit]

    def suggest(self, typed: str, limit: int = 8) -> list[SearchDocument]:
        *complete, last = words(typed) or [""]
        out = []
        for doc, title, _ in self.docs:
            title_words = title.split()
            if all(w in title for w in complete) and any(t.startswith(last) for t in title_words):
                out.append(doc)
                if len(out) == limit:
                    break
        return out


def ours_search(index: SearchIndex) -> Callable[[str], int]:
    def run(query: str) -> int:
        total, hits, stems = index.search(query, offset=0, limit=10)
        wanted = set(stems)
        for hit in hits:  # what the API renders for a page
            highlight(hit.document.title, wanted)
            snippet(hit.document.excerpt or hit.document.body, wanted)
        return int(total)

    return run


def naive_search(scan: NaiveScan) -> Callable[[str], int]:
    return lambda query: scan.search(query)[0]


def _latencies(actions: list[Callable[[str], int]], queries: Sequence[str]) -> list[list[float]]:
    """Milliseconds per query for each action, the actions taking turns query by query; the
    garbage collector off while timing, as ``timeit`` does."""
    samples: list[list[float]] = [[] for _ in actions]
    gc.collect()
    gc.disable()
    try:
        for _ in range(ROUNDS):
            for query in queries:
                for position, action in enumerate(actions):
                    start = time.perf_counter()
                    action(query)
                    samples[position].append((time.perf_counter() - start) * 1000)
    finally:
        gc.enable()
    return samples


def _p(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


def _cold(build: Callable[[], object], repeat: int = 3) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        build()
        best = min(best, (time.perf_counter() - start) * 1000)
    return best


def report(label: str, documents: list[SearchDocument]) -> None:
    print(f"\n{label}: {len(documents):,} documents")
    cold_ours = _cold(lambda: SearchIndex(documents))
    cold_naive = _cold(lambda: NaiveScan(documents))
    index, scan = SearchIndex(documents), NaiveScan(documents)
    print(f"{'':34}{'ours':>10}{'naive':>10}{'naive/ours':>12}")
    print(
        f"{'cold: build (ms)':34}{cold_ours:10.1f}{cold_naive:10.1f}{cold_naive / cold_ours:11.2f}x"
    )
    searched = _latencies([ours_search(index), naive_search(scan)], QUERIES)
    suggested = _latencies(
        [
            lambda typed: len(index.suggest(typed, limit=8)[0]),
            lambda typed: len(scan.suggest(typed, limit=8)),
        ],
        PREFIXES,
    )
    for name, (ours, naive) in (("search", searched), ("suggestions", suggested)):
        for q in (50, 99):
            a, b = _p(ours, q), _p(naive, q)
            print(f"{f'warm: {name} p{q} (ms)':34}{a:10.3f}{b:10.3f}{b / a:11.2f}x")
    found_ours = sum(index.search(q, offset=0, limit=1)[0] for q in QUERIES)
    found_naive = sum(scan.search(q)[0] for q in QUERIES)
    print(f"{f'found, {len(QUERIES)} queries (documents)':34}{found_ours:10,}{found_naive:10,}")


def main() -> None:
    seed = seeded_documents()
    report("seeded catalogue (procedures + published articles)", seed)
    report(f"seeded + {GENERATED:,} generated articles", seed + generated(seed, GENERATED))


if __name__ == "__main__":
    main()
