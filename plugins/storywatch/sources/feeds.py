"""The feeds storywatch follows: add, remove, list, import, seed, and poll them in batches.

Polling itself is in `polling.py`; this module is the entry point the CLI and
the DAGs call (`due_feed_batches`, `poll_batch`).
"""
from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from storywatch.errors import StorywatchError
from storywatch.progress import Progress, task
from storywatch.sources.opml import OpmlList, parse_opml
from storywatch.store.db import Connection
from storywatch.web.urls import has_credentials, host_of, is_http_url, without_credentials

if TYPE_CHECKING:
    from storywatch.settings import Settings
    from storywatch.sources.discovery import EntryFilter
    from storywatch.web.fetch import Fetcher

log = logging.getLogger(__name__)

FEEDS_FILE = "feeds.yml"


class FeedError(StorywatchError):
    """A feed cannot be added or a feeds file cannot be read; the message says why."""


@dataclass(frozen=True, slots=True)
class FeedStatus:
    """One feed as `storywatch feeds list` shows it (the JSON keys are these fields)."""

    url: str
    name: str | None
    last_polled_at: dt.datetime | None
    last_status: int | None
    last_error: str | None
    error_count: int
    next_poll_at: dt.datetime | None
    active: bool
    kind: str = "feed"
    thread: str | None = None
    query: str | None = None


UPSERT_FEED = """
insert into feeds (url, name) values (%(url)s, %(name)s)
on conflict (url) do update set
    name = coalesce(excluded.name, feeds.name),
    active = feeds.active or %(reactivate)s,
    error_count = case when %(reactivate)s and not feeds.active then 0 else feeds.error_count end,
    deactivated_at = case when %(reactivate)s then null else feeds.deactivated_at end,
    deactivated_reason = case when %(reactivate)s then null else feeds.deactivated_reason end,
    next_poll_at = case when %(reactivate)s and not feeds.active then now() else feeds.next_poll_at end
returning feed_id, (xmax = 0) as inserted
"""
DELETE_FEED = "delete from feeds where url = %s"
LIST_FEEDS = """
select url, name, last_polled_at, last_status, last_error, error_count,
       case when active then next_poll_at end, active, kind, thread_slug, query
from feeds
order by active desc, kind, url
"""
DUE_FEEDS = """
select feed_id, url
from feeds
where active
  and next_poll_at <= %(now)s
order by next_poll_at, feed_id
limit %(limit)s
"""


def add_feed(conn: Connection, url: str, name: str | None = None, *, reactivate: bool = True) -> bool:
    """Add a feed (or rename it, and reactivate it unless told not to); commit; True if new."""
    url = url.strip()
    if has_credentials(url):
        # Refused rather than stored: a password kept in `feeds.url` would reach every
        # listing, log line and error message that names the feed.
        raise FeedError(f"{without_credentials(url)!r} was given with a user name or password: "
                        "storywatch sends no credentials and does not store them; follow a "
                        "feed that needs no login")
    if not is_http_url(url):
        raise FeedError(f"{url!r} is not an http(s) URL: feeds are fetched over http or https only")
    with conn.cursor() as cur:
        cur.execute(UPSERT_FEED, {"url": url, "name": (name or "").strip() or None,
                                  "reactivate": reactivate})
        row = cur.fetchone()
    conn.commit()
    assert row is not None
    return bool(row[1])


def remove_feed(conn: Connection, url: str) -> bool:
    """Stop following a feed (its stored articles stay); commit; False if it was not there."""
    with conn.cursor() as cur:
        cur.execute(DELETE_FEED, (url.strip(),))
        removed = cur.rowcount > 0
    conn.commit()
    return removed


def list_feeds(conn: Connection) -> list[FeedStatus]:
    """Every feed with its polling state, active ones first."""
    with conn.cursor() as cur:
        cur.execute(LIST_FEEDS)
        rows = cur.fetchall()
    conn.rollback()
    return [FeedStatus(*row) for row in rows]


@dataclass(frozen=True, slots=True)
class ImportReport:
    added: int
    known: int
    skipped: tuple[tuple[str, str], ...]


def import_opml(conn: Connection, data: bytes) -> ImportReport:
    """Add every feed an OPML document lists (known feeds keep their state); commit."""
    subscriptions: OpmlList = parse_opml(data)
    added = sum(add_feed(conn, f.url, f.name, reactivate=False) for f in subscriptions.feeds)
    return ImportReport(added, len(subscriptions.feeds) - added, subscriptions.skipped)


