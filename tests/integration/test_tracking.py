"""The track stage on edited articles, new extractor versions, reviews and odd input."""
from __future__ import annotations

from pathlib import Path

import pytest

from storywatch.errors import StorywatchError
from storywatch.extraction import stage as extract
from storywatch.seeding import load_seeds
from storywatch.settings import REPO_ROOT, Settings
from storywatch.sources.ingest import ingest_paths
from storywatch.stages import process_pending
from storywatch.store.db import Connection
from storywatch.tracking.review import list_developments, review_development
from tests.conftest import count_rows

pytestmark = pytest.mark.integration

SETTINGS = Settings.from_env()
TIMELINE = REPO_ROOT / "tests" / "fixtures" / "timeline"
ESTIMATE = TIMELINE / "06_us_estimate_130k.txt"


def troop_state(conn: Connection) -> tuple[str | None, int | None]:
    with conn.cursor() as cur:
        cur.execute("select value_text, source_count from v_thread_state "
                    "where thread_slug = 'ukraine-buildup' and slot = 'troop_estimate'")
        row = cur.fetchone()
    conn.rollback()
    return row  # type: ignore[return-value]


def developments(conn: Connection) -> list[tuple[object, ...]]:
    with conn.cursor() as cur:
        cur.execute("select development_id, slot, kind, value_text, previous_value_text, status "
                    "from v_developments order by development_id")
        rows = cur.fetchall()
    conn.rollback()
    return rows


def test_an_edited_article_that_changes_its_figure_is_a_revision(conn: Connection,
                                                                 tmp_path: Path) -> None:
    article = tmp_path / "estimate.txt"
    text = ESTIMATE.read_text(encoding="utf-8")
    article.write_text(text, encoding="utf-8")
    load_seeds(conn, SETTINGS.seeds_dir)
    ingest_paths(conn, [article])
    process_pending(conn)
    article.write_text(text.replace("more than 130,000 troops", "more than 140,000 troops"),
                       encoding="utf-8")
    ingest_paths(conn, [article])
    process_pending(conn)
    moves = [(slot, kind, value, previous) for _, slot, kind, value, previous, _ in
             developments(conn) if slot == "troop_estimate"]
    assert moves == [
        ("troop_estimate", "new", "about 100,000 troops", None),
        ("troop_estimate", "update", "more than 130,000 troops", "about 100,000 troops"),
        ("troop_estimate", "revision", "more than 140,000 troops", "more than 130,000 troops"),
    ]
    assert troop_state(conn)[0] == "more than 140,000 troops"


def test_a_new_extractor_version_re_derives_without_duplicates(
        conn: Connection, monkeypatch: pytest.MonkeyPatch) -> None:
    load_seeds(conn, SETTINGS.seeds_dir)
    ingest_paths(conn, [ESTIMATE])
    process_pending(conn)
    before = developments(conn)
    counts = {t: count_rows(conn, t) for t in ("observations", "developments", "thread_state",
                                                "thread_relevance")}
    monkeypatch.setattr(extract, "EXTRACTOR_VERSION", extract.EXTRACTOR_VERSION + "-next")
    results = process_pending(conn)
    assert results["extract"]["done"] == 2 and results["track"]["done"] == 2
    assert developments(conn) == before
    assert {t: count_rows(conn, t) for t in counts} == counts


