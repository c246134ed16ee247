"""`storywatch demo`: the pipeline once, start to finish, on the configured database."""
from __future__ import annotations

from typing import TextIO

from storywatch import db, migrate
from storywatch.seeding import load_seed_articles
from storywatch.settings import Settings

VERSIONS_OF_SEEDS = """
select d.identity, v.version_no, v.document_version_id, coalesce(v.title, ''),
       v.published_at, length(v.body)
from document_versions as v
join documents as d on d.document_id = v.document_id
where d.origin = 'file'
order by d.identity, v.version_no
"""


def run_demo(settings: Settings, out: TextIO) -> int:
    """Migrate, load the seeds, and print what is stored."""
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
    return 0 if report.ok else 1
