"""Sub-themes as GeoReport services, their forms as service definitions, and form values back.

A service is a sub-theme: ``service_code`` is ``theme.sub_theme`` (both codes are
``[a-z][a-z0-9_-]*``, so the dot is unambiguous), ``group`` the theme's title ("GET Service
List": group, keywords). Every service is ``realtime`` and has ``metadata`` when its form has
fields. Each form field is an attribute ("GET Service Definition"): text → ``string``, number
→ ``number``, date → ``datetime`` (its day is kept), choice → ``singlevaluelist``, boolean →
``singlevaluelist`` of ``true`` / ``false``. Values read back are checked by the same form
validation as the portal's (``ThemeCatalog.validate_fields``, through ``submit``).
"""

from __future__ import annotations

import re
from datetime import datetime

from cityzen_connector.models import (
    FormField,
    FormValue,
    Open311Attribute,
    Open311Service,
    Open311ServiceDefinition,
    Open311Value,
    Theme,
)

_CODE = re.compile(r"^([a-z][a-z0-9_-]{0,63})\.([a-z][a-z0-9_-]{0,63})$")
_NUMBER = re.compile(r"^-?[0-9]{1,15}(\.[0-9]{1,15})?$")
_DATATYPES = {
    "text": "string",
    "number": "number",
    "date": "datetime",
    "choice": "singlevaluelist",
    "boolean": "singlevaluelist",
}


def split_code(service_code: str) -> tuple[str, str] | None:
    found = _CODE.match(service_code)
    return (found.group(1), found.group(2)) if found else None


def services(tree: tuple[Theme, ...]) -> list[Open311Service]:
    return [
        Open311Service(
            service_code=f"{theme.code}.{sub.code}",
            service_name=sub.title,
            description=sub.title,
            metadata=bool(sub.fields),
            type="realtime",
            keywords=", ".join((theme.title, sub.title)),
            group=theme.title,
        )
        for theme in tree
        for sub in theme.sub_themes
    ]


def _describe(field: FormField) -> str:
    if field.type == "date":
        return "A date: YYYY-MM-DD (a W3C date and time is read as its day)."
    if field.type == "number":
        bounds = [
            f"{name} {value:g}"
            for name, value in (("min", field.minimum), ("max", field.maximum))
            if value is not None
        ]
        return "A number" + (f" ({', '.join(bounds)})." if bounds else ".")
    if field.type == "text" and field.max_length:
        return f"Text, {field.max_length} characters at most."
    return "One of the values." if field.type in ("choice", "boolean") else "Text."


def _values(field: FormField) -> tuple[Open311Value, ...]:
    if field.type == "boolean":
        return (Open311Value(key="true", name="Oui"), Open311Value(key="false", name="Non"))
    return tuple(Open311Value(key=choice, name=choice) for choice in field.choices)


def definition(service_code: str, fields: tuple[FormField, ...]) -> Open311ServiceDefinition:
    return Open311ServiceDefinition(
        service_code=service_code,
        attributes=tuple(
            Open311Attribute(
                variable=True,
                code=field.name,
                datatype=_DATATYPES[field.type],
                required=field.required,
                datatype_description=_describe(field),
                order=order,
                description=field.label,
                values=_values(field),
            )
            for order, field in enumerate(fields, start=1)
        ),
    )


def _boolean(given: str) -> FormValue:
    return {"true": True, "false": False}.get(given.strip().lower(), given)


def _number(given: str) -> FormValue:
    if not _NUMBER.match(given.strip()):
        return given
    number = float(given)
    return int(number) if "." not in given else number


def _date(given: str) -> FormValue:
    """A day, or a W3C date and time read as its day."""
    text = given.strip()
    if len(text) <= 10:
        return text
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).date().isoformat()
    except ValueError:
        return given


_READERS = {"boolean": _boolean, "number": _number, "date": _date}


def form_value(field: FormField | None, given: str) -> FormValue:
    """A posted attribute as the portal's form value; what cannot be read stays text, so the
    form validation names the field and its rule."""
    reader = _READERS.get(field.type) if field is not None else None
    return reader(given) if reader is not None else given
