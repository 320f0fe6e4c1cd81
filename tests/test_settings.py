"""Settings: defaults mean local mode, values are validated.

That every setting is documented is checked on the generated page (tests/docs/).
"""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from cityzen_connector.settings import LOCAL_WEBHOOK_SECRET, Settings


def test_defaults_point_at_embedded_backends() -> None:
    settings = Settings(_env_file=None)
    assert settings.dataverse_url.startswith("http://127.0.0.1:")
    assert settings.queue_url.startswith("sqlite:///")
    assert settings.store_url.startswith("sqlite:///")


def test_values_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CITYZEN_DATAVERSE_URL", "https://contoso.crm4.dynamics.com")
    monkeypatch.setenv("CITYZEN_IDENTITY_PEPPER", "a-long-enough-secret-pepper")
    monkeypatch.setenv("CITYZEN_DATAVERSE_MAX_CONCURRENCY", "12")
    settings = Settings()
    assert settings.dataverse_url == "https://contoso.crm4.dynamics.com"
    assert settings.dataverse_max_concurrency == 12


def test_out_of_range_values_are_refused_with_the_setting_named(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CITYZEN_DATAVERSE_MAX_CONCURRENCY", "500")
    with pytest.raises(ValidationError, match="dataverse_max_concurrency"):
        Settings()


def test_secrets_do_not_show_in_repr() -> None:
    settings = Settings(dataverse_client_secret="s3cr3t-value")
    assert "s3cr3t-value" not in repr(settings)
    assert "s3cr3t-value" not in str(settings.model_dump())


def test_a_real_organisation_needs_the_identity_pepper() -> None:
    # Contact keys are HMACs of personal data: without the secret they are guessable hashes.
    rule = "CITYZEN_IDENTITY_PEPPER: must be set"
    with pytest.raises(ValidationError, match=rule):
        Settings(_env_file=None, dataverse_url="https://contoso.crm4.dynamics.com")
    with pytest.raises(ValidationError, match=rule):
        Settings(dataverse_url="https://contoso.crm4.dynamics.com", identity_pepper="short")
    assert Settings(_env_file=None).identity_pepper.get_secret_value() == ""  # local mode


REAL = {"dataverse_url": "https://contoso.crm4.dynamics.com", "identity_pepper": "p" * 32}
SECRET = "whsec_" + "dGVzdHMtd2ViaG9vay1zZWNyZXQtbnVtYmVyLW9uZSE="


@pytest.mark.parametrize(
    ("urls", "local", "rule"),
    [
        ("http://portal.example.fr/hook", False, "URL 1 of 1 must use https"),
        ("http://127.0.0.1:7073/", False, "URL 1 of 1 must use https"),
        ("http://portal.example.fr/hook", True, "URL 1 of 1 must use https"),
        ("https://a.example.fr/, ftp://b.example.fr/", False, "URL 2 of 2 must use https"),
        ("https://user:pw-secret@portal.example.fr/", False, "must not carry a user or password"),
        ("https:///no-host", False, "URL 1 of 1 has no host"),
        ("https://portal.example.fr:99999/", False, "URL 1 of 1 is not a URL"),
        ("https://portal.example.fr/#frag", False, "must not have a #fragment"),
        (",".join(f"https://p{n}.example.fr/" for n in range(11)), False, "at most 10"),
    ],
)
def test_webhook_urls_must_be_https_outside_local_mode_and_are_named_by_position(
    urls: str, local: bool, rule: str
) -> None:
    where = {} if local else REAL
    with pytest.raises(ValidationError, match=f"CITYZEN_WEBHOOK_URLS: .*{rule}") as caught:
        Settings(_env_file=None, webhook_urls=urls, webhook_secrets=SECRET, **where)
    text = str(caught.value)
    assert "example.fr" not in text  # a URL may carry a token: never echoed
    assert "pw-secret" not in text


def test_plain_http_is_allowed_to_this_machine_in_local_mode_only() -> None:
    for url in ("http://127.0.0.1:7073/", "http://localhost:7073/hooks", "http://[::1]:7073/"):
        settings = Settings(_env_file=None, webhook_urls=url, webhook_secrets=SECRET)
        assert settings.webhook_url_list == (url,)
    remote = Settings(
        _env_file=None,
        webhook_urls=" https://portal.example.fr/a , https://portal.example.fr/b ",
        webhook_secrets=SECRET,
        **REAL,
    )
    assert remote.webhook_url_list == ("https://portal.example.fr/a", "https://portal.example.fr/b")


def test_a_webhook_url_needs_a_secret_and_the_published_local_secret_stays_local() -> None:
    with pytest.raises(ValidationError, match="CITYZEN_WEBHOOK_SECRETS: required when"):
        Settings(_env_file=None, webhook_urls="https://portal.example.fr/h", **REAL)
    with pytest.raises(ValidationError, match="local mode's published secret is refused"):
        Settings(
            _env_file=None,
            webhook_urls="https://portal.example.fr/h",
            webhook_secrets=f"{SECRET},{LOCAL_WEBHOOK_SECRET}",
            **REAL,
        )
    local = Settings(
        _env_file=None, webhook_urls="http://127.0.0.1:7073/", webhook_secrets=LOCAL_WEBHOOK_SECRET
    )
    assert local.local_mode


@pytest.mark.parametrize(
    "url",
    [
        "http://geocoder.example.fr/geocodage",
        "ftp://data.geopf.fr/geocodage",
        "https:///geocodage",
        "http://[::1/geocodage?key=s3cr3t",
    ],
)
def test_the_geocoder_is_https_or_this_machine_and_never_shown(url: str) -> None:
    with pytest.raises(ValidationError, match="CITYZEN_GEOCODER_URL: ") as caught:
        Settings(_env_file=None, geocoder_url=url)
    assert url not in str(caught.value)


def test_the_geocoder_defaults_to_the_embedded_one_and_takes_the_geoplateforme() -> None:
    assert Settings(_env_file=None).geocoder_url == "http://127.0.0.1:7074/geocodage"
    given = Settings(_env_file=None, geocoder_url="https://data.geopf.fr/geocodage")
    assert given.geocoder_url == "https://data.geopf.fr/geocodage"
    # Our pace stays under the service's 50 requests/s per IP.
    with pytest.raises(ValidationError, match="geocoder_requests_per_second"):
        Settings(_env_file=None, geocoder_requests_per_second=60)


@pytest.mark.parametrize(
    "url", ["ftp://graph.example.fr", "http://graph.example.fr", "file:", "graph.microsoft.com"]
)
def test_the_agents_directory_is_graph_over_https_or_a_file(url: str) -> None:
    with pytest.raises(ValidationError, match="CITYZEN_AGENTS_DIRECTORY_URL: ") as caught:
        Settings(_env_file=None, agents_directory_url=url)
    assert "example.fr" not in str(caught.value)


def test_graph_and_a_local_stand_in_are_accepted() -> None:
    for url in ("https://graph.microsoft.com", "http://127.0.0.1:7080", "file:dir.json"):
        assert Settings(_env_file=None, agents_directory_url=url).agents_directory_url == url
