"""`process` under faults: a backend killed mid-batch, a worker SIGKILLed, two workers at once.

Each test runs every registered stage (pipeline.STAGE_FACTORIES, what `storywatch
process` runs) on a PostgreSQL server of its own (tests/ownserver.py) and
compares the final state, table by table, with an uninterrupted run over the
same articles. The fault lands at a known point: a wrapper around the real
stages counts their writes and acts after the n-th (kills the backend, or
blocks so the test can SIGKILL the process), or the test holds a lock on
`stage_runs` that the workers wait for.
"""
from __future__ import annotations

import signal
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import psycopg2
import pytest

from storywatch import stages as pipeline
from storywatch.settings import Settings
from storywatch.sources.ingest import ingest_paths
from storywatch.store import db
from storywatch.store.stagework import PendingVersion, Stage
from storywatch.tracking.sync import sync_seed_threads
from tests.ownserver import (
    assert_same_contents,
    create_database,
    drop_databases,
    error_lines,
    leaked_failures,
    lock_waiters,
    other_backends,
    start_cli,
    start_python,
    table_contents,
    table_counts,
    wait_for,
    write_articles,
)

pytestmark = [pytest.mark.integration, pytest.mark.slow]

ARTICLES = 10
BATCH = 4


class CountingStage:
    """A real stage whose writes are counted; `after_write(n)` runs after the n-th one."""

    def __init__(self, inner: Stage, after_write: Callable[[int, db.Connection], None]) -> None:
        self.inner = inner
        self.name = inner.name
        self.version = inner.version
        self.writes = 0
        self.after_write = after_write

    def prepare(self, versions: Sequence[PendingVersion]) -> list[Any]:
        return self.inner.prepare(versions)

    def write(self, conn: db.Connection, version: PendingVersion, prepared: Any) -> None:
        self.inner.write(conn, version, prepared)
        self.writes += 1
        self.after_write(self.writes, conn)

    def finish_batch(self, conn: db.Connection) -> None:
        self.inner.finish_batch(conn)

    def finish_run(self, conn: db.Connection) -> None:
        self.inner.finish_run(conn)


