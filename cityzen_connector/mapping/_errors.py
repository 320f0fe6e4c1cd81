"""Errors of the mapping package.

::

    MappingError                   base; never retryable (data, not infrastructure)
    ├── MappingFileError           a mappings/*.toml file is invalid: names file and key
    └── PlanError                  this submission cannot be mapped (permanent for it)
        └── FormValidationError    the sub-theme's extra form fields are invalid (HTTP 422)

    ExpressionError                a column expression is wrong at a key: reported as a
                                   MappingFileError naming the file

Messages name keys, fields and codes, never the citizen's values.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from cityzen_connector.models import FieldError


class MappingError(Exception):
    """Base of the mapping package's errors. None of them is worth retrying."""

    is_transient = False


@dataclass(frozen=True)
class FileProblem:
    """One problem in a mapping file: ``file`` like ``mappings/incident.toml``, dotted ``key``."""

    file: str
    key: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}: {self.key}" if self.key else self.file
        return f"{where}: {self.message}"


class MappingFileError(MappingError):
    """The mapping files are invalid. ``str()`` lists every problem, one per line."""

    def __init__(self, problems: Sequence[FileProblem]) -> None:
        self.problems = tuple(problems)
        super().__init__("\n".join(str(problem) for problem in self.problems))


class PlanError(MappingError):
    """This submission cannot become Dataverse writes: reject it with ``code`` and ``reason``."""

    def __init__(self, code: str, reason: str) -> None:
        self.code = code
        self.reason = reason
        super().__init__(f"{code}: {reason}")


class FormValidationError(PlanError):
    """The sub-theme's own form fields are missing or invalid; one problem per field."""

    def __init__(self, problems: Sequence[FieldError]) -> None:
        self.problems = tuple(problems)
        listed = "; ".join(f"{p.field}: {p.message_en}" for p in self.problems)
        super().__init__("invalid_form_fields", listed)


class ExpressionError(Exception):
    """A problem at ``key`` (relative to the column) with ``message``."""

    def __init__(self, message: str, key: str = "") -> None:
        self.key = key
        self.message = message
        super().__init__(message)
