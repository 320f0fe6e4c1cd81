"""Settings: defaults mean local mode, values are validated.

That every setting is documented is checked on the generated page (tests/docs/).
"""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from cityzen_connector.settings import Settings


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
