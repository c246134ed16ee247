"""Write each thread's digest every morning, where the analyst can open it.

One HTML and one Markdown file per active thread, in
`$STORYWATCH_DIGESTS_DIR/YYYY-MM-DD/` (by default `$STORYWATCH_HOME/digests`;
`./digests` on the host with Docker): the thread as it stands that morning,
every slot's current state, its developments newest first with their evidence,
and a chart of each quantity slot. A rerun of a day replaces that day's files.
"""
from __future__ import annotations

from contextlib import closing

import pendulum
from airflow.sdk import dag, get_current_context, task

from storywatch_airflow.hooks import connect


@dag(schedule="0 6 * * *", start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
     catchup=False, max_active_runs=1, tags=["storywatch"], doc_md=__doc__,
     default_args={"retries": 2})
def storywatch_digest():
    @task
    def write_digests() -> int:
        from storywatch_airflow.digests import write_run_digests

        with closing(connect()) as conn:
            return len(write_run_digests(conn, get_current_context()))

    write_digests()


storywatch_digest()
