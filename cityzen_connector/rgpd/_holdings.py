"""What the connector's state store holds about one citizen, found by their identity key.

The citizen is known by their identity key only (``mapping.identity_key``: the HMAC of issuer
and subject that the submissions' ``filer`` and the contact's ``cz_identitykey`` hold), never by
a name: two people of the same name have two keys. From the key: their submissions (the ingest
records they filed), then everything keyed by those submissions, by their contact and by that
contact's cases. Where other rooms keep these records is theirs to say: the composition root
passes the partition names (``Partitions``), so this room imports none of them.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from cityzen_connector.store import INGEST_PARTITION, SUBMISSIONS_PARTITION, Record, StateStore

from ._records import ERASURES_PARTITION, EXPORTS_PARTITION

_BLOB_NAME = re.compile(r"^[0-9a-f]{32}$")
_BLOB_KEYS = frozenset({"blob_name", "blob", "name"})


@dataclass(frozen=True)
class Partitions:
    """The partitions other rooms keep a citizen's records in (``app`` fills it from theirs)."""

    message_intake: str  # key = message id, value ``request_id``
    submission_links: str  # key = submission id, value ``case_id``
    cases: str  # key = case id
    citizen_contacts: str  # key = identity key
    citizen_messages: Callable[[str], str]  # by submission (request) id
    contact_cases: Callable[[str], str]  # by contact id
    case_messages: Callable[[str], str]  # by case id
    # The citizen's record (citizens/): its copy by contact id, and identity key → contact id.
    profiles: str | None = None
    profile_keys: str | None = None


@dataclass
class Holdings:
    identity_key: str
    contact_id: str | None = None
    submission_ids: set[str] = field(default_factory=set)
    case_ids: set[str] = field(default_factory=set)
    records: dict[tuple[str, str], Record] = field(default_factory=dict)

    def add(self, record: Record | None) -> None:
        if record is not None:
            self.records[(record.partition, record.key)] = record

    def in_partition(self, partition: str) -> list[Record]:
        return [r for (p, _), r in sorted(self.records.items()) if p == partition]

    @property
    def blob_names(self) -> set[str]:
        found: set[str] = set()
        for record in self.records.values():
            found.update(_blob_names(record.value))
        return found

    @property
    def needles(self) -> set[str]:
        """Ids a message about this citizen may carry (submission, case, contact)."""
        ids = self.submission_ids | self.case_ids
        return ids | ({self.contact_id} if self.contact_id else set())


def find_holdings(
    store: StateStore,
    partitions: Partitions,
    identity_key: str,
    *,
    contact_id: str | None = None,
    case_ids: Iterable[str] = (),
    submission_ids: Iterable[str] = (),
) -> Holdings:
    """Every record about the citizen; ``contact_id``/``case_ids``: what Dataverse says is
    theirs (a case typed in by an agent has no submission of ours)."""
    found = Holdings(identity_key, contact_id)
    found.case_ids.update(case_ids)
    found.submission_ids.update(submission_ids)
    _by_filer(store, found)
    _by_contact(store, partitions, found)
    _by_submission(store, partitions, found)
    for case in sorted(found.case_ids):
        found.add(store.get(partitions.cases, case))
        for record in store.query(partitions.case_messages(case)):
            found.add(record)
    for partition in (EXPORTS_PARTITION, ERASURES_PARTITION):
        for record in store.query(partition):
            if record.value.get("owner") == identity_key:
                found.add(record)
    return found


def _by_filer(store: StateStore, found: Holdings) -> None:
    """The submissions they filed (a scan of the ingest records: rare, and a right)."""
    for record in store.query(INGEST_PARTITION):
        if record.value.get("filer") == found.identity_key:
            found.add(record)
            found.submission_ids.add(record.key)


def _by_contact(store: StateStore, partitions: Partitions, found: Holdings) -> None:
    remembered = store.get(partitions.citizen_contacts, found.identity_key)
    linked = (
        store.get(partitions.profile_keys, found.identity_key) if partitions.profile_keys else None
    )
    for record in (remembered, linked):
        found.add(record)
        if found.contact_id is None and record is not None:
            contact = record.value.get("contact_id")
            found.contact_id = contact if isinstance(contact, str) and contact else None
    if found.contact_id is not None and partitions.profiles:
        # The record's copy: contact details and preferences (the notifications read it).
        found.add(store.get(partitions.profiles, found.contact_id))
    if found.contact_id is not None:
        for record in store.query(partitions.contact_cases(found.contact_id)):
            found.add(record)
            found.case_ids.add(record.key)


def _by_submission(store: StateStore, partitions: Partitions, found: Holdings) -> None:
    for submission in sorted(found.submission_ids):
        for partition in (SUBMISSIONS_PARTITION, partitions.submission_links):
            linked = store.get(partition, submission)
            found.add(linked)
            case = linked.value.get("case_id") if linked is not None else None
            if isinstance(case, str) and _is_uuid(case):
                found.case_ids.add(case)
        for record in store.query(partitions.citizen_messages(submission)):
            found.add(record)
    for record in store.query(partitions.message_intake):
        if record.value.get("request_id") in found.submission_ids:
            found.add(record)


def _is_uuid(text: str) -> bool:
    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return True


def _blob_names(value: Any) -> Iterator[str]:
    """Blob names anywhere in a record's value (the ingest record's ``blobs``, a message's
    ``files``, an export's ``blob``)."""
    if isinstance(value, Mapping):
        for name, inner in value.items():
            if name in _BLOB_KEYS and isinstance(inner, str) and _BLOB_NAME.match(inner):
                yield inner
            else:
                yield from _blob_names(inner)
    elif isinstance(value, list | tuple):
        for inner in value:
            yield from _blob_names(inner)
