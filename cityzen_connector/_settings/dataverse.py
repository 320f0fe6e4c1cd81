"""The local runtime's folder, the Dataverse organisation and the embedded emulator.

Fields of ``cityzen_connector.settings.Settings``, which inherits this class: see there
for how they are read and checked.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, SecretStr

DataverseAuth = Literal["static", "client_secret", "certificate", "managed_identity"]


class DataverseSettings(BaseModel):
    """Settings' fields of this area (env names: ``CITYZEN_`` + the field's name)."""

    # -- local runtime -------------------------------------------------------------------------
    data_dir: Path = Field(
        Path(".cityzen"),
        description="Folder of the embedded backends' files (local mode); private: 0700, 0600.",
    )

    # -- Dataverse -----------------------------------------------------------------------------
    dataverse_url: str = Field(
        "http://127.0.0.1:7072",
        description="Organisation URL, e.g. https://contoso.crm4.dynamics.com (default: emulator).",
    )
    dataverse_auth: DataverseAuth = Field(
        "static",
        description="How to get tokens: static, client_secret, certificate or managed_identity.",
    )
    dataverse_tenant_id: str = Field(
        "", description="Entra ID tenant id (client_secret/certificate)."
    )
    dataverse_client_id: str = Field(
        "", description="Application (client) id; for managed_identity, a user-assigned identity."
    )
    dataverse_client_secret: SecretStr = Field(
        SecretStr(""),
        description="Client secret (auth client_secret). Prefer a Key Vault reference.",
    )
    dataverse_certificate_path: Path | None = Field(
        None, description="PEM file with the private key and certificate (auth certificate)."
    )
    dataverse_certificate_password: SecretStr = Field(
        SecretStr(""), description="Password of the certificate's private key, if any."
    )
    dataverse_static_token: SecretStr = Field(
        SecretStr("local-dev-token"), description="Bearer token sent with auth static (emulator)."
    )
    dataverse_timeout_seconds: float = Field(
        30.0, gt=0, le=300, description="Per-request timeout towards Dataverse."
    )
    dataverse_max_concurrency: int = Field(
        5, ge=1, le=52, description="Local cap of requests in flight (x-ms-dop-hint may lower it)."
    )
    dataverse_bulk_chunk_size: int = Field(
        100, ge=1, le=1000, description="Records per CreateMultiple/UpsertMultiple request."
    )

    # -- embedded Dataverse emulator (local mode only) -----------------------------------------
    emulator_host: str = Field("127.0.0.1", description="Emulator listen address.")
    emulator_port: int = Field(7072, ge=1, le=65535, description="Emulator listen port.")
    emulator_data_dir: Path = Field(
        Path(".cityzen/emulator"),
        description="Folder of the emulator's SQLite database and generated TLS certificate.",
    )
    emulator_token: SecretStr = Field(
        SecretStr(""),
        description="Strict auth: the bearer token the emulator requires (empty: any token).",
    )
    emulator_tls: bool = Field(False, description="Serve HTTPS with a generated self-signed cert.")
    emulator_key_activation_seconds: float = Field(
        2.0, ge=0, le=3600, description="Delay before a new alternate key's index is Active."
    )
    emulator_throttling: bool = Field(
        False, description="Simulate Dataverse service protection limits (429)."
    )
    emulator_throttle_window_seconds: float = Field(
        300.0, gt=0, le=3600, description="Sliding window of the service protection limits."
    )
    emulator_throttle_max_requests: int = Field(
        6000, ge=1, description="Requests per caller per window ($batch/bulk count as one)."
    )
    emulator_throttle_max_execution_ms: int = Field(
        1_200_000, ge=1, description="Combined execution time per caller per window (ms)."
    )
    emulator_throttle_max_concurrent: int = Field(
        52, ge=1, description="Concurrent requests per caller."
    )
    emulator_throttle_operation_cost_ms: int = Field(
        10, ge=0, description="Execution time each operation costs (batches cost per operation)."
    )
    emulator_dop_hint: int = Field(
        16, ge=1, le=52, description="Value of the x-ms-dop-hint header the emulator sends."
    )
    emulator_fault_error_rate: float = Field(
        0.0, ge=0, le=1, description="Fault injection: fraction of requests answered 503."
    )
    emulator_fault_drop_rate: float = Field(
        0.0,
        ge=0,
        le=1,
        description="Fault injection: fraction of replies cut (dropped connection).",
    )
    emulator_fault_latency_seconds: float = Field(
        0.0, ge=0, le=60, description="Fault injection: latency added to every request."
    )
    emulator_latency_base_seconds: float = Field(
        0.0,
        ge=0,
        le=60,
        description="Latency model (benchmarks, soak tests): service time of every request.",
    )
    emulator_latency_per_operation_seconds: float = Field(
        0.0,
        ge=0,
        le=1,
        description=(
            "Latency model: service time added per operation (a $batch or a bulk message of"
            " N records is N operations)."
        ),
    )
