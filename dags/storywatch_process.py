"""Run every processing stage over the document versions not yet processed.

Scheduled on the Asset of new document versions (updated by the seed, poll and
revisit DAGs). Each stage claims its pending versions itself, so a run with
nothing pending does nothing, and two runs never process a version twice.
Then one alert lists every development not yet alerted, grouped by thread,
through the configured notifier (webhook, SMTP) or the task log.
"""
from __future__ import annotations

from contextlib import closing

import pendulum
from airflow.sdk import dag, get_current_context, task

from storywatch.progress import LogProgress
from storywatch.settings import Settings
from storywatch.workers import process_with_workers
from storywatch_airflow.assets import DOCUMENT_VERSIONS
from storywatch_airflow.hooks import connect, database_url


@dag(schedule=[DOCUMENT_VERSIONS], start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
     catchup=False, max_active_runs=1, tags=["storywatch"], doc_md=__doc__,
     default_args={"retries": 2})
def storywatch_process():
    @task
    def process_pending() -> dict[str, dict[str, int]]:
        # STORYWATCH_PROCESS_WORKERS worker processes (default: the usable cores); a summary
        # line per batch in the task log: done/total, rate, time left.
        return process_with_workers(database_url(), Settings.from_env().process_workers,
                                    progress=LogProgress(min_interval=10.0))

    @task
    def alert_developments() -> int:
        from storywatch_airflow.notify import alert_developments

        with closing(connect()) as conn:
            return alert_developments(conn, get_current_context())

    process_pending() >> alert_developments()


storywatch_process()
