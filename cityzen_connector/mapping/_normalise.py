"""Normalisers a column expression may apply, by name, in order (``normalise = ["trim"]``)."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

from cityzen_connector.models import phone_to_e164

from ._errors import PlanError


def _trim(value: str) -> str:
    return value.strip()


def _collapse_spaces(value: str) -> str:
    return re.sub(r"\s+", " ", value).strip()


def _lower_email(value: str) -> str:
    # Mailbox local parts are case-sensitive in theory (RFC 5321 §2.4) but no French provider
    # treats them so; lower-casing makes look-alike matching and de-duplication reliable.
    return value.strip().lower()


def _phone_e164(value: str) -> str:
    try:
        return phone_to_e164(value)
    except ValueError as exc:
        raise PlanError("invalid_phone", "a phone number cannot be written as E.164") from exc


NORMALISERS: Mapping[str, Callable[[str], str]] = {
    "trim": _trim,
    "collapse_spaces": _collapse_spaces,
    "lower": str.lower,
    "upper": str.upper,
    "lower_email": _lower_email,
    "phone_e164": _phone_e164,
}


def apply_normalisers(names: tuple[str, ...], value: str) -> str:
    for name in names:
        value = NORMALISERS[name](value)
    return value
