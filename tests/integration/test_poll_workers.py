"""Polling with several workers: hosts take turns, each host's requests stay spaced."""
from __future__ import annotations

import pytest

from storywatch.sources.feeds import add_feed, poll_batch, poll_due
from storywatch.web.fetch import connect_fetcher
from tests.newssite import rss

pytestmark = pytest.mark.integration

HOSTS = ("alpha.news.test", "bravo.news.test", "charlie.news.test")
INTERVAL = 0.4
ARRIVAL_JITTER = 0.06


def _serve_feeds(http_server, conn):
    """Two feeds on each made-up host, all answered by the loopback server; their ids."""
    port = http_server.url("/").split(":")[2].split("/")[0]
    ids = []
    for host in HOSTS:
        for n in (1, 2):
            path = f"/{host.split('.')[0]}-{n}.xml"
            http_server.static(path, rss([], title=f"{host} {n}"),
                               content_type="application/rss+xml")
            add_feed(conn, f"http://{host}:{port}{path}")
            with conn.cursor() as cur:
                cur.execute("select feed_id from feeds where url = %s",
                            (f"http://{host}:{port}{path}",))
                ids.append(cur.fetchone()[0])
    with conn.cursor() as cur:
        cur.execute("update feeds set next_poll_at = now() - interval '1 minute'")
    conn.commit()
    return ids


def _fetcher(http_server, database_url):
    def resolve(host, _port):
        if host not in HOSTS:
            raise OSError(f"{host} is not a test host")
        return ["127.0.0.1"]

    return connect_fetcher(http_server.settings(host_interval=INTERVAL), database_url,
                           resolver=resolve, total_timeout=2.0, connect_timeout=1.0)


def _requests_by_host(http_server):
    by_host = {}
    for request in http_server.requests:
        by_host.setdefault(request.headers["host"].split(":")[0], []).append(request.at)
    return by_host


def test_workers_poll_every_feed_once_with_hosts_taking_turns(conn, http_server, database_url):
    ids = _serve_feeds(http_server, conn)
    fetcher = _fetcher(http_server, database_url)
    try:
        counts = poll_batch(conn, ids, fetcher, settings=fetcher.settings, workers=3,
                            database_url=database_url)
    finally:
        fetcher.close()
    assert counts["feeds"] == len(ids) and counts["failed"] == 0
    with conn.cursor() as cur:
        cur.execute("select count(*) from feeds where last_polled_at is not null "
                    "and claimed_until is null")
        assert cur.fetchone()[0] == len(ids)
    by_host = _requests_by_host(http_server)
    assert sorted(by_host) == sorted(HOSTS)
    assert all(len(times) == 2 for times in by_host.values())
    # every host's first feed is asked before any host's second: the hosts overlap
    assert max(min(t) for t in by_host.values()) < min(max(t) for t in by_host.values())
    # and one host never sees two requests closer than its interval. Slots are exactly an
    # interval apart; what the server sees also carries each request's own delay between its
    # slot and its arrival (thread wake-up, connect), tens of ms on a loaded 2-core machine.
    # Unpaced workers would put a host's two requests milliseconds apart.
    assert all(max(t) - min(t) >= INTERVAL - ARRIVAL_JITTER for t in by_host.values())


def test_poll_due_with_workers_polls_every_due_feed_in_one_pass(conn, http_server, database_url):
    ids = _serve_feeds(http_server, conn)
    fetcher = _fetcher(http_server, database_url)
    try:
        counts = poll_due(conn, fetcher, settings=fetcher.settings, batch_size=2, workers=3,
                          database_url=database_url)
        again = poll_due(conn, fetcher, settings=fetcher.settings, batch_size=2, workers=3,
                         database_url=database_url)
    finally:
        fetcher.close()
    assert counts["feeds"] == len(ids) and counts["failed"] == 0
    assert again["feeds"] == 0  # nothing is due any more: each feed was polled once
    assert len(http_server.requests) == len(ids)
