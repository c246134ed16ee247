"""Main text and metadata of an article page (HTML)."""
from __future__ import annotations

from dataclasses import dataclass

import trafilatura
from bs4 import BeautifulSoup


@dataclass(frozen=True, slots=True)
class PageContent:
    title: str | None
    text: str
    author: str | None
    published: str | None
    canonical_url: str | None


def extract_page(html: str, url: str | None = None) -> PageContent:
    """The article's main text and metadata; falls back to paragraph text when the extractor finds none."""
    text = trafilatura.extract(
        html, url=url, favor_precision=True, include_comments=False, include_tables=False
    )
    metadata = trafilatura.extract_metadata(html, default_url=url)
    soup = BeautifulSoup(html, "lxml")
    if not text:
        text = "\n".join(p.get_text(" ", strip=True) for p in soup.find_all("p"))
    canonical = soup.find("link", rel="canonical")
    title = metadata.title if metadata and metadata.title else None
    if title is None and soup.title and soup.title.string:
        title = soup.title.string.strip()
    return PageContent(
        title=title,
        text=text or "",
        author=metadata.author if metadata else None,
        published=metadata.date if metadata else None,
        canonical_url=str(canonical.get("href")) if canonical and canonical.get("href") else None,
    )
