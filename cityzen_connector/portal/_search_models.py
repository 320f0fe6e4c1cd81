"""What ``GET /api/v1/search``, ``/search/suggestions`` and ``/search/popular`` answer.

``*_html`` members are HTML fragments safe to insert as they are: the text is escaped and the
only markup is ``<mark>`` around the words that matched.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "CacheAge",
    "PopularSearch",
    "PopularSearches",
    "SearchHit",
    "SearchResults",
    "Suggestion",
    "Suggestions",
]

HitKind = Literal["procedure", "article"]


class SearchHit(BaseModel):
    """A procedure (``theme``, and ``sub_theme`` unless it is a whole theme) or a knowledge
    article (``article_number``, its public number)."""

    model_config = ConfigDict(frozen=True)

    kind: HitKind
    id: str = Field(description="theme or theme/sub_theme codes; an article's id")
    title: str
    title_html: str
    snippet_html: str
    theme: str | None = None
    sub_theme: str | None = None
    article_number: str | None = None


class SearchResults(BaseModel):
    model_config = ConfigDict(frozen=True)

    query: str
    total: int = Field(ge=0)
    page: int = Field(ge=1)
    per_page: int = Field(ge=1)
    results: tuple[SearchHit, ...]


class Suggestion(BaseModel):
    model_config = ConfigDict(frozen=True)

    kind: HitKind
    id: str
    title: str
    title_html: str


class Suggestions(BaseModel):
    model_config = ConfigDict(frozen=True)

    query: str
    suggestions: tuple[Suggestion, ...]


class PopularSearch(BaseModel):
    model_config = ConfigDict(frozen=True)

    query: str
    count: int = Field(ge=1)


class PopularSearches(BaseModel):
    model_config = ConfigDict(frozen=True)

    searches: tuple[PopularSearch, ...]


class CacheAge(BaseModel):
    """What readiness shows of a cache a timer refreshes."""

    model_config = ConfigDict(frozen=True)

    refreshed_at: datetime | None
    age_seconds: float | None
    items: int | None = None
