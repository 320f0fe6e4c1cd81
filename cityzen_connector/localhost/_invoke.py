"""Calling user functions as the Python worker does.

Sync functions run on the calling thread (the worker uses a thread pool for them); ``async def``
functions run on one event loop shared by the host, in its own thread, as the worker runs them on
its single loop. A ``context`` parameter, when declared, receives an ``azure.functions.Context``.
"""

from __future__ import annotations

import asyncio
import threading
import uuid
from collections.abc import Mapping
from typing import Any

import azure.functions as func
from azure.functions import _abc as func_abc

from cityzen_connector.localhost._bindings import FunctionSpec


class _TraceContext(func_abc.TraceContext):
    @property
    def trace_state(self) -> str:
        return ""

    @property
    def trace_parent(self) -> str:
        return ""

    @property
    def attributes(self) -> dict[str, str]:
        return {}


class _RetryContext(func_abc.RetryContext):
    @property
    def retry_count(self) -> int:
        return 0

    @property
    def max_retry_count(self) -> int:
        return 0

    @property
    def exception(self) -> Any:
        return None


class InvocationContext(func.Context):
    """The ``context`` argument: invocation id, function name and folder."""

    _thread_local = threading.local()

    def __init__(self, invocation_id: str, function_name: str, function_directory: str) -> None:
        self._invocation_id = invocation_id
        self._function_name = function_name
        self._function_directory = function_directory

    @property
    def invocation_id(self) -> str:
        return self._invocation_id

    @property
    def thread_local_storage(self) -> Any:
        return self._thread_local

    @property
    def function_name(self) -> str:
        return self._function_name

    @property
    def function_directory(self) -> str:
        return self._function_directory

    @property
    def trace_context(self) -> Any:
        return _TraceContext()

    @property
    def retry_context(self) -> Any:
        return _RetryContext()


def new_invocation_id() -> str:
    return str(uuid.uuid4())


class Invoker:
    """Runs functions; owns the event loop thread for ``async def`` ones."""

    def __init__(self, function_directory: str) -> None:
        self._function_directory = function_directory
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def start(self) -> None:
        with self._lock:
            if self._thread is not None:
                return
            loop = asyncio.new_event_loop()
            thread = threading.Thread(
                target=loop.run_forever, name="cityzen-localhost-loop", daemon=True
            )
            thread.start()
            self._loop, self._thread = loop, thread

    def stop(self) -> None:
        with self._lock:
            loop, thread = self._loop, self._thread
            self._loop = self._thread = None
        if loop is None or thread is None:
            return
        loop.call_soon_threadsafe(loop.stop)
        thread.join()
        loop.close()

    def invoke(self, spec: FunctionSpec, arguments: Mapping[str, Any], invocation_id: str) -> Any:
        """Call ``spec`` with its trigger argument; exceptions propagate to the caller."""
        kwargs = dict(arguments)
        if spec.wants_context:
            kwargs["context"] = InvocationContext(
                invocation_id, spec.name, self._function_directory
            )
        if not spec.is_async:
            return spec.func(**kwargs)
        loop = self._loop
        if loop is None:
            raise RuntimeError("the local host is not started")
        future = asyncio.run_coroutine_threadsafe(spec.func(**kwargs), loop)
        return future.result()
