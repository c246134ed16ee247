"""The fixture timeline through the whole pipeline: exactly the expected developments.

Seed plus tests/fixtures/timeline (follow-up articles written from the real facts
in ../shared/eval/timeline_facts.md, with distractors) are ingested and processed
(extract + track); the developments, slot states and relevance must equal
tests/fixtures/timeline/gold.yml, whatever the order the articles came in.
"""
from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path

import pytest

from storywatch.reports import evaluation
from storywatch.seeding import load_seeds, seed_article_paths
from storywatch.settings import REPO_ROOT, Settings
from storywatch.sources.article_files import find_article_files
from storywatch.sources.ingest import ingest_paths
from storywatch.stages import process_pending
from storywatch.store import db
from storywatch.store.db import Connection
from storywatch.tracking.sync import sync_seed_threads
from tests.conftest import count_rows
from tests.integration.conftest import scratch_database

pytestmark = [pytest.mark.integration, pytest.mark.slow]

SETTINGS = Settings.from_env()
TIMELINE = REPO_ROOT / "tests" / "fixtures" / "timeline"
GOLD = evaluation.load_gold(TIMELINE / "gold.yml")
LABELS = evaluation.file_labels(TIMELINE, SETTINGS.seeds_dir)
TRACKER_TABLES = ("thread_relevance", "observations", "developments", "thread_state",
                  "claims", "document_versions")


def run_timeline(conn: Connection, paths: list[Path] | None = None) -> dict[str, dict[str, int]]:
    """Seed (articles and threads), the timeline articles, then every processing stage."""
    load_seeds(conn, SETTINGS.seeds_dir)
    ingest_paths(conn, paths if paths is not None else [TIMELINE])
    return process_pending(conn)


def development_set(conn: Connection) -> set[tuple[str, ...]]:
    """Developments keyed on what they say, not on ids (which follow ingestion order)."""
    return {(p.file, p.thread, p.slot, p.kind, p.value, p.previous or "")
            for p in evaluation.read_produced(conn, LABELS)}


def gold_set() -> set[tuple[str, ...]]:
    return {(g.file, g.thread, g.slot, g.kind, g.value, g.previous or "")
            for g in GOLD.developments}


@pytest.fixture(scope="module")
def timeline_conn(server_url: str) -> Iterator[Connection]:
    """A database of its own with the whole timeline processed once, for read-only checks."""
    with scratch_database(server_url, "timeline") as url:
        conn = db.connect(url)
        try:
            run_timeline(conn)
            yield conn
        finally:
            conn.close()


def test_the_timeline_yields_exactly_the_expected_developments(timeline_conn: Connection) -> None:
    produced = evaluation.read_produced(timeline_conn, LABELS)
    assert development_set(timeline_conn) == gold_set()
    assert evaluation.details_mismatches(GOLD.developments, produced) == []


def test_background_repeats_distractors_and_copies_flag_nothing(timeline_conn: Connection) -> None:
    moved = {p.file for p in evaluation.read_produced(timeline_conn, LABELS)}
    for quiet in ("01_seed_copy_syndicated.txt", "02_pentagon_alert_8500.txt",
                  "03_austin_briefing.txt", "05_analysis_btg.txt", "10_weekend_explainer.txt",
                  "14_raisi_duma.txt", "15_may_analysis.txt", "18_tehran_smog.txt"):
        assert quiet not in moved
    with timeline_conn.cursor() as cur:
        cur.execute("select count(*) from observations as o join document_versions as v "
                    "using (document_version_id) join documents as d using (document_id) "
                    "where d.identity in %s", (tuple(k for k, v in LABELS.items()
                                                     if v in ("03_austin_briefing.txt",
                                                              "10_weekend_explainer.txt")),))
        assert cur.fetchone()[0] >= 3  # they were read, and corroborated


def test_the_final_state_of_every_slot(timeline_conn: Connection) -> None:
    state = evaluation.read_state(timeline_conn)
    for thread, slots in GOLD.state.items():
        for slot, value in slots.items():
            assert state[thread][slot] == value, (thread, slot)


def test_thread_relevance_matches_the_annotation(timeline_conn: Connection) -> None:
    score = evaluation.score_relevance(timeline_conn, GOLD, LABELS)
    assert score.false_positives == [] and score.false_negatives == []


def test_a_copy_of_the_seed_does_not_count_as_another_source(conn: Connection) -> None:
    run_timeline(conn, [TIMELINE / "01_seed_copy_syndicated.txt",
                        TIMELINE / "02_pentagon_alert_8500.txt"])
    with conn.cursor() as cur:
        cur.execute("select value_text, source_count from v_thread_state "
                    "where thread_slug = 'ukraine-buildup' and slot = 'troop_estimate'")
        # the seed and the Pentagon story agree; the syndicated copy of the seed is not a third
        assert cur.fetchone() == ("about 100,000 troops", 2)
        cur.execute("select count(*), count(development_id) from v_thread_timeline "
                    "where thread_slug = 'ukraine-buildup' and slot = 'troop_estimate'")
        assert cur.fetchone() == (3, 1)
    conn.rollback()


