"""A bad configuration is reported the same way at every entry point — one line per problem,
naming the variable and the rule — and never shows a value: a secret put in every
secret-bearing setting is found nowhere, in stdout, stderr, logs or the exception's text."""

from __future__ import annotations

import importlib.util
import logging
import subprocess
import sys
import traceback
from pathlib import Path

import pytest

from cityzen_connector import app
from cityzen_connector.cli import main
from tests.support.paths import ROOT

# A distinct secret in every setting that may hold one (the SecretStr settings, and the backend
# URLs, which may be connection strings or carry a SAS).
SECRETS = {
    "CITYZEN_DATAVERSE_CLIENT_SECRET": "S3cr3tValue123",
    "CITYZEN_DATAVERSE_CERTIFICATE_PASSWORD": "CertPassw0rd-secret",
    "CITYZEN_DATAVERSE_STATIC_TOKEN": "static-token-secret-42",
    "CITYZEN_EMULATOR_TOKEN": "emulator-token-secret-7",
    "CITYZEN_IDENTITY_PEPPER": "pepper-secret-of-enough-length",
    "CITYZEN_API_PORTAL_KEY": "portal-key-secret-99",
    "CITYZEN_WEBHOOK_SECRETS": "whsec_d2ViaG9vay1zZWNyZXQtZm9yLXRoZS1lcnJvci10ZXN0cw==",
}
URL_SECRET = "SharedAccessKeySecretXyz"
# Several ways to break it: each is (variables to set, the variable the report must name).
BREAKAGES: dict[str, tuple[dict[str, str], str]] = {
    # The issue's reproduction: a real organisation's URL, no pepper long enough.
    "pepper missing": (
        {
            "CITYZEN_DATAVERSE_URL": "https://contoso.crm4.dynamics.com",
            "CITYZEN_IDENTITY_PEPPER": "short-secret",
        },
        "CITYZEN_IDENTITY_PEPPER",
    ),
    # A secret pasted into the wrong variable: a number, a choice, a JSON map.
    "secret in a number": (
        {"CITYZEN_DATAVERSE_TIMEOUT_SECONDS": "S3cr3tValue123"},
        "CITYZEN_DATAVERSE_TIMEOUT_SECONDS",
    ),
    "secret in a choice": ({"CITYZEN_AUTH_MODE": "S3cr3tValue123"}, "CITYZEN_AUTH_MODE"),
    "secret in a JSON map": (
        {"CITYZEN_AUTH_OIDC_CLAIM_MAP": '{"x": S3cr3tValue123'},
        "CITYZEN_AUTH_OIDC_CLAIM_MAP",
    ),
    "credentials incomplete": (
        {"CITYZEN_DATAVERSE_AUTH": "client_secret", "CITYZEN_DATAVERSE_CLIENT_ID": "c"},
        "CITYZEN_DATAVERSE_TENANT_ID",
    ),
    "unknown attachment type": (
        {"CITYZEN_API_ATTACHMENT_TYPES": "image/png,S3cr3tValue123"},
        "CITYZEN_API_ATTACHMENT_TYPES",
    ),
    "unsafe algorithm": (
        {
            "CITYZEN_AUTH_MODE": "bearer",
            "CITYZEN_AUTH_OIDC_ISSUER": "https://idp.example.fr",
            "CITYZEN_AUTH_OIDC_AUDIENCE": "api://cityzen",
            "CITYZEN_AUTH_OIDC_ALGORITHMS": "RS256,HS256",
        },
        "CITYZEN_AUTH_OIDC_ALGORITHMS",
    ),
    "webhook over plain http": (
        {
            "CITYZEN_DATAVERSE_URL": "https://contoso.crm4.dynamics.com",
            "CITYZEN_WEBHOOK_URLS": "http://portal.example.fr/hook?token=S3cr3tValue123",
        },
        "CITYZEN_WEBHOOK_URLS",
    ),
    "webhook secret not whsec": (
        {
            "CITYZEN_WEBHOOK_URLS": "https://portal.example.fr/hook",
            "CITYZEN_WEBHOOK_SECRETS": "whsec_S3cr3tValue123!",
        },
        "CITYZEN_WEBHOOK_SECRETS",
    ),
    "webhook secret missing": (
        {"CITYZEN_WEBHOOK_URLS": "https://portal.example.fr/hook", "CITYZEN_WEBHOOK_SECRETS": ""},
        "CITYZEN_WEBHOOK_SECRETS",
    ),
    "feed with credentials": (
        {"CITYZEN_FEEDS_NEWS_URLS": "https://x.example.fr/rss, https://cms:S3cr3tValue123@y.fr/"},
        "CITYZEN_FEEDS_NEWS_URLS",
    ),
    "feed not http": (
        {"CITYZEN_FEEDS_AGENDA_URLS": "file:///etc/S3cr3tValue123"},
        "CITYZEN_FEEDS_AGENDA_URLS",
    ),
    "feeds schedule not ncrontab": (
        {"CITYZEN_FEEDS_REFRESH_SCHEDULE": "*/15 * * * *"},
        "CITYZEN_FEEDS_REFRESH_SCHEDULE",
    ),
    "feeds time zone unknown": (
        {"CITYZEN_FEEDS_TIME_ZONE": "Europe/S3cr3tValue123"},
        "CITYZEN_FEEDS_TIME_ZONE",
    ),
    "notifier unknown": (
        {"CITYZEN_NOTIFIER_URL": "smtp://mailer:S3cr3tValue123@mail.example.fr"},
        "CITYZEN_NOTIFIER_URL",
    ),
    "retry delays inverted": (
        {"CITYZEN_RETRY_INITIAL_DELAY_SECONDS": "600", "CITYZEN_RETRY_MAX_DELAY_SECONDS": "60"},
        "CITYZEN_RETRY_INITIAL_DELAY_SECONDS",
    ),
}
# Every CLI command that reads the configuration.
COMMANDS = [
    ["run", "--port", "0", "--emulator-port", "0"],
    ["emulator", "serve", "--port", "0"],
    ["emulator", "seed"],
    ["identity", "check"],
    ["identity", "verify"],
    ["queue", "stats"],
    ["queue", "sweep"],
    ["queue", "purge"],
    ["queue", "dead", "list"],
    ["queue", "dead", "replay", "--all", "--dry-run"],
    ["dataverse", "whoami"],
    ["dataverse", "provision", "--dry-run"],
    ["sync", "drain"],
    ["feeds", "refresh"],
    ["feeds", "status"],
]
EVERY_SECRET = [*SECRETS.values(), URL_SECRET, "short-secret"]


