"""The composition root's ops routes: the ops tenant's authenticator (or the local key in local
mode), the connector's queues, and the agents reconciler when one is given; the settings that
shape them refuse what cannot work, naming the variable and never its value."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest

from cityzen_connector import app
from cityzen_connector._types import Headers
from cityzen_connector.api import ApiRequest, ApiResponse
from cityzen_connector.app import _identity
from cityzen_connector.identity import LOCAL_OPS_AGENT_OID, LOCAL_OPS_KEY_FILE
from cityzen_connector.settings import Settings
from cityzen_connector.testing import FakeClock
from tests.support.ops import (
    API_CLIENT_ID,
    TENANT,
    V2_KEYS,
    Directory,
    SmallReconciler,
    Tenant,
    ops_token,
)
from tests.support.world import ROOT, START

MAPPINGS = ROOT / "mappings"
REMOTE = {"dataverse_url": "https://contoso.crm4.dynamics.com", "identity_pepper": "p" * 16}


def settings(tmp_path: Path, **values: Any) -> Settings:
    base: dict[str, Any] = {"queue_url": "memory://", "store_url": "memory://"}
    base |= {"blob_url": "memory://", "mappings_dir": MAPPINGS, "data_dir": tmp_path}
    return Settings(_env_file=None, **(base | values))  # type: ignore[call-arg]


def get(container: app.Container, path: str, token: str | None) -> ApiResponse:
    headers = Headers({"Authorization": f"Bearer {token}"} if token else {})
    return container.http_api.handle(ApiRequest("GET", path, headers))


def test_local_mode_a_minted_token_opens_the_ops_routes_and_the_key_waits_for_it(
    tmp_path: Path,
) -> None:
    clock = FakeClock(START)
    container = app.Container(settings(tmp_path), clock=clock)
    assert container.ops_authenticator is not None
    assert get(container, "/v1/ops/queues", None).status == 401
    assert not (tmp_path / LOCAL_OPS_KEY_FILE).exists()  # nothing until a token is checked
    token = _identity.mint_local_ops_token(container.settings, now=clock.now())
    response = get(container, "/v1/ops/queues", token)
    assert response.status == 200
    assert {q["name"] for q in response.json()["queues"]} == {
        "submissions",
        "case-events",
        "webhooks",
    }
    no_role = _identity.mint_local_ops_token(container.settings, now=clock.now(), roles=())
    assert get(container, "/v1/ops/queues", no_role).status == 403
    claims = json.loads(_segment(token))
    assert claims["oid"] == LOCAL_OPS_AGENT_OID
    assert not {"name", "upn", "email", "preferred_username"} & set(claims)


def test_the_served_document_names_this_deployments_queues(tmp_path: Path) -> None:
    names = {"submissions_queue": "demandes", "webhooks_queue": "webhooks-portail"}
    container = app.Container(settings(tmp_path, **names))
    document = get(container, "/v1/openapi.json", None).json()
    parameters = document["paths"]["/api/v1/ops/dead-letters"]["get"]["parameters"]
    queue = next(p for p in parameters if p["name"] == "queue")
    assert queue["schema"] == {"enum": ["demandes", "case-events", "webhooks-portail"]}


def test_outside_local_mode_without_an_ops_tenant_every_ops_call_is_refused(
    tmp_path: Path,
) -> None:
    container = app.Container(settings(tmp_path, **REMOTE))
    assert container.ops_authenticator is None
    with pytest.raises(Exception, match="only in local mode"):
        _identity.mint_local_ops_token(container.settings, now=START.timestamp())
    assert get(container, "/v1/ops/queues", "a.b.c").status == 401


def test_an_ops_tenant_is_trusted_with_its_published_keys(tmp_path: Path) -> None:
    tenant = Tenant()
    clock = FakeClock(START)
    values = {**REMOTE, "ops_tenant_id": TENANT, "ops_audience": API_CLIENT_ID}
    container = app.Container(settings(tmp_path, **values), clock=clock, fetch=tenant)
    token = ops_token(_Clocked(clock))
    assert get(container, "/v1/ops/queues", token).status == 200
    assert tenant.calls == [V2_KEYS]
    assert not (tmp_path / LOCAL_OPS_KEY_FILE).exists()  # the local key is for local mode only


def test_the_reconciler_given_to_the_container_answers_the_agents_routes(tmp_path: Path) -> None:
    clock = FakeClock(START)
    directory = Directory(wanted={"voirie": {"paul.martin@ville-exemple.fr"}})
    container = app.Container(settings(tmp_path), clock=clock, agents=SmallReconciler(directory))
    token = _identity.mint_local_ops_token(container.settings, now=clock.now())
    assert get(container, "/v1/ops/agents/plan", token).status == 200
    request = ApiRequest(
        "POST", "/v1/ops/agents/apply", Headers({"Authorization": f"Bearer {token}"})
    )
    assert container.http_api.handle(request).status == 200
    assert directory.applied_by == [LOCAL_OPS_AGENT_OID]
    # A deployment without an access model (no mappings/agents.toml): no reconciler at all.
    without = tmp_path / "mappings"
    without.mkdir()
    for source in MAPPINGS.glob("*.toml"):
        if source.name != "agents.toml":
            (without / source.name).write_text(source.read_text(encoding="utf-8"))
    bare = app.Container(settings(tmp_path, mappings_dir=without), clock=clock)
    assert get(bare, "/v1/ops/agents/plan", token).json()["code"] == "agents_unavailable"


@pytest.mark.parametrize(
    ("values", "line"),
    [
        ({"ops_tenant_id": TENANT}, "CITYZEN_OPS_AUDIENCE: required when CITYZEN_OPS_TENANT_ID"),
        ({"ops_audience": API_CLIENT_ID}, "CITYZEN_OPS_TENANT_ID: required when"),
        (
            {
                "ops_tenant_id": TENANT,
                "ops_audience": "api://cityzen",
                "auth_oidc_audience": "api://cityzen",
            },
            "CITYZEN_OPS_AUDIENCE: must differ from CITYZEN_AUTH_OIDC_AUDIENCE",
        ),
    ],
)
def test_settings_that_cannot_work_together_are_refused(
    tmp_path: Path, values: dict[str, str], line: str
) -> None:
    with pytest.raises(ValueError, match=line):
        settings(tmp_path, **values)


@pytest.mark.parametrize(
    ("values", "rule"),
    [
        ({"ops_tenant_id": "contoso.onmicrosoft.com"}, "a GUID"),
        ({"ops_tenant_id": TENANT, "ops_role": "CityZen Ops"}, "one app role"),
        ({"ops_tenant_id": TENANT, "ops_jwks_uri": "http://keys.example.org/"}, "https://"),
    ],
)
def test_the_start_up_check_names_the_ops_settings_never_their_values(
    tmp_path: Path, values: dict[str, str], rule: str
) -> None:
    configured = settings(tmp_path, ops_audience=API_CLIENT_ID, **values)
    with pytest.raises(app.ConfigurationError) as info:
        app.check(configured)
    (problem,) = info.value.problems
    assert problem.startswith("CITYZEN_OPS_TENANT_ID, CITYZEN_OPS_ROLE, CITYZEN_OPS_JWKS_URI:")
    assert rule in problem
    assert values["ops_tenant_id"] not in problem


class _Clocked:
    """What ``ops_token`` reads of a world: its clock."""

    def __init__(self, clock: FakeClock) -> None:
        self.clock = clock


def _segment(token: str) -> str:
    part = token.split(".")[1]
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)).decode()
