"""Alerts while two `process` workers track at once: never a development withdrawn afterwards.

The window: worker B has claimed an article for the `track` stage (its row
lock held, nothing written yet) while worker A tracks every later article and
commits their developments. Some of those are artefacts of the order: once B
writes its earlier article, the replay no longer yields them. An alert read in
that window must name only what no untracked article can move (the settled
developments), and at the end everything alerted is still live and the state
equals an uninterrupted run's.
"""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from storywatch import stages as pipeline
from storywatch.reports.alerts import mark_alerted, read_development_alert
from storywatch.settings import Settings
from storywatch.sources.ingest import ingest_paths
from storywatch.store import db
from storywatch.store.stagework import run_stage
from storywatch.tracking.sync import sync_seed_threads
from tests.ownserver import (
    assert_same_contents,
    leaked_failures,
    start_cli,
    start_python,
    table_contents,
    table_counts,
    wait_for,
    write_articles,
)

pytestmark = [pytest.mark.integration, pytest.mark.slow]

ARTICLES = 10
# B holds the fifth article in publication order: with it missing, A's replay reads the
# sixth article's figures as updates; with it, they corroborate it (checked below).
HELD = 4

HOLDING_TRACKER = """
import sys
from storywatch import stages as pipeline
from storywatch.store import db
from storywatch.store.stagework import run_stage

track = pipeline.STAGE_FACTORIES[-1]()

class Holding:
    name, version = track.name, track.version
    def prepare(self, versions):
        return track.prepare(versions)
    def write(self, conn, version, prepared):
        print("holding", version.document_version_id, flush=True)
        sys.stdin.readline()  # the claim stays held until the test says go
        track.write(conn, version, prepared)
    def finish_batch(self, conn):
        track.finish_batch(conn)
    def finish_run(self, conn):
        track.finish_run(conn)

with db.session() as conn:
    print(run_stage(conn, Holding(), batch_size=1, only_ids=[HELD_ID]).as_dict(), flush=True)
"""


def extracted(make_database: Callable[[], str], folder: Path) -> str:
    """A database with the articles ingested and every stage but `track` run."""
    url = make_database()
    conn = db.connect(url)
    sync_seed_threads(conn, Settings.from_env().seeds_dir)
    assert len(ingest_paths(conn, [folder]).new_versions) == ARTICLES
    for factory in pipeline.STAGE_FACTORIES[:-1]:
        run_stage(conn, factory(), batch_size=4)
    conn.close()
    return url


def alert_ids(conn: db.Connection) -> set[int]:
    """Read the pending alert, record it as sent; the development ids it named."""
    alert = read_development_alert(conn)
    if alert is None:
        return set()
    mark_alerted(conn, alert, ["log"])
    return {key[0] for key in alert.keys}


def live_developments(conn: db.Connection) -> dict[int, Any]:
    """development id -> ordered_at of every development not withdrawn."""
    with conn.cursor() as cur:
        cur.execute("select development_id, ordered_at from developments where withdrawn_at is null")
        rows = dict(cur.fetchall())
    conn.rollback()
    return rows


def test_alert_during_two_workers_names_only_developments_that_survive_and_ends_like_one_worker(
    fresh_database, tmp_path
):
    folder = tmp_path / "articles"
    write_articles(folder, ARTICLES)
    # The reference: one uninterrupted run, then one alert.
    reference_url = extracted(fresh_database, folder)
    conn = db.connect(reference_url)
    pipeline.process_pending(conn, batch_size=1)
    reference_alerted = alert_ids(conn)
    reference = {"counts": table_counts(conn), "contents": table_contents(conn)}
    conn.close()
    assert reference_alerted and reference["counts"]["developments"] == len(reference_alerted)

    url = extracted(fresh_database, folder)
    conn = db.connect(url)
    with conn.cursor() as cur:
        cur.execute("select document_version_id, ordered_at from document_versions"
                    " order by ordered_at, document_version_id")
        held_id, held_at = cur.fetchall()[HELD]
    conn.rollback()
    tracker_b = start_python(url, HOLDING_TRACKER.replace("HELD_ID", str(held_id)))
    assert tracker_b.stdout is not None and tracker_b.stdin is not None
    line = tracker_b.stdout.readline()
    assert line.split() == ["holding", str(held_id)], tracker_b.stderr.read() if tracker_b.stderr else line
    worker_a = start_cli(url, "process", "--batch-size", "1")
    out, err = worker_a.communicate(timeout=600)
    assert worker_a.returncode == 0 and not leaked_failures(err), err

    # The window: A's developments are committed, B's earlier article is not tracked yet.
    in_window = live_developments(conn)
    later = {d for d, at in in_window.items() if at > held_at}
    assert later, "worker A left no development after the held article: the window is empty"
    first_alert = alert_ids(conn)
    assert first_alert == {d for d, at in in_window.items() if at < held_at} and first_alert

    tracker_b.stdin.write("go\n")
    tracker_b.stdin.flush()
    out_b, err_b = tracker_b.communicate(timeout=300)
    assert tracker_b.returncode == 0 and "'done': 1" in out_b, err_b
    wait_for(lambda: held_id in _tracked(conn), "worker B to commit the held article", 30)
    after = live_developments(conn)
    assert later - set(after), "the held article withdrew nothing: the test proves nothing"
    assert first_alert <= set(after), "an alert named a development that was withdrawn afterwards"

    second_alert = alert_ids(conn)
    assert not first_alert & second_alert
    assert first_alert | second_alert == set(after)
    with conn.cursor() as cur:
        cur.execute("select count(*) from developments where withdrawn_at is not null")
        assert cur.fetchone()[0] == 0  # the order's artefacts were never sent, so they are gone
    conn.rollback()
    assert table_counts(conn) == reference["counts"]
    assert_same_contents(table_contents(conn), reference["contents"])
    conn.close()


def _tracked(conn: db.Connection) -> set[int]:
    with conn.cursor() as cur:
        cur.execute("select document_version_id from stage_runs where stage = 'track'")
        rows = {int(r[0]) for r in cur.fetchall()}
    conn.rollback()
    return rows
