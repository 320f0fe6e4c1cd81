"""rgpd: the citizens' data-protection rights (docs/rgpd.md).

- access and portability (``DataExports``): ``POST /api/v1/citizens/me/data-export`` asks,
  the ``rights`` timer prepares (``produce_pending``), the citizen downloads once;
- erasure and objection (``ErasureRequests``): a request filed for the data protection officer
  through the same intake as any request; the DPO's decision in Dynamics 365 comes back as a
  case-status event, and the case-events worker hands the case to ``Eraser.on_case``;
- every right exercised is audited without personal data (``RightsAudit``).

Who the citizen is: their identity key only (``mapping.identity_key``), never a name.
"""

from ._audit import RightsAudit
from ._collect import DataverseHoldings, DataverseReader
from ._document import EXPORT_SCHEMA, build_document
from ._eraser import Eraser
from ._errors import (
    ExportGoneError,
    ExportNotFoundError,
    ExportNotReadyError,
    RightsError,
    RightsUnavailableError,
)
from ._exports import EXPORT_MEDIA_TYPE, DataExports, ProduceReport, RequestedExport
from ._filing import ErasureRequests, FiledRequest
from ._holdings import Holdings, Partitions, find_holdings
from ._queues import FailedPlace, failed_places
from ._records import (
    AUDIT_PARTITION,
    ERASED_PARTITION,
    ERASURES_PARTITION,
    EXPORTS_PARTITION,
    pseudonym,
)
from ._services import RightsServices

__all__ = [
    "AUDIT_PARTITION",
    "ERASED_PARTITION",
    "ERASURES_PARTITION",
    "EXPORTS_PARTITION",
    "EXPORT_MEDIA_TYPE",
    "EXPORT_SCHEMA",
    "DataExports",
    "DataverseHoldings",
    "DataverseReader",
    "Eraser",
    "ErasureRequests",
    "ExportGoneError",
    "ExportNotFoundError",
    "ExportNotReadyError",
    "FailedPlace",
    "FiledRequest",
    "Holdings",
    "Partitions",
    "ProduceReport",
    "RequestedExport",
    "RightsAudit",
    "RightsError",
    "RightsServices",
    "RightsUnavailableError",
    "build_document",
    "failed_places",
    "find_holdings",
    "pseudonym",
]
