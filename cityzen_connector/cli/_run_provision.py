"""``cityzen run``'s provisioning: plan and apply until nothing is missing, in a few rounds.

Provisioning is idempotent: a new plan reads what an interrupted one created. So a round that
Dataverse cuts short — a read whose retries ran out, a create whose reply was lost (the client
never repeats a create blindly: Dataverse may have done it) — is followed by a new plan rather
than by the end of the run. What a new plan cannot mend (authentication, permissions, a request
we refuse to send, the mappings) ends it at once.

Against a Dataverse that ``cityzen run`` did not start (``--dataverse-url``: a tenant, or an
emulator injecting faults for a fault or soak run), rounds that all end on a transient failure
(503, 429, no answer) do not stop the run: it starts, says so, and the worker's deliveries retry
until Dataverse answers — the degraded mode the queue exists for.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from cityzen_connector.dataverse import (
    AuthenticationError,
    DataverseClient,
    DataverseError,
    InvalidRequestError,
    PermissionDeniedError,
)
from cityzen_connector.mapping import MappingError, MappingSet
from cityzen_connector.sync import ProvisionError, apply_provisioning, plan_provisioning

from ._errors import _StartError

__all__ = ["ROUNDS", "KeyClock", "provision_until_done"]

# Each round's reads already retry (the client's HTTP policy, up to 4 attempts); a round that
# still fails is rare against a healthy Dataverse, and three rounds keep a hopeless start short.
ROUNDS = 3
_FINAL = (AuthenticationError, PermissionDeniedError, InvalidRequestError)
_DONE = ("present", "created", "active")
EXIT_FAILED = 1


@dataclass(frozen=True)
class KeyClock:
    """How new alternate keys are waited for until their index is Active."""

    now: Callable[[], float]
    sleep: Callable[[float], None]
    deadline_seconds: float


def provision_until_done(
    client: DataverseClient,
    mappings: MappingSet,
    keys: KeyClock,
    *,
    echo: Callable[[str], None],
    start_when_unavailable: bool = False,
    rounds: int = ROUNDS,
) -> str:
    """Provision what the mappings need, the catalogue included; returns the summary line.

    Raises ``_StartError`` (exit code 1) when it cannot be done: an error a new plan cannot
    mend, a key whose index failed, or rounds that ran out — unless the last failure was
    transient and ``start_when_unavailable`` is set."""
    missing: int | None = None  # what the first complete plan found missing
    for attempt in range(1, rounds + 1):
        try:
            plan = plan_provisioning(client, mappings.schema(), mappings.catalog)
            missing = len(plan.todo) if missing is None else missing
            if not plan.todo:
                break
            report = apply_provisioning(
                client,
                plan,
                now=keys.now,
                sleep=keys.sleep,
                key_deadline_seconds=keys.deadline_seconds,
                create_catalog=True,
            )
        except (MappingError, ProvisionError) as exc:
            raise _StartError(f"{type(exc).__name__}: {exc}", EXIT_FAILED) from exc
        except DataverseError as exc:
            # The summary names type, status, code and request id: never a submitted value.
            if isinstance(exc, _FINAL):
                raise _StartError(exc.summary, EXIT_FAILED) from exc
            if attempt < rounds:
                echo(f"Dataverse schema: interrupted ({exc.summary}); planning again")
                continue
            if exc.is_transient and start_when_unavailable:
                return (
                    f"Dataverse schema: not checked ({exc.summary}); starting all the same:"
                    " requests wait in the queue until Dataverse answers"
                )
            raise _StartError(exc.summary, EXIT_FAILED) from exc
        if not report.ok:
            failed = "; ".join(s.line() for s in report.steps if s.state not in _DONE)
            raise _StartError(f"provisioning incomplete: {failed}", EXIT_FAILED)
        break
    if not missing:
        return "Dataverse schema: already provisioned"
    return f"Dataverse schema: {missing} item(s) provisioned"