def test_a_dismissed_value_never_becomes_the_state_and_reviews_keep_who_and_when(
        conn: Connection) -> None:
    load_seeds(conn, SETTINGS.seeds_dir)
    ingest_paths(conn, [ESTIMATE])
    process_pending(conn)
    assert troop_state(conn)[0] == "more than 130,000 troops"
    (update_id,) = [d[0] for d in developments(conn) if d[2] == "update" and d[1] == "troop_estimate"]
    (new_id,) = [d[0] for d in developments(conn) if d[2] == "new" and d[1] == "troop_estimate"]

    review_development(conn, update_id, "dismiss", reviewed_by="analyst-a",
                       reason="estimate not confirmed")
    review_development(conn, new_id, "confirm", reviewed_by="analyst-b")
    assert troop_state(conn)[0] == "about 100,000 troops"
    shown = {row["development_id"] for row in list_developments(conn).rows}
    assert update_id not in shown and new_id in shown
    everything = {row["development_id"]: row for row in
                  list_developments(conn, include_dismissed=True).rows}
    assert everything[update_id]["status"] == "dismissed"
    assert everything[update_id]["reviewed_by"] == "analyst-a"
    assert everything[update_id]["review_reason"] == "estimate not confirmed"
    assert everything[update_id]["reviewed_at"] is not None
    assert everything[new_id]["status"] == "confirmed"

    # Re-reading every article (new definitions, new extractor) does not bring it back.
    with conn.cursor() as cur:
        cur.execute("delete from stage_runs where stage = 'track'")
    conn.commit()
    process_pending(conn)
    assert troop_state(conn)[0] == "about 100,000 troops"
    assert everything.keys() == {row["development_id"] for row in
                                 list_developments(conn, include_dismissed=True).rows}

    review_development(conn, update_id, "reopen", reviewed_by="analyst-a")
    assert troop_state(conn)[0] == "more than 130,000 troops"
    assert count_rows(conn, "development_reviews") == 3


def test_a_review_written_in_sql_sets_the_status_and_deleting_it_restores_the_previous(
        conn: Connection) -> None:
    """The status lives on the development (for the index that pages the latest ones), kept
    by the database whoever writes the review: not only storywatch review."""
    load_seeds(conn, SETTINGS.seeds_dir)
    ingest_paths(conn, [ESTIMATE])
    process_pending(conn)
    development_id = developments(conn)[0][0]
    with conn.cursor() as cur:
        cur.execute("insert into development_reviews (development_id, action, reviewed_by, "
                    "reviewed_at) values (%s, 'confirm', 'a', now() - interval '1 hour')",
                    (development_id,))
        cur.execute("insert into development_reviews (development_id, action, reason, "
                    "reviewed_by) values (%s, 'dismiss', 'misread', 'b') "
                    "returning development_review_id", (development_id,))
        dismissal = cur.fetchone()[0]  # type: ignore[index]
    conn.commit()
    shown = {row[0]: row[5] for row in developments(conn)}
    assert shown[development_id] == "dismissed"
    with conn.cursor() as cur:
        cur.execute("delete from development_reviews where development_review_id = %s",
                    (dismissal,))
    conn.commit()
    shown = {row[0]: row[5] for row in developments(conn)}
    assert shown[development_id] == "confirmed"
    with conn.cursor() as cur:
        cur.execute("delete from development_reviews")
    conn.commit()
    assert {row[0]: row[5] for row in developments(conn)}[development_id] == "open"


def test_dismissing_needs_a_reason_and_an_existing_development(conn: Connection) -> None:
    with pytest.raises(StorywatchError, match="needs a reason"):
        review_development(conn, 1, "dismiss", reviewed_by="a", reason=" ")
    with pytest.raises(StorywatchError, match="no development 999"):
        review_development(conn, 999, "confirm", reviewed_by="a")


def test_an_article_without_a_date_is_placed_by_ingestion_time(conn: Connection,
                                                               tmp_path: Path) -> None:
    undated = tmp_path / "undated.txt"
    undated.write_text(ESTIMATE.read_text(encoding="utf-8").replace(
        "published: 2022-02-13T16:20:00Z\n", ""), encoding="utf-8")
    load_seeds(conn, SETTINGS.seeds_dir)
    ingest_paths(conn, [undated])
    process_pending(conn)
    with conn.cursor() as cur:
        cur.execute("select published_at, ordered_at is not null, kind from v_developments "
                    "where slot = 'troop_estimate' and value_text like 'more than 130,000%'")
        assert cur.fetchone() == (None, True, "update")
    conn.rollback()


