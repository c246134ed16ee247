"""The digest DAG's day: which folder a run writes."""
from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from storywatch.reports import digest as digests
from storywatch.settings import Settings
from storywatch.store.db import Connection


def run_day(context: Any, now: dt.datetime | None = None) -> dt.date:
    """The day a DAG run's digests are named after: the end of its data interval, else today."""
    end = context.get("data_interval_end")
    if end is not None:
        return end.date()
    return (now or dt.datetime.now(dt.UTC)).date()


def write_run_digests(conn: Connection, context: Any) -> list[Path]:
    """Write this run's digests (every active thread as it stands); the files written."""
    return digests.write_daily_digests(conn, Settings.from_env().digests_dir, run_day(context))
