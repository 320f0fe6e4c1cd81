"""Messaging errors, split by "should I retry?".

::

    MessagingError
    ├── MessageTooLargeError      (permanent: the message can never be sent as is)
    ├── InvalidMessage       (permanent: the body is not a message we understand)
    ├── MessageLockLostError      (the lock expired or was settled: the message comes back anyway)
    ├── UnsupportedBusUrlError    (configuration)
    └── BusUnavailableError       (transient: the backend could not be reached; retry later)
"""

from __future__ import annotations


class MessagingError(Exception):
    """Base of every messaging error. ``is_transient`` says whether retrying may help."""

    is_transient: bool = False


class MessageTooLargeError(MessagingError):
    """The message exceeds the 256 KB a Standard Service Bus namespace accepts."""

    def __init__(self, size: int, limit: int) -> None:
        super().__init__(f"message of {size} bytes exceeds the {limit}-byte limit")
        self.size = size
        self.limit = limit


class InvalidMessage(MessagingError):  # noqa: N818 - the name other packages code against
    """A received body we cannot process: ``reason`` is short and stable, ``description`` says why.

    Neither ever quotes the body (it may hold personal data).
    """

    def __init__(self, reason: str, description: str) -> None:
        super().__init__(f"{reason}: {description}")
        self.reason = reason
        self.description = description


class MessageLockLostError(MessagingError):
    """The peek-lock expired (or the message was already settled): it will be redelivered."""

    is_transient = True


class UnsupportedBusUrlError(MessagingError):
    """The bus URL matches no backend of the alias table."""


class BusUnavailableError(MessagingError):
    """The backend could not be reached or refused the operation for now."""

    is_transient = True
