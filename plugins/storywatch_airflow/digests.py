"""The digest DAG's dates: which day a run writes, and since when its developments count."""
from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from storywatch import digests
from storywatch.db import Connection
from storywatch.settings import Settings


def run_window(context: Any, now: dt.datetime | None = None) -> tuple[dt.date, dt.datetime]:
    """(day named by the files, start of the developments shown) for a DAG run.

    A scheduled run covers its data interval (the day before it ran); a manual
    run has none, and covers the 24 hours before it.
    """
    start = context.get("data_interval_start")
    end = context.get("data_interval_end")
    if start is not None and end is not None and end > start:
        return end.date(), start
    moment = now or dt.datetime.now(dt.UTC)
    return moment.date(), moment - dt.timedelta(days=1)


def write_run_digests(conn: Connection, context: Any) -> list[Path]:
    """Write the digests of this run's day; the files written."""
    day, since = run_window(context)
    return digests.write_daily_digests(conn, Settings.from_env().digests_dir, day, since)
