"""Load `seeds/` (the seed articles; threads and feeds as they are added) into the database.

Applies pending migrations first, so a fresh database works, then ingests every
seed file. Idempotent: a rerun adds no rows. Updates the Asset of new document
versions, which starts `storywatch_process`.
"""
from __future__ import annotations

from contextlib import closing

import pendulum
from airflow.sdk import dag, task

from storywatch.settings import Settings
from storywatch.store import migrate
from storywatch_airflow.assets import DOCUMENT_VERSIONS
from storywatch_airflow.hooks import connect


@dag(schedule=None, start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
     catchup=False, max_active_runs=1, tags=["storywatch"], doc_md=__doc__,
     default_args={"retries": 2})
def storywatch_seed():
    @task
    def upgrade_schema() -> int:
        with closing(connect()) as conn:
            return len(migrate.upgrade(conn, Settings.from_env().sql_dir).applied)

    @task(outlets=[DOCUMENT_VERSIONS])
    def load_seeds() -> dict[str, int]:
        from storywatch import seeding  # pulls in trafilatura: too heavy for every parse

        with closing(connect()) as conn:
            return seeding.load_seeds(conn, Settings.from_env().seeds_dir)

    upgrade_schema() >> load_seeds()


storywatch_seed()
