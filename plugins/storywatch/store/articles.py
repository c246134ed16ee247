"""Writes of sources, documents and document versions, idempotent by construction.

A document is one article identity; a version is one distinct text of it. The
document row is locked while its next version is decided, so two writers (two
Celery workers, a rerun beside a run) can never number two versions alike.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

from storywatch.store.db import Connection
from storywatch.store.diffs import VersionDiff, diff_versions
from storywatch.store.raw import RawResponse, insert_raw_response
from storywatch.text import fingerprint, sha256_text

# A text already stored this many times for one article is not stored again:
# an article flipping between two texts stops gaining versions.
MAX_COPIES_OF_A_TEXT = 2

Outcome = Literal["new_document", "new_version", "unchanged", "flapping"]


@dataclass(frozen=True, slots=True)
class ArticleText:
    """One observed text of an article, ready to store."""

    identity: str
    origin: str
    body: str
    title: str | None = None
    url: str | None = None
    source: str | None = None
    author: str | None = None
    published_at: dt.datetime | None = None
    published_at_source: str = "metadata"
    # Pages compare by fingerprint (quote styles, spacing folded); files by exact text.
    same_if_fingerprint_equal: bool = False


@dataclass(frozen=True, slots=True)
class StoredVersion:
    document_id: int
    document_version_id: int
    version_no: int
    outcome: Outcome

    @property
    def is_new(self) -> bool:
        return self.outcome in ("new_document", "new_version")


UPSERT_SOURCE = """
insert into sources (name) values (%s)
on conflict (name) do nothing
"""
SELECT_SOURCE = "select source_id from sources where name = %s"

INSERT_DOCUMENT = """
insert into documents (identity, url, source_id, origin) values (%s, %s, %s, %s)
on conflict (identity) do nothing
returning document_id
"""
LOCK_DOCUMENT = "select document_id from documents where identity = %s for update"

LATEST_VERSION = """
select document_version_id, version_no, content_sha256, fingerprint, title, body
from document_versions
where document_id = %s
order by version_no desc
limit 1
"""
COUNT_COPIES = """
select count(*) from document_versions
where document_id = %s and case when %s then fingerprint = %s else content_sha256 = %s end
"""
INSERT_VERSION = """
insert into document_versions (
    document_id, version_no, content_sha256, fingerprint, title, body, author,
    published_at, published_at_source, fetched_at
) values (%s, %s, %s, %s, %s, %s, %s, %s, %s, coalesce(%s, now()))
returning document_version_id
"""
INSERT_DIFF = """
insert into version_diffs (
    document_version_id, previous_version_id, title_changed, sentences_added,
    sentences_removed, added_sentences, removed_sentences, unified_diff, is_trivial
) values (%s, %s, %s, %s, %s, %s, %s, %s, %s)
on conflict (document_version_id) do nothing
"""


def ensure_source(conn: Connection, name: str | None) -> int | None:
    """The id of source `name`, created if new; None for no name."""
    if not name:
        return None
    with conn.cursor() as cur:
        cur.execute(UPSERT_SOURCE, (name,))
        cur.execute(SELECT_SOURCE, (name,))
        row = cur.fetchone()
    assert row is not None
    return int(row[0])


def store_article(
    conn: Connection,
    article: ArticleText,
    fetched_at: dt.datetime | None = None,
    raw: RawResponse | None = None,
) -> StoredVersion:
    """Store `article` as a new document or version if its text is new; commit; say what happened.

    A new version of a known document gets its diff from the previous version, and
    `raw` (the HTTP response it was extracted from) is kept beside it, both in the
    same transaction as the version itself.
    """
    try:
        result = write_article(conn, article, fetched_at, raw)
    except BaseException:
        conn.rollback()
        raise
    conn.commit()
    return result


def write_article(
    conn: Connection,
    article: ArticleText,
    fetched_at: dt.datetime | None = None,
    raw: RawResponse | None = None,
) -> StoredVersion:
    """What `store_article` does, inside the caller's transaction (no commit, no rollback)."""
    source_id = ensure_source(conn, article.source)
    content_sha = sha256_text(article.body)
    folded = fingerprint(article.title, article.body)
    with conn.cursor() as cur:
        cur.execute(INSERT_DOCUMENT, (article.identity, article.url, source_id, article.origin))
        created = cur.fetchone() is not None
        cur.execute(LOCK_DOCUMENT, (article.identity,))
        document_id = int(cur.fetchone()[0])  # type: ignore[index]
        cur.execute(LATEST_VERSION, (document_id,))
        latest = cur.fetchone()
        if latest is not None:
            version_id, version_no, latest_sha, latest_fp = latest[:4]
            by_fp = article.same_if_fingerprint_equal
            # The fingerprint covers the headline too: a new headline is a new version.
            if (latest_fp == folded) if by_fp else (latest_sha == content_sha):
                return StoredVersion(document_id, version_id, version_no, "unchanged")
            cur.execute(COUNT_COPIES, (document_id, by_fp, folded, content_sha))
            if cur.fetchone()[0] >= MAX_COPIES_OF_A_TEXT:  # type: ignore[index]
                return StoredVersion(document_id, version_id, version_no, "flapping")
        next_no = 1 if latest is None else latest[1] + 1
        cur.execute(
            INSERT_VERSION,
            (
                document_id, next_no, content_sha, folded, article.title, article.body,
                article.author, article.published_at,
                article.published_at_source if article.published_at else "missing", fetched_at,
            ),
        )
        version_id = int(cur.fetchone()[0])  # type: ignore[index]
    if latest is not None:
        diff = diff_versions(latest[4], latest[5], article.title, article.body)
        _insert_diff(conn, version_id, latest[0], diff)
    if raw is not None:
        insert_raw_response(conn, version_id, raw)
    outcome: Outcome = "new_document" if created and latest is None else "new_version"
    return StoredVersion(document_id, version_id, next_no, outcome)


def _insert_diff(conn: Connection, version_id: int, previous_id: int, diff: VersionDiff) -> None:
    with conn.cursor() as cur:
        cur.execute(INSERT_DIFF, (
            version_id, previous_id, diff.title_changed, diff.sentences_added,
            diff.sentences_removed, list(diff.added_sentences), list(diff.removed_sentences),
            diff.unified_diff, diff.is_trivial,
        ))


def record_item_error(conn: Connection, stage: str, item: str, message: str) -> None:
    """Keep a failed item's reason (in its own transaction, after rolling back the item's)."""
    conn.rollback()
    with conn.cursor() as cur:
        cur.execute(
            "insert into item_errors (stage, item, message) values (%s, %s, %s)",
            (stage, item, message[:2000]),
        )
    conn.commit()