def read_feeds_file(path: Path) -> list[tuple[str, str | None]]:
    """(url, name) of each feed in a feeds.yml file (format in seeds/feeds.yml's header)."""
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise FeedError(f"{path}: cannot read it: {exc}") from exc
    if document is None:
        return []
    if not isinstance(document, dict) or set(document) - {"feeds"}:
        raise FeedError(f"{path}: expected a mapping with one key, `feeds`")
    entries = document.get("feeds") or []
    if not isinstance(entries, list):
        raise FeedError(f"{path}: `feeds` must be a list")
    return [_feed_entry(path, number, entry) for number, entry in enumerate(entries, 1)]


def _feed_entry(path: Path, number: int, entry: Any) -> tuple[str, str | None]:
    if isinstance(entry, str):
        entry = {"url": entry}
    if not isinstance(entry, dict) or not isinstance(entry.get("url"), str):
        raise FeedError(f"{path}: feed {number} needs a `url`")
    unknown = set(entry) - {"url", "name"}
    if unknown:
        raise FeedError(f"{path}: feed {number} has unknown keys: {', '.join(sorted(unknown))}")
    name = entry.get("name")
    if name is not None and not isinstance(name, str):
        raise FeedError(f"{path}: feed {number}: `name` must be text")
    if not is_http_url(entry["url"]):
        raise FeedError(f"{path}: feed {number}: {entry['url']!r} is not an http(s) URL")
    return entry["url"].strip(), name


def load_feeds_file(conn: Connection, path: Path) -> int:
    """Add the feeds of a feeds.yml file (deactivated ones stay so); commit; how many were new."""
    if not path.exists():
        return 0
    return sum(add_feed(conn, url, name, reactivate=False) for url, name in read_feeds_file(path))


def due_feed_batches(
    conn: Connection, batch_size: int, now: dt.datetime | None = None, limit: int = 10000
) -> list[list[int]]:
    """Ids of the feeds due for polling, in batches; feeds of one host share a batch where they fit.

    Keeping a host's feeds together lets one fetcher space its requests to that
    host, rather than two workers hitting it at once.
    """
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    with conn.cursor() as cur:
        cur.execute(DUE_FEEDS, {"now": now or dt.datetime.now(dt.UTC), "limit": limit})
        rows = cur.fetchall()
    conn.rollback()
    by_host: dict[str, list[int]] = {}
    for feed_id, url in rows:
        by_host.setdefault(host_of(url), []).append(int(feed_id))
    batches: list[list[int]] = []
    for ids in sorted(by_host.values(), key=len, reverse=True):
        for start in range(0, len(ids), batch_size):
            chunk = ids[start:start + batch_size]
            target = next((b for b in batches if len(b) + len(chunk) <= batch_size), None)
            if target is None:
                batches.append(list(chunk))
            else:
                target.extend(chunk)
    return batches


def poll_batch(
    conn: Connection,
    feed_ids: Sequence[int],
    fetcher: Fetcher | None = None,
    *,
    settings: Settings | None = None,
    now: dt.datetime | None = None,
    workers: int = 1,
    database_url: str | None = None,
    entry_filter: EntryFilter | None = None,
) -> dict[str, int]:
    """Poll each feed once and store its new articles; a failing feed is recorded, the rest go on.

    `workers` > 1 with a `database_url` polls that many hosts at once (polling.poll_feeds);
    `entry_filter` decides which entries of search feeds are fetched (discovery.py).
    """
    from storywatch.sources.polling import poll_feeds

    return poll_feeds(conn, feed_ids, fetcher, settings=settings, now=now, workers=workers,
                      database_url=database_url, entry_filter=entry_filter).as_dict()


def poll_due(
    conn: Connection, fetcher: Fetcher | None = None, *, settings: Settings | None = None,
    batch_size: int = 50, workers: int = 1, database_url: str | None = None,
    progress: Progress | None = None,
    entry_filter: EntryFilter | None = None,
) -> dict[str, int]:
    """Poll every due feed once (what `storywatch poll` does), batch after batch.

    With `workers` > 1 and a `database_url`, every due feed goes in one pass in which the
    hosts of all batches take turns (polling.poll_feeds), so the cycle is bounded by the
    busiest host's spaced requests, not by the sum of the batches'.
    """
    from storywatch.sources.polling import PollCounts, make_fetcher, poll_feeds

    fetcher = fetcher or make_fetcher(settings)  # one fetcher: one pace per host across batches
    total = PollCounts()
    batches = due_feed_batches(conn, batch_size)
    if workers > 1 and database_url:
        batches = [[feed_id for batch in batches for feed_id in batch]] if batches else []
    with task(progress, "poll", sum(len(b) for b in batches), "feed") as shown:
        for batch in batches:
            # due_only: another `storywatch poll` running beside this one may have polled a
            # listed feed meanwhile (polling.py explains how feeds are claimed).
            total.add(poll_feeds(conn, batch, fetcher, settings=settings, due_only=True,
                                 workers=workers, database_url=database_url, progress=shown,
                                 entry_filter=entry_filter))
    return total.as_dict()
