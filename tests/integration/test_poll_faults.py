"""Polling under faults: a killed poller, a database restart mid-poll, two pollers at once.

Each test runs on a PostgreSQL server of its own (tests/ownserver.py), never the
shared test server, and polls feeds that a loopback server holds open on an
Event, so the fault lands at a known point of the poll without sleeps.
"""
from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler

import pytest

from storywatch.sources.feeds import add_feed
from storywatch.store import db
from tests.httpserver import LocalServer, send
from tests.newssite import PARAGRAPHS_A, Item, article_page, rss
from tests.ownserver import (
    assert_same_contents,
    error_lines,
    leaked_failures,
    other_backends,
    start_cli,
    table_contents,
    table_counts,
    wait_for,
)

pytestmark = [pytest.mark.integration, pytest.mark.slow]

# Raw bodies carry the server's Date header; politeness and robots rows carry times.
TIME_DEPENDENT = frozenset({"raw_responses", "host_politeness", "robots_cache"})


@pytest.fixture
def gate() -> Iterator[threading.Event]:
    """An Event that held routes wait on; set at the end of the test whatever happens."""
    event = threading.Event()
    yield event
    event.set()


def held(server: LocalServer, path: str, body: str, gate: threading.Event,
         content_type: str = "text/html; charset=utf-8") -> None:
    """Serve `body` at `path` once `gate` is set (the request is recorded on arrival)."""
    def respond(h: BaseHTTPRequestHandler) -> None:
        gate.wait(60)
        send(h, 200, body.encode(), content_type=content_type)
    server.handler(path, respond)


def news_site(server: LocalServer, feed: str, pages: int, *, prefix: str = "/p") -> list[Item]:
    """A feed at `feed` of `pages` items whose pages are served (each its own text)."""
    items = [Item(f"Story {prefix} {n}", f"{prefix}/{n}", summary=f"summary {n}") for n in range(pages)]
    for n, item in enumerate(items):
        paragraphs = [f"Dispatch {prefix} {n}: " + PARAGRAPHS_A[0], *PARAGRAPHS_A[1:]]
        server.static(item.link, article_page(item.title, paragraphs))
    server.static(feed, rss(items), content_type="application/rss+xml")
    return items


def allowed(server: LocalServer) -> dict[str, str]:
    """The environment that lets a storywatch subprocess reach the loopback server."""
    return {"STORYWATCH_ALLOWED_NETWORKS": "127.0.0.0/8"}


def poll_counts(stdout: str) -> dict[str, int]:
    """`storywatch poll`'s summary line as numbers ('new items: 3, ...')."""
    line = [line for line in stdout.splitlines() if line.startswith("feeds:")][-1]
    return {key.strip(): int(value) for key, value in
            (part.split(":") for part in line.split(","))}


def reference_poll(make_database, server: LocalServer) -> dict:
    """State after one uninterrupted `storywatch poll` of the same site on a new database."""
    url = make_database()
    conn = db.connect(url)
    add_feed(conn, server.url("/feed.xml"))
    conn.close()
    done = start_cli(url, "poll", **allowed(server))
    out, err = done.communicate(timeout=120)
    assert done.returncode == 0, err
    conn = db.connect(url)
    try:
        return {"counts": table_counts(conn), "contents": table_contents(conn, TIME_DEPENDENT)}
    finally:
        conn.close()


def test_poller_killed_mid_batch_is_caught_up_by_the_next_poll_with_the_same_result(
    fresh_database, http_server, gate
):
    news_site(http_server, "/feed.xml", 3)
    url = fresh_database()
    conn = db.connect(url)
    add_feed(conn, http_server.url("/feed.xml"))
    # The second page is held: the poller is killed while it waits for it.
    held(http_server, "/p/1", article_page("Story /p 1", [f"Dispatch /p 1: {PARAGRAPHS_A[0]}",
                                                         *PARAGRAPHS_A[1:]]), gate)
    poller = start_cli(url, "poll", **allowed(http_server))
    wait_for(lambda: http_server.hits("/p/1") == 1, "the poller to ask for the held page")
    poller.send_signal(signal.SIGKILL)
    poller.wait(timeout=30)
    gate.set()
    wait_for(lambda: other_backends(url, conn) == 0, "the killed poller's sessions to end", 30)
    with conn.cursor() as cur:
        cur.execute("select status, count(*) from feed_items group by status order by status")
        assert cur.fetchall() == [("pending", 2), ("stored", 1)]
        # The next poll comes when the feed is due again (minutes later, after new entries).
        cur.execute("update feeds set next_poll_at = now()")
    conn.commit()

    again = start_cli(url, "poll", **allowed(http_server))
    out, err = again.communicate(timeout=120)
    assert again.returncode == 0, err
    assert poll_counts(out)["feeds"] == 1, "the killed poller's claim died with it"
    assert not leaked_failures(err)
    resumed = {"counts": table_counts(conn), "contents": table_contents(conn, TIME_DEPENDENT)}
    conn.close()
    reference = reference_poll(fresh_database, http_server)
    assert resumed["counts"] == reference["counts"]
    assert_same_contents(resumed["contents"], reference["contents"])
    assert http_server.hits("/p/0") == 2 and http_server.hits("/p/2") == 2  # once per database


