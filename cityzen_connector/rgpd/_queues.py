"""The failed copies of a citizen's messages, removed from the queues that keep them.

Failed messages wait in each queue's dead-letter sub-queue and in ``<queue>-rejected`` (and its
own dead-letter sub-queue): the places ``purge_failed_messages`` empties at the retention. Here
only the citizen's go: each place is peeked first (nothing locked, no delivery counted), and
received only when a message there is theirs; the others received meanwhile are released at
the end. A message is theirs when its ids (message, correlation) or its body name one of their
submissions, cases or contact, or its body's ``citizen`` is them (issuer and subject whose
identity key is theirs: a submission rejected before any case existed).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from cityzen_connector.mapping import identity_key
from cityzen_connector.messaging import MessageBus, MessageLockLostError, ReceivedMessage, SubQueue

_PAGE = 100


@dataclass(frozen=True)
class FailedPlace:
    queue: str
    sub_queue: SubQueue


def failed_places(queues: Iterable[tuple[str, bool]]) -> tuple[FailedPlace, ...]:
    """(queue, whether its own dead letters are on this bus) → where its failed copies wait."""
    places: list[FailedPlace] = []
    for queue, dead_letters in queues:
        if dead_letters:
            places.append(FailedPlace(queue, "deadletter"))
        places += [
            FailedPlace(f"{queue}-rejected", "main"),
            FailedPlace(f"{queue}-rejected", "deadletter"),
        ]
    return tuple(places)


class Matcher:
    def __init__(self, needles: Iterable[str], owner: str, pepper: bytes) -> None:
        self._needles = tuple(n for n in needles if n)
        self._owner = owner
        self._pepper = pepper

    def __call__(self, message: ReceivedMessage) -> bool:
        ids = " ".join(filter(None, (message.message_id, message.correlation_id)))
        text = message.body.decode("utf-8", "replace")
        if any(needle in ids or needle in text for needle in self._needles):
            return True
        return self._citizen_is_owner(message.body)

    def _citizen_is_owner(self, body: bytes) -> bool:
        try:
            document = json.loads(body)
        except ValueError:
            return False
        if not isinstance(document, dict):
            return False
        # The envelope's payload (messaging.encode), or a bare submission.
        payload = document.get("payload")
        citizen = (payload if isinstance(payload, dict) else document).get("citizen")
        if not isinstance(citizen, dict):
            return False
        issuer, sub = citizen.get("issuer"), citizen.get("sub")
        if not isinstance(issuer, str) or not isinstance(sub, str):
            return False
        return identity_key(issuer, sub, pepper=self._pepper) == self._owner


def remove_failed(
    bus: MessageBus, places: Iterable[FailedPlace], mine: Callable[[ReceivedMessage], bool]
) -> int:
    removed = 0
    for place in places:
        wanted = {m.message_id for m in _peek_all(bus, place) if mine(m)}
        if wanted:
            removed += _remove(bus, place, wanted)
    return removed


def _peek_all(bus: MessageBus, place: FailedPlace) -> Iterable[ReceivedMessage]:
    sequence = 0
    while page := bus.peek(
        place.queue, max_messages=_PAGE, sub_queue=place.sub_queue, from_sequence_number=sequence
    ):
        yield from page
        sequence = page[-1].sequence_number + 1


def _remove(bus: MessageBus, place: FailedPlace, wanted: set[str]) -> int:
    removed, held = 0, []
    try:
        while batch := bus.receive(place.queue, max_messages=_PAGE, sub_queue=place.sub_queue):
            for message in batch:
                if message.message_id in wanted:
                    bus.complete(message)
                    removed += 1
                else:
                    held.append(message)
    finally:
        for message in held:
            try:
                bus.abandon(message)
            except MessageLockLostError:
                continue  # its lock ran out meanwhile: it is back anyway
    return removed
