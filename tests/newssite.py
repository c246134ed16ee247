"""Building blocks for tests that serve a small news site on the loopback test server."""
from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from storywatch.web.fetch import Fetcher
from storywatch.web.politeness import MemoryPoliteness
from tests.httpserver import LocalServer


@dataclass(frozen=True)
class Item:
    title: str
    link: str | None
    guid: str | None = None
    summary: str = ""
    published: str = "Wed, 19 Jan 2022 10:00:00 GMT"


def rss(items: Iterable[Item], *, title: str = "Test News", ttl: int | None = None) -> str:
    """An RSS 2.0 document of `items`."""
    parts = [f"<rss version=\"2.0\"><channel><title>{html.escape(title)}</title>"
             "<link>http://news.test/</link>"]
    if ttl is not None:
        parts.append(f"<ttl>{ttl}</ttl>")
    for item in items:
        parts.append("<item>")
        parts.append(f"<title>{html.escape(item.title)}</title>")
        if item.link is not None:
            parts.append(f"<link>{html.escape(item.link)}</link>")
        if item.guid is not None:
            parts.append(f"<guid isPermaLink=\"false\">{html.escape(item.guid)}</guid>")
        if item.summary:
            parts.append(f"<description>{html.escape(item.summary)}</description>")
        parts.append(f"<pubDate>{item.published}</pubDate></item>")
    parts.append("</channel></rss>")
    return "".join(parts)


def article_page(title: str, paragraphs: Sequence[str], *, canonical: str | None = None) -> str:
    """An article page the extractor reads: headline, byline, dated, paragraphs."""
    link = f'<link rel="canonical" href="{html.escape(canonical)}">' if canonical else ""
    body = "\n".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)
    return (
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"
        f"<title>{html.escape(title)}</title>{link}"
        '<meta name="author" content="Jane Reporter">'
        "</head><body><header><nav><a href=\"/\">Home</a> <a href=\"/world\">World</a></nav></header>"
        f"<article><h1>{html.escape(title)}</h1>{body}</article>"
        "<footer><p>Copyright Test News. All rights reserved.</p></footer></body></html>"
    )


PARAGRAPHS_A = [
    "Russia has massed some 100,000 troops near the border with Ukraine, Western officials said "
    "on Wednesday, as talks in Geneva ended without a breakthrough.",
    "The Kremlin denies planning an invasion and says the troops are on exercises inside its own "
    "territory, far from any neighbour.",
    "Diplomats said another round of talks could take place next week in Vienna, although no date "
    "has been set by either side.",
    "NATO said it would not close its door to new members, a demand that Moscow has made central "
    "to its list of security guarantees.",
]
PARAGRAPHS_B = [
    "Russia has massed more than 130,000 troops near the border with Ukraine, Western officials "
    "said on Wednesday, as talks in Geneva ended without a breakthrough.",
    *PARAGRAPHS_A[1:],
    "The United States said it had put 8,500 soldiers on heightened alert for a possible "
    "deployment to Eastern Europe.",
]


def loopback_fetcher(server: LocalServer, **settings: object) -> Fetcher:
    """A fetcher allowed to reach the loopback server, with no pause between requests."""
    return Fetcher(server.settings(**settings), politeness=MemoryPoliteness(0.0),
                   total_timeout=2.0, connect_timeout=1.0)

