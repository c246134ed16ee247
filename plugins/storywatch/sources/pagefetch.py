"""Article pages from the web: fetch politely, extract the main text, store a version.

Shared by polling (the first fetch of a new feed item) and revisiting (later
fetches of a known article). The raw response is kept with each new version;
the article is then tracked for revisits on the age-based schedule.
"""
from __future__ import annotations

import datetime as dt
import http.client
from dataclasses import dataclass

from storywatch.sources.pages import PageContent, extract_page
from storywatch.sources.schedule import next_revisit_at
from storywatch.store.articles import ArticleText
from storywatch.store.db import Connection
from storywatch.store.raw import RawResponse
from storywatch.web.fetch import FetchError, FetchResponse
from storywatch.web.urls import absolute_http_url, normalize_url, site_of

# Fetch failures worth trying again later; the rest will not change by waiting.
TRANSIENT_REASONS = frozenset({"timeout", "connect", "backoff", "resolve", "incomplete", "tls",
                               "protocol"})
TRANSIENT_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504})
GONE_STATUSES = frozenset({404, 410})
_HTML_TYPES = ("text/html", "application/xhtml+xml")
# Fewer words than this is a menu, a paywall stub or an error page, not an article.
MIN_ARTICLE_WORDS = 15


class PageError(Exception):
    """The page gave no article; `transient` says whether trying again later may help."""

    def __init__(self, message: str, *, transient: bool, status: int | None = None) -> None:
        super().__init__(message)
        self.transient = transient
        self.status = status


@dataclass(frozen=True, slots=True)
class ArticleHints:
    """What the feed said about an article, used where the page says nothing."""

    title: str | None = None
    author: str | None = None
    published_at: dt.datetime | None = None
    source: str | None = None
    # where published_at came from (document_versions.published_at_source)
    published_source: str = "feed"


@dataclass(frozen=True, slots=True)
class PageArticle:
    """A page turned into a storable text, with the response it came from."""

    article: ArticleText
    raw: RawResponse
    canonical_url: str


def fetch_error(exc: FetchError) -> PageError:
    """A fetch failure as a PageError, transient or not by its reason."""
    return PageError(str(exc), transient=exc.reason in TRANSIENT_REASONS)


def status_error(response: FetchResponse) -> PageError:
    """A non-2xx answer as a PageError."""
    reason = http.client.responses.get(response.status, "unknown status")
    return PageError(f"{response.url} answered HTTP {response.status} ({reason})",
                     transient=response.status in TRANSIENT_STATUSES, status=response.status)


def page_article(
    response: FetchResponse, hints: ArticleHints, identity: str | None = None
) -> PageArticle:
    """The article text of a 2xx HTML response; PageError when it holds none."""
    content_type = (response.content_type or "").split(";")[0].strip().lower()
    if content_type and content_type not in _HTML_TYPES:
        raise PageError(f"{response.url} is {content_type}, not an HTML page", transient=False)
    if not response.text or not response.text.strip():
        raise PageError(f"{response.url} has an empty body", transient=False)
    page = extract_page(response.text, response.url)
    words = len(page.text.split())
    if words < MIN_ARTICLE_WORDS:
        raise PageError(f"{response.url} has no article text ({words} words found)", transient=False)
    canonical = canonical_url(page, response.url)
    published, published_source = _published(page, hints)
    article = ArticleText(
        identity=identity or normalize_url(canonical),
        origin="page",
        body=page.text,
        title=page.title or hints.title,
        url=canonical,
        source=hints.source,
        author=page.author or hints.author,
        published_at=published,
        published_at_source=published_source,
        same_if_fingerprint_equal=True,
    )
    raw = RawResponse(
        requested_url=response.requested_url, final_url=response.url, status=response.status,
        content_type=response.content_type, headers=dict(response.headers), body=response.body,
        fetched_at=response.fetched_at,
    )
    return PageArticle(article, raw, canonical)


def canonical_url(page: PageContent, final_url: str) -> str:
    """The page's <link rel=canonical> when it stays on the same site, else the URL fetched.

    A canonical link to another site is ignored: a page must not be able to file
    itself under someone else's article.
    """
    declared = absolute_http_url(page.canonical_url, final_url)
    if declared and site_of(declared) == site_of(final_url):
        return declared
    return final_url


def _published(page: PageContent, hints: ArticleHints) -> tuple[dt.datetime | None, str]:
    # The feed's timestamp has a time of day; a page's date often has none.
    if hints.published_at is not None:
        return hints.published_at, hints.published_source
    parsed = page.published_at or parse_page_date(page.published)
    return (parsed, "page") if parsed else (None, "missing")


def parse_page_date(value: str | None) -> dt.datetime | None:
    """An ISO 8601 date or datetime from a page as aware UTC (a bare date is 00:00 UTC)."""
    if not value:
        return None
    try:
        parsed = dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.UTC)
    return parsed.astimezone(dt.UTC)


UPSERT_TRACKED = """
insert into tracked_articles (
    document_id, fetch_url, born_at, etag, last_modified, last_fetched_at, last_status,
    next_fetch_at
) values (
    %(document_id)s, %(fetch_url)s, %(born_at)s, %(etag)s, %(last_modified)s, %(now)s, %(status)s,
    %(next_fetch_at)s
)
on conflict (document_id) do nothing
"""


def track_article(
    conn: Connection, document_id: int, response: FetchResponse, published_at: dt.datetime | None,
    now: dt.datetime,
) -> None:
    """Start revisiting a newly fetched article (a known one keeps its schedule); in the caller's transaction."""
    # Age runs from publication, unless the page claims a future date.
    born_at = min(published_at, now) if published_at else now
    with conn.cursor() as cur:
        cur.execute(UPSERT_TRACKED, {
            "document_id": document_id, "fetch_url": response.url, "born_at": born_at,
            "etag": response.etag, "last_modified": response.last_modified, "now": now,
            "status": response.status, "next_fetch_at": next_revisit_at(born_at, now),
        })

