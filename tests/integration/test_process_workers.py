"""`storywatch process` on several worker processes: the same rows as one, each version once."""
from __future__ import annotations

from pathlib import Path

import pytest

from storywatch.settings import Settings
from storywatch.sources.ingest import ingest_paths
from storywatch.workers import process_with_workers
from tests.conftest import count_rows
from tests.integration.test_progress_cli import environment, storywatch

pytestmark = pytest.mark.integration

TIMELINE = Path(__file__).resolve().parents[1] / "fixtures" / "timeline"
# What the stages derive, compared without ids: the rows of one worker and of three must match.
DERIVED = {
    "claims": "select v.document_id, c.kind, c.text, c.speaker_text from claims c"
              " join document_versions v using (document_version_id)",
    "entity_mentions": "select v.document_id, m.start_char, m.text, m.type from entity_mentions m"
                       " join document_versions v using (document_version_id)",
    "observations": "select v.document_id, o.thread_slot_id, o.value_text, o.source_line"
                    " from observations o join document_versions v using (document_version_id)",
    "developments": "select d.thread_slot_id, v.document_id, d.kind, d.value_text, d.withdrawn_at"
                    " is null from developments d join document_versions v"
                    " using (document_version_id)",
    "story_copies": "select document_id, copy_of_document_id, kind from story_copies",
}


def _derived(conn) -> dict[str, list[tuple]]:
    rows = {}
    with conn.cursor() as cur:
        for table, sql in DERIVED.items():
            cur.execute(sql)
            rows[table] = sorted(cur.fetchall(), key=repr)
    conn.rollback()
    return rows


def _reset(conn) -> None:
    with conn.cursor() as cur:
        cur.execute("truncate documents restart identity cascade")
    conn.commit()


@pytest.mark.slow
def test_three_workers_derive_what_one_does_and_process_each_version_once(conn, database_url):
    from storywatch.tracking.sync import sync_seed_threads

    sync_seed_threads(conn, Settings.from_env().seeds_dir)
    articles = sorted(p for p in TIMELINE.glob("*.txt"))
    results = {}
    for workers in (1, 3):
        _reset(conn)
        assert ingest_paths(conn, articles).ok
        counts = process_with_workers(database_url, workers, batch_size=2)
        assert counts["extract"]["done"] + counts["extract"]["skipped"] == len(articles)
        assert counts["extract"]["failed"] == counts["track"]["failed"] == 0
        with conn.cursor() as cur:
            cur.execute("select count(*), count(distinct (document_version_id, stage))"
                        " from stage_runs")
            runs, distinct = cur.fetchone()
        conn.rollback()
        assert runs == distinct == 3 * len(articles)
        results[workers] = _derived(conn)
    assert results[3] == results[1]
    assert results[1]["developments"], "the timeline must move some slot"


def test_the_command_processes_with_workers_and_refuses_a_bad_worker_count(conn, database_url,
                                                                          tmp_path):
    folder = tmp_path / "articles"
    folder.mkdir()
    for n in range(6):
        (folder / f"{n}.txt").write_text(
            f"---\ntitle: Talks {n}\npublished: 2023-05-0{n + 1}\n---\n"
            f"Negotiators met for round {n} of the talks, officials said.\n", encoding="utf-8")
    env = environment(database_url, STORYWATCH_PROCESS_WORKERS="2")
    assert storywatch("ingest", str(folder), env=env).returncode == 0
    result = storywatch("process", env=env)
    assert result.returncode == 0, result.stderr
    assert "extract: 6 done, 0 skipped, 0 failed" in result.stdout
    assert count_rows(conn, "stage_runs") == 18
    refused = storywatch("process", "--workers", "0", env=env)
    assert refused.returncode == 2 and "at least 1" in refused.stderr
    bad = storywatch("process", env=environment(database_url, STORYWATCH_PROCESS_WORKERS="two"))
    assert bad.returncode != 0 and "STORYWATCH_PROCESS_WORKERS must be a whole number" in bad.stderr


def _worker_sessions(conn) -> int:
    with conn.cursor() as cur:
        cur.execute("select count(*) from pg_stat_activity where datname = current_database()"
                    " and application_name = 'storywatch-process'")
        (count,) = cur.fetchone()
    conn.rollback()
    return int(count)


@pytest.mark.slow
def test_workers_end_with_the_command_even_when_it_is_killed(conn, database_url, tmp_path):
    from tests.ownserver import start_cli, wait_for

    folder = tmp_path / "articles"
    folder.mkdir()
    for n in range(150):
        (folder / f"{n:03}.txt").write_text(
            f"---\ntitle: Talks {n}\npublished: 2023-05-{n % 28 + 1:02}\n---\n"
            + " ".join(f"Negotiators met for round {n} of the talks, officials said on day {k}."
                       for k in range(30)) + "\n", encoding="utf-8")
    assert ingest_paths(conn, sorted(folder.glob("*.txt"))).ok
    # both processes hold a connection: the command and the worker it started
    command = start_cli(database_url, "process", "--workers", "2", "--batch-size", "1")
    wait_for(lambda: _worker_sessions(conn) == 2, "the command and its worker to connect", 120)
    command.kill()  # SIGKILL: the command cannot stop its worker itself
    command.wait(timeout=30)
    wait_for(lambda: _worker_sessions(conn) == 0, "the orphaned worker to end", 8)


def test_two_workers_creating_the_same_new_entities_in_other_orders_do_not_deadlock(database_url):
    """Worker A creates X then Y, worker B creates Y then X, interleaved: without one lock
    for creating entities each waits for the other's uncommitted row (a deadlock)."""
    import threading
    import time

    from storywatch.extraction.writes import _create_entity
    from storywatch.store.db import connect

    first, second = connect(database_url), connect(database_url)
    errors: list[BaseException] = []

    def worker_b() -> None:
        try:
            _create_entity(second, "Yara Okafor", "PERSON")
            _create_entity(second, "Xavier Lindqvist", "PERSON")
            second.commit()
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
            second.rollback()

    try:
        _create_entity(first, "Xavier Lindqvist", "PERSON")
        other = threading.Thread(target=worker_b)
        other.start()
        time.sleep(0.5)  # B is now inside its own creation (or waiting to start it)
        _create_entity(first, "Yara Okafor", "PERSON")
        first.commit()
        other.join(timeout=30)
        assert not other.is_alive()
        assert errors == []
        with first.cursor() as cur:
            cur.execute("select count(*) from entities where name in"
                        " ('Xavier Lindqvist', 'Yara Okafor')")
            assert cur.fetchone()[0] == 2
        first.rollback()
    finally:
        first.close()
        second.close()