def test_database_restart_during_a_poll_fails_cleanly_and_the_next_poll_catches_up(
    own_server, fresh_database, http_server, gate
):
    news_site(http_server, "/feed.xml", 2)
    url = fresh_database()
    conn = db.connect(url)
    add_feed(conn, http_server.url("/feed.xml"))
    conn.close()
    feed = rss([Item("Story /p 0", "/p/0"), Item("Story /p 1", "/p/1")])
    held(http_server, "/feed.xml", feed, gate, content_type="application/rss+xml")
    poller = start_cli(url, "poll", **allowed(http_server))
    wait_for(lambda: http_server.hits("/feed.xml") == 1, "the poller to ask for the feed")
    own_server.stop()   # fast shutdown: every session is cut
    own_server.start()
    gate.set()          # the feed arrives after the restart
    out, err = poller.communicate(timeout=120)
    assert poller.returncode == 1, (out, err)
    lines = error_lines(err)
    assert len(lines) == 1 and "lost the database connection" in lines[0], err
    assert "run the command again" in lines[0] and "Traceback" not in err

    conn = db.connect(url)
    with conn.cursor() as cur:
        cur.execute("select count(*) from feed_items")
        assert cur.fetchone()[0] == 0  # nothing of the interrupted poll was kept
        cur.execute("select last_polled_at is null, next_poll_at <= now() from feeds")
        assert cur.fetchone() == (True, True)  # still due: the next poll takes it
    conn.rollback()
    again = start_cli(url, "poll", **allowed(http_server))
    out, err = again.communicate(timeout=120)
    assert again.returncode == 0, err
    counts = poll_counts(out)
    assert (counts["feeds"], counts["new items"], counts["new documents"]) == (1, 2, 2), out
    with conn.cursor() as cur:
        cur.execute("select status, count(*) from feed_items group by status")
        assert cur.fetchall() == [("stored", 2)]
        cur.execute("select count(*) from item_errors")
        assert cur.fetchone()[0] == 0
    conn.close()


def test_two_pollers_at_once_poll_each_feed_and_page_once(fresh_database, http_server):
    feeds, pages_per_feed = 6, 3
    both_asking = threading.Event()
    arrived: list[str] = []
    lock = threading.Lock()

    def barrier_feed(body: str):
        def respond(h: BaseHTTPRequestHandler) -> None:
            with lock:
                arrived.append(h.path)
                if len(arrived) >= 2:
                    both_asking.set()
            both_asking.wait(60)  # the first two feed requests wait for each other
            send(h, 200, body.encode(), content_type="application/rss+xml")
        return respond

    url = fresh_database()
    conn = db.connect(url)
    for f in range(feeds):
        items = news_site(http_server, f"/feed-{f}.xml", pages_per_feed, prefix=f"/f{f}")
        http_server.handler(f"/feed-{f}.xml", barrier_feed(rss(items)))
        add_feed(conn, http_server.url(f"/feed-{f}.xml"))
    pollers = [start_cli(url, "poll", **allowed(http_server)) for _ in range(2)]
    results = [p.communicate(timeout=180) for p in pollers]
    for p, (_out, err) in zip(pollers, results, strict=True):
        assert p.returncode == 0, err
        assert not leaked_failures(err), err
    counts = [poll_counts(out) for out, _ in results]
    assert all(c["feeds"] > 0 for c in counts), f"both pollers must have worked: {counts}"
    total = {key: sum(c[key] for c in counts) for key in counts[0]}
    assert total["feeds"] == feeds and total["unchanged"] == 0 and total["failed"] == 0
    assert total["new items"] == total["new documents"] == feeds * pages_per_feed
    for f in range(feeds):
        assert http_server.hits(f"/feed-{f}.xml") == 1
        for n in range(pages_per_feed):
            assert http_server.hits(f"/f{f}/{n}") == 1
    state = table_counts(conn)
    assert state["feed_items"] == state["documents"] == state["document_versions"] == feeds * pages_per_feed
    assert state["item_errors"] == 0
    conn.close()
