"""Instance annotations a client asks for with ``Prefer: odata.include-annotations``.

"Select columns using OData", sections "Formatted values" and "Lookup property data"
(https://learn.microsoft.com/power-apps/developer/data-platform/webapi/query/select-columns):

- ``<property>@OData.Community.Display.V1.FormattedValue``: the label of a choice, yes/no,
  status or status reason column; the primary name of the row a lookup or owner refers to; a
  date in the user's format (the emulator's user reads en-US, in UTC: see docs/emulator.md);
- ``<lookup property>@Microsoft.Dynamics.CRM.lookuplogicalname``: the table of the related row;
- ``<lookup property>@Microsoft.Dynamics.CRM.associatednavigationproperty``: the single-valued
  navigation property that leads to it.

"Compose HTTP requests and handle errors", section "Request annotations"
(https://learn.microsoft.com/power-apps/developer/data-platform/webapi/compose-http-requests-handle-errors#request-annotations):
the preference lists terms separated by commas, ``*`` being a wildcard; the reply echoes what
it applied in ``Preference-Applied``, as the examples show
(``Preference-Applied: odata.include-annotations="OData.Community.Display.V1.FormattedValue"``).
OData 4.0 part 1, section 8.2.8.4: a term prefixed with ``-`` is excluded.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cityzen_connector.emulator._http import Request
from cityzen_connector.emulator._schema import Attribute, Schema
from cityzen_connector.emulator._store import Store

PREFERENCE = "odata.include-annotations"
FORMATTED_VALUE = "OData.Community.Display.V1.FormattedValue"
LOOKUP_TABLE = "Microsoft.Dynamics.CRM.lookuplogicalname"
LOOKUP_NAVIGATION = "Microsoft.Dynamics.CRM.associatednavigationproperty"
# Yes/No labels of a boolean column whose table reference lists none of its own.
_YES_NO = {0: "No", 1: "Yes"}


@dataclass(frozen=True)
class Annotations:
    """The annotations one request asked for."""

    raw: str  # as the client wrote it, echoed in Preference-Applied
    include: tuple[str, ...]
    exclude: tuple[str, ...]

    @classmethod
    def parse(cls, raw: str) -> Annotations:
        terms = [t.strip() for t in raw.split(",") if t.strip()]
        return cls(
            raw,
            tuple(t for t in terms if not t.startswith("-")),
            tuple(t[1:] for t in terms if t.startswith("-")),
        )

    def wants(self, term: str) -> bool:
        if any(_matches(p, term) for p in self.exclude):
            return False
        return any(_matches(p, term) for p in self.include)

    @property
    def applied(self) -> str:
        return f'{PREFERENCE}="{self.raw}"'

    def notes(
        self, schema: Schema, store: Store, attr: Attribute, value: Any, target: str | None
    ) -> Iterator[tuple[str, Any]]:
        """(term, value) of each annotation this property gets, in Dataverse's order."""
        if self.wants(FORMATTED_VALUE):
            formatted = _formatted(schema, store, attr, value, target)
            if formatted is not None:
                yield FORMATTED_VALUE, formatted
        if attr.is_lookup and target is not None:
            if self.wants(LOOKUP_NAVIGATION) and target in attr.targets:
                yield LOOKUP_NAVIGATION, attr.targets[target]
            if self.wants(LOOKUP_TABLE):
                yield LOOKUP_TABLE, target


def requested(req: Request) -> Annotations | None:
    """The annotations the request's Prefer header asks for, if it asks for any."""
    raw = req.prefer().get(PREFERENCE)
    return None if raw is None else Annotations.parse(raw)


def _matches(pattern: str, term: str) -> bool:
    if pattern == "*":
        return True
    if pattern.endswith("*"):  # "Microsoft.PowerApps.CDS.ErrorDetails*", "Microsoft.Dynamics.CRM.*"
        return term.startswith(pattern[:-1])
    return pattern == term


def _formatted(
    schema: Schema, store: Store, attr: Attribute, value: Any, target: str | None
) -> str | None:
    if attr.type in ("Picklist", "State", "Status"):
        return attr.options.get(int(value))
    if attr.type == "Boolean":
        return (attr.options or _YES_NO).get(1 if value else 0)
    if attr.type == "DateTime":
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
        hour = moment.hour % 12 or 12
        suffix = "AM" if moment.hour < 12 else "PM"
        return f"{moment.month}/{moment.day}/{moment.year} {hour}:{moment.minute:02d} {suffix}"
    if attr.type == "DateOnly":
        day = datetime.fromisoformat(str(value))
        return f"{day.month}/{day.day}/{day.year}"
    if attr.is_lookup and target is not None:
        related = schema.by_name.get(target)
        row = store.get(target, str(value)) if related is not None else None
        if related is not None and row is not None:
            name = row.data.get(related.primary_name)
            return None if name is None else str(name)
    return None
