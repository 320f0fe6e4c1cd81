"""The conversation on a request: agents' messages in from the case-events queue, the thread in
the state store, the portal told (docs/cases.md, "The conversation").

``message_of(context)`` reads the Create of a row of the conversation table
(``mapping.CONVERSATION``, a custom activity): a ``ThreadMessage`` only when the post-image
says ``cz_direction`` 2 (to the citizen) **and** ``cz_visibletocitizen`` true, regarding a
case; ``Ignored`` otherwise (fail closed: an unticked box, a citizen's own message the
connector wrote, a row on no case never flow out). Notes and other activities are other tables:
the worker never hands them here.

``CaseThreads`` keeps each message once, in partition ``case-messages-<case id>`` under a key
that sorts as the thread reads (``createdon``, then ``versionnumber``: ``createdon`` has
one-second precision), so reading the thread is one partition query. A message on a case we
do not know yet is kept the same way: the case id is the key, as for status events. The
webhook ``request.message_created`` is published before the write with an id derived from the
row, as ``CaseHistory`` does: a crash in between publishes the same id again, never a lost one.
The text is kept (the citizen reads it); it is never logged nor put in the webhook.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any, Literal

from cityzen_connector.mapping import CONVERSATION, ConversationTable
from cityzen_connector.store import PreconditionFailedError, StateStore

from ._events import Ignored
from ._history import CaseHistory
from ._notes import MessageNotes
from ._webhook import WebhookEvent, WebhookOutbox
from ._wire import RemoteContext, entity_ref, guid_value, int_value, option_value, text_value
from ._wire import wcf_date as _wcf_date

__all__ = [
    "MESSAGE_CREATED",
    "CaseThreads",
    "Direction",
    "ThreadMessage",
    "citizen_partition",
    "message_event",
    "message_of",
    "thread_partition",
]

MESSAGE_CREATED = "request.message_created"
Direction = Literal["to_citizen", "from_citizen"]


def thread_partition(case_id: uuid.UUID) -> str:
    return f"case-messages-{case_id}"


def citizen_partition(request_id: uuid.UUID) -> str:
    """The citizen's own messages, kept by request: one may be sent while the request is still
    queued, before it has a case."""
    return f"request-messages-{request_id}"


@dataclass(frozen=True)
class ThreadMessage:
    """One message of a thread; ``row_id`` is the conversation row's ``activityid``."""

    row_id: uuid.UUID  # a citizen's message: the portal's message id (cz_messageid)
    case_id: uuid.UUID | None  # a citizen's message: None (kept by request)
    direction: Direction
    created_at: datetime
    version: int | None
    text: str
    subject: str | None = None
    message_id: str | None = None  # the portal's id of a citizen's message (cz_messageid)
    attachments: tuple[Mapping[str, Any], ...] = ()  # name, type, size of each file

    @property
    def sort_key(self) -> str:
        """Oldest first: createdon (ms), then the row version, then the row (a tie-break)."""
        millis = int(self.created_at.timestamp() * 1000)
        return f"{millis:013d}-{self.version or 0:020d}-{self.row_id}"

    def to_json(self) -> dict[str, Any]:
        return {
            "row_id": str(self.row_id),
            "case_id": str(self.case_id) if self.case_id else None,
            "direction": self.direction,
            "created_at": self.created_at.isoformat(),
            "version": self.version,
            "text": self.text,
            "subject": self.subject,
            "message_id": self.message_id,
            "attachments": [dict(a) for a in self.attachments],
        }

    @classmethod
    def from_json(cls, value: Mapping[str, Any]) -> ThreadMessage:
        direction: Direction = (
            "from_citizen" if value.get("direction") == "from_citizen" else ("to_citizen")
        )
        return cls(
            row_id=uuid.UUID(value["row_id"]),
            case_id=uuid.UUID(value["case_id"]) if value.get("case_id") else None,
            direction=direction,
            created_at=datetime.fromisoformat(value["created_at"]),
            version=value.get("version"),
            text=str(value.get("text") or ""),
            subject=value.get("subject"),
            message_id=value.get("message_id"),
            attachments=tuple(value.get("attachments") or ()),
        )


def message_of(
    context: RemoteContext, table: ConversationTable = CONVERSATION
) -> ThreadMessage | Ignored:
    """The agent's message a Create of the conversation table says, when it is for the citizen."""
    if context.primary_entity_name != table.table:
        return Ignored("other_table")
    if context.message_name != "Create":
        return Ignored("other_message")
    target = context.target()
    values: dict[str, Any] = dict(target.values()) if target is not None else {}
    for image in context.post_images:
        if image.value.id == context.primary_entity_id:
            values.update(image.value.values())
    if not values:
        return Ignored("no_case_data")
    direction = option_value(values.get(table.direction), table.direction)
    visible = values.get(table.visible)
    message_id = text_value(
        values.get(table.message_id), table.message_id, max_length=table.message_id_max_length
    )
    echo = direction == table.from_citizen and _portal_id(message_id) is not None
    if not echo and (direction != table.to_citizen or visible is not True):
        return Ignored("not_for_citizen")  # fail closed: only a ticked message to the citizen
    case = entity_ref(values.get("regardingobjectid"), "regardingobjectid")
    if case is None or case.logical_name != "incident":
        return Ignored("not_on_a_case")
    created = values.get("createdon")
    row = guid_value(values.get(table.primary_id), table.primary_id) or context.primary_entity_id
    return ThreadMessage(
        # A citizen's message keeps the portal's id: the one its POST answered.
        row_id=_portal_id(message_id) or row if echo else row,
        case_id=case.id,
        direction="from_citizen" if echo else "to_citizen",
        created_at=_wcf_date(created, "createdon") if created else context.operation_time,
        version=int_value(values.get("versionnumber"), "versionnumber"),
        text=text_value(values.get(table.text), table.text, max_length=table.text_max_length) or "",
        subject=text_value(
            values.get(table.subject), table.subject, max_length=table.subject_max_length
        ),
        message_id=message_id,
    )


