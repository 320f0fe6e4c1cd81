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
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Literal, Protocol

from cityzen_connector._private import private_folder, write_private
from cityzen_connector._types import url_scheme

from ._errors import UnsupportedNotifierUrlError

__all__ = [
    "FolderNotifier",
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

    def __init__(self, folder: Path) -> None:
        self.folder = private_folder(folder)

    def send(self, notification: Notification) -> None:
        if not _ID.match(notification.id):
            raise ValueError("a notification id is 1 to 100 letters, digits, '_', '.', '-'")
        body = json.dumps(asdict(notification), ensure_ascii=False, indent=2).encode()
        write_private(self.folder / f"{notification.id}.json", body)


def open_notifier(url: str) -> Notifier:
    if url.startswith("file://"):
        folder = url.removeprefix("file://")
        if not folder:
            raise UnsupportedNotifierUrlError(
                "file:// needs a folder, e.g. file://.cityzen/notifications"
            )
        return FolderNotifier(Path(folder))
    if url == "memory://":
        return MemoryNotifier()
    if url == "none://":
        return NoNotifier()
    raise UnsupportedNotifierUrlError(f"unsupported notifier URL (scheme {url_scheme(url)!r})")
