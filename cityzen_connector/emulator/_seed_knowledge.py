"""Seed data: the town's knowledge base (``knowledgearticle``) and the two languages it uses.

The rows follow the "Knowledge Article (KnowledgeArticle) table/entity reference" and the
"Language (LanguageLocale) table/entity reference" (Microsoft Learn,
power-apps/developer/data-platform/reference/entities/knowledgearticle and …/languagelocale):
``statecode`` 0 Draft, 1 Approved, 2 Scheduled, 3 Published, 4 Expired, 5 Archived,
6 Discarded, each with its status reasons; ``islatestversion``, ``isinternal`` and
``languagelocaleid`` (a lookup to ``languagelocale``, whose ``localeid`` is the Windows LCID:
1036 French, 1033 English). The LCIDs and codes are the documented ones; the names and regions
are what the emulator shows, the page documenting the columns only.

What a portal may show is the published, latest, external French version of an article; the
other rows are here so that a search that reads them by mistake is caught: a draft, a
scheduled and an expired article, an internal one, an English translation, an older published
version superseded by a newer one and an archived version.
"""

from __future__ import annotations

import uuid
from typing import Any

from cityzen_connector.emulator._config import SEED_NS
from cityzen_connector.emulator._records import TARGETS

FRENCH, ENGLISH = 1036, 1033
# (localeid, code, language, name, region)
LANGUAGES = (
    (FRENCH, "fr-FR", "French", "French - France", "France"),
    (ENGLISH, "en-US", "English", "English - United States", "United States"),
)
PUBLISHED, DRAFT, SCHEDULED, EXPIRED, ARCHIVED = 3, 0, 2, 4, 5
# statecode → the status reason the seed gives it (Learn: DefaultStatus of each state).
_STATUS = {DRAFT: 2, SCHEDULED: 6, PUBLISHED: 7, EXPIRED: 10, ARCHIVED: 12}


def language_id(localeid: int) -> str:
    """languagelocaleid of a seeded language (1036, 1033)."""
    return str(uuid.uuid5(SEED_NS, f"languagelocale:{localeid}"))


def article_id(slug: str) -> str:
    """knowledgearticleid of a seeded article (``ARTICLES``' first column)."""
    return str(uuid.uuid5(SEED_NS, f"knowledgearticle:{slug}"))


def _p(*paragraphs: str) -> str:
    return "".join(f"<p>{text}</p>" for text in paragraphs)


