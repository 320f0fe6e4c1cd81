"""What the HTTP API calls: the rights' use cases, bound by the composition root."""

from __future__ import annotations

from dataclasses import dataclass, field

from cityzen_connector.mapping import identity_key

from ._exports import DataExports
from ._filing import ErasureRequests


@dataclass(frozen=True)
class RightsServices:
    exports: DataExports
    # ``None``: no ``[rights]`` in the mappings, so no sub-theme to file an erasure under.
    erasures: ErasureRequests | None = None
    pepper: bytes = field(default=b"", repr=False)  # the identity key's (CITYZEN_IDENTITY_KEY)

    def owner(self, issuer: str, sub: str) -> str:
        """The citizen's identity key: what their records and contact are found by."""
        return identity_key(issuer, sub, pepper=self.pepper)
