"""The POST bodies: ``application/x-www-form-urlencoded`` as GeoReport v2 sends them.

"POST Service Request": arguments as form fields, attributes as ``attribute[code]`` and, for a
multivaluelist, ``attribute[code][]`` repeated. The body is refused before it is parsed when it
is larger than ``MAX_FORM_BYTES``, has more than ``MAX_FORM_FIELDS`` fields (``parse_qsl``'s
own limit, so a flood of fields is never even split), is not UTF-8 once percent-decoded
("Encoding": UTF-8 is required everywhere), or gives a plain argument twice (``media_url``
excepted: FixMyStreet repeats it for several photos).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import parse_qsl

from .._http import ApiRequest
from ._errors import GeoReportError

FORM = "application/x-www-form-urlencoded"
MAX_FORM_BYTES = 64 * 1024
MAX_FORM_FIELDS = 100
MAX_VALUE_CHARS = 4000
# FixMyStreet with "multi photos" sends every photo's URL as media_url (Open311.pm: an array
# value, form-encoded as the name repeated); the first is the request's media_url.
REPEATABLE = frozenset({"media_url"})
_ATTRIBUTE = re.compile(r"^attribute\[([^\[\]]{1,64})\](\[\])?$")


@dataclass(frozen=True)
class Form:
    """Plain arguments (each once) and attributes (a list when given as ``[]``); ``not_text``
    names the fields whose value is no text (refused by ``check_text``, once the key is)."""

    values: Mapping[str, str] = field(repr=False)
    attributes: Mapping[str, str | list[str]] = field(repr=False)
    not_text: tuple[str, ...] = ()
    repeated: Mapping[str, tuple[str, ...]] = field(default_factory=dict, repr=False)

    def get(self, name: str) -> str | None:
        value = self.values.get(name)
        return value if value not in (None, "") else None

    def every(self, name: str) -> tuple[str, ...]:
        """Each non-empty value of a ``REPEATABLE`` argument, in the order sent."""
        return tuple(v for v in self.repeated.get(name, ()) if v != "")

    def check_text(self) -> None:
        if self.not_text:
            rule = f"text of {MAX_VALUE_CHARS} characters at most, no control characters"
            raise GeoReportError(
                "invalid_parameter", *(f"{name}: {rule}" for name in self.not_text)
            )


def _pairs(request: ApiRequest) -> list[tuple[str, str]]:
    if len(request.body) > MAX_FORM_BYTES:
        raise GeoReportError("payload_too_large", f"the body exceeds {MAX_FORM_BYTES} bytes")
    kind, _, params = (request.headers.get("content-type") or "").partition(";")
    charset = re.search(r"charset\s*=\s*\"?([\w-]+)", params, re.IGNORECASE)
    if kind.strip().lower() != FORM or (charset and charset.group(1).lower() != "utf-8"):
        raise GeoReportError("unsupported_media_type", f"send {FORM} in UTF-8")
    try:
        text = request.body.decode("utf-8")
        return parse_qsl(
            text, keep_blank_values=True, max_num_fields=MAX_FORM_FIELDS, errors="strict"
        )
    except UnicodeDecodeError:
        raise GeoReportError("invalid_parameter", "the form is not UTF-8") from None
    except ValueError:
        raise GeoReportError("payload_too_large", f"more than {MAX_FORM_FIELDS} fields") from None


def read_form(request: ApiRequest, allowed: frozenset[str]) -> Form:
    """The form, or ``GeoReportError``; ``allowed``: the plain arguments this method takes."""
    values: dict[str, str] = {}
    attributes: dict[str, str | list[str]] = {}
    problems: list[str] = []
    not_text: list[str] = []
    repeated: dict[str, list[str]] = {}
    for name, value in _pairs(request):
        shown = name[:64] if name.isprintable() else "(a field name)"
        if len(value) > MAX_VALUE_CHARS or not _is_text(value):
            not_text.append(shown)
        found = _ATTRIBUTE.match(name)
        if found is not None:
            code, many = found.group(1), found.group(2)
            previous = attributes.get(code)
            if many:
                attributes[code] = [*(previous if isinstance(previous, list) else []), value]
            elif previous is not None:
                problems.append(f"attribute[{code}]: given more than once")
            else:
                attributes[code] = value
        elif name not in allowed:
            problems.append(f"{shown}: not an argument of this method")
        elif name in REPEATABLE:
            repeated.setdefault(name, []).append(value)
            values.setdefault(name, value)
        elif name in values:
            problems.append(f"{name}: given more than once")
        else:
            values[name] = value
    if problems:
        raise GeoReportError("invalid_parameter", *problems)
    lists = {name: tuple(given) for name, given in repeated.items()}
    return Form(values, attributes, tuple(not_text), lists)


def _is_text(value: str) -> bool:
    """Line breaks and tabs are text in a description; other control characters are not."""
    return all(ch.isprintable() or ch in "\r\n\t" for ch in value)
