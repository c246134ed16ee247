"""Loading `seeds/`: the seed articles, the threads and the feeds, in one call."""
from __future__ import annotations

from pathlib import Path

from storywatch.settings import Settings
from storywatch.sources.discovery import (
    DiscoveryReport,
    parse_templates,
    search_feeds,
    sync_search_feeds,
)
from storywatch.sources.feeds import FEEDS_FILE, load_feeds_file
from storywatch.sources.ingest import IngestReport, ingest_paths
from storywatch.store.db import Connection


def seed_article_paths(seeds_dir: Path) -> list[Path]:
    """The article files of the seeds folder (not threads.yml or feeds.yml)."""
    return [path for path in sorted(seeds_dir.iterdir()) if path.suffix in (".txt", ".html")]


def load_seed_articles(conn: Connection, seeds_dir: Path) -> IngestReport:
    """Ingest the seed articles; idempotent like every ingest."""
    return ingest_paths(conn, seed_article_paths(seeds_dir))


def load_seeds(conn: Connection, seeds_dir: Path, settings: Settings | None = None) -> dict[str, int]:
    """Load everything in `seeds/` (articles, feeds, threads; search feeds if discovery is on)."""
    report = load_seed_articles(conn, seeds_dir)
    new_feeds = load_feeds_file(conn, seeds_dir / FEEDS_FILE)
    from storywatch.tracking.sync import sync_seed_threads

    threads = sync_seed_threads(conn, seeds_dir)
    discovery = sync_discovery(conn, settings or Settings.from_env())
    return {
        "files": len(report.stored) + len(report.failed),
        "new_versions": len(report.new_versions),
        "failed": len(report.failed),
        "new_feeds": new_feeds,
        "threads": threads,
        "search_feeds": discovery.feeds if discovery else 0,
    }


def sync_discovery(conn: Connection, settings: Settings) -> DiscoveryReport | None:
    """Make one search feed per (thread query, STORYWATCH_DISCOVERY_URLS template); commit.

    None, and nothing touched, while the variable is unset: discovery is opt-in. A query
    built from the seed's entities appears once the seed article has been processed, so
    running this again after `storywatch process` adds it.
    """
    templates = parse_templates(settings.discovery_urls)
    if not templates:
        return None
    from storywatch.tracking.discovery import thread_queries
    from storywatch.tracking.threads import read_threads

    queries = thread_queries(conn, read_threads(conn))
    return sync_search_feeds(conn, search_feeds(queries, templates))