def test_hostile_text_is_tracked_or_skipped_without_stopping_the_batch(conn: Connection,
                                                                       tmp_path: Path) -> None:
    (tmp_path / "a_script.txt").write_text(
        "---\ntitle: \"<script>alert(1)</script> Russia Ukraine troops\"\n"
        "published: 2022-02-14\n---\n" + "Russia; Ukraine: troops? " * 3000 + "\n",
        encoding="utf-8")
    (tmp_path / "b_quotes.txt").write_text(
        "---\npublished: 2022-02-14\n---\n\u201cRussia \u201cUkraine \u201c invasion "
        "9" * 400 + " troops\n", encoding="utf-8")
    load_seeds(conn, SETTINGS.seeds_dir)
    ingest_paths(conn, [tmp_path, ESTIMATE])
    results = process_pending(conn)
    assert results["track"]["failed"] == 0
    assert troop_state(conn)[0] == "more than 130,000 troops"


def test_two_workers_tracking_at_once_handle_each_version_once(conn: Connection,
                                                               database_url: str) -> None:
    import threading

    from storywatch.store import db
    from storywatch.store.stagework import run_stage
    from storywatch.tracking.stage import TrackStage

    load_seeds(conn, SETTINGS.seeds_dir)
    ingest_paths(conn, [TIMELINE / name for name in (
        "04_sanctions_waiver.txt", "06_us_estimate_130k.txt", "07_russia_units_return.txt",
        "08_biden_not_verified.txt", "12_iaea_march_report.txt", "13_talks_paused.txt")])
    run_stage(conn, extract.ExtractStage())
    outcomes: list[dict[str, int]] = []
    errors: list[BaseException] = []

    def work() -> None:
        worker = db.connect(database_url)
        try:
            outcomes.append(run_stage(worker, TrackStage(), batch_size=1).as_dict())
        except BaseException as exc:  # the test reports it below
            errors.append(exc)
        finally:
            worker.close()

    workers = [threading.Thread(target=work) for _ in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
    assert errors == []
    assert sum(o["done"] for o in outcomes) == 7 and sum(o["failed"] for o in outcomes) == 0
    moves = {(slot, kind, value) for _, slot, kind, value, _, _ in developments(conn)}
    assert ("withdrawal_claim", "update", "disputed") in moves
    assert ("talks_status", "update", "paused") in moves
    assert ("troop_estimate", "update", "more than 150,000 troops") in moves
    assert len(moves) == count_rows(conn, "developments")


def test_two_batches_retracking_one_slot_wait_for_each_other_instead_of_deadlocking(
        conn: Connection, database_url: str) -> None:
    """Worker A re-tracks the latest article of a slot (deleting and rewriting its
    observations) and has not replayed the slot yet; worker B tracks an earlier article of the
    same slot, so its replay renumbers every later observation, A's deleted ones included.
    Waiting only for each other's replay, B held the replay lock and waited for A's rows while
    A waited for the lock: a deadlock (found by the chaos soak). B must wait for A's batch."""
    import threading
    import time

    from storywatch.seeding import seed_article_paths
    from storywatch.store import db
    from storywatch.store.stagework import PendingVersion, run_stage
    from storywatch.tracking.stage import TrackStage
    from storywatch.tracking.sync import sync_seed_threads

    sync_seed_threads(conn, SETTINGS.seeds_dir)
    ingest_paths(conn, [ESTIMATE])
    process_pending(conn)
    ingest_paths(conn, seed_article_paths(SETTINGS.seeds_dir))  # earlier: 19 January
    run_stage(conn, extract.ExtractStage())
    conn.commit()
    with conn.cursor() as cur:
        cur.execute("select document_version_id, document_id, version_no, title, body, "
                    "published_at, ordered_at from document_versions order by ordered_at")
        seed, estimate = (PendingVersion(*row) for row in cur.fetchall())
    conn.rollback()

    worker_a = db.connect(database_url)
    worker_b = db.connect(database_url)
    errors: list[BaseException] = []
    try:
        stage_a, stage_b = TrackStage(), TrackStage()
        stage_a.write(worker_a, estimate, stage_a.prepare([estimate])[0])  # A's batch, open

        def batch_b() -> None:
            try:
                stage_b.write(worker_b, seed, stage_b.prepare([seed])[0])
                stage_b.finish_batch(worker_b)
                worker_b.commit()
                stage_b.finish_run(worker_b)  # replays the slot
            except BaseException as exc:  # noqa: BLE001 - reported to the test below
                errors.append(exc)
                worker_b.rollback()

        thread = threading.Thread(target=batch_b)
        thread.start()
        deadline, waiting = time.monotonic() + 10, 0
        while time.monotonic() < deadline and not waiting:
            with conn.cursor() as cur:
                cur.execute("select count(*) from pg_stat_activity where pid = %s"
                            " and wait_event_type = 'Lock'", (worker_b.get_backend_pid(),))
                waiting = cur.fetchone()[0]  # type: ignore[index]
            conn.rollback()
            time.sleep(0.05)
        assert waiting, "worker B never waited for worker A"
        try:
            stage_a.finish_batch(worker_a)
            worker_a.commit()
            stage_a.finish_run(worker_a)  # A replays at the end of its run
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)
        thread.join(30)
        assert not thread.is_alive() and not errors, errors
    finally:
        worker_a.close()
        worker_b.close()
    with conn.cursor() as cur:
        cur.execute("select value_text from v_thread_timeline where slot = 'troop_estimate'"
                    " order by timeline_position")
        assert [r[0] for r in cur.fetchall()][-1].startswith("more than 130,000")
    conn.rollback()


