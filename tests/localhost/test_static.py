"""The portal's files on the local host (``_static``): what a browser gets, and what a hostile
path never gets. The site is a plain WSGI app here; the browser tests serve it for real."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest

from cityzen_connector.cli._portal import DEPLOYED_PROVIDER, portal_site
from cityzen_connector.localhost._static import (
    CONTENT_TYPES,
    SWA_CONFIG,
    StaticSite,
    StaticSiteConfig,
    security_headers,
)
from cityzen_connector.settings import Settings
from tests.support.paths import ROOT

WEB = ROOT / "web"


def get(
    site: StaticSite, target: str, method: str = "GET", **headers: str
) -> tuple[int, dict[str, str], bytes]:
    path = target.split("?", 1)[0]
    environ: dict[str, Any] = {
        "REQUEST_METHOD": method,
        "REQUEST_URI": target,
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "wsgi.input": io.BytesIO(b""),
        **{"HTTP_" + k.upper(): v for k, v in headers.items()},
    }
    seen: dict[str, Any] = {}

    def start_response(status: str, response_headers: list[tuple[str, str]]) -> None:
        seen["status"], seen["headers"] = int(status.split(maxsplit=1)[0]), dict(response_headers)

    body = b"".join(site(environ, start_response))
    return seen["status"], seen["headers"], body


@pytest.fixture
def site() -> StaticSite:
    return StaticSite(StaticSiteConfig(WEB))


def test_every_file_carries_the_static_web_apps_headers_exactly(site: StaticSite) -> None:
    declared = json.loads((WEB / SWA_CONFIG).read_text())["globalHeaders"]
    for target in ("/", "/js/app.js", "/css/portal.css", "/i18n/en.json", "/nope.js"):
        _, headers, _ = get(site, target)
        for name, value in declared.items():
            assert headers[name] == value, (target, name)
    csp = declared["Content-Security-Policy"]
    for directive in (
        "default-src 'self'", "script-src 'self'", "style-src 'self'",
        "img-src 'self' data: blob:", f"connect-src 'self' {DEPLOYED_PROVIDER}",
        "frame-ancestors 'none'", "base-uri 'none'", f"form-action 'self' {DEPLOYED_PROVIDER}",
    ):  # fmt: skip
        assert directive in csp
    assert "unsafe" not in csp
    assert declared["X-Content-Type-Options"] == "nosniff"
    assert declared["Referrer-Policy"] == "no-referrer"


def test_the_pages_have_no_inline_script_or_style() -> None:
    for page in WEB.rglob("*.html"):
        text = page.read_text()
        assert "<script>" not in text
        assert " style=" not in text
        assert "<style" not in text
        assert all('src="/' in tag for tag in text.split("<script")[1:])
    for module in WEB.rglob("*.js"):
        text = module.read_text()
        assert "eval(" not in text
        assert "new Function" not in text
        assert "innerHTML" not in text
        assert "localStorage.setItem(STORAGE_KEY" in text or "localStorage.setItem" not in text


def test_files_have_their_content_type_and_revalidate_with_an_etag(site: StaticSite) -> None:
    for target, kind in (
        ("/", "text/html; charset=utf-8"),
        ("/js/app.js", "text/javascript; charset=utf-8"),
        ("/css/portal.css", "text/css; charset=utf-8"),
        ("/config.json", "application/json"),
    ):
        status, headers, body = get(site, target)
        assert status == 200, target
        assert headers["Content-Type"] == kind
        again, _, empty = get(site, target, IF_NONE_MATCH=headers["ETag"])
        assert (again, empty) == (304, b"")
    status, headers, body = get(site, "/js/app.js", "HEAD")
    assert (status, body) == (200, b"")


def test_the_apps_own_routes_are_index_html_and_missing_files_are_404(site: StaticSite) -> None:
    index = (WEB / "index.html").read_bytes()
    for route in ("/mes-demandes", "/nouvelle-demande", "/signin/callback", "/recherche"):
        assert get(site, route)[2] == index
    for missing in ("/js/nope", "/js/nope.js", "/img/x.png", "/nope.json", "/css/"):
        assert get(site, missing)[0] == 404, missing


@pytest.mark.parametrize(
    "target",
    [
        "/../pyproject.toml",
        "/%2e%2e/pyproject.toml",
        "/js/..%2f..%2fpyproject.toml",
        "/js/%2e%2e/%2e%2e/function_app.py",
        "/..%5c..%5cpyproject.toml",
        "/.git/config",
        "/%2egit/HEAD",
        "/staticwebapp.config.json",
        "/js/",
        "/i18n",
        "/js//app.js",
        "/index.html/",
        "/app.py",
        "/../../../../etc/passwd",
    ],
)
def test_hostile_paths_get_nothing_but_an_error(site: StaticSite, target: str) -> None:
    status, headers, body = get(site, target)
    assert status in (400, 404), target
    assert headers["Content-Type"] == "application/problem+json"
    assert b"[tool" not in body
    assert b"root:" not in body
    assert b"globalHeaders" not in body


def test_a_symbolic_link_out_of_the_folder_is_not_followed(tmp_path: Path) -> None:
    root = tmp_path / "web"
    root.mkdir()
    (root / SWA_CONFIG).write_text(json.dumps({"globalHeaders": {"X-Test": "1"}}))
    (root / "index.html").write_text("<!doctype html>")
    secret = tmp_path / "secret.js"
    secret.write_text("secret")
    (root / "leak.js").symlink_to(secret)
    site = StaticSite(StaticSiteConfig(root))
    assert get(site, "/leak.js")[0] == 404
    assert get(site, "/index.html")[0] == 200


def test_a_write_is_405_with_allow(site: StaticSite) -> None:
    status, headers, _ = get(site, "/index.html", "POST")
    assert status == 405
    assert headers["Allow"] == "GET, HEAD"


def test_cityzen_run_serves_its_own_providers_origin_in_config_and_policy(tmp_path: Path) -> None:
    settings = Settings(
        _env_file=None, data_dir=tmp_path, localhost_app_dir=ROOT, signin_provider=True,
        signin_port=7999,
    )  # fmt: skip
    config = portal_site(settings)
    assert config is not None
    served = json.loads(config.generated["config.json"])
    assert [p["issuer"] for p in served["providers"]] == [
        "http://127.0.0.1:7999",
        "http://127.0.0.1:7999/external",
    ]
    site = StaticSite(config)
    _, headers, body = get(site, "/config.json")
    assert json.loads(body) == served
    assert "connect-src 'self' http://127.0.0.1:7999;" in headers["Content-Security-Policy"]
    assert headers["Cache-Control"] == "no-store"
    shipped = dict(security_headers(WEB))["Content-Security-Policy"]
    assert (
        shipped.replace(DEPLOYED_PROVIDER, "http://127.0.0.1:7999")
        == (headers["Content-Security-Policy"])
    )


def test_every_file_in_web_has_a_known_type() -> None:
    for path in WEB.rglob("*"):
        if path.is_file():
            assert path.suffix in CONTENT_TYPES, path
