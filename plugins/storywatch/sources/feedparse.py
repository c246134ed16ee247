"""Feed bodies (RSS, Atom, RDF, JSON Feed) into entries, refusing what is not a feed.

feedparser only ever sees bytes already fetched (a stream, never a URL, so it
cannot fetch anything itself). Before it runs, the body is sniffed: empty
bodies, binary content, HTML pages, JSON that is not a JSON Feed and documents
declaring XML entities (the entity-expansion attack) are refused with a reason.
"""
from __future__ import annotations

import codecs
import datetime as dt
import io
import json
import re
from dataclasses import dataclass
from typing import Any
from xml.sax import SAXParseException

import feedparser
from bs4 import BeautifulSoup

from storywatch.errors import StorywatchError
from storywatch.sources.feeddates import from_struct_time, parse_feed_date
from storywatch.text import clean_text, sha256_text
from storywatch.web.urls import absolute_http_url, normalize_url

# More entries than any real feed carries: a bound on what one hostile body can add.
MAX_ENTRIES = 500
_BINARY_TYPES = ("image/", "audio/", "video/", "font/", "application/pdf", "application/zip",
                 "application/gzip", "application/x-", "application/vnd.", "application/msword")
_ENTITY_DECLARATION = re.compile(rb"<!ENTITY", re.IGNORECASE)
_HTML_START = re.compile(rb"^(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html[\s>]|head[\s>]|body[\s>])",
                         re.IGNORECASE | re.DOTALL)
_FEED_ROOT = re.compile(rb"<(?:[\w-]+:)?(?:rss|feed|rdf)[\s>]", re.IGNORECASE)
_CLOSED_ROOT = re.compile(rb"</(?:[\w-]+:)?(?:rss|feed|rdf)\s*>\s*$", re.IGNORECASE)
_JSON_FEED_VERSION = "https://jsonfeed.org/version/"
_FOUR_DIGIT_YEAR = re.compile(r"(?<!\d)\d{4}(?!\d)")
# Publication dates outside these bounds are template defaults and typos (year 9999),
# never publications: the entry is kept without a date, as for pages and files.
_EARLIEST = dt.datetime(1990, 1, 1, tzinfo=dt.UTC)
_MAX_FUTURE = dt.timedelta(days=1)
_CHAR_REF = re.compile(rb"&#(?:[xX]([0-9a-fA-F]{1,8})|([0-9]{1,10}));")
_BLOCK_TAGS = ["p", "div", "li", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "tr",
               "section", "article", "figcaption", "pre"]
_UPDATE_PERIODS = {"hourly": 3600, "daily": 86400, "weekly": 604800, "monthly": 2592000,
                   "yearly": 31536000}


class FeedParseError(StorywatchError):
    """The body is not a feed storywatch can read; the message says why."""


@dataclass(frozen=True, slots=True)
class FeedEntry:
    """One entry of a feed, with its identity decided."""

    item_key: str
    guid: str | None
    link: str | None
    title: str | None
    summary: str
    author: str | None
    published_at: dt.datetime | None


@dataclass(frozen=True, slots=True)
class ParsedFeed:
    """What a feed body says: its title, entries and polling hint."""

    format: str
    title: str | None
    link: str | None
    entries: tuple[FeedEntry, ...]
    # ttl or sy:updatePeriod/updateFrequency: how often the publisher says to poll at most
    update_hint: dt.timedelta | None
    # a recoverable problem (malformed XML the lenient parser read anyway)
    warning: str | None = None


def parse_feed(body: bytes, base_url: str, content_type: str | None = None) -> ParsedFeed:
    """Parse a fetched feed body; relative links resolve against `base_url`."""
    start = _sniff(body, content_type)
    if start == "{":
        return _parse_json_feed(body, base_url)
    if _ENTITY_DECLARATION.search(body[:262144]) or _ENTITY_DECLARATION.search(_as_utf8(body[:262144])):
        raise FeedParseError("the document declares XML entities, which are refused "
                             "(entity expansion can exhaust memory)")
    head = _as_utf8(body[:4096]).lstrip()
    if _HTML_START.match(head) and not _FEED_ROOT.search(head):
        raise FeedParseError("an HTML page, not a feed" + _alternate_feed_hint(body, base_url))
    return _parse_xml_feed(body, base_url, content_type)


def _sniff(body: bytes, content_type: str | None) -> str:
    mime = (content_type or "").split(";")[0].strip().lower()
    if not body.strip():
        raise FeedParseError("empty body")
    if mime.startswith(_BINARY_TYPES) and not mime.endswith(("xml", "json")):
        raise FeedParseError(f"binary content ({mime}), not a feed")
    text = _as_utf8(body[:1024]).lstrip()
    if b"\x00" in text:
        raise FeedParseError("binary content (NUL bytes), not a feed")
    first = text[:1].decode("ascii", "replace")
    if first not in ("<", "{"):
        kind = "JSON that is not a JSON Feed" if first == "[" else f"content starting {text[:20]!r}"
        raise FeedParseError(f"not a feed: {kind}")
    return first


