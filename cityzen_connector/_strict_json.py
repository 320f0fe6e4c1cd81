"""Strict JSON reading shared by every entry point that parses untrusted JSON.

Python's ``json`` keeps the last of duplicate member names and accepts ``NaN`` / ``Infinity``;
both are ambiguities an attacker can use (RFC 8259 section 4: names SHOULD be unique; a token
with ``exp: Infinity`` would never expire). These hooks turn both into ``ValueError``.
"""

from __future__ import annotations

from typing import Any


def no_duplicate_members(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """``object_pairs_hook`` that refuses a repeated member name."""
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise ValueError("duplicate member name")
        result[key] = value
    return result


def refuse_constant(name: str) -> Any:
    """``parse_constant`` hook that refuses NaN, Infinity and -Infinity."""
    raise ValueError(f"non-standard JSON constant {name}")