# slug → (title, description, keywords, content as HTML). Published, latest, external, French.
PUBLISHED_FRENCH: dict[str, tuple[str, str, str, str]] = {
    "acte-naissance": (
        "Demander un acte de naissance",
        "Copie intégrale ou extrait d'acte de naissance : où et comment le demander.",
        "état civil, naissance, extrait, copie intégrale",
        _p(
            "L'acte de naissance est délivré par la mairie du <strong>lieu de naissance</strong>.",
            "Vous pouvez demander une copie intégrale, un extrait avec filiation ou un extrait"
            " sans filiation. La demande est gratuite.",
            "Le service État civil envoie l'acte par courrier sous 8 jours.",
        ),
    ),
    "mariage-pacs": (
        "Se marier ou conclure un PACS en mairie",
        "Constituer le dossier de mariage ou de pacte civil de solidarité.",
        "état civil, mariage, PACS, publication des bans",
        _p(
            "Le dossier de mariage est déposé au service État civil au moins deux mois avant la"
            " date souhaitée, en présence des deux futurs époux.",
            "Le PACS est enregistré en mairie sur rendez-vous.",
        ),
    ),
    "inscription-scolaire": (
        "Inscrire son enfant à l'école maternelle ou élémentaire",
        "Les inscriptions scolaires pour la rentrée : pièces à fournir et calendrier.",
        "inscriptions scolaires, école, rentrée, maternelle",
        _p(
            "Les inscriptions scolaires pour la rentrée de septembre ont lieu de janvier à mars.",
            "Munissez-vous du livret de famille, d'un justificatif de domicile de moins de trois"
            " mois et du carnet de santé de l'enfant.",
        ),
    ),
    "restauration-scolaire": (
        "Restauration scolaire : menus, tarifs et inscription à la cantine",
        "Inscrire son enfant à la cantine et connaître les tarifs selon le quotient familial.",
        "cantine, restauration scolaire, menus, tarifs",
        _p(
            "Les repas sont servis dans chaque école élémentaire et maternelle.",
            "Le tarif dépend du quotient familial ; l'inscription à la cantine se fait en ligne.",
        ),
    ),
    "collecte-dechets": (
        "Collecte des ordures ménagères et tri des déchets",
        "Jours de collecte, poubelle jaune ou grise : les consignes de tri.",
        "déchets, poubelle, tri, collecte, ordures ménagères",
        _p(
            "Les ordures ménagères sont collectées deux fois par semaine dans le bac gris.",
            "Les emballages et papiers vont dans la poubelle jaune, le verre dans les colonnes"
            " d'apport volontaire.",
            "Sortez vos bacs la veille au soir et rentrez-les après le passage du camion.",
        ),
    ),
    "encombrants": (
        "Encombrants : prendre rendez-vous pour un enlèvement",
        "Meubles, électroménager : l'enlèvement gratuit des encombrants sur rendez-vous.",
        "encombrants, déchets, enlèvement, déchetterie",
        _p(
            "La collecte des encombrants est gratuite, sur rendez-vous, dans la limite de 2 m³.",
            "Les gravats et déchets verts sont à déposer à la déchetterie.",
        ),
    ),
    "stationnement-residentiel": (
        "Stationnement résidentiel : obtenir sa carte de résident",
        "Qui peut obtenir la carte de stationnement résident et à quel tarif.",
        "stationnement, résident, carte, vignette",
        _p(
            "La carte de stationnement résident permet de stationner dans les zones de votre"
            " quartier au tarif résidentiel.",
            "Elle est délivrée pour un an sur présentation de la carte grise et d'un justificatif"
            " de domicile.",
        ),
    ),
    "urbanisme": (
        "Urbanisme : déclaration préalable et permis de construire",
        "Travaux, extension, clôture : quelle autorisation d'urbanisme demander.",
        "urbanisme, permis de construire, déclaration préalable, travaux",
        _p(
            "Une déclaration préalable suffit pour une extension de moins de 20 m², un"
            " ravalement ou une clôture.",
            "Au-delà, un permis de construire est nécessaire. Le service Urbanisme vous reçoit"
            " sur rendez-vous.",
        ),
    ),
    "identite-passeport": (
        "Carte d'identité et passeport : prendre rendez-vous",
        "Pré-demande en ligne puis rendez-vous en mairie pour la carte d'identité.",
        "carte d'identité, passeport, rendez-vous, papiers",
        _p(
            "Faites votre pré-demande en ligne, puis prenez rendez-vous au service Population.",
            "Le délai d'obtention est d'environ trois semaines.",
        ),
    ),
    "voirie-signalement": (
        "Signaler un problème de voirie : nid-de-poule, éclairage, dépôt sauvage",
        "Comment signaler un nid-de-poule, un lampadaire en panne ou un dépôt sauvage.",
        "voirie, nid-de-poule, éclairage public, dépôt sauvage, signalement",
        _p(
            "Signalez en ligne un nid-de-poule, un lampadaire éteint ou un dépôt sauvage : les"
            " équipes de la voirie interviennent sous 48 heures en cas de danger.",
        ),
    ),
    "stationnement-residentiel-v1": (
        "Stationnement résidentiel : carte de résident (tarifs 2025)",
        "Ancienne version : tarifs 2025 de la carte résident.",
        "stationnement, résident, tarifs 2025",
        _p("Ancienne version de l'article : tarifs de l'année 2025, remplacés depuis."),
    ),
}
# Rows a portal must never show: slug → (title, statecode, islatestversion, isinternal, locale).
HIDDEN: dict[str, tuple[str, int, bool, bool, int]] = {
    "encombrants-brouillon": (
        "Encombrants : nouveaux tarifs (brouillon)",
        DRAFT,
        True,
        False,
        FRENCH,
    ),
    "periscolaire-2027": ("Inscriptions périscolaires 2027", SCHEDULED, True, False, FRENCH),
    "canicule-2025": (
        "Plan canicule 2025 : registre des personnes fragiles",
        EXPIRED,
        True,
        False,
        FRENCH,
    ),
    "naissance-interne": (
        "Procédure interne : traitement des demandes d'acte de naissance",
        PUBLISHED,
        True,
        True,
        FRENCH,
    ),
    "birth-certificate": (
        "Requesting a birth certificate (acte de naissance)",
        PUBLISHED,
        True,
        False,
        ENGLISH,
    ),
    "urbanisme-v1": (
        "Urbanisme : permis de construire (version archivée)",
        ARCHIVED,
        False,
        False,
        FRENCH,
    ),
}
# The superseded version: published, but no longer the latest (a newer one is published).
SUPERSEDED = frozenset({"stationnement-residentiel-v1"})
# Articles whose current version is the second: the first is kept (superseded or archived).
SECOND_VERSIONS = {"stationnement-residentiel": 2, "urbanisme": 2, "encombrants-brouillon": 2}
# Older versions and translations name their root article.
ROOTS = {
    "stationnement-residentiel-v1": "stationnement-residentiel",
    "urbanisme-v1": "urbanisme",
    "birth-certificate": "acte-naissance",
    "encombrants-brouillon": "encombrants",
}


