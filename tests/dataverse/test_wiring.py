"""Settings become a client: every Dataverse setting is wired to something observable."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from cityzen_connector.dataverse import (
    AuthenticationError,
    ManagedIdentityProvider,
    MsalClientCredentialsProvider,
    Query,
    RetryPolicy,
    StaticTokenProvider,
    WsgiTransport,
)
from cityzen_connector.settings import Settings
from cityzen_connector.wiring import (
    dataverse_client_from_settings,
    dataverse_config_from_settings,
    token_provider_from_settings,
)

PEPPER = "a-test-pepper-of-enough-length"


def test_defaults_talk_to_the_local_emulator_with_the_static_token() -> None:
    seen: dict[str, Any] = {}

    def emulator(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        seen["auth"] = environ.get("HTTP_AUTHORIZATION")
        seen["where"] = (environ["SERVER_NAME"], environ["SERVER_PORT"], environ["PATH_INFO"])
        start_response("200 OK", [("Content-Type", "application/json")])
        return [json.dumps({"value": []}).encode()]

    settings = Settings(_env_file=None)
    client = dataverse_client_from_settings(settings, transport=WsgiTransport(emulator))
    assert list(client.query_pages(Query("contacts")))
    assert seen == {
        "auth": "Bearer local-dev-token",
        "where": ("127.0.0.1", "7072", "/api/data/v9.2/contacts"),
    }


def test_tuning_settings_reach_the_config() -> None:
    settings = Settings(
        dataverse_url="https://contoso.crm4.dynamics.com",
        identity_pepper=PEPPER,
        dataverse_timeout_seconds=12,
        dataverse_max_concurrency=9,
        dataverse_bulk_chunk_size=250,
    )
    config = dataverse_config_from_settings(settings)
    assert config.service_root == "https://contoso.crm4.dynamics.com/api/data/v9.2/"
    assert (config.timeout, config.max_concurrency, config.bulk_chunk_size) == (12, 9, 250)
    client = dataverse_client_from_settings(settings, retry=RetryPolicy.QUEUE_WORK)
    assert client.limiter.limit == 9
    assert client.retry is RetryPolicy.QUEUE_WORK


def test_each_auth_mode_builds_its_provider_without_network(tmp_path: Path) -> None:
    base = {"dataverse_url": "https://contoso.crm4.dynamics.com", "identity_pepper": PEPPER}
    assert isinstance(token_provider_from_settings(Settings(**base)), StaticTokenProvider)
    mi = token_provider_from_settings(Settings(**base, dataverse_auth="managed_identity"))
    assert isinstance(mi, ManagedIdentityProvider)
    secret = token_provider_from_settings(Settings(
        **base, dataverse_auth="client_secret", dataverse_tenant_id="t",
        dataverse_client_id="c", dataverse_client_secret="s3cret",
    ))  # fmt: skip
    assert isinstance(secret, MsalClientCredentialsProvider)
    assert "s3cret" not in repr(secret)


@pytest.mark.parametrize(
    "extra",
    [
        {"dataverse_auth": "client_secret", "dataverse_tenant_id": "t", "dataverse_client_id": "c"},
        {"dataverse_auth": "certificate", "dataverse_tenant_id": "t", "dataverse_client_id": "c"},
        {"dataverse_auth": "client_secret", "dataverse_client_secret": "s"},
        {"dataverse_auth": "static", "dataverse_static_token": ""},
    ],
)
def test_incomplete_auth_settings_fail_at_start_up(extra: dict[str, str]) -> None:
    with pytest.raises(AuthenticationError):
        token_provider_from_settings(Settings(**extra))  # type: ignore[arg-type]


def test_a_client_with_another_retry_policy_shares_connections_tokens_and_limiter() -> None:
    # The Function App's HTTP API, health probe and queue worker use one pool and one token.
    worker = dataverse_client_from_settings(Settings(_env_file=None), retry=RetryPolicy.QUEUE_WORK)
    probe = worker.with_retry(RetryPolicy.NO_RETRY)
    assert (probe.retry, worker.retry) == (RetryPolicy.NO_RETRY, RetryPolicy.QUEUE_WORK)
    assert probe.transport is worker.transport
    assert probe.tokens is worker.tokens
    assert probe.limiter is worker.limiter
