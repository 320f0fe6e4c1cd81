"""A small, strict ``multipart/form-data`` reader (RFC 7578 over RFC 2046 section 5.1).

Mobile apps send one JSON part named ``submission`` and one part per file (with a
``filename``). The whole body is already in memory and capped by the caller; this reader only
bounds what it builds from it (parts, header lines) and refuses anything ambiguous with
``MultipartError`` rather than guessing.
"""

from __future__ import annotations

import re
import urllib.parse
from dataclasses import dataclass, field

from ._errors import MultipartError

MAX_PARTS = 32
_MAX_HEADER_BYTES = 8192
_BOUNDARY = re.compile(r"^[0-9A-Za-z'()+_,\-./:=? ]{0,69}[0-9A-Za-z'()+_,\-./:=?]$")
_TOKEN = r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+"  # noqa: S105 -- RFC 9110 token, not a password
_PARAM = re.compile(rf'\s*;\s*({_TOKEN})\s*=\s*("(?:[^"\\]|\\.)*"|{_TOKEN}\*?|[^;]*)')


@dataclass(frozen=True)
class Part:
    name: str
    data: bytes = field(repr=False)
    filename: str | None = field(default=None, repr=False)
    content_type: str | None = None


def header_params(value: str) -> tuple[str, dict[str, str]]:
    """``form-data; name="a"; filename="b"`` → (``form-data``, {name: a, filename: b})."""
    main, _, rest = value.partition(";")
    params: dict[str, str] = {}
    extended: set[str] = set()
    rest = ";" + rest if rest else ""
    position = 0
    while position < len(rest):
        match = _PARAM.match(rest, position)
        if match is None or match.end() == position:
            raise MultipartError("malformed header parameters")
        name, raw = match.group(1).lower(), match.group(2).strip()
        if raw.startswith('"'):
            raw = re.sub(r"\\(.)", r"\1", raw[1:-1])
        if name.endswith("*"):  # RFC 8187 ext-value: charset'lang'pct-encoded
            charset, _, encoded = raw.partition("'")
            _, _, encoded = encoded.partition("'")
            if charset.lower() != "utf-8":
                raise MultipartError("only UTF-8 extended parameters are accepted")
            name = name[:-1]
            if name in extended:
                raise MultipartError("a header parameter is repeated")
            # RFC 8187 section 4.2 / RFC 6266 section 4.3: the extended form wins.
            extended.add(name)
            try:
                params[name] = urllib.parse.unquote(encoded, errors="strict")
            except UnicodeDecodeError as exc:
                raise MultipartError("an extended parameter is not UTF-8") from exc
        elif name in params and name not in extended:
            raise MultipartError("a header parameter is repeated")
        elif name not in extended:
            params[name] = raw
        position = match.end()
    return main.strip().lower(), params


def boundary_of(content_type: str) -> str:
    kind, params = header_params(content_type)
    if kind != "multipart/form-data":
        raise MultipartError("not multipart/form-data")
    boundary = params.get("boundary", "")
    if not _BOUNDARY.match(boundary):
        raise MultipartError("missing or invalid boundary")
    return boundary


def _headers(block: bytes) -> dict[str, str]:
    if len(block) > _MAX_HEADER_BYTES:
        raise MultipartError("part headers too large")
    headers: dict[str, str] = {}
    try:
        text = block.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise MultipartError("part headers are not UTF-8") from exc
    for line in text.split("\r\n"):
        name, colon, value = line.partition(":")
        if not colon or not name or name != name.strip():
            raise MultipartError("malformed part header")
        key = name.lower()
        if key in headers:
            raise MultipartError("a part header is repeated")
        headers[key] = value.strip()
    return headers


def parse_multipart(body: bytes, content_type: str, *, max_parts: int = MAX_PARTS) -> list[Part]:
    """The parts of a multipart/form-data body, in order."""
    delimiter = b"\r\n--" + boundary_of(content_type).encode("ascii")
    chunks = (b"\r\n" + body).split(delimiter)
    if len(chunks) < 3:
        raise MultipartError("no parts, or no closing delimiter")
    if len(chunks) - 2 > max_parts:
        raise MultipartError(f"more than {max_parts} parts")
    if not chunks[-1].startswith(b"--"):
        raise MultipartError("missing closing delimiter")
    parts = []
    for chunk in chunks[1:-1]:
        # RFC 2046: transport padding (spaces, tabs) may follow a delimiter before its CRLF.
        line_end = chunk.find(b"\r\n")
        if line_end < 0 or chunk[:line_end].strip(b" \t"):
            raise MultipartError("malformed delimiter line")
        head, separator, data = chunk[line_end + 2 :].partition(b"\r\n\r\n")
        if not separator:
            if not chunk[line_end + 2 :].startswith(b"\r\n"):
                raise MultipartError("part without a header/body separator")
            head, data = b"", chunk[line_end + 4 :]
        headers = _headers(head) if head else {}
        disposition, params = header_params(headers.get("content-disposition", ""))
        if disposition != "form-data" or not params.get("name"):
            raise MultipartError("every part needs Content-Disposition: form-data; name=...")
        parts.append(
            Part(
                name=params["name"],
                data=data,
                filename=params.get("filename"),
                content_type=headers.get("content-type"),
            )
        )
    return parts
