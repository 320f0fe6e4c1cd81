"""The stack the browser tests drive, as ``cityzen run`` wires it, on free 127.0.0.1 ports: the
seeded emulator posting case events to the embedded queue, the local sign-in provider, the
embedded geocoder, the local Functions host running ``function_app.py`` in auth mode ``both``
and serving ``web/`` at ``/`` (``cli._portal.portal_site``) with the agent desk's API at
``/desk/api`` (``cli._portal.desk_mounts``); and one headless Chromium."""

from __future__ import annotations

import json
import socket
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any

import pytest
import requests
from selenium import webdriver

from cityzen_connector import app
from cityzen_connector.app import _identity as configured
from cityzen_connector.cli import main
from cityzen_connector.cli._case_events import QueueSink, register_case_events
from cityzen_connector.cli._feeds import SAMPLE_AGENDA, SAMPLE_NEWS, SAMPLES_DIR, serve_samples
from cityzen_connector.cli._portal import desk_mounts, portal_site
from cityzen_connector.emulator import EmulatorConfig, create_app, seed, serve
from cityzen_connector.localhost import LocalHost, StaticSiteConfig
from cityzen_connector.mapping import load_mappings
from cityzen_connector.messaging import open_bus
from cityzen_connector.settings import Settings
from cityzen_connector.sync import apply_provisioning, plan_provisioning
from tests.support.geocoder import served_geocoder
from tests.support.paths import ROOT

from .harness import ensure_axe, ensure_chromium, new_driver


@dataclass
class Stack:
    portal: str
    emulator_url: str
    settings: Settings
    links: list[str]

    def stats(self, **params: str) -> Any:
        """``GET /api/v1/stats`` as an agent with the ops role (the local ops key's token)."""
        token = configured.mint_local_ops_token(self.settings, now=time.time())
        answer = requests.get(
            f"{self.portal}api/v1/stats",
            params=params,
            headers={"Authorization": f"Bearer {token}"},
            timeout=30,
        )
        assert answer.status_code == 200, answer.text
        return answer.json()

    def agent(self, *args: str) -> None:
        """An agent's action, as the lines ``cityzen run`` prints (in this process)."""
        assert main(["emulator", "case", "--dataverse-url", self.emulator_url, *args]) == 0


class _Deferred:
    def __init__(self) -> None:
        self.target: Any = None

    def __call__(self, environ: Any, start_response: Any) -> Any:
        return self.target(environ, start_response)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _quick(site: StaticSiteConfig | None) -> StaticSiteConfig:
    """The portal as served, polling every second (the shipped 10 s would slow the tests)."""
    assert site is not None
    document = json.loads(site.generated["config.json"])
    document["poll_seconds"] = 1
    # A reload tries prompt=none with FranceConnect: the local provider answers login_required
    # (it keeps no session), which the portal takes quietly.
    document["providers"][0]["silent_reauth"] = True
    generated = {**site.generated, "config.json": json.dumps(document).encode()}
    return replace(site, generated=generated)


@pytest.fixture(scope="session")
def axe() -> str:
    return ensure_axe()


@pytest.fixture(scope="session")
def chromium() -> None:
    """Debian's chromium and chromium-driver, installed once per session if missing."""
    ensure_chromium()


# Module-scoped, not session-scoped: the stack's threads, ports and CITYZEN_* variables must be
# gone before the next module's tests (some count threads or read the environment).
@pytest.fixture(scope="module")
def browser(chromium: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[webdriver.Chrome]:
    driver = new_driver(tmp_path_factory.mktemp("chromium-profile"))
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    data = tmp_path_factory.mktemp("portal")
    queue_url = f"sqlite:///{data / 'queue.db'}"
    events = open_bus(queue_url)
    emulator_app = create_app(
        EmulatorConfig(database=str(data / "dataverse.db"), key_activation_seconds=0),
        sink=QueueSink(events),
    )
    seed(emulator_app)
    emulator = serve(emulator_app, "127.0.0.1", 0)
    deferred = _Deferred()
    provider = serve(deferred, "127.0.0.1", 0, threads=4)
    links: list[str] = []
    environment = pytest.MonkeyPatch()
    feeds = serve_samples(ROOT / SAMPLES_DIR, port=0)  # the sample news and agenda
    with served_geocoder() as geocoder:
        settings = Settings(
            _env_file=None,
            data_dir=data,
            dataverse_url=emulator.url,
            queue_url=queue_url,
            store_url=f"sqlite:///{data / 'state.db'}",
            blob_url=f"file://{data / 'blobs'}",
            mappings_dir=ROOT / "mappings",
            localhost_app_dir=ROOT,
            identity_pepper="browser-pepper",
            localhost_poll_interval_seconds=0.05,
            localhost_port=_free_port(),
            auth_mode="both",
            signin_provider=True,
            signin_port=int(provider.url.rsplit(":", 1)[1].rstrip("/")),
            auth_jwks_min_refresh_seconds=0,
            case_requests_cache_seconds=0.001,
            geocoder_url=geocoder,
            feeds_news_urls=",".join(f"{feeds.url}/{name}" for name in SAMPLE_NEWS),
            feeds_agenda_urls=",".join(f"{feeds.url}/{name}" for name in SAMPLE_AGENDA),
        )
        deferred.target = configured.signin_app(settings, outbox=links.append, clock=time.time)
        client = app.Container(settings).api_client
        mappings = load_mappings(settings.mappings_dir)
        report = apply_provisioning(
            client,
            plan_provisioning(client, mappings.schema(), mappings.catalog),
            now=time.monotonic,
            sleep=time.sleep,
            key_deadline_seconds=30,
            create_catalog=True,
        )
        assert report.ok
        register_case_events(settings)
        deps = app.Container(settings)
        previous = app.install(deps)
        app.refresh_feeds(deps)
        config = replace(
            app.localhost_config(settings),
            key_file=data / "keys.json",
            state_dir=data / "localhost",
            poll_interval_seconds=0.05,
            stop_timeout_seconds=10,
            web=_quick(portal_site(settings)),
            mounts=desk_mounts(deps),
        )
        for name, value in {
            "DATA_DIR": str(data),
            "QUEUE_URL": queue_url,
            "STORE_URL": settings.store_url,
            "DATAVERSE_URL": emulator.url,
        }.items():
            environment.setenv(f"CITYZEN_{name}", value)
        try:
            with LocalHost(ROOT, deps.bus, config) as host:
                yield Stack(f"{host.url}/", emulator.url, settings, links)
        finally:
            environment.undo()
            deps.close()
            app.install(previous)
            sys.modules.pop("function_app", None)
            provider.stop()
            feeds.stop()
            emulator.stop()
            emulator_app.close()
            events.close()
