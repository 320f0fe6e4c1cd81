"""``LocalHost``: the whole local Functions host — HTTP, queue and timer triggers — in one object.

Typical use (what ``cityzen run`` does)::

    with LocalHost(Path("."), bus, LocalHostConfig.from_settings(settings)) as host:
        print(host.url, host.function_key)
        host.wait()          # Ctrl-C: KeyboardInterrupt, then a clean stop on exit
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

from cityzen_connector._clock import SYSTEM_MONOTONIC, MonotonicClock, WallClock, utc_now
from cityzen_connector.localhost._bindings import (
    FunctionSpec,
    ServiceBusTriggerBinding,
    TimerTriggerBinding,
)
from cityzen_connector.localhost._http import HttpGateway, build_routes
from cityzen_connector.localhost._invoke import Invoker
from cityzen_connector.localhost._keys import HostKeys, load_or_create_keys
from cityzen_connector.localhost._loader import LoadedApp, load_app
from cityzen_connector.localhost._queues import QueueListener
from cityzen_connector.localhost._server import WsgiServerThread
from cityzen_connector.localhost._static import StaticSite, StaticSiteConfig
from cityzen_connector.localhost._timers import TimerRunner
from cityzen_connector.messaging import MessageBus

logger = logging.getLogger("cityzen_connector.localhost")


@dataclass(frozen=True)
class LocalHostConfig:
    """The local host's knobs (see the ``localhost_*`` settings)."""

    host: str = "127.0.0.1"
    port: int = 7071
    key_file: Path = Path(".cityzen/host-keys.json")
    state_dir: Path = Path(".cityzen/localhost")
    poll_interval_seconds: float = 0.5
    max_body_bytes: int = 100 * 1024 * 1024
    http_threads: int = 8
    stop_timeout_seconds: float = 30.0
    read_timeout_seconds: float = 30.0
    # The reference portal's files at / (``_static``); None: only the HTTP triggers.
    web: StaticSiteConfig | None = None
    # Other WSGI applications on the same port, each under its path prefix (the agent desk's
    # API at ``/desk/api`` in embedded mode): the page calls them on its own origin, no CORS.
    # The application gets the whole path in PATH_INFO.
    mounts: tuple[tuple[str, Callable[..., Iterable[bytes]]], ...] = ()


@dataclass(frozen=True)
class Endpoint:
    """One HTTP function as ``func start`` lists it."""

    function: str
    methods: tuple[str, ...] | None
    url: str
    auth_level: str