def _languages() -> list[tuple[str, dict[str, Any]]]:
    return [
        (
            "languagelocale",
            {
                "languagelocaleid": language_id(lcid),
                "localeid": lcid,
                "code": code,
                "language": language,
                "name": name,
                "region": region,
            },
        )
        for lcid, code, language, name, region in LANGUAGES
    ]


def _article(slug: str, number: int, values: dict[str, Any], locale: int) -> dict[str, Any]:
    row: dict[str, Any] = {
        "knowledgearticleid": article_id(slug),
        "articlepublicnumber": f"KA-{number:05d}",
        "languagelocaleid": language_id(locale),
        "isprimary": locale == FRENCH,
        **values,
    }
    targets = {"languagelocaleid": "languagelocale"}
    root = ROOTS.get(slug)
    if root is not None:
        row["rootarticleid"] = article_id(root)
        targets["rootarticleid"] = "knowledgearticle"
        if locale != FRENCH:
            row["parentarticlecontentid"] = article_id(root)
            targets["parentarticlecontentid"] = "knowledgearticle"
    row["majorversionnumber"] = SECOND_VERSIONS.get(slug, 1)
    row[TARGETS] = targets
    return row


def knowledge_rows() -> list[tuple[str, dict[str, Any]]]:
    """The languages, then the articles (roots before the versions that name them)."""
    rows = _languages()
    for number, (slug, (title, description, keywords, content)) in enumerate(
        PUBLISHED_FRENCH.items(), start=1001
    ):
        values = {
            "title": title,
            "description": description,
            "keywords": keywords,
            "content": content,
            "statecode": PUBLISHED,
            "statuscode": _STATUS[PUBLISHED],
            "islatestversion": slug not in SUPERSEDED,
            "isinternal": False,
            "publishon": "2026-01-05T08:00:00Z",
        }
        rows.append(("knowledgearticle", _article(slug, number, values, FRENCH)))
    for number, (slug, (title, state, latest, internal, locale)) in enumerate(
        HIDDEN.items(), start=2001
    ):
        body = PUBLISHED_FRENCH.get(ROOTS.get(slug, ""), ("", "", "", _p(title)))[3]
        values = {
            "title": title,
            "description": title[:155],
            "keywords": "encombrants, naissance, stationnement, urbanisme, poubelle",
            "content": body + _p("Encombrants, poubelle, acte de naissance, stationnement."),
            "statecode": state,
            "statuscode": _STATUS[state],
            "islatestversion": latest,
            "isinternal": internal,
        }
        if state == SCHEDULED:
            values["publishon"] = "2027-06-01T08:00:00Z"
        if state == EXPIRED:
            values["expirationdate"] = "2025-09-30T22:00:00Z"
        rows.append(("knowledgearticle", _article(slug, number, values, locale)))
    return rows
