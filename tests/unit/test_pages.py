"""Article pages: main text, title, author, dates and canonical URL."""

from __future__ import annotations

import gzip
import json
from datetime import UTC, datetime

import pytest

from storywatch.sources.pagemeta import parse_date, read_page_meta
from storywatch.sources.pages import extract_page
from tests.conftest import shared_path

BODY = "".join(
    f"<p>Paragraph {i}: Russia has massed more than 130,000 troops near the border with Ukraine, "
    f"a US official said on Sunday, citing new satellite images of the region.</p>"
    for i in range(6)
)


def page(head: str = "", body: str = BODY, lang: str = "en") -> str:
    return (
        f'<html lang="{lang}"><head><title>Troops massed | Example News</title>{head}</head>'
        f"<body><nav><a href='/'>Home</a><a href='/world'>World</a></nav><article><h1>Troops</h1>"
        f"{body}</article><footer>© Example News. All rights reserved.</footer></body></html>"
    )


def ld(data: object) -> str:
    return f'<script type="application/ld+json">{json.dumps(data)}</script>'


def test_main_text_keeps_the_article_and_drops_the_chrome():
    content = extract_page(page(), "https://news.test/world/troops")
    assert "130,000 troops" in content.text and "Paragraph 5" in content.text
    assert "All rights reserved" not in content.text and "Home" not in content.text


def test_json_ld_gives_headline_author_dates_and_url():
    data = {
        "@context": "https://schema.org",
        "@graph": [
            {"@type": "WebSite", "name": "Example"},
            {
                "@type": ["NewsArticle"],
                "headline": "Russia masses troops near Ukraine",
                "author": [
                    {"@type": "Person", "name": "Jane Doe"},
                    {"@type": "Person", "name": "By John Roe"},
                ],
                "datePublished": "2022-02-13T09:30:00+01:00",
                "dateModified": "2022-02-13T12:00:00Z",
                "mainEntityOfPage": {"@id": "https://news.test/world/troops"},
                "publisher": {"@type": "Organization", "name": "Example News"},
            },
        ],
    }
    content = extract_page(page(ld(data)), "https://news.test/world/troops?utm_source=feed")
    assert content.title == "Russia masses troops near Ukraine"
    assert content.author == "Jane Doe; John Roe"
    assert content.published_at == datetime(2022, 2, 13, 8, 30, tzinfo=UTC)
    assert content.published == "2022-02-13T08:30:00+00:00" and content.published_source == "markup"
    assert content.modified_at == datetime(2022, 2, 13, 12, 0, tzinfo=UTC)
    assert content.canonical_url == "https://news.test/world/troops"
    assert content.site_name == "Example News" and content.language == "en"


def test_canonical_link_wins_and_relative_links_resolve():
    head = (
        '<link rel="Canonical" href="/world/troops-canonical">'
        '<meta property="og:url" content="https://news.test/og-url">'
        '<meta property="og:title" content="OG title">'
    )
    content = extract_page(page(head), "https://news.test/world/troops?page=1")
    assert content.canonical_url == "https://news.test/world/troops-canonical"
    assert content.title == "OG title"


def test_og_url_is_used_without_a_canonical_link_and_unsafe_schemes_are_not():
    assert extract_page(
        page('<meta property="og:url" content="https://news.test/a">')
    ).canonical_url == ("https://news.test/a")
    assert (
        extract_page(page('<link rel="canonical" href="javascript:alert(1)">')).canonical_url
        is None
    )


def test_meta_tags_give_author_and_date_but_not_profile_urls():
    head = (
        '<meta property="article:author" content="https://www.facebook.com/someone">'
        '<meta name="author" content="Maria Silva">'
        '<meta property="article:published_time" content="2022-02-14T07:00:00-05:00">'
    )
    content = extract_page(page(head))
    assert content.author == "Maria Silva"
    assert content.published_at == datetime(2022, 2, 14, 12, 0, tzinfo=UTC)
    assert content.title == "Troops massed | Example News"


def test_date_only_means_midnight_utc_and_the_page_is_searched_without_markup():
    content = extract_page(page('<meta name="date" content="2022-02-14">'))
    assert content.published_at == datetime(2022, 2, 14, tzinfo=UTC)
    searched = extract_page(page(), "https://news.test/2021/11/05/troops-story")
    assert searched.published_at == datetime(2021, 11, 5, tzinfo=UTC)
    assert searched.published_source == "page"


@pytest.mark.parametrize(
    "value", ["0000-01-01", "0001-01-01T00:00:00Z", "9999-12-31", "yesterday", "", "2022-13-45"]
)
def test_implausible_dates_are_refused(value):
    assert parse_date(value) is None


def test_broken_json_ld_does_not_hide_the_other_sources():
    head = '<script type="application/ld+json">{"@type": "NewsArticle", broken</script>'
    head += '<meta property="og:title" content="Still here">'
    assert read_page_meta(page(head)).title == "Still here"


def test_hostile_markup_gives_clean_text_or_nothing():
    assert extract_page("").text == ""
    assert extract_page("<html><body></body></html>").text == ""
    nul = extract_page(
        "<p>Text with a NUL\x00 byte and a lone \udc80 surrogate in a long paragraph.</p>"
    )
    assert "\x00" not in nul.text and "surrogate" in nul.text
    nul.text.encode("utf-8")
    script = extract_page(
        page(
            body="<p>Title with '; drop table documents; -- and <script>alert(1)</script> inside it, "
            "a long enough paragraph for the extractor to keep.</p>" * 3
        )
    )
    assert "alert(1)" not in script.text and "drop table documents" in script.text
    deep = extract_page("<div>" * 3000 + "<p>deep text</p>")
    assert isinstance(deep.text, str)


def test_xml_declared_xhtml_string_is_read():
    xhtml = '<?xml version="1.0" encoding="ISO-8859-1"?>' + page(
        '<meta name="author" content="Ana">'
    )
    content = extract_page(xhtml)
    assert content.author == "Ana" and "130,000 troops" in content.text


def test_paragraph_text_is_the_fallback_when_the_extractor_finds_nothing():
    content = extract_page("<html><body><p>Short.</p><p>Second.</p></body></html>")
    assert "Short." in content.text


def test_benchmark_page_from_a_real_site_has_text_title_and_date():
    folder = shared_path("bench", "article-extraction")
    truth = json.loads((folder / "ground-truth.json").read_text(encoding="utf-8"))
    page_id = "042bb7b5fedab6eac7db576522b89b93904c237d344bcbe14a6a5ab7f7335856"
    html = gzip.decompress((folder / "html" / f"{page_id}.html.gz").read_bytes()).decode("utf-8")
    content = extract_page(html, truth[page_id]["url"])
    assert content.text.startswith("Gaming used to be so simple.")
    assert content.title and "Stadia" in content.title
    assert (
        content.published_at is not None and content.published_at.date().isoformat() == "2019-11-19"
    )
    assert content.canonical_url and content.canonical_url.startswith(
        "https://www.wsj.com/articles/"
    )
