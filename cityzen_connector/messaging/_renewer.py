"""Keep the peek-locks of messages that are still being worked on.

A message received in peek-lock mode is locked for the entity's lock duration (60 s by default
here, 5 min at most on Service Bus). Past it the message is delivered again to whoever receives
next, and settling it fails with ``MessageLockLostError``. Work that may outlast the lock
renews it: each renewal resets the lock to the full lock duration. See "Message transfers,
locks, and settlement" (Renew locks):
https://learn.microsoft.com/azure/service-bus-messaging/message-transfers-locks-settlement#renew-locks
The Functions host does this for the one message a trigger handles
(``maxAutoLockRenewalDuration``) and the Azure SDK's ``AutoLockRenewer`` does it for many.
``LockRenewer`` does the same job through our port and on our clocks, so it works on every
backend and a test can move its time.

Timing: a lock is renewed once ``share`` (half, by default) of the time it had left has
passed, measured on the monotonic clock. The wall clock is read only to learn how long a lock
lasts (``locked_until`` minus now, at receipt and after each renewal). ``locked_until`` comes
from the broker, so it is subject to clock skew. Renewing at half the lock leaves room for that
skew and for a slow renewal.

Whose duty: the renewer renews and reports what it lost. The consumer releases each message
before settling it, and does not settle a message whose lock was lost (``release`` returns
False): the message goes to its next delivery.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from types import TracebackType

from cityzen_connector._clock import SYSTEM_MONOTONIC, MonotonicClock, WallClock, utc_now
from cityzen_connector.messaging._errors import MessageLockLostError
from cityzen_connector.messaging._port import MessageBus, ReceivedMessage

_LOG = logging.getLogger(__name__)
# With nothing held, the thread wakes up this often (``hold`` and ``stop`` wake it at once).
_IDLE_SECONDS = 60.0
# A renewal that failed for another reason (the bus unreachable for a moment) is tried again
# this soon.
_RETRY_SECONDS = 1.0
# No busy loop when a lock seems to have next to no time left (a wall clock far ahead of the
# broker's).
_MIN_INTERVAL = 0.1


@dataclass
class _Held:
    message: ReceivedMessage
    due: float  # monotonic time of the next renewal


class LockRenewer:
    """Renews, from one background thread, the locks of every message it holds.

    Use it as a context manager around the work (``with LockRenewer(bus) as locks:``).
    ``hold`` the messages once received, and ``release`` each one just before settling it.
    """

    def __init__(
        self,
        bus: MessageBus,
        *,
        clock: MonotonicClock = SYSTEM_MONOTONIC,
        wall: WallClock = utc_now,
        share: float = 0.5,
        logger: logging.Logger | None = None,
    ) -> None:
        if not 0 < share < 1:
            raise ValueError("share must be between 0 and 1")
        self._bus = bus
        self._clock = clock
        self._wall = wall
        self._share = share
        self._log = logger or _LOG
        # Guards the books; held during a renewal too, so a message released while its lock
        # is being renewed is settled only after that renewal (never renewed after settling).
        self._mutex = threading.Lock()
        self._held: dict[str, _Held] = {}
        self._lost: set[str] = set()
        self._wake = threading.Event()
        self._stopping = False
        self._thread: threading.Thread | None = None
        self.renewals = 0
        self.lost = 0
        self.lock_seconds: float | None = None
        """The shortest time a lock had left when its message was received (its duration)."""

    # -- the consumer's side ---------------------------------------------------------------------
    def hold(self, messages: Iterable[ReceivedMessage]) -> None:
        """Keep these messages' locks from now on."""
        now, wall = self._clock.now(), self._wall()
        with self._mutex:
            for message in messages:
                left = self._left(message.locked_until, wall)
                self._held[message.lock_token] = _Held(message, now + self._interval(left))
                if left is not None and (self.lock_seconds is None or left < self.lock_seconds):
                    self.lock_seconds = max(0.0, left)
        self._wake.set()

    def release(self, message: ReceivedMessage) -> bool:
        """Stop renewing the message's lock. False if the lock was lost while held: settling
        the message would fail, and it will be delivered again."""
        with self._mutex:
            self._held.pop(message.lock_token, None)
            if message.lock_token in self._lost:
                self._lost.discard(message.lock_token)
                return False
        return True

    @property
    def held(self) -> int:
        with self._mutex:
            return len(self._held)

    # -- renewing --------------------------------------------------------------------------------
    def renew_due(self) -> float:
        """Renew every lock whose turn has come; return the seconds until the next turn."""
        now = self._clock.now()
        with self._mutex:
            due = [token for token, held in self._held.items() if held.due <= now]
        for token in due:
            self._renew(token)
        with self._mutex:
            if not self._held:
                return _IDLE_SECONDS
            soonest = min(held.due for held in self._held.values())
        return max(0.0, soonest - self._clock.now())

    def _renew(self, token: str) -> None:
        with self._mutex:
            held = self._held.get(token)
            if held is None:  # released (and settled) since the list was made
                return
            message = held.message
            try:
                until = self._bus.renew_lock(message)
            except MessageLockLostError:
                # Expired already, or another receiver holds it now: it is not ours to settle.
                del self._held[token]
                self._lost.add(token)
                self.lost += 1
                self._log.warning(
                    "lock lost on message %s #%d: left to its next delivery",
                    message.message_id,
                    message.sequence_number,
                )
                return
            except Exception as exc:  # noqa: BLE001 - one failed renewal must not stop the others
                # The type only: texts of third-party errors may quote a message's content.
                self._log.warning(
                    "renewing the lock of message %s #%d failed (%s): trying again",
                    message.message_id,
                    message.sequence_number,
                    type(exc).__name__,
                )
                held.due = self._clock.now() + _RETRY_SECONDS
                return
            self.renewals += 1
            held.due = self._clock.now() + self._interval(self._left(until, self._wall()))

    def _interval(self, left: float | None) -> float:
        """Seconds until the next renewal; at once when the lock's expiry is unknown."""
        return 0.0 if left is None else max(_MIN_INTERVAL, left * self._share)

    @staticmethod
    def _left(until: datetime | None, wall: datetime) -> float | None:
        return (until - wall).total_seconds() if until is not None else None

    # -- the thread ------------------------------------------------------------------------------
    def start(self) -> None:
        if self._thread is not None:
            raise RuntimeError("the renewer is running already")
        self._thread = threading.Thread(target=self._run, name="cityzen-lock-renewer", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop renewing (the locks still held run out by themselves) and wait for the thread."""
        self._stopping = True
        self._wake.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None

    def _run(self) -> None:
        while True:
            # Cleared before reading the books: a ``hold`` or ``stop`` from now on wakes the
            # wait below instead of being missed.
            self._wake.clear()
            if self._stopping:
                return
            self._clock.wait(self._wake, self.renew_due())

    def __enter__(self) -> LockRenewer:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()
