"""Microsoft's Python SDK for Dataverse (PowerPlatform-Dataverse-Client, the ``conformance``
extra of pyproject.toml), run unchanged against the emulator served over HTTPS.

- One emulator per test session (``served``), on 127.0.0.1 with a free port and its own
  self-signed certificate (``serve(..., tls=True)``), stopped through its handle at the end. Its
  requests go through a :class:`Recorder` (a WSGI wrapper), so a test can say which requests the
  SDK sent: CreateMultiple rather than single creates, ``$batch``, paging.
- The SDK authenticates with an azure-core ``TokenCredential``: :class:`EmulatorCredential` is
  one, handing out the token the emulator checks (``EmulatorConfig(token=…)``, strict mode).
- TLS trust: the SDK creates its own ``requests`` session and offers no seam for it, so the
  tests use requests' documented trust setting, ``REQUESTS_CA_BUNDLE`` ("This list of trusted
  CAs can also be specified through the REQUESTS_CA_BUNDLE environment variable", requests'
  "SSL Cert Verification"), set for each test to the emulator's certificate — whatever the
  machine's environment says — and restored after it; ``NO_PROXY`` keeps an ambient proxy away.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from azure.core.credentials import AccessToken
from PowerPlatform.Dataverse.client import DataverseClient
from PowerPlatform.Dataverse.core.config import DataverseConfig

from cityzen_connector.emulator import EmulatorApp, EmulatorConfig, create_app, seed, serve
from cityzen_connector.testing import FakeClock

TOKEN = "conformance-token"  # the emulator's strict-mode token, not a secret


class EmulatorCredential:
    """An azure-core ``TokenCredential``: the emulator's token for any scope, remembered."""

    def __init__(self, token: str, expires_on: int) -> None:
        self.token = token
        self.expires_on = expires_on
        self.scopes: list[tuple[str, ...]] = []

    def get_token(
        self,
        *scopes: str,
        claims: str | None = None,
        tenant_id: str | None = None,
        enable_cae: bool = False,
        **kwargs: Any,
    ) -> AccessToken:
        self.scopes.append(scopes)
        return AccessToken(self.token, self.expires_on)


@dataclass
class Recorder:
    """The served WSGI app: the emulator, with each request line written down."""

    app: EmulatorApp
    requests: list[tuple[str, str]] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        path = environ.get("PATH_INFO", "").split("/api/data/v9.2/", 1)[-1]
        query = environ.get("QUERY_STRING", "")
        with self._lock:
            self.requests.append((environ["REQUEST_METHOD"], path + ("?" + query if query else "")))
        return self.app(environ, start_response)

    def since(self, mark: int) -> list[tuple[str, str]]:
        with self._lock:
            return self.requests[mark:]

    def mark(self) -> int:
        with self._lock:
            return len(self.requests)


@dataclass(frozen=True)
class Served:
    url: str
    cert: Path
    clock: FakeClock
    recorder: Recorder


@pytest.fixture(scope="session")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    clock = FakeClock()
    app = create_app(EmulatorConfig(token=TOKEN), clock=clock)
    seed(app)
    recorder = Recorder(app)
    handle = serve(recorder, "127.0.0.1", 0, tls=True, cert_dir=tmp_path_factory.mktemp("tls"))
    assert handle.cert_path is not None
    try:
        yield Served(handle.url, handle.cert_path, clock, recorder)
    finally:
        handle.stop()
        app.close()


@pytest.fixture
def credential(served: Served) -> EmulatorCredential:
    return EmulatorCredential(TOKEN, int(served.clock.now()) + 3600)


@pytest.fixture
def client(
    served: Served, credential: EmulatorCredential, monkeypatch: pytest.MonkeyPatch
) -> Iterator[DataverseClient]:
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(served.cert))
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    monkeypatch.setenv("no_proxy", "127.0.0.1")
    # One attempt: a refused connection is a failure to see, not to retry with real sleeps.
    with DataverseClient(served.url, credential, DataverseConfig(http_retries=1)) as sdk:
        yield sdk
