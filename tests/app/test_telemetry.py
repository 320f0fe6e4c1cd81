"""Application Insights export: configured once, only with a connection string."""

from __future__ import annotations

from typing import Any

import pytest

from cityzen_connector.app._telemetry import TelemetryError, TelemetrySetup

CONNECTION = (
    "InstrumentationKey=00000000-0000-0000-0000-000000000000;"
    "IngestionEndpoint=https://francecentral-1.in.applicationinsights.azure.com/"
)


class Recorder:
    def __init__(self, error: Exception | None = None) -> None:
        self.calls: list[dict[str, Any]] = []
        self.error = error

    def __call__(self, **options: Any) -> None:
        self.calls.append(options)
        if self.error is not None:
            raise self.error


@pytest.mark.parametrize("value", [None, "", "   "])
def test_nothing_is_configured_without_a_connection_string(value: str | None) -> None:
    recorder = Recorder()
    assert TelemetrySetup(recorder)(value) is False
    assert recorder.calls == []


def test_configured_once_with_our_logger_and_the_connection_string() -> None:
    recorder = Recorder()
    setup = TelemetrySetup(recorder)
    assert setup(CONNECTION) is True
    assert setup(CONNECTION) is False  # a second exporter would double every record
    [options] = recorder.calls
    assert options["connection_string"] == CONNECTION
    assert options["logger_name"] == "cityzen_connector"


@pytest.mark.parametrize(
    "value", ["IngestionEndpoint=https://x/", "InstrumentationKey=;Foo=bar", "garbage"]
)
def test_a_connection_string_without_instrumentation_key_is_refused(value: str) -> None:
    recorder = Recorder()
    with pytest.raises(TelemetryError, match="InstrumentationKey"):
        TelemetrySetup(recorder)(value)
    assert recorder.calls == []


def test_a_distro_refusal_is_a_typed_error_and_may_be_retried() -> None:
    # The distro's message may quote the connection string: only its type is reported.
    setup = TelemetrySetup(Recorder(ValueError(f"bad endpoint in {CONNECTION}")))
    with pytest.raises(TelemetryError, match="ValueError") as info:
        setup(CONNECTION)
    assert CONNECTION not in str(info.value)
    with pytest.raises(TelemetryError):  # not marked done: the next start tries again
        setup(CONNECTION)


def test_the_real_distro_is_importable() -> None:
    # The pinned package provides the function this module calls in Azure.
    from azure.monitor.opentelemetry import configure_azure_monitor  # noqa: PLC0415

    assert callable(configure_azure_monitor)


@pytest.mark.parametrize(
    ("authentication", "client_id"),
    [("Authorization=AAD", None), ("ClientId=abc-123;Authorization=AAD", "abc-123")],
)
def test_entra_id_authentication_passes_the_app_identity(
    authentication: str, client_id: str | None
) -> None:
    recorder, identities = Recorder(), []

    def credential(cid: str | None) -> object:
        identities.append(cid)
        return ("credential", cid)

    assert TelemetrySetup(recorder, credential)(CONNECTION, authentication) is True
    assert identities == [client_id]
    assert recorder.calls[0]["credential"] == ("credential", client_id)


def test_without_entra_id_authentication_no_credential_is_sent() -> None:
    recorder = Recorder()
    TelemetrySetup(recorder, lambda _cid: pytest.fail("no credential expected"))(CONNECTION, "")
    assert "credential" not in recorder.calls[0]
