"""The export file: one JSON document, versioned, with a human-readable summary.

Schema ``cityzen.rgpd.export/v1`` (docs/rgpd.md, "The export file")::

    {"schema": "cityzen.rgpd.export/v1", "generated_at": "<UTC ISO 8601>", "language": "fr",
     "summary": "<plain text, in the language asked>",
     "dynamics365": {"contact": {column: value} | null,
                     "cases": [{"id", "ticketnumber", "title", "description", "statecode",
                                "statuscode", "caseorigincode", "createdon", "modifiedon",
                                <case columns of rights.toml>,
                                "messages": [{"id", "direction", "subject", "text",
                                              "created_on", "attachments": [...]}],
                                "attachments": [{"id", "file_name", "media_type",
                                                 "created_on"}]}]},
     "connector": {"<partition>": [{"key", "updated_at", "value"}]}}

``connector`` lists the state store's records about the citizen by partition, as stored (ids,
statuses, dates, hashes; blob names stand for files, whose bytes are not exported).
A later version adds members; a member's meaning never changes within ``v1``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any, Literal

from ._collect import DataverseHoldings
from ._holdings import Holdings

EXPORT_SCHEMA = "cityzen.rgpd.export/v1"
Language = Literal["fr", "en"]
# Partitions whose records are the rights' own bookkeeping about this very export.
_OWN = frozenset({"rgpd-exports", "rgpd-erasures"})

_WORDS: Mapping[Language, Mapping[str, str]] = {
    "fr": {
        "email": "par e-mail",
        "sms": "par SMS",
        "none": "non notifié",
        "fr": "français",
        "en": "anglais",
    },
    "en": {
        "email": "by e-mail",
        "sms": "by SMS",
        "none": "not notified",
        "fr": "French",
        "en": "English",
    },
}

_TEXT: Mapping[Language, Mapping[str, str]] = {
    "fr": {
        "title": "Vos données personnelles détenues par la collectivité",
        "generated": "Export produit le {at} (UTC).",
        "contact": "Votre fiche de contact dans Dynamics 365 : {n} champ(s) renseigné(s).",
        "no_contact": "Aucune fiche de contact dans Dynamics 365.",
        "cases": "Vos demandes : {n}, tous canaux confondus.",
        "case": "- {ticket} « {title} » déposée le {created} : {messages} message(s), "
        "{files} pièce(s) jointe(s) (métadonnées seulement).",
        "preferences": "Vos préférences de notification : changement de statut {status_changed},"
        " réponse d'un agent {agent_reply}, en {language}.",
        "pending": "Modifications de votre fiche en attente : {fields}.",
        "conflicts": "Modifications de votre fiche non appliquées (un agent l'avait modifiée) :"
        " {fields}.",
        "connector": "Enregistrements techniques du connecteur vous concernant : {n}.",
        "machine": "Le détail complet figure dans ce même fichier, au format JSON "
        "(schéma {schema}).",
    },
    "en": {
        "title": "Your personal data held by the local authority",
        "generated": "Export produced on {at} (UTC).",
        "contact": "Your contact record in Dynamics 365: {n} field(s) filled in.",
        "no_contact": "No contact record in Dynamics 365.",
        "cases": "Your requests: {n}, whatever the channel.",
        "case": '- {ticket} "{title}" filed on {created}: {messages} message(s), '
        "{files} attachment(s) (metadata only).",
        "preferences": "Your notification preferences: status changes {status_changed},"
        " agents' replies {agent_reply}, in {language}.",
        "pending": "Changes of your record still on their way: {fields}.",
        "conflicts": "Changes of your record not applied (an agent had changed it): {fields}.",
        "connector": "The connector's technical records about you: {n}.",
        "machine": "Every detail is in this same file, as JSON (schema {schema}).",
    },
}


def build_document(
    dataverse: DataverseHoldings,
    holdings: Holdings,
    *,
    now: datetime,
    language: Language,
    profiles: str | None = None,
) -> dict[str, Any]:
    """``profiles``: the partition of the citizen's record (its preferences and waiting
    changes are summed up in words)."""
    connector: dict[str, list[dict[str, Any]]] = {}
    for (partition, _), record in sorted(holdings.records.items()):
        if partition in _OWN:
            continue
        connector.setdefault(partition, []).append(
            {"key": record.key, "updated_at": record.updated_at.isoformat(), "value": record.value}
        )
    return {
        "schema": EXPORT_SCHEMA,
        "generated_at": now.isoformat(),
        "language": language,
        "summary": summary(dataverse, connector, now=now, language=language, profiles=profiles),
        "dynamics365": {"contact": dataverse.contact, "cases": list(dataverse.cases)},
        "connector": connector,
    }


def summary(
    dataverse: DataverseHoldings,
    connector: Mapping[str, list[dict[str, Any]]],
    *,
    now: datetime,
    language: Language,
    profiles: str | None = None,
) -> str:
    text = _TEXT[language]
    lines = [text["title"], "", text["generated"].format(at=now.strftime("%Y-%m-%d %H:%M"))]
    if dataverse.contact is None:
        lines.append(text["no_contact"])
    else:
        filled = sum(1 for value in dataverse.contact.values() if value not in (None, ""))
        lines.append(text["contact"].format(n=filled))
    lines.append(text["cases"].format(n=len(dataverse.cases)))
    for case in dataverse.cases:
        lines.append(
            text["case"].format(
                ticket=case.get("ticketnumber") or "-",
                title=case.get("title") or "",
                created=str(case.get("createdon") or "")[:10],
                messages=len(case.get("messages") or ()),
                files=len(case.get("attachments") or ())
                + sum(len(m.get("attachments") or ()) for m in case.get("messages") or ()),
            )
        )
    for record in connector.get(profiles, []) if profiles else []:
        lines += _record_lines(record["value"], language)
    lines.append(text["connector"].format(n=sum(len(v) for v in connector.values())))
    lines += ["", text["machine"].format(schema=EXPORT_SCHEMA)]
    return "\n".join(lines)


def _record_lines(value: Mapping[str, Any], language: Language) -> list[str]:
    """The citizen's record in words: preferences, changes waiting, changes refused."""
    text, words = _TEXT[language], _WORDS[language]
    lines: list[str] = []
    chosen = value.get("preferences")
    if isinstance(chosen, Mapping):
        said = {
            name: words.get(str(chosen.get(name)), str(chosen.get(name)))
            for name in ("status_changed", "agent_reply", "language")
        }
        lines.append(text["preferences"].format(**said))
    for name, found in (
        ("pending", sorted(value.get("pending") or {})),
        ("conflicts", sorted({str(c.get("field")) for c in value.get("conflicts") or ()})),
    ):
        if found:
            lines.append(text[name].format(fields=", ".join(found)))
    return lines


def to_bytes(document: Mapping[str, Any]) -> bytes:
    return json.dumps(document, ensure_ascii=False, indent=2, sort_keys=False).encode()
