"""The rights' errors, by what the caller should do (each carries its problem code)::

    RightsError                   (never raised itself)
    ├── ExportNotFoundError       404 no such export, or not this citizen's: never say which
    ├── ExportNotReadyError       409 still being prepared: poll its status, then download
    ├── ExportGoneError           410 downloaded once already, or its link expired
    └── RightsUnavailableError    503 a backend cannot be reached now: retry later

Messages are fixed texts: never an id, a token or a name.
"""

from __future__ import annotations

from cityzen_connector.models import ProblemCode


class RightsError(Exception):
    code: ProblemCode = ProblemCode.INTERNAL_ERROR
    message: str = "the request about your data failed"

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message or self.message)
        self.message = message or self.message


class ExportNotFoundError(RightsError):
    code = ProblemCode.NOT_FOUND
    message = "no such export"


class ExportNotReadyError(RightsError):
    code = ProblemCode.EXPORT_NOT_READY
    message = "the export is still being prepared"


class ExportGoneError(RightsError):
    code = ProblemCode.EXPORT_GONE
    message = "this export was downloaded already, or its link expired"


class RightsUnavailableError(RightsError):
    code = ProblemCode.SERVICE_UNAVAILABLE
    message = "a backend is unavailable; retry later"
