"""The profile-updates queue worker: one ``cityzen.profile-update/v1`` message applied to the
contact, field by field, with optimistic concurrency.

The conflict rule (docs/profile.md): the contact is read by its key with its ETag; for each
field the citizen changed, if Dynamics 365 still holds what the citizen saw (``base``), the
citizen's value is written; if an agent changed it since, the agent's value stays and the field
is reported as a conflict (in the record's ``conflicts``, and logged by name, never by value).
The write is a ``PATCH`` with ``If-Match`` set to the ETag read ("Perform conditional operations
using the Web API", "Apply optimistic concurrency",
https://learn.microsoft.com/power-apps/developer/data-platform/webapi/perform-conditional-operations-using-web-api):
a 412 means an agent saved in between, so the worker reads and decides again.

A change asked before the citizen's data was erased (``erased_at``: the approved erasure, RGPD
article 17) is dropped unread: applied, it would write their details back into the
pseudonymised contact; parked, it would keep them on the rejected queue.

Every result means "complete the message"; an exception (the store or the bus unreachable)
abandons it. Dataverse unreachable or throttling: a copy is scheduled with back-off
(``cityzen-attempt`` + 1) up to ``max_attempts``, then parked on ``<queue>-rejected`` with its
reason, as a permanent refusal (a malformed message, the contact gone, a 4xx) is at once;
``cityzen queue --queue <queue> dead replay`` sends them back.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from cityzen_connector.dataverse import (
    DataverseClient,
    DataverseError,
    NotFoundError,
    PreconditionFailedError,
    ops,
)
from cityzen_connector.messaging import (
    PROP_ATTEMPT,
    InvalidMessage,
    MessageBus,
    ReceivedMessage,
    attempt_of,
    copy_of,
    decode,
    origin_id,
)
from cityzen_connector.models import ProfileConflict
from cityzen_connector.store import PreconditionFailedError as StaleRecord

from ._errors import UpdateRefusedError
from ._profiles import UPDATE_SCHEMA, Profiles, values_of_row
from ._record import ProfileRecord, value_to_row

__all__ = ["ProfileUpdatePorts", "UpdateResult", "handle_profile_update"]

_LOG = logging.getLogger("cityzen_connector.citizens.worker")
PROP_REJECTED_REASON = "cityzen-rejected-reason"  # the names every rejected copy carries
PROP_REJECTED_AT = "cityzen-rejected-at"
_KEY = re.compile(r"^[0-9a-f]{64}$")
_READS = 3  # an agent saving between our read and our write, three times running, is rare
Action = Literal["applied", "retry_scheduled", "rejected", "dropped"]


@dataclass(frozen=True)
class ProfileUpdatePorts:
    bus: MessageBus
    queue: str
    client: DataverseClient
    profiles: Profiles
    clock: Callable[[], datetime]
    max_attempts: int = 8
    first_delay: timedelta = timedelta(seconds=30)
    max_delay: timedelta = timedelta(hours=1)
    logger: logging.Logger = field(default=_LOG)
    # When the citizen of an identity key had their data erased (``rgpd``), if they did.
    erased_at: Callable[[str], datetime | None] | None = None


@dataclass(frozen=True)
class UpdateResult:
    action: Action
    reason: str = ""
    applied: tuple[str, ...] = ()
    conflicts: tuple[str, ...] = ()


_DROPPED = UpdateResult("dropped", "the citizen's data was erased")


def handle_profile_update(message: ReceivedMessage, ports: ProfileUpdatePorts) -> UpdateResult:
    try:
        result = _handle(message, ports)
    except UpdateRefusedError as exc:
        _park(message, ports, str(exc))
        result = UpdateResult("rejected", str(exc))
    ports.logger.info(
        "profile update %s (attempt %d): %s%s applied [%s] conflicts [%s]",
        message.message_id,
        attempt_of(message),
        result.action,
        f" ({result.reason})" if result.reason else "",
        ", ".join(result.applied),
        ", ".join(result.conflicts),
    )
    return result


@dataclass(frozen=True)
class _Update:
    contact_id: uuid.UUID
    key: str
    changes: Mapping[str, str | None]
    base: Mapping[str, str | None]
    requested_at: datetime | None = None


def _read(message: ReceivedMessage, profiles: Profiles) -> _Update:
    try:
        envelope = decode(message, accept={UPDATE_SCHEMA})
    except InvalidMessage as exc:
        raise UpdateRefusedError(f"malformed: {exc.reason}") from exc
    payload = envelope.payload
    try:
        contact_id = uuid.UUID(str(payload["contact_id"]))
        key = payload["identity_key"]
        changes, base = payload["changes"], payload["base"]
    except (KeyError, ValueError, TypeError):
        raise UpdateRefusedError("malformed: contact_id, identity_key, changes, base") from None
    if not isinstance(key, str) or not _KEY.match(key):
        raise UpdateRefusedError("malformed: identity_key")
    if not isinstance(changes, dict) or not isinstance(base, dict) or set(base) != set(changes):
        raise UpdateRefusedError("malformed: changes and base")
    for name, value in (*changes.items(), *base.items()):
        spec = profiles.mapping.field(name)
        if spec is None:
            raise UpdateRefusedError(f"malformed: {name[:40]} is not a field of the record")
        if value is not None and (not isinstance(value, str) or len(value) > spec.max_length):
            raise UpdateRefusedError(f"malformed: {name} is not text of at most {spec.max_length}")
    return _Update(contact_id, key, changes, base, _stamp(payload.get("requested_at")))


def _stamp(raw: object) -> datetime | None:
    try:
        found = datetime.fromisoformat(raw) if isinstance(raw, str) else None
    except ValueError:
        return None
    return found if found is None or found.tzinfo is not None else found.replace(tzinfo=UTC)


def _erased(update: _Update, ports: ProfileUpdatePorts) -> bool:
    """Asked before the citizen's erasure (a message without its date counts as such: the
    details it carries are not worth the risk of writing back)."""
    when = ports.erased_at(update.key) if ports.erased_at is not None else None
    if when is None:
        return False
    return update.requested_at is None or update.requested_at <= when


def _handle(message: ReceivedMessage, ports: ProfileUpdatePorts) -> UpdateResult:
    read = _read(message, ports.profiles)
    # The copy, once: an erasure deletes it, so the erasure's mark is read only without one
    # (no store call more for the usual message, whose PATCH made the copy).
    copy, _ = ports.profiles.stored(read.contact_id)
    if copy is None and _erased(read, ports):
        return _DROPPED
    _refuse_certified(read, copy, ports.profiles)
    update = _current(read, copy)
    if not update.changes:
        return UpdateResult("applied", "superseded")
    mapping = ports.profiles.mapping
    row_key = {mapping.key_column: update.key}
    columns = (mapping.primary_id, "versionnumber", *mapping.extra_columns(), *mapping.columns())
    try:
        for _ in range(_READS):
            row = ports.client.execute(ops.retrieve(mapping.entity_set, row_key, select=columns))
            if str(row.get(mapping.primary_id)) != str(update.contact_id):
                raise UpdateRefusedError("contact_changed: the key now names another contact")
            certified = mapping.is_certified(row)
            refused = sorted(
                set(update.changes) - {f.name for f in mapping.editable_for(certified)}
            )
            if refused:
                # Dynamics 365's word decides: FranceConnect vouched for this contact.
                raise UpdateRefusedError(f"certified: {', '.join(refused)} read only")
            current = values_of_row(mapping, row)
            applied, conflicts = decide(update.changes, update.base, current)
            if applied:
                body = {
                    spec.column: value_to_row(spec, applied[spec.name])
                    for spec in mapping.fields
                    if spec.name in applied
                }
                try:
                    ports.client.update(
                        mapping.entity_set, row_key, body, etag=str(row.get("@odata.etag"))
                    )
                except PreconditionFailedError:
                    continue  # an agent saved in between: read and decide again
            values = {**current, **applied}
            _remember(ports, update, values, _version(row), conflicts, certified=certified)
            return UpdateResult("applied", "", tuple(sorted(applied)), tuple(sorted(conflicts)))
        return _retry(message, ports, "contact kept changing")
    except NotFoundError:
        if _erased(update, ports):
            return _DROPPED  # erased while this was on its way: the key was pseudonymised
        raise UpdateRefusedError("contact_gone: no contact holds the key") from None
    except DataverseError as exc:
        if exc.is_transient:
            return _retry(message, ports, exc.summary)
        raise UpdateRefusedError(f"dataverse: {exc.summary}") from exc


def _refuse_certified(update: _Update, record: ProfileRecord | None, profiles: Profiles) -> None:
    """A change of a claim FranceConnect certified is no change the API ever queues: parked
    (the copy says so here; Dynamics 365's row says so again before any write)."""
    if record is None or not record.certified_identity:
        return
    editable = {f.name for f in profiles.mapping.editable}
    refused = sorted(set(update.changes) - editable)
    if refused:
        raise UpdateRefusedError(f"certified: {', '.join(refused)} read only")


def _current(update: _Update, record: ProfileRecord | None) -> _Update:
    """The fields this message still speaks for. A field the copy no longer shows as pending
    with this value was superseded: by a later change of the citizen (its own message carries
    it, with the same base, whichever is delivered first) or by this very message applied
    before (a redelivery). Without a copy (expired) the message speaks for itself."""
    if record is None:
        return update
    kept = {
        n: v for n, v in update.changes.items() if n in record.pending and record.pending[n] == v
    }
    return replace(update, changes=kept, base={n: update.base.get(n) for n in kept})


def decide(
    changes: Mapping[str, str | None],
    base: Mapping[str, str | None],
    current: Mapping[str, str | None],
) -> tuple[dict[str, str | None], list[str]]:
    """The conflict rule, as data: (what to write, the fields an agent changed meanwhile)."""
    applied: dict[str, str | None] = {}
    conflicts: list[str] = []
    for name, wanted in changes.items():
        now = current.get(name)
        if now == wanted:
            continue  # already so: a replay, or the agent made the same change
        if now == base.get(name):
            applied[name] = wanted
        else:
            conflicts.append(name)
    return applied, conflicts


def _remember(
    ports: ProfileUpdatePorts,
    update: _Update,
    values: Mapping[str, str | None],
    version: int | None,
    conflicts: list[str],
    *,
    certified: bool = True,
) -> None:
    """The copy after the write: Dynamics 365's values, the fields done no longer pending (a
    newer change of the same field stays), the conflicts of these fields replaced."""
    store, now = ports.profiles, ports.clock()
    for _ in range(5):
        found, etag = store.stored(update.contact_id)
        if found is None and _erased(update, ports):
            return  # the erasure deleted the copy meanwhile: not made again
        record = found or ProfileRecord(update.contact_id, update.key, {})
        record = replace(record, certified_identity=certified)
        done = {n for n, v in update.changes.items() if record.pending.get(n, v) == v}
        kept = [c for c in record.conflicts if c.field not in update.changes]
        after = replace(
            record.with_values(values, version),
            pending={n: v for n, v in record.pending.items() if n not in done},
            base={n: v for n, v in record.base.items() if n not in done},
            conflicts=(*kept, *(ProfileConflict(field=n, at=now) for n in sorted(conflicts))),
            updated_at=now,
        )
        try:
            store.save(after, if_match=etag)
        except StaleRecord:
            continue
        return
    ports.logger.warning("profile copy of contact %s left behind", update.contact_id)


def _retry(message: ReceivedMessage, ports: ProfileUpdatePorts, why: str) -> UpdateResult:
    attempt = attempt_of(message)
    if attempt >= ports.max_attempts:
        raise UpdateRefusedError(f"dataverse_unavailable after {attempt} attempts: {why}")
    delay = min(ports.first_delay * (2 ** (attempt - 1)), ports.max_delay)
    copy = copy_of(
        message,
        message_id=f"{origin_id(message)}:a{attempt + 1}",
        properties={PROP_ATTEMPT: attempt + 1},
        scheduled_enqueue_time=ports.clock() + delay,
    )
    ports.bus.send(ports.queue, [copy])
    return UpdateResult("retry_scheduled", why)


def _park(message: ReceivedMessage, ports: ProfileUpdatePorts, reason: str) -> None:
    properties: dict[str, str | int | float | bool] = {
        PROP_REJECTED_REASON: reason[:256],
        PROP_REJECTED_AT: ports.clock().astimezone(UTC).isoformat(),
    }
    copy = copy_of(message, message_id=message.message_id, properties=properties)
    ports.bus.send(f"{ports.queue}-rejected", [copy])


def _version(row: Mapping[str, Any]) -> int | None:
    raw = row.get("versionnumber")
    if isinstance(raw, int) and not isinstance(raw, bool):
        return raw
    return int(raw) if isinstance(raw, str) and raw.isdigit() else None