def test_slots_touched_by_a_run_killed_before_its_replays_are_replayed_by_the_next_run(
        conn: Connection) -> None:
    """The batches mark the slots they touch in their own transactions; the replays come at
    the end of the run. A run that dies in between leaves the marks, not a stale timeline."""
    from storywatch.store.stagework import StageCounts, run_one_batch, run_stage
    from storywatch.tracking.stage import TrackStage

    load_seeds(conn, SETTINGS.seeds_dir)
    ingest_paths(conn, [ESTIMATE])
    run_stage(conn, extract.ExtractStage())
    track = TrackStage()
    while run_one_batch(conn, track, 8, None, StageCounts()):
        pass  # every batch committed; the run "dies" before finish_run
    with conn.cursor() as cur:
        cur.execute("select count(*) from thread_slots where replay_pending")
        marked = cur.fetchone()[0]  # type: ignore[index]
    conn.rollback()
    assert marked > 0 and developments(conn) == []

    assert process_pending(conn)["track"] == {"done": 0, "skipped": 0, "failed": 0}
    assert troop_state(conn)[0] == "more than 130,000 troops"
    with conn.cursor() as cur:
        cur.execute("select count(*) from thread_slots where replay_pending")
        assert cur.fetchone()[0] == 0  # type: ignore[index]
    conn.rollback()


def test_a_replay_rewrites_every_development_that_differs_from_what_it_yields(
        conn: Connection) -> None:
    """A replay writes only the developments that changed; one edited behind its back (or
    withdrawn) differs, so it is written back, and one it no longer yields is dropped."""
    from storywatch.tracking.stage import recompute_slot

    load_seeds(conn, SETTINGS.seeds_dir)
    ingest_paths(conn, [TIMELINE])
    process_pending(conn)
    before = developments(conn)
    with conn.cursor() as cur:
        cur.execute("select thread_slot_id, min(development_id), max(development_id) "
                    "from developments group by 1 order by count(*) desc limit 1")
        slot_id, first, last = cur.fetchone()
        cur.execute("update developments set kind = 'conflict', evidence = 'edited' "
                    "where development_id = %s", (first,))
        cur.execute("update developments set withdrawn_at = now() where development_id = %s",
                    (last,))
        cur.execute("insert into developments (thread_slot_id, document_version_id, value_key, "
                    "kind, value_text, attributed_to, source_line, evidence, ordered_at) "
                    "select thread_slot_id, document_version_id, 'stray', 'update', 'stray', "
                    "attributed_to, source_line, evidence, ordered_at from developments "
                    "where development_id = %s", (first,))
    conn.commit()
    recompute_slot(conn, slot_id)
    conn.commit()
    assert developments(conn) == before
    with conn.cursor() as cur:
        cur.execute("select count(*) from developments where value_key = 'stray'")
        assert cur.fetchone()[0] == 0
    conn.rollback()
