"""Re-fetch tracked articles that are due, to catch edits and removals.

Young articles are revisited often and old ones less (15 minutes under three
hours, then hourly, every few hours, daily, then never; see storywatch.sources.revisit).
Each batch of due articles is one mapped task in the `storywatch_http` pool.
New versions update the Asset of new document versions.
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
def storywatch_revisit():
    @task
    def due_batches() -> list[list[int]]:
        from storywatch.sources import revisit

        with closing(connect()) as conn:
            return revisit.revisit_due_batches(conn, batch_size=100)

    @task(pool="storywatch_http")
    def refetch(document_ids: list[int]) -> dict[str, int]:
        from storywatch.sources import polling, revisit

        with closing(connect()) as conn, closing(polling.make_fetcher(database_url=database_url())) as fetcher:
            return revisit.revisit_batch(conn, document_ids, fetcher)

    @task.short_circuit
    def stored_anything(counts: list[dict[str, int]]) -> bool:
        from storywatch.sources import polling

        return polling.stored_anything(list(counts))

    @task(outlets=[DOCUMENT_VERSIONS])
    def announce_new_versions() -> None:
        """Succeeding is the announcement: the Asset event starts storywatch_process."""

    stored_anything(refetch.expand(document_ids=due_batches())) >> announce_new_versions()


storywatch_revisit()
