"""Tables whose reference lists no Create, Update or Delete message refuse them.

"Sdk Message (SdkMessage) table/entity reference" and "Sdk Message Filter (SdkMessageFilter)
table/entity reference" (Microsoft Learn, power-apps/developer/data-platform/reference/
entities/sdkmessage, …/sdkmessagefilter) list only Associate, Disassociate, Retrieve and
RetrieveMultiple: the platform owns those rows. ``schema.json`` gives such a table its
``messages``; a write to it is SdkEntityDoesNotSupportMessage (0x80040800).
"""

from __future__ import annotations

from cityzen_connector.emulator import _error_catalogue as err
from cityzen_connector.emulator._schema import Entity

_WRITES = {"POST": "Create", "PATCH": "Update", "PUT": "Update", "DELETE": "Delete"}


def check_message(entity: Entity, method: str) -> None:
    """Refuse a record write the table does not support."""
    message = _WRITES.get(method)
    if entity.messages is not None and message is not None and message not in entity.messages:
        raise err.message_not_supported(message, entity.logical_name)
