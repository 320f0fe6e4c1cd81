"""Why a submission, a status read or a theme read was refused: one shallow tree.

::

    IngestError                     base; ``status`` is the HTTP status the API answers
    ├── InvalidSubmissionError      422: every invalid field, listed (no values)
    ├── PayloadTooLargeError        413: body, one attachment or all of them over their cap
    ├── UnsupportedFileTypeError    415: an attachment's bytes are not an accepted type
    ├── IdempotencyConflictError    409: the id was used for another body (or is in flight)
    ├── CallerNotAllowedError       403: this kind of caller may not do this
    ├── SubmissionNotFoundError     404: unknown id, or not yours (existence is not leaked)
    └── DependencyUnavailableError  503: a backend we need is down; retry later (the
                                    queue's, store's or Dataverse's error is its cause)

Messages name fields, limits and codes, never a submitted value (RGPD).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from typing import ParamSpec, TypeVar

from pydantic import ValidationError

from cityzen_connector.messaging import BusUnavailableError
from cityzen_connector.models import FieldError, FieldProblem, field_errors_from_validation
from cityzen_connector.store import StoreUnavailableError

# French for the codes our own checks (and the mapping's form checks) produce.
_FRENCH = {
    "missing": "Ce champ est obligatoire.",
    "unknown_field": "Ce champ n’existe pas pour cette sous-thématique.",
    "unknown_theme": "Cette thématique ou sous-thématique n’existe pas.",
    "bool_type": "Oui ou non est attendu.",
    "number_type": "Un nombre est attendu.",
    "string_type": "Un texte est attendu.",
    "too_small": "Cette valeur est trop petite.",
    "too_large": "Cette valeur est trop grande.",
    "too_long": "Cette valeur est trop longue.",
    "too_many": "Trop de pièces jointes.",
    "date_format": "Une date (AAAA-MM-JJ) est attendue.",
    "not_a_choice": "Cette valeur ne fait pas partie des choix possibles.",
    "base64": "Le contenu du fichier n’est pas un base64 valide.",
    "empty_file": "Le fichier est vide.",
    "rejected_by_scan": "Ce fichier a été refusé par l’analyse antivirus.",
    "extra_forbidden": "Ce champ n’est pas attendu.",
    "model_type": "Un objet JSON est attendu.",
    "id_mismatch": "L’identifiant du corps et l’en-tête Idempotency-Key diffèrent.",
    "invalid_key": "L’en-tête Idempotency-Key n’est pas valide.",
    "not_allowed": "Envoyez les fichiers comme parties multipart.",
}
_FRENCH_DEFAULT = "Cette valeur n’est pas valide."


class IngestError(Exception):
    status: int = 400
    code: str = "invalid"

    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(message)


class InvalidSubmissionError(IngestError):
    status = 422
    code = "validation_failed"

    def __init__(self, errors: Iterable[FieldError | FieldProblem]) -> None:
        self.errors = tuple(
            error if isinstance(error, FieldError) else _field_error(error) for error in errors
        )
        count = len(self.errors)
        super().__init__(f"{count} field{'s' if count != 1 else ''} not valid.")

    @classmethod
    def from_validation(cls, exc: ValidationError, prefix: str = "") -> InvalidSubmissionError:
        errors = field_errors_from_validation(exc)
        if prefix:
            errors = tuple(e.model_copy(update={"field": f"{prefix}.{e.field}"}) for e in errors)
        return cls(errors)


def invalid(location: str, code: str, message: str) -> InvalidSubmissionError:
    return InvalidSubmissionError([FieldProblem(location, code, message)])


def _field_error(problem: FieldProblem) -> FieldError:
    return FieldError(
        field=problem.location[:200],
        code=problem.code,
        message_fr=_FRENCH.get(problem.code, _FRENCH_DEFAULT),
        message_en=problem.message,
    )


class PayloadTooLargeError(IngestError):
    status = 413
    code = "payload_too_large"


class UnsupportedFileTypeError(IngestError):
    status = 415
    code = "unsupported_file_type"


class IdempotencyConflictError(IngestError):
    status = 409
    code = "idempotency_conflict"


class CallerNotAllowedError(IngestError):
    status = 403
    code = "forbidden"


class SubmissionNotFoundError(IngestError):
    status = 404
    code = "not_found"


class DependencyUnavailableError(IngestError):
    status = 503
    code = "service_unavailable"


P = ParamSpec("P")
R = TypeVar("R")


def unavailable_as_503(use_case: Callable[P, R]) -> Callable[P, R]:
    """A queue, store or blob backend that cannot be reached becomes the caller's 503 (retry
    later), with the backend's error as its cause: callers of the use case see one tree."""

    @functools.wraps(use_case)
    def guarded(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return use_case(*args, **kwargs)
        except (StoreUnavailableError, BusUnavailableError) as exc:
            raise DependencyUnavailableError("a backend is unavailable; retry later") from exc

    return guarded
