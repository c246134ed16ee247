"""Loading `seeds/`: the seed articles, the threads and the feeds, in one call."""
from __future__ import annotations

from pathlib import Path

from storywatch.sources.feeds import FEEDS_FILE, load_feeds_file
from storywatch.sources.ingest import IngestReport, ingest_paths
from storywatch.store.db import Connection


def seed_article_paths(seeds_dir: Path) -> list[Path]:
    """The article files of the seeds folder (not threads.yml or feeds.yml)."""
    return [path for path in sorted(seeds_dir.iterdir()) if path.suffix in (".txt", ".html")]


def load_seed_articles(conn: Connection, seeds_dir: Path) -> IngestReport:
    """Ingest the seed articles; idempotent like every ingest."""
    return ingest_paths(conn, seed_article_paths(seeds_dir))


def load_seeds(conn: Connection, seeds_dir: Path) -> dict[str, int]:
    """Load everything in `seeds/` (articles; threads and feeds as their modules add them)."""
    report = load_seed_articles(conn, seeds_dir)
    new_feeds = load_feeds_file(conn, seeds_dir / FEEDS_FILE)
    from storywatch.tracking.sync import sync_seed_threads

    return {
        "files": len(report.stored) + len(report.failed),
        "new_versions": len(report.new_versions),
        "failed": len(report.failed),
        "new_feeds": new_feeds,
        "threads": sync_seed_threads(conn, seeds_dir),
    }
