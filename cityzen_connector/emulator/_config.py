"""The emulator's knobs, as one frozen value (built from Settings by the CLI)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

# Stable ids (uuid5) of what every emulator instance knows: the organisation and the caller.
SEED_NS = uuid.UUID("0b6f5d0e-3c1a-5f7e-9a7b-2f4c6e8d1a30")
ORGANIZATION_ID = str(uuid.uuid5(SEED_NS, "organization"))
CALLER_ID = str(uuid.uuid5(SEED_NS, "systemuser:connector"))
BUSINESS_UNIT_ID = str(uuid.uuid5(SEED_NS, "businessunit:root"))
# The connector's application user: its app registration (applicationid) and the object id of
# its service principal in Entra ID (azureactivedirectoryobjectid), as application users have.
APPLICATION_ID = str(uuid.uuid5(SEED_NS, "application:connector"))
CALLER_OBJECT_ID = str(uuid.uuid5(SEED_NS, "entra:connector"))


@dataclass(frozen=True)
class ProtectionLimits:
    """Service protection limits per caller over a sliding window (Dataverse: 6000 requests,
    1,200,000 ms of execution time, 52 concurrent requests per 300 s)."""

    window_seconds: float = 300.0
    max_requests: int = 6000
    max_execution_ms: int = 1_200_000
    max_concurrent: int = 52
    cost_per_operation_ms: int = 10


@dataclass(frozen=True)
class Faults:
    """Fault injection: a fraction of 503 replies, added latency, dropped connections."""

    error_rate: float = 0.0
    latency_seconds: float = 0.0
    drop_rate: float = 0.0


@dataclass(frozen=True)
class Latency:
    """A service time per request, for benchmarks and soak tests: ``base_seconds`` for every
    request plus ``per_operation_seconds`` for each operation in it (a ``$batch`` or a bulk
    message of N records is N operations, see ``_cost.py``). Off by default."""

    base_seconds: float = 0.0
    per_operation_seconds: float = 0.0

    def __post_init__(self) -> None:
        if self.base_seconds < 0 or self.per_operation_seconds < 0:
            raise ValueError("latency seconds must not be negative")

    @property
    def enabled(self) -> bool:
        return bool(self.base_seconds or self.per_operation_seconds)


@dataclass(frozen=True)
class EmulatorConfig:
    database: str = ":memory:"
    token: str | None = None  # strict auth when set: the bearer token must equal it
    caller_id: str = CALLER_ID
    key_activation_seconds: float = 2.0
    protection: ProtectionLimits | None = None
    faults: Faults = field(default_factory=Faults)
    latency: Latency = field(default_factory=Latency)
    dop_hint: int = 16
    max_body_bytes: int = 32 * 1024 * 1024
