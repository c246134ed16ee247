"""Feed bodies into entries: the real feeds in ../shared/fixtures/feeds, and hostile bodies."""
from __future__ import annotations

import datetime as dt
import json
import re

import pytest

from storywatch.sources.feedparse import FeedParseError, html_to_text, parse_feed
from tests.conftest import shared_path

UTC = dt.UTC
# file, entries, earliest and latest entry date, the feed URL it is parsed as coming from
REAL_FEEDS = [
    ("danmactough_node-feedparser__tpm.atom", 20, dt.datetime(2017, 11, 8, 16, 13, 26, tzinfo=UTC),
     dt.datetime(2017, 11, 8, 23, 15, 58, tzinfo=UTC), "http://talkingpointsmemo.com/account/feed/all"),
    ("danmactough_node-feedparser__wapowellness.xml", 29, dt.datetime(2011, 12, 6, 20, 7, 29, tzinfo=UTC),
     dt.datetime(2012, 8, 23, 12, 16, 58, tzinfo=UTC), "http://feeds.washingtonpost.com/rss/wellness"),
    ("rbren_rss-parser__guardian.rss", 55, dt.datetime(2017, 12, 8, 12, 0, 2, tzinfo=UTC),
     dt.datetime(2018, 1, 31, 20, 13, 54, tzinfo=UTC), "https://www.theguardian.com/us/rss"),
    ("rbren_rss-parser__heise.atom", 15, dt.datetime(2016, 1, 28, 16, 7, tzinfo=UTC),
     dt.datetime(2016, 2, 1, 16, 22, tzinfo=UTC), "https://www.heise.de/developer/rss/news-atom.xml"),
    ("rbren_rss-parser__uolNoticias.rss", 15, dt.datetime(2018, 9, 24, 22, 18, 49, tzinfo=UTC),
     dt.datetime(2018, 9, 24, 22, 42, 40, tzinfo=UTC), "http://rss.uol.com.br/feed/noticias.xml"),
]


@pytest.mark.parametrize(("name", "count", "earliest", "latest", "base"), REAL_FEEDS,
                         ids=[f[0].split("__")[1] for f in REAL_FEEDS])
def test_real_feed_parses_with_its_item_count_dates_and_absolute_links(name, count, earliest, latest, base):
    body = shared_path("fixtures", "feeds", name).read_bytes()
    feed = parse_feed(body, base)
    assert len(feed.entries) == count
    assert len({e.item_key for e in feed.entries}) == count
    dates = [e.published_at for e in feed.entries]
    assert None not in dates
    assert (min(dates), max(dates)) == (earliest, latest)
    for entry in feed.entries:
        assert entry.link and re.match(r"https?://[^/]+/", entry.link), entry.link
        assert entry.title
    assert feed.warning is None


def test_item_counts_agree_with_the_shared_sources_table():
    table = shared_path("fixtures", "feeds", "SOURCES.md").read_text(encoding="utf-8")
    for name, count, *_ in REAL_FEEDS:
        row = next(line for line in table.splitlines() if line.startswith(f"| {name} "))
        assert re.search(rf"\b{count} (?:items|entries)\b", row), row


def test_relative_atom_links_resolve_against_the_feed_url():
    body = shared_path("fixtures", "feeds", "danmactough_node-feedparser__tpm.atom").read_bytes()
    feed = parse_feed(body, "http://talkingpointsmemo.com/account/feed/all")
    assert feed.entries[0].link == ("http://talkingpointsmemo.com/livewire/"
                                    "hannity-announces-fox-hired-sebastian-gorka-national-security-strategist")
    assert feed.entries[0].item_key == "tag:talkingpointsmemo.com,2005:ArticleDecorator/270060"


def test_latin1_feed_without_xml_declaration_is_decoded_and_its_portuguese_dates_read():
    body = shared_path("fixtures", "feeds", "rbren_rss-parser__uolNoticias.rss").read_bytes()
    assert not body.startswith(b"<?xml")
    with pytest.raises(UnicodeDecodeError):
        body.decode("utf-8")
    feed = parse_feed(body, "http://rss.uol.com.br/feed/noticias.xml")
    first = feed.entries[0]
    assert first.title == "Ibope: Bolsonaro perde de Haddad, Ciro e Alckmin em simulações de 2º turno"
    assert feed.title == "UOL Noticias"
    # "Seg, 24 Set 2018 19:42:40 -0300": Monday 24 September, three hours behind UTC.
    assert first.published_at == dt.datetime(2018, 9, 24, 22, 42, 40, tzinfo=UTC)
    # No GUIDs in this feed: the item key is the (normalised) link.
    assert first.guid is None and first.item_key == first.link


def test_update_hints_come_from_ttl_and_sy_update_period():
    body = shared_path("fixtures", "feeds", "danmactough_node-feedparser__wapowellness.xml").read_bytes()
    assert parse_feed(body, "http://feeds.washingtonpost.com/rss/wellness").update_hint == dt.timedelta(minutes=15)
    rdf = (b'<?xml version="1.0"?><rss version="2.0" xmlns:sy="http://purl.org/rss/1.0/modules/syndication/">'
           b"<channel><title>T</title><sy:updatePeriod>daily</sy:updatePeriod>"
           b"<sy:updateFrequency>4</sy:updateFrequency><item><title>a</title><link>http://a.test/1</link>"
           b"</item></channel></rss>")
    assert parse_feed(rdf, "http://a.test/feed").update_hint == dt.timedelta(hours=6)


