"""Main text and metadata of an article page (HTML).

Text: trafilatura with `favor_precision` and no comments, which scores body F1
0.964 on the article-extraction benchmark (`bench/extraction_quality.py`);
when it finds nothing, a recall-leaning second pass, then the page's `<p>` text.
Metadata: what the markup declares (`pagemeta`: JSON-LD, OpenGraph, meta tags,
canonical link), with htmldate searching the page for a publication date only
when the markup has none.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import htmldate
import trafilatura
from bs4 import BeautifulSoup
from lxml.html import HtmlElement

from storywatch.sources.pagemeta import PageMeta, parse_date, parse_html, read_page_meta
from storywatch.text import clean_text


@dataclass(frozen=True, slots=True)
class PageContent:
    """An article page reduced to its text and metadata."""

    title: str | None
    text: str
    author: str | None
    published: str | None  # ISO 8601 of published_at, kept for callers that want text
    canonical_url: str | None
    published_at: datetime | None = None  # aware UTC; 00:00 when only a day is known
    published_source: str | None = (
        None  # 'markup' (JSON-LD or meta tags) or 'page' (htmldate's search)
    )
    modified_at: datetime | None = None
    description: str | None = None
    site_name: str | None = None
    language: str | None = None


def extract_page(html: str, url: str | None = None) -> PageContent:
    """The article's main text and metadata; falls back to paragraph text when the extractor finds none."""
    tree = parse_html(html)
    meta = read_page_meta(tree if tree is not None else "", url)
    text = extract_text(
        html, url, tree
    )  # after the metadata: trafilatura prunes the tree it is given
    published_at, source = meta.published_at, "markup" if meta.published_at else None
    if published_at is None:
        published_at = find_date(html, url)
        source = "page" if published_at else None
    return PageContent(
        title=_clean(meta.title),
        text=clean_text(text),
        author=_clean(meta.author),
        published=published_at.isoformat() if published_at else None,
        canonical_url=meta.canonical_url,
        published_at=published_at,
        published_source=source,
        modified_at=meta.modified_at,
        description=_clean(meta.description),
        site_name=_clean(meta.site_name),
        language=meta.language,
    )


def extract_text(html: str, url: str | None = None, tree: HtmlElement | None = None) -> str:
    """The main text of `html` (or of its parsed `tree`), one paragraph a line; '' when there is none."""
    attempts = (
        (tree if tree is not None else html, {"favor_precision": True}),
        (html, {"favor_recall": True}),
    )
    for document, options in attempts:
        text = trafilatura.extract(document, url=url, include_comments=False, **options)
        if text and text.strip():
            return text.strip()
    soup = BeautifulSoup(html, "lxml")
    return "\n".join(p for p in (p.get_text(" ", strip=True) for p in soup.find_all("p")) if p)


def find_date(html: str, url: str | None = None) -> datetime | None:
    """The publication date htmldate finds in the page (URL, text, markup), if plausible."""
    try:
        found = htmldate.find_date(html, url=url, original_date=True, extensive_search=True)
    except (ValueError, TypeError):
        return None
    return parse_date(found)


def _clean(value: str | None) -> str | None:
    return clean_text(value) if value else value


__all__ = ["PageContent", "PageMeta", "extract_page", "extract_text", "find_date"]
