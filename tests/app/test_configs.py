"""Settings → each package's frozen config: every knob reaches something observable, and
building a config makes no network call."""

from __future__ import annotations

from pathlib import Path

import pytest

from cityzen_connector import app
from cityzen_connector.agents import FileDirectory, GraphDirectory
from cityzen_connector.dataverse import (
    ManagedIdentityProvider,
    MsalClientCredentialsProvider,
    RetryPolicy,
    StaticTokenProvider,
)
from cityzen_connector.settings import Settings

PEPPER = "a-test-pepper-of-enough-length"
ORG = {"dataverse_url": "https://contoso.crm4.dynamics.com", "identity_pepper": PEPPER}


def test_dataverse_tuning_reaches_the_config_and_the_client() -> None:
    settings = Settings(
        **ORG,
        dataverse_timeout_seconds=12,
        dataverse_max_concurrency=9,
        dataverse_bulk_chunk_size=250,
    )
    config = app.dataverse_config(settings)
    assert config.service_root == "https://contoso.crm4.dynamics.com/api/data/v9.2/"
    assert (config.timeout, config.max_concurrency, config.bulk_chunk_size) == (12, 9, 250)
    client = app.Container(settings).client
    assert client.limiter.limit == 9
    assert client.retry is RetryPolicy.QUEUE_WORK


def test_each_auth_mode_builds_its_provider_without_network() -> None:
    assert isinstance(app.token_provider(Settings(**ORG)), StaticTokenProvider)
    mi = app.token_provider(Settings(**ORG, dataverse_auth="managed_identity"))
    assert isinstance(mi, ManagedIdentityProvider)
    secret = app.token_provider(Settings(
        **ORG, dataverse_auth="client_secret", dataverse_tenant_id="t",
        dataverse_client_id="c", dataverse_client_secret="s3cret",
    ))  # fmt: skip
    assert isinstance(secret, MsalClientCredentialsProvider)
    assert "s3cret" not in repr(secret)


def test_emulator_flags_override_the_settings(tmp_path: Path) -> None:
    settings = Settings(emulator_fault_error_rate=0.2, emulator_throttling=True)
    config = app.emulator_config(settings)
    assert config.faults.error_rate == 0.2
    assert config.protection is not None
    assert config.database.endswith("dataverse.db")
    flagged = app.emulator_config(
        settings, data_dir=tmp_path, throttling=False, fault_error_rate=0.0, token="t"
    )
    assert (flagged.faults.error_rate, flagged.protection, flagged.token) == (0.0, None, "t")
    assert flagged.database == str(tmp_path / "dataverse.db")
    assert app.emulator_config(settings, in_memory=True).database == ":memory:"


def test_local_host_config_follows_the_data_folder(tmp_path: Path) -> None:
    config = app.localhost_config(
        Settings(data_dir=tmp_path, localhost_port=0, localhost_http_threads=3)
    )
    assert (config.port, config.http_threads) == (0, 3)
    assert config.key_file == tmp_path / "host-keys.json"
    assert config.state_dir == tmp_path / "localhost"


def test_the_agents_directory_is_graph_with_the_app_registrations_credentials() -> None:
    graph = app.agents_directory(
        Settings(
            **ORG,
            dataverse_auth="client_secret",
            dataverse_tenant_id="tenant",
            dataverse_client_id="client",
            dataverse_client_secret="s3cret",
            agents_directory_url="https://graph.microsoft.com",
        )
    )
    assert isinstance(graph, GraphDirectory)
    assert graph.config.root == "https://graph.microsoft.com/v1.0/"
    tokens = graph._tokens
    assert isinstance(tokens, MsalClientCredentialsProvider)
    assert tokens._scopes == ["https://graph.microsoft.com/.default"]
    static_remote = Settings(**ORG, agents_directory_url="https://graph.microsoft.com")
    with pytest.raises(ValueError, match="needs client_secret, certificate or managed_identity"):
        app.agents_directory(static_remote)
    with pytest.raises(ValueError, match="a directory file is for local mode"):
        app.agents_directory(Settings(**ORG))
    local = Settings(
        agents_directory_url=f"file:{Path(__file__).parents[2] / 'samples' / 'directory.json'}"
    )
    assert isinstance(app.agents_directory(local), FileDirectory)
