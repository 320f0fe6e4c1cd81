"""The ``Notifier`` port (an e-mail or SMS sender) and its embedded backends, chosen by URL.

==================================  ==================================================
``file://folder``                   one JSON file per notification in an owner-only
                                    folder (local default: ``file://.cityzen/notifications``)
``memory://``                       kept in a list (tests, benches)
``none://``                         nothing is sent (the portal notifies from the webhook)
==================================  ==================================================

A notification's id is the webhook event's: the same event told twice (a redelivery) writes
the same file again, never a second one. The file holds the address or phone (personal data):
0600 in a 0700 folder, written whole or not at all (``_private.write_private``). Nothing here
logs an address, a phone or a text.

The folder is the local gateway's outbox, and so the connector's to empty (``KeptNotifications``):
each file says when it was written (``sent_at``); the retention purge deletes those older than
``CITYZEN_RETENTION_DAYS`` (``purge``), an approved erasure those about the erased citizen's
requests and cases (``forget``). A real gateway's sent mail is out of reach: its own retention.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Collection, Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal, Protocol, runtime_checkable

from cityzen_connector._private import private_folder, write_private
from cityzen_connector._types import url_scheme

from ._errors import UnsupportedNotifierUrlError

__all__ = [
    "FolderNotifier",
    "KeptNotifications",
    "MemoryNotifier",
    "NoNotifier",
    "Notification",
    "Notifier",
    "UnsupportedNotifierUrlError",
    "open_notifier",
]

_ID = re.compile(r"^[A-Za-z0-9_.-]{1,100}$")


@dataclass(frozen=True)
class Notification:
    id: str  # the webhook event's id
    kind: Literal["status_changed", "agent_reply"]
    channel: Literal["email", "sms"]
    language: Literal["fr", "en"]
    to: str = field(repr=False)  # an e-mail address or an E.164 phone: personal data
    subject: str
    text: str
    case_id: str | None = None
    request_id: str | None = None


class Notifier(Protocol):
    """Sends one notification. Raising means "not sent": the caller logs it (without the
    address) and the webhook, which carries the channel, still reaches the portal."""

    def send(self, notification: Notification) -> None: ...


@runtime_checkable
class KeptNotifications(Protocol):
    """A notifier that keeps what it sent where the connector can delete it (the local folder)."""

    def forget(self, ids: Collection[str]) -> int:
        """Delete the notifications about these requests or cases; how many went."""
        ...

    def purge(self, older_than: datetime) -> int:
        """Delete the notifications sent before ``older_than``; how many went."""
        ...


class NoNotifier:
    def send(self, notification: Notification) -> None:
        return None


class MemoryNotifier:
    def __init__(self) -> None:
        self.sent: list[Notification] = []

    def send(self, notification: Notification) -> None:
        if all(n.id != notification.id for n in self.sent):
            self.sent.append(notification)


class FolderNotifier:
    """Writes ``<id>.json`` into a private folder: what a mail or SMS gateway would send."""

    def __init__(self, folder: Path, *, clock: Callable[[], datetime] | None = None) -> None:
        self.folder = private_folder(folder)
        self._clock = clock or (lambda: datetime.now(UTC))

    def send(self, notification: Notification) -> None:
        if not _ID.match(notification.id):
            raise ValueError("a notification id is 1 to 100 letters, digits, '_', '.', '-'")
        content = {**asdict(notification), "sent_at": self._clock().isoformat()}
        body = json.dumps(content, ensure_ascii=False, indent=2).encode()
        write_private(self.folder / f"{notification.id}.json", body)

    def forget(self, ids: Collection[str]) -> int:
        wanted = set(ids)
        gone = 0
        for path, content in self._files():
            if content is None or wanted & {content.get("case_id"), content.get("request_id")}:
                gone += _unlink(path)  # an unreadable file cannot be shown to be someone else's
        return gone

    def purge(self, older_than: datetime) -> int:
        gone = 0
        for path, content in self._files():
            stamp = content.get("sent_at") if content is not None else None
            try:
                sent = datetime.fromisoformat(stamp) if isinstance(stamp, str) else None
            except ValueError:
                sent = None
            if sent is None or sent.tzinfo is None or sent < older_than:
                gone += _unlink(path)
        return gone

    def _files(self) -> Iterator[tuple[Path, dict[str, Any] | None]]:
        for path in sorted(self.folder.glob("*.json")):
            try:
                content = json.loads(path.read_bytes())
            except (OSError, ValueError):
                content = None
            yield path, content if isinstance(content, dict) else None


def _unlink(path: Path) -> int:
    try:
        path.unlink()
    except FileNotFoundError:
        return 0  # another instance's purge was first
    return 1


def open_notifier(url: str, *, clock: Callable[[], datetime] | None = None) -> Notifier:
    if url.startswith("file://"):
        folder = url.removeprefix("file://")
        if not folder:
            raise UnsupportedNotifierUrlError(
                "file:// needs a folder, e.g. file://.cityzen/notifications"
            )
        return FolderNotifier(Path(folder), clock=clock)
    if url == "memory://":
        return MemoryNotifier()
    if url == "none://":
        return NoNotifier()
    raise UnsupportedNotifierUrlError(f"unsupported notifier URL (scheme {url_scheme(url)!r})")
