"""Problem details for HTTP APIs (RFC 9457): one model, a catalogue of stable codes, a renderer.

Every error the API returns is ``application/problem+json``. Clients branch on ``code`` (stable,
snake_case); ``type`` is a non-dereferenceable ``tag:`` URI derived from it (RFC 9457 section
3.1.1 suggests a tag URI when the type is not meant to be fetched); ``title`` and ``detail`` are
English; ``messages`` carries the catalogue text in French and English as an object, so new
languages need no new members; ``errors`` lists each invalid field on 422s.
Nothing here may carry personal data: ``detail`` and field messages are fixed texts or
validation messages that name fields and constraints, never the submitted values.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

PROBLEM_CONTENT_TYPE = "application/problem+json"
PROBLEM_TYPE_PREFIX = "tag:cityzen.fr,2026:problem:"
MAX_FIELD_ERRORS = 50  # a hostile body with 10,000 bad fields gets a bounded answer
_MAX_FIELD_CHARS = 200


class ProblemCode(StrEnum):
    INVALID_JSON = "invalid_json"
    VALIDATION_FAILED = "validation_failed"
    IDEMPOTENCY_CONFLICT = "idempotency_conflict"
    PAYLOAD_TOO_LARGE = "payload_too_large"
    UNSUPPORTED_MEDIA_TYPE = "unsupported_media_type"
    UNSUPPORTED_FILE_TYPE = "unsupported_file_type"
    UNAUTHORIZED = "unauthorized"
    FORBIDDEN = "forbidden"
    NOT_FOUND = "not_found"
    METHOD_NOT_ALLOWED = "method_not_allowed"
    INTERNAL_ERROR = "internal_error"
    SERVICE_UNAVAILABLE = "service_unavailable"


@dataclass(frozen=True)
class CatalogueEntry:
    status: int
    en: str
    fr: str


CATALOGUE: Mapping[ProblemCode, CatalogueEntry] = MappingProxyType(
    {
        ProblemCode.INVALID_JSON: CatalogueEntry(
            400,
            "The request body is not valid JSON.",
            "Le corps de la requête n’est pas un JSON valide.",
        ),
        ProblemCode.VALIDATION_FAILED: CatalogueEntry(
            422, "The request is not valid.", "La demande n’est pas valide."
        ),
        ProblemCode.IDEMPOTENCY_CONFLICT: CatalogueEntry(
            409,
            "A different request was already sent with this identifier.",
            "Une demande différente a déjà été envoyée avec cet identifiant.",
        ),
        ProblemCode.PAYLOAD_TOO_LARGE: CatalogueEntry(
            413, "The request is too large.", "La demande est trop volumineuse."
        ),
        ProblemCode.UNSUPPORTED_MEDIA_TYPE: CatalogueEntry(
            415,
            "This content type is not accepted.",
            "Ce type de contenu n’est pas accepté.",
        ),
        ProblemCode.UNSUPPORTED_FILE_TYPE: CatalogueEntry(
            415,
            "This type of file is not accepted.",
            "Ce type de fichier n’est pas accepté.",
        ),
        ProblemCode.UNAUTHORIZED: CatalogueEntry(
            401,
            "Authentication is required, or the credentials are not valid.",
            "Une authentification est requise, ou les identifiants ne sont pas valides.",
        ),
        ProblemCode.FORBIDDEN: CatalogueEntry(
            403,
            "You are not allowed to do this.",
            "Vous n’êtes pas autorisé à effectuer cette opération.",
        ),
        ProblemCode.NOT_FOUND: CatalogueEntry(404, "Not found.", "Introuvable."),
        ProblemCode.METHOD_NOT_ALLOWED: CatalogueEntry(
            405,
            "This method is not allowed here.",
            "Cette méthode n’est pas autorisée ici.",
        ),
        ProblemCode.INTERNAL_ERROR: CatalogueEntry(
            500,
            "An unexpected error occurred. Please try again later.",
            "Une erreur inattendue s’est produite. Veuillez réessayer plus tard.",
        ),
        ProblemCode.SERVICE_UNAVAILABLE: CatalogueEntry(
            503,
            "The service is temporarily unavailable. Please try again later.",
            "Le service est momentanément indisponible. Veuillez réessayer plus tard.",
        ),
    }
)


class LocalizedText(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    fr: str
    en: str


class FieldError(BaseModel):
    """One invalid field of a 422: a dotted path (``location.postcode``, ``attachments.0``)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    field: str = Field(max_length=_MAX_FIELD_CHARS)
    code: str
    message_fr: str
    message_en: str


