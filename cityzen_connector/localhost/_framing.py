"""HTTP/1.1 framing judged byte by byte, as a production front end does, in front of waitress.

waitress (3.x) buffers a request head until CRLF CRLF and a chunked body until its chunks add up,
and only then judges them: a TLS ClientHello or a bare-LF request (no CRLF CRLF ever comes)
waits in silence until the idle timeout, and a chunk announcing ``ffffffffffffffff`` bytes is
read until the body cap. ``StrictParser`` refuses such requests with the first bytes that show
the fault, and ``BoundedChunks`` with the chunk-size line that passes the cap. The rules are
RFC 9112's: request line ``method SP request-target SP HTTP-version`` (section 3), lines ended
by CRLF, no bare CR (section 2.2), no control characters in the head (section 5), and no
Transfer-Encoding beside a Content-Length or in HTTP/1.0, both signs of request smuggling
(section 6.1). Each refusal closes the connection once answered (waitress's error task).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from waitress.parser import HTTPRequestParser, ParsingError
from waitress.receiver import ChunkedReceiver

_CONTROL = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_BARE_LF = re.compile(rb"(?<!\r)\n")
_BARE_CR = re.compile(rb"\r(?=[^\n])")  # a final CR may still be followed by its LF
_METHOD_CHARS = frozenset(b"!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ")
# Upper-case methods only, as waitress (methods are case-sensitive; "get" is no GET).
_REQUEST_LINE = re.compile(rb"[!#$%&'*+\-.^_`|~0-9A-Z]+ [\x21-\x7e\x80-\xff]+ HTTP/1\.[01]")
_TLS_HANDSHAKE = b"\x16"  # the first byte of the TLS record carrying a ClientHello
_MAX_SIZE_LINE = 1024  # a chunk size (16 hex digits at most) and its extensions
MAX_HEAD_BYTES = 32 * 1024  # Kestrel's MaxRequestHeadersTotalSize (431 past it)

_NOT_HTTP = "This is not an HTTP/1.1 request."
_TLS = "This server speaks plain HTTP: use http://, not https://."
_CONTROL_TEXT = "The request head holds a control character."
_LINE_ENDS = "Every line of the request head must end with CRLF."
_BAD_LINE = "The request line must read: METHOD target HTTP/1.1."


@dataclass(frozen=True)
class Refusal:
    """An answer the host gives instead of serving a request: waitress's error task reads
    ``code`` (as on its own ``Error`` values); ``detail`` is one of our fixed texts, safe to
    send back."""

    code: int
    detail: str


def malformed(detail: str) -> Refusal:
    return Refusal(400, detail)


class StrictParser(HTTPRequestParser):  # type: ignore[misc]  # waitress is untyped
    """waitress's parser, refusing broken framing at the first byte that shows it.

    ``started`` is when the request's first bytes arrived, on the host's monotonic clock
    (``adj.monotonic``): the server cuts a request still incomplete ``read_timeout_seconds``
    later (408).
    """

    # waitress's attributes this class writes (declared for mypy: waitress has no types).
    headers_finished: bool
    completed: bool
    connection_close: bool
    body_rcv: Any
    error: Any

    def __init__(self, adj: Any) -> None:
        super().__init__(adj)
        self.started: float = adj.monotonic.now()
        self._line_checked = False

    def received(self, data: bytes) -> int:
        if self.body_rcv is None and not self.completed:
            fault = self._head_fault(data)
            if fault is not None:
                self.refuse(malformed(fault))
                return len(data)
        consumed: int = super().received(data)
        return consumed

    def refuse(self, error: Refusal) -> None:
        """End this request with ``error``: the host answers it and closes the connection."""
        if not self.headers_finished:
            # What waitress's error task reads from a parsed head (it does the same for 431).
            self.parse_header(b"GET / HTTP/1.1\r\n")
            self.headers_finished = True
        self.connection_close = True
        self.error = error
        self.completed = True

    def parse_header(self, header_plus: bytes) -> None:
        super().parse_header(header_plus)
        if self.chunked:
            if "CONTENT_LENGTH" in self.headers:
                raise ParsingError("Content-Length and Transfer-Encoding together")
            self.body_rcv = BoundedChunks(self.body_rcv.getbuf(), self.adj.max_request_body_size)
        elif "TRANSFER_ENCODING" in self.headers:
            # waitress reads Transfer-Encoding in HTTP/1.1 only; an HTTP/1.0 one is smuggling.
            raise ParsingError("Transfer-Encoding in an HTTP/1.0 request")

    def _head_fault(self, data: bytes) -> str | None:
        """Why the head received so far (with ``data``) cannot be a request, or None."""
        seen = self.header_plus + data
        end = seen.find(b"\r\n\r\n")
        head = seen if end < 0 else seen[: end + 2]
        # Only the new bytes need a look (one more for a CR LF pair split between reads).
        start = max(0, len(self.header_plus) - 1)
        line = b"" if self._line_checked else head.lstrip(b"\r\n")  # empty lines may lead (2.2)
        if line[:1] == _TLS_HANDSHAKE:
            return _TLS
        if line and line[0] not in _METHOD_CHARS:
            return _NOT_HTTP
        if _CONTROL.search(head, start):
            return _CONTROL_TEXT
        if _BARE_LF.search(head, start) or _BARE_CR.search(head, start):
            return _LINE_ENDS
        if (eol := line.find(b"\r\n")) >= 0:
            if not _REQUEST_LINE.fullmatch(line[:eol]):
                return _BAD_LINE
            self._line_checked = True
        return None


class BoundedChunks(ChunkedReceiver):  # type: ignore[misc]  # waitress is untyped
    """A chunked body refused (413) as soon as a chunk-size line takes it past the cap.

    ``limit`` is waitress's ``max_request_body_size``: a body reaching it is refused, as waitress
    refuses a Content-Length reaching it.
    """

    error: Any
    all_chunks_received: bool

    def __init__(self, buf: Any, limit: int) -> None:
        super().__init__(buf)
        self._limit = limit

    def received(self, s: bytes) -> int:
        consumed: int = super().received(s)
        if self.error is None:
            self.error = self._fault()
            if self.error is not None:
                self.all_chunks_received = True
        return consumed

    def _fault(self) -> Refusal | None:
        if len(self.control_line) > _MAX_SIZE_LINE:
            return malformed("A chunk-size line is too long.")
        if len(self.trailer) > MAX_HEAD_BYTES:
            return Refusal(431, "The chunked body's trailer is too large.")
        if len(self.buf) + self.chunk_remainder >= self._limit:
            return Refusal(413, "The chunk sizes add up past the body size limit.")
        return None
