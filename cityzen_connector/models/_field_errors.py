"""One invalid field, as every 422 lists it: the type, its French catalogue, the pydantic bridge.

Our own checks write ``FieldError.of("citizen", "missing", "Field required")``: a field, a code
and the English message; the French text comes from the catalogue of field codes below.
``field_errors(exc)`` turns a pydantic ``ValidationError`` into the same type.

RGPD: pydantic's ``errors()`` carries the rejected ``input`` and its ``str()`` may embed it;
both can hold personal data (names, e-mail, ``sub``). A field error keeps the location (short,
printable), the error type and a message that names fields and constraints, never the value.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from types import MappingProxyType
from typing import Self

from pydantic import BaseModel, ConfigDict, Field, ValidationError

MAX_FIELD_ERRORS = 50  # a hostile body with 10,000 bad fields gets a bounded answer
_MAX_FIELD_CHARS = 200
_MAX_PART = 64

# French for every field code we answer with: pydantic's error types a portal user meets most,
# and the codes of our own checks (intake, the mapping's form checks). Others get the default.
_FRENCH: Mapping[str, str] = MappingProxyType(
    {
        # pydantic's error types
        "missing": "Ce champ est obligatoire.",
        "extra_forbidden": "Ce champ n’est pas attendu.",
        "string_too_short": "Cette valeur est trop courte.",
        "string_too_long": "Cette valeur est trop longue.",
        "string_pattern_mismatch": "Cette valeur n’a pas le format attendu.",
        "int_parsing": "Un nombre entier est attendu.",
        "float_parsing": "Un nombre est attendu.",
        "float_type": "Un nombre est attendu.",
        "int_type": "Un nombre entier est attendu.",
        "greater_than_equal": "Cette valeur est trop petite.",
        "less_than_equal": "Cette valeur est trop grande.",
        "literal_error": "Cette valeur ne fait pas partie des choix possibles.",
        "enum": "Cette valeur ne fait pas partie des choix possibles.",
        "uuid_parsing": "Un identifiant (UUID) est attendu.",
        "date_from_datetime_parsing": "Une date (AAAA-MM-JJ) est attendue.",
        "date_parsing": "Une date (AAAA-MM-JJ) est attendue.",
        "datetime_parsing": "Une date et heure ISO 8601 sont attendues.",
        "too_short": "Pas assez d’éléments.",
        "value_error": "Cette valeur n’est pas valide.",
        # our own checks' codes (some are pydantic types too: _PYDANTIC_HOMONYMS)
        "model_type": "Un objet JSON est attendu.",
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
        "future_date": "Cette date ne peut pas être dans le futur.",
        "reserved_id": "Cet identifiant est réservé : générez un UUID.",
        "not_a_choice": "Cette valeur ne fait pas partie des choix possibles.",
        "base64": "Le contenu du fichier n’est pas un base64 valide.",
        "empty_file": "Le fichier est vide.",
        "rejected_by_scan": "Ce fichier a été refusé par l’analyse antivirus.",
        "id_mismatch": "L’identifiant du corps et l’en-tête Idempotency-Key diffèrent.",
        "invalid_key": "L’en-tête Idempotency-Key n’est pas valide.",
        "not_allowed": "Envoyez les fichiers comme parties multipart.",
        "invalid_text": "Ce texte contient un caractère non valide.",
        # the citizen's record (PATCH /api/v1/citizens/me)
        "certified": "Cette donnée certifiée ne peut pas être modifiée.",
        "invalid_email": "Cette adresse électronique n’est pas valide.",
        "invalid_phone": "Ce numéro de téléphone n’est pas valide.",
        "invalid_postal_code": "Ce code postal n’est pas valide.",
    }
)
_FRENCH_DEFAULT = "Cette valeur n’est pas valide."
# Five of our own codes are also pydantic error types; errors converted from pydantic read
# these texts instead, as the API answered them before the two tables were merged: pydantic's
# ``too_long`` counts a list's items (ours a text's characters), its ``invalid_key`` is a
# dictionary key that is not a string (ours the Idempotency-Key header), its ``string_type``
# has its own wording, and its ``bool_type`` and ``model_type`` get the generic text (the
# catalogue's would fit them: a wording change for the French texts' owner to decide).
_PYDANTIC_HOMONYMS: Mapping[str, str] = MappingProxyType(
    {
        "too_long": "Trop d’éléments.",
        "invalid_key": _FRENCH_DEFAULT,
        "string_type": "Une chaîne de caractères est attendue.",
        "bool_type": _FRENCH_DEFAULT,
        "model_type": _FRENCH_DEFAULT,
    }
)


class FieldError(BaseModel):
    """One invalid field of a 422: a dotted path (``location.postcode``, ``attachments.0``)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    field: str = Field(max_length=_MAX_FIELD_CHARS)
    code: str
    message_fr: str
    message_en: str

    @classmethod
    def of(cls, field: str, code: str, message_en: str) -> Self:
        """The error our own check found; French from the catalogue of field codes.

        ``message_en`` names the rule (a limit, the expected kind), never the submitted value.
        """
        return cls(
            field=field[:_MAX_FIELD_CHARS],
            code=code,
            message_fr=_FRENCH.get(code, _FRENCH_DEFAULT),
            message_en=message_en,
        )


def _part(part: object) -> str:
    # A location may contain a dictionary key the caller chose: keep it short and printable.
    text = "".join(ch if ch.isprintable() else "?" for ch in str(part))
    return text if len(text) <= _MAX_PART else text[: _MAX_PART - 1] + "…"


def field_path(loc: Iterable[object]) -> str:
    """A location as a dotted path, each part short and printable (``(body)`` for the root)."""
    path = ".".join(_part(part) for part in loc) or "(body)"
    return path if len(path) <= _MAX_FIELD_CHARS else path[: _MAX_FIELD_CHARS - 1] + "…"


def field_errors(
    exc: ValidationError, *, limit: int | None = MAX_FIELD_ERRORS
) -> tuple[FieldError, ...]:
    """One ``FieldError`` per pydantic error (the first ``limit``; all with ``None``), without
    the submitted values (RGPD)."""
    result = []
    for error in exc.errors(include_url=False, include_input=False, include_context=False):
        kind = error["type"]
        french = _PYDANTIC_HOMONYMS.get(kind) or _FRENCH.get(kind, _FRENCH_DEFAULT)
        result.append(
            FieldError(
                field=field_path(error["loc"]),
                code=kind,
                message_fr=french,
                # pydantic's messages name constraints (lengths, patterns, choices), not input;
                # value_error messages come from our own validators, which must do the same.
                message_en=error["msg"],
            )
        )
        if len(result) == limit:
            break
    return tuple(result)
