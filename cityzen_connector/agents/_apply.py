"""Execute a ``Plan``: Dataverse writes in ``$batch`` change sets, licences through the
directory, a ``Report`` back.

Each principal's changes (a team: created, then its roles; a user: created, then roles and
memberships gained, then lost) form one change set, so a principal is changed all at once or
not at all ("Execute batch operations using the Web API": a change set is atomic). Change sets
travel many to a ``$batch`` (``per_batch`` operations at most, 1,000 allowed) with
``Prefer: odata.continue-on-error``, so one refused change set does not stop the others.

Every write is idempotent, so a run cut half-way is completed by the next plan and apply:
rows are created with chosen ids and ``If-None-Match: *`` (412 when the row exists: done
already); an association that exists answers DuplicateRecord (412 0x80040237), a missing one
to remove answers 404: both mean "done already". Such an answer inside a change set rolls the
change set back; its changes are then replayed one by one, where each tolerated answer counts
as done. Any other refusal is reported per change (``Report.failed``), not raised; a request
that gets no answer after the client's retries raises (the run stops; the next completes it).

``acting_for``: the Entra object id of the agent an operation is done for. Dataverse writes
then carry ``CallerObjectId`` ("Impersonate another user using the Web API"), so Dynamics 365
audits the agent (``createdby``, ``modifiedby``), with the application user as
``createdonbehalfby``; the application user needs ``prvActOnBehalfOfAnotherUser``, and the
agent the privileges the writes need. Directory writes are always the application's own.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from cityzen_connector.dataverse import (
    MAX_BATCH_OPERATIONS,
    ChangeSet,
    DataverseClient,
    DataverseError,
    DataverseRequest,
    ops,
)

from ._directory import Directory
from ._errors import DirectoryError
from ._plan import ORDER, Change, Plan

__all__ = ["ApplyOptions", "Failure", "Progress", "Report", "apply_plan", "request_for"]

Progress = Callable[[int, int], None]  # (changes settled, changes in the plan)
_DUPLICATE_RECORD = "0x80040237"


@dataclass(frozen=True)
class Failure:
    """A change Dataverse or the directory refused; ``error`` is log-safe (status, code)."""

    change: Change
    error: str


@dataclass(frozen=True)
class Report:
    done: Counter[str] = field(default_factory=Counter)  # by action
    already: Counter[str] = field(default_factory=Counter)  # found done (a repeated run)
    failed: tuple[Failure, ...] = ()
    dataverse_requests: int = 0
    directory_calls: int = 0

    @property
    def ok(self) -> bool:
        return not self.failed

    def to_json(self) -> dict[str, Any]:
        """For an operator (an API answer, ``--json``): failed changes carry their labels."""
        return {
            "done": dict(self.done),
            "already": dict(self.already),
            "failed": [{"change": f.change.to_json(), "error": f.error} for f in self.failed],
            "dataverse_requests": self.dataverse_requests,
            "directory_calls": self.directory_calls,
        }

    def summary(self) -> str:
        """Counts only: safe for logs."""
        done = sum(self.done.values())
        return (
            f"{done} change(s) done, {sum(self.already.values())} already done,"
            f" {len(self.failed)} failed; {self.dataverse_requests} Dataverse request(s),"
            f" {self.directory_calls} directory call(s)"
        )


@dataclass(frozen=True)
class ApplyOptions:
    per_batch: int = 500  # operations per $batch request
    batched: bool = True  # False: one request per write (the naive baseline of bench/agents.py)
    acting_for: uuid.UUID | None = None

    def __post_init__(self) -> None:
        if not 1 <= self.per_batch <= MAX_BATCH_OPERATIONS:
            raise ValueError(f"per_batch must be 1..{MAX_BATCH_OPERATIONS}")


def request_for(change: Change, service_root: str) -> DataverseRequest[object]:
    """The Web API request of one Dataverse change (pure)."""
    fields = dict(change.fields)
    action, principal, target = change.action, change.principal, change.target
    if action == "create_team":
        body = {
            "name": fields["name"],
            "teamtype": int(fields["team_type"]),
            "azureactivedirectoryobjectid": str(change.object_id),
            "membershiptype": int(fields["membership_type"]),
            "businessunitid@odata.bind": ops.ref("businessunits", fields["business_unit"]),
            "administratorid@odata.bind": ops.ref("systemusers", fields["administrator"]),
        }
        return ops.upsert("teams", principal, body, mode="create_only")
    if action == "create_user":
        user = {
            "azureactivedirectoryobjectid": str(change.object_id),
            "domainname": fields["upn"],
            "lastname": fields["lastname"],
            "businessunitid@odata.bind": ops.ref("businessunits", fields["business_unit"]),
        }
        if "firstname" in fields:
            user["firstname"] = fields["firstname"]
        if "mail" in fields:
            user["internalemailaddress"] = fields["mail"]
        return ops.upsert("systemusers", principal, user, mode="create_only")
    if target is None:
        raise ValueError(f"a {action} change needs a target")
    # (entity set, row, navigation, target set, target row) of each association.
    team_roles = ("teams", principal, "teamroles_association", "roles", target)
    members = ("teams", target, "teammembership_association", "systemusers", principal)
    user_roles = ("systemusers", principal, "systemuserroles_association", "roles", target)
    links = {
        "grant_team_role": team_roles,
        "revoke_team_role": team_roles,
        "add_member": members,
        "remove_member": members,
        "grant_user_role": user_roles,
        "revoke_user_role": user_roles,
    }
    entity_set, row, navigation, target_set, member = links[action]
    if action.startswith(("grant", "add")):
        return ops.associate(
            entity_set, row, navigation, target_set, member, service_root=service_root
        )
    return ops.disassociate(entity_set, row, navigation, member)


def _tolerated(change: Change, error: DataverseError) -> bool:
    """Whether this refusal means the change was done already (see the module docstring)."""
    if change.action in ("create_team", "create_user"):
        return error.status == 412
    if change.action.startswith(("grant", "add")):
        return error.status == 412 and error.code == _DUPLICATE_RECORD
    return error.status == 404


class _Run:
    def __init__(
        self,
        client: DataverseClient,
        directory: Directory,
        total: int,
        progress: Progress | None,
    ) -> None:
        self.client, self.directory = client, directory
        self.total, self.progress = total, progress
        self.done: Counter[str] = Counter()
        self.already: Counter[str] = Counter()
        self.failed: list[Failure] = []
        self.requests = 0
        self.directory_calls = 0

    @property
    def settled(self) -> int:
        return sum(self.done.values()) + sum(self.already.values()) + len(self.failed)

    def tick(self) -> None:
        if self.progress is not None:
            self.progress(self.settled, self.total)

    def outcome(self, change: Change, error: DataverseError | None) -> None:
        if error is None:
            self.done[change.action] += 1
        elif _tolerated(change, error):
            self.already[change.action] += 1
        else:
            self.failed.append(Failure(change, error.summary))

    def report(self) -> Report:
        return Report(
            self.done, self.already, tuple(self.failed), self.requests, self.directory_calls
        )


def apply_plan(
    plan: Plan,
    client: DataverseClient,
    directory: Directory,
    *,
    options: ApplyOptions | None = None,
    progress: Progress | None = None,
) -> Report:
    options = options or ApplyOptions()
    run = _Run(client, directory, len(plan.changes), progress)
    if options.acting_for is not None:
        client = client.with_caller(str(options.acting_for))
        client.who_am_i()  # an unknown or disabled agent is refused here, before any write
        run.requests += 1
    run.client = client
    dataverse = [change for change in plan.changes if not change.on_graph]
    if options.batched:
        for batch in _batches(_change_sets(dataverse), options.per_batch):
            _send_batch(run, batch)
    else:
        for change in dataverse:
            _send_one(run, change)
    for change in plan.changes:
        if change.on_graph:
            _licence(run, change)
    return run.report()


def _change_sets(changes: Sequence[Change]) -> list[list[Change]]:
    """One list per principal, in first-seen order, creation first within it."""
    groups: dict[uuid.UUID, list[Change]] = {}
    for change in changes:
        groups.setdefault(change.principal, []).append(change)
    return [sorted(group, key=lambda c: ORDER[c.action]) for group in groups.values()]


def _batches(sets: list[list[Change]], per_batch: int) -> Iterator[list[list[Change]]]:
    batch: list[list[Change]] = []
    size = 0
    for change_set in sets:
        for start in range(0, len(change_set), per_batch):  # a principal larger than a batch
            part = change_set[start : start + per_batch]
            if batch and size + len(part) > per_batch:
                yield batch
                batch, size = [], 0
            batch.append(part)
            size += len(part)
    if batch:
        yield batch


def _send_batch(run: _Run, batch: list[list[Change]]) -> None:
    root = run.client.config.service_root
    items = [ChangeSet(request_for(c, root) for c in change_set) for change_set in batch]
    result = run.client.execute_batch(items, continue_on_error=True)
    run.requests += 1
    outcomes = iter(result.results)
    replay: list[Change] = []
    for change_set in batch:
        results = [next(outcomes) for _ in change_set]
        if all(r.ok for r in results):
            for change in change_set:
                run.outcome(change, None)
        else:
            replay += change_set  # rolled back as a whole: one by one, in order
    if replay:
        requests = [request_for(c, root) for c in replay]
        single = run.client.execute_batch(requests, continue_on_error=True)
        run.requests += 1
        for change, outcome in zip(replay, single.results, strict=True):
            if outcome.response is None and outcome.error is None:
                run.failed.append(Failure(change, "not run: the batch stopped before it"))
            else:
                run.outcome(change, outcome.error)
    run.tick()


def _send_one(run: _Run, change: Change) -> None:
    try:
        run.requests += 1
        run.client.execute(request_for(change, run.client.config.service_root))
    except DataverseError as exc:
        if exc.is_transient:
            raise
        run.outcome(change, exc)
    else:
        run.outcome(change, None)
    run.tick()


def _licence(run: _Run, change: Change) -> None:
    assert change.target is not None  # the planner sets a SKU on every licence change
    add = [change.target] if change.action == "assign_licence" else []
    remove = [change.target] if change.action == "remove_licence" else []
    run.directory_calls += 1
    try:
        run.directory.assign_licence(change.principal, add=add, remove=remove)
    except DirectoryError as exc:
        if exc.is_transient:
            raise
        run.failed.append(Failure(change, str(exc)))
    else:
        run.done[change.action] += 1
    run.tick()
