# ruff: noqa: T201 - a CLI module: printing is its job
"""``cityzen run``'s services, started and stopped in order: the seeded emulator (or a Dataverse
started elsewhere), the sign-in provider, the webhook receiver, the geocoder, the sample feeds,
provisioning and the case events' registration, then the local Functions host with the portal
and the desk mount, until Ctrl-C. What it prints once up is ``_run_banner``'s."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, MutableMapping
from dataclasses import replace
from typing import Any

from cityzen_connector import app
from cityzen_connector._private import private_folder
from cityzen_connector.emulator import (
    EventSink,
    ServeError,
    ServerHandle,
    StoreError,
    create_app,
    seed,
    serve,
)
from cityzen_connector.settings import ENV_PREFIX, Settings

from ._case_events import QueueSink, register_case_events
from ._common import settings as load_settings
from ._errors import _StartError
from ._feeds import SAMPLES_PORT, start_sample_feeds
from ._geocoder import GeocoderPlan, start_geocoder
from ._portal import desk_mounts, portal_site
from ._run_banner import announce
from ._signin import ensure_portal_key, start_signin
from ._webhooks import ReceiverPlan, start_receiver


def _start_emulator(
    settings: Settings,
    port: int,
    *,
    sleep: Callable[[float], None] = time.sleep,
    sink: EventSink | None = None,
) -> tuple[Any, ServerHandle]:
    """The seeded emulator, served; ``sleep`` waits out the configured fault latency; ``sink``
    receives what its service endpoints post (the embedded queue)."""
    private_folder(settings.emulator_data_dir)  # its database holds every contact
    emulator = create_app(app.emulator_config(settings), sleep=sleep, sink=sink)
    try:
        seed(emulator)
        handle = serve(
            emulator,
            settings.emulator_host,
            port,
            tls=settings.emulator_tls,
            cert_dir=settings.emulator_data_dir,
        )
    except BaseException:
        emulator.close()
        raise
    return emulator, handle


def _settings() -> Settings:
    settings = load_settings()  # ConfigurationError: printed by cli.main, exit code 2
    try:
        # Requests, contacts and attachments are kept there: private (0700), files 0600.
        private_folder(settings.data_dir)
    except OSError as exc:
        message = f"cannot create the data folder {settings.data_dir}: {exc.strerror}"
        raise _StartError(message) from exc
    return settings


def _serve(
    env: MutableMapping[str, str],
    emulator_port: int | None,
    plan: ReceiverPlan | None,
    geocoder_plan: GeocoderPlan | None = None,
    *,
    feeds_port: int = SAMPLES_PORT,
    signin_port: int | None = None,
) -> None:
    """Runs until Ctrl-C; raises ``_StartError`` when something cannot start."""
    settings = _settings()
    ensure_portal_key(env, settings)  # the sign-in provider, auth mode both (embedded only)
    port = settings.emulator_port if emulator_port is None else emulator_port
    events = app.Container(settings)  # the emulator's Service Bus: the embedded queue
    try:
        emulator, handle = _start_emulator(settings, port, sink=QueueSink(events.bus))
    except (ServeError, StoreError, OSError) as exc:
        events.close()
        message = f"Dataverse emulator: {exc} (already running? use --emulator-port)"
        raise _StartError(message) from exc
    receiver = geocoder = samples = signin = None
    try:
        env[ENV_PREFIX + "DATAVERSE_URL"] = handle.url
        signin = start_signin(env, signin_port)
        receiver = start_receiver(plan, env)
        geocoder = start_geocoder(geocoder_plan, env, settings.geocoder_sample_dir)
        samples = start_sample_feeds(env, settings.localhost_app_dir, feeds_port)
        settings = load_settings()
        _provision_or_stop(settings)
        print(register_case_events(settings), flush=True)
        _refresh_search(settings)
        _host(
            settings,
            handle.url,
            webhooks=receiver.url if receiver else None,
            geocoder=settings.geocoder_url if geocoder else None,
            feeds=samples.url if samples else None,
        )
    finally:
        if signin is not None:
            signin.stop()
        if samples is not None:
            samples.stop()
        if geocoder is not None:
            geocoder.stop()
        if receiver is not None:
            receiver.stop()
        handle.stop()
        emulator.close()
        events.close()


def _serve_external(plan: ReceiverPlan | None, geocoder_plan: GeocoderPlan | None = None) -> None:
    """The host and the worker on a Dataverse started elsewhere, until Ctrl-C."""
    receiver = start_receiver(plan, os.environ)
    geocoder = None
    try:
        sample_dir = _settings().geocoder_sample_dir
        geocoder = start_geocoder(geocoder_plan, os.environ, sample_dir)
        settings = _settings()
        url = settings.dataverse_url
        print(
            f"Dataverse at {url}: used as it is (no emulator started, nothing seeded)", flush=True
        )
        _provision_or_stop(settings, external=True)
        _host(
            settings,
            settings.dataverse_url,
            webhooks=receiver.url if receiver else None,
            geocoder=settings.geocoder_url if geocoder else None,
        )
    finally:
        if geocoder is not None:
            geocoder.stop()
        if receiver is not None:
            receiver.stop()


def _provision_or_stop(settings: Settings, *, external: bool = False) -> None:
    """Provision, printing each interrupted round and the outcome; ``_StartError`` if it fails."""
    from cityzen_connector.dataverse import DataverseError  # noqa: PLC0415
    from cityzen_connector.mapping import MappingError  # noqa: PLC0415

    from ._run_provision import KeyClock, provision_until_done  # noqa: PLC0415

    deps = app.Container(settings)
    try:
        mappings, client = deps.mappings, deps.api_client
    except (DataverseError, MappingError, RuntimeError) as exc:
        raise _StartError(f"{type(exc).__name__}: {exc}", code=1) from exc
    # Generous: the emulator activates a key after CITYZEN_EMULATOR_KEY_ACTIVATION_SECONDS.
    deadline = max(60.0, 10 * settings.emulator_key_activation_seconds)
    line = provision_until_done(
        client,
        mappings,
        KeyClock(time.monotonic, time.sleep, deadline),
        echo=lambda text: print(text, flush=True),
        start_when_unavailable=external,
    )
    print(line, flush=True)


def _refresh_search(settings: Settings) -> None:
    """Cache the seeded knowledge articles now, so that search finds them at once (the timer
    comes every quarter of an hour); a failure is printed, never fatal: search then finds the
    procedures until the timer succeeds."""
    from cityzen_connector.dataverse import DataverseError  # noqa: PLC0415
    from cityzen_connector.store import StoreError  # noqa: PLC0415

    deps = app.Container(settings)
    try:
        report = app.refresh_search(deps, waiting=True)
        print(f"Knowledge articles: {report.summary.count} cached for search", flush=True)
    except (DataverseError, StoreError) as exc:
        print(f"Knowledge articles not cached yet ({type(exc).__name__})", flush=True)
    finally:
        deps.close()


def _host(
    settings: Settings,
    dataverse_url: str,
    *,
    webhooks: str | None = None,
    geocoder: str | None = None,
    feeds: str | None = None,
) -> None:
    """The local Functions host on the embedded queue, until Ctrl-C."""
    from cityzen_connector.localhost import LocalHost, LocalHostError  # noqa: PLC0415

    deps = app.Container(settings)
    bus = deps.bus
    try:
        try:
            config = replace(
                app.localhost_config(settings),
                web=portal_site(settings),
                mounts=desk_mounts(deps),
            )
            host = LocalHost(settings.localhost_app_dir, bus, config)
            host.start()
        except OSError as exc:
            where = f"{settings.localhost_host}:{settings.localhost_port}"
            raise _StartError(
                f"cannot listen on {where}: {exc.strerror or exc}"
                " (`cityzen run` or `func start` already running? use --port)"
            ) from exc
        except LocalHostError as exc:
            raise _StartError(str(exc)) from exc
        try:
            _first_feeds_refresh(deps)
            # A key for this run's Open311 lines (keys pile up in the local store only).
            key = deps.open311_keys.issue("cityzen run")[0] if settings.open311_enabled else None
            announce(
                settings,
                host,
                dataverse_url,
                webhooks,
                geocoder=geocoder,
                feeds=feeds,
                open311_key=key,
            )
            # Timed waits: a signal caught by a server thread is only handled when the main
            # thread next runs Python code, which an untimed wait would never do.
            while not host.wait(0.25):
                pass
        finally:
            host.stop()
    finally:
        deps.close()


def _first_feeds_refresh(deps: app.Container) -> None:
    """News and agenda at once, rather than at the timer's first occurrence."""
    if deps.feeds_config.sources:
        print(f"News and agenda: {app.refresh_feeds(deps).line()}", flush=True)
