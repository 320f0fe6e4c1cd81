"""``GET`` and ``PATCH /api/v1/citizens/me``: the citizen's record, read from its local copy and
changed through the queue.

The contact is found by its identity key (``mapping.identity_key``: issuer and ``sub``), the
column the submissions write; never by a name or an e-mail. A citizen with no contact yet has no
record (``ProfileNotFoundError``): the contact is created with their first request, where the
pipeline's no-merge rules (pivot key, look-alike flag) apply. Creating one here, by the identity
key alone, would make a second contact for a FranceConnect citizen whose first request then
upserts by the pivot key (docs/profile.md, "No record before the first request").

The first read copies the contact from Dataverse ("Retrieve a table row using the Web API",
with an alternate key); after that the copy answers, kept current by the contact's events
(``_contact_events``) and by the updates applied (``_apply``).

A PATCH must carry the view's ETag in ``If-Match`` (RFC 9110 section 13.1.1; RFC 6585 section 3
for the 428). Preferences are the connector's and change at once; contact fields become
``pending`` and one ``cityzen.profile-update/v1`` message carries them with what the citizen saw
(``base``), applied by the worker with the conflict rule.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any

from cityzen_connector.dataverse import DataverseClient, DataverseError, NotFoundError, ops
from cityzen_connector.mapping import ProfileMapping, identity_key
from cityzen_connector.messaging import MessageBus, MessagingError, encode
from cityzen_connector.models import NotificationPreferences, ProfileView
from cityzen_connector.store import PreconditionFailedError, StateStore, StoreError

from ._errors import (
    PreconditionRequiredError,
    ProfileChangedError,
    ProfileNotFoundError,
    ProfileUnavailableError,
)
from ._patch import read_patch
from ._record import PROFILE_KEYS, PROFILES, ProfileRecord, etag_of, value_from_row, view_of

__all__ = ["UPDATE_SCHEMA", "Profiles"]

UPDATE_SCHEMA = "cityzen.profile-update/v1"
_LOG = logging.getLogger("cityzen_connector.citizens")
_ATTEMPTS = 5


class Profiles:
    def __init__(
        self,
        store: StateStore,
        client: DataverseClient,
        mapping: ProfileMapping,
        bus: MessageBus,
        queue: str,
        *,
        pepper: bytes,
        clock: Callable[[], datetime],
        retention: timedelta,
        logger: logging.Logger = _LOG,
    ) -> None:
        self._store, self._client, self.mapping = store, client, mapping
        self._bus, self._queue = bus, queue
        self._pepper, self._clock, self._retention = pepper, clock, retention
        self._log = logger

    # -- reads ----------------------------------------------------------------------------------
    def read(self, issuer: str, subject: str) -> tuple[ProfileView, str]:
        """The view and its ETag."""
        record, _ = self._record(identity_key(issuer, subject, pepper=self._pepper))
        view = view_of(record, self.mapping)
        return view, etag_of(view)

    def of_contact(self, contact_id: uuid.UUID) -> ProfileRecord | None:
        """The copy of a contact's record, if the citizen ever read it (notifications)."""
        return self.stored(contact_id)[0]

    def for_contact(self, contact_id: uuid.UUID) -> ProfileRecord | None:
        """The copy, or the contact read from Dataverse by its id; ``None`` for a contact
        that is no portal citizen's (no identity key: typed in by an agent) or is gone. What
        is read is not kept: a copy exists only for a citizen who read their record (data
        minimisation; and an erased citizen's notification must not copy back what the DPO
        kept in Dynamics 365 for legal retention)."""
        record, _ = self.stored(contact_id)
        if record is not None:
            return record
        mapping = self.mapping
        columns = (
            mapping.primary_id,
            "versionnumber",
            mapping.key_column,
            *mapping.extra_columns(),
            *mapping.columns(),
        )
        try:
            row = self._client.execute(ops.retrieve(mapping.entity_set, contact_id, select=columns))
        except NotFoundError:
            return None
        key = row.get(mapping.key_column)
        if not isinstance(key, str) or not key:
            return None
        return ProfileRecord(
            contact_id=contact_id,
            identity_key=key,
            values=values_of_row(mapping, row),
            version=_int(row.get("versionnumber")),
            updated_at=self._clock(),
            certified_identity=mapping.is_certified(row),
        )

    def stored(self, contact_id: uuid.UUID) -> tuple[ProfileRecord | None, str | None]:
        """The copy and its store ETag, for a conditional ``save``."""
        found = self._store.get(PROFILES, str(contact_id))
        if found is None:
            return None, None
        return ProfileRecord.from_json(found.value), found.etag

    def _record(self, key: str) -> tuple[ProfileRecord, str | None]:
        """The copy and its store ETag (``None``: just copied from Dataverse)."""
        try:
            link = self._store.get(PROFILE_KEYS, key)
            if link is not None:
                found = self._store.get(PROFILES, str(link.value["contact_id"]))
                if found is not None:
                    return ProfileRecord.from_json(found.value), found.etag
            record = self._fetch(key)
            self.save(record)
            stored = self._store.get(PROFILES, str(record.contact_id))
        except StoreError as exc:
            raise ProfileUnavailableError("the state store is unreachable") from exc
        return record, stored.etag if stored is not None else None

    def _fetch(self, key: str) -> ProfileRecord:
        mapping = self.mapping
        request = ops.retrieve(
            mapping.entity_set,
            {mapping.key_column: key},
            select=(
                mapping.primary_id,
                "versionnumber",
                *mapping.extra_columns(),
                *mapping.columns(),
            ),
        )
        try:
            row = self._client.execute(request)
        except NotFoundError:
            raise ProfileNotFoundError("no contact holds this identity key") from None
        except DataverseError as exc:
            if not exc.is_transient:
                raise  # a refusal is a fault to fix (500, logged), not a reason to wait
            raise ProfileUnavailableError(exc.summary) from exc
        return ProfileRecord(
            contact_id=uuid.UUID(str(row[mapping.primary_id])),
            identity_key=key,
            values=values_of_row(mapping, row),
            version=_int(row.get("versionnumber")),
            updated_at=self._clock(),
            certified_identity=mapping.is_certified(row),
        )

    def save(self, record: ProfileRecord, *, if_match: str | None = None) -> None:
        """Write the copy (and its link); ``PreconditionFailedError`` on a stale ``if_match``."""
        expires = self._clock() + self._retention
        self._store.put(
            PROFILES,
            str(record.contact_id),
            record.to_json(),
            if_match=if_match,
            expires_at=expires,
        )
        self._store.put(
            PROFILE_KEYS,
            record.identity_key,
            {"contact_id": str(record.contact_id)},
            expires_at=expires,
        )

    # -- changes --------------------------------------------------------------------------------
    def change(
        self, issuer: str, subject: str, document: Any, if_match: str | None
    ) -> tuple[ProfileView, str]:
        """Apply a merge patch to the citizen's record: preferences now, contact fields queued."""
        key = identity_key(issuer, subject, pepper=self._pepper)
        # In this order: whose record (404), which version (428), what change (422), and
        # whether that version is still the current one (412).
        record, store_etag = self._record(key)
        if not if_match:
            raise PreconditionRequiredError("If-Match is required")
        patch = read_patch(document, self.mapping, certified_identity=record.certified_identity)
        for attempt in range(_ATTEMPTS):
            if attempt:  # the first attempt uses the read above; a retry reads again
                record, store_etag = self._record(key)
            if if_match.strip() not in ("*", etag_of(view_of(record, self.mapping))):
                raise ProfileChangedError("the record changed since it was read")
            after = self._patched(record, patch.contact, patch.preferences)
            try:
                self.save(after, if_match=store_etag)
            except PreconditionFailedError:
                continue  # another write (an event, the worker): read again, check again
            except StoreError as exc:
                raise ProfileUnavailableError("the state store is unreachable") from exc
            changed = {n: v for n, v in patch.contact.items() if record.shown(n) != v}
            if changed:
                self._send(after, changed, record)
            view = view_of(after, self.mapping)
            return view, etag_of(view)
        raise ProfileUnavailableError("the record kept changing")

    def _patched(
        self,
        record: ProfileRecord,
        contact: Mapping[str, str | None],
        preferences: Mapping[str, str | None],
    ) -> ProfileRecord:
        chosen = record.preferences.model_dump()
        defaults = NotificationPreferences().model_dump()
        for name, value in preferences.items():
            chosen[name] = defaults[name] if value is None else value
        pending, base = dict(record.pending), dict(record.base)
        for name, value in contact.items():
            if record.shown(name) == value:
                continue
            # The version the citizen saw: Dynamics 365's value before their first change of
            # the field still on its way (a later change supersedes it, ``_apply``).
            if name not in pending:
                base[name] = record.values.get(name)
            pending[name] = value
        return ProfileRecord(
            contact_id=record.contact_id,
            identity_key=record.identity_key,
            values=record.values,
            version=record.version,
            pending=pending,
            base=base,
            preferences=NotificationPreferences.model_validate(chosen),
            conflicts=record.conflicts,
            updated_at=self._clock(),
            certified_identity=record.certified_identity,
        )

    def _send(
        self, after: ProfileRecord, changed: Mapping[str, str | None], before: ProfileRecord
    ) -> None:
        payload = {
            "contact_id": str(after.contact_id),
            "identity_key": after.identity_key,
            "changes": dict(changed),
            "base": {n: after.base.get(n) for n in changed},
            "base_version": after.version,
            "requested_at": self._clock().isoformat(),
        }
        message = encode(UPDATE_SCHEMA, payload, correlation_id=str(uuid.uuid4()))
        try:
            self._bus.send(self._queue, [message])
        except MessagingError as exc:
            # Not queued: the copy goes back to what it was, so nothing shows as pending that
            # will never be applied; the citizen retries (503).
            self._restore(before)
            raise ProfileUnavailableError("the queue is unreachable") from exc
        self._log.info(
            "profile update %s queued: %s",
            message.message_id,
            ", ".join(sorted(changed)),  # field names only, never values
        )

    def _restore(self, before: ProfileRecord) -> None:
        try:
            self.save(before)
        except StoreError:
            self._log.warning("profile of contact %s left pending", before.contact_id)


def values_of_row(mapping: ProfileMapping, row: Mapping[str, Any]) -> dict[str, str | None]:
    return {f.name: value_from_row(f, row.get(f.column)) for f in mapping.fields}


def _int(raw: object) -> int | None:
    if isinstance(raw, int) and not isinstance(raw, bool):
        return raw
    if isinstance(raw, str) and raw.isdigit():
        return int(raw)
    return None