def test_processing_twice_adds_nothing(timeline_conn: Connection) -> None:
    before = {t: count_rows(timeline_conn, t) for t in TRACKER_TABLES}
    with timeline_conn.cursor() as cur:
        cur.execute("select development_id, kind, detected_at, updated_at from developments "
                    "order by 1")
        developments = cur.fetchall()
    timeline_conn.rollback()
    results = process_pending(timeline_conn)
    assert all(counts["done"] == 0 for counts in results.values())
    # Re-track every version from scratch (as a new tracker version would): same rows, same ids.
    with timeline_conn.cursor() as cur:
        cur.execute("delete from stage_runs where stage = 'track'")
    timeline_conn.commit()
    results = process_pending(timeline_conn)
    assert results["track"]["done"] == before["document_versions"]
    assert {t: count_rows(timeline_conn, t) for t in TRACKER_TABLES} == before
    with timeline_conn.cursor() as cur:
        cur.execute("select development_id, kind, detected_at, updated_at from developments "
                    "order by 1")
        assert cur.fetchall() == developments
    timeline_conn.rollback()


def timeline_positions(conn: Connection) -> dict[tuple[str, str], list[tuple[str, str, str]]]:
    """Each slot's observations in stored timeline order, keyed on what they are."""
    with conn.cursor() as cur:
        cur.execute("select thread_slug, slot, url, value_text, source_line, timeline_position "
                    "from v_thread_timeline order by thread_slug, slot, timeline_position")
        rows = cur.fetchall()
    conn.rollback()
    slots: dict[tuple[str, str], list[tuple[str, str, str]]] = {}
    for slug, slot, url, value, line, position in rows:
        entries = slots.setdefault((slug, slot), [])
        assert position == len(entries) + 1, f"{slug}/{slot}: position {position} out of turn"
        entries.append((url, value, line))
    return slots


def test_shuffled_ingestion_ends_in_the_same_state_and_developments(
        conn: Connection, timeline_conn: Connection) -> None:
    files = [path for path, _ in find_article_files([TIMELINE])]
    random.Random(20220224).shuffle(files)
    load_seeds(conn, SETTINGS.seeds_dir)
    # Three arrivals, each processed before the next: late articles land in the past.
    for chunk in (files[:6], files[6:12], files[12:]):
        for path in chunk:
            ingest_paths(conn, [path])
        process_pending(conn)
    assert development_set(conn) == gold_set()
    state = evaluation.read_state(conn)
    assert {(t, s): v for t, slots in state.items() for s, v in slots.items()} == {
        (t, s): v for t, slots in GOLD.state.items() for s, v in slots.items()}
    # late articles took their place in the past: the stored positions were renumbered, 1..n
    # per slot, exactly as when every article came at once
    assert timeline_positions(conn) == timeline_positions(timeline_conn)


@pytest.mark.parametrize("order", ["reversed", "shuffled-1", "shuffled-2"])
def test_articles_one_at_a_time_in_any_order_seed_included_give_the_same_developments(
        conn: Connection, order: str) -> None:
    """The developments are a function of the set of articles: streamed one by one in reverse
    (the seed last, after its copies and follow-ups) or shuffled, they equal the gold."""
    sync_seed_threads(conn, SETTINGS.seeds_dir)
    files = [path for path, _ in find_article_files([TIMELINE])]
    files += seed_article_paths(SETTINGS.seeds_dir)
    files.sort(key=lambda p: p.name)
    if order == "reversed":
        files.reverse()
        files.append(files.pop(files.index(seed_article_paths(SETTINGS.seeds_dir)[0])))
    else:
        random.Random(order).shuffle(files)
    for path in files:
        ingest_paths(conn, [path])
        process_pending(conn)
    assert development_set(conn) == gold_set()


def test_every_figure_read_for_a_slot_says_whether_it_was_taken_and_why_not(
        timeline_conn: Connection) -> None:
    with timeline_conn.cursor() as cur:
        cur.execute("select taken, reason, frame_kind, thread_slug, slot from v_figure_readings")
        rows = cur.fetchall()
        cur.execute("select count(*) from observations where claim_id is not null")
        observed = cur.fetchone()[0]
    timeline_conn.rollback()
    assert all(taken or reason for taken, reason, *_ in rows)
    assert sum(1 for taken, *_ in rows if taken) == observed
    set_aside = {(kind, reason) for taken, reason, kind, _, slot in rows
                 if not taken and slot == "troop_estimate"}
    assert ("per_unit", "a size per unit, not a total") in set_aside


def test_a_slots_timeline_read_page_by_page_is_the_whole_timeline_newest_first(
        timeline_conn: Connection) -> None:
    with timeline_conn.cursor() as cur:
        cur.execute("select observation_id from v_thread_timeline where thread_slug = "
                    "'ukraine-buildup' and slot = 'troop_estimate' order by timeline_position desc")
        whole = [row[0] for row in cur.fetchall()]
        paged: list[int] = []
        before = None
        while True:
            cur.execute("select observation_id, timeline_position from thread_timeline_page("
                        "'ukraine-buildup', 'troop_estimate', %s, 3)", (before,))
            page = cur.fetchall()
            if not page:
                break
            assert len(page) <= 3
            paged += [row[0] for row in page]
            before = page[-1][1]
        cur.execute("select count(*) from thread_timeline_page('no-such-thread', 'troop_estimate')")
        assert cur.fetchone()[0] == 0
    timeline_conn.rollback()
    assert len(whole) > 6 and paged == whole
