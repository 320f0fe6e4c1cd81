"""The function modules' shared dependencies: built once, lazily, from ``Settings()``.

This is the one place the Function App reads its environment. Nothing is built at import time
(the cold start pays only for ``azure.functions`` and the settings class); each port is opened
on first use and then reused by every invocation of every trigger in this worker process, as
Microsoft advises for clients ("Manage connections in Azure Functions": create them once,
outside the function, and reuse them). Tests install their own ``Dependencies`` with
``install(...)`` (memory backends, the emulator's WSGI client, an injected clock).
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Mapping
from datetime import datetime
from functools import cached_property
from typing import TYPE_CHECKING

from cityzen_connector.settings import Settings

if TYPE_CHECKING:
    from cityzen_connector.api import ApiDependencies
    from cityzen_connector.dataverse import DataverseClient
    from cityzen_connector.mapping import MappingSet
    from cityzen_connector.messaging import MessageBus
    from cityzen_connector.store import BlobStore, StateStore, SubmissionStatuses
    from cityzen_connector.sync.pipeline import WorkerDeps

Clock = Callable[[], datetime]

__all__ = ["Dependencies", "configure_telemetry", "current", "install", "settings"]


class Dependencies:
    """Every port the triggers use, each built on first access (thread-safe) and then kept.

    Pass ready objects to use them instead of the ones the settings describe.
    """

    def __init__(
        self,
        settings: Settings,
        *,
        clock: Clock | None = None,
        bus: MessageBus | None = None,
        store: StateStore | None = None,
        blobs: BlobStore | None = None,
        client: DataverseClient | None = None,
        mappings: MappingSet | None = None,
    ) -> None:
        self.settings = settings
        self._clock = clock
        self._given_bus, self._given_store, self._given_blobs = bus, store, blobs
        self._given_client, self._given_mappings = client, mappings
        self._lock = threading.RLock()

    @cached_property
    def clock(self) -> Clock:
        from cityzen_connector._clock import utc_now  # noqa: PLC0415

        return self._clock or utc_now

    @cached_property
    def bus(self) -> MessageBus:
        with self._lock:
            from cityzen_connector.wiring import bus_from_settings  # noqa: PLC0415

            return self._given_bus or bus_from_settings(self.settings, clock=self.clock)

    @cached_property
    def store(self) -> StateStore:
        with self._lock:
            from cityzen_connector.wiring import store_from_settings  # noqa: PLC0415

            return self._given_store or store_from_settings(self.settings, clock=self.clock)

    @cached_property
    def blobs(self) -> BlobStore:
        with self._lock:
            from cityzen_connector.wiring import blobs_from_settings  # noqa: PLC0415

            return self._given_blobs or blobs_from_settings(self.settings, clock=self.clock)

    @cached_property
    def statuses(self) -> SubmissionStatuses:
        with self._lock:
            from cityzen_connector.wiring import statuses_from_settings  # noqa: PLC0415

            return statuses_from_settings(self.settings, self.store, clock=self.clock)

    @cached_property
    def client(self) -> DataverseClient:
        """The Dataverse client for background work: retries as queue work may (long waits)."""
        with self._lock:
            from cityzen_connector.dataverse import RetryPolicy  # noqa: PLC0415
            from cityzen_connector.wiring import dataverse_client_from_settings  # noqa: PLC0415

            if self._given_client is not None:
                return self._given_client
            return dataverse_client_from_settings(self.settings, retry=RetryPolicy.QUEUE_WORK)

    @cached_property
    def mappings(self) -> MappingSet:
        with self._lock:
            from cityzen_connector.mapping import load_mappings  # noqa: PLC0415

            return self._given_mappings or load_mappings(self.settings.mappings_dir)

    @cached_property
    def worker(self) -> WorkerDeps:
        """What the submission pipeline's ``handle_submission_message`` needs."""
        with self._lock:
            from cityzen_connector.wiring import worker_deps_from_settings  # noqa: PLC0415

            return worker_deps_from_settings(
                self.settings,
                clock=self.clock,
                client=self.client,
                bus=self.bus,
                store=self.store,
                blobs=self.blobs,
                mappings=self.mappings,
            )

    @cached_property
    def api(self) -> ApiDependencies:
        """The portal API's dependencies, sharing this container's bus, store and blobs (so
        in-memory backends are one queue for HTTP and worker). Its Dataverse client shares the
        worker client's connections and token but keeps the HTTP retry policy: a caller is
        waiting."""
        with self._lock:
            from cityzen_connector.api import dependencies_from_settings  # noqa: PLC0415
            from cityzen_connector.dataverse import RetryPolicy  # noqa: PLC0415

            return dependencies_from_settings(
                self.settings,
                clock=self.clock,
                bus=self.bus,
                store=self.store,
                blobs=self.blobs,
                client=self.client.with_retry(RetryPolicy.HTTP_REQUEST),
                mappings=self.mappings,
            )

    def close(self) -> None:
        """Close the backends this object opened (not the ones it was given)."""
        opened = {
            "bus": self._given_bus is None,
            "store": self._given_store is None,
            "blobs": self._given_blobs is None,
        }
        for name, ours in opened.items():
            if ours and name in self.__dict__:  # built (cached_property stores it there)
                getattr(self, name).close()


_current: Dependencies | None = None
_current_lock = threading.Lock()


def current() -> Dependencies:
    """The process-wide dependencies, built from ``Settings()`` (the environment) on first use."""
    global _current  # noqa: PLW0603 - one container per worker process, by design
    with _current_lock:
        if _current is None:
            _current = Dependencies(Settings())
        return _current


def settings() -> Settings:
    """The settings the app runs with (read once from the environment)."""
    return current().settings


def install(deps: Dependencies | None) -> Dependencies | None:
    """Use ``deps`` from now on (``None``: rebuild from the environment on next use); returns
    the previous container so a test can put it back."""
    global _current
    with _current_lock:
        previous, _current = _current, deps
        return previous


def configure_telemetry(environ: Mapping[str, str] | None = None) -> bool:
    """OpenTelemetry to Application Insights when ``APPLICATIONINSIGHTS_CONNECTION_STRING`` is
    set (Azure sets it from the app's settings); nothing is imported or exported otherwise.
    A malformed connection string is logged, not raised: the app still serves without it."""
    env = os.environ if environ is None else environ
    value = env.get("APPLICATIONINSIGHTS_CONNECTION_STRING", "")
    if not value.strip():
        return False
    from cityzen_connector.telemetry import TelemetryError  # noqa: PLC0415
    from cityzen_connector.telemetry import configure_telemetry as configure  # noqa: PLC0415

    try:
        return configure(value, env.get("APPLICATIONINSIGHTS_AUTHENTICATION_STRING"))
    except TelemetryError as exc:
        logging.getLogger("functions").error("telemetry not exported: %s", exc)
        return False
