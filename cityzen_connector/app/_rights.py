"""The data-protection rights (rgpd/) bound to this container's ports.

Where the other rooms keep a citizen's records (``rgpd.Partitions``) is said here, from their
own names, so that ``rgpd`` imports none of them. The erasure hears the case-events worker
through ``on_recorded``: one store read for a case of the rights' sub-theme, nothing for others.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Protocol
from urllib.parse import urlsplit

from . import _configs

if TYPE_CHECKING:
    from cityzen_connector.cases import CaseHistory, CaseRecord
    from cityzen_connector.citizens import Notifier
    from cityzen_connector.dataverse import DataverseClient
    from cityzen_connector.mapping import MappingSet
    from cityzen_connector.messaging import MessageBus
    from cityzen_connector.rgpd import (
        DataverseReader,
        Eraser,
        Partitions,
        RightsAudit,
        RightsServices,
    )
    from cityzen_connector.settings import Settings
    from cityzen_connector.store import BlobStore, StateStore
    from cityzen_connector.sync.intake import IngestPorts


class Container(Protocol):
    """What of ``app.Container`` the wiring reads (a protocol: the container imports this
    module, so this module cannot import it)."""

    @property
    def settings(self) -> Settings: ...
    @property
    def mappings(self) -> MappingSet: ...
    @property
    def store(self) -> StateStore: ...
    @property
    def blobs(self) -> BlobStore: ...
    @property
    def bus(self) -> MessageBus: ...
    @property
    def client(self) -> DataverseClient: ...
    @property
    def ingest(self) -> IngestPorts: ...
    @property
    def pepper(self) -> bytes: ...
    @property
    def rights(self) -> RightsServices | None: ...
    @property
    def eraser(self) -> Eraser | None: ...
    @property
    def case_history(self) -> CaseHistory: ...
    @property
    def notifier(self) -> Notifier: ...
    def clock(self) -> datetime: ...


# The backends holding every queue in one place (the case-events queue's dead letters too).
_EMBEDDED_BUSES = frozenset({"sqlite", "memory"})


def partitions() -> Partitions:
    import uuid

    from cityzen_connector.cases import (
        CASES_PARTITION,
        CITIZEN_CONTACTS,
        SUBMISSION_LINKS,
        citizen_partition,
        contact_partition,
        thread_partition,
    )
    from cityzen_connector.citizens import PROFILE_KEYS, PROFILES
    from cityzen_connector.rgpd import Partitions
    from cityzen_connector.sync.intake import MESSAGE_INTAKE_PARTITION

    return Partitions(
        message_intake=MESSAGE_INTAKE_PARTITION,
        submission_links=SUBMISSION_LINKS,
        cases=CASES_PARTITION,
        citizen_contacts=CITIZEN_CONTACTS,
        citizen_messages=lambda request: citizen_partition(uuid.UUID(request)),
        contact_cases=lambda contact: contact_partition(uuid.UUID(contact)),
        case_messages=lambda case: thread_partition(uuid.UUID(case)),
        profiles=PROFILES,
        profile_keys=PROFILE_KEYS,
    )


def _reader(container: Container) -> DataverseReader:
    from cityzen_connector.mapping import CONVERSATION
    from cityzen_connector.rgpd import DataverseReader

    plan = container.mappings.rights
    assert plan is not None
    return DataverseReader(container.client, plan, CONVERSATION)


def _audit(container: Container) -> RightsAudit:
    from cityzen_connector.rgpd import RightsAudit

    return RightsAudit(
        container.store,
        clock=container.clock,
        retention=timedelta(days=container.settings.rights_audit_days),
        pepper=container.pepper,
    )


def rights_services(container: Container) -> RightsServices | None:
    """``None`` when the mappings declare no ``[rights]``: the routes answer 404."""
    from cityzen_connector.rgpd import DataExports, ErasureRequests, RightsServices

    plan = container.mappings.rights
    if plan is None:
        return None
    settings = container.settings
    audit = _audit(container)
    exports = DataExports(
        container.store,
        container.blobs,
        _reader(container),
        partitions(),
        audit,
        clock=container.clock,
        link_ttl=timedelta(minutes=settings.rights_export_link_minutes),
        retention=_configs.retention(settings),
    )
    erasures = ErasureRequests(
        container.ingest,
        plan,
        audit,
        clock=container.clock,
        retention=timedelta(days=settings.rights_audit_days),
    )
    return RightsServices(exports, erasures, pepper=container.pepper)


def eraser(container: Container) -> Eraser | None:
    from cityzen_connector.citizens import KeptNotifications
    from cityzen_connector.rgpd import Eraser, failed_places

    plan = container.mappings.rights
    if plan is None:
        return None
    settings = container.settings
    embedded = urlsplit(settings.queue_url).scheme in _EMBEDDED_BUSES
    places = failed_places(
        [
            (settings.submissions_queue, True),
            (settings.webhooks_queue, True),
            (settings.profile_updates_queue, True),
            (settings.case_events_queue, embedded),
        ]
    )
    return Eraser(
        store=container.store,
        blobs=container.blobs,
        bus=container.bus,
        failed_places=places,
        client=container.client,
        reader=_reader(container),
        plan=plan,
        partitions=partitions(),
        audit=_audit(container),
        clock=container.clock,
        pepper=container.pepper,
        status_of=lambda submission: _status_of(container, submission),
        forget_notifications=(
            notifier.forget
            if isinstance(notifier := container.notifier, KeptNotifications)
            else None
        ),
    )


def _status_of(container: Container, submission: uuid.UUID) -> tuple[int | None, int | None] | None:
    """The last (state, status reason) the case history knows of a submission's case."""
    history = container.case_history
    case = history.case_of_submission(submission)
    record = history.get(case) if case is not None else None
    if record is None or not record.entries:
        return None
    last = record.entries[-1]
    return last.state, last.status


def run_rights(container: Container) -> dict[str, int]:
    """The ``rights`` timer: prepare the exports asked for, delete the files whose link
    expired, finish the erasures a crash cut short."""
    services, found = container.rights, container.eraser
    if services is None or found is None:
        return {}
    report = services.exports.produce_pending()
    return {
        "exports_produced": report.produced,
        "exports_failed": report.failed,
        "exports_expired": services.exports.purge(),
        "erasures_resumed": found.resume(),
        # Requests the DPO has not decided past their deadline (logged by id as warnings).
        "erasures_overdue": len(found.overdue()),
    }


def on_recorded(container: Container, record: CaseRecord) -> None:
    """The case-events worker recorded ``record``: an erasure request decided?"""
    if container.mappings.rights is None or record.submission_id is None or not record.entries:
        return
    found = container.eraser
    if found is not None:
        last = record.entries[-1]
        found.on_case(record.submission_id, last.state, last.status)
