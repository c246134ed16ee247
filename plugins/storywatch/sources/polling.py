"""Polling feeds: one conditional GET per feed, new entries recorded, their pages stored.

An unchanged feed (304, or a 200 whose body hash equals the last one: servers
that ignore validators) writes nothing but its poll state. New entries go to
`feed_items` as pending, and their pages are fetched (robots.txt honoured) up to
a per-poll limit; what is left waits for the next poll, so a crash or a limit
never loses an entry. Every failure is recorded on the feed (and in
`item_errors`) and the rest of the batch goes on.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import logging
import threading
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, fields, replace

import psycopg2

from storywatch.progress import SILENT, Progress
from storywatch.settings import Settings
from storywatch.sources.discovery import EntryFilter
from storywatch.sources.feedparse import FeedEntry, FeedParseError, ParsedFeed, parse_feed
from storywatch.sources.pagefetch import (
    ArticleHints,
    PageError,
    fetch_error,
    page_article,
    status_error,
    track_article,
)
from storywatch.sources.schedule import (
    FIRST_FAILURE_WAIT,
    FeedSchedule,
    after_failure,
    after_success,
)
from storywatch.store.articles import (
    ArticleText,
    StoredVersion,
    record_item_error,
    write_article,
)
from storywatch.store.db import Connection
from storywatch.store.raw import RawResponse
from storywatch.web.fetch import ACCEPT_FEED, Fetcher, FetchError, FetchResponse, connect_fetcher
from storywatch.web.urls import host_of, normalize_url, site_of

log = logging.getLogger(__name__)
STAGE = "poll"
# A page that failed this many times for passing reasons is given up (its summary kept).
MAX_PAGE_ATTEMPTS = 3
CLAIM_FOR = dt.timedelta(minutes=30)


@dataclass(slots=True)
class PollCounts:
    """What one or more polls did (the DAG task returns `as_dict()`)."""

    feeds: int = 0
    unchanged: int = 0
    failed: int = 0
    new_items: int = 0
    new_documents: int = 0
    new_versions: int = 0
    pages_failed: int = 0
    pages_pending: int = 0
    irrelevant: int = 0

    def add(self, other: PollCounts) -> None:
        for f in fields(self):
            setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))

    def as_dict(self) -> dict[str, int]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


@dataclass(frozen=True, slots=True)
class ClaimedFeed:
    feed_id: int
    url: str
    name: str | None
    etag: str | None
    last_modified: str | None
    body_sha256: str | None
    poll_interval: dt.timedelta
    error_count: int
    kind: str = "feed"
    thread_slug: str | None = None


# Claiming a feed for one poll. Two pollers (two `storywatch poll` processes, two
# Celery workers) must never poll one feed together, and a poller that dies (SIGKILL,
# lost connection, database restart) must not keep the feed from the next poll. A
# lease column alone does the first but not the second: a dead poller's lease holds
# until it expires. So the claim is a session-level advisory lock, which PostgreSQL
# releases when the poller's session ends, however it ends; `claimed_until` is still
# set, for people watching `feeds`, but no longer decides anything. With `due_only`,
# a feed polled by another worker since it was listed as due is skipped, not polled twice.
FEED_LOCK_SPACE = 0x5377_0001  # first key of the (int, int) advisory locks on feeds
TRY_LOCK_FEED = "select pg_try_advisory_lock(%s, (%s::bigint & 2147483647)::int)"
UNLOCK_FEED = "select pg_advisory_unlock(%s, (%s::bigint & 2147483647)::int)"
CLAIM_FEED = """
update feeds set claimed_until = now() + %(claim_for)s
where feed_id = %(feed_id)s and active
  and (not %(due_only)s or next_poll_at <= %(now)s)
returning feed_id, url, name, etag, last_modified, body_sha256, poll_interval, error_count,
          kind, thread_slug
"""
RECORD_UNCHANGED = """
update feeds set
    last_polled_at = %(now)s, last_status = %(status)s, last_error = null, error_count = 0,
    etag = coalesce(%(etag)s, etag), last_modified = coalesce(%(last_modified)s, last_modified),
    poll_interval = %(interval)s, next_poll_at = %(next_poll_at)s, claimed_until = null
