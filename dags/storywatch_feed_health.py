"""Tell the analysts when storywatch stops polling a feed.

Every hour, one message lists the feeds deactivated since the last one (after
`STORYWATCH_FEED_MAX_FAILURES` failures in a row, or at once when a feed is
gone), with the reason, through the configured notifier (webhook, SMTP) or the
task log when none is configured. Each deactivation is reported once.
"""
from __future__ import annotations

from contextlib import closing

import pendulum
from airflow.sdk import dag, get_current_context, task

from storywatch_airflow.hooks import connect


@dag(schedule="40 * * * *", start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
     catchup=False, max_active_runs=1, tags=["storywatch"], doc_md=__doc__,
     default_args={"retries": 2})
def storywatch_feed_health():
    @task
    def alert_deactivated_feeds() -> int:
        from storywatch_airflow.notify import alert_feed_health

        with closing(connect()) as conn:
            return alert_feed_health(conn, get_current_context())

    alert_deactivated_feeds()


storywatch_feed_health()
