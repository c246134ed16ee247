"""Revisiting fetched articles to catch edits and removals, less often as they age.

Each due article is fetched with its validators. An unchanged page (304, or
the same text) writes only its fetch state; an edited one becomes a new
version with its diff (store.py); a page that answers 404/410 or starts
redirecting to another page is recorded as removed, and restored if it comes
back. The schedule (schedule.revisit_interval) stops once an article is a
month old; `revisit(conn, all_articles=True)` re-fetches every tracked article
whatever its schedule.
"""
from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass, fields

import psycopg2

from storywatch.progress import SILENT, Progress, task
from storywatch.settings import Settings
from storywatch.sources.pagefetch import (
    GONE_STATUSES,
    ArticleHints,
    PageError,
    fetch_error,
    page_article,
    status_error,
)
from storywatch.sources.polling import make_fetcher, release_lock, try_lock
from storywatch.sources.schedule import next_revisit_at
from storywatch.store.articles import record_item_error, write_article
from storywatch.store.db import Connection
from storywatch.web.fetch import Fetcher, FetchError, FetchResponse
from storywatch.web.urls import normalize_url, same_article_url

log = logging.getLogger(__name__)
STAGE = "revisit"
# Shown in tracked_articles.claimed_until while an article is being revisited; it decides nothing.
CLAIM_FOR = dt.timedelta(minutes=30)
# The claim itself is a session-level advisory lock on (REVISIT_LOCK_SPACE, document id), as
# for polls (polling.py): two revisits never fetch one article together, and a revisit that
# dies (SIGKILL, lost connection, database restart) frees its articles with its session
# instead of holding them until a lease expires.
REVISIT_LOCK_SPACE = 0x5377_0002


@dataclass(slots=True)
class RevisitCounts:
    """What one revisit run did (the DAG task returns `as_dict()`)."""

    articles: int = 0
    unchanged: int = 0
    new_versions: int = 0
    flapping: int = 0
    removed: int = 0
    restored: int = 0
    failed: int = 0

    def add(self, other: RevisitCounts) -> None:
        for f in fields(self):
            setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))

    def as_dict(self) -> dict[str, int]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


@dataclass(frozen=True, slots=True)
class TrackedArticle:
    document_id: int
    identity: str
    url: str | None
    fetch_url: str
    born_at: dt.datetime
    etag: str | None
    last_modified: str | None
    removed_at: dt.datetime | None
    source: str | None
    published_at: dt.datetime | None
    published_at_source: str


DUE_ARTICLES = """
select t.document_id
from tracked_articles as t
where (%(all)s or t.next_fetch_at <= %(now)s)
order by t.next_fetch_at nulls last, t.document_id
limit %(limit)s
"""
COUNT_DUE = """
select count(*) from tracked_articles as t
where (%(all)s or t.next_fetch_at <= %(now)s)
  and (t.claimed_until is null or t.claimed_until < now())
"""
CLAIM_ARTICLE = """
with claimed as (
    update tracked_articles set claimed_until = now() + %(claim_for)s
    where document_id = %(document_id)s
    returning document_id, fetch_url, born_at, etag, last_modified
)
select c.document_id, d.identity, d.url, c.fetch_url, c.born_at, c.etag, c.last_modified,
       d.removed_at, s.name, v.published_at, v.published_at_source
from claimed as c
join documents as d on d.document_id = c.document_id
left join sources as s on s.source_id = d.source_id
left join lateral (
    select published_at, published_at_source from document_versions
    where document_id = c.document_id
    order by version_no desc
    limit 1
) as v on true
"""
RECORD_FETCH = """
update tracked_articles set
    last_fetched_at = %(now)s, last_status = %(status)s, last_error = %(error)s,
    error_count = case when %(error)s::text is null then 0 else error_count + 1 end,
    etag = case when %(status)s = 200 then %(etag)s else etag end,
    last_modified = case when %(status)s = 200 then %(last_modified)s else last_modified end,
    next_fetch_at = %(next_fetch_at)s, claimed_until = null
where document_id = %(document_id)s
"""
MARK_REMOVED = """
update documents set removed_at = %(now)s, removal_reason = %(reason)s
where document_id = %(document_id)s and removed_at is null
"""
MARK_RESTORED = """
update documents set removed_at = null, removal_reason = null
where document_id = %(document_id)s and removed_at is not null
"""
INSERT_EVENT = """
insert into document_events (document_id, kind, http_status, final_url, reason, occurred_at)
values (%(document_id)s, %(kind)s, %(status)s, %(final_url)s, %(reason)s, %(now)s)
"""