def _as_utf8(chunk: bytes) -> bytes:
    """The chunk re-encoded as UTF-8 when it starts with a UTF-16/32 byte-order mark."""
    for bom, codec in ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
                       (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")):
        if chunk.startswith(bom):
            return chunk.decode(codec, "ignore").encode("utf-8")
    return chunk.removeprefix(codecs.BOM_UTF8)


def _alternate_feed_hint(body: bytes, base_url: str) -> str:
    soup = BeautifulSoup(body[:262144], "lxml")
    for link in soup.find_all("link", rel="alternate"):
        kind = str(link.get("type") or "")
        href = absolute_http_url(str(link.get("href") or ""), base_url)
        if href and ("rss" in kind or "atom" in kind or "feed+json" in kind):
            return f" (the page names a feed at {href})"
    return ""


def _parse_xml_feed(body: bytes, base_url: str, content_type: str | None) -> ParsedFeed:
    headers = {"content-location": base_url}
    if content_type:
        headers["content-type"] = content_type
    parsed = feedparser.parse(io.BytesIO(_safe_char_refs(body)), response_headers=headers,
                              resolve_relative_uris=True, sanitize_html=True)
    problem = parsed.get("bozo_exception")
    xml_error = _describe(problem) if isinstance(problem, SAXParseException) else None
    if not parsed.get("version") and not parsed.entries:
        raise FeedParseError(f"malformed XML: {xml_error}" if xml_error
                             else "not a feed: no RSS, Atom or RDF document found")
    # A complete document with a slip (a bare "&") is read leniently, as feed readers do;
    # a truncated one is refused rather than stored in part.
    if xml_error and not _CLOSED_ROOT.search(body[-512:]):
        raise FeedParseError(f"malformed XML (the document is incomplete): {xml_error}")
    feed = parsed.feed
    entries = _unique([_xml_entry(entry, base_url) for entry in parsed.entries[:MAX_ENTRIES]])
    return ParsedFeed(
        format=parsed.get("version") or "unknown",
        title=_plain(feed.get("title")),
        link=absolute_http_url(feed.get("link"), base_url),
        entries=tuple(entries),
        update_hint=_update_hint(feed),
        warning=f"malformed XML read leniently: {xml_error}" if xml_error else None,
    )


def _safe_char_refs(body: bytes) -> bytes:
    """Character references to NUL, lone surrogates or beyond Unicode made U+FFFD.

    feedparser's lenient parser turns `&#xD800;` into a lone surrogate and then fails
    to encode it (UnicodeEncodeError), which would lose the whole feed over one entity.
    """
    def replace(match: re.Match[bytes]) -> bytes:
        hex_digits, decimal = match.groups()
        code = int(hex_digits, 16) if hex_digits else int(decimal)
        bad = code == 0 or 0xD800 <= code <= 0xDFFF or code > 0x10FFFF
        return b"&#xFFFD;" if bad else match.group(0)

    return _CHAR_REF.sub(replace, body) if b"&#" in body else body


def _describe(problem: SAXParseException) -> str:
    return f"{problem.getMessage()} at line {problem.getLineNumber()}, column {problem.getColumnNumber()}"


def _xml_entry(entry: Any, base: str) -> FeedEntry:
    link = absolute_http_url(entry.get("link"), base)
    if link is None:
        for candidate in entry.get("links", []):
            if candidate.get("rel", "alternate") == "alternate":
                link = absolute_http_url(candidate.get("href"), base)
                if link:
                    break
    # dict.get: feedparser's own get() maps missing keys to others, with a deprecation warning.
    published = (from_struct_time(dict.get(entry, "published_parsed"))
                 or from_struct_time(dict.get(entry, "updated_parsed"))
                 or parse_feed_date(dict.get(entry, "published"))
                 or parse_feed_date(dict.get(entry, "updated")))
    raw_date = str(dict.get(entry, "published") or dict.get(entry, "updated") or "")
    years = {int(y) for y in _FOUR_DIGIT_YEAR.findall(raw_date)}
    if published and years and published.year not in years:
        published = None  # feedparser reads the year 0000 as 2000: a date we cannot trust
    return _entry(
        guid=entry.get("id"),
        link=link,
        title=_plain(entry.get("title")),
        summary=_entry_text(entry),
        author=_plain(entry.get("author")),
        published=published,
    )


def _entry_text(entry: Any) -> str:
    contents = entry.get("content") or []
    for detail in [*contents, entry.get("summary_detail")]:
        if detail and detail.get("value"):
            if "html" in (detail.get("type") or "html"):
                return html_to_text(detail["value"])
            return clean_text(detail["value"]).strip()
    return ""


def _parse_json_feed(body: bytes, base_url: str) -> ParsedFeed:
    try:
        document = json.loads(body.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise FeedParseError(f"not a feed: invalid JSON ({exc})") from exc
    version = document.get("version") if isinstance(document, dict) else None
    if not isinstance(version, str) or not version.startswith(_JSON_FEED_VERSION):
        raise FeedParseError("not a feed: JSON that is not a JSON Feed")
    items = document.get("items")
    if not isinstance(items, list):
        raise FeedParseError("not a feed: JSON Feed without an items list")
    base = absolute_http_url(document.get("feed_url"), base_url) or base_url
    entries = [_json_entry(item, base) for item in items[:MAX_ENTRIES] if isinstance(item, dict)]
    return ParsedFeed(
        format="json" + version.removeprefix(_JSON_FEED_VERSION),
        title=_plain(_string(document.get("title"))),
        link=absolute_http_url(_string(document.get("home_page_url")), base_url),
        entries=tuple(_unique(entries)),
        update_hint=None,
    )


def _json_entry(item: dict[str, Any], base: str) -> FeedEntry:
    authors = item.get("authors") or ([item["author"]] if isinstance(item.get("author"), dict) else [])
    names = [a.get("name") for a in authors if isinstance(a, dict) and isinstance(a.get("name"), str)]
    text = _string(item.get("content_text")) or html_to_text(_string(item.get("content_html")) or "")
    published = _iso_date(_string(item.get("date_published")) or _string(item.get("date_modified")))
    return _entry(
        guid=_string(item.get("id")) or (str(item["id"]) if isinstance(item.get("id"), int) else None),
        link=absolute_http_url(_string(item.get("url")), base),
        title=_plain(_string(item.get("title"))),
        summary=text or _string(item.get("summary")) or "",
        author=", ".join(names) or None,
        published=published,
    )


def _entry(*, guid: str | None, link: str | None, title: str | None, summary: str,
           author: str | None, published: dt.datetime | None) -> FeedEntry:
    # JSON Feed strings may hold NUL and lone surrogates (as \u escapes): PostgreSQL takes neither.
    guid = clean_text(guid).strip() if guid and clean_text(guid).strip() else None
    summary = clean_text(summary)
    author = _plain(author)
    # Identity: the GUID, then the (normalised) link, then the text itself.
    if guid:
        key = guid
    elif link:
        key = normalize_url(link)
    else:
        key = "sha256:" + sha256_text(f"{title or ''}\n{summary}")
    if published and not _EARLIEST <= published <= dt.datetime.now(dt.UTC) + _MAX_FUTURE:
        published = None
    return FeedEntry(item_key=key[:2000], guid=guid, link=link, title=title,
                     summary=summary, author=author, published_at=published)


def _unique(entries: list[FeedEntry]) -> list[FeedEntry]:
    """First occurrence of each item key (feeds repeat entries)."""
    seen: set[str] = set()
    unique = []
    for entry in entries:
        if entry.item_key not in seen:
            seen.add(entry.item_key)
            unique.append(entry)
    return unique


def _update_hint(feed: Any) -> dt.timedelta | None:
    ttl = _positive_int(feed.get("ttl"))
    if ttl:
        return dt.timedelta(minutes=ttl)
    period = _UPDATE_PERIODS.get(str(feed.get("sy_updateperiod") or "").strip().lower())
    if period:
        frequency = _positive_int(feed.get("sy_updatefrequency")) or 1
        return dt.timedelta(seconds=period / frequency)
    return None


def _positive_int(value: Any) -> int | None:
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    return number if number > 0 else None


def _iso_date(value: str | None) -> dt.datetime | None:
    if not value:
        return None
    try:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)).astimezone(dt.UTC)


def _string(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _plain(value: str | None) -> str | None:
    if not value:
        return None
    text = " ".join(clean_text(value).split())
    return text or None


def html_to_text(markup: str) -> str:
    """Plain text of an HTML fragment: one line per block, whitespace collapsed."""
    if "<" not in markup and "&" not in markup:
        return clean_text(markup).strip()
    soup = BeautifulSoup(markup, "lxml")
    for tag in soup(["script", "style", "noscript"]):
        tag.decompose()
    for tag in soup.find_all(_BLOCK_TAGS):
        tag.append("\n")
    for tag in soup.find_all("br"):
        tag.replace_with("\n")
    lines = (" ".join(line.split()) for line in soup.get_text().splitlines())
    return clean_text("\n".join(line for line in lines if line))
