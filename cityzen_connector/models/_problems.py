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

import urllib.parse
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ._field_errors import MAX_FIELD_ERRORS, FieldError, field_errors

PROBLEM_CONTENT_TYPE = "application/problem+json"
PROBLEM_TYPE_PREFIX = "tag:cityzen.fr,2026:problem:"


class ProblemCode(StrEnum):
    MALFORMED_REQUEST = "malformed_request"
    INVALID_JSON = "invalid_json"
    INVALID_PARAMETER = "invalid_parameter"
    VALIDATION_FAILED = "validation_failed"
    OUTSIDE_TERRITORY = "outside_territory"
    IDEMPOTENCY_CONFLICT = "idempotency_conflict"
    REQUEST_CLOSED = "request_closed"
    PAYLOAD_TOO_LARGE = "payload_too_large"
    UNSUPPORTED_MEDIA_TYPE = "unsupported_media_type"
    UNSUPPORTED_FILE_TYPE = "unsupported_file_type"
    UNAUTHORIZED = "unauthorized"
    FORBIDDEN = "forbidden"
    NOT_FOUND = "not_found"
    METHOD_NOT_ALLOWED = "method_not_allowed"
    REQUEST_TIMEOUT = "request_timeout"
    HEADERS_TOO_LARGE = "headers_too_large"
    INTERNAL_ERROR = "internal_error"
    NOT_IMPLEMENTED = "not_implemented"
    SERVICE_UNAVAILABLE = "service_unavailable"
    ADDRESS_HELP_UNAVAILABLE = "address_help_unavailable"
    ADDRESS_HELP_BUSY = "address_help_busy"
    PLAN_CHANGED = "plan_changed"
    AGENTS_UNAVAILABLE = "agents_unavailable"
    CASE_ACTION_REFUSED = "case_action_refused"
    EXPORT_NOT_READY = "export_not_ready"
    EXPORT_GONE = "export_gone"
    # The citizen's own record (GET/PATCH /api/v1/citizens/me, docs/profile.md).
    PROFILE_NOT_FOUND = "profile_not_found"
    CERTIFIED_FIELD = "certified_field"
    PRECONDITION_REQUIRED = "precondition_required"
    PROFILE_CHANGED = "profile_changed"


@dataclass(frozen=True)
class CatalogueEntry:
    status: int
    en: str
    fr: str


