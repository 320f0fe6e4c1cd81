"""Every knob of the connector, in one typed class read once at the edge.

Each field's environment name is ``CITYZEN_`` + its upper-cased name (the Function App setting
of the same name in Azure). Every default means "embedded local mode": the emulator on
127.0.0.1:7072, an SQLite queue and store under ``.cityzen/``, no Azure at all. Library code
never reads ``os.environ``; it receives this object, or a small frozen piece of it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

ENV_PREFIX = "CITYZEN_"

DataverseAuth = Literal["static", "client_secret", "certificate", "managed_identity"]


class Settings(BaseSettings):
    """The connector's configuration. ``Settings()`` reads the environment; tests pass values."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        frozen=True,
        extra="ignore",
        case_sensitive=False,
    )

    # -- local runtime -------------------------------------------------------------------------
    data_dir: Path = Field(
        Path(".cityzen"), description="Folder for the embedded backends' files (local mode)."
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

    # -- messaging -----------------------------------------------------------------------------
    queue_url: str = Field(
        "sqlite:///.cityzen/queue.db",
        description=(
            "Message bus backend: sqlite:///path, memory://, or servicebus://<namespace FQDN>"
            " (managed identity) / a Service Bus connection string."
        ),
    )
    submissions_queue: str = Field("submissions", description="Queue of portal submissions.")
    # Embedded queue only: in Azure these are properties of the queue itself (infra/).
    queue_lock_duration_seconds: float = Field(
        60.0,
        gt=0,
        le=300,
        description="Peek-lock duration (embedded queue; Service Bus: 5 min max).",
    )
    queue_max_delivery_count: int = Field(
        10, ge=1, le=2000, description="Deliveries before dead-letter (embedded queue)."
    )
    queue_duplicate_window_seconds: float = Field(
        600.0, ge=20, le=604800, description="Duplicate detection window by message id (embedded)."
    )
    queue_time_to_live_days: float = Field(
        14.0, gt=0, le=3650, description="Message time-to-live, then dead-letter (embedded queue)."
    )
    # Retry with backoff across deliveries (every backend).
    retry_initial_delay_seconds: float = Field(
        30.0, gt=0, le=3600, description="First delay before retrying a transient failure."
    )
    retry_max_delay_seconds: float = Field(
        900.0, gt=0, le=86400, description="Cap of the doubling retry delay."
    )
    retry_horizon_hours: float = Field(
        24.0, gt=0, le=336, description="Give up and reject after this long since first enqueue."
    )

    # -- state store and attachment blobs ------------------------------------------------------
    store_url: str = Field(
        "sqlite:///.cityzen/state.db",
        description="State store: sqlite:///path, memory://, or azuretables://<account URL>.",
    )
    blob_url: str = Field(
        "file://.cityzen/blobs",
        description=(
            "Attachment blobs: file://folder, memory://, or azureblob://<account URL>/<container>."
        ),
    )
    retention_days: int = Field(
        30, ge=1, le=3650, description="RGPD: days rejected messages, records and blobs are kept."
    )
