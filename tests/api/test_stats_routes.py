"""``GET /api/v1/stats`` for agents and ops (the ops tenant's tokens, with the ops role or an
agents' role), and the anonymous open data: as the OpenAPI document says, with problems for
bad parameters and refused tokens."""

from __future__ import annotations

import csv
import dataclasses
import io
import logging
from datetime import timedelta

import pytest

from cityzen_connector.api import _stats, build_api
from cityzen_connector.cases import DIMENSIONS, PERIODS, CaseHistory, KpiService, QueueWebhookOutbox
from cityzen_connector.identity import (
    BearerAuthenticator,
    HttpJwksSource,
    OpsAuthenticator,
    TokenVerifier,
    entra_ops_issuers,
)
from tests.cases.kpi_world import AGENT, IN_PROGRESS, RESOLVED, Life, apply, reader_of
from tests.support.ops import API_CLIENT_ID, OID, PERSONAL, ROLE, TENANT, call, ops_token, with_ops
from tests.support.schema_check import check_response
from tests.support.world import World, make_world

AGENT_ROLE = "CityZen.Agent"
STATS = "/v1/stats"
TITLE = "Nid-de-poule et chaussée"  # mappings/themes.toml: the sub-theme's title
CSV_PATH, JSON_PATH = "/v1/open-data/requests.csv", "/v1/open-data/requests.json"


def with_stats(world: World, *, authenticator: bool = True) -> None:
    tenant = with_ops(world)
    stats_auth = None
    if authenticator:
        issuers = entra_ops_issuers(
            TENANT, frozenset({API_CLIENT_ID}), ROLE, also_roles=frozenset({AGENT_ROLE})
        )
        stats_auth = OpsAuthenticator(
            BearerAuthenticator(
                [
                    TokenVerifier(
                        i.config,
                        HttpJwksSource(
                            tenant, clock=world.clock, issuer=i.config.issuer, jwks_uri=i.jwks_uri
                        ),
                        clock=world.clock,
                    )
                    for i in issuers
                ]
            )
        )
    assert world.deps.ops is not None
    ops = dataclasses.replace(world.deps.ops, stats_authenticator=stats_auth)
    kpis = KpiService(
        world.store, reader_of(world.mappings), clock=world.clock, client=world.client
    )
    world.deps = dataclasses.replace(world.deps, ops=ops, kpis=kpis)
    world.api = build_api(world.deps)


@pytest.fixture
def world() -> World:
    world = make_world()
    with_stats(world)
    history = CaseHistory(
        world.store,
        QueueWebhookOutbox(world.bus, "webhooks"),
        world.mappings.statuses,
        clock=world.clock,
        retention=timedelta(days=400),
    )
    month_ago = world.clock() - timedelta(days=40)
    lives = [
        Life(month_ago, steps=[(h, IN_PROGRESS, AGENT), (30 * h, RESOLVED, None)])
        for h in range(1, 8)
    ]
    lives.append(Life(month_ago))
    apply(history, lives, world.mappings)
    return world


def test_an_ops_token_reads_the_stats(world: World, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO):
        response = call(world, "GET", STATS, ops_token(world), query={"group_by": "status"})
    check_response("GET", STATS, response)
    assert response.status == 200, response.body
    assert response.headers["Cache-Control"] == "private, no-store"
    body = response.json()
    assert body["totals"]["received"] == 8
    assert body["totals"]["by_status"] == {"received": 1, "resolved": 7}
    assert body["reconciliation"]["available"] is True
    assert f"action=stats.read oid={OID}" in caplog.text
    assert not any(value in caplog.text for value in PERSONAL.values())


def test_an_agents_role_reads_the_stats_but_not_the_ops_routes(world: World) -> None:
    token = ops_token(world, roles=[AGENT_ROLE])
    assert call(world, "GET", STATS, token).status == 200
    assert call(world, "GET", "/v1/ops/queues", token).status == 403


@pytest.mark.parametrize(
    ("token", "status"),
    [(None, 401), ("not-a-token", 401), ("other-role", 403)],
)
def test_refused_callers_get_problems(world: World, token: str | None, status: int) -> None:
    sent = ops_token(world, roles=["CityZen.Reader"]) if token == "other-role" else token
    response = call(world, "GET", STATS, sent)
    check_response("GET", STATS, response)
    assert response.status == status
    assert set(response.json()["messages"]) == {"fr", "en"}


def test_a_function_key_never_opens_the_stats(world: World) -> None:
    assert call(world, "GET", STATS, None, key=True).status == 401


