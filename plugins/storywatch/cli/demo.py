"""`storywatch demo`: the pipeline once, start to finish, on the configured database."""
from __future__ import annotations

from typing import TYPE_CHECKING, TextIO

from storywatch.seeding import load_seed_articles
from storywatch.settings import REPO_ROOT, Settings
from storywatch.store import db, migrate

if TYPE_CHECKING:
    from storywatch.cli.demo_site import DemoSite
    from storywatch.web.fetch import Fetcher

# Follow-up articles written from ../shared/eval/timeline_facts.md: the story after the seed.
FOLLOW_UPS = REPO_ROOT / "tests" / "fixtures" / "timeline"
PARK_DEMO_FEEDS = """
update feeds set active = false, deactivated_at = now(),
    deactivated_reason = 'storywatch demo feed: its loopback site only runs during the demo'
where feed_id = any(%s)
"""

# The article the demo edits after publication, to show versions and their diff.
EDITED_ARTICLE = "06_us_estimate_130k"
EDIT_PARAGRAPH = ("This article has been updated to say that the official spoke on condition "
                  "of anonymity to discuss intelligence assessments.")
VERSIONS_OF_URL = """
select version_no, fetched_at, sentences_added, sentences_removed, is_trivial, added_sentences
from v_article_versions
where url = %s
order by version_no
"""

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


def _show_an_edit(conn: db.Connection, site: DemoSite, fetcher: Fetcher, out: TextIO) -> bool:
    """Edit one published page on the demo site, revisit it, and print its versions."""
    from storywatch.sources.revisit import revisit_batch

    url = site.page_url(EDITED_ARTICLE)
    if url is None:
        return True
    site.append_paragraph(url, EDIT_PARAGRAPH)
    with conn.cursor() as cur:
        cur.execute("select document_id from documents where url = %s", (url,))
        row = cur.fetchone()
    conn.rollback()
    if row is None:
        return False
    counts = revisit_batch(conn, [int(row[0])], fetcher)
    print(f"\nthe newsroom edited {url}; revisited: {counts['new_versions']} new version(s)",
          file=out)
    with conn.cursor() as cur:
        cur.execute(VERSIONS_OF_URL, (url,))
        for version_no, fetched_at, added, removed, trivial, sentences in cur.fetchall():
            change = "first version" if added is None else (
                f"+{added} / -{removed} sentences" + (", trivial" if trivial else ""))
            print(f"  v{version_no} fetched {fetched_at:%Y-%m-%d %H:%M} UTC: {change}", file=out)
            for sentence in sentences or []:
                print(f"      + {sentence}", file=out)
    conn.rollback()
    return counts["failed"] == 0


def _track_follow_ups(conn: db.Connection, settings: Settings, out: TextIO) -> bool:
    """Serve the follow-up articles as feeds on loopback, poll them, process, print what moved."""
    import dataclasses
    import ipaddress

    from storywatch.cli.demo_site import HOST, serve_follow_ups
    from storywatch.sources.feeds import add_feed
    from storywatch.sources.polling import poll_feeds
    from storywatch.stages import process_pending
    from storywatch.tracking.review import list_developments, render_paths, render_table
    from storywatch.tracking.sync import sync_seed_threads
    from storywatch.web.fetch import Fetcher

    threads = sync_seed_threads(conn, settings.seeds_dir)
    polled_ok = True
    if FOLLOW_UPS.is_dir():
        # The fetcher may reach the demo's own loopback site, and only for this run; no
        # politeness pause between requests to a server of our own.
        local = dataclasses.replace(
            settings, host_interval=0.0,
            allowed_networks=(*settings.allowed_networks, ipaddress.ip_network(f"{HOST}/32")))
        with serve_follow_ups(FOLLOW_UPS) as site:
            feed_ids = []
            for url, outlet in site.feeds:
                add_feed(conn, url, outlet)
                with conn.cursor() as cur:
                    cur.execute("select feed_id from feeds where url = %s", (url,))
                    feed_ids.append(int(cur.fetchone()[0]))  # type: ignore[index]
                conn.commit()
            counts = poll_feeds(conn, feed_ids, Fetcher(local), settings=local)
            print(f"follow-up news on {site.base_url}: {len(site.feeds)} feeds polled, "
                  f"{counts.new_items} new items, {counts.new_documents} new articles, "
                  f"{counts.failed + counts.pages_failed} failed", file=out)
            edited_ok = _show_an_edit(conn, site, Fetcher(local), out)
            # The site goes away with the demo: later polls must not keep trying it.
            with conn.cursor() as cur:
                cur.execute(PARK_DEMO_FEEDS, (feed_ids,))
            conn.commit()
        polled_ok = counts.failed == 0 and counts.pages_failed == 0 and edited_ok
    results = process_pending(conn)
    for stage, stage_counts in results.items():
        print(f"{stage}: {stage_counts['done']} done, {stage_counts['skipped']} skipped, "
              f"{stage_counts['failed']} failed", file=out)
    print(f"\ndevelopments of the {threads} threads, in publication order:\n", file=out)
    print(render_table(list_developments(conn).rows), file=out)
    print("where each slot went:\n", file=out)
    print(render_paths(conn), file=out)
    failed = sum(stage_counts["failed"] for stage_counts in results.values())
    return failed == 0 and polled_ok
