"""Erasure and objection (RGPD articles 17 and 21): the request, filed for the data protection
officer through the same intake as any request.

The body (``models.ErasureRequestBody``: the right, an optional reason of 2,000 characters at
most) becomes a submission of the ``[rights]`` sub-theme (``mappings/rights.toml``), whose form
field says which right; ``sync.intake.submit`` validates, records and queues it like any other,
the pipeline files the case, ``routing.toml`` gives it to the DPO's team. The citizen follows it
at ``/api/v1/requests/{id}`` as any request.

Beside it, before it is submitted, one record (``rgpd-erasures``, key = its submission id):
whose request it is (identity key) and which right. The case-status event finds it there when
the DPO decides (``_eraser``), and by when they must (``due_on``: the sub-theme's target
delay, a month at most, RGPD article 12.3; the case's title says it too). Written first, so a
case never exists without it; a request that then is not filed (a 409: the id is another
request's; the queue down) takes it away again, so that the resolution of some other case
with that id never reads as the DPO's approval.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from pydantic import ValidationError

from cityzen_connector.identity import CallerIdentity
from cityzen_connector.mapping import RightsPlan, identity_key
from cityzen_connector.models import ErasureRequestBody, RightKind
from cityzen_connector.store import PreconditionFailedError, StateStore
from cityzen_connector.sync.intake import (
    IdempotencyConflictError,
    IngestPorts,
    InvalidSubmissionError,
    SubmissionInput,
    submit,
)

from ._audit import RightsAudit
from ._records import ERASURES_PARTITION

_SUBJECTS: Mapping[RightKind, str] = {
    "erasure": "Demande d'effacement de mes données personnelles",
    "objection": "Opposition au traitement de mes données personnelles",
}
_DEFAULT_TEXT: Mapping[RightKind, str] = {
    "erasure": "Le demandeur exerce son droit à l'effacement (RGPD, article 17).",
    "objection": "Le demandeur exerce son droit d'opposition (RGPD, article 21).",
}


@dataclass(frozen=True)
class FiledRequest:
    request_id: uuid.UUID
    kind: RightKind


class ErasureRequests:
    def __init__(
        self,
        ingest: IngestPorts,
        plan: RightsPlan,
        audit: RightsAudit,
        *,
        clock: Callable[[], datetime],
        retention: timedelta,
    ) -> None:
        self._ingest = ingest
        self._plan = plan
        self._audit = audit
        self._clock = clock
        self._retention = retention

    @property
    def store(self) -> StateStore:
        return self._ingest.store

    def file(
        self,
        caller: CallerIdentity,
        issuer: str,
        sub: str,
        body: Mapping[str, Any],
    ) -> FiledRequest:
        """``issuer``/``sub``: who "me" is (the token's, or the portal's headers)."""
        try:
            parsed = ErasureRequestBody.model_validate(body)
        except ValidationError as exc:
            raise InvalidSubmissionError.from_validation(exc) from None
        plan = self._plan
        request_id = parsed.id or uuid.uuid4()
        due = (self._clock() + timedelta(days=plan.target_days)).date()
        submission: dict[str, Any] = {
            "id": str(request_id),
            "theme": plan.theme,
            "sub_theme": plan.sub_theme,
            # The deadline in the title: what the DPO sees in every view of their cases.
            "subject": f"{_SUBJECTS[parsed.kind]} (réponse due le {due:%d/%m/%Y})",
            "description": parsed.reason or _DEFAULT_TEXT[parsed.kind],
            "fields": {plan.kind_field: plan.kinds[parsed.kind]},
        }
        if caller.kind == "portal":
            submission["citizen"] = {"issuer": issuer, "sub": sub}
        owner = identity_key(issuer, sub, pepper=self._ingest.identity_key)
        created = self._remember(request_id, owner, parsed.kind, due)
        try:
            accepted = submit(SubmissionInput(body=submission), caller, self._ingest)
        except Exception:
            # Not filed (an id another request holds, the queue down...): the record must not
            # outlive it, or the resolution of whatever case holds that id one day would read
            # as the DPO's approval.
            if created:
                self.store.delete(ERASURES_PARTITION, str(request_id))
            raise
        if not accepted.replayed:
            self._audit.record(parsed.kind, str(request_id), "filed", owner=owner)
        return FiledRequest(accepted.submission_id, parsed.kind)

    def _remember(self, request_id: uuid.UUID, owner: str, kind: RightKind, due: date) -> bool:
        """Whether this call created the record (``False``: the same request sent again)."""
        now = self._clock()
        value = {
            "owner": owner,
            "kind": kind,
            "state": "filed",
            "filed_at": now.isoformat(),
            "due_on": due.isoformat(),
        }
        try:
            self.store.put(
                ERASURES_PARTITION,
                str(request_id),
                value,
                create_only=True,
                expires_at=now + self._retention,
            )
        except PreconditionFailedError:
            found = self.store.get(ERASURES_PARTITION, str(request_id))
            if found is not None and (
                found.value.get("owner") != owner or found.value.get("kind") != kind
            ):
                raise IdempotencyConflictError(
                    "this id was already used for a different request"
                ) from None
            return False
        return True
