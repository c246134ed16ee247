"""`threads sync`: idempotent, and a new thread is a YAML edit that finds its developments."""
from __future__ import annotations

from pathlib import Path

import pytest

from storywatch.seeding import load_seeds
from storywatch.settings import REPO_ROOT, Settings
from storywatch.sources.ingest import ingest_paths
from storywatch.stages import process_pending
from storywatch.store.db import Connection
from storywatch.tracking.sync import sync_threads
from storywatch.tracking.threads import load_threads_file, parse_threads
from tests.conftest import count_rows

pytestmark = pytest.mark.integration

SETTINGS = Settings.from_env()
SHIPPED = REPO_ROOT / "seeds" / "threads.yml"

# The Iran-Russia long-term cooperation agreement the seed reports on: YAML only.
THIRD_THREAD = """
  - slug: iran-russia-pact
    title: "Iran-Russia long-term cooperation agreement"
    description: "The 20-year economic and military cooperation agreement Tehran and Moscow negotiate."
    match:
      all_of:
        - [Iran, Iranian, Tehran]
        - [Russia, Russian, Moscow, Kremlin, Putin]
      any_of:
        - {term: "long-term agreement", weight: 3}
        - {term: "20-year", weight: 2}
        - {term: "framework", weight: 2}
        - {term: "cooperation", weight: 1}
        - {term: "agreement", weight: 1}
        - {term: "settlement", weight: 1}
    slots:
      - name: agreement_status
        type: status
        description: "How far the agreement has come."
        context_any: [agreement, settlement, deal, pact, treaty, accord, framework]
        states:
          - name: proposed
            priority: 1
            phrases: ["pursuing * agreement", "negotiating * agreement", "proposed * agreement"]
          - name: framework_agreed
            priority: 2
            supersedes: [proposed]
            phrases: ["agreed on the framework", "agreed on * framework"]
          - name: signed
            priority: 3
            supersedes: [proposed, framework_agreed]
            phrases: ["signed * agreement", "signed * deal", "deals * signed", "agreement was signed"]
"""


def test_syncing_twice_changes_nothing_and_keeps_tracking_done(conn: Connection) -> None:
    threads = load_threads_file(SHIPPED)
    first = sync_threads(conn, threads)
    assert set(first.added) == {"jcpoa-talks", "ukraine-buildup"}
    with conn.cursor() as cur:
        cur.execute("select slug, synced_at from threads order by slug")
        synced = cur.fetchall()
    load_seeds(conn, SETTINGS.seeds_dir)
    process_pending(conn)
    runs = count_rows(conn, "stage_runs")
    second = sync_threads(conn, threads)
    assert (second.added, second.changed, second.deactivated) == ((), (), ())
    assert count_rows(conn, "stage_runs") == runs
    with conn.cursor() as cur:
        cur.execute("select slug, synced_at from threads order by slug")
        assert cur.fetchall() == synced
    assert count_rows(conn, "thread_slots") == 6


def test_a_changed_definition_re_reads_stored_articles(conn: Connection) -> None:
    load_seeds(conn, SETTINGS.seeds_dir)
    process_pending(conn)
    text = SHIPPED.read_text(encoding="utf-8").replace("[flounder, stall,", "[stall,")
    text = text.replace("impasse, falter,", "impasse,")
    assert text != SHIPPED.read_text(encoding="utf-8")
    report = sync_threads(conn, parse_threads(text))
    assert report.changed == ("jcpoa-talks",)
    results = process_pending(conn)
    assert results["track"]["done"] == 1 and results["extract"]["done"] == 0
    with conn.cursor() as cur:
        cur.execute("select value_text from v_thread_state where slot = 'talks_status'")
        assert cur.fetchone() == (None,)  # no phrase left that says "stalled"


def test_a_thread_dropped_from_the_file_is_deactivated_not_deleted(conn: Connection) -> None:
    threads = load_threads_file(SHIPPED)
    sync_threads(conn, threads)
    report = sync_threads(conn, [t for t in threads if t.slug != "jcpoa-talks"])
    assert report.deactivated == ("jcpoa-talks",)
    with conn.cursor() as cur:
        cur.execute("select distinct thread_slug from v_thread_state")
        assert [r[0] for r in cur.fetchall()] == ["ukraine-buildup"]
        cur.execute("select count(*) from threads")
        assert cur.fetchone()[0] == 2
    conn.rollback()


def test_a_third_thread_added_in_yaml_only_gets_its_developments_from_the_seed(
        conn: Connection, tmp_path: Path) -> None:
    threads_file = tmp_path / "threads.yml"
    threads_file.write_text(SHIPPED.read_text(encoding="utf-8") + THIRD_THREAD, encoding="utf-8")
    report = sync_threads(conn, load_threads_file(threads_file))
    assert "iran-russia-pact" in report.added
    ingest_paths(conn, [SETTINGS.seeds_dir / "000_d3ec237e47cabcad.txt"])
    process_pending(conn)
    with conn.cursor() as cur:
        cur.execute("select slot, kind, value_text, evidence from v_developments "
                    "where thread_slug = 'iran-russia-pact'")
        rows = cur.fetchall()
        cur.execute("select is_relevant from v_thread_relevance "
                    "where thread_slug = 'iran-russia-pact'")
        assert cur.fetchone() == (True,)
    assert len(rows) == 1
    slot, kind, value, evidence = rows[0]
    assert (slot, kind, value) == ("agreement_status", "new", "framework_agreed")
    assert "framework" in evidence
