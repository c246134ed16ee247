"""The daily digests: each active thread's digest written where the analyst opens it.

`storywatch digest --thread SLUG --out FILE` writes one digest on request; this
writes all of them for a day, as `DAY/SLUG.html` and `DAY/SLUG.md` under the
digests folder (STORYWATCH_DIGESTS_DIR): each thread as it stands that day,
every slot's state and all its developments, newest first, with the charts. A
snapshot rather than "the last 24 hours", because an article published days
ago may be ingested today, and its developments must not fall between two
digests. Files are written under a temporary name and renamed, so a reader
never opens half a digest and a rerun replaces the day's files.
"""
from __future__ import annotations

import datetime as dt
import os
import tempfile
from pathlib import Path

from storywatch.db import Connection
from storywatch.digest import write_digest

ACTIVE_THREADS = "select slug from threads where is_active order by slug"
FORMATS = (".html", ".md")


def active_threads(conn: Connection) -> list[str]:
    """Slugs of the threads being followed."""
    with conn.cursor() as cur:
        cur.execute(ACTIVE_THREADS)
        slugs = [row[0] for row in cur.fetchall()]
    conn.rollback()
    return slugs


def write_daily_digests(conn: Connection, folder: Path, day: dt.date,
                        since: dt.datetime | None = None) -> list[Path]:
    """Write every active thread's digest for `day` into `folder/DAY/`; the files written.

    `since` limits the developments and charts to those published since then.
    """
    target = folder / day.isoformat()
    target.mkdir(parents=True, exist_ok=True)
    written = []
    for slug in active_threads(conn):
        for suffix in FORMATS:
            final = target / f"{slug}{suffix}"
            with tempfile.TemporaryDirectory(dir=target, prefix=".writing-") as scratch:
                partial = write_digest(conn, slug, Path(scratch) / final.name, since)
                os.chmod(partial, 0o644)  # readable by the analyst, like any report
                partial.replace(final)
            written.append(final)
    return written
