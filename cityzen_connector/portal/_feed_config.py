"""The feeds a collectivité publishes, by kind, and the limits of their refresh.

``FeedsConfig.of(news, agenda, ...)`` validates the URLs (``ValueError`` naming each bad one
by its kind and position, never by its text: a URL may carry a token in its query) and gives
each feed a stable id: a hash of its kind and URL, so that its state and last good copy in the
store follow it whatever the order of the setting.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

__all__ = ["FeedKind", "FeedSource", "FeedsConfig"]

FeedKind = Literal["news", "agenda"]
KINDS: tuple[FeedKind, ...] = ("news", "agenda")
MAX_FEEDS_PER_KIND = 50
MAX_URL_CHARS = 2000


@dataclass(frozen=True)
class FeedSource:
    """One configured feed. ``label`` (``news#2``) names it in logs and readiness."""

    kind: FeedKind
    position: int
    url: str = field(repr=False)

    @property
    def id(self) -> str:
        digest = hashlib.sha256(f"{self.kind}\n{self.url}".encode()).hexdigest()
        return f"{self.kind}-{digest[:16]}"

    @property
    def label(self) -> str:
        return f"{self.kind}#{self.position}"


@dataclass(frozen=True)
class FeedsConfig:
    """Feeds and limits. Times are per feed; ``stale_after`` is the age of the last successful
    refresh (a 200 or a 304) past which the feed is shown stale."""

    sources: tuple[FeedSource, ...] = ()
    timeout_seconds: float = 10.0
    max_bytes: int = 5 * 1024 * 1024
    max_items: int = 50
    stale_after: timedelta = timedelta(hours=1)
    time_zone: ZoneInfo = field(default_factory=lambda: ZoneInfo("Europe/Paris"))
    max_redirects: int = 5
    concurrency: int = 4

    @classmethod
    def of(
        cls,
        news: tuple[str, ...] = (),
        agenda: tuple[str, ...] = (),
        *,
        time_zone: str = "Europe/Paris",
        timeout_seconds: float = 10.0,
        max_bytes: int = 5 * 1024 * 1024,
        max_items: int = 50,
        stale_after: timedelta = timedelta(hours=1),
    ) -> FeedsConfig:
        problems: list[str] = []
        sources: list[FeedSource] = []
        for kind, urls in zip(KINDS, (news, agenda), strict=True):
            if len(urls) > MAX_FEEDS_PER_KIND:
                problems.append(f"at most {MAX_FEEDS_PER_KIND} {kind} feeds")
            for position, url in enumerate(urls, start=1):
                if rule := url_rule(url):
                    problems.append(f"{kind} feed {position} of {len(urls)} {rule}")
                sources.append(FeedSource(kind, position, url))
        ids = [source.id for source in sources]
        if len(set(ids)) != len(ids):
            problems.append("a feed is listed twice")
        try:
            zone = ZoneInfo(time_zone)
        except (ZoneInfoNotFoundError, ValueError):
            problems.append("the time zone is not an IANA name (e.g. Europe/Paris)")
            zone = ZoneInfo("UTC")
        if problems:
            raise ValueError("; ".join(problems))
        return cls(
            tuple(sources),
            timeout_seconds=timeout_seconds,
            max_bytes=max_bytes,
            max_items=max_items,
            stale_after=stale_after,
            time_zone=zone,
        )

    def of_kind(self, kind: FeedKind) -> tuple[FeedSource, ...]:
        return tuple(source for source in self.sources if source.kind == kind)


def url_rule(url: str) -> str | None:
    """The rule ``url`` breaks, or ``None``: an absolute http(s) URL without credentials."""
    if len(url) > MAX_URL_CHARS:
        return f"is longer than {MAX_URL_CHARS} characters"
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a port out of range
    except ValueError:
        return "is not a URL"
    if parts.scheme not in ("http", "https"):
        return "must use http or https"
    if not parts.hostname:
        return "has no host"
    if parts.username is not None or parts.password is not None:
        return "must not carry a user or password"
    return None
