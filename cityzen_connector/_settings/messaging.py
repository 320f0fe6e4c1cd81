"""The queues, the webhooks to the portal, the state store and the attachment blobs.

Fields of ``cityzen_connector.settings.Settings``, which inherits this class: see there
for how they are read and checked.
"""

from __future__ import annotations

from pydantic import BaseModel, Field, SecretStr


class MessagingSettings(BaseModel):
    """Settings' fields of this area (env names: ``CITYZEN_`` + the field's name)."""

    # -- messaging -----------------------------------------------------------------------------
    queue_url: str = Field(
        "sqlite:///.cityzen/queue.db",
        description=(
            "Message bus backend: sqlite:///path, memory://, or servicebus://<namespace FQDN>"
            " (managed identity) / a Service Bus connection string."
        ),
    )
    submissions_queue: str = Field("submissions", description="Queue of portal submissions.")
    case_events_queue: str = Field(
        "case-events",
        description="Queue the Dataverse service endpoint posts case changes to (cases/).",
    )
    # The service endpoint `cityzen dataverse register-events` registers in Dataverse to post
    # there: the queue's namespace and a shared access policy of that queue with Send only.
    case_events_namespace: str = Field(
        "",
        description=(
            "Service Bus namespace the Dataverse service endpoint posts case events to"
            " (contoso.servicebus.windows.net); empty: the embedded queue (local mode)."
        ),
    )
    case_events_sas_key_name: str = Field(
        "dataverse-send",
        description="Shared access policy of the case-events queue (Send only) for Dataverse.",
    )
    case_events_sas_key: SecretStr = Field(
        SecretStr(""),
        description="That policy's key: sent to Dataverse by register-events, never printed.",
    )
    webhooks_queue: str = Field(
        "webhooks", description="Outbox of webhook events waiting for delivery to the portal."
    )
    profile_updates_queue: str = Field(
        "profile-updates",
        description=(
            "Queue of citizens' contact changes (PATCH /api/v1/citizens/me) waiting to be"
            " applied to Dynamics 365 (citizens/; docs/profile.md)."
        ),
    )
    notifier_url: str = Field(
        "file://.cityzen/notifications",
        description=(
            "Who sends citizens' e-mail and SMS notifications: file://folder (one private JSON"
            " file per notification, local mode), memory://, or none:// (the portal notifies"
            " from the webhook's channel)."
        ),
    )
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

    # -- webhooks to the portal ----------------------------------------------------------------
    webhook_urls: str = Field(
        "",
        description=(
            "Where the portal receives case status changes (Standard Webhooks), comma-separated;"
            " empty: webhooks off. https, or http to 127.0.0.1/localhost in local mode."
        ),
    )
    webhook_secrets: SecretStr = Field(
        SecretStr(""),
        description=(
            "Signing secret(s), whsec_ + base64 of 24-64 random bytes, comma-separated: each one"
            " signs every delivery (rotation). Prefer a Key Vault reference."
        ),
    )
    webhook_timeout_seconds: float = Field(
        15.0, gt=0, le=60, description="Per-attempt timeout of a delivery (the spec: 15-30 s)."
    )
    webhook_give_up_hours: float = Field(
        72.0,
        gt=0,
        le=336,
        description=(
            "Stop retrying an endpoint this long after the event was queued, then dead-letter"
            " it (replayable); the back-off is the submissions' (retry_* settings)."
        ),
    )
    webhook_max_attempts: int = Field(
        300, ge=1, le=10000, description="Attempts per endpoint before dead-lettering an event."
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
