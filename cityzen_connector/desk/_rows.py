"""Small readers the desk's modules share: one row by id or nothing, an id or nothing."""

from __future__ import annotations

import uuid
from typing import Any

from cityzen_connector.dataverse import DataverseClient, NotFoundError


def retrieve_or_none(
    client: DataverseClient, entity_set: str, key: uuid.UUID, columns: tuple[str, ...]
) -> dict[str, Any] | None:
    """The row's ``columns``, or ``None`` when Dataverse has no such row (404)."""
    try:
        return dict(client.retrieve(entity_set, key, select=columns))
    except NotFoundError:
        return None


def uuid_or_none(value: object) -> uuid.UUID | None:
    """A lookup's value as an id, ``None`` when it is empty or not one."""
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None
