"""Procedures and knowledge articles as search documents.

A procedure is what a citizen can file: a theme, or a sub-theme with its form. The composition
root reads them from the mappings (``mappings/themes.toml``: titles, ``help`` texts, form field
labels and choices) and hands them here as plain values, the portal room knowing no mapping.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from ._knowledge import KnowledgeArticle
from ._search_index import SearchDocument

__all__ = ["Procedure", "article_documents", "procedure_documents"]


@dataclass(frozen=True)
class Procedure:
    """A theme (``sub_theme`` None) or a sub-theme, as the portal offers it."""

    theme: str
    title: str
    sub_theme: str | None = None
    theme_title: str = ""
    help: str = ""
    # Form field labels and choices, and for a theme its sub-themes' titles.
    words: tuple[str, ...] = ()


def procedure_documents(procedures: Iterable[Procedure]) -> list[SearchDocument]:
    """Title: the procedure's; body: its theme's title, help text, then the form's words."""
    documents = []
    for p in procedures:
        key = p.theme if p.sub_theme is None else f"{p.theme}/{p.sub_theme}"
        body = " ".join(part for part in (p.theme_title, p.help, *p.words) if part)
        documents.append(
            SearchDocument(
                kind="procedure",
                key=key,
                title=p.title,
                body=body,
                theme=p.theme,
                sub_theme=p.sub_theme,
                excerpt=" ".join(part for part in (p.help, *p.words) if part),
            )
        )
    return documents


def article_documents(articles: Sequence[KnowledgeArticle]) -> list[SearchDocument]:
    """Title: the article's; body: its description, keywords and text (the description first:
    it is "primarily used in search results", says the table reference)."""
    return [
        SearchDocument(
            kind="article",
            key=a.id,
            title=a.title,
            body=" ".join(part for part in (a.description, a.keywords, a.text) if part),
            number=a.number or None,
            curated=a.keywords,
            excerpt=" ".join(part for part in (a.description, a.text) if part),
        )
        for a in articles
    ]
