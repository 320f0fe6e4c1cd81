"""Published knowledge articles, read from Dataverse for the search index.

What a portal may show is the article version that is published, the latest, not internal and
in the portal's language ("Knowledge Article (KnowledgeArticle) table/entity reference",
Microsoft Learn: ``statecode`` 3 Published, ``islatestversion``, ``isinternal``,
``languagelocaleid`` a lookup to ``languagelocale`` whose ``localeid`` is the LCID, 1036 for
French). One query says all four, the language through the single-valued navigation property
("Filter rows using OData": lookup columns' properties in ``$filter``); every value goes
through the client's query builder, which escapes it. ``content`` is HTML: only its text is
kept (``html_text``), never its markup.

Dataverse's own knowledge search (``FullTextSearchKnowledgeArticle``, Dataverse search) is not
used: it counts against the service protection limits on every keystroke, where this is one
query per refresh.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Any

from cityzen_connector.dataverse import DataverseClient, Query, eq

__all__ = [
    "FRENCH",
    "MAX_ARTICLES",
    "PUBLISHED",
    "KnowledgeArticle",
    "fetch_articles",
    "html_text",
    "published_articles_query",
]

logger = logging.getLogger(__name__)

FRENCH = 1036  # the LCID of French (France): languagelocale.localeid
PUBLISHED = 3  # knowledgearticle.statecode Published
# A knowledge base is a few hundred articles; stop reading a runaway one.
MAX_ARTICLES = 5000
# HTML read per article: beyond it, text is not parsed (a pasted document, an embedded image).
MAX_HTML_CHARS = 1_000_000
COLUMNS = (
    "knowledgearticleid",
    "articlepublicnumber",
    "title",
    "description",
    "keywords",
    "content",
    "modifiedon",
)


@dataclass(frozen=True)
class KnowledgeArticle:
    id: str
    number: str
    title: str
    description: str
    keywords: str
    text: str  # the content's text, without markup
    modified_on: str = ""


def published_articles_query(locale: int = FRENCH) -> Query:
    """``knowledgearticles`` a portal may show, in the language of LCID ``locale``."""
    return (
        Query("knowledgearticles")
        .select(*COLUMNS)
        .where(
            eq("statecode", PUBLISHED)
            & eq("islatestversion", True)
            & eq("isinternal", False)
            & eq("languagelocaleid/localeid", locale)
        )
        .order_by("articlepublicnumber")
    )


def fetch_articles(client: DataverseClient, *, locale: int = FRENCH) -> list[KnowledgeArticle]:
    """Every article a portal may show (``MAX_ARTICLES`` at most); a row without an id or a
    title is skipped and counted in the log (a reply we do not understand loses nothing else)."""
    articles: list[KnowledgeArticle] = []
    skipped = 0
    for row in client.query(published_articles_query(locale)):
        article = _article(row)
        if article is None:
            skipped += 1
            continue
        articles.append(article)
        if len(articles) >= MAX_ARTICLES:
            logger.warning("knowledge articles: stopped at %d", MAX_ARTICLES)
            break
    if skipped:
        logger.warning("knowledge articles: %d row(s) without id or title skipped", skipped)
    return articles


def _text(row: Any, name: str) -> str:
    value = row.get(name)
    return value if isinstance(value, str) else ""


def _article(row: Any) -> KnowledgeArticle | None:
    if not isinstance(row, dict):
        return None
    article_id, title = _text(row, "knowledgearticleid"), " ".join(_text(row, "title").split())
    if not article_id or not title:
        return None
    return KnowledgeArticle(
        id=article_id,
        number=_text(row, "articlepublicnumber"),
        title=title,
        description=" ".join(_text(row, "description").split()),
        keywords=" ".join(_text(row, "keywords").split()),
        text=html_text(_text(row, "content")),
        modified_on=_text(row, "modifiedon"),
    )


class _Text(HTMLParser):
    """Text nodes of a fragment; the contents of script, style and template are dropped,
    block elements separate words. Character references are decoded (``convert_charrefs``)."""

    _SKIPPED = frozenset({"script", "style", "template", "noscript"})
    _BLOCKS = frozenset({"p", "div", "br", "li", "ul", "ol", "tr", "td", "th", "h1", "h2", "h3"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._SKIPPED:
            self._skipping += 1
        elif tag in self._BLOCKS:
            self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._SKIPPED:
            self._skipping = max(0, self._skipping - 1)
        elif tag in self._BLOCKS:
            self.parts.append(" ")

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self.parts.append(data)


def html_text(fragment: str) -> str:
    """The visible text of an HTML fragment, whitespace collapsed."""
    parser = _Text()
    parser.feed(fragment[:MAX_HTML_CHARS])
    parser.close()
    return " ".join("".join(parser.parts).split())