def test_without_an_agents_authenticator_only_the_ops_role_passes() -> None:
    world = make_world()
    with_stats(world, authenticator=False)
    assert call(world, "GET", STATS, ops_token(world)).status == 200
    assert call(world, "GET", STATS, ops_token(world, roles=[AGENT_ROLE])).status == 403


@pytest.mark.parametrize(
    "query",
    [
        {"from": "2026-13-01"},
        {"to": "yesterday"},
        {"from": "2026-11-02", "to": "2026-11-01"},
        {"group_by": "agent"},
        {"period": "year"},
        {"from": "2000-01-01", "to": "2026-01-01"},
        {"from": "2024-01-01", "to": "2026-01-01", "period": "day"},
    ],
)
def test_bad_parameters_are_invalid_parameter_problems(world: World, query: dict[str, str]) -> None:
    response = call(world, "GET", STATS, ops_token(world), query=query)
    check_response("GET", STATS, response)
    assert response.status == 400
    body = response.json()
    assert body["code"] == "invalid_parameter"
    assert set(body["messages"]) == {"fr", "en"}
    name = next(iter(query))
    assert name in body["detail"] or "apart" in body["detail"]
    assert not any(value in body["detail"] for value in query.values() if value != "day")


def test_open_data_is_anonymous_csv_with_a_daily_etag(world: World) -> None:
    response = call(world, "GET", CSV_PATH, None)
    check_response("GET", CSV_PATH, response)
    assert response.status == 200
    assert response.headers["Content-Type"].startswith("text/csv; charset=utf-8")
    assert response.headers["Cache-Control"] == "public, max-age=3600"
    rows = list(csv.DictReader(io.StringIO(response.body.decode("utf-8"))))
    # 7 resolved and 1 received: the lone one is withheld, and the resolved too (the total,
    # 8, would give it back).
    by_status = {r["statut"]: (r["nombre_demandes"], r["secret"]) for r in rows}
    assert by_status == {
        "received": ("", "true"),
        "resolved": ("", "true"),
        "ensemble": ("8", "false"),
    }
    etag = response.headers["ETag"]
    again = call(world, "GET", CSV_PATH, None, headers={"If-None-Match": etag})
    assert again.status == 304
    check_response("GET", CSV_PATH, again)


def test_open_data_json_matches_its_schema(world: World) -> None:
    response = call(world, "GET", JSON_PATH, None)
    check_response("GET", JSON_PATH, response)
    assert response.status == 200
    assert response.json()["seuil_secret"] == 5


def test_without_figures_the_routes_answer_503() -> None:
    world = make_world()
    for path in (CSV_PATH, JSON_PATH):
        response = call(world, "GET", path, None)
        check_response("GET", path, response)
        assert response.status == 503


def test_the_routes_parameters_are_the_kpis_own() -> None:
    assert (_stats.DIMENSIONS, _stats.PERIODS) == (DIMENSIONS, PERIODS)


def test_a_dashboard_gets_one_series_per_period_and_a_label_for_every_code(world: World) -> None:
    query = {"group_by": "sub_theme", "period": "day"}
    response = call(world, "GET", STATS, ops_token(world), query=query)
    check_response("GET", STATS, response)
    body = response.json()
    # All eight were received the same day: one period, the whole range's figures, the
    # median and p90 of every group together (which the groups' own cannot give).
    [period] = body["periods"]
    assert period["received"] == body["totals"]["received"] == 8
    assert period["resolution_days"] == body["totals"]["resolution_days"]
    assert period["by_status"] == {"received": 1, "resolved": 7}
    labels = body["labels"]
    assert labels["groups"] == {"nid_de_poule": {"fr": TITLE, "en": TITLE}}
    assert labels["statuses"]["resolved"] == {"fr": "Résolue", "en": "Resolved"}
    assert set(labels["statuses"]) == {"received", "resolved"}


@pytest.mark.parametrize(
    ("group_by", "code", "label"),
    [
        ("theme", "voirie", {"fr": "Propreté et voirie", "en": "Propreté et voirie"}),
        ("status", "resolved", {"fr": "Résolue", "en": "Resolved"}),
        ("channel", "portal", {"fr": "Portail", "en": "Portal"}),
    ],
)
def test_each_grouping_names_its_codes(
    world: World, group_by: str, code: str, label: dict[str, str]
) -> None:
    response = call(world, "GET", STATS, ops_token(world), query={"group_by": group_by})
    assert response.status == 200, response.body
    assert response.json()["labels"]["groups"][code] == label
