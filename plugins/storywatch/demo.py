"""`storywatch demo`: the pipeline once, start to finish, on the configured database."""
from __future__ import annotations

from typing import TextIO

from storywatch import db, migrate
from storywatch.seeding import load_seed_articles
from storywatch.settings import REPO_ROOT, Settings

# Follow-up articles written from ../shared/eval/timeline_facts.md: the story after the seed.
FOLLOW_UPS = REPO_ROOT / "tests" / "fixtures" / "timeline"

VERSIONS_OF_SEEDS = """
select d.identity, v.version_no, v.document_version_id, coalesce(v.title, ''),
       v.published_at, length(v.body)
from document_versions as v
join documents as d on d.document_id = v.document_id
where d.origin = 'file'
order by d.identity, v.version_no
"""


def run_demo(settings: Settings, out: TextIO) -> int:
    """Migrate, load the seeds and follow-up articles, process, and print what moved."""
    with db.session(settings) as conn:
        migrate.upgrade(conn, settings.sql_dir)
        report = load_seed_articles(conn, settings.seeds_dir)
        print(f"seeds: {len(report.stored)} read, {len(report.new_versions)} new versions, "
              f"{len(report.failed)} failed", file=out)
        with conn.cursor() as cur:
            cur.execute(VERSIONS_OF_SEEDS)
            for identity, version_no, version_id, title, published, chars in cur.fetchall():
                day = published.date().isoformat() if published else "no date"
                print(f"  document {identity} v{version_no} (version id {version_id}): "
                      f"{title!r}, {day}, {chars} characters", file=out)
        conn.rollback()
        ok = report.ok and _track_follow_ups(conn, settings, out)
    return 0 if ok else 1


def _track_follow_ups(conn: db.Connection, settings: Settings, out: TextIO) -> bool:
    """Sync the threads, ingest the follow-up articles, process everything, print what moved."""
    from storywatch.ingest import ingest_paths
    from storywatch.pipeline import process_pending
    from storywatch.review import list_developments, render_paths, render_table
    from storywatch.threads import sync_seed_threads

    threads = sync_seed_threads(conn, settings.seeds_dir)
    follow_ups = ingest_paths(conn, [FOLLOW_UPS]) if FOLLOW_UPS.is_dir() else None
    if follow_ups is not None:
        print(f"follow-up articles: {len(follow_ups.stored)} read, "
              f"{len(follow_ups.new_versions)} new versions, {len(follow_ups.failed)} failed",
              file=out)
    results = process_pending(conn)
    for stage, counts in results.items():
        print(f"{stage}: {counts['done']} done, {counts['skipped']} skipped, "
              f"{counts['failed']} failed", file=out)
    print(f"\ndevelopments of the {threads} threads, in publication order:\n", file=out)
    print(render_table(list_developments(conn).rows), file=out)
    print("where each slot went:\n", file=out)
    print(render_paths(conn), file=out)
    failed = sum(counts["failed"] for counts in results.values())
    return failed == 0 and (follow_ups is None or follow_ups.ok)
