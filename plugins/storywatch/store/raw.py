"""Raw HTTP responses behind stored page versions: kept gzip-compressed, purged after N days.

Keeping the bytes lets extraction be rerun when the extractor improves; the
retention setting (STORYWATCH_RAW_RETENTION_DAYS) bounds the space they take.
"""
from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass

from storywatch.store.db import Connection


@dataclass(frozen=True, slots=True)
class RawResponse:
    """The response a page version was extracted from."""

    requested_url: str
    final_url: str
    status: int
    content_type: str | None
    headers: Mapping[str, str]
    body: bytes
    fetched_at: dt.datetime


INSERT_RAW = """
insert into raw_responses (
    document_version_id, requested_url, final_url, status, content_type, headers,
    body_gz, body_bytes, body_sha256, fetched_at
) values (%s, %s, %s, %s, %s, %s::jsonb, %s, %s, %s, %s)
on conflict (document_version_id) do nothing
"""
PURGE_RAW = """
update raw_responses
set body_gz = null, purged_at = %(now)s
where body_gz is not null and fetched_at < %(now)s - make_interval(days => %(days)s)
"""
SELECT_RAW = "select body_gz from raw_responses where document_version_id = %s"


def insert_raw_response(conn: Connection, document_version_id: int, raw: RawResponse) -> None:
    """Keep `raw` for the version (inside the caller's transaction)."""
    with conn.cursor() as cur:
        cur.execute(INSERT_RAW, (
            document_version_id, raw.requested_url, raw.final_url, raw.status, raw.content_type,
            json.dumps(dict(raw.headers), sort_keys=True), gzip.compress(raw.body, mtime=0),
            len(raw.body), hashlib.sha256(raw.body).hexdigest(), raw.fetched_at,
        ))


def read_raw_body(conn: Connection, document_version_id: int) -> bytes | None:
    """The raw body kept for a version; None when there is none or it was purged."""
    with conn.cursor() as cur:
        cur.execute(SELECT_RAW, (document_version_id,))
        row = cur.fetchone()
    if row is None or row[0] is None:
        return None
    return gzip.decompress(bytes(row[0]))


def purge_raw_responses(
    conn: Connection, retention_days: int, now: dt.datetime | None = None
) -> int:
    """Drop raw bodies fetched more than `retention_days` ago (metadata stays); commit; how many."""
    if retention_days < 0:
        raise ValueError("retention_days must be zero or more")
    now = now or dt.datetime.now(dt.UTC)
    with conn.cursor() as cur:
        cur.execute(PURGE_RAW, {"now": now, "days": retention_days})
        purged = cur.rowcount
    conn.commit()
    return purged
