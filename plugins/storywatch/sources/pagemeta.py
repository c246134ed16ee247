"""Article metadata from a page's markup: JSON-LD, OpenGraph and other meta tags, canonical link.

Read with lxml XPath rather than BeautifulSoup: on the extraction benchmark a
BeautifulSoup pass over each page cost as much as trafilatura itself, and
lxml's tree is the one trafilatura then reuses.

Publishers state these for search engines and social sites, so they are more
precise than anything guessed from the text: a `datePublished` carries the time
and zone, an `og:title` has no " | Site name" suffix. Each field takes the
first source that has it, in the order listed in `PageMeta`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urljoin, urlsplit

import lxml.etree
import lxml.html
from lxml.html import HtmlElement

ARTICLE_TYPES = {
    "article",
    "newsarticle",
    "reportagenewsarticle",
    "analysisnewsarticle",
    "opinionnewsarticle",
    "backgroundnewsarticle",
    "reviewnewsarticle",
    "blogposting",
    "liveblogposting",
    "report",
    "scholarlyarticle",
    "techarticle",
    "webpage",
}
PUBLISHED_META = (
    "article:published_time",
    "og:article:published_time",
    "parsely-pub-date",
    "pubdate",
    "publishdate",
    "publish-date",
    "datepublished",
    "dc.date.issued",
    "dcterms.issued",
    "dc.date",
    "date",
    "sailthru.date",
    "article.published",
    "cxenseparse:recs:publishtime",
)
MODIFIED_META = ("article:modified_time", "og:updated_time", "datemodified", "dcterms.modified")
AUTHOR_META = ("author", "article:author", "parsely-author", "sailthru.author", "dc.creator", "byl")
BYLINE_PREFIX = re.compile(r"^\s*(by|von|par|por|di)\s+", re.IGNORECASE)
EARLIEST = datetime(1990, 1, 1, tzinfo=UTC)
MAX_TITLE = 500
PARSER = lxml.html.HTMLParser(encoding="utf-8", remove_comments=True)
JSON_LD = "//script[contains(translate(@type, 'JSON+LD', 'json+ld'), 'ld+json')]"
CANONICAL_LINK = (
    "//link[contains(concat(' ', translate(normalize-space(@rel), 'CANONICAL', 'canonical'), ' '),"
    " ' canonical ')]/@href"
)
MAX_AUTHOR = 200


@dataclass(frozen=True, slots=True)
class PageMeta:
    """What the markup says about the article (None where it says nothing usable)."""

    title: str | None  # JSON-LD headline, og:title, twitter:title, <title>
    author: str | None  # JSON-LD author names, meta author tags (names only, never profile URLs)
    published_at: datetime | None  # JSON-LD datePublished, article:published_time and kin, <time>
    modified_at: datetime | None  # JSON-LD dateModified, article:modified_time
    canonical_url: str | None  # <link rel=canonical>, og:url, JSON-LD url / mainEntityOfPage
    description: str | None
    site_name: str | None
    language: str | None


def read_page_meta(html: str | HtmlElement, url: str | None = None) -> PageMeta:
    """The metadata a page declares (markup or parsed tree); relative URLs resolve against `url`."""
    tree = parse_html(html) if isinstance(html, str) else html
    if tree is None:
        return PageMeta(None, None, None, None, None, None, None, None)
    metas = _meta_values(tree)
    ld = list(_article_objects(tree))
    return PageMeta(
        title=_clip(
            _first(
                *(_text(o.get("headline")) for o in ld),
                metas.get("og:title"),
                metas.get("twitter:title"),
                _text(tree.xpath("string(//title)")),
            ),
            MAX_TITLE,
        ),
        author=_clip(
            _first(
                *(_authors(o.get("author")) for o in ld),
                *(_person(metas.get(k)) for k in AUTHOR_META),
            ),
            MAX_AUTHOR,
        ),
        published_at=_first_date(
            *(o.get("datePublished") for o in ld),
            *(metas.get(k) for k in PUBLISHED_META),
            *tree.xpath("//time[@pubdate]/@datetime | //*[@itemprop='datePublished']/@datetime"),
        ),
        modified_at=_first_date(
            *(o.get("dateModified") for o in ld), *(metas.get(k) for k in MODIFIED_META)
        ),
        canonical_url=_first(
            *(_absolute(h, url) for h in tree.xpath(CANONICAL_LINK)),
            _absolute(metas.get("og:url"), url),
            *(_absolute(_text(o.get("url")), url) for o in ld),
            *(_absolute(_entity_id(o.get("mainEntityOfPage")), url) for o in ld),
        ),
        description=_first(metas.get("og:description"), metas.get("description")),
        site_name=_first(
            metas.get("og:site_name"), *(_text(_name(o.get("publisher"))) for o in ld)
        ),
        language=_first(_text(tree.xpath("string(/html/@lang)")), metas.get("og:locale")),
    )


def parse_html(html: str) -> HtmlElement | None:
    """`html` parsed by lxml (None for an empty or unparseable document)."""
    if not html.strip():
        return None
    try:
        # Bytes, because lxml refuses str input that carries an XML encoding declaration.
        return lxml.html.document_fromstring(html.encode("utf-8", "surrogatepass"), parser=PARSER)
    except (lxml.etree.ParserError, ValueError):
        return None


def parse_date(value: Any) -> datetime | None:
    """An aware UTC datetime from an ISO 8601 date or datetime; None when absent or implausible.

    A date without a time means 00:00 UTC (as for article files); a time
    without a zone is taken as UTC. Dates before 1990 or more than a day in the
    future are refused: they are template defaults and typos, not publications.
    """
    text = _text(value)
    if not text:
        return None
    text = text.strip().replace("Z", "+00:00").replace("z", "+00:00")
    if re.fullmatch(r"\d{8}", text):
        text = f"{text[:4]}-{text[4:6]}-{text[6:]}"
    text = re.sub(r"([+-]\d\d)(\d\d)$", r"\1:\2", text)  # +0200 -> +02:00
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        return None
    when = when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)
    if not EARLIEST <= when <= datetime.now(UTC) + timedelta(days=1):
        return None
    return when


def _meta_values(tree: HtmlElement) -> dict[str, str]:
    values: dict[str, str] = {}
    for tag in tree.iter("meta"):
        key = tag.get("property") or tag.get("name") or tag.get("itemprop")
        content = tag.get("content") or tag.get("datetime")
        if key and content and content.strip():
            values.setdefault(key.strip().lower(), content.strip())
    return values


def _article_objects(tree: HtmlElement) -> Iterator[dict[str, Any]]:
    for script in tree.xpath(JSON_LD):
        try:
            data = json.loads(script.text_content(), strict=False)
        except (json.JSONDecodeError, RecursionError):
            continue  # publishers ship broken JSON-LD; the other sources still count
        for item in _walk(data, depth=0):
            kinds = item.get("@type")
            kinds = kinds if isinstance(kinds, list) else [kinds]
            if any(isinstance(k, str) and k.lower() in ARTICLE_TYPES for k in kinds):
                yield item


def _walk(data: Any, depth: int) -> Iterator[dict[str, Any]]:
    if depth > 6:
        return
    if isinstance(data, dict):
        yield data
        for key in ("@graph", "mainEntity", "itemListElement"):
            yield from _walk(data.get(key), depth + 1)
    elif isinstance(data, list):
        for item in data:
            yield from _walk(item, depth + 1)


def _text(value: Any) -> str | None:
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, str) and value.strip():
        return " ".join(value.split())
    return None


def _name(value: Any) -> Any:
    return value.get("name") if isinstance(value, dict) else value


def _person(value: str | None) -> str | None:
    if not value or value.lower().startswith(("http://", "https://", "www.")):
        return None  # article:author is often a profile URL, not a name
    return BYLINE_PREFIX.sub("", " ".join(value.split())) or None


def _authors(value: Any) -> str | None:
    items = value if isinstance(value, list) else [value]
    names = [_person(_text(_name(item))) for item in items]
    unique = list(dict.fromkeys(n for n in names if n))
    return "; ".join(unique) or None


def _entity_id(value: Any) -> str | None:
    return _text(value.get("@id") or value.get("url")) if isinstance(value, dict) else _text(value)


def _absolute(href: Any, base: str | None) -> str | None:
    if not isinstance(href, str) or not href.strip():
        return None
    absolute = urljoin(base or "", href.strip())
    parts = urlsplit(absolute)
    return absolute if parts.scheme in ("http", "https") and parts.netloc else None


def _first(*values: str | None) -> str | None:
    return next((v for v in values if v), None)


def _first_date(*values: Any) -> datetime | None:
    return next((d for d in (parse_date(v) for v in values) if d is not None), None)


def _clip(value: str | None, limit: int) -> str | None:
    return value[:limit] if value else value
