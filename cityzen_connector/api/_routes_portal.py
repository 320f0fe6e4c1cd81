"""The portal's public routes: themes, address help, search, news and agenda."""

from __future__ import annotations

from ._route_answers import AUTH, CACHE, COMMON
from ._route_types import Answer, Operation, Param, Route

_ADDRESS_ANSWERS = {
    200: Answer(
        "Addresses, best first (none: nothing matches)", "AddressResults", ("Cache-Control",)
    ),
    422: Answer("Invalid query parameters, each listed"),
    **AUTH,
    503: Answer(
        "Address help unavailable (address_help_unavailable) or over the geocoder's rate"
        " limit (address_help_busy): Retry-After says when to ask again"
    ),
    **COMMON,
}
# Search (portal.SearchService): public content, so anonymous, as the theme tree is.
_SEARCH_ANSWERS = {
    400: Answer("A query parameter is missing or not valid (problem detail names it)"),
    503: Answer("The search cannot answer now (its store is unavailable); retry later"),
    **COMMON,
}
_Q = Param(
    "q",
    "query",
    "The words searched, as typed: case, accents and plurals do not matter; any character is"
    " text (quotes, *, NEAR, AND, parentheses are not operators).",
    required=True,
)
_PAGE = (
    Param("page", "page", "Page number, from 1."),
    Param("per_page", "per_page", "Results per page."),
)
# News and agenda: paged lists, newest or soonest first (portal.FeedsReader).
MAX_PAGE = 1000
MAX_PAGE_SIZE = 50
_PAGING = (
    Param("page", {"type": "integer", "minimum": 1, "maximum": MAX_PAGE, "default": 1}, "Page"),
    Param(
        "page_size",
        {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE, "default": 20},
        "Items per page",
    ),
    Param(
        "category",
        {"type": "string", "minLength": 1, "maxLength": 100},
        "Only items of this category (case and accents ignored)",
    ),
)
_DAY = {"type": "string", "format": "date", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"}
_FEED_ANSWERS = {
    304: Answer("Not modified", headers=("ETag",)),
    400: Answer("A query parameter is not valid"),
    503: Answer("The feeds' copies cannot be read now"),
    **COMMON,
}

PORTAL_ROUTES: tuple[Route, ...] = (
    Route(
        "/v1/themes",
        "themes",
        "anonymous",
        (
            Operation(
                "GET",
                "listThemes",
                "Themes, sub-themes and their form fields (ETag; 304 on If-None-Match)",
                {
                    200: Answer("The theme tree", "ThemeTree", ("ETag", "Cache-Control")),
                    304: Answer("Not modified", headers=("ETag",)),
                    503: Answer("Dataverse unavailable and nothing cached"),
                    **COMMON,
                },
                headers=("If-None-Match",),
            ),
        ),
    ),
    Route(
        "/v1/address",
        "address_search",
        "caller",
        (
            Operation(
                "GET",
                "searchAddress",
                "Address suggestions as the citizen types (IGN Géoplateforme, cached)",
                _ADDRESS_ANSWERS,
                query="AddressSearchParams",
            ),
        ),
    ),
    Route(
        "/v1/address/reverse",
        "address_reverse",
        "caller",
        (
            Operation(
                "GET",
                "reverseAddress",
                '"Use my location": the addresses nearest to a point, nearest first',
                _ADDRESS_ANSWERS,
                query="AddressReverseParams",
            ),
        ),
    ),
    Route(
        "/v1/search",
        "search",
        "anonymous",
        (
            Operation(
                "GET",
                "search",
                "Search procedures and knowledge articles by title and content (ranked, paged,"
                " highlighted)",
                {
                    200: Answer("One page of results, best first", "SearchResults", CACHE),
                    **_SEARCH_ANSWERS,
                },
                params=(_Q, *_PAGE),
            ),
        ),
    ),
    Route(
        "/v1/search/suggestions",
        "search_suggestions",
        "anonymous",
        (
            Operation(
                "GET",
                "searchSuggestions",
                "Type-ahead: titles of procedures and articles matching what is typed so far",
                {200: Answer("Titles, best first", "Suggestions", CACHE), **_SEARCH_ANSWERS},
                params=(_Q, Param("limit", "suggestion_limit", "How many titles at most.")),
            ),
        ),
    ),
    Route(
        "/v1/search/popular",
        "search_popular",
        "anonymous",
        (
            Operation(
                "GET",
                "popularSearches",
                "The most frequent searches (never a name or an address: docs/portal.md)",
                {
                    200: Answer("Searches, most frequent first", "PopularSearches", CACHE),
                    **_SEARCH_ANSWERS,
                },
                params=(Param("limit", "popular_limit", "How many searches at most."),),
            ),
        ),
    ),
    Route(
        "/v1/news",
        "news",
        "anonymous",
        (
            Operation(
                "GET",
                "listNews",
                "The town's news from its feeds, newest first (ETag; 304 on If-None-Match)",
                {
                    200: Answer("A page of news", "NewsPage", ("ETag", "Cache-Control")),
                    **_FEED_ANSWERS,
                },
                headers=("If-None-Match",),
                params=_PAGING,
            ),
        ),
    ),
    Route(
        "/v1/agenda",
        "agenda",
        "anonymous",
        (
            Operation(
                "GET",
                "listAgenda",
                "The town's events from its feeds, soonest first, ongoing ones included"
                " (ETag; 304 on If-None-Match)",
                {
                    200: Answer("A page of events", "AgendaPage", ("ETag", "Cache-Control")),
                    **_FEED_ANSWERS,
                },
                headers=("If-None-Match",),
                params=(
                    Param(
                        "from",
                        _DAY,
                        "Events still running on or after this day (the town's time zone;"
                        " default: today)",
                    ),
                    Param(
                        "to",
                        _DAY,
                        "Events starting on or before this day (the town's time zone)",
                    ),
                    *_PAGING,
                ),
            ),
        ),
    ),
)