class Problem(BaseModel):
    """An RFC 9457 problem details object with our extension members."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    type: str
    title: str
    status: int = Field(ge=400, le=599)
    detail: str | None = None
    instance: str | None = None
    code: ProblemCode
    messages: LocalizedText
    errors: tuple[FieldError, ...] | None = None

    def to_bytes(self) -> bytes:
        """The ``application/problem+json`` body (absent members omitted, RFC 9457 section 3)."""
        return self.model_dump_json(exclude_none=True).encode("utf-8")


def problem(
    code: ProblemCode | str,
    *,
    detail: str | None = None,
    instance: str | None = None,
    errors: Iterable[FieldError] = (),
) -> Problem:
    """Build the problem for a catalogue code; ``errors`` only for ``validation_failed``."""
    code = ProblemCode(code)  # ValueError on an unknown code: a programming error
    entry = CATALOGUE[code]
    field_errors = tuple(errors)
    if field_errors and code is not ProblemCode.VALIDATION_FAILED:
        raise ValueError("field errors belong to validation_failed (422) problems only")
    return Problem(
        type=PROBLEM_TYPE_PREFIX + code.value,
        title=entry.en.rstrip("."),
        status=entry.status,
        detail=detail,
        instance=instance,
        code=code,
        messages=LocalizedText(fr=entry.fr, en=entry.en),
        errors=field_errors[:MAX_FIELD_ERRORS] or None,
    )


# French for the pydantic error types a portal user meets most; others get a generic text.
_FRENCH: Mapping[str, str] = MappingProxyType(
    {
        "missing": "Ce champ est obligatoire.",
        "extra_forbidden": "Ce champ n’est pas attendu.",
        "string_type": "Une chaîne de caractères est attendue.",
        "string_too_short": "Cette valeur est trop courte.",
        "string_too_long": "Cette valeur est trop longue.",
        "string_pattern_mismatch": "Cette valeur n’a pas le format attendu.",
        "int_parsing": "Un nombre entier est attendu.",
        "float_parsing": "Un nombre est attendu.",
        "greater_than_equal": "Cette valeur est trop petite.",
        "less_than_equal": "Cette valeur est trop grande.",
        "literal_error": "Cette valeur ne fait pas partie des choix possibles.",
        "enum": "Cette valeur ne fait pas partie des choix possibles.",
        "uuid_parsing": "Un identifiant (UUID) est attendu.",
        "date_from_datetime_parsing": "Une date (AAAA-MM-JJ) est attendue.",
        "date_parsing": "Une date (AAAA-MM-JJ) est attendue.",
        "datetime_parsing": "Une date et heure ISO 8601 sont attendues.",
        "too_long": "Trop d’éléments.",
        "too_short": "Pas assez d’éléments.",
        "value_error": "Cette valeur n’est pas valide.",
    }
)
_FRENCH_DEFAULT = "Cette valeur n’est pas valide."


def _path(loc: Iterable[Any]) -> str:
    path = ".".join(str(part) for part in loc) or "(body)"
    return path if len(path) <= _MAX_FIELD_CHARS else path[: _MAX_FIELD_CHARS - 1] + "…"


def field_errors_from_validation(exc: ValidationError) -> tuple[FieldError, ...]:
    """One ``FieldError`` per pydantic error, without the submitted values (RGPD)."""
    result = []
    for error in exc.errors(include_url=False, include_input=False, include_context=False):
        kind = error["type"]
        result.append(
            FieldError(
                field=_path(error["loc"]),
                code=kind,
                message_fr=_FRENCH.get(kind, _FRENCH_DEFAULT),
                # pydantic's messages name constraints (lengths, patterns, choices), not input;
                # value_error messages come from our own validators, which must do the same.
                message_en=error["msg"],
            )
        )
        if len(result) == MAX_FIELD_ERRORS:
            break
    return tuple(result)


def validation_problem(exc: ValidationError, *, instance: str | None = None) -> Problem:
    """The 422 for a pydantic validation failure."""
    errors = field_errors_from_validation(exc)
    count = exc.error_count()
    return problem(
        ProblemCode.VALIDATION_FAILED,
        detail=f"{count} field{'s' if count != 1 else ''} not valid.",
        instance=instance,
        errors=errors,
    )