def assert_no_secret(text: str) -> None:
    leaked = [secret for secret in EVERY_SECRET if secret in text]
    assert leaked == [], f"secret shown: {leaked}\n{text}"


@pytest.fixture
def secrets(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("CITYZEN_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("CITYZEN_STORE_URL", f"sqlite:///{tmp_path}/state.db")
    monkeypatch.setenv("CITYZEN_BLOB_URL", f"file://{tmp_path}/blobs")
    monkeypatch.setenv("CITYZEN_EMULATOR_DATA_DIR", str(tmp_path / "emulator"))
    monkeypatch.setenv(
        "CITYZEN_QUEUE_URL",
        f"Endpoint=sb://cityzen.servicebus.windows.net/;SharedAccessKeyName=k;"
        f"SharedAccessKey={URL_SECRET}",
    )
    return tmp_path


def _break(monkeypatch: pytest.MonkeyPatch, breakage: str) -> str:
    values, named = BREAKAGES[breakage]
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    return named


@pytest.mark.parametrize("breakage", sorted(BREAKAGES))
def test_load_and_check_name_the_variable_and_never_a_value(
    breakage: str, secrets: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    named = _break(monkeypatch, breakage)
    with pytest.raises(app.ConfigurationError) as info:
        app.start()
    error = info.value
    text = "".join(traceback.format_exception(error))
    assert_no_secret(text + repr(error) + repr(error.args))
    assert any(line.startswith(named) or f" {named}" in line for line in error.problems), text
    # The library's error (pydantic's carries the inputs) is not chained into the report.
    assert error.__cause__ is None
    assert error.__context__ is None or error.__suppress_context__
    assert all("\n" not in line for line in error.problems)  # one line per problem


@pytest.mark.parametrize("breakage", sorted(BREAKAGES))
@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_every_cli_command_prints_names_and_rules_and_exits_2(
    command: list[str],
    breakage: str,
    secrets: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    named = _break(monkeypatch, breakage)
    monkeypatch.setattr("sys.stdin", _Stdin())
    caplog.set_level(logging.DEBUG)
    assert main(command) == 2
    out, err = capsys.readouterr()
    assert_no_secret(out + err + caplog.text)
    assert err.startswith("cityzen: invalid configuration:")
    assert named in err


def test_the_issues_reproduction_in_a_real_process(tmp_path: Path) -> None:
    env = {
        "PATH": "/usr/bin:/bin",
        "CITYZEN_DATA_DIR": str(tmp_path),
        "CITYZEN_DATAVERSE_URL": "https://contoso.crm4.dynamics.com",
        "CITYZEN_DATAVERSE_CLIENT_SECRET": "S3cr3tValue123",
    }
    done = subprocess.run(
        [sys.executable, "-m", "cityzen_connector.cli", "queue", "stats"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert_no_secret(done.stdout + done.stderr)
    assert "Traceback" not in done.stderr
    assert done.stderr.splitlines() == [
        "cityzen: invalid configuration:",
        "  CITYZEN_IDENTITY_PEPPER: must be set (at least 16 characters) when"
        " CITYZEN_DATAVERSE_URL is not the local emulator: it keys every contact's identity hash",
    ]


@pytest.mark.parametrize("breakage", sorted(BREAKAGES))
def test_the_function_app_logs_names_and_rules_and_never_a_value(
    breakage: str,
    secrets: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """As the Functions worker does: import function_app.py, then run a first invocation (the
    packages' own rules are checked on first use, not during indexing)."""
    named = _break(monkeypatch, breakage)
    caplog.set_level(logging.DEBUG)
    previous = app.install(None)
    try:
        spec = importlib.util.spec_from_file_location("function_app", ROOT / "function_app.py")
        assert spec is not None
        assert spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        try:
            spec.loader.exec_module(module)
        except app.ConfigurationError as error:  # indexing stops: the settings' own rules
            text = "".join(traceback.format_exception(error))
        else:  # indexing passed: the first invocation reports it
            with pytest.raises(app.ConfigurationError) as info:
                app.current().worker  # noqa: B018
            text = "".join(traceback.format_exception(info.value))
    finally:
        app.install(previous)
        sys.modules.pop("function_app", None)
    assert_no_secret(text + caplog.text)
    assert named in text


class _Stdin:
    """``identity verify`` reads a token from stdin: give it one that is not a secret."""

    def read(self) -> str:
        return "x.y.z"
