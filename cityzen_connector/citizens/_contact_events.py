"""An agent changed a citizen's contact in Dynamics 365: the portal's copy follows.

The contact's Update step (``sync.contact_step``, registered by ``register-events``) posts to the
case-events queue, filtered on the profile's columns, with a post-image ``profile`` of those
columns, the key and ``versionnumber`` ("Entity images",
https://learn.microsoft.com/power-apps/developer/data-platform/understand-the-data-context#entity-images).
The case-events worker hands it here (``CaseEventPorts.tables``). A post-image lists the
columns that hold a value: one registered and absent was cleared. Without an image (trimmed
past 192 KB) the Target says what changed. Only a copy that exists is updated: a citizen who
never read their record gets it fresh from Dataverse on their first read. The row version
orders events: a late one never overwrites a newer copy.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from cityzen_connector.cases import (
    CaseEventResult,
    InvalidCaseEvent,
    RemoteContext,
    wcf_date,
)
from cityzen_connector.mapping import ProfileField
from cityzen_connector.store import PreconditionFailedError

from ._profiles import Profiles
from ._record import value_from_row

__all__ = ["ContactEvents"]

_LOG = logging.getLogger("cityzen_connector.citizens.events")


class ContactEvents:
    """``CaseEventPorts.tables[contact table]``."""

    def __init__(self, profiles: Profiles, *, logger: logging.Logger = _LOG) -> None:
        self._profiles = profiles
        self._log = logger

    @property
    def table(self) -> str:
        return self._profiles.mapping.table

    def __call__(self, context: RemoteContext) -> CaseEventResult:
        if context.message_name != "Update":
            return CaseEventResult("ignored", "other_message")
        contact_id = context.primary_entity_id
        images = [i.value for i in context.post_images if i.value.id == contact_id]
        target = context.target()
        if not images and target is None:
            return CaseEventResult("ignored", "no_contact_data")
        raw: dict[str, Any] = dict(target.values()) if target is not None else {}
        for image in images:
            raw.update(image.values())
        values = self._values(raw, whole=bool(images))
        version = raw.get("versionnumber")
        if version is not None and (not isinstance(version, int) or isinstance(version, bool)):
            raise InvalidCaseEvent("malformed", "versionnumber: not a whole number")
        for _ in range(5):
            record, etag = self._profiles.stored(contact_id)
            if record is None:
                return CaseEventResult("ignored", "no_profile_copy")
            if version is not None and record.version is not None and version <= record.version:
                return CaseEventResult("duplicate", "contact")
            try:
                self._profiles.save(record.with_values(values, version), if_match=etag)
            except PreconditionFailedError:
                continue
            # Field names only: the values are personal data.
            self._log.info("contact %s changed in Dynamics 365: %s", contact_id, ", ".join(values))
            return CaseEventResult("recorded", "contact")
        raise PreconditionFailedError("a profile copy kept changing")

    def _values(self, raw: Mapping[str, Any], *, whole: bool) -> dict[str, str | None]:
        values: dict[str, str | None] = {}
        for spec in self._profiles.mapping.fields:
            if spec.column in raw:
                values[spec.name] = _value(spec, raw[spec.column])
            elif whole:
                values[spec.name] = None
        return values


def _value(spec: ProfileField, raw: object) -> str | None:
    if raw is not None and not isinstance(raw, str | int | Mapping):
        raise InvalidCaseEvent("malformed", f"{spec.column}: not a column value")
    if spec.format == "date" and isinstance(raw, str) and raw.startswith("/Date("):
        return wcf_date(raw, spec.column).date().isoformat()
    if isinstance(raw, str) and len(raw) > 4 * spec.max_length:
        raise InvalidCaseEvent("malformed", f"{spec.column}: longer than the column")
    return value_from_row(spec, raw)
