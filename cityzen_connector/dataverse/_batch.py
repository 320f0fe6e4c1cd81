"""``$batch``: the multipart/mixed encoder and decoder, and mapping results back.

Format: OData v4.01 Protocol §11.7 (multipart batch) and Microsoft Learn, "Execute batch
operations using the Web API": parts are ``application/http`` with ``Content-Transfer-Encoding:
binary``; change sets are nested ``multipart/mixed`` parts whose operations carry a
``Content-ID`` that later operations of the change set may reference as ``$<id>`` (in a URL or
an ``@odata.bind`` value). A batch holds at most 1,000 operations. Without
``Prefer: odata.continue-on-error`` Dataverse stops at the first failure; a failed change set
is answered by one error part, and none of its operations took effect.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Generic, TypeVar

from cityzen_connector._types import Headers

from ._errors import DataverseError, InvalidRequestError, UnexpectedResponseError
from ._errors import error_from_response as _error_from_response
from ._http import HttpRequest, HttpResponse
from ._request import DataverseRequest, Expect, ResultT_co, interpret, refine_error
from ._retry import RetryPolicy

if TYPE_CHECKING:
    from ._core import ClientCore

R = TypeVar("R")
MAX_BATCH_OPERATIONS = 1000
CRLF = "\r\n"


@dataclass(frozen=True)
class ChangeSet:
    """Operations applied atomically. Each gets a Content-ID: its 1-based position among all
    change-set operations of the batch (so ``$1`` is the first one)."""

    requests: tuple[DataverseRequest[object], ...]

    def __init__(self, requests: Iterable[DataverseRequest[object]]) -> None:
        object.__setattr__(self, "requests", tuple(requests))
        if not self.requests:
            raise InvalidRequestError("a change set needs at least one operation")
        for request in self.requests:
            if request.method == "GET":
                raise InvalidRequestError("GET requests are not allowed inside a change set")


BatchItem = DataverseRequest[object] | ChangeSet
_Flat = tuple[DataverseRequest[object], str | None, int]


@dataclass(frozen=True)
class OperationResult(Generic[ResultT_co]):
    """The outcome of one operation. ``error`` is None on success, ``value`` then what the
    response means; ``response`` is None when the operation never ran (an earlier failure
    stopped the batch)."""

    request: DataverseRequest[ResultT_co]
    response: HttpResponse | None
    value: ResultT_co | None = None
    error: DataverseError | None = None
    content_id: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None and self.response is not None


@dataclass(frozen=True)
class BatchResult:
    results: tuple[OperationResult[object], ...]

    @property
    def ok(self) -> bool:
        return all(r.ok for r in self.results)

    def raise_for_error(self) -> None:
        for result in self.results:
            if result.error is not None:
                raise result.error


def _flatten(items: Sequence[BatchItem]) -> list[_Flat]:
    """(request, content id, group index) per operation, in order."""
    flat: list[_Flat] = []
    next_id = 1
    for group, item in enumerate(items):
        if isinstance(item, ChangeSet):
            for request in item.requests:
                flat.append((request, str(next_id), group))
                next_id += 1
        elif isinstance(item, DataverseRequest):
            flat.append((item, None, group))
        else:
            raise InvalidRequestError("a batch holds DataverseRequest and ChangeSet items only")
    if not flat:
        raise InvalidRequestError("an empty batch")
    if len(flat) > MAX_BATCH_OPERATIONS:
        raise InvalidRequestError(
            f"a batch holds at most {MAX_BATCH_OPERATIONS} operations, got {len(flat)}"
        )
    return flat


def _http_part(http: HttpRequest, content_id: str | None) -> str:
    lines = ["Content-Type: application/http", "Content-Transfer-Encoding: binary"]
    if content_id is not None:
        lines.append(f"Content-ID: {content_id}")
    lines += ["", f"{http.method} {http.url} HTTP/1.1"]
    for name, value in http.headers.items():
        if name.lower() in ("authorization", "user-agent", "odata-maxversion", "odata-version"):
            continue  # carried once by the outer request
        lines.append(f"{name}: {value}")
    lines.append("")
    lines.append(http.body.decode("utf-8") if http.body else "")
    return CRLF.join(lines)


def encode_batch(
    core: ClientCore,
    items: Sequence[BatchItem],
    *,
    boundary: str,
    new_id: Callable[[], uuid.UUID] = uuid.uuid4,
) -> bytes:
    """The multipart/mixed body of a ``$batch`` request (pure but for ids)."""
    _flatten(items)  # validates size and shape before any encoding
    out: list[str] = []
    next_id = 1
    for item in items:
        out.append(f"--{boundary}")
        if isinstance(item, ChangeSet):
            changeset = f"changeset_{new_id()}"
            out.append(f"Content-Type: multipart/mixed; boundary={changeset}{CRLF}")
            for request in item.requests:
                http = core.build_http(request, str(new_id()))
                out.append(f"--{changeset}{CRLF}{_http_part(http, str(next_id))}")
                next_id += 1
            out.append(f"--{changeset}--{CRLF}")
        else:
            out.append(_http_part(core.build_http(item, str(new_id())), None))
    out.append(f"--{boundary}--{CRLF}")
    return CRLF.join(out).encode("utf-8")


_BOUNDARY = re.compile(r'boundary="?([^";]+)"?', re.I)
_STATUS_LINE = re.compile(r"^HTTP/1\.[01] (\d{3})")


@dataclass(frozen=True)
class DecodedPart:
    response: HttpResponse
    content_id: str | None
    in_change_set: bool


def _boundary_of(content_type: str) -> str:
    match = _BOUNDARY.search(content_type)
    if match is None:
        raise UnexpectedResponseError("a multipart response without a boundary")
    return match.group(1)


def _split_headers(block: str) -> tuple[Headers, str]:
    head, _, rest = block.partition("\n\n")
    pairs = []
    for line in head.split("\n"):
        if ":" in line:
            name, _, value = line.partition(":")
            pairs.append((name.strip(), value.strip()))
    return Headers(pairs), rest


def decode_batch(content_type: str, body: bytes) -> list[DecodedPart]:
    """Every response part, change-set parts flattened, in the order received."""
    text = body.decode("utf-8", errors="replace").replace("\r\n", "\n")
    return _decode_multipart(text, _boundary_of(content_type), in_change_set=False)


def _decode_multipart(text: str, boundary: str, *, in_change_set: bool) -> list[DecodedPart]:
    delimiter = f"--{boundary}"
    if delimiter not in text:
        raise UnexpectedResponseError("batch response does not use its declared boundary")
    chunks = text.split(delimiter)[1:]
    parts: list[DecodedPart] = []
    for chunk in chunks:
        if chunk.startswith("--"):
            break  # close delimiter
        mime, content = _split_headers(chunk.lstrip("\n"))
        part_type = mime.get("Content-Type", "")
        if part_type.lower().startswith("multipart/mixed"):
            parts += _decode_multipart(content, _boundary_of(part_type), in_change_set=True)
            continue
        status_line, _, rest = content.partition("\n")
        match = _STATUS_LINE.match(status_line.strip())
        if match is None:
            raise UnexpectedResponseError("a batch part without an HTTP status line")
        headers, payload = _split_headers(rest)
        content_id = mime.get("Content-ID") or headers.get("Content-ID")
        response = HttpResponse(int(match.group(1)), headers, payload.rstrip("\n").encode())
        parts.append(DecodedPart(response, content_id, in_change_set))
    return parts


def _outcome(request: DataverseRequest[R], part: DecodedPart) -> OperationResult[R]:
    response = part.response
    if 200 <= response.status < 300:
        try:
            return OperationResult(
                request, response, interpret(request, response), None, part.content_id
            )
        except DataverseError as exc:
            return OperationResult(request, response, None, exc, part.content_id)
    error = _error_from_response(
        response.status, response.headers, response.body, operation=request.operation
    )
    if response.status == 412 and request.headers.get("If-None-Match") == "*":
        error = refine_error(request, error)
    return OperationResult(request, response, None, error, part.content_id)


def match_results(items: Sequence[BatchItem], parts: Sequence[DecodedPart]) -> BatchResult:
    """Map response parts back to the operations that caused them."""
    results: list[OperationResult[object]] = []
    queue = list(parts)
    next_id = 1
    for item in items:
        if isinstance(item, DataverseRequest):
            part = queue.pop(0) if queue and not queue[0].in_change_set else None
            results.append(OperationResult(item, None) if part is None else _outcome(item, part))
            continue
        ids = [str(next_id + i) for i in range(len(item.requests))]
        next_id += len(item.requests)
        if queue and queue[0].in_change_set:
            by_id: dict[str, DecodedPart] = {}
            positional: list[DecodedPart] = []
            while queue and queue[0].in_change_set and len(positional) < len(ids):
                part = queue.pop(0)
                positional.append(part)
                if part.content_id:
                    by_id[part.content_id] = part
            for index, (request, content_id) in enumerate(zip(item.requests, ids, strict=True)):
                found = by_id.get(content_id) or (
                    positional[index] if index < len(positional) else None
                )
                results.append(
                    OperationResult(request, None) if found is None else _outcome(request, found)
                )
        elif queue:
            # One error part answers a failed change set: nothing in it took effect.
            failure = queue.pop(0)
            for request in item.requests:
                outcome = _outcome(request, failure)
                if outcome.error is None:
                    raise UnexpectedResponseError("a change set was answered by a success part")
                results.append(outcome)
        else:
            results += [OperationResult(request, None) for request in item.requests]
    return BatchResult(tuple(results))


def execute_batch(
    core: ClientCore,
    items: Iterable[BatchItem],
    *,
    continue_on_error: bool = False,
    retry: RetryPolicy | None = None,
) -> BatchResult:
    """Send one ``$batch``. It is repeated on transient errors only when every operation in
    it is safe to repeat."""
    batch = list(items)
    flat = _flatten(batch)
    boundary = f"batch_{core._new_id()}"
    envelope = DataverseRequest(
        "POST",
        "$batch",
        "$batch",
        expect=Expect.NOTHING,
        safe_to_repeat=all(request.safe_to_repeat for request, _, _ in flat),
        headers=Headers({"Content-Type": f"multipart/mixed; boundary={boundary}"}),
        prefer=("odata.continue-on-error",) if continue_on_error else (),
    )
    http = core.build_http(envelope, str(core._new_id()))
    http = HttpRequest(
        http.method,
        http.url,
        http.headers,
        encode_batch(core, batch, boundary=boundary, new_id=core._new_id),
    )
    response = core.send_http(
        http,
        operation="$batch",
        safe_to_repeat=envelope.safe_to_repeat,
        retry=retry,
        multipart_errors=True,
    )
    content_type = response.headers.get("Content-Type", "")
    if not content_type.lower().startswith("multipart/mixed"):
        raise UnexpectedResponseError(
            f"$batch answered {content_type[:60] or 'no content type'}, not multipart/mixed",
            status=response.status,
        )
    return match_results(batch, decode_batch(content_type, response.body))
