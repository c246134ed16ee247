"""The seed DAG, then the process DAG, run end to end with `dag.test()` against the test database.

`dag.test()` does not start Asset consumers, so each test runs the producer and
then the consumer itself, as the scheduler would on the Asset event.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from storywatch import stages as pipeline
from storywatch.store import db

pytestmark = pytest.mark.integration

SEED_FILE = "000_d3ec237e47cabcad.txt"
SEED_VERSIONS = """
select d.identity, v.version_no, v.title, v.published_at
from document_versions as v
join documents as d on d.document_id = v.document_id
order by d.identity, v.version_no
"""
COUNT_ROWS = {
    table: f"select count(*) from {table}"  # noqa: S608 - names from this tuple only
    for table in ("sources", "documents", "document_versions", "item_errors", "stage_runs")
}
DATA_TABLES = ("sources", "documents", "document_versions", "item_errors", "stage_runs")


@pytest.fixture
def run_dag(dagbag: Any, airflow_db: Path, storywatch_connection: str) -> Any:
    """Run one DAG of the repo with `dag.test()` and return its DagRun, which must succeed."""

    def run(dag_id: str) -> Any:
        dag_run = dagbag.dags[dag_id].test()
        assert dag_run.state == "success", f"{dag_id} ended {dag_run.state}"
        return dag_run

    return run


def count_rows(conn: db.Connection, table: str) -> int:
    with conn.cursor() as cur:
        cur.execute(COUNT_ROWS[table])
        return int(cur.fetchone()[0])


def _xcom(dag_run: Any, task_id: str) -> Any:
    """The value `task_id` returned in `dag_run`."""
    from airflow.models.xcom import XComModel
    from airflow.utils.session import create_session

    query = XComModel.get_many(
        run_id=dag_run.run_id, dag_ids=dag_run.dag_id, task_ids=task_id, key="return_value"
    )
    with create_session() as session:
        xcom = session.scalars(query).one()
        return XComModel.deserialize_value(xcom)


def test_seed_dag_stores_the_seed_article(run_dag: Any, conn: db.Connection) -> None:
    run_dag("storywatch_seed")
    with conn.cursor() as cur:
        cur.execute(SEED_VERSIONS)
        rows = cur.fetchall()
    assert len(rows) == 1
    identity, version_no, title, published_at = rows[0]
    assert identity.endswith(SEED_FILE)
    assert version_no == 1
    assert title == "Raisi visits Putin in Moscow"
    assert published_at == dt.datetime(2022, 1, 19, tzinfo=dt.UTC)


def test_process_dag_after_seed_processes_every_seed_version(
    run_dag: Any, conn: db.Connection
) -> None:
    run_dag("storywatch_seed")
    process_run = run_dag("storywatch_process")
    versions = count_rows(conn, "document_versions")
    assert versions == 1
    stages = len(pipeline.STAGE_FACTORIES)
    assert count_rows(conn, "stage_runs") == stages * versions
    # Nothing is left pending: the process DAG, run again, finds no work.
    again = run_dag("storywatch_process")
    assert count_rows(conn, "stage_runs") == stages * versions
    stage_names = {factory().name for factory in pipeline.STAGE_FACTORIES}
    assert set(_xcom(process_run, "process_pending")) == stage_names
    assert all(counts["done"] == 0 for counts in _xcom(again, "process_pending").values())


def test_second_seed_run_adds_no_rows(run_dag: Any, conn: db.Connection) -> None:
    run_dag("storywatch_seed")
    first = {table: count_rows(conn, table) for table in DATA_TABLES}
    run_dag("storywatch_seed")
    second = {table: count_rows(conn, table) for table in DATA_TABLES}
    assert first["document_versions"] == 1
    assert second == first


FEED = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Loopback Wire</title><link>{base}/</link>
<item><title>US says Russia has more than 130,000 troops near Ukraine</title>
<link>{base}/articles/buildup</link><guid>buildup-1</guid>
<pubDate>Sun, 13 Feb 2022 09:00:00 GMT</pubDate></item>
</channel></rss>"""
PAGE = """<html><head><title>US says Russia has more than 130,000 troops near Ukraine</title></head>
<body><article><h1>US says Russia has more than 130,000 troops near Ukraine</h1>
<p>Russia has massed more than 130,000 troops near its border with Ukraine, a U.S. official said
on Sunday, up from an estimate of some 100,000 in January.</p>
<p>The official, who spoke on condition of anonymity, said an invasion could begin at any time.</p>
</article></body></html>"""


@pytest.fixture
def loopback_feed(http_server: Any, conn: db.Connection, monkeypatch: pytest.MonkeyPatch) -> str:
    """One feed on the local server, registered in the database, with fetching allowed there."""
    from storywatch.sources import feeds

    base = http_server.url("").rstrip("/")
    http_server.conditional("/feed.xml", FEED.format(base=base).encode(), etag='"v1"')
    http_server.static("/articles/buildup", PAGE.encode(), content_type="text/html; charset=utf-8")
    http_server.robots("User-agent: *\nAllow: /\n")
    monkeypatch.setenv("STORYWATCH_ALLOWED_NETWORKS", "127.0.0.0/8")
    monkeypatch.setenv("STORYWATCH_HOST_INTERVAL", "0")
    feeds.add_feed(conn, base + "/feed.xml", "Loopback Wire")
    return base


def test_poll_dag_stores_the_feed_article_and_announces_it(
    run_dag: Any, conn: db.Connection, loopback_feed: str
) -> None:
    dag_run = run_dag("storywatch_poll_feeds")
    with conn.cursor() as cur:
        cur.execute("select d.url, v.title from documents d join document_versions v using (document_id)")
        assert cur.fetchall() == [(loopback_feed + "/articles/buildup",
                                   "US says Russia has more than 130,000 troops near Ukraine")]
    states = {ti.task_id: ti.state for ti in dag_run.get_task_instances()}
    assert states["announce_new_versions"] == "success"


def test_second_poll_dag_run_stores_nothing_and_announces_nothing(
    run_dag: Any, conn: db.Connection, loopback_feed: str
) -> None:
    run_dag("storywatch_poll_feeds")
    with conn.cursor() as cur:
        cur.execute("update feeds set next_poll_at = now() - interval '1 minute'")
    conn.commit()
    versions = count_rows(conn, "document_versions")
    dag_run = run_dag("storywatch_poll_feeds")
    assert count_rows(conn, "document_versions") == versions
    states = {ti.task_id: ti.state for ti in dag_run.get_task_instances()}
    assert states["announce_new_versions"] == "skipped"


def test_revisit_dag_with_nothing_due_succeeds(run_dag: Any, conn: db.Connection) -> None:
    dag_run = run_dag("storywatch_revisit")
    states = {ti.task_id: ti.state for ti in dag_run.get_task_instances()}
    assert states["announce_new_versions"] == "skipped"
