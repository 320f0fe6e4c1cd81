"""Events: start, end, place and all-day flag from the event extensions, from the French text
of the description, or from the publication date; local times read in Europe/Paris, DST
included."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from cityzen_connector.portal._feed_dates import parse_feed_date
from tests.portal.feeds import item, rss, sample
from tests.portal.test_feed_items import agenda, by_title

PARIS = ZoneInfo("Europe/Paris")
EV = 'xmlns:ev="http://purl.org/rss/1.0/modules/event/"'


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def test_the_sample_agenda_reads_every_habit() -> None:
    events = by_title(agenda(sample("agenda.xml")))
    marche = events["Marché de Noël"]  # ev: whole days, end inclusive
    assert (marche.start, marche.end, marche.all_day) == (
        utc(2026, 12, 10, 23),
        utc(2026, 12, 13, 23),
        True,
    )
    assert marche.place == "Place de la Mairie"
    concert = events["Concert de l’Harmonie municipale"]  # xCal, UTC basic form
    assert (concert.start, concert.end, concert.all_day) == (
        utc(2026, 12, 19, 17),
        utc(2026, 12, 19, 19),
        False,
    )
    assert concert.place == "Église Saint-Martin"
    voeux = events["Vœux du maire à la population"]  # French text and "Lieu :"
    assert (voeux.start, voeux.end) == (utc(2027, 1, 9, 10), utc(2027, 1, 9, 12))
    assert voeux.place == "Salle des fêtes, 2 rue de la République"
    expo = events["Exposition « Valmont d’hier et d’aujourd’hui »"]
    assert (expo.start, expo.end, expo.all_day) == (
        utc(2027, 1, 14, 23),
        utc(2027, 2, 28, 23),
        True,
    )
    carnaval = events["Carnaval des écoles"]  # nothing but pubDate (The Events Calendar)
    assert (carnaval.start, carnaval.end, carnaval.all_day) == (
        utc(2027, 3, 20, 13, 30),
        None,
        False,
    )
    musique = events["Fête de la musique"]  # ev: with offsets, summer time
    assert (musique.start, musique.end) == (utc(2027, 6, 21, 16), utc(2027, 6, 21, 23))
    feu = events["Feu d’artifice du 14 juillet"]  # the description's date, not the title's
    assert feu.start == utc(2027, 7, 13, 20, 45)


def test_rss_1_0_mod_event_with_local_times_and_days() -> None:
    events = by_title(agenda(sample("agenda-mediatheque.rdf")))
    atelier = events["Atelier numérique : vos démarches en ligne"]  # "2027-01-13 14:00:00"
    assert (atelier.start, atelier.end) == (utc(2027, 1, 13, 13), utc(2027, 1, 13, 15))
    nuits = events["Nuits de la lecture"]
    assert (nuits.start, nuits.end, nuits.all_day) == (
        utc(2027, 1, 21, 23),
        utc(2027, 1, 23, 23),
        True,
    )
    assert nuits.place is None


@pytest.mark.parametrize(
    ("namespaces", "extra", "start", "end", "place"),
    [
        (
            'xmlns:x="urn:ietf:params:xml:ns:xcal"',  # any prefix: found by its namespace
            "<x:dtstart>20270612</x:dtstart><x:dtend>20270614</x:dtend><x:location>Stade</x:location>",
            utc(2027, 6, 11, 22),
            utc(2027, 6, 13, 22),  # iCalendar: a day-only DTEND is exclusive
            "Stade",
        ),
        (
            'xmlns:ical="http://www.w3.org/2002/12/cal/ical#"',
            "<ical:dtstart>2027-02-06T20:30:00</ical:dtstart>",
            utc(2027, 2, 6, 19, 30),
            None,
            None,
        ),
        (
            'xmlns:gd="http://schemas.google.com/g/2005"',
            '<gd:when startTime="2027-04-03T09:00:00+02:00" endTime="2027-04-03T12:00:00+02:00"/>'
            '<gd:where valueString="Parc du Château"/>',
            utc(2027, 4, 3, 7),
            utc(2027, 4, 3, 10),
            "Parc du Château",
        ),
        (
            'xmlns:ev="http://zoggy.frama.io/erssical/doc-event.html#"',  # erssical, RFC 822
            "<ev:startDate>Sat, 06 Mar 2027 09:00:00 +0100</ev:startDate>"
            "<ev:endDate>Sat, 06 Mar 2027 17:00:00 +0100</ev:endDate>",
            utc(2027, 3, 6, 8),
            utc(2027, 3, 6, 16),
            None,
        ),
    ],
    ids=["xcal-days", "rdf-ical-local", "gdata", "erssical"],
)
def test_other_event_extensions(
    namespaces: str, extra: str, start: datetime, end: datetime | None, place: str | None
) -> None:
    [event] = agenda(rss(item(extra=extra), namespaces=namespaces).encode())
    assert (event.start, event.end, event.place) == (start, end, place)


@pytest.mark.parametrize(
    ("text", "start", "end", "all_day"),
    [
        ("Du 12 au 14 décembre 2026", utc(2026, 12, 11, 23), utc(2026, 12, 14, 23), True),
        ("du 28 novembre au 3 décembre", utc(2026, 11, 27, 23), utc(2026, 12, 3, 23), True),
        ("Du 30 décembre 2026 au 2 janvier 2027", utc(2026, 12, 29, 23), utc(2027, 1, 2, 23), True),
        ("Le 1er mars à 20h30", utc(2027, 3, 1, 19, 30), None, False),
        (
            "Samedi 12 décembre 2026 de 14h à 17h30",
            utc(2026, 12, 12, 13),
            utc(2026, 12, 12, 16, 30),
            False,
        ),
        ("Le 12/06/2027, 14:00 - 18:00", utc(2027, 6, 12, 12), utc(2027, 6, 12, 16), False),
        ("Du 05/07/2027 au 09/07/2027", utc(2027, 7, 4, 22), utc(2027, 7, 9, 22), True),
        ("le 10 janv. 2027", utc(2027, 1, 9, 23), utc(2027, 1, 10, 23), True),
    ],
)
def test_french_date_phrases_in_the_description(
    text: str, start: datetime, end: datetime | None, all_day: bool
) -> None:
    # Published on 1 December 2026: "le 1er mars" is the coming one.
    [event] = agenda(rss(item(description=f"&lt;p&gt;{text}&lt;/p&gt;")).encode())
    assert (event.start, event.end, event.all_day) == (start, end, all_day)


def test_an_impossible_date_falls_back_to_the_publication() -> None:
    [event] = agenda(rss(item(description="Le 31 février 2027")).encode())
    assert (event.start, event.all_day) == (utc(2026, 12, 1, 9), False)


def test_an_event_with_no_date_at_all_is_left_out() -> None:
    body = rss(
        item(description="Bientôt !").replace("<pubDate>", "<x>").replace("</pubDate>", "</x>")
    )
    assert agenda(body.encode()) == []


def test_an_end_before_the_start_is_dropped() -> None:
    extra = (
        "<ev:startdate>2027-05-02T10:00:00+02:00</ev:startdate><ev:enddate>2027-05-01</ev:enddate>"
    )
    [event] = agenda(rss(item(extra=extra), namespaces=EV).encode())
    assert (event.start, event.end) == (utc(2027, 5, 2, 8), None)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2027-03-27T10:00:00", utc(2027, 3, 27, 9)),  # winter time: UTC+1
        ("2027-03-28T10:00:00", utc(2027, 3, 28, 8)),  # the change day: UTC+2 from 02:00
        ("2027-03-28T02:30:00", utc(2027, 3, 28, 1, 30)),  # in the gap: the earlier offset
        ("2027-10-31T02:30:00", utc(2027, 10, 31, 0, 30)),  # twice that night: the first one
        ("2027-10-31T10:00:00", utc(2027, 10, 31, 9)),  # back to winter time
        ("Sat, 12 Dec 2026 14:00:00 CET", utc(2026, 12, 12, 13)),  # an unknown zone name: local
        ("Sat, 12 Dec 2026 14:00:00 -0000", utc(2026, 12, 12, 13)),  # "no zone information"
        ("Sat, 12 Dec 2026 14:00:00 GMT", utc(2026, 12, 12, 14)),
        ("2026-12-12T14:00:00Z", utc(2026, 12, 12, 14)),
    ],
)
def test_local_times_are_read_in_paris_across_dst(text: str, expected: datetime) -> None:
    found = parse_feed_date(text, PARIS)
    assert found is not None
    assert found.moment == expected


@pytest.mark.parametrize("text", ["", "demain", "0001-01-01", "9999-12-31T23:59:59", "2027-02-30"])
def test_what_is_not_a_usable_date_is_none(text: str) -> None:
    assert parse_feed_date(text, PARIS) is None
