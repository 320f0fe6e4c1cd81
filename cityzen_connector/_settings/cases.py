"""Mappings and contact matching, case status back to citizens, their rights, agents' accounts.

Fields of ``cityzen_connector.settings.Settings``, which inherits this class: see there
for how they are read and checked.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, Field, SecretStr


class CasesSettings(BaseModel):
    """Settings' fields of this area (env names: ``CITYZEN_`` + the field's name)."""

    # -- mappings and contact matching ---------------------------------------------------------
    mappings_dir: Path = Field(
        Path("mappings"), description="Folder of the mapping files (mappings/*.toml)."
    )
    identity_pepper: SecretStr = Field(
        SecretStr(""),
        description=(
            "Secret HMAC key of the contact keys (identity and pivot). Set once, never change:"
            " changing it re-keys every contact. Use a Key Vault reference in Azure."
        ),
    )

    # -- case status back to citizens (cases/) ------------------------------------------------
    case_history_days: int = Field(
        400,
        ge=1,
        le=3650,
        description="RGPD: days a case's status history is kept after its last change.",
    )
    case_requests_cache_seconds: float = Field(
        60.0,
        ge=0,
        le=3600,
        description='"My requests": how long one Dataverse read of a citizen\'s cases is reused.',
    )

    # -- citizens' data-protection rights (docs/rgpd.md) ---------------------------------------
    rights_export_link_minutes: int = Field(
        1440,
        ge=5,
        le=10080,
        description="RGPD: minutes a ready data export can be downloaded (once), then deleted.",
    )
    rights_audit_days: int = Field(
        1095,
        ge=30,
        le=3650,
        description=(
            "RGPD: days the audit of rights exercised (no personal data) and erasure requests"
            " awaiting the DPO's decision are kept."
        ),
    )
    # -- agents' accounts: Entra ID groups to Dynamics 365 -------------------------------------
    agents_directory_url: str = Field(
        "file:samples/directory.json",
        description=(
            "Where the access model's groups are read: https://graph.microsoft.com (Microsoft"
            " Graph, with the Dataverse app registration's credentials) or file:<path> (a"
            " directory file, local mode)."
        ),
    )
    agents_batch_operations: int = Field(
        500, ge=1, le=1000, description="Agents' reconciliation: writes sent in one $batch."
    )
