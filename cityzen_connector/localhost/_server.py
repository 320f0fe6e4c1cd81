"""A waitress server in a thread, strict at the edges, with a stop that leaves no thread behind.

waitress's options alone do not make a front end: its ``channel_timeout`` closes only idle
connections, silently (a client sending a byte a second is never idle), and its body cap counts
bytes as they come. So the server runs waitress's own classes with three narrow subclasses:

- the parser and chunk reader of ``_framing`` refuse broken framing at once;
- the server cuts a request whose head and body have not all arrived ``read_timeout_seconds``
  after its first byte, with a 408 (as Envoy's ``max_request_time`` and Kestrel's
  ``RequestHeadersTimeout`` do), measured on the host's injected monotonic clock;
- the error task answers every refusal of waitress's (400, 408, 413, 431, 501, 500) with the
  problem+json document of ``_problems``, and closes the connection.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from waitress import wasyncore
from waitress.adjustments import Adjustments
from waitress.channel import HTTPChannel
from waitress.server import TcpWSGIServer
from waitress.task import ErrorTask, ThreadedTaskDispatcher

from cityzen_connector._clock import SYSTEM_MONOTONIC, MonotonicClock
from cityzen_connector.localhost._framing import MAX_HEAD_BYTES, Refusal, StrictParser
from cityzen_connector.localhost._problems import host_problem

logger = logging.getLogger("cityzen_connector.localhost.http")

_DRAIN_BYTES = 1 << 20


class _HostAdjustments(Adjustments):  # type: ignore[misc]  # waitress is untyped
    """waitress's settings, plus the clock and read timeout its parser and server read here."""

    def __init__(
        self, *, monotonic: MonotonicClock, read_timeout_seconds: float, **options: Any
    ) -> None:
        super().__init__(**options)
        self.monotonic = monotonic
        self.read_timeout_seconds = read_timeout_seconds


class _ProblemErrorTask(ErrorTask):  # type: ignore[misc]  # waitress is untyped
    def execute(self) -> None:
        error = self.request.error
        detail = error.detail if isinstance(error, Refusal) else None
        self.status, headers, body = host_problem(int(error.code), detail=detail)
        # The status and code only: waitress's own reasons may quote the client's headers.
        logger.info("refused a request: %s", self.status)
        self.response_headers.extend(headers)
        self.set_close_on_finish()
        self.content_length = len(body)
        self.write(body)


class _HostChannel(HTTPChannel):  # type: ignore[misc]  # waitress is untyped
    parser_class = StrictParser
    error_task_class = _ProblemErrorTask
    request: Any  # waitress's: the request being received, if any

    def time_out(self) -> None:
        """Answer the request being received with a 408 (loop thread only)."""
        with self.requests_lock:
            request = self.request
            if request is None or request.completed:
                return
            self.request = None
            request.refuse(Refusal(408, "The request took too long to arrive."))
            self.requests.append(request)
            if len(self.requests) == 1:
                self.server.add_task(self)

    def handle_close(self) -> None:
        # A refused request may leave bytes unread (the rest of a head past 32 KB, a body sent
        # without waiting). Closing a socket with unread bytes resets the connection, and the
        # reset destroys the answer before the client reads it: read off what already arrived,
        # without waiting for more, then close.
        if self.socket is not None:
            try:
                for _ in range(_DRAIN_BYTES // self.adj.recv_bytes):
                    if not self.socket.recv(self.adj.recv_bytes):
                        break
            except OSError:  # BlockingIOError: nothing more has arrived
                pass
        super().handle_close()


class _HostServer(TcpWSGIServer):  # type: ignore[misc]  # waitress is untyped
    channel_class = _HostChannel

    def readable(self) -> bool:
        # Called by the socket loop on each turn: each wake-up (a read, or at least once a
        # second: asyncore_loop_timeout) looks for requests past their read timeout.
        now = self.adj.monotonic.now()
        limit = self.adj.read_timeout_seconds
        for channel in list(self.active_channels.values()):
            request = channel.request
            if request is not None and not request.completed and now - request.started > limit:
                channel.time_out()
        readable: bool = super().readable()
        return readable


class WsgiServerThread:
    """Serves ``app`` on ``host:port`` (port 0: a free port) with ``threads`` workers."""

    def __init__(
        self,
        app: Callable[..., Any],
        *,
        host: str,
        port: int,
        threads: int,
        max_body_bytes: int,
        read_timeout_seconds: float = 30.0,
        monotonic: MonotonicClock = SYSTEM_MONOTONIC,
    ) -> None:
        # Our own dispatcher, given threads only once the socket is bound: a failed bind
        # (port in use) then leaves no worker thread behind.
        self._dispatcher = ThreadedTaskDispatcher()
        self._threads = threads
        socket_map: dict[int, Any] = {}
        adjustments = _HostAdjustments(
            monotonic=monotonic,
            read_timeout_seconds=read_timeout_seconds,
            host=host,
            port=port,
            threads=threads,
            # waitress refuses bodies reaching this itself (413); _framing, chunk sizes too.
            max_request_body_size=max_body_bytes + 1,
            max_request_header_size=MAX_HEAD_BYTES,
            ident="cityzen-localhost",
            clear_untrusted_proxy_headers=True,
        )
        try:
            # One listening socket, the first address ``host`` resolves to.
            self._server: Any = _HostServer(
                app, map=socket_map, dispatcher=self._dispatcher, adj=adjustments
            )
        except BaseException:
            # waitress registers its trigger pipe and socket before binding: close them.
            wasyncore.close_all(socket_map, ignore_all=True)
            raise
        self.host = str(self._server.effective_host)
        self.port = int(self._server.effective_port)
        self._thread = threading.Thread(
            target=self._server.run, name="cityzen-localhost-http", daemon=True
        )

    def start(self) -> None:
        self._dispatcher.set_thread_count(self._threads)
        self._thread.start()

    def stop(self, timeout: float) -> None:
        """Stop accepting, let running requests finish (up to ``timeout``), close everything."""
        if not self._thread.is_alive():
            self._server.task_dispatcher.shutdown(timeout=timeout)
            wasyncore.close_all(self._server._map)
            return
        server = self._server
        # Socket objects belong to the loop thread: closing runs there, through the trigger.
        closed = threading.Event()

        def close_listener() -> None:
            wasyncore.dispatcher.close(server)
            closed.set()

        if _pull(server, close_listener):
            closed.wait(timeout)
        server.task_dispatcher.shutdown(cancel_pending=True, timeout=timeout)
        _pull(server, lambda: wasyncore.close_all(server._map))
        self._thread.join(timeout)
        if not self._thread.is_alive():
            # The loop is over (it may have ended on its own once its map emptied, closing its
            # trigger first: then nothing could be pulled); what is left is ours to close.
            wasyncore.close_all(server._map, ignore_all=True)


def _pull(server: Any, thunk: Any) -> bool:
    """Run ``thunk`` on the loop thread through waitress's trigger; False when the trigger is
    already closed (EBADF: the loop is ending and has closed its map), so the caller does not
    wait for a thunk that will never run."""
    try:
        server.trigger.pull_trigger(thunk)
    except OSError:
        return False
    return True
