"""Read models of the town's news and agenda (``GET /api/v1/news``, ``GET /api/v1/agenda``).

Items come from the collectivité's RSS 2.0, Atom 1.0 and RSS 1.0 feeds, normalised by
``portal``: every text is plain text except ``summary_html``, which is sanitised HTML (a short
allow-list of tags, ``http``/``https``/``mailto`` links only, nothing executable); every URL is
absolute ``http(s)``; every time is UTC (``Z``).
"""

from __future__ import annotations

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field


class NewsItem(BaseModel):
    """One news item."""

    model_config = ConfigDict(frozen=True)

    id: str = Field(description="Stable: the same item keeps it across refreshes.")
    source: str | None = Field(None, description="The feed's own title (plain text).")
    title: str = Field(description="Plain text.")
    link: str | None = Field(None, description="The item's page: an absolute http(s) URL.")
    summary_html: str = Field("", description="Sanitised HTML, safe to insert in a page.")
    summary_text: str = Field("", description="The same summary as plain text, shortened.")
    published: AwareDatetime | None = Field(None, description="Publication time (UTC).")
    image: str | None = Field(None, description="An illustration: an absolute http(s) URL.")
    categories: tuple[str, ...] = Field((), description="The feed's categories (plain text).")


class AgendaItem(NewsItem):
    """One event: a news item with when and where."""

    start: AwareDatetime = Field(
        description="Start (UTC); for an all-day event, midnight in the town's time zone."
    )
    end: AwareDatetime | None = Field(
        None,
        description="End (UTC), exclusive; for an all-day event, midnight after its last day.",
    )
    all_day: bool = Field(False, description="The event has dates but no times.")
    place: str | None = Field(None, description="Where it takes place (plain text).")


class _Page(BaseModel):
    model_config = ConfigDict(frozen=True)

    page: int = Field(ge=1)
    page_size: int = Field(ge=1)
    total: int = Field(ge=0, description="Items matching the query, all pages together.")
    stale: bool = Field(
        description="A feed of this kind could not be refreshed lately: its last good copy is"
        " shown."
    )


class NewsPage(_Page):
    """The body of ``GET /api/v1/news``: newest first."""

    items: tuple[NewsItem, ...]


class AgendaPage(_Page):
    """The body of ``GET /api/v1/agenda``: upcoming first (by start, ongoing events included)."""

    items: tuple[AgendaItem, ...]
