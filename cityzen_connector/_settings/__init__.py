"""The settings' fields by area, in base classes of ``cityzen_connector.settings.Settings``.

Only ``settings`` imports this package: a field belongs here by its area, and every rule that
reads several fields, and how the environment is read, stays in ``Settings``.
"""

from __future__ import annotations

from .cases import CasesSettings
from .dataverse import DataverseAuth, DataverseSettings
from .identity import IdentitySettings
from .messaging import MessagingSettings
from .portal import PortalSettings

__all__ = [
    "CasesSettings",
    "DataverseAuth",
    "DataverseSettings",
    "IdentitySettings",
    "MessagingSettings",
    "PortalSettings",
]
