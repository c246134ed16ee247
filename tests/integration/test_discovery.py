"""Discovery: threads' queries become search feeds on a loopback search endpoint, screened by relevance.

The endpoint answers each query from a fixture file (tests/fixtures/search/);
its results link to article pages on the same loopback server. Nothing here
leaves 127.0.0.1.
"""
from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from storywatch.cli.main import main
from storywatch.seeding import sync_discovery
from storywatch.settings import Settings
from storywatch.sources.feeds import poll_batch
from storywatch.tracking.discovery import relevance_filter
from storywatch.tracking.sync import sync_seed_threads
from tests.httpserver import LocalServer, send
from tests.newssite import PARAGRAPHS_A, article_page, loopback_fetcher

pytestmark = pytest.mark.integration

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "search"
EMPTY = '<?xml version="1.0"?><rss version="2.0"><channel><title>No results</title></channel></rss>'
RELEVANT = ["/world/iran-talks-resume", "/world/final-text"]
IRRELEVANT = ["/sport/iran-football", "/city/tehran-metro"]


def search_endpoint(server: LocalServer) -> str:
    """Serve /search?q=QUERY from the fixture files; the discovery template for it."""
    def respond(handler) -> None:
        query = parse_qs(urlsplit(handler.path).query).get("q", [""])[0]
        name = re.sub(r"[^a-z0-9]+", "-", query.lower()).strip("-") + ".xml"
        path = FIXTURES / name
        body = path.read_text(encoding="utf-8") if path.exists() else EMPTY
        send(handler, 200, body.replace("{site}", server.url("")).encode(),
             content_type="application/rss+xml")
    server.handler("/search", respond)
    for link in RELEVANT + IRRELEVANT:
        server.static(link, article_page(f"Story at {link}", [
            "Iran and the world powers met again in Vienna to revive the nuclear deal, "
            "diplomats said on Monday.", *PARAGRAPHS_A[1:]]))
    return server.url("/search") + "?q={query}&format=rss"


def settings_with(template: str, server: LocalServer) -> Settings:
    return Settings(discovery_urls=template, allowed_networks=server.settings().allowed_networks)


def search_feeds(conn) -> list[tuple[str, str, str, bool]]:
    with conn.cursor() as cur:
        cur.execute("select thread_slug, query, url, active from feeds where kind = 'search'"
                    " order by feed_id")
        rows = cur.fetchall()
    conn.rollback()
    return rows


def test_nothing_is_searched_while_discovery_is_off(conn):
    sync_seed_threads(conn, Settings.from_env().seeds_dir)
    assert sync_discovery(conn, Settings(discovery_urls="")) is None
    assert search_feeds(conn) == []


def test_each_query_and_template_is_one_search_feed_with_the_query_url_encoded(conn, http_server):
    sync_seed_threads(conn, Settings.from_env().seeds_dir)
    template = search_endpoint(http_server)
    report = sync_discovery(conn, settings_with(template, http_server))
    rows = search_feeds(conn)
    # the seed article is not processed here, so no seed-entities query yet
    assert [(slug, query) for slug, query, _, _ in rows] == [
        ("jcpoa-talks", "Iran nuclear talks Vienna"), ("jcpoa-talks", "JCPOA"),
        ("jcpoa-talks", "Iran uranium enrichment IAEA"),
        ("ukraine-buildup", "Russia troops Ukraine border"),
        ("ukraine-buildup", "Russia Ukraine invasion")]
    assert report is not None and report.added == 5 and report.retired == 0
    assert rows[0][2] == template.replace("{query}", "Iran%20nuclear%20talks%20Vienna")
    again = sync_discovery(conn, settings_with(template + "&again=1", http_server))
    assert again is not None and again.added == 5 and again.retired == 5  # the old URLs retire
    assert sum(active for *_, active in search_feeds(conn)) == 5


