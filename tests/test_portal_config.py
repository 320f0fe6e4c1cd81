"""web/staticwebapp.config.json against "Configure Azure Static Web Apps" (Microsoft Learn): the
sections and rule properties it documents, the fallback that serves the single-page app without
hiding the API or a missing asset, and the agents' pages refused in Azure (embedded-only) while
the local host still serves them.

Route matching is Static Web Apps' as documented: rules in order, the first match wins, a
wildcard only at the end of the path (``/desk*`` matches every path starting with ``/desk``;
``/*.json`` any path ending in ``.json``)."""

from __future__ import annotations

import io
import json
import re
from typing import Any

import pytest

from cityzen_connector.localhost import StaticSite, StaticSiteConfig
from cityzen_connector.localhost._static import CONTENT_TYPES, _excluded
from tests.support.paths import ROOT

WEB = ROOT / "web"
CONFIG_FILE = WEB / "staticwebapp.config.json"
CONFIG: dict[str, Any] = json.loads(CONFIG_FILE.read_text(encoding="utf-8"))
SECTIONS = {
    "routes", "navigationFallback", "responseOverrides", "globalHeaders", "mimeTypes",
    "networking", "auth", "forwardingGateway", "platform", "trailingSlash",
}  # fmt: skip
RULE_PROPERTIES = {
    "route",
    "methods",
    "rewrite",
    "redirect",
    "statusCode",
    "headers",
    "allowedRoles",
}
METHODS = {"GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH"}
OVERRIDABLE = {"400", "401", "403", "404"}  # the codes "Response overrides" lists
MAX_BYTES = 20 * 1024  # "Restrictions": max file size 20 KB
UUID = "0b6f4f7e-3c1a-4d55-9a0e-2f1d3c4b5a69"
# One path per screen of the portal (web/js/app.js ROUTES) and the sign-in callbacks.
CITIZEN_PATHS = [
    "/", "/recherche", "/nouvelle-demande", "/mes-demandes", f"/mes-demandes/{UUID}",
    f"/demande/{UUID}", "/signin/callback",
]  # fmt: skip
AGENT_PATHS = ["/desk", "/desk/", "/desk/CAS-01001-X1Y2", "/desk/callback", "/desk/api/cases",
               "/dashboard", "/dashboard/"]  # fmt: skip


def swa_matches(pattern: str, path: str) -> bool:
    """Static Web Apps' route pattern: exact, or a trailing wildcard with an optional
    extension filter (``*.json``, ``*.{png,jpg}``)."""
    if "*" not in pattern:
        return path == pattern
    prefix, _, suffix = pattern.partition("*")
    if not path.startswith(prefix):
        return False
    if not suffix:
        return True
    options = suffix[2:-1].split(",") if suffix.startswith(".{") else [suffix[1:]]
    return any(path.endswith("." + extension) for extension in options)


def first_route(path: str) -> dict[str, Any] | None:
    return next((r for r in CONFIG.get("routes", []) if swa_matches(r["route"], path)), None)


def fallback_serves_index(path: str) -> bool:
    """A path naming no file gets index.html unless an exclusion matches it."""
    return not any(swa_matches(p, path) for p in CONFIG["navigationFallback"]["exclude"])


def local_get(path: str) -> tuple[int, bytes]:
    site = StaticSite(StaticSiteConfig(WEB))
    environ = {"REQUEST_METHOD": "GET", "REQUEST_URI": path, "PATH_INFO": path,
               "QUERY_STRING": "", "wsgi.input": io.BytesIO(b"")}  # fmt: skip
    seen: list[int] = []
    body = b"".join(site(environ, lambda status, _headers: seen.append(int(status[:3]))))
    return seen[0], body


