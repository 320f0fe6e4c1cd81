"""The POST bodies: ``application/x-www-form-urlencoded`` as GeoReport v2 sends them.

"POST Service Request": arguments as form fields, attributes as ``attribute[code]`` and, for a
multivaluelist, ``attribute[code][]`` repeated. The body is refused before it is parsed when it
is larger than ``MAX_FORM_BYTES``, has more than ``MAX_FORM_FIELDS`` fields (``parse_qsl``'s
own limit, so a flood of fields is never even split), is not UTF-8 once percent-decoded
("Encoding": UTF-8 is required everywhere), or gives a plain argument twice.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import parse_qsl

from .._http import ApiRequest

FORM = "application/x-www-form-urlencoded"
MAX_FORM_BYTES = 64 * 1024
MAX_FORM_FIELDS = 100
MAX_VALUE_CHARS = 4000
_ATTRIBUTE = re.compile(r"^attribute\[([^\[\]]{1,64})\](\[\])?$")


class FormError(ValueError):
    """The body cannot be read: a catalogue code and details naming fields, never values."""

    def __init__(self, code: str, *details: str) -> None:
        self.code = code
        self.details = details or ("",)
        super().__init__(code)


@dataclass(frozen=True)
class Form:
    """Plain arguments (each once) and attributes (a list when given as ``[]``)."""

    values: Mapping[str, str] = field(repr=False)
    attributes: Mapping[str, str | list[str]] = field(repr=False)

    def get(self, name: str) -> str | None:
        value = self.values.get(name)
        return value if value not in (None, "") else None


def read_form(request: ApiRequest, allowed: frozenset[str]) -> Form:
    """The form, or ``FormError``; ``allowed``: the plain arguments this method takes."""
    if len(request.body) > MAX_FORM_BYTES:
        raise FormError("payload_too_large", f"the body exceeds {MAX_FORM_BYTES} bytes")
    kind, _, params = (request.headers.get("content-type") or "").partition(";")
    charset = re.search(r"charset\s*=\s*\"?([\w-]+)", params, re.IGNORECASE)
    if kind.strip().lower() != FORM or (charset and charset.group(1).lower() != "utf-8"):
        raise FormError("unsupported_media_type", f"send {FORM} in UTF-8")
    try:
        text = request.body.decode("utf-8")
        pairs = parse_qsl(
            text, keep_blank_values=True, max_num_fields=MAX_FORM_FIELDS, errors="strict"
        )
    except UnicodeDecodeError:
        raise FormError("invalid_parameter", "the form is not UTF-8") from None
    except ValueError:
        raise FormError("payload_too_large", f"more than {MAX_FORM_FIELDS} fields") from None
    values: dict[str, str] = {}
    attributes: dict[str, str | list[str]] = {}
    problems: list[str] = []
    for name, value in pairs:
        shown = name[:64] if name.isprintable() else "(a field name)"
        if len(value) > MAX_VALUE_CHARS or (not value.isprintable() and not _is_text(value)):
            problems.append(f"{shown}: not text of {MAX_VALUE_CHARS} characters at most")
            continue
        found = _ATTRIBUTE.match(name)
        if found is not None:
            code, many = found.group(1), found.group(2)
            previous = attributes.get(code)
            if many:
                listed = previous if isinstance(previous, list) else []
                attributes[code] = [*listed, value]
            elif previous is not None:
                problems.append(f"attribute[{code}]: given more than once")
            else:
                attributes[code] = value
        elif name not in allowed:
            problems.append(f"{shown}: not an argument of this method")
        elif name in values:
            problems.append(f"{name}: given more than once")
        else:
            values[name] = value
    if problems:
        raise FormError("invalid_parameter", *problems)
    return Form(values, attributes)


def _is_text(value: str) -> bool:
    """Line breaks and tabs are text in a description; other control characters are not."""
    return all(ch.isprintable() or ch in "\r\n\t" for ch in value)