CATALOGUE: Mapping[ProblemCode, CatalogueEntry] = MappingProxyType(
    {
        # The HTTP framing itself (request line, headers, chunked body, URL encoding) is broken.
        ProblemCode.MALFORMED_REQUEST: CatalogueEntry(
            400,
            "The request is malformed.",
            "La requête est mal formée.",
        ),
        ProblemCode.INVALID_JSON: CatalogueEntry(
            400,
            "The request body is not valid JSON.",
            "Le corps de la requête n’est pas un JSON valide.",
        ),
        # A query parameter is missing, mistyped or out of range; ``detail`` names it and the
        # rule, never the value.
        ProblemCode.INVALID_PARAMETER: CatalogueEntry(
            400,
            "A query parameter is missing or not valid.",
            "Un paramètre de la requête est absent ou invalide.",
        ),
        ProblemCode.VALIDATION_FAILED: CatalogueEntry(
            422, "The request is not valid.", "La demande n’est pas valide."
        ),
        # The address's commune is known and is not one the collectivité serves.
        ProblemCode.OUTSIDE_TERRITORY: CatalogueEntry(
            422,
            "This address is outside the territory we serve.",
            "Cette adresse est en dehors du territoire desservi.",
        ),
        ProblemCode.IDEMPOTENCY_CONFLICT: CatalogueEntry(
            409,
            "A different request was already sent with this identifier.",
            "Une demande différente a déjà été envoyée avec cet identifiant.",
        ),
        ProblemCode.REQUEST_CLOSED: CatalogueEntry(
            409,
            "This request is closed: it takes no more messages.",
            "Cette demande est close : elle ne reçoit plus de messages.",
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
        ProblemCode.REQUEST_TIMEOUT: CatalogueEntry(
            408,
            "The request took too long to arrive.",
            "La requête a mis trop de temps à arriver.",
        ),
        ProblemCode.HEADERS_TOO_LARGE: CatalogueEntry(
            431,
            "The request headers are too large.",
            "Les en-têtes de la requête sont trop volumineux.",
        ),
        ProblemCode.INTERNAL_ERROR: CatalogueEntry(
            500,
            "An unexpected error occurred. Please try again later.",
            "Une erreur inattendue s’est produite. Veuillez réessayer plus tard.",
        ),
        ProblemCode.NOT_IMPLEMENTED: CatalogueEntry(
            501,
            "The server does not support a feature this request needs.",
            "Le serveur ne prend pas en charge une fonctionnalité requise par cette requête.",
        ),
        ProblemCode.SERVICE_UNAVAILABLE: CatalogueEntry(
            503,
            "The service is temporarily unavailable. Please try again later.",
            "Le service est momentanément indisponible. Veuillez réessayer plus tard.",
        ),
        # The geocoder behind address help cannot be reached, or refuses what we send.
        ProblemCode.ADDRESS_HELP_UNAVAILABLE: CatalogueEntry(
            503,
            "Address suggestions are temporarily unavailable: type the address, or try again"
            " later.",
            "L’aide à la saisie d’adresse est momentanément indisponible : saisissez"
            " l’adresse, ou réessayez plus tard.",
        ),
        # Its rate limit (or our share of it) is reached: Retry-After says when to ask again.
        ProblemCode.ADDRESS_HELP_BUSY: CatalogueEntry(
            503,
            "Address suggestions are very busy: try again in a moment.",
            "L’aide à la saisie d’adresse est très sollicitée : réessayez dans un instant.",
        ),
        # POST /ops/agents/apply with If-Match: the plan changed since it was reviewed.
        ProblemCode.PLAN_CHANGED: CatalogueEntry(
            412,
            "The plan has changed since it was read: review the new plan, then apply it.",
            "Le plan a changé depuis sa lecture : relisez le nouveau plan, puis appliquez-le.",
        ),
        # A deployment without an agents access model: a state, not an outage (no Retry-After).
        ProblemCode.AGENTS_UNAVAILABLE: CatalogueEntry(
            503,
            "Agent account reconciliation is not configured on this deployment.",
            "La réconciliation des comptes des agents n’est pas configurée sur ce déploiement.",
        ),
        # The agent desk (embedded mode): Dynamics 365 refuses the action in the case's state
        # (resolve a resolved case, a status reason of another state…); ``detail`` says which.
        ProblemCode.CASE_ACTION_REFUSED: CatalogueEntry(
            409,
            "This action is not possible on the case in its current state.",
            "Cette action n’est pas possible sur la demande dans son état actuel.",
        ),
        # The citizen's data export (docs/rgpd.md): polled before it is ready, or fetched twice.
        ProblemCode.EXPORT_NOT_READY: CatalogueEntry(
            409,
            "Your data export is still being prepared: try again in a few minutes.",
            "L’export de vos données est en préparation : réessayez dans quelques minutes.",
        ),
        ProblemCode.EXPORT_GONE: CatalogueEntry(
            410,
            "This export link was used already or has expired: ask for a new export.",
            "Ce lien d’export a déjà servi ou a expiré : demandez un nouvel export.",
        ),
        # No contact holds this citizen's key yet: one is created with their first request.
        ProblemCode.PROFILE_NOT_FOUND: CatalogueEntry(
            404,
            "No record yet: it is created with your first request.",
            "Aucune fiche pour l’instant : elle est créée avec votre première demande.",
        ),
        # A certified identity claim (FranceConnect): ``errors`` names each field.
        ProblemCode.CERTIFIED_FIELD: CatalogueEntry(
            422,
            "Certified identity data cannot be changed here.",
            "Les données d’identité certifiées ne peuvent pas être modifiées ici.",
        ),
        # RFC 6585 section 3: a PATCH of the record must say which version it changes.
        ProblemCode.PRECONDITION_REQUIRED: CatalogueEntry(
            428,
            "Send the ETag of the record you read in If-Match.",
            "Envoyez dans If-Match l’ETag de la fiche que vous avez lue.",
        ),
        # RFC 9110 section 13.1.1: the record changed since it was read.
        ProblemCode.PROFILE_CHANGED: CatalogueEntry(
            412,
            "Your record has changed since it was read: read it again, then retry.",
            "Votre fiche a changé depuis sa lecture : relisez-la, puis réessayez.",
        ),
    }
)


class LocalizedText(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    fr: str
    en: str


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


# What RFC 3986 lets a URI reference hold as is (reserved and unreserved characters, and "%"
# of what is already encoded); anything else is percent-encoded.
_URI_SAFE = "!#$%&'()*+,/:;=?@[]~"


def _uri_reference(path: str) -> str:
    """``instance`` is a URI reference (RFC 9457 section 3.1.5): the request path, with what a
    URI cannot hold percent-encoded as UTF-8 -- a lone surrogate too (``%ED%A0%80``), so that a
    path that is not text still gets its problem document rather than a failure to write it."""
    return urllib.parse.quote(path, safe=_URI_SAFE, errors="surrogatepass")


def problem(
    code: ProblemCode | str,
    *,
    detail: str | None = None,
    instance: str | None = None,
    errors: Iterable[FieldError] = (),
) -> Problem:
    """Build the problem for a catalogue code; ``errors`` only for a 422 (``validation_failed``,
    or ``certified_field``: a field the citizen may not change, named)."""
    code = ProblemCode(code)  # ValueError on an unknown code: a programming error
    entry = CATALOGUE[code]
    listed = tuple(errors)
    if listed and entry.status != 422:
        raise ValueError(
            "field errors belong to 422 problems only (validation_failed, certified_field)"
        )
    return Problem(
        type=PROBLEM_TYPE_PREFIX + code.value,
        title=entry.en.rstrip("."),
        status=entry.status,
        detail=detail,
        instance=None if instance is None else _uri_reference(instance),
        code=code,
        messages=LocalizedText(fr=entry.fr, en=entry.en),
        errors=listed[:MAX_FIELD_ERRORS] or None,
    )


def validation_problem(exc: ValidationError, *, instance: str | None = None) -> Problem:
    """The 422 for a pydantic validation failure."""
    errors = field_errors(exc)
    count = exc.error_count()
    return problem(
        ProblemCode.VALIDATION_FAILED,
        detail=f"{count} field{'s' if count != 1 else ''} not valid.",
        instance=instance,
        errors=errors,
    )
