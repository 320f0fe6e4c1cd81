"""Errors of the HTTP core, raised while reading a request; each becomes a problem+json answer
with a fixed detail (never body content).

::

    BodyError        the body cannot be read as a submission: a problem code and a detail
    MultipartError   (ValueError) the body is not well-formed multipart/form-data
    QueryParameterError  a query parameter is missing or not valid: a fixed detail naming it
    QueryError       query parameters not valid: each one named, as a 422 lists fields
"""

from __future__ import annotations

from collections.abc import Iterable

from cityzen_connector.models import FieldError, ProblemCode


class BodyError(Exception):
    """The body cannot be read: a problem code and a fixed detail (never body content)."""

    def __init__(self, code: ProblemCode, detail: str) -> None:
        self.code = code
        self.detail = detail
        super().__init__(detail)


class MultipartError(ValueError):
    """The body is not well-formed multipart/form-data (a fixed text; never body bytes)."""


class QueryParameterError(ValueError):
    """A query parameter is missing or not valid; ``detail`` names it and its rule (never the
    value): a 400 ``invalid_parameter``."""

    def __init__(self, detail: str) -> None:
        self.detail = detail
        super().__init__(detail)


class QueryError(ValueError):
    """Query parameters are not valid: the fields (``query.<name>``) and rules, no values."""

    def __init__(self, errors: Iterable[FieldError]) -> None:
        self.errors = tuple(errors)
        super().__init__(f"{len(self.errors)} query parameter(s) not valid")
