"""Search feeds: a thread's discovery queries run against news-search endpoints that answer RSS/Atom.

`STORYWATCH_DISCOVERY_URLS` lists URL templates with a `{query}` placeholder, or
preset names (PRESETS). Each (query, template) pair becomes a feed of kind
`search`, keyed like every feed by its URL, and is polled like every feed
(conditional GET, back-off, politeness, pages under robots.txt, copies). What
differs is one step: an entry of a search feed is fetched only when the
thread's relevance rules accept its title and summary. That judgement belongs to
the tracking layer, which this layer may not import, so the poller takes it as
an `EntryFilter` from its caller (the CLI and the poll DAG pass
`tracking.discovery.relevance_filter`); without one, a search feed's entries
stay pending, never fetched.

Nothing here runs unless the variable is set: with no templates there are no
search feeds to make.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from urllib.parse import quote

from storywatch.errors import StorywatchError
from storywatch.store.db import Connection
from storywatch.web.urls import is_http_url

# (thread slug, entry title, entry summary) -> fetch the entry's page?
EntryFilter = Callable[[str, str | None, str], bool]

PLACEHOLDER = "{query}"
# Public news-search endpoints that answer a query with RSS whose items link straight to the
# articles (README: "Discovery" lists what each returns and its terms of use).
PRESETS = {
    # GDELT DOC 2.0 API: full-text search over the last three months of world online news;
    # ArtList mode lists matching articles (title, URL, date seen), newest first.
    "gdelt": ("https://api.gdeltproject.org/api/v2/doc/doc?query={query}"
              "&mode=ArtList&format=rss&maxrecords=75&sort=DateDesc&timespan=1d"),
    # The same, English-language articles only (GDELT's `sourcelang:` operator).
    "gdelt-english": ("https://api.gdeltproject.org/api/v2/doc/doc?query={query}"
                      "%20sourcelang%3Aenglish&mode=ArtList&format=rss&maxrecords=75"
                      "&sort=DateDesc&timespan=1d"),
}


class DiscoveryError(StorywatchError):
    """STORYWATCH_DISCOVERY_URLS names an unknown preset or a template that cannot work."""


@dataclass(frozen=True, slots=True)
class SearchFeed:
    """One (thread, query, template) pair and the feed URL it makes."""

    thread_slug: str
    query: str
    template: str

    @property
    def url(self) -> str:
        return search_url(resolve_template(self.template), self.query)


def resolve_template(template: str) -> str:
    """A preset's URL template, or the template itself."""
    return PRESETS.get(template, template)


def parse_templates(raw: str) -> tuple[str, ...]:
    """The comma-separated templates and preset names of STORYWATCH_DISCOVERY_URLS, checked."""
    templates: list[str] = []
    for part in raw.split(","):
        item = part.strip()
        if not item:
            continue
        if "://" not in item:
            if item not in PRESETS:
                raise DiscoveryError(
                    f"STORYWATCH_DISCOVERY_URLS: unknown preset {item!r} (presets: "
                    f"{', '.join(sorted(PRESETS))}; or give a URL template with {PLACEHOLDER})")
        else:
            if PLACEHOLDER not in item:
                raise DiscoveryError(
                    f"STORYWATCH_DISCOVERY_URLS: {item!r} has no {PLACEHOLDER} placeholder")
            if not is_http_url(item.replace(PLACEHOLDER, "q")):
                raise DiscoveryError(f"STORYWATCH_DISCOVERY_URLS: {item!r} is not an http(s) URL")
        if item not in templates:
            templates.append(item)
    return tuple(templates)


def search_url(template: str, query: str) -> str:
    """The template with the query URL-encoded into it (spaces as %20, nothing left unescaped)."""
    return template.replace(PLACEHOLDER, quote(query, safe=""))


def search_feeds(queries: Iterable[tuple[str, str]], templates: Sequence[str]) -> list[SearchFeed]:
    """Every (thread, query) crossed with every template, in order, without repeats."""
    feeds: list[SearchFeed] = []
    for slug, query in queries:
        for template in templates:
            feed = SearchFeed(slug, query, template)
            if feed not in feeds:
                feeds.append(feed)
    return feeds


UPSERT_SEARCH_FEED = """
insert into feeds (url, kind, thread_slug, query, template)
values (%(url)s, 'search', %(thread)s, %(query)s, %(template)s)
on conflict (url) do update set
    kind = 'search', thread_slug = excluded.thread_slug, query = excluded.query,
    template = excluded.template,
    active = feeds.active or coalesce(feeds.deactivated_reason = %(retired)s, false),
    deactivated_at = case when feeds.deactivated_reason = %(retired)s then null
                          else feeds.deactivated_at end,
    deactivated_reason = case when feeds.deactivated_reason = %(retired)s then null
                              else feeds.deactivated_reason end
returning (xmax = 0) as inserted
"""
# A search no thread asks for any more stops being polled (its items and articles stay).
# deactivated_at stays null: this is not a failure, so no feed-health alert names it.
RETIRE_OTHERS = """
update feeds set active = false, deactivated_reason = %(retired)s
where kind = 'search' and active and not (url = any(%(urls)s))
"""
RETIRED = "no thread's discover: asks for this search any more"


@dataclass(frozen=True, slots=True)
class DiscoveryReport:
    feeds: int
    added: int
    retired: int


def sync_search_feeds(conn: Connection, wanted: Sequence[SearchFeed]) -> DiscoveryReport:
    """Make the search feeds exactly `wanted` (new ones added, others retired); commit."""
    added = 0
    with conn.cursor() as cur:
        for feed in wanted:
            cur.execute(UPSERT_SEARCH_FEED, {"url": feed.url, "thread": feed.thread_slug,
                                             "query": feed.query, "template": feed.template,
                                             "retired": RETIRED})
            added += bool(cur.fetchone()[0])  # type: ignore[index]
        cur.execute(RETIRE_OTHERS, {"urls": [f.url for f in wanted], "retired": RETIRED})
        retired = cur.rowcount
    conn.commit()
    return DiscoveryReport(len(wanted), added, retired)