def revisit_due(
    conn: Connection, now: dt.datetime | None = None, *, all_articles: bool = False,
    limit: int = 1000,
) -> list[int]:
    """Document ids of the tracked articles due for a re-fetch (every one with `all_articles`)."""
    with conn.cursor() as cur:
        cur.execute(DUE_ARTICLES, {"now": now or dt.datetime.now(dt.UTC), "all": all_articles,
                                   "limit": limit})
        ids = [int(row[0]) for row in cur.fetchall()]
    conn.rollback()
    return ids


def revisit_due_batches(
    conn: Connection, batch_size: int, now: dt.datetime | None = None, limit: int = 5000
) -> list[list[int]]:
    """Document ids of the articles due for a re-fetch, in batches of `batch_size`."""
    ids = revisit_due(conn, now, limit=limit)
    return [ids[start:start + batch_size] for start in range(0, len(ids), batch_size)]


def revisit_batch(
    conn: Connection,
    document_ids: Sequence[int],
    fetcher: Fetcher | None = None,
    *,
    now: dt.datetime | None = None,
) -> dict[str, int]:
    """Re-fetch each article once; a failing one is recorded and the rest go on."""
    return _revisit_ids(conn, document_ids, fetcher or make_fetcher(), now).as_dict()


def revisit(
    conn: Connection,
    *,
    all_articles: bool = False,
    fetcher: Fetcher | None = None,
    settings: Settings | None = None,
    now: dt.datetime | None = None,
    batch_size: int = 200,
    progress: Progress | None = None,
) -> dict[str, int]:
    """Re-fetch every due article (or all of them), batch after batch: `storywatch revisit`."""
    settings = settings or (fetcher.settings if fetcher else Settings.from_env())
    fetcher = fetcher or make_fetcher(settings)
    total = RevisitCounts()
    done: set[int] = set()
    due = count_due(conn, now, all_articles=all_articles) if progress is not None else None
    with task(progress, "revisit", due, "article") as shown:
        while True:
            ids = [i for i in revisit_due(conn, now, all_articles=all_articles,
                                          limit=batch_size + len(done)) if i not in done]
            if not ids:
                break
            total.add(_revisit_ids(conn, ids[:batch_size], fetcher, now, shown))
            done.update(ids[:batch_size])
            shown.batch_done()
    return total.as_dict()


def count_due(conn: Connection, now: dt.datetime | None = None, *, all_articles: bool = False) -> int:
    """How many tracked articles are due for a re-fetch now (all of them with `all_articles`)."""
    with conn.cursor() as cur:
        cur.execute(COUNT_DUE, {"now": now or dt.datetime.now(dt.UTC), "all": all_articles})
        (count,) = cur.fetchone()
    conn.rollback()
    return int(count)


def _revisit_ids(
    conn: Connection, document_ids: Sequence[int], fetcher: Fetcher, now: dt.datetime | None,
    progress: Progress = SILENT,
) -> RevisitCounts:
    total = RevisitCounts()
    for document_id in document_ids:
        try:
            counts = revisit_article(conn, int(document_id), fetcher, now)
        except (psycopg2.OperationalError, psycopg2.InterfaceError):
            raise
        except Exception as exc:  # one article's bad input must not stop the batch
            log.exception("revisiting document %s failed", document_id)
            message = f"{type(exc).__name__}: {exc}"
            record_item_error(conn, STAGE, f"document {document_id}", message)
            _record_crash(conn, int(document_id), message)
            counts = RevisitCounts(failed=1)
        total.add(counts)
        progress.advance(new_versions=counts.new_versions, removed=counts.removed,
                         failed=counts.failed)
    return total


RECORD_CRASH = """
update tracked_articles set
    last_fetched_at = now(), last_error = %(error)s, error_count = error_count + 1,
    next_fetch_at = case when next_fetch_at is null then null else now() + interval '1 hour' end,
    claimed_until = null
where document_id = %(document_id)s
"""


def _record_crash(conn: Connection, document_id: int, message: str) -> None:
    with conn.cursor() as cur:
        cur.execute(RECORD_CRASH, {"document_id": document_id, "error": message[:2000]})
    conn.commit()


def revisit_article(
    conn: Connection, document_id: int, fetcher: Fetcher, now: dt.datetime | None = None
) -> RevisitCounts:
    """Re-fetch one tracked article (skipped while another revisit has it) and record the outcome."""
    article = _claim(conn, document_id)
    if article is None:
        return RevisitCounts()
    try:
        return _revisit_claimed(conn, article, fetcher, now)
    finally:
        release_lock(conn, REVISIT_LOCK_SPACE, document_id)


