"""Entries → items as the portal shows them: RSS 2.0, Atom 1.0 and RSS 1.0 in French, every
field normalised, and nothing executable left from a hostile feed."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from cityzen_connector.models import AgendaItem, NewsItem
from cityzen_connector.portal._feed_decode import Decoded, decode_feed
from cityzen_connector.portal._feed_items import ItemContext, agenda_item, news_item
from cityzen_connector.portal._feed_parse import ParsedFeed, parse_feed
from cityzen_connector.store._port import MAX_VALUE_CHARS, dump_value
from tests.portal.feeds import NOW, item, rss, sample

PARIS = ZoneInfo("Europe/Paris")
BASE = "https://www.valmont.example.fr/actualites/rss.xml"


def parsed(body: bytes) -> ParsedFeed:
    decoded = decode_feed(body, None)
    assert isinstance(decoded, Decoded)
    feed = parse_feed(decoded, BASE)
    assert isinstance(feed, ParsedFeed), feed
    return feed


def context(feed: ParsedFeed, feed_id: str = "news-0001") -> ItemContext:
    return ItemContext(feed_id, feed.title, PARIS, NOW, feed.namespaces)


def news(body: bytes, feed_id: str = "news-0001") -> list[NewsItem]:
    feed = parsed(body)
    found = [news_item(entry, context(feed, feed_id)) for entry in feed.entries]
    return [entry for entry in found if entry is not None]


def agenda(body: bytes) -> list[AgendaItem]:
    feed = parsed(body)
    found = [agenda_item(entry, context(feed, "agenda-0001")) for entry in feed.entries]
    return [entry for entry in found if entry is not None]


def by_title(items: list[Any]) -> dict[str, Any]:
    return {entry.title: entry for entry in items}


def test_rss_2_0_items_carry_every_field_normalised() -> None:
    items = news(sample("actualites.xml"))
    assert len(items) == 6
    sapins = items[0]
    assert sapins.title == "Collecte des sapins de Noël du 4 au 18 janvier"
    assert sapins.source == "Valmont-sur-Loire – Actualités"
    assert sapins.link == "https://www.valmont.example.fr/actualites/collecte-des-sapins-2027"
    assert sapins.published == datetime(2026, 12, 3, 7, 30, tzinfo=UTC)  # 08:30 in Paris
    assert sapins.summary_html.startswith("<p>Après les fêtes, déposez votre sapin <strong>")
    assert sapins.summary_text.startswith("Après les fêtes, déposez votre sapin sans décoration")
    assert "<" not in sapins.summary_text
    assert sapins.categories == ("Environnement", "Déchets")
    # media:content (an image) is preferred to the first <img> of content:encoded.
    assert sapins.image == "https://www.valmont.example.fr/medias/sapins-1200.jpg"
    ecole = by_title(items)["Inscriptions scolaires 2027-2028 : c’est parti"]
    assert ecole.image == "https://www.valmont.example.fr/medias/ecole.jpg"  # the enclosure
    conseil = by_title(items)["Le conseil municipal du 10 décembre en direct"]
    assert conseil.summary_html.startswith("<p>La séance publique")  # escaped HTML read as HTML


def test_atom_1_0_entries_read_html_xhtml_and_updated() -> None:
    items = by_title(news(sample("travaux.atom")))
    pont = items["Pont de la Loire : fermeture de nuit & déviation"]  # type="html" title
    assert pont.published == datetime(2026, 11, 26, 11, 0, tzinfo=UTC)  # <updated> only
    assert "<strong>14 au 17 décembre</strong>" in pont.summary_html  # XHTML content
    gymnase = items["Rénovation du gymnase Jean-Moulin"]
    assert gymnase.published == datetime(2026, 11, 18, 8, 0, tzinfo=UTC)  # <published> first
    assert gymnase.categories == ("Sport",)


def test_rss_1_0_items_are_read_with_dublin_core() -> None:
    items = news(sample("agenda-mediatheque.rdf"))
    assert items[0].title == "L’heure du conte : histoires d’hiver"
    assert items[0].published == datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
    assert items[0].categories == ("Jeunesse",)
    assert items[0].link == "https://mediatheque.valmont.example.fr/agenda/heure-du-conte-decembre"


def test_ids_are_stable_across_reads_and_distinct_across_feeds() -> None:
    body = sample("actualites.xml")
    first, again = news(body), news(body)
    assert [i.id for i in first] == [i.id for i in again]
    assert len({i.id for i in first}) == len(first)
    other = news(body, feed_id="news-0002")
    assert not {i.id for i in first} & {i.id for i in other}


def test_an_item_without_guid_is_identified_by_its_link() -> None:
    body = rss(item(guid="x").replace('<guid isPermaLink="false">x</guid>', "")).encode()
    moved = body.replace(b"actualites/piscine", b"actualites/piscine-2")
    assert news(body)[0].id != news(moved)[0].id
    assert news(body)[0].id == news(body)[0].id


HOSTILE = (
    "&lt;p onclick=&quot;steal()&quot; style=&quot;x:expression(alert(1))&quot;&gt;Texte"
    "&lt;script&gt;alert(document.cookie)&lt;/script&gt;"
    "&lt;img src=&quot;https://www.valmont.example.fr/a.jpg&quot; onerror=&quot;alert(1)&quot;&gt;"
    "&lt;a href=&quot;javascript:alert(1)&quot;&gt;un&lt;/a&gt;"
    "&lt;a href=&quot;jav&amp;#x09;ascript:alert(2)&quot;&gt;deux&lt;/a&gt;"
    "&lt;a href=&quot;data:text/html;base64,PHNjcmlwdD4=&quot;&gt;trois&lt;/a&gt;"
    "&lt;a href=&quot;https://www.valmont.example.fr/ok&quot;&gt;quatre&lt;/a&gt;"
    "&lt;svg onload=alert(3)&gt;&lt;/svg&gt;&lt;iframe src=&quot;https://evil.example&quot;&gt;"
    "&lt;/iframe&gt;&lt;style&gt;body{display:none}&lt;/style&gt;&lt;form action=&quot;x&quot;&gt;"
    "&lt;input name=&quot;mdp&quot;&gt;&lt;/form&gt;&lt;/p&gt;"
)


def test_a_hostile_item_keeps_its_text_and_nothing_executable() -> None:
    body = rss(
        item(
            "&lt;b onmouseover=alert(1)&gt;Alerte&lt;/b&gt; météo",
            link="javascript:alert(document.domain)",
            description=HOSTILE,
            extra='<enclosure url="javascript:alert(1)" type="image/png" length="1"/>',
        )
    ).encode()
    [hostile] = news(body)
    html = hostile.summary_html.lower()
    for forbidden in ("script", "onclick", "onerror", "onload", "onmouseover", "javascript:"):
        assert forbidden not in html
    for forbidden in ("<svg", "<iframe", "<style", "<form", "<input", "data:", "style="):
        assert forbidden not in html
    assert '<a href="https://www.valmont.example.fr/ok" rel="noopener noreferrer nofollow">' in (
        hostile.summary_html
    )
    assert '<img src="https://www.valmont.example.fr/a.jpg">' in hostile.summary_html
    assert hostile.link is None  # a javascript: link never reaches the portal
    assert hostile.image == "https://www.valmont.example.fr/a.jpg"  # not the javascript: one
    assert hostile.title == "Alerte météo"
    assert "alert" not in hostile.summary_text
    assert hostile.summary_text.startswith("Texte")


def test_a_long_summary_is_cut_and_stays_well_formed() -> None:
    long = "&lt;p&gt;&lt;strong&gt;" + "Conseil municipal. " * 2000 + "&lt;/strong&gt;&lt;/p&gt;"
    [entry] = news(rss(item(description=long)).encode())
    assert len(entry.summary_html) <= 8000
    assert entry.summary_html.endswith("</strong></p>")
    assert len(entry.summary_text) <= 600
    assert entry.summary_text.endswith("…")


def test_an_item_with_no_title_takes_the_start_of_its_summary() -> None:
    body = rss(item("").replace("<title></title>", "")).encode()
    assert news(body)[0].title == "La piscine ferme pour vidange."


def test_categories_are_plain_deduplicated_and_capped() -> None:
    cats = "".join(f"<category>Thème {n}</category>" for n in range(15))
    body = rss(
        item(extra="<category>Culture</category><category>culture</category>" + cats)
    ).encode()
    categories = news(body)[0].categories
    assert categories[:2] == ("Culture", "Thème 0")
    assert len(categories) == 10


def test_every_item_fits_in_one_record_of_the_store() -> None:
    quotes = "&lt;p title=&quot;&amp;quot;&quot;&gt;" + '"\\' * 6000 + "&lt;/p&gt;"
    body = rss(item("x" * 5000, description=quotes, link="https://a.fr/" + "b" * 5000)).encode()
    [entry] = agenda(body)
    assert len(dump_value(entry.model_dump(mode="json"))) <= MAX_VALUE_CHARS