def test_the_file_uses_only_documented_sections_and_rule_properties() -> None:
    assert len(CONFIG_FILE.read_bytes()) < MAX_BYTES
    assert {k for k in CONFIG if not k.startswith("$")} <= SECTIONS
    for rule in CONFIG["routes"]:
        assert set(rule) <= RULE_PROPERTIES, rule
        route = rule["route"]
        assert route.startswith("/"), rule
        # Wildcards are supported at the end of route paths only.
        assert "*" not in route or "/" not in route[route.index("*") :], rule
        assert not ("rewrite" in rule and "redirect" in rule), rule  # mutually exclusive
        assert set(rule.get("methods", [])) <= METHODS, rule
        assert all(isinstance(v, str) for v in rule.get("headers", {}).values()), rule
        if "statusCode" in rule:
            assert isinstance(rule["statusCode"], int), rule
        if "rewrite" in rule:  # values relative to the app's root, naming a deployed file
            assert (WEB / rule["rewrite"].lstrip("/")).is_file(), rule
    assert set(CONFIG.get("responseOverrides", {})) <= OVERRIDABLE
    for extension, media_type in CONFIG["mimeTypes"].items():
        # The local host answers the same type for the same extension.
        assert extension.startswith(".")
        assert CONTENT_TYPES[extension].split(";")[0] == media_type


def test_the_fallback_serves_the_app_and_never_hides_the_api_or_a_missing_asset() -> None:
    fallback = CONFIG["navigationFallback"]
    assert (WEB / fallback["rewrite"].lstrip("/")).is_file()
    for path in CITIZEN_PATHS:
        assert fallback_serves_index(path), path
    # A missing script, style or JSON file, or an unknown API path, is a 404, not the page.
    for folder in (p for p in WEB.iterdir() if p.is_dir()):
        assert not fallback_serves_index(f"/{folder.name}/missing.js"), folder
    for path in ("/api/v1/nowhere", "/desk/api/cases", "/missing.json"):
        assert not fallback_serves_index(path), path
    # The local host reads these exclusions too, and matches them as Static Web Apps does.
    samples = [*CITIZEN_PATHS, *AGENT_PATHS, "/api/v1/x", "/js/app.js", "/a.json"]
    for pattern in fallback["exclude"]:
        for path in samples:
            assert _excluded(path, pattern) == swa_matches(pattern, path), (pattern, path)


def test_every_screen_of_the_portal_is_among_the_paths_checked() -> None:
    # A new screen in web/js/app.js must be classified here, citizen or agent.
    source = (WEB / "js" / "app.js").read_text(encoding="utf-8")
    patterns = re.findall(r"^\s*\[/(\^.*?\$)/,", source, flags=re.MULTILINE)
    assert len(patterns) >= 8
    for pattern in patterns:
        assert any(re.fullmatch(pattern, p) for p in CITIZEN_PATHS + AGENT_PATHS), pattern


@pytest.mark.parametrize("path", AGENT_PATHS)
def test_the_agents_pages_are_a_404_in_azure(path: str) -> None:
    rule = first_route(path)
    assert rule is not None, path
    assert rule["statusCode"] == 404
    assert rule["rewrite"] == "/404.html"


@pytest.mark.parametrize("path", [*CITIZEN_PATHS, "/config.json", "/index.html", "/js/app.js",
                                  "/js/screens/desk.js", "/js/screens/dashboard.js"])  # fmt: skip
def test_the_citizens_pages_and_every_module_are_served_in_azure(path: str) -> None:
    # desk.js and dashboard.js are imported by app.js: refusing them would break every page.
    rule = first_route(path)
    assert rule is None or "statusCode" not in rule, (path, rule)


def test_the_local_host_still_serves_the_agents_pages_in_embedded_mode() -> None:
    # It reads globalHeaders and the fallback's exclusions, not routes: `make run` shows them.
    index = (WEB / "index.html").read_bytes()
    assert local_get("/desk") == (200, index)
    assert local_get("/dashboard") == (200, index)
    assert local_get("/desk/api/cases")[0] == 404


def test_the_not_found_page_is_french_and_english_and_runs_no_script() -> None:
    page = (WEB / "404.html").read_text(encoding="utf-8")
    assert '<html lang="fr">' in page
    assert '<div lang="en">' in page
    assert "<script" not in page
    assert 'href="/"' in page
    assert (WEB / "css" / "portal.css").is_file()
    assert 'href="/css/portal.css"' in page
