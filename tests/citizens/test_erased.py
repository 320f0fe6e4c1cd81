"""A change of the record racing the citizen's erasure (docs/profile.md, "Personal data"): the
erasure marks the citizen erased, pseudonymises the contact's key, then deletes the record's
copy. Whatever step the worker meets, it writes nothing back and parks nothing."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from cityzen_connector.citizens import PROFILES, handle_profile_update
from tests.citizens.conftest import QUEUE, Desk


def _erasing(desk: Desk) -> None:
    """The erasure's mark, from a minute after the change was asked."""
    desk.clock.advance(60)
    erased = desk.clock()

    def erased_at(key: str) -> datetime | None:
        return erased

    desk.ports = replace(desk.ports, erased_at=erased_at)


def test_the_contact_pseudonymised_before_the_copy_is_deleted_drops_the_change(
    desk: Desk,
) -> None:
    desk.patch({"contact": {"phone": "0611111111"}}, desk.get().headers["ETag"])
    _erasing(desk)
    desk.agent(cz_identitykey="e" * 64)  # the erasure's keyed value: the old key finds nothing
    [message] = desk.bus.receive(QUEUE, max_messages=1)
    result = handle_profile_update(message, desk.ports)
    assert result.action == "dropped"
    assert desk.bus.peek(f"{QUEUE}-rejected", max_messages=10) == []
    assert desk.contact()["mobilephone"] == "+33612345678"


def test_the_copy_deleted_while_the_change_is_written_is_not_made_again(desk: Desk) -> None:
    desk.patch({"contact": {"phone": "0611111111"}}, desk.get().headers["ETag"])
    _erasing(desk)
    desk.race.action = lambda: desk.store.delete(PROFILES, str(desk.contact_id))
    [message] = desk.bus.receive(QUEUE, max_messages=1)
    handle_profile_update(message, desk.ports)
    assert desk.store.get(PROFILES, str(desk.contact_id)) is None
