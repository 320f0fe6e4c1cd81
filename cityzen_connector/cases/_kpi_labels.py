"""What a dashboard writes beside each code of the KPIs: the label of each group (theme and
sub-theme titles from the mappings, the channels' names, teams as named) and of each
citizen-facing status (the status vocabulary's ``label_fr`` / ``label_en``), so a chart's
legend and its data table need no second source. Codes stay the keys: labels are for reading.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from ._kpi_facts import UNKNOWN, FactReader

Label = dict[str, str]  # {"fr": …, "en": …}

# The channels of models.Channel (docs/api.md, "channel").
CHANNEL_LABELS: Mapping[str, tuple[str, str]] = {
    "portal": ("Portail", "Portal"),
    "email": ("Courriel", "E-mail"),
    "phone": ("Téléphone", "Phone"),
    "courrier": ("Courrier", "Post"),
    "counter": ("Accueil", "Front desk"),
}
# A submission accepted, not yet a case (docs/kpis.md, "still queued").
QUEUED_LABEL = ("En cours d’enregistrement", "Being registered")
UNKNOWN_LABEL = ("Inconnu", "Unknown")


def _label(pair: tuple[str, str]) -> Label:
    return {"fr": pair[0], "en": pair[1]}


def group_labels(reader: FactReader, dimension: str, codes: Iterable[str]) -> dict[str, Label]:
    """Each group code's label; a theme's title is the mappings' one, in both languages."""
    titles: Mapping[str, str] = {}
    if dimension == "theme":
        titles = reader.theme_titles
    elif dimension == "sub_theme":
        titles = reader.sub_theme_titles
    found: dict[str, Label] = {}
    for code in sorted(set(codes)):
        if code == UNKNOWN:
            found[code] = _label(UNKNOWN_LABEL)
        elif dimension == "status":
            found[code] = status_labels(reader, [code])[code]
        elif dimension == "channel":
            found[code] = _label(CHANNEL_LABELS.get(code, (code, code)))
        else:  # a team is named; a title is kept as written
            title = titles.get(code, code)
            found[code] = {"fr": title, "en": title}
    return found


def status_labels(reader: FactReader, codes: Iterable[str]) -> dict[str, Label]:
    vocabulary = reader.vocabulary
    known: dict[str, tuple[str, str]] = {}
    for status in vocabulary.entries.values():  # pairs sharing a code: the first one's words
        known.setdefault(status.code, (status.label_fr, status.label_en))
    if vocabulary.new_status is not None:
        new = vocabulary.new_status
        known.setdefault(new.code, (new.label_fr, new.label_en))
    known.setdefault(
        vocabulary.unknown.code, (vocabulary.unknown.label_fr, vocabulary.unknown.label_en)
    )
    known["queued"] = QUEUED_LABEL
    return {code: _label(known.get(code, UNKNOWN_LABEL)) for code in sorted(set(codes))}