def _portal_id(text: str | None) -> uuid.UUID | None:
    try:
        return uuid.UUID(text) if text else None
    except ValueError:
        return None


@dataclass(frozen=True)
class Recorded:
    placement: Literal["recorded", "duplicate"]
    event: WebhookEvent | None = None


class CaseThreads:
    def __init__(
        self,
        store: StateStore,
        outbox: WebhookOutbox,
        history: CaseHistory,
        *,
        clock: Callable[[], datetime],
        retention: timedelta,
        table: ConversationTable = CONVERSATION,
        notes: MessageNotes | None = None,
    ) -> None:
        self._store, self._outbox, self._history = store, outbox, history
        self._clock, self._retention = clock, retention
        self.table = table
        self.notes = notes  # an agent's files (None: listed as none, never served)

    def record(self, message: ThreadMessage) -> Recorded:
        """Keep ``message`` once (its row decides) and tell the portal."""
        case_id = message.case_id
        assert case_id is not None  # an agent's message is on a case
        partition, key = thread_partition(case_id), message.sort_key
        if self._store.get(partition, key) is not None:
            return Recorded("duplicate")
        if self.notes is not None:
            # The files an agent attached: notes on the row, written in its change set.
            message = replace(message, attachments=tuple(self.notes.files_of(message.row_id)))
        event = message_event(message, self._request_of(case_id))
        case = self._history.get(case_id)
        event = replace(event, contact_id=case.contact_id if case is not None else None)
        self._outbox.publish(event)
        try:
            self._store.put(
                partition,
                key,
                message.to_json(),
                create_only=True,
                expires_at=self._clock() + self._retention,
            )
        except PreconditionFailedError:
            return Recorded("duplicate")  # another delivery of the same row won the race
        return Recorded("recorded", event)

    def confirm_citizen(self, message: ThreadMessage) -> Recorded:
        """The citizen's message as Dataverse wrote it (its Create came back through the
        case-events queue): kept under the case by ``createdon`` and row version, the same
        order as the case's timeline, and the copy kept at acceptance dropped. No webhook: the
        portal sent it."""
        assert message.case_id is not None
        partition, key = thread_partition(message.case_id), message.sort_key
        if self._store.get(partition, key) is not None:
            return Recorded("duplicate")
        request_id = self._request_of(message.case_id)
        pending = [
            found
            for found in (self._store.query(citizen_partition(request_id)) if request_id else [])
            if found.value.get("row_id") == str(message.row_id)
        ]
        if pending:  # the files the citizen sent, as the API accepted them
            files = pending[0].value.get("attachments") or ()
            message = replace(message, attachments=tuple(files))
        try:
            self._store.put(
                partition,
                key,
                message.to_json(),
                create_only=True,
                expires_at=self._clock() + self._retention,
            )
        except PreconditionFailedError:
            return Recorded("duplicate")
        for found in pending:
            self._store.delete(found.partition, found.key)
        return Recorded("recorded")

    def record_citizen(self, request_id: uuid.UUID, message: ThreadMessage) -> None:
        """Keep the citizen's own message (accepted, on its way to the case); the portal
        knows of it (it sent it): no webhook."""
        self._store.put(
            citizen_partition(request_id),
            message.sort_key,
            message.to_json(),
            expires_at=self._clock() + self._retention,
        )

    def thread(
        self, case_id: uuid.UUID | None, request_id: uuid.UUID | None = None
    ) -> list[ThreadMessage]:
        """The case's messages and the citizen's on the request, oldest first."""
        records = self._store.query(thread_partition(case_id)) if case_id else []
        if request_id is not None:
            confirmed = {r.value.get("row_id") for r in records}
            pending = self._store.query(citizen_partition(request_id))
            records += [r for r in pending if r.value.get("row_id") not in confirmed]
        records.sort(key=lambda r: r.key)
        return [ThreadMessage.from_json(r.value) for r in records]

    def _request_of(self, case_id: uuid.UUID) -> uuid.UUID | None:
        record = self._history.get(case_id)
        return record.submission_id if record is not None else None


def message_event(message: ThreadMessage, request_id: uuid.UUID | None) -> WebhookEvent:
    """``request.message_created``: ids, direction and time; no text, no personal data."""
    digest = hashlib.sha256(f"{message.case_id}:message:{message.row_id}".encode()).hexdigest()
    return WebhookEvent(
        id=f"msg_{digest[:32]}",
        type=MESSAGE_CREATED,
        timestamp=message.created_at,
        data={
            "request_id": str(request_id) if request_id else None,
            "case_id": str(message.case_id) if message.case_id else None,
            "message_id": str(message.row_id),
            "direction": message.direction,
            "created_at": message.created_at.isoformat().replace("+00:00", "Z"),
        },
    )
