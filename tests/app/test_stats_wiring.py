"""The composition root's stats and open data: the store's histories, the Dataverse client for
the reconciliation, and who may read the stats (the ops role, or one of CITYZEN_STATS_ROLES)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from cityzen_connector import app
from cityzen_connector._types import Headers
from cityzen_connector.api import ApiRequest, ApiResponse
from cityzen_connector.app import _identity
from cityzen_connector.dataverse import StaticTokenProvider, WsgiTransport
from cityzen_connector.emulator import EmulatorConfig, create_app, seed
from cityzen_connector.settings import Settings
from cityzen_connector.testing import FakeClock
from tests.support.world import ROOT, START


def container(tmp_path: Path, **values: Any) -> tuple[app.Container, FakeClock]:
    clock = FakeClock(START)
    emulator = create_app(EmulatorConfig(), clock=clock)
    seed(emulator)
    base: dict[str, Any] = {"queue_url": "memory://", "store_url": "memory://"}
    base |= {"blob_url": "memory://", "mappings_dir": ROOT / "mappings", "data_dir": tmp_path}
    settings = Settings(_env_file=None, **(base | values))  # type: ignore[call-arg]
    built = app.Container(
        settings,
        clock=clock,
        transport=WsgiTransport(emulator),
        tokens=StaticTokenProvider("t"),
    )
    return built, clock


def get(built: app.Container, path: str, token: str | None = None) -> ApiResponse:
    headers = Headers({"Authorization": f"Bearer {token}"} if token else {})
    return built.http_api.handle(ApiRequest("GET", path, headers))


def test_an_agents_token_reads_the_stats_and_dataverse_is_counted(tmp_path: Path) -> None:
    built, clock = container(tmp_path)
    token = _identity.mint_local_ops_token(
        built.settings, now=clock.now(), roles=("CityZen.Agent",)
    )
    response = get(built, "/v1/stats", token)
    assert response.status == 200, response.body
    reconciliation = response.json()["reconciliation"]
    assert reconciliation["available"] is True  # the seeded emulator answered the aggregate
    assert get(built, "/v1/ops/queues", token).status == 403


def test_with_no_stats_roles_only_the_ops_role_reads_them(tmp_path: Path) -> None:
    built, clock = container(tmp_path, stats_roles="")
    agent = _identity.mint_local_ops_token(
        built.settings, now=clock.now(), roles=("CityZen.Agent",)
    )
    ops = _identity.mint_local_ops_token(built.settings, now=clock.now())
    assert get(built, "/v1/stats", agent).status == 403
    assert get(built, "/v1/stats", ops).status == 200


def test_the_open_data_is_served_with_the_configured_threshold(tmp_path: Path) -> None:
    built, _ = container(tmp_path, open_data_threshold=10)
    response = get(built, "/v1/open-data/requests.json")
    assert response.status == 200
    assert response.json() == {
        "schema": "docs/open-data/schema.json",
        "seuil_secret": 10,
        "donnees": [],
    }


@pytest.mark.parametrize("roles", ["CityZen Agent", "CityZen.Agent, Chef de service"])
def test_a_stats_role_with_a_space_stops_the_start_naming_the_setting(roles: str) -> None:
    with pytest.raises(ValidationError) as caught:
        Settings(_env_file=None, stats_roles=roles)  # type: ignore[call-arg]
    assert "CITYZEN_STATS_ROLES" in str(caught.value)
    assert roles not in str(caught.value)
    assert "Agent" not in str(caught.value).split("CITYZEN_STATS_ROLES")[1]
