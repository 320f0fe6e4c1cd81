"""A ``PATCH /api/v1/citizens/me`` body, read against the mapping: a JSON merge patch (RFC 7396)
with two members, ``contact`` and ``preferences``.

Each field is checked the way a submission's citizen is (models: ``clean_text``,
``email_address``, ``phone_to_e164``): no control or bidirectional characters, the column's
length, the format the mapping names. ``null`` (or an empty string) clears a contact field and
resets a preference to its default. A certified claim (``certified = true`` in the mapping) of
a citizen FranceConnect vouched for, under ``contact`` or ``certified``, is refused with
``certified_field`` naming it (a citizen who typed them may change them); anything
unknown with ``extra_forbidden``. Errors name the field and the rule, never the value.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, get_args

from cityzen_connector.mapping import ProfileField, ProfileMapping
from cityzen_connector.models import (
    MAX_FIELD_ERRORS,
    FieldError,
    NotificationPreferences,
    clean_text,
    email_address,
    phone_to_e164,
)

from ._errors import CertifiedFieldError, InvalidProfileError

__all__ = ["ProfilePatchInput", "read_patch"]

# Postal codes of France (5 digits) and of the places citizens move to: letters, digits, one
# space or hyphen between groups (UPU formats stay within 10 characters).
_POSTAL = re.compile(r"^[A-Za-z0-9]{1,10}([ -][A-Za-z0-9]{1,10})?$")
_TOP = ("contact", "preferences")
_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")


@dataclass(frozen=True)
class ProfilePatchInput:
    contact: Mapping[str, str | None]
    preferences: Mapping[str, str | None]

    @property
    def empty(self) -> bool:
        return not self.contact and not self.preferences


def read_patch(
    document: Any, mapping: ProfileMapping, *, certified_identity: bool = True
) -> ProfilePatchInput:
    """``certified_identity``: FranceConnect certified the citizen's names and birth data (their
    contact has a pivot key); if not, they typed them, and may change them."""
    errors: list[FieldError] = []
    certified: list[FieldError] = []
    if not isinstance(document, dict):
        raise InvalidProfileError("not an object", [_error("", "model_type", "a JSON object")])
    for name in document:
        if name == "certified":
            inner = document[name]
            names = inner if isinstance(inner, dict) else {}
            certified += [_certified(f"certified.{n}") for n in names] or [_certified(name)]
        elif name not in _TOP:
            errors.append(_error(name, "extra_forbidden", "contact and preferences only"))
    contact = _section(document.get("contact"), "contact", errors)
    preferences = _section(document.get("preferences"), "preferences", errors)
    changes: dict[str, str | None] = {}
    for name, value in contact.items():
        where = f"contact.{name}"
        spec = mapping.field(name)
        if spec is not None and spec.certified and certified_identity:
            certified.append(_certified(where))
        elif spec is None:
            errors.append(_error(where, "extra_forbidden", "not a field of the record"))
        else:
            checked = _value(spec, value, where, errors)
            if checked is not _INVALID:
                changes[name] = checked  # type: ignore[assignment]
    chosen = _preferences(preferences, errors)
    if certified:
        raise CertifiedFieldError("certified field", (certified + errors)[:MAX_FIELD_ERRORS])
    if errors:
        raise InvalidProfileError("invalid patch", errors[:MAX_FIELD_ERRORS])
    return ProfilePatchInput(changes, chosen)


_INVALID = object()


def _section(raw: Any, name: str, errors: list[FieldError]) -> Mapping[str, Any]:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        errors.append(_error(name, "model_type", "a JSON object"))
        return {}
    return raw


def _value(  # noqa: PLR0911 - one exit per rule, in the order they are checked
    spec: ProfileField, value: Any, where: str, errors: list[FieldError]
) -> object:
    if value is None:
        return None
    if not isinstance(value, str):
        errors.append(_error(where, "string_type", "a string or null"))
        return _INVALID
    # The length is checked on what was sent too: a megabyte of spaces is not trimmed for free.
    if len(value) > 4 * spec.max_length:
        errors.append(_error(where, "string_too_long", f"at most {spec.max_length} characters"))
        return _INVALID
    try:
        text = clean_text(value, multiline=False)
    except ValueError:
        errors.append(_error(where, "invalid_text", "no control or invisible characters"))
        return _INVALID
    if not text:
        return None
    if len(text) > spec.max_length:
        errors.append(_error(where, "string_too_long", f"at most {spec.max_length} characters"))
        return _INVALID
    try:
        if spec.format == "email":
            return email_address(text).lower()
        if spec.format == "phone":
            return phone_to_e164(text)
    except ValueError:
        code = "invalid_email" if spec.format == "email" else "invalid_phone"
        errors.append(_error(where, code, f"a valid {spec.format}"))
        return _INVALID
    if spec.format == "date" and not _is_date(text):
        errors.append(_error(where, "invalid_date", "a date, YYYY-MM-DD"))
        return _INVALID
    if spec.format == "option" and text not in (spec.options or {}):
        allowed = ", ".join(sorted(spec.options or {}))
        errors.append(_error(where, "literal_error", f"one of {allowed}"))
        return _INVALID
    if spec.format == "postal_code" and not _POSTAL.match(text):
        errors.append(_error(where, "invalid_postal_code", "letters and digits, 10 at most"))
        return _INVALID
    return text


def _is_date(text: str) -> bool:
    if not _DATE.match(text):
        return False
    try:
        day = date.fromisoformat(text)
    except ValueError:
        return False
    return day.year >= 1900  # a birth date Dynamics 365's date column holds


def _preferences(raw: Mapping[str, Any], errors: list[FieldError]) -> dict[str, str | None]:
    chosen: dict[str, str | None] = {}
    fields = NotificationPreferences.model_fields
    for name, value in raw.items():
        where = f"preferences.{name}"
        if name not in fields:
            errors.append(_error(where, "extra_forbidden", ", ".join(fields)))
            continue
        allowed = get_args(fields[name].annotation)
        if value is None or value in allowed:
            chosen[name] = value
        else:
            errors.append(_error(where, "literal_error", "one of " + ", ".join(allowed)))
    return chosen


def _certified(where: str) -> FieldError:
    return _error(where, "certified", "certified by the identity provider: read only")


def _error(where: str, code: str, rule: str) -> FieldError:
    return FieldError.of(where or "body", code, rule)
