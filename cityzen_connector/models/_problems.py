"""Turn a pydantic ``ValidationError`` into field problems that are safe to return and log.

pydantic's ``errors()`` carries the rejected ``input`` and its ``str()`` may embed it; both can
hold personal data (names, e-mail, ``sub``). These problems keep the location, the error type
and pydantic's message only, which never contains the value for the constraints we use.
"""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import ValidationError


@dataclass(frozen=True)
class FieldProblem:
    """One invalid field: ``location`` like ``citizen.email`` or ``attachments.0.size``."""

    location: str
    code: str
    message: str


_MAX_PART = 64


def _part(part: object) -> str:
    # A location may contain a dictionary key the caller chose: keep it short and printable.
    text = "".join(ch if ch.isprintable() else "?" for ch in str(part))
    return text if len(text) <= _MAX_PART else text[: _MAX_PART - 1] + "…"


def field_problems(error: ValidationError) -> tuple[FieldProblem, ...]:
    return tuple(
        FieldProblem(
            location=".".join(_part(part) for part in item["loc"]) or "(body)",
            code=item["type"],
            message=item["msg"],
        )
        for item in error.errors(include_input=False, include_url=False, include_context=False)
    )
