"""Poll every due feed, store new articles and new versions of known ones.

Due feeds are split into batches (a host's feeds kept together) and each batch
is one mapped task in the `storywatch_http` pool, which bounds HTTP concurrency;
per-host pacing is shared by all workers through PostgreSQL. When anything new
was stored, the Asset of new document versions is updated, which starts
`storywatch_process`. Only ids and counts travel in XCom.
"""
from __future__ import annotations

from contextlib import closing

import pendulum
from airflow.sdk import dag, task

from storywatch_airflow.assets import DOCUMENT_VERSIONS
from storywatch_airflow.hooks import connect, database_url


@dag(schedule="*/15 * * * *", start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
     catchup=False, max_active_runs=1, tags=["storywatch"], doc_md=__doc__,
     default_args={"retries": 2})
def storywatch_poll_feeds():
    @task
    def due_batches() -> list[list[int]]:
        from storywatch.sources import feeds

        with closing(connect()) as conn:
            return feeds.due_feed_batches(conn, batch_size=50)

    @task(pool="storywatch_http")
    def poll(feed_ids: list[int]) -> dict[str, int]:
        from storywatch.sources import feeds, polling
        from storywatch.tracking.discovery import relevance_filter

        url = database_url()
        with closing(connect()) as conn, closing(polling.make_fetcher(database_url=url)) as fetcher:
            # hosts take turns on 8 threads: a batch keeps a host's feeds together (bench/poll.py);
            # a search feed's entries are fetched only when their thread's relevance accepts them
            return feeds.poll_batch(conn, feed_ids, fetcher, workers=8, database_url=url,
                                    entry_filter=relevance_filter(conn))

    @task.short_circuit
    def stored_anything(counts: list[dict[str, int]]) -> bool:
        from storywatch.sources import polling

        return polling.stored_anything(list(counts))

    @task(outlets=[DOCUMENT_VERSIONS])
    def announce_new_versions() -> None:
        """Succeeding is the announcement: the Asset event starts storywatch_process."""

    stored_anything(poll.expand(feed_ids=due_batches())) >> announce_new_versions()


storywatch_poll_feeds()
