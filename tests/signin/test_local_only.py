"""The local sign-in provider exists in embedded mode only, and says so by the setting's name."""

from __future__ import annotations

import argparse
import io

import pytest
from pydantic import ValidationError

from cityzen_connector.app import _identity as configured
from cityzen_connector.cli import main
from cityzen_connector.cli._signin import banner_lines, login
from cityzen_connector.identity import IdentityConfigError
from cityzen_connector.settings import Settings

REAL = {"dataverse_url": "https://contoso.crm4.dynamics.com", "identity_pepper": "p" * 32}


def test_settings_refuse_the_provider_outside_embedded_mode_naming_the_setting() -> None:
    with pytest.raises(ValidationError) as refused:
        Settings(_env_file=None, signin_provider=True, **REAL)  # type: ignore[arg-type]
    assert "CITYZEN_SIGNIN_PROVIDER: the local sign-in provider runs only in embedded mode" in str(
        refused.value
    )
    assert "contoso" not in str(refused.value)  # the rule, never the value


def test_every_command_stops_at_start_up_with_that_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("CITYZEN_SIGNIN_PROVIDER", "true")
    monkeypatch.setenv("CITYZEN_DATAVERSE_URL", REAL["dataverse_url"])
    monkeypatch.setenv("CITYZEN_IDENTITY_PEPPER", REAL["identity_pepper"])
    assert main(["identity", "check"]) == 2
    captured = capsys.readouterr()
    assert "CITYZEN_SIGNIN_PROVIDER" in captured.out + captured.err


def test_the_app_refuses_to_build_it_unless_asked_in_embedded_mode() -> None:
    with pytest.raises(IdentityConfigError, match="CITYZEN_SIGNIN_PROVIDER"):
        configured.signin_app(Settings(_env_file=None), outbox=print, clock=lambda: 0.0)


def test_in_embedded_mode_it_makes_two_trusted_issuers_and_bearer_modes_valid() -> None:
    settings = Settings(_env_file=None, signin_provider=True, auth_mode="both", signin_port=7999)
    issuers = [c.issuer for c in configured.issuers(settings)]
    assert issuers == ["http://127.0.0.1:7999", "http://127.0.0.1:7999/external"]
    assert configured.issuers(Settings(_env_file=None)) == []  # off by default


def test_the_banner_says_where_it_is_and_how_to_get_a_token() -> None:
    settings = Settings(_env_file=None, signin_provider=True, auth_mode="both", signin_port=7999)
    lines = banner_lines(settings, "http://127.0.0.1:7071/api/v1", "/x/.venv/bin/cityzen")
    text = "\n".join(lines)
    assert "http://127.0.0.1:7999/" in text
    assert "http://127.0.0.1:7999/external/signup" in text
    assert (
        "curl -sS 'http://127.0.0.1:7071/api/v1/citizens/me/requests' -H \"Authorization: Bearer"
        ' $(CITYZEN_SIGNIN_PORT=7999 /x/.venv/bin/cityzen identity login --identity angela)"'
    ) in text
    assert banner_lines(Settings(_env_file=None), "http://x/api/v1") == []


def test_login_refuses_an_unknown_identity_and_says_when_no_provider_answers() -> None:
    settings = Settings(_env_file=None, signin_port=1)  # nothing listens on port 1
    out, err = io.StringIO(), io.StringIO()
    args = argparse.Namespace(identity="nobody", email=None, id_token=False)
    assert login(settings, args, "", out, err) == 2
    assert "angela" in err.getvalue()
    args = argparse.Namespace(identity="angela", email=None, id_token=False)
    assert login(settings, args, "", out, err) == 1
    assert "is `cityzen run` running?" in err.getvalue()
    assert out.getvalue() == ""


def test_login_as_an_agent_names_the_emulators_agents_when_one_is_unknown() -> None:
    settings = Settings(_env_file=None, signin_port=1)
    out, err = io.StringIO(), io.StringIO()
    args = argparse.Namespace(identity=None, email=None, agent="mallory", id_token=False)
    assert login(settings, args, "", out, err) == 2
    assert "--agent must be one of: agnes.martin, bruno.lefevre" in err.getvalue()
    args = argparse.Namespace(identity=None, email=None, agent="agnes.martin", id_token=False)
    assert login(settings, args, "", out, err) == 1  # nothing listens: said, not raised
    assert out.getvalue() == ""


def test_the_banner_says_how_an_agent_gets_a_token_for_the_stats() -> None:
    settings = Settings(_env_file=None, signin_provider=True, auth_mode="both", signin_port=7999)
    text = "\n".join(banner_lines(settings, "http://127.0.0.1:7071/api/v1", "cityzen"))
    assert "http://127.0.0.1:7999/agents" in text
    assert (
        "curl -sS 'http://127.0.0.1:7071/api/v1/stats?period=week' -H \"Authorization: Bearer"
        ' $(CITYZEN_SIGNIN_PORT=7999 cityzen identity login --agent bruno.lefevre)"'
    ) in text