def _revisit_claimed(
    conn: Connection, article: TrackedArticle, fetcher: Fetcher, now: dt.datetime | None
) -> RevisitCounts:
    counts = RevisitCounts(articles=1)
    now = now or dt.datetime.now(dt.UTC)
    try:
        response = fetcher.fetch(article.fetch_url, etag=article.etag,
                                 last_modified=article.last_modified, check_robots=True)
    except FetchError as exc:
        _record(conn, article, now, None, str(fetch_error(exc)))
        counts.failed = 1
        return counts
    if response.status == 304:
        _record(conn, article, now, response, None)
        counts.unchanged = 1
    elif response.status in GONE_STATUSES:
        reason = f"HTTP {response.status}"
        counts.removed = _removed(conn, article, now, response, reason)
    elif not response.ok:
        _record(conn, article, now, response, str(status_error(response)))
        counts.failed = 1
    else:
        _refetched(conn, article, now, response, counts)
    return counts


def _refetched(
    conn: Connection, article: TrackedArticle, now: dt.datetime, response: FetchResponse,
    counts: RevisitCounts,
) -> None:
    # The article keeps its publication time: a page's own date may be the date of the edit.
    hints = ArticleHints(source=article.source, published_at=article.published_at,
                         published_source=article.published_at_source)
    try:
        page = page_article(response, hints, identity=article.identity)
    except PageError as exc:
        if _moved_elsewhere(article, response, response.url):
            # Redirected to a page that is not an article (a home or section page).
            counts.removed = _removed(conn, article, now, response, f"redirects to {response.url}")
            return
        _record(conn, article, now, response, str(exc))
        counts.failed = 1
        return
    if _moved_elsewhere(article, response, page.canonical_url):
        reason = f"redirects to {response.url}"
        counts.removed = _removed(conn, article, now, response, reason)
        return
    try:
        stored = write_article(conn, page.article, response.fetched_at, page.raw)
        if article.removed_at is not None:
            _event(conn, article, now, response, "restored", f"answers HTTP {response.status} again")
            counts.restored = 1
        _write_state(conn, article, now, response, None)
    except BaseException:
        conn.rollback()
        raise
    conn.commit()
    if stored.outcome == "new_version":
        counts.new_versions = 1
    elif stored.outcome == "flapping":
        counts.flapping = 1
    else:
        counts.unchanged = 1


def _moved_elsewhere(article: TrackedArticle, response: FetchResponse, canonical: str) -> bool:
    """True when the page now fetched is not the article (a redirect to a home or section page)."""
    if not response.redirects:
        return False
    known = [u for u in (article.url, article.fetch_url) if u]
    if any(same_article_url(response.url, u) for u in known):
        return False
    return normalize_url(canonical) != article.identity


def _removed(
    conn: Connection, article: TrackedArticle, now: dt.datetime, response: FetchResponse,
    reason: str,
) -> int:
    """Record the article as removed (once) and keep checking on schedule; commit; 1 if newly removed."""
    newly = 0
    try:
        with conn.cursor() as cur:
            cur.execute(MARK_REMOVED, {"document_id": article.document_id, "now": now,
                                       "reason": reason})
            newly = cur.rowcount
        if newly:
            _event(conn, article, now, response, "removed", reason)
        _write_state(conn, article, now, response, None)
    except BaseException:
        conn.rollback()
        raise
    conn.commit()
    if newly:
        log.debug("document %d removed: %s", article.document_id, reason)
    return newly


def _event(
    conn: Connection, article: TrackedArticle, now: dt.datetime, response: FetchResponse,
    kind: str, reason: str,
) -> None:
    with conn.cursor() as cur:
        if kind == "restored":
            cur.execute(MARK_RESTORED, {"document_id": article.document_id})
        cur.execute(INSERT_EVENT, {"document_id": article.document_id, "kind": kind,
                                   "status": response.status, "final_url": response.url,
                                   "reason": reason, "now": now})


def _claim(conn: Connection, document_id: int) -> TrackedArticle | None:
    if not try_lock(conn, REVISIT_LOCK_SPACE, document_id):
        return None  # another live revisit has it
    with conn.cursor() as cur:
        cur.execute(CLAIM_ARTICLE, {"document_id": document_id, "claim_for": CLAIM_FOR})
        row = cur.fetchone()
    conn.commit()
    if row is None:
        release_lock(conn, REVISIT_LOCK_SPACE, document_id)
        return None
    return TrackedArticle(*row)


def _record(
    conn: Connection, article: TrackedArticle, now: dt.datetime,
    response: FetchResponse | None, error: str | None,
) -> None:
    _write_state(conn, article, now, response, error)
    conn.commit()
    if error:
        record_item_error(conn, STAGE, article.fetch_url, error)


def _write_state(
    conn: Connection, article: TrackedArticle, now: dt.datetime,
    response: FetchResponse | None, error: str | None,
) -> None:
    with conn.cursor() as cur:
        cur.execute(RECORD_FETCH, {
            "document_id": article.document_id, "now": now,
            "status": response.status if response else None, "error": error,
            "etag": response.etag if response else None,
            "last_modified": response.last_modified if response else None,
            "next_fetch_at": next_revisit_at(article.born_at, now),
        })