def by_prefix(
    prefixes: Iterable[tuple[str, Callable[..., Iterable[bytes]]]],
    rest: Callable[..., Iterable[bytes]],
) -> Callable[..., Iterable[bytes]]:
    """A WSGI application handing each request to the first application whose prefix is its
    path or starts it followed by ``/`` (the whole path left in ``PATH_INFO``), else to
    ``rest``."""
    table = [(start.rstrip("/"), target) for start, target in prefixes]

    def dispatch(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        path = str(environ.get("PATH_INFO", ""))
        for start, target in table:
            if path == start or path.startswith(start + "/"):
                return target(environ, start_response)
        return rest(environ, start_response)

    return dispatch


class LocalHost:
    """Loads ``function_app.py`` from ``app_dir`` and runs its triggers locally.

    Timers and lock renewal read the time from ``clock``; timers and pollers wait through
    ``monotonic``, and the HTTP read timeout is measured on it. A test passes one
    ``testing.FakeClock`` as both.
    """

    def __init__(
        self,
        app_dir: Path,
        bus: MessageBus,
        config: LocalHostConfig | None = None,
        *,
        clock: WallClock = utc_now,
        monotonic: MonotonicClock = SYSTEM_MONOTONIC,
    ) -> None:
        self.config = config or LocalHostConfig()
        self._bus = bus
        self._clock = clock
        self._monotonic = monotonic
        self.app: LoadedApp = load_app(app_dir)
        self._keys: HostKeys = load_or_create_keys(self.config.key_file)
        self._invoker = Invoker(str(self.app.app_dir))
        self._routes = build_routes(self.app.functions, self.app.host_json.route_prefix)
        # Everything is built (schedules parsed) before anything starts: bad input fails early.
        self.listeners = [
            QueueListener(
                bus,
                spec,
                self._invoker,
                clock=self._clock,
                monotonic=self._monotonic,
                max_concurrent_calls=self.app.host_json.max_concurrent_calls,
                poll_interval_seconds=self.config.poll_interval_seconds,
                max_lock_renewal=self.app.host_json.max_auto_lock_renewal,
            )
            for spec in self._of(ServiceBusTriggerBinding)
        ]
        self.timers = [
            TimerRunner(
                spec,
                self._invoker,
                self.config.state_dir / "timers",
                clock=self._clock,
                monotonic=self._monotonic,
            )
            for spec in self._of(TimerTriggerBinding)
        ]
        self._server: WsgiServerThread | None = None
        self._stopped = threading.Event()
        self._started = False
        # One stop at a time: Ctrl-C, a test's teardown and a stop already running may overlap,
        # and closing the server's sockets twice from two threads fails (EBADF).
        self._stop_lock = threading.Lock()

    @property
    def functions(self) -> tuple[FunctionSpec, ...]:
        return self.app.functions

    @property
    def function_key(self) -> str:
        return self._keys.function_key

    @property
    def master_key(self) -> str:
        return self._keys.master_key

    @property
    def url(self) -> str:
        """Base URL, e.g. ``http://127.0.0.1:7071`` (the bound port once started)."""
        port = self._server.port if self._server is not None else self.config.port
        return f"http://{self.config.host}:{port}"

    def endpoints(self) -> list[Endpoint]:
        return [
            Endpoint(
                r.spec.name, r.binding.methods, self.url + r.template.template, r.binding.auth_level
            )
            for r in sorted(self._routes, key=lambda r: r.spec.name)
        ]

    def wsgi_app(self) -> Callable[..., Iterable[bytes]]:
        """The WSGI application serving the HTTP triggers (to mount in another server), the
        ``config.mounts`` under their prefixes, and the portal's files outside the route prefix
        when ``config.web`` names them."""
        gateway = HttpGateway(self._routes, self._keys, self._invoker, self.config.max_body_bytes)
        if self.config.web is None and not self.config.mounts:
            return gateway
        site = StaticSite(self.config.web) if self.config.web is not None else gateway
        prefix = "/" + self.app.host_json.route_prefix.strip("/")
        return by_prefix([*self.config.mounts, (prefix, gateway)], site)

    def start(self) -> None:
        if self._started:
            raise RuntimeError("the local host is already started")
        self._started = True
        self._stopped.clear()
        self._invoker.start()
        try:
            if self._routes:
                self._server = WsgiServerThread(
                    self.wsgi_app(),
                    host=self.config.host,
                    port=self.config.port,
                    threads=self.config.http_threads,
                    max_body_bytes=self.config.max_body_bytes,
                    read_timeout_seconds=self.config.read_timeout_seconds,
                    monotonic=self._monotonic,
                )
                self._server.start()
            for listener in self.listeners:
                listener.start()
            for timer in self.timers:
                timer.start()
        except BaseException:
            self.stop()
            raise
        logger.info("local Functions host started: %d functions", len(self.functions))

    def stop(self) -> None:
        """Stop HTTP, pollers and timers, waiting for work in progress; joins every thread.
        A second call waits for the first to finish, then returns."""
        with self._stop_lock:
            self._stop()

    def _stop(self) -> None:
        if not self._started:
            return
        timeout = self.config.stop_timeout_seconds
        if self._server is not None:
            self._server.stop(timeout)
            self._server = None
        for listener in self.listeners:
            listener.stop()
        for timer in self.timers:
            timer.stop()
        self._invoker.stop()
        self._started = False
        self._stopped.set()
        logger.info("local Functions host stopped")

    def wait(self, timeout: float | None = None) -> bool:
        """Block until ``stop()`` is called or ``timeout`` passes; True once stopped.

        Ctrl-C raises KeyboardInterrupt here, in the main thread.
        """
        return self._stopped.wait(timeout)

    def __enter__(self) -> LocalHost:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def _of(self, kind: type) -> list[FunctionSpec]:
        return [spec for spec in self.app.functions if isinstance(spec.trigger, kind)]
