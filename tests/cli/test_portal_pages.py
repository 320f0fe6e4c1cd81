"""What ``cityzen run`` adds for the agents' pages: ``config.json``'s ``agents`` entry (the
agents' issuer, the desk's registered client and redirect) and the desk API mounted at
``/desk/api`` — in embedded mode only."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

from cityzen_connector import app
from cityzen_connector.cli._portal import DESK_PREFIX, desk_mounts, portal_site
from cityzen_connector.settings import Settings
from cityzen_connector.signin import desk_client
from tests.support.paths import ROOT


def settings(tmp_path: Path, **values: Any) -> Settings:
    return Settings(
        _env_file=None, data_dir=tmp_path, localhost_app_dir=ROOT, signin_port=7999, **values
    )


def call(wsgi: Any, path: str) -> tuple[str, dict[str, str], bytes]:
    seen: dict[str, Any] = {}

    def start_response(status: str, headers: list[tuple[str, str]]) -> None:
        seen["status"], seen["headers"] = status, dict(headers)

    environ = {"REQUEST_METHOD": "GET", "PATH_INFO": path, "QUERY_STRING": "",
               "wsgi.input": io.BytesIO(b"")}  # fmt: skip
    body = b"".join(wsgi(environ, start_response))
    return seen["status"], seen["headers"], body


def test_the_served_configuration_names_the_agents_pages_as_the_provider_registers_them(
    tmp_path: Path,
) -> None:
    site = portal_site(settings(tmp_path, signin_provider=True))
    assert site is not None
    agents = json.loads(site.generated["config.json"])["agents"]
    assert agents["issuer"] == "http://127.0.0.1:7999/agents"
    assert agents["desk_api"] == "/desk/api"
    assert agents["scope"].split() == ["openid", "profile", "access_as_user"]
    registered = desk_client("http://127.0.0.1:7071", "http://127.0.0.1:7999")
    assert agents["client_id"] == registered.client_id
    assert f"http://127.0.0.1:7071{agents['redirect_path']}" in registered.redirect_uris


def test_the_shipped_configuration_has_no_agents_pages(tmp_path: Path) -> None:
    # What a deployment serves: agents work in Dynamics 365, the portal shows no desk.
    assert "agents" not in json.loads((ROOT / "web" / "config.json").read_text())
    site = portal_site(settings(tmp_path, signin_provider=False))
    assert site is not None
    assert site.generated == {}


def test_the_desk_api_is_mounted_in_embedded_mode_and_asks_for_an_agents_token(
    tmp_path: Path,
) -> None:
    deps = app.Container(settings(tmp_path))
    try:
        [(prefix, desk)] = desk_mounts(deps)
        assert prefix == DESK_PREFIX
        status, headers, body = call(desk, "/desk/api/cases")
        assert status.startswith("401")
        assert headers["Content-Type"] == "application/problem+json"
        assert json.loads(body)["code"] == "unauthorized"
    finally:
        deps.close()


def test_outside_embedded_mode_nothing_is_mounted(tmp_path: Path) -> None:
    deps = app.Container(
        settings(
            tmp_path,
            dataverse_url="https://contoso.crm4.dynamics.com",
            identity_pepper="a pepper long enough for a deployment, 32+",
        )
    )
    try:
        assert desk_mounts(deps) == ()
    finally:
        deps.close()
