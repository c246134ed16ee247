"""OPML reading, localised feed dates, URL identity helpers and feeds.yml."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from storywatch.settings import REPO_ROOT
from storywatch.sources.feeddates import parse_feed_date
from storywatch.sources.feeds import FeedError, read_feeds_file
from storywatch.sources.opml import OpmlError, parse_opml
from storywatch.web.urls import absolute_http_url, normalize_url, same_article_url


def test_opml_lists_feeds_in_nested_folders_once_and_skips_non_http():
    subscriptions = parse_opml(b"""<?xml version="1.0"?><opml version="1.0"><body>
      <outline text="News"><outline text="A" title="Feed A" type="rss" xmlUrl="https://a.test/rss"/>
        <outline text="Blog" type="link" url="https://blog.test/"/></outline>
      <outline text="B" xmlUrl="http://b.test/atom"/><outline text="A again" xmlUrl="https://a.test/rss"/>
      <outline text="Local" xmlUrl="file:///etc/passwd"/></body></opml>""")
    assert [(f.url, f.name) for f in subscriptions.feeds] == [
        ("https://a.test/rss", "Feed A"), ("http://b.test/atom", "B")]
    assert subscriptions.skipped == (("file:///etc/passwd", "not an http(s) URL"),)


@pytest.mark.parametrize(("data", "message"), [
    (b'<!DOCTYPE opml [<!ENTITY x SYSTEM "file:///etc/passwd">]><opml><body>'
     b'<outline xmlUrl="http://a.test/&x;"/></body></opml>', "declares XML entities"),
    (b"<opml><body><outline", "not well-formed XML"),
    (b"<rss version='2.0'><channel/></rss>", "not an OPML document"),
])
def test_hostile_or_wrong_opml_is_refused(data, message):
    with pytest.raises(OpmlError, match=message):
        parse_opml(data)


@pytest.mark.parametrize(("text", "expected"), [
    ("Seg, 24 Set 2018 19:42:40 -0300", dt.datetime(2018, 9, 24, 22, 42, 40, tzinfo=dt.UTC)),
    ("Mi, 03 Okt 2018 10:00:00 +0200", dt.datetime(2018, 10, 3, 8, tzinfo=dt.UTC)),
    ("lun., 05 févr. 2018 10:00:00 GMT", dt.datetime(2018, 2, 5, 10, tzinfo=dt.UTC)),
    ("Tue, 21 Aug 2012 10:33:00 EST", dt.datetime(2012, 8, 21, 15, 33, tzinfo=dt.UTC)),
    ("not a date", None),
    ("", None),
])
def test_feed_dates_in_other_languages(text, expected):
    assert parse_feed_date(text) == expected


def test_urls_normalise_for_identity_and_resolve_relative_links():
    assert normalize_url("HTTPS://WWW.Example.com:443/a/b?utm_source=x&id=3&fbclid=y#frag") == (
        "https://www.example.com/a/b?id=3")
    assert normalize_url("http://example.com") == "http://example.com/"
    assert absolute_http_url("/news/1", "https://example.com/feed.xml") == "https://example.com/news/1"
    assert absolute_http_url("mailto:a@b.c", "https://example.com/") is None
    assert absolute_http_url("  ", "https://example.com/") is None
    assert same_article_url("https://www.example.com/a/", "http://example.com/a?utm_medium=rss")
    assert not same_article_url("https://example.com/a", "https://example.com/")


def test_shipped_feeds_yml_is_valid(tmp_path: Path):
    assert read_feeds_file(REPO_ROOT / "seeds" / "feeds.yml") == []
    bad = tmp_path / "feeds.yml"
    bad.write_text("feeds:\n  - url: ftp://a.test/x\n", encoding="utf-8")
    with pytest.raises(FeedError, match="not an http"):
        read_feeds_file(bad)
    bad.write_text("feeds:\n  - url: https://a.test/x\n    every: 5\n", encoding="utf-8")
    with pytest.raises(FeedError, match="unknown keys: every"):
        read_feeds_file(bad)
