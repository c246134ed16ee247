"""Per-host politeness and the robots.txt cache in PostgreSQL, shared by processes."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading
import time
from datetime import UTC, datetime, timedelta

import psycopg2
import pytest

from storywatch.settings import REPO_ROOT
from storywatch.store import db
from storywatch.web.fetch import Fetcher, FetchError, connect_fetcher
from storywatch.web.politeness import PgPoliteness
from storywatch.web.robots import PgRobotsCache, RobotsEntry

pytestmark = pytest.mark.integration

WORKER = textwrap.dedent(
    """
    import sys, time
    from storywatch.web.politeness import PgPoliteness
    politeness = PgPoliteness.connect(sys.argv[1], float(sys.argv[2]))
    for _ in range(int(sys.argv[3])):
        slot = politeness.reserve("shared.test")
        assert slot.granted, slot
        time.sleep(slot.wait)
        print(time.time(), flush=True)
    """
)


def test_slots_for_one_host_are_an_interval_apart_across_processes(conn, database_url):
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, database_url, "0.25", "4"],
            stdout=subprocess.PIPE,
            text=True,
            env={"PYTHONPATH": str(REPO_ROOT / "plugins")},
        )
        for _ in range(3)
    ]
    times = sorted(float(line) for w in workers for line in w.communicate(timeout=60)[0].split())
    assert all(w.returncode == 0 for w in workers)
    assert len(times) == 12
    gaps = [b - a for a, b in zip(times, times[1:], strict=False)]
    assert min(gaps) >= 0.2, gaps  # 0.25 s apart, less scheduling noise
    assert times[-1] - times[0] >= 11 * 0.25 - 0.1


def test_two_workers_fetching_one_host_keep_the_interval(conn, database_url, http_server):
    http_server.robots("User-agent: *\nDisallow: /private/\n")
    for i in range(3):
        http_server.static(f"/a{i}", "a").static(f"/b{i}", "b")
    fetchers = [
        connect_fetcher(http_server.settings(host_interval=0.3), database_url) for _ in range(2)
    ]

    def crawl(fetcher: Fetcher, prefix: str) -> None:
        for i in range(3):
            fetcher.fetch(http_server.url(f"/{prefix}{i}"), check_robots=True)

    threads = [
        threading.Thread(target=crawl, args=(f, p)) for f, p in zip(fetchers, "ab", strict=True)
    ]
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for f in fetchers:
        f.close()
    pages = [r for r in http_server.requests if r.path != "/robots.txt"]
    assert len(pages) == 6
    # Each request had its own 0.3 s slot: the last can arrive no sooner than that many slots
    # after the start. (Gaps between single arrivals jitter under load; the span cannot shrink.)
    arrivals = sorted(r.at for r in http_server.requests)
    assert arrivals[-1] - started >= 0.3 * (len(arrivals) - 1)
    assert (
        http_server.hits("/robots.txt") <= 2
    )  # at most one per worker racing to fill the shared cache


def test_retry_after_is_stored_for_every_worker(conn, database_url, http_server):
    http_server.status("/busy", 503, retry_after="300").static("/ok", "ok")
    first = Fetcher(http_server.settings(), politeness=PgPoliteness(db.connect(database_url), 0))
    assert first.fetch(http_server.url("/busy")).status == 503
    other = Fetcher(
        http_server.settings(), politeness=PgPoliteness(db.connect(database_url), 0, max_wait=10)
    )
    with pytest.raises(FetchError) as caught:
        other.fetch(http_server.url("/ok"))
    assert caught.value.reason == "backoff"
    assert http_server.hits("/ok") == 0
    with conn.cursor() as cur:
        cur.execute(
            "select last_status, blocked_until > now() + interval '290 seconds' from host_politeness"
        )
        assert cur.fetchall() == [(503, True)]


def test_refused_reservation_takes_no_slot(conn, database_url):
    politeness = PgPoliteness(db.connect(database_url), 5, max_wait=1)
    assert politeness.reserve("busy.test").granted
    refused = politeness.reserve("busy.test")
    assert not refused.granted and 3 < refused.wait <= 5
    with conn.cursor() as cur:
        cur.execute("select next_slot_at - now() < interval '6 seconds' from host_politeness")
        assert cur.fetchone() == (True,)


def test_robots_cache_is_shared_through_the_database_and_expires(conn, database_url, http_server):
    http_server.robots("User-agent: *\nDisallow: /private/\n").static("/news", "n")
    first = Fetcher(http_server.settings(), robots_cache=PgRobotsCache(db.connect(database_url)))
    first.fetch(http_server.url("/news"), check_robots=True)
    second = Fetcher(http_server.settings(), robots_cache=PgRobotsCache(db.connect(database_url)))
    with pytest.raises(FetchError):
        second.fetch(http_server.url("/private/x"), check_robots=True)
    assert http_server.hits("/robots.txt") == 1
    cache = PgRobotsCache(db.connect(database_url))
    now = datetime.now(UTC)
    cache.put(
        "http://old.test",
        RobotsEntry("allow_all", 404, None, now - timedelta(days=2), now - timedelta(days=1)),
    )
    assert cache.get("http://old.test") is None
    with conn.cursor() as cur:
        cur.execute("select count(*) from robots_cache")
        assert cur.fetchone() == (2,)


def test_politeness_rows_are_idempotent_per_host(conn, database_url):
    politeness = PgPoliteness(db.connect(database_url), 0)
    for _ in range(3):
        politeness.reserve("one.test")
        politeness.back_off("one.test", 1, 429)
    with conn.cursor() as cur:
        cur.execute("select count(*) from host_politeness")
        assert cur.fetchone() == (1,)
    with pytest.raises(psycopg2.Error):
        with conn.cursor() as cur:
            cur.execute(
                "insert into host_politeness (host, next_slot_at) values ('one.test', now())"
            )
    conn.rollback()


def test_crawl_delay_paces_every_worker_sharing_the_database(conn, database_url, http_server):
    http_server.robots("User-agent: storywatch\nCrawl-delay: 0.5\n")
    for i in range(3):
        http_server.static(f"/a{i}", "a").static(f"/b{i}", "b")
    # The configured interval is far shorter: the robots.txt delay must be what paces them.
    fetchers = [
        connect_fetcher(http_server.settings(host_interval=0.05), database_url) for _ in range(2)
    ]
    fetchers[0].fetch(http_server.url("/a0"), check_robots=True)  # reads robots.txt first

    def crawl(fetcher: Fetcher, prefix: str, start: int) -> None:
        for i in range(start, 3):
            fetcher.fetch(http_server.url(f"/{prefix}{i}"), check_robots=True)

    threads = [
        threading.Thread(target=crawl, args=args) for args in ((fetchers[0], "a", 1),
                                                              (fetchers[1], "b", 0))
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for f in fetchers:
        f.close()
    pages = sorted(r.at for r in http_server.requests if r.path != "/robots.txt")
    assert len(pages) == 6
    assert pages[-1] - pages[0] >= 0.5 * 5 - 0.1
    assert http_server.hits("/robots.txt") == 1  # the second worker used the shared entry
    with conn.cursor() as cur:
        cur.execute("select crawl_delay, crawl_delay_until > now() + interval '23 hours' "
                    "from host_politeness")
        assert cur.fetchall() == [(0.5, True)]


def test_longer_crawl_delay_wins_while_both_are_in_force(conn, database_url):
    politeness = PgPoliteness(db.connect(database_url), 0, max_wait=60)
    until = datetime.now(UTC) + timedelta(hours=1)
    politeness.set_crawl_delay("two.test", 3, until)
    politeness.set_crawl_delay("two.test", 1, until)
    assert politeness.reserve("two.test").wait == 0
    assert 2.5 < politeness.reserve("two.test").wait <= 3
    politeness.set_crawl_delay("gone.test", 30, datetime.now(UTC) - timedelta(seconds=1))
    politeness.reserve("gone.test")
    assert politeness.reserve("gone.test").wait < 0.5