where feed_id = %(feed_id)s
"""
RECORD_CHANGED = """
update feeds set
    last_polled_at = %(now)s, last_status = %(status)s, last_error = %(warning)s, error_count = 0,
    etag = %(etag)s, last_modified = %(last_modified)s, body_sha256 = %(body_sha256)s,
    name = coalesce(name, %(title)s),
    poll_interval = %(interval)s, next_poll_at = %(next_poll_at)s, claimed_until = null
where feed_id = %(feed_id)s
"""
RECORD_FAILURE = """
update feeds set
    last_polled_at = %(now)s, last_status = %(status)s, last_error = %(error)s,
    error_count = error_count + 1, poll_interval = %(interval)s, next_poll_at = %(next_poll_at)s,
    active = %(reason)s::text is null,
    deactivated_at = case when %(reason)s::text is null then null else %(now)s end,
    deactivated_reason = %(reason)s, claimed_until = null
where feed_id = %(feed_id)s
"""
INSERT_ITEM = """
insert into feed_items (feed_id, item_key, link, title, summary, author, published_at, first_seen_at)
values (%s, %s, %s, %s, %s, %s, %s, %s)
on conflict (feed_id, item_key) do nothing
"""
PENDING_ITEMS = """
select item_key, link, title, summary, author, published_at, attempts
from feed_items
where feed_id = %s and status = 'pending'
order by first_seen_at, published_at desc nulls last, item_key
limit %s
"""
COUNT_PENDING = "select count(*) from feed_items where feed_id = %s and status = 'pending'"
KNOWN_DOCUMENT = """
select document_id from documents where identity = %(identity)s
union all
select document_id from feed_items where link = %(link)s and status = 'stored' and document_id is not null
limit 1
"""
MARK_ITEM = """
update feed_items set status = %s, document_id = %s, attempts = attempts + %s, last_error = %s
where feed_id = %s and item_key = %s
"""


def stored_anything(counts: Sequence[dict[str, int]]) -> bool:
    """True when any of the polls' or revisits' counts report a new document or version."""
    return any(c.get("new_documents", 0) + c.get("new_versions", 0) > 0 for c in counts)


def make_fetcher(settings: Settings | None = None, database_url: str | None = None) -> Fetcher:
    """A fetcher from the settings; with `database_url`, its host pacing is shared by all workers.

    Without a URL the pacing is per process, which is right for one worker; close a
    database-backed fetcher with `fetcher.close()`.
    """
    settings = settings or Settings.from_env()
    if database_url:
        return connect_fetcher(settings, database_url)
    return Fetcher(settings)


FEED_URLS = "select feed_id, url from feeds where feed_id = any(%s)"
FEEDS_PER_BATCH = 50  # how often a log gets a summary line


def poll_feeds(
    conn: Connection,
    feed_ids: Sequence[int],
    fetcher: Fetcher | None = None,
    *,
    settings: Settings | None = None,
    now: dt.datetime | None = None,
    due_only: bool = False,
    workers: int = 1,
    database_url: str | None = None,
    progress: Progress | None = None,
    entry_filter: EntryFilter | None = None,
) -> PollCounts:
    """Poll each feed of `feed_ids` once (with `due_only`, those still due); the rest go on after a failure.

    With `workers` > 1 and a `database_url`, that many threads (each with a connection of
    its own, so each holds its own feed claims) poll the feeds with the hosts taking turns:
    a poll is mostly waiting (for the network, and for each host's politeness interval),
    so hosts overlap while the fetcher's politeness (in PostgreSQL for a connect_fetcher)
    still spaces every host's requests. Each feed polled advances `progress`.
    """
    settings = settings or (fetcher.settings if fetcher else Settings.from_env())
    fetcher = fetcher or make_fetcher(settings)
    shown = progress or SILENT
    if workers > 1 and database_url and len(feed_ids) > 1:
        return _poll_hosts_concurrently(conn, feed_ids, fetcher, settings, now, due_only,
                                        workers, database_url, shown, entry_filter)
    total = PollCounts()
    for polled, feed_id in enumerate(feed_ids, start=1):
        counts = _poll_one(conn, int(feed_id), fetcher, settings, now, due_only, entry_filter)
        total.add(counts)
        report_feed(shown, counts, polled)
    return total


def report_feed(progress: Progress, counts: PollCounts, polled: int) -> None:
    """One feed's poll as progress: its new articles and failures; a batch every FEEDS_PER_BATCH."""
    progress.advance(new_documents=counts.new_documents, new_versions=counts.new_versions,
                     failed=counts.failed)
    if polled % FEEDS_PER_BATCH == 0:
        progress.batch_done()


def _poll_one(
    conn: Connection, feed_id: int, fetcher: Fetcher, settings: Settings,
    now: dt.datetime | None, due_only: bool, entry_filter: EntryFilter | None = None,
) -> PollCounts:
    try:
        return poll_feed(conn, feed_id, fetcher, settings, now, due_only=due_only,
                         entry_filter=entry_filter)
    except (psycopg2.OperationalError, psycopg2.InterfaceError):
        raise  # the database is gone: nothing more can be recorded
    except Exception as exc:  # a bug on one feed's input must not stop the batch
        log.exception("polling feed %s failed", feed_id)
        message = f"{type(exc).__name__}: {exc}"
        record_item_error(conn, STAGE, f"feed {feed_id}", message)
        _record_crash(conn, feed_id, message)
        return PollCounts(failed=1)


def _poll_hosts_concurrently(
    conn: Connection, feed_ids: Sequence[int], fetcher: Fetcher, settings: Settings,
    now: dt.datetime | None, due_only: bool, workers: int, database_url: str,
    progress: Progress,
    entry_filter: EntryFilter | None = None,
) -> PollCounts:
    from storywatch.store.db import connect

    with conn.cursor() as cur:
        cur.execute(FEED_URLS, (list(feed_ids),))
        urls = dict(cur.fetchall())
    conn.rollback()
    by_host: dict[str, list[int]] = {}
    for feed_id in feed_ids:
        by_host.setdefault(host_of(urls.get(feed_id, "")), []).append(int(feed_id))
    # Hosts take turns, one feed each: by the time a host comes round again its politeness
    # interval has mostly passed, so workers poll instead of sleeping. The busiest hosts go
    # first: their spaced requests bound the wall time.
    queue = deque(sorted(by_host.values(), key=len, reverse=True))
    lock = threading.Lock()
    total = PollCounts()
    polled = [0]
    failure: list[BaseException] = []

    def work() -> None:
        worker_conn = connect(database_url, application_name="storywatch-poll")
        try:
            while not failure:
                with lock:
                    if not queue:
                        return
                    ids = queue.popleft()
                counts = _poll_one(worker_conn, ids[0], fetcher, settings, now, due_only,
                                   entry_filter)
                with lock:
                    total.add(counts)
                    polled[0] += 1
                    report_feed(progress, counts, polled[0])
                    if len(ids) > 1:
                        queue.append(ids[1:])
        except BaseException as exc:  # the database is gone: stop every worker, re-raise below
            failure.append(exc)
        finally:
            worker_conn.close()

    threads = [threading.Thread(target=work, name=f"poll-{i}", daemon=True)
               for i in range(min(workers, len(by_host)))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failure:
        raise failure[0]
    return total


def poll_feed(
    conn: Connection, feed_id: int, fetcher: Fetcher, settings: Settings,
    now: dt.datetime | None = None, *, due_only: bool = False,
    entry_filter: EntryFilter | None = None,
) -> PollCounts:
    """Poll one feed (skipped when inactive or being polled elsewhere) and store its new pages.

    A search feed's entries are fetched only when `entry_filter` accepts them (discovery.py).
    """
    now = now or dt.datetime.now(dt.UTC)
    feed = _claim(conn, feed_id, now, due_only)
    if feed is None:
        return PollCounts()
    try:
        return _poll_claimed(conn, feed, fetcher, settings, now, entry_filter)
    finally:
        _release(conn, feed_id)


def _poll_claimed(
    conn: Connection, feed: ClaimedFeed, fetcher: Fetcher, settings: Settings, now: dt.datetime,
    entry_filter: EntryFilter | None = None,
) -> PollCounts:
    counts = PollCounts(feeds=1)
    try:
        response = fetcher.fetch(feed.url, etag=feed.etag, last_modified=feed.last_modified,
                                 accept=ACCEPT_FEED)
    except FetchError as exc:
        _record_failure(conn, feed, now, None, str(exc), settings)
        counts.failed = 1
        return counts
    if response.status == 304:
        _record_unchanged(conn, feed, now, response)
        counts.unchanged = 1
    elif not response.ok:
        _record_failure(conn, feed, now, response.status, str(status_error(response)), settings,
                        gone=response.status == 410)
        counts.failed = 1
        return counts
    elif hashlib.sha256(response.body).hexdigest() == feed.body_sha256:
        _record_unchanged(conn, feed, now, response)
        counts.unchanged = 1
    else:
        try:
            parsed = parse_feed(response.body, response.url, response.content_type)
        except FeedParseError as exc:
            _record_failure(conn, feed, now, response.status, str(exc), settings)
            counts.failed = 1
            return counts
        counts.new_items = _record_entries(conn, feed, parsed, response, now)
        # The feed's title names it from now on (RECORD_CHANGED): its pages stored in
        # this poll are credited to the same source as those of later polls.
        feed = replace(feed, name=feed.name or parsed.title)
    _store_pending(conn, fetcher, feed, settings.pages_per_poll, now, counts, entry_filter)
    return counts


def try_lock(conn: Connection, space: int, key: int) -> bool:
    """Take the session-level advisory lock (space, key) if free; it dies with the session."""
    with conn.cursor() as cur:
        cur.execute(TRY_LOCK_FEED, (space, key))
        taken = bool(cur.fetchone()[0])  # type: ignore[index]
    conn.rollback()  # the lock is the session's, not the transaction's
    return taken


def release_lock(conn: Connection, space: int, key: int) -> None:
    """Release a lock taken by `try_lock` (nothing to do when the session is already gone)."""
    if conn.closed:
        return  # the session is gone, and its advisory locks with it
    try:
        conn.rollback()
        with conn.cursor() as cur:
            cur.execute(UNLOCK_FEED, (space, key))
        conn.commit()
    except (psycopg2.OperationalError, psycopg2.InterfaceError):
        pass  # likewise: a lost connection took the lock with it


def _claim(conn: Connection, feed_id: int, now: dt.datetime, due_only: bool) -> ClaimedFeed | None:
    if not try_lock(conn, FEED_LOCK_SPACE, feed_id):
        return None  # another live poller has it
    with conn.cursor() as cur:
        cur.execute(CLAIM_FEED, {"feed_id": feed_id, "claim_for": CLAIM_FOR, "now": now,
                                 "due_only": due_only})
        row = cur.fetchone()
    conn.commit()
    if row is None:
        _release(conn, feed_id)
        return None
    return ClaimedFeed(*row)


def _release(conn: Connection, feed_id: int) -> None:
    release_lock(conn, FEED_LOCK_SPACE, feed_id)


RECORD_CRASH = """
update feeds set
    last_polled_at = now(), last_error = %(error)s, error_count = error_count + 1,
    next_poll_at = now() + %(wait)s, claimed_until = null
where feed_id = %(feed_id)s
"""


def _record_crash(conn: Connection, feed_id: int, message: str) -> None:
    """An unexpected error: counted like any failure, so a feed that always crashes backs off."""
    with conn.cursor() as cur:
        cur.execute(RECORD_CRASH, {"feed_id": feed_id, "error": message[:2000],
                                   "wait": FIRST_FAILURE_WAIT})
    conn.commit()


def _record_unchanged(
    conn: Connection, feed: ClaimedFeed, now: dt.datetime, response: FetchResponse
) -> None:
    schedule = after_success(now, feed.poll_interval, 0)
    with conn.cursor() as cur:
        cur.execute(RECORD_UNCHANGED, {
            "feed_id": feed.feed_id, "now": now, "status": response.status, "etag": response.etag,
            "last_modified": response.last_modified, "interval": schedule.interval,
            "next_poll_at": schedule.next_poll_at,
        })
    conn.commit()


def _record_entries(
    conn: Connection, feed: ClaimedFeed, parsed: ParsedFeed, response: FetchResponse,
    now: dt.datetime,
) -> int:
    """Insert the feed's unseen entries as pending items and the feed's new state; commit."""
    new = 0
    with conn.cursor() as cur:
        for entry in parsed.entries:
            cur.execute(INSERT_ITEM, (feed.feed_id, entry.item_key, entry.link, entry.title,
                                      entry.summary, entry.author, entry.published_at, now))
            new += cur.rowcount
        schedule = after_success(now, feed.poll_interval, new, parsed.update_hint)
        cur.execute(RECORD_CHANGED, {
            "feed_id": feed.feed_id, "now": now, "status": response.status,
            "warning": parsed.warning, "etag": response.etag,
            "last_modified": response.last_modified,
            "body_sha256": hashlib.sha256(response.body).hexdigest(), "title": parsed.title,
            "interval": schedule.interval, "next_poll_at": schedule.next_poll_at,
        })
    conn.commit()
    if parsed.warning:
        record_item_error(conn, STAGE, feed.url, parsed.warning)
    log.debug("feed %s: %d entries, %d new", feed.url, len(parsed.entries), new)
    return new


def _record_failure(
    conn: Connection, feed: ClaimedFeed, now: dt.datetime, status: int | None, error: str,
    settings: Settings, *, gone: bool = False,
) -> None:
    schedule: FeedSchedule = after_failure(now, feed.poll_interval, feed.error_count + 1, error,
                                           settings.feed_max_failures)
    reason = f"the feed is gone: {error}" if gone else schedule.deactivate_reason
    with conn.cursor() as cur:
        cur.execute(RECORD_FAILURE, {
            "feed_id": feed.feed_id, "now": now, "status": status, "error": error[:2000],
            "interval": schedule.interval, "next_poll_at": schedule.next_poll_at,
            "reason": reason,
        })
    conn.commit()
    record_item_error(conn, STAGE, feed.url, error)
    log.warning("feed %s failed: %s%s", feed.url, error, f" (deactivated: {reason})" if reason else "")


def _store_pending(
    conn: Connection, fetcher: Fetcher, feed: ClaimedFeed, limit: int, now: dt.datetime,
    counts: PollCounts, entry_filter: EntryFilter | None = None,
) -> None:
    if feed.kind == "search" and entry_filter is None:
        # Whoever polls without the thread's relevance rules cannot judge a search result:
        # its entries wait, unfetched, for a poll that can.
        log.warning("search feed %s: entries left pending (polled without a relevance filter)",
                    feed.url)
        return
    with conn.cursor() as cur:
        cur.execute(PENDING_ITEMS, (feed.feed_id, limit))
        items = [_pending_entry(row) for row in cur.fetchall()]
    conn.rollback()
    closed: set[str] = set()
    for entry, attempts in items:
        if entry.link and host_of(entry.link) in closed:
            continue  # its host asked us to wait: the entry stays pending, no attempt spent
        if (feed.kind == "search" and entry_filter is not None and feed.thread_slug
                and not entry_filter(feed.thread_slug, entry.title, entry.summary)):
            _mark(conn, feed, entry, "irrelevant", None, 0, None, counts)
            counts.irrelevant += 1
            continue
        try:
            if not _store_item(conn, fetcher, feed, entry, attempts, now, counts):
                closed.add(host_of(entry.link or ""))
        except (psycopg2.OperationalError, psycopg2.InterfaceError):
            raise
        except Exception as exc:  # one entry's bad page must not cost the feed its other entries
            log.exception("feed %s: entry %s failed", feed.url, entry.item_key)
            message = f"{type(exc).__name__}: {exc}"
            record_item_error(conn, "page", entry.link or entry.item_key, message)
            failed = "failed" if attempts + 1 >= MAX_PAGE_ATTEMPTS else "pending"
            _mark(conn, feed, entry, failed, None, 1, message, counts)
            counts.pages_failed += 1
    with conn.cursor() as cur:
        cur.execute(COUNT_PENDING, (feed.feed_id,))
        counts.pages_pending += int(cur.fetchone()[0])  # type: ignore[index]
    conn.rollback()


def _pending_entry(row: tuple[object, ...]) -> tuple[FeedEntry, int]:
    key, link, title, summary, author, published_at, attempts = row
    entry = FeedEntry(item_key=str(key), guid=None, link=link, title=title,  # type: ignore[arg-type]
                      summary=str(summary or ""), author=author,  # type: ignore[arg-type]
                      published_at=published_at)  # type: ignore[arg-type]
    return entry, int(attempts)  # type: ignore[call-overload]


def _store_item(
    conn: Connection, fetcher: Fetcher, feed: ClaimedFeed, entry: FeedEntry, attempts: int,
    now: dt.datetime, counts: PollCounts,
) -> bool:
    """Store one entry (its page, or its own text); False when its host refuses requests for now."""
    hints = ArticleHints(entry.title, entry.author, entry.published_at,
                         feed.name or site_of(feed.url))
    if entry.link is None:
        stored = _store_summary(conn, feed, entry, hints)
        _mark(conn, feed, entry, "stored" if stored else "failed", stored, 0, None, counts)
        return True
    known = _known_document(conn, entry.link)
    if known is not None:
        _mark(conn, feed, entry, "stored", StoredVersion(known, 0, 0, "unchanged"), 0, None, counts)
        return True
    try:
        response = fetcher.fetch(entry.link, check_robots=True)
        if not response.ok:
            raise status_error(response)
        page = page_article(response, hints)
        stored = _store_page(conn, page.article, page.raw, response, now, feed, entry)
    except FetchError as exc:
        if exc.reason == "backoff":
            _mark(conn, feed, entry, "pending", None, 0, str(exc), counts)
            return False
        _page_failed(conn, feed, entry, attempts, hints, fetch_error(exc), counts)
        return True
    except PageError as exc:
        _page_failed(conn, feed, entry, attempts, hints, exc, counts)
        return True
    _count(counts, stored)
    return True


def _page_failed(
    conn: Connection, feed: ClaimedFeed, entry: FeedEntry, attempts: int, hints: ArticleHints,
    error: PageError, counts: PollCounts,
) -> None:
    counts.pages_failed += 1
    record_item_error(conn, "page", entry.link or entry.item_key, str(error))
    if error.transient and attempts + 1 < MAX_PAGE_ATTEMPTS:
        _mark(conn, feed, entry, "pending", None, 1, str(error), counts)
        return
    # Given up on the page: the entry's own text keeps the story.
    stored = _store_summary(conn, feed, entry, hints)
    _mark(conn, feed, entry, "stored" if stored else "failed", stored, 1, str(error), counts)


def _known_document(conn: Connection, link: str) -> int | None:
    with conn.cursor() as cur:
        cur.execute(KNOWN_DOCUMENT, {"identity": normalize_url(link), "link": link})
        row = cur.fetchone()
    conn.rollback()
    return int(row[0]) if row else None


def _store_page(
    conn: Connection, article: ArticleText, raw: RawResponse, response: FetchResponse,
    now: dt.datetime, feed: ClaimedFeed, entry: FeedEntry,
) -> StoredVersion:
    """Store the page's text, start tracking it and mark its entry stored, in one transaction.

    One transaction, so a poller killed after the page was stored never leaves its entry
    pending (the next poll would find the page known and record no fetch for it).
    """
    try:
        stored = write_article(conn, article, response.fetched_at, raw)
        track_article(conn, stored.document_id, response, article.published_at, now)
        _write_mark(conn, feed, entry, "stored", stored, 1, None)
    except BaseException:
        conn.rollback()
        raise
    conn.commit()
    return stored


def _store_summary(
    conn: Connection, feed: ClaimedFeed, entry: FeedEntry, hints: ArticleHints
) -> StoredVersion | None:
    """Write an entry's own text as a document of its own, uncommitted (the caller marks the
    entry in the same transaction); None when it has no text at all."""
    body = entry.summary.strip() or (entry.title or "").strip()
    if not body:
        record_item_error(conn, STAGE, f"{feed.url} {entry.item_key}", "the entry has no text")
        return None
    if entry.link:
        identity = normalize_url(entry.link)
    else:
        identity = f"{normalize_url(feed.url)}#item={entry.item_key}"
    article = ArticleText(
        identity=identity, origin="feed_item", body=body, title=entry.title, url=entry.link,
        source=hints.source, author=entry.author, published_at=entry.published_at,
        published_at_source="feed", same_if_fingerprint_equal=True,
    )
    try:
        return write_article(conn, article)
    except BaseException:
        conn.rollback()
        raise


def _mark(
    conn: Connection, feed: ClaimedFeed, entry: FeedEntry, status: str,
    stored: StoredVersion | None, attempt: int, error: str | None, counts: PollCounts,
) -> None:
    _write_mark(conn, feed, entry, status, stored, attempt, error)
    conn.commit()
    _count(counts, stored)


def _write_mark(
    conn: Connection, feed: ClaimedFeed, entry: FeedEntry, status: str,
    stored: StoredVersion | None, attempt: int, error: str | None,
) -> None:
    with conn.cursor() as cur:
        cur.execute(MARK_ITEM, (status, stored.document_id if stored else None, attempt, error,
                                feed.feed_id, entry.item_key))


def _count(counts: PollCounts, stored: StoredVersion | None) -> None:
    if stored is not None and stored.outcome == "new_document":
        counts.new_documents += 1
    elif stored is not None and stored.outcome == "new_version":
        counts.new_versions += 1