def _rss(items: str) -> bytes:
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>{items}</channel></rss>'.encode()


def test_identity_is_the_guid_then_the_normalised_link_then_the_text():
    feed = parse_feed(_rss(
        "<item><title>a</title><guid isPermaLink='false'>urn:x:1</guid><link>http://a.test/1</link></item>"
        "<item><title>b</title><link>http://A.test:80/2?utm_source=rss#top</link></item>"
        "<item><title>c</title><description>no link at all</description></item>"
        "<item><title>b again</title><link>http://a.test/2</link></item>"
    ), "http://a.test/feed")
    keys = [e.item_key for e in feed.entries]
    assert keys[0] == "urn:x:1"
    assert keys[1] == "http://a.test/2"
    assert keys[2].startswith("sha256:")
    assert len(keys) == 3  # the repeated link is one entry
    assert feed.entries[1].link == "http://A.test:80/2?utm_source=rss#top"


def test_links_that_are_not_http_are_dropped():
    feed = parse_feed(_rss("<item><title>x</title><link>javascript:alert(1)</link>"
                           "<description>text</description></item>"), "http://a.test/feed")
    assert feed.entries[0].link is None


@pytest.mark.parametrize(("body", "content_type", "message"), [
    (b"", None, "empty body"),
    (b"   \n ", "application/rss+xml", "empty body"),
    (b"\x89PNG\r\n\x1a\n" + bytes(64), "image/png", "binary content (image/png)"),
    (b"GIF89a\x00\x00\x00", None, "binary content"),
    (b'{"status": "ok"}', "application/json", "JSON that is not a JSON Feed"),
    (b"[1, 2, 3]", "application/json", "JSON that is not a JSON Feed"),
    (b"hello, world", "text/plain", "not a feed"),
    (b"<?xml version='1.0'?><rss version='2.0'><channel><title>T</title><item><title>A</ti",
     None, "malformed XML (the document is incomplete)"),
    (b"<?xml version='1.0'?><catalog><book>1</book></catalog>", None, "not a feed"),
    (b"<!DOCTYPE html><html><head><title>x</title></head><body><p>hi</p></body></html>",
     "text/html", "an HTML page, not a feed"),
])
def test_bodies_that_are_not_feeds_are_refused_with_the_reason(body, content_type, message):
    with pytest.raises(FeedParseError, match=re.escape(message)):
        parse_feed(body, "http://a.test/feed", content_type)


def test_html_page_naming_its_feed_says_where_the_feed_is():
    page = (b'<!DOCTYPE html><html><head><link rel="alternate" type="application/rss+xml" '
            b'href="/rss.xml"></head><body><p>news</p></body></html>')
    with pytest.raises(FeedParseError, match=re.escape("names a feed at http://a.test/rss.xml")):
        parse_feed(page, "http://a.test/news")


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16"])
def test_entity_declarations_are_refused_before_parsing(encoding):
    bomb = ('<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY a "aaaaaaaaaa">'
            '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
            '<rss version="2.0"><channel><title>&b;</title></channel></rss>')
    with pytest.raises(FeedParseError, match="declares XML entities"):
        parse_feed(bomb.encode(encoding), "http://a.test/feed")


def test_complete_feed_with_a_bare_ampersand_is_read_with_a_warning():
    feed = parse_feed(_rss("<item><title>Tom & Jerry</title><link>http://a.test/1</link></item>"),
                      "http://a.test/feed")
    assert [e.title for e in feed.entries] == ["Tom & Jerry"]
    assert feed.warning and "malformed XML read leniently" in feed.warning


def test_json_feed_is_read():
    document = {
        "version": "https://jsonfeed.org/version/1.1", "title": "J", "home_page_url": "https://j.test/",
        "items": [
            {"id": "1", "url": "/posts/1", "title": "One", "content_html": "<p>First <b>post</b></p>",
             "date_published": "2022-01-19T10:00:00+03:00", "authors": [{"name": "Ann"}]},
            {"id": 2, "content_text": "A note without a link."},
        ],
    }
    feed = parse_feed(json.dumps(document).encode(), "https://j.test/feed.json", "application/feed+json")
    one, two = feed.entries
    assert (one.item_key, one.link, one.summary, one.author) == ("1", "https://j.test/posts/1", "First post", "Ann")
    assert one.published_at == dt.datetime(2022, 1, 19, 7, tzinfo=UTC)
    assert (two.item_key, two.link, two.summary) == ("2", None, "A note without a link.")


def test_html_to_text_keeps_inline_words_together_and_blocks_apart():
    assert html_to_text("<p>Hello <b>world</b> &amp; all</p><p>Next<br>line</p><script>x()</script>") == (
        "Hello world & all\nNext\nline")
