"""Strict parsing of a compact JWS (RFC 7515 section 7.1) before any cryptography is done.

Everything here is cheap and refuses early: size cap, exactly three segments, base64url
alphabet, JSON objects without duplicate member names (RFC 7515 section 5.2 allows refusing
them, and refusing closes parser-differential tricks), no ``crit`` extensions we would not
understand (RFC 7515 section 4.1.11).
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from dataclasses import dataclass
from typing import Any

from cityzen_connector._strict_json import no_duplicate_members, refuse_constant

from ._errors import InvalidToken

_B64URL = re.compile(r"[A-Za-z0-9_-]*")


@dataclass(frozen=True)
class CompactJws:
    """A parsed, not yet verified, token."""

    header: dict[str, Any]
    unverified_payload: dict[str, Any]
    signing_input: bytes  # ASCII(header segment "." payload segment), RFC 7515 section 5.2
    signature: bytes


def decode_json_segment(segment: str) -> dict[str, Any]:
    """base64url (no padding) -> UTF-8 -> a JSON object, or ``InvalidToken('malformed')``."""
    if not _B64URL.fullmatch(segment) or len(segment) % 4 == 1:
        raise InvalidToken("malformed", "segment is not base64url")
    try:
        raw = base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))
        value = json.loads(
            raw.decode("utf-8"),
            object_pairs_hook=no_duplicate_members,
            parse_constant=refuse_constant,
        )
    except (binascii.Error, UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise InvalidToken("malformed", "segment is not a JSON object") from exc
    if not isinstance(value, dict):
        raise InvalidToken("malformed", "segment is not a JSON object")
    return value


def parse_compact(token: object, max_bytes: int) -> CompactJws:
    """Split and decode a compact JWS; the signature is checked later by the verifier."""
    if not isinstance(token, str) or not token:
        raise InvalidToken("missing")
    if len(token) > max_bytes:
        raise InvalidToken("oversized")
    if not token.isascii():
        raise InvalidToken("malformed", "token is not ASCII")
    segments = token.split(".")
    if len(segments) == 5:
        raise InvalidToken("malformed", "encrypted tokens (JWE) are not accepted")
    if len(segments) != 3:
        raise InvalidToken("malformed", "a JWS has three segments")
    header = decode_json_segment(segments[0])
    payload = decode_json_segment(segments[1])
    if not _B64URL.fullmatch(segments[2]) or len(segments[2]) % 4 == 1:
        raise InvalidToken("malformed", "signature is not base64url")
    signature = base64.urlsafe_b64decode(segments[2] + "=" * (-len(segments[2]) % 4))
    if "crit" in header:
        raise InvalidToken("malformed", "critical header extensions are not supported")
    if not isinstance(header.get("alg"), str):
        raise InvalidToken("malformed", "header has no alg")
    signing_input = f"{segments[0]}.{segments[1]}".encode("ascii")
    return CompactJws(header, payload, signing_input, signature)