def test_search_results_are_fetched_only_when_the_threads_relevance_accepts_them(conn, http_server):
    sync_seed_threads(conn, Settings.from_env().seeds_dir)
    template = search_endpoint(http_server)
    sync_discovery(conn, settings_with(template, http_server))
    with conn.cursor() as cur:
        cur.execute("select feed_id from feeds where kind = 'search' order by feed_id")
        ids = [row[0] for row in cur.fetchall()]
    conn.rollback()
    fetcher = loopback_fetcher(http_server)

    unscreened = poll_batch(conn, ids, fetcher)  # a poller without the thread's rules
    assert unscreened["new_items"] == 5 and unscreened["new_documents"] == 0
    assert all(http_server.hits(path) == 0 for path in RELEVANT + IRRELEVANT)

    with conn.cursor() as cur:
        cur.execute("update feeds set next_poll_at = now(), body_sha256 = null, etag = null")
    conn.commit()
    counts = poll_batch(conn, ids, fetcher, entry_filter=relevance_filter(conn))
    assert counts["irrelevant"] == 2 and counts["new_documents"] == 2, str(counts)
    assert [http_server.hits(path) for path in RELEVANT] == [1, 1]  # listed twice, fetched once
    assert [http_server.hits(path) for path in IRRELEVANT] == [0, 0]
    with conn.cursor() as cur:
        cur.execute("select i.link, i.status from feed_items as i order by i.link, i.feed_id")
        statuses = cur.fetchall()
    conn.rollback()
    site = http_server.url("")
    assert statuses == [
        (f"{site}/city/tehran-metro", "irrelevant"), (f"{site}/sport/iran-football", "irrelevant"),
        (f"{site}/world/final-text", "stored"), (f"{site}/world/iran-talks-resume", "stored"),
        (f"{site}/world/iran-talks-resume", "stored")]


def test_feeds_list_shows_search_feeds_with_thread_and_query(conn, database_url, http_server,
                                                           monkeypatch, capsys):
    monkeypatch.setenv("STORYWATCH_DATABASE_URL", database_url)
    monkeypatch.setenv("STORYWATCH_DISCOVERY_URLS", search_endpoint(http_server))
    assert main(["threads", "sync"]) == 0
    assert "search feeds: 5 (5 new, 0 retired)" in capsys.readouterr().out
    assert main(["feeds", "list"]) == 0
    table = capsys.readouterr().out
    assert "jcpoa-talks: Iran nuclear talks Vienna" in table
    assert "ukraine-buildup: Russia Ukraine invasion" in table
    import json
    assert main(["feeds", "list", "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert {(r["kind"], r["thread"], r["query"]) for r in rows} >= {
        ("search", "jcpoa-talks", "JCPOA"), ("search", "ukraine-buildup", "Russia troops Ukraine border")}


def test_a_bad_discovery_variable_fails_the_sync_with_a_clear_error(database_url, monkeypatch, capsys):
    monkeypatch.setenv("STORYWATCH_DATABASE_URL", database_url)
    monkeypatch.setenv("STORYWATCH_DISCOVERY_URLS", "gdelt,no-such-preset")
    assert main(["threads", "sync"]) != 0
    err = capsys.readouterr().err
    assert "unknown preset 'no-such-preset'" in err and "gdelt" in err


def test_seed_entities_add_a_query_of_the_seed_articles_most_salient_entities(conn, http_server):
    from storywatch.seeding import load_seed_articles
    from storywatch.stages import process_pending

    seeds = Settings.from_env().seeds_dir
    sync_seed_threads(conn, seeds)
    load_seed_articles(conn, seeds)
    process_pending(conn)
    with conn.cursor() as cur:  # what the query should be: the seed's top stored entities
        cur.execute("select e.entity from v_entities as e join document_versions as v"
                    " using (document_version_id) join documents as d on d.document_id = v.document_id"
                    " where d.origin = 'file' order by e.mention_count desc, e.first_char, e.entity"
                    " limit 3")
        top = [row[0] for row in cur.fetchall()]
    conn.rollback()
    assert len(top) == 3
    expected = " ".join(f'"{name}"' if " " in name else name for name in top)
    sync_discovery(conn, settings_with(search_endpoint(http_server), http_server))
    queries = [(slug, query) for slug, query, _, _ in search_feeds(conn)]
    assert ("jcpoa-talks", expected) in queries  # the seed is relevant to the JCPOA thread only
    assert not any(slug == "ukraine-buildup" and query == expected for slug, query in queries)
