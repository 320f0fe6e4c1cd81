"""Real test doubles and builders shared by the API, sync and Blueprint tests.

Everything is in-process: the emulator as a WSGI app behind the client's transport seam, the
queue, store and blobs in memory, a clock the test moves by hand.
"""

from __future__ import annotations

import base64
import copy
import json
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from cityzen_connector.api import (
    ApiDependencies,
    ApiRequest,
    ApiResponse,
    Headers,
    HttpApi,
    build_api,
)
from cityzen_connector.app._search import procedures
from cityzen_connector.dataverse import (
    DataverseClient,
    DataverseConfig,
    RetryPolicy,
    StaticTokenProvider,
    WsgiTransport,
)
from cityzen_connector.emulator import EmulatorConfig, create_app, seed
from cityzen_connector.mapping import MappingSet, load_mappings
from cityzen_connector.messaging import BusUnavailableError, MessageBus, OutgoingMessage, open_bus
from cityzen_connector.models import EXAMPLE_SUBMISSION
from cityzen_connector.portal import KnowledgeCache, PopularCounter, SearchService
from cityzen_connector.store import (
    BlobRef,
    BlobStore,
    StateStore,
    StoreUnavailableError,
    open_blobs,
    open_store,
)
from cityzen_connector.sync import ReadinessPorts, ReadinessProbe, ThemesReader
from cityzen_connector.sync.intake import AttachmentLimits, IngestPorts, NoScan
from cityzen_connector.testing import FakeClock
from tests.support.paths import ROOT
from tests.support.transports import CountingTransport

QUEUE = "submissions"
# The smallest byte strings each sniffer accepts, padded to look like files.
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 64
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 64
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n" + b"0" * 64
WEBP = b"RIFF\x24\x00\x00\x00WEBPVP8 " + b"\x00" * 64
HEIC = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 64
EXE = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 64


# The API tests' clock starts here (their expected dates follow from it).
START = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)


@dataclass
class FlakyBus(MessageBus):
    """A real in-memory bus whose ``send`` or ``stats`` can be made to fail."""

    inner: MessageBus
    fail_send: bool = False
    fail_stats: bool = False
    send_error: Exception | None = None  # any other failure, e.g. a bug
    sends: int = 0  # round trips to the queue, failed ones included

    def send(self, queue: str, messages: Sequence[OutgoingMessage]) -> None:
        self.sends += 1
        if self.send_error is not None:
            raise self.send_error
        if self.fail_send:
            raise BusUnavailableError("queue down (test)")
        self.inner.send(queue, messages)

    def stats(self, queue: str) -> Any:
        if self.fail_stats:
            raise OSError("queue down (test)")
        return self.inner.stats(queue)

    def receive(self, *args: Any, **kwargs: Any) -> Any:
        return self.inner.receive(*args, **kwargs)

    def complete(self, message: Any) -> None:
        self.inner.complete(message)

    def abandon(self, message: Any) -> None:
        self.inner.abandon(message)

    def dead_letter(self, message: Any, *, reason: str, description: str) -> None:
        self.inner.dead_letter(message, reason=reason, description=description)

    def renew_lock(self, message: Any) -> Any:
        return self.inner.renew_lock(message)

    def peek(self, *args: Any, **kwargs: Any) -> Any:
        return self.inner.peek(*args, **kwargs)


@dataclass
class FlakyBlobs(BlobStore):
    """A real in-memory blob store that fails the n-th ``put`` (1-based) when asked to."""

    inner: BlobStore
    fail_on_put: int | None = None
    puts: int = 0
    names: set[str] = field(default_factory=set)

    def put(self, data: bytes, *, media_type: str) -> BlobRef:
        self.puts += 1
        if self.fail_on_put is not None and self.puts >= self.fail_on_put:
            raise OSError("blob storage down (test)")
        ref = self.inner.put(data, media_type=media_type)
        self.names.add(ref.name)
        return ref

    def get(self, name: str) -> bytes:
        return self.inner.get(name)

    def delete(self, name: str) -> bool:
        self.names.discard(name)
        return self.inner.delete(name)

    def list_older_than(self, cutoff: datetime) -> list[str]:
        return self.inner.list_older_than(cutoff)


class DownStore(StateStore):
    """A state store whose backend cannot be reached."""

    def _down(self) -> Any:
        raise StoreUnavailableError("store down (test)")

    def get(self, partition: str, key: str) -> Any:
        return self._down()

    def put(self, partition: str, key: str, value: Any, **_: Any) -> Any:
        return self._down()

    def delete(self, partition: str, key: str, *, if_match: str | None = None) -> bool:
        return bool(self._down())

    def query(self, partition: str, *, limit: int | None = None) -> Any:
        return self._down()

    def purge(self, *, now: datetime, updated_before: datetime | None = None) -> int:
        return int(self._down())