@pytest.fixture(scope="module")
def articles(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("articles")
    write_articles(folder, ARTICLES)
    return folder


def loaded(make_database: Callable[[], str], articles: Path) -> str:
    """A new database with the articles ingested (same ids in every such database)."""
    url = make_database()
    conn = db.connect(url)
    sync_seed_threads(conn, Settings.from_env().seeds_dir)  # so the track stage has work
    report = ingest_paths(conn, [articles])
    assert len(report.new_versions) == ARTICLES and not report.failed
    conn.close()
    return url


LIVE = {"developments": "withdrawn_at is null"}


def final_state(url: str) -> dict[str, Any]:
    """Rows per table, every table's contents, and its contents without withdrawn developments."""
    conn = db.connect(url)
    try:
        with conn.cursor() as cur:
            cur.execute("select count(*) from developments where withdrawn_at is null")
            live = cur.fetchone()[0]
        return {"counts": table_counts(conn), "contents": table_contents(conn),
                "live_contents": table_contents(conn, where=LIVE), "live_developments": live}
    finally:
        conn.close()


@pytest.fixture(scope="module")
def reference(own_server, articles: Path) -> Iterator[dict[str, Any]]:
    """The state after one uninterrupted run of every stage over the articles."""
    url = loaded(lambda: create_database(own_server), articles)
    try:
        conn = db.connect(url)
        results = pipeline.process_pending(conn, batch_size=BATCH)
        conn.close()
        assert results and all(c["failed"] == 0 for c in results.values()), results
        state = final_state(url)
    finally:
        drop_databases(own_server, [url])
    empty = [t for t in ("claims", "entity_mentions", "observations", "developments",
                         "copy_signatures") if not state["counts"].get(t)]
    assert not empty, f"the reference run wrote nothing to {empty}: the comparison would prove little"
    yield state


ROWS_PER_VERSION = """
select c.table_name from information_schema.columns as c
join information_schema.tables as t using (table_schema, table_name)
where c.table_schema = 'public' and c.column_name = 'document_version_id'
  and t.table_type = 'BASE TABLE' and c.table_name <> 'document_versions'
"""


def rows_per_version(conn: db.Connection) -> dict[tuple[str, int], int]:
    """Rows of every table with a document_version_id, per (table, version)."""
    counts: dict[tuple[str, int], int] = {}
    with conn.cursor() as cur:
        cur.execute(ROWS_PER_VERSION)
        for (table,) in cur.fetchall():
            cur.execute(psycopg2.sql.SQL(
                "select document_version_id, count(*) from {} group by 1").format(
                psycopg2.sql.Identifier(table)))
            counts.update({(table, int(v)): int(n) for v, n in cur.fetchall() if v is not None})
    conn.rollback()
    return counts


def test_backend_killed_mid_batch_leaves_no_half_item_and_the_rerun_matches_a_clean_run(
    fresh_database, articles, reference, monkeypatch
):
    url = loaded(fresh_database, articles)
    admin = db.connect(url)
    before = rows_per_version(admin)

    def kill_own_backend(writes: int, conn: db.Connection) -> None:
        if writes == BATCH + 2:  # the second batch is half written, uncommitted
            with admin.cursor() as cur:
                cur.execute("select pg_terminate_backend(%s, 10000)", (conn.get_backend_pid(),))
                assert cur.fetchone()[0]
            admin.commit()

    real = list(pipeline.STAGE_FACTORIES)
    first_stage = real[0]
    monkeypatch.setattr(pipeline, "STAGE_FACTORIES",
                        [lambda: CountingStage(first_stage(), kill_own_backend), *real[1:]])
    worker = db.connect(url)
    with pytest.raises((psycopg2.OperationalError, psycopg2.InterfaceError)):
        pipeline.process_pending(worker, batch_size=BATCH)
    worker.close()

    with admin.cursor() as cur:
        cur.execute("select document_version_id, status from stage_runs")
        finished = dict(cur.fetchall())
    admin.rollback()
    assert len(finished) == BATCH and set(finished.values()) == {"done"}, finished
    after = rows_per_version(admin)
    for table, version in after.keys() | before.keys():
        if version not in finished:
            assert after.get((table, version), 0) == before.get((table, version), 0), (
                f"{table} kept rows of version {version}, whose batch was cut")
    admin.close()

    monkeypatch.setattr(pipeline, "STAGE_FACTORIES", real)
    rerun = db.connect(url)
    results = pipeline.process_pending(rerun, batch_size=BATCH)
    rerun.close()
    first = results[first_stage().name]
    assert first == {"done": ARTICLES - BATCH, "skipped": 0, "failed": 0}, results
    resumed = final_state(url)
    assert resumed["counts"] == reference["counts"]
    assert_same_contents(resumed["contents"], reference["contents"])


def test_cli_reports_a_connection_lost_mid_batch_in_one_line_and_the_rerun_completes(
    fresh_database, articles, reference
):
    url = loaded(fresh_database, articles)
    holder = db.connect(url)
    with holder.cursor() as cur:  # the worker's first stage_runs write will wait for this
        cur.execute("lock table stage_runs in share mode")
    # one worker: the test cuts the one connection that waits on the lock
    worker = start_cli(url, "process", "--workers", "1", "--batch-size", str(BATCH))
    wait_for(lambda: lock_waiters(url) == 1, "the worker to wait on stage_runs")
    with holder.cursor() as cur:
        cur.execute("select pg_terminate_backend(pid, 10000) from pg_stat_activity"
                    " where datname = current_database() and wait_event_type = 'Lock'")
    holder.rollback()
    out, err = worker.communicate(timeout=120)
    assert worker.returncode == 1, (out, err)
    lines = error_lines(err)
    assert len(lines) == 1 and "lost the database connection" in lines[0], err
    assert "Traceback" not in err
    assert table_counts(holder)["stage_runs"] == 0
    holder.close()

    again = start_cli(url, "process", "--batch-size", str(BATCH))
    out, err = again.communicate(timeout=300)
    assert again.returncode == 0, err
    assert not leaked_failures(err)
    resumed = final_state(url)
    assert resumed["counts"] == reference["counts"]
    assert_same_contents(resumed["contents"], reference["contents"])


BLOCKING_WORKER = """
import sys
from storywatch.store import db
from storywatch import stages as pipeline

real = list(pipeline.STAGE_FACTORIES)

class Blocking:
    def __init__(self, inner):
        self.inner, self.name, self.version, self.writes = inner, inner.name, inner.version, 0
    def prepare(self, versions):
        return self.inner.prepare(versions)
    def write(self, conn, version, prepared):
        self.inner.write(conn, version, prepared)
        self.writes += 1
        if self.writes == int(sys.argv[1]):
            print("blocked", conn.get_backend_pid(), flush=True)
            sys.stdin.readline()  # until killed
    def finish_batch(self, conn):
        self.inner.finish_batch(conn)
    def finish_run(self, conn):
        self.inner.finish_run(conn)

pipeline.STAGE_FACTORIES = [lambda: Blocking(real[0]()), *real[1:]]
with db.session() as conn:
    pipeline.process_pending(conn, batch_size=int(sys.argv[2]))
"""


def test_worker_killed_mid_batch_then_run_again_gives_the_clean_run_result(
    fresh_database, articles, reference
):
    url = loaded(fresh_database, articles)
    script = BLOCKING_WORKER.replace("sys.argv[1]", str(BATCH + 2)).replace(
        "sys.argv[2]", str(BATCH))
    worker = start_python(url, script)
    assert worker.stdout is not None
    line = worker.stdout.readline()
    assert line.startswith("blocked"), worker.stderr.read() if worker.stderr else line
    worker.send_signal(signal.SIGKILL)
    worker.wait(timeout=30)
    probe = db.connect(url)
    wait_for(lambda: other_backends(url, probe) == 0, "the killed worker's session to end", 30)
    # the first batch only, through every stage (the stages take turns, a batch each)
    assert table_counts(probe)["stage_runs"] == BATCH * len(pipeline.STAGE_FACTORIES)
    probe.close()

    again = start_cli(url, "process", "--batch-size", str(BATCH))
    out, err = again.communicate(timeout=300)
    assert again.returncode == 0, err
    resumed = final_state(url)
    assert resumed["counts"] == reference["counts"]
    assert_same_contents(resumed["contents"], reference["contents"])


def test_two_workers_at_once_handle_each_version_once_with_the_result_of_one_worker(
    fresh_database, articles, reference
):
    url = loaded(fresh_database, articles)
    holder = db.connect(url)
    with holder.cursor() as cur:  # both workers start, claim and wait here: they overlap
        cur.execute("lock table stage_runs in share mode")
    # One version per claim: the most interleaving two workers can have.
    workers = [start_cli(url, "process", "--workers", "1", "--batch-size", "1") for _ in range(2)]
    wait_for(lambda: lock_waiters(url) == 2, "both workers to wait on stage_runs", 240)
    holder.rollback()
    outputs = [w.communicate(timeout=600) for w in workers]
    per_stage: dict[str, list[int]] = {}
    for worker, (out, err) in zip(workers, outputs, strict=True):
        assert worker.returncode == 0, err
        assert not leaked_failures(err), err
        for line in out.splitlines():
            stage, _, rest = line.partition(": ")
            numbers = [int(part.split()[0]) for part in rest.split(", ")] if rest else []
            if len(numbers) == 3:
                per_stage.setdefault(stage, []).append(sum(numbers))
    assert per_stage and all(len(v) == 2 for v in per_stage.values()), outputs
    first = next(iter(per_stage.values()))
    assert all(n > 0 for n in first), f"both workers must have worked: {per_stage}"
    for stage, handled in per_stage.items():
        assert sum(handled) == ARTICLES, f"{stage}: {handled} handled, {ARTICLES} versions"
    with holder.cursor() as cur:
        cur.execute("select stage, count(*), count(distinct document_version_id),"
                    " count(*) filter (where status <> 'done') from stage_runs group by stage")
        for stage, rows, distinct, not_done in cur.fetchall():
            assert rows == distinct == ARTICLES and not_done == 0, stage
    # The rows are those of one worker. A worker that tracks a version before another worker
    # has committed an earlier one records developments a later replay no longer yields; as
    # nobody was alerted of them (alerts wait for the tracking horizon), the replay deletes
    # them, so even the developments table ends as one worker leaves it.
    holder.close()
    together = final_state(url)
    assert together["counts"] == reference["counts"]
    assert together["live_developments"] == reference["live_developments"]
    assert_same_contents(together["contents"], reference["contents"])


def test_ingest_cut_by_a_lost_connection_reports_it_and_the_rerun_stores_each_file_once(
    fresh_database, articles
):
    url = fresh_database()
    holder = db.connect(url)
    with holder.cursor() as cur:
        cur.execute("select count(*) from documents")  # nothing yet
        cur.execute("lock table document_versions in share mode")  # the first version waits
    ingest = start_cli(url, "ingest", str(articles))
    wait_for(lambda: lock_waiters(url) == 1, "ingest to wait on document_versions")
    with holder.cursor() as cur:
        cur.execute("select pg_terminate_backend(pid, 10000) from pg_stat_activity"
                    " where datname = current_database() and wait_event_type = 'Lock'")
    holder.rollback()
    out, err = ingest.communicate(timeout=120)
    assert ingest.returncode == 1 and "Traceback" not in err, (out, err)
    assert len(error_lines(err)) == 1 and "lost the database connection" in err
    counts = table_counts(holder)
    assert counts["documents"] == counts["document_versions"] == 0  # the cut file left nothing

    again = start_cli(url, "ingest", str(articles))
    out, err = again.communicate(timeout=120)
    assert again.returncode == 0, err
    twice = start_cli(url, "ingest", str(articles))
    twice.communicate(timeout=120)
    counts = table_counts(holder)
    holder.close()
    assert counts["documents"] == counts["document_versions"] == ARTICLES
    assert counts["item_errors"] == 0


def test_version_arriving_while_a_worker_tracks_waits_for_extraction_and_is_tracked_with_its_claims(
    fresh_database, tmp_path, monkeypatch
):
    folder = tmp_path / "articles"
    paths = write_articles(folder, ARTICLES + 1)
    late = paths.pop()
    late.rename(tmp_path / late.name)
    late = tmp_path / late.name

    def reference_url() -> str:
        url = loaded(fresh_database, folder)
        conn = db.connect(url)
        assert ingest_paths(conn, [late]).new_versions
        pipeline.process_pending(conn, batch_size=BATCH)
        conn.close()
        return url

    expected = final_state(reference_url())

    url = loaded(fresh_database, folder)
    poller = db.connect(url)

    def a_poll_commits_a_new_version(writes: int, conn: db.Connection) -> None:
        if writes == 1:  # the worker is in its track stage when the poll stores an article
            assert ingest_paths(poller, [late]).new_versions

    real = list(pipeline.STAGE_FACTORIES)
    track = real[-1]
    monkeypatch.setattr(pipeline, "STAGE_FACTORIES",
                        [*real[:-1], lambda: CountingStage(track(), a_poll_commits_a_new_version)])
    worker = db.connect(url)
    first = pipeline.process_pending(worker, batch_size=BATCH)
    # The stages take turns: the version stored while the worker tracked is extracted, then
    # tracked, in the same run (its tracked rows are checked against the reference below).
    assert all(counts["done"] == ARTICLES + 1 for counts in first.values()), first
    monkeypatch.setattr(pipeline, "STAGE_FACTORIES", real)
    second = pipeline.process_pending(worker, batch_size=BATCH)
    assert all(counts["done"] == 0 for counts in second.values()), second
    worker.close()
    poller.close()
    resumed = final_state(url)
    assert resumed["counts"] == expected["counts"]
    assert_same_contents(resumed["contents"], expected["contents"])
