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

    # -- local Functions host (local mode only) ------------------------------------------------
    localhost_host: str = Field("127.0.0.1", description="Local Functions host listen address.")
    localhost_port: int = Field(
        7071, ge=0, le=65535, description="Local Functions host port (7071 like func start)."
    )
    localhost_app_dir: Path = Field(
        Path("."), description="Folder holding function_app.py and host.json."
    )
    localhost_key_file: Path | None = Field(
        None, description="Local function/master key file, mode 0600 (default: data_dir)."
    )
    localhost_poll_interval_seconds: float = Field(
        0.5, gt=0, le=60, description="How long queue triggers wait for a message per poll."
    )
    localhost_max_body_bytes: int = Field(
        100 * 1024 * 1024, ge=1, description="HTTP request body cap (Azure's default 100 MB)."
    )
    localhost_http_threads: int = Field(
        8, ge=1, le=64, description="Local Functions host HTTP worker threads."
    )
