"""A full run, then the same run again: zero new rows in every table of the public schema.

The run is what an operator's day does: load `seeds/` (articles, threads,
feeds), add feeds served on loopback, `storywatch poll`, `storywatch revisit
--all`, `storywatch process`. The commands run in this process (cli.main), so
the network guard watches every connection. Before the second run every feed
is made due again, so the second poll really asks (one feed answers 304 to its
validators, the other ignores them and sends the same body) and every tracked
article is fetched again.
"""
from __future__ import annotations

import pytest

from storywatch.cli import main as cli
from storywatch.seeding import load_seeds
from storywatch.settings import Settings
from storywatch.sources.feeds import add_feed
from storywatch.store import db
from tests.newssite import PARAGRAPHS_A, PARAGRAPHS_B, Item, article_page, rss
from tests.ownserver import table_counts

pytestmark = [pytest.mark.integration, pytest.mark.slow]

# Tables a full run must fill, or the comparison proves nothing.
MUST_HAVE_ROWS = {"sources", "documents", "document_versions", "feeds", "feed_items",
                  "tracked_articles", "raw_responses", "stage_runs", "robots_cache",
                  "host_politeness", "threads", "thread_slots", "entities", "entity_mentions",
                  "claims", "version_extractions", "copy_signatures", "story_copies",
                  "observations", "developments", "thread_state"}


def serve_site(server) -> list[str]:
    wire = [Item("Troops massed near Ukraine", "/world/troops", summary="Troops massed."),
            Item("Talks in Geneva", "/world/talks", summary="Talks ended."),
            Item("Live: no link, summary only", None, guid="live-1",
                 summary="Diplomats said another round of talks could take place next week.")]
    digest = [Item("Alert raised for 8,500 soldiers", "/us/alert", summary="Alert.")]
    server.conditional("/wire.xml", rss(wire, title="Test Wire"), etag='"wire-1"',
                       content_type="application/rss+xml")
    server.static("/digest.xml", rss(digest, title="Test Digest"), content_type="application/rss+xml")
    server.static("/world/troops", article_page("Troops massed near Ukraine", PARAGRAPHS_A))
    server.static("/world/talks", article_page("Talks in Geneva", PARAGRAPHS_A[1:] + PARAGRAPHS_A[:1]))
    server.static("/us/alert", article_page("Alert raised for 8,500 soldiers", PARAGRAPHS_B))
    server.robots("User-agent: *\nDisallow: /private/\n")
    return [server.url("/wire.xml"), server.url("/digest.xml")]


def full_run(url: str, feeds: list[str]) -> None:
    conn = db.connect(url)
    try:
        load_seeds(conn, Settings.from_env().seeds_dir)
        for feed in feeds:
            add_feed(conn, feed, reactivate=False)
    finally:
        conn.close()
    for command in (["poll"], ["revisit", "--all"], ["process"]):
        assert cli.main(["-q", *command]) == 0, command


def test_full_run_then_the_same_run_again_adds_no_row_to_any_table(
    fresh_database, http_server, netguard, monkeypatch
):
    url = fresh_database()
    for name, value in {"STORYWATCH_DATABASE_URL": url, "STORYWATCH_HOST_INTERVAL": "0",
                        "STORYWATCH_ALLOWED_NETWORKS": "127.0.0.0/8"}.items():
        monkeypatch.setenv(name, value)
    feeds = serve_site(http_server)
    full_run(url, feeds)
    conn = db.connect(url)
    first = table_counts(conn)
    empty = sorted(t for t in MUST_HAVE_ROWS if not first.get(t))
    assert not empty, f"the first run left these tables empty: {empty}"
    assert first["item_errors"] == 0
    with conn.cursor() as cur:
        cur.execute("update feeds set next_poll_at = now() - interval '1 minute'")
    conn.commit()
    asked = len(http_server.requests)

    full_run(url, feeds)
    second = table_counts(conn)
    conn.close()
    assert http_server.hits("/wire.xml") == 2 and http_server.hits("/digest.xml") == 2
    assert http_server.hits("/world/troops") == 3  # polled, then revisited by each run
    assert len(http_server.requests) > asked
    grown = {t: (first.get(t), n) for t, n in second.items() if n != first.get(t)}
    assert not grown, f"rows added by the second run (before, after): {grown}"
    assert not netguard.violations
