"""A waitress server in a thread, with a stop that leaves no thread behind."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from waitress import wasyncore
from waitress.server import create_server
from waitress.task import ThreadedTaskDispatcher


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
    ) -> None:
        # Our own dispatcher, given threads only once the socket is bound: a failed bind
        # (port in use) then leaves no worker thread behind.
        self._dispatcher = ThreadedTaskDispatcher()
        self._threads = threads
        socket_map: dict[int, Any] = {}
        try:
            self._server: Any = create_server(
                app,
                map=socket_map,
                _dispatcher=self._dispatcher,
                host=host,
                port=port,
                threads=threads,
                # waitress refuses bodies past this itself (413), chunked ones included.
                max_request_body_size=max_body_bytes + 1,
                ident="cityzen-localhost",
                clear_untrusted_proxy_headers=True,
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

        server.trigger.pull_trigger(close_listener)
        closed.wait(timeout)
        server.task_dispatcher.shutdown(cancel_pending=True, timeout=timeout)
        server.trigger.pull_trigger(lambda: wasyncore.close_all(server._map))
        self._thread.join(timeout)
