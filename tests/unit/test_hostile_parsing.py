"""Feed parsing of hostile values, fast and without a server (the batch tests are integration)."""
from __future__ import annotations

import datetime as dt
import json

import pytest

from storywatch.sources.feedparse import parse_feed


def rss_item(**fields: str) -> bytes:
    parts = "".join(f"<{k}>{v}</{k}>" for k, v in fields.items())
    return (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>T</title>'
            f"<item>{parts}</item><item><title>Control</title><link>http://a.test/c</link></item>"
            "</channel></rss>").encode()


@pytest.mark.parametrize("reference", ["&#xD800;", "&#xdfff;", "&#55296;", "&#0;", "&#x110000;",
                                       "&#x0000D800;"])
def test_character_references_that_are_no_text_become_replacement_characters(reference):
    feed = parse_feed(rss_item(title=f"Lone {reference} ref", link="http://a.test/1"),
                      "http://a.test/feed")
    assert [e.title for e in feed.entries] == ["Lone \ufffd ref", "Control"]


def test_json_feed_text_loses_nul_and_lone_surrogates():
    body = json.dumps({"version": "https://jsonfeed.org/version/1.1", "items": [
        {"id": "a\u0000b", "title": "T\ud800", "content_text": "x\u0000y\udfffz",
         "authors": [{"name": "N\u0000"}], "url": "http://a.test/1"}]}).encode()
    entry = parse_feed(body, "http://a.test/feed.json").entries[0]
    for text in (entry.item_key, entry.title, entry.summary, entry.author):
        assert "\x00" not in text and all(not 0xD800 <= ord(c) <= 0xDFFF for c in text)


@pytest.mark.parametrize(("date", "expected"), [
    ("Sat, 01 Jan 0000 00:00:00 GMT", None),
    ("Fri, 31 Dec 9999 23:59:59 GMT", None),
    ("yesterday", None),
    ("Mon, 01 Jan 1900 00:00:00 GMT", None),
    ("Wed, 19 Jan 2022 10:00:00 +0000", dt.datetime(2022, 1, 19, 10, tzinfo=dt.UTC)),
    ("Wed Jan 19 10:00:00 +0000 2022", dt.datetime(2022, 1, 19, 10, tzinfo=dt.UTC)),
    ("Wed, 19 Jan 22 10:00:00 GMT", dt.datetime(2022, 1, 19, 10, tzinfo=dt.UTC)),
])
def test_impossible_feed_dates_are_dropped_and_real_ones_kept(date, expected):
    entry = parse_feed(rss_item(title="x", link="http://a.test/1", pubDate=date),
                       "http://a.test/feed").entries[0]
    assert entry.published_at == expected


def test_json_feed_date_in_year_zero_is_dropped():
    body = json.dumps({"version": "https://jsonfeed.org/version/1", "items": [
        {"id": "1", "title": "t", "url": "http://a.test/1",
         "date_published": "0000-01-01T00:00:00Z"}]}).encode()
    assert parse_feed(body, "http://a.test/f.json").entries[0].published_at is None


@pytest.mark.parametrize("link", ["http://a.test:99999/x", "http://a.test:-1/x", "http://a.test:port/x",
                                  "http://user:secret@a.test/x"])
def test_links_that_are_no_usable_url_are_dropped_or_cleaned_and_the_feed_kept(link):
    feed = parse_feed(rss_item(title="Odd link", link=link), "http://a.test/feed")
    assert [e.title for e in feed.entries] == ["Odd link", "Control"]
    assert feed.entries[0].link in (None, "http://a.test/x")