@dataclass
class World:
    """One test's backends and the API over them."""

    clock: FakeClock
    bus: FlakyBus
    store: StateStore
    blobs: FlakyBlobs
    mappings: MappingSet
    transport: CountingTransport
    client: DataverseClient
    deps: ApiDependencies
    api: HttpApi

    @property
    def ingest(self) -> IngestPorts:
        return self.deps.ingest

    def queued(self) -> list[dict[str, Any]]:
        """Every message body on the submissions queue, decoded."""
        return [json.loads(m.body) for m in self.bus.peek(QUEUE, max_messages=1000)]

    def blob_names(self) -> set[str]:
        return set(self.blobs.names)

    def request(
        self,
        method: str,
        path: str,
        body: bytes = b"",
        headers: Mapping[str, str] | None = None,
        *,
        key: bool = True,
        query: Mapping[str, str] | None = None,
    ) -> ApiResponse:
        return self.api.handle(
            ApiRequest(
                method, path, Headers(headers or {}), body, query or {}, function_key_valid=key
            )
        )

    def post_json(self, document: Any, **headers: str) -> ApiResponse:
        merged = {"Content-Type": "application/json", **headers}
        return self.request("POST", "/v1/requests", json.dumps(document).encode(), merged)


_MAPPINGS = load_mappings(ROOT / "mappings")


def search_service(store: StateStore, clock: FakeClock, **popular: Any) -> SearchService:
    """The portal's search over ``store`` (its cached articles, if refreshed), the shipped
    procedures, popular searches counted from 5 by default."""
    counter = PopularCounter(store, clock=clock, monotonic=clock.now, **popular)
    return SearchService(
        KnowledgeCache(store, clock),
        lambda: procedures(_MAPPINGS.catalog, store),
        counter,
        clock=clock,
        monotonic=clock.now,
    )


def make_world(*, auth_mode: str = "function_key", authenticator: Any = None, **deps: Any) -> World:
    clock = FakeClock(START)
    emulator = create_app(EmulatorConfig(), clock=clock)
    seed(emulator)
    transport = CountingTransport(WsgiTransport(emulator))
    client = DataverseClient(
        DataverseConfig("http://127.0.0.1:7072"),
        transport,
        StaticTokenProvider("t"),
        clock=clock,
        retry=RetryPolicy.NO_RETRY,
    )
    bus = FlakyBus(open_bus("memory://", clock=clock))
    store = deps.pop("store", None) or open_store("memory://", clock=clock)
    blobs = FlakyBlobs(open_blobs("memory://", clock=clock))
    ingest = IngestPorts(
        bus=bus,
        queue=QUEUE,
        store=store,
        blobs=blobs,
        catalog=_MAPPINGS.catalog,
        clock=clock,
        limits=deps.pop("limits", AttachmentLimits()),
        scanner=deps.pop("scanner", NoScan()),
        identity_key=b"test-pepper",
    )
    readiness = ReadinessProbe(
        ReadinessPorts(client, bus, QUEUE, store, clock), ttl=timedelta(seconds=10)
    )
    themes_age = deps.pop("themes_max_age", timedelta(minutes=5))
    if "search" not in deps:
        deps["search"] = search_service(store, clock)
    api_deps = ApiDependencies(
        ingest=ingest,
        themes=ThemesReader(client, _MAPPINGS, store, clock, max_age=themes_age),
        readiness=readiness,
        auth_mode=auth_mode,  # type: ignore[arg-type]
        authenticator=authenticator,
        **deps,
    )
    return World(
        clock, bus, store, blobs, _MAPPINGS, transport, client, api_deps, build_api(api_deps)
    )


def submission(**overrides: Any) -> dict[str, Any]:
    """A valid body for POST /api/v1/requests (portal caller: the citizen is in the body)."""
    body = copy.deepcopy(EXAMPLE_SUBMISSION)
    for name in ("submitted_at",):
        body.pop(name)
    body["id"] = str(uuid.uuid4())
    body["attachments"] = []
    body.update(overrides)
    return {k: v for k, v in body.items() if v is not None}


def upload(data: bytes, name: str = "photo.jpg") -> dict[str, str]:
    return {"file_name": name, "content_base64": base64.b64encode(data).decode()}


def multipart(
    document: Any, files: Sequence[tuple[str, bytes]], boundary: str = "xYzZy"
) -> tuple[bytes, str]:
    lines: list[bytes] = []
    part = json.dumps(document).encode() if not isinstance(document, bytes) else document
    lines += [
        f"--{boundary}".encode(),
        b'Content-Disposition: form-data; name="submission"',
        b"Content-Type: application/json",
        b"",
        part,
    ]
    for name, data in files:
        lines += [
            f"--{boundary}".encode(),
            f'Content-Disposition: form-data; name="attachments"; filename="{name}"'.encode(),
            b"Content-Type: application/octet-stream",
            b"",
            data,
        ]
    lines.append(f"--{boundary}--".encode())
    return b"\r\n".join(lines) + b"\r\n", f"multipart/form-data; boundary={boundary}"


Check = Callable[[ApiResponse], None]
